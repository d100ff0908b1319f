"""`prolan-probe demo [--days N] [--seed S] [--live]`: the simulated chain in the configured
database, and `prolan-probe simulate`: its pads pressing in real time through a probe's ingest."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import signal
import time
from typing import Any

from probe.commands.base import CommandError, Context, parse_local_time
from probe.config import default_data_dir
from probe.demo import DEGRADING_POINT, install_demo
from probe.demo.live import (
    DEFAULT_INGEST,
    DEFAULT_SMTP,
    DEFAULT_SNMP,
    LiveDemoError,
    run_live_demo,
    settings_for,
    split_address,
)
from probe.demo.mailsink import MailSinkUnavailable
from probe.demo.simulator import simulate_live
from probe.i18n import _
from probe.ingest.config import IngestConfig
from probe.store.db import init_db


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo", help=_("install a simulated chain with presses up to now (--live: and keep it living)")
    )
    demo.add_argument(
        "--days",
        type=float,
        default=3.0,
        help=_("days of history before today (default 3; 0: only the topology)"),
    )
    demo.add_argument(
        "--hours", type=float, help=_("only the last N hours of history instead of --days (a quicker start)")
    )
    demo.add_argument("--seed", type=int, default=1, help=_("random seed (same seed, same data)"))
    demo.add_argument(
        "--until", help=_("simulate up to this ISO time instead of now (for reproducible runs)")
    )
    live = demo.add_argument_group(_("the living demo"))
    live.add_argument(
        "--live",
        action="store_true",
        help=_("then run the probe, the pads' simulator, a local mail server and the console until Ctrl-C"),
    )
    live.add_argument(
        "--ingest",
        default=DEFAULT_INGEST,
        metavar="HOST:PORT",
        help=_("the probe's TCP ingest (default %(default)s)"),
    )
    live.add_argument(
        "--smtp",
        default=DEFAULT_SMTP,
        metavar="HOST:PORT",
        help=_("the local mail server (default %(default)s)"),
    )
    live.add_argument(
        "--snmp",
        default=DEFAULT_SNMP,
        metavar="HOST:PORT",
        help=_("the probe's SNMP agent (default %(default)s)"),
    )
    live.add_argument("--no-console", action="store_true", help=_("do not start the console"))
    demo.set_defaults(func=cmd_demo)

    simulate = sub.add_parser(
        "simulate", help=_("the demo chain's pads: presses in real time through a probe's TCP ingest")
    )
    simulate.add_argument(
        "--to", metavar="HOST:PORT", help=_("the probe's ingest (default: [ingest.tcp] listen)")
    )
    simulate.add_argument("--token", help=_("AUTH token (default: the first of [ingest.tcp] tokens)"))
    simulate.add_argument("--start", help=_("first simulated minute, ISO time (default now)"))
    simulate.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help=_(
            "simulated minutes per real minute (default 1: the real clock; a --start in the past is caught up at once)"
        ),
    )
    simulate.add_argument(
        "--minutes", type=float, help=_("stop after this many simulated minutes (default: at Ctrl-C)")
    )
    simulate.add_argument("--seed", type=int, default=1, help=_("random seed"))
    simulate.add_argument("--no-queue", action="store_true", help=_("send no queue samples"))
    simulate.set_defaults(func=cmd_simulate)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    end = None
    if args.until:
        if args.live:
            raise CommandError(_("--until and --live exclude each other: the living demo goes on from now"))
        end = parse_local_time(args.until, ctx.config.tz, "--until")
    if not 0 <= args.days <= 400:
        raise CommandError(_("--days must be between 0 and 400"))
    if args.hours is not None and not 0 < args.hours <= 400 * 24:
        raise CommandError(_("--hours must be above 0 and at most 9600"))
    live_settings = None
    if args.live:
        try:
            live_settings = settings_for(
                ctx.config,
                default_data_dir() / "demo",
                ingest=args.ingest,
                smtp=args.smtp,
                snmp=args.snmp,
                console=not args.no_console,
            )
        except LiveDemoError as exc:
            raise CommandError(str(exc)) from None
    started = time.perf_counter()
    init_db(ctx.engine)
    summary = install_demo(
        ctx.engine, ctx.config.tz, days=args.days, seed=args.seed, end=end, hours=args.hours
    )
    tz = ctx.config.tz
    print(
        _(
            "demo: {points} points, {pads} pads, {presses} presses, {samples} queue samples from {start} "
            "to {end} ({zone}); '{point}' degrades over the last hours ({seconds:.1f} s)"
        ).format(
            points=summary.points,
            pads=summary.pads,
            presses=summary.presses,
            samples=summary.queue_samples,
            start=f"{summary.start.astimezone(tz):%Y-%m-%d %H:%M}",
            end=f"{summary.end.astimezone(tz):%Y-%m-%d %H:%M}",
            zone=ctx.config.timezone,
            point=DEGRADING_POINT,
            seconds=time.perf_counter() - started,
        ),
        flush=True,
    )
    if summary.presses:
        for hook in DEMO_HOOKS:
            hook(ctx, summary)
    if live_settings is None:
        return 0
    ctx.close()  # the children open their own connections; this process only supervises
    try:
        return run_live_demo(live_settings, history_end=summary.end, seed=args.seed)
    except (LiveDemoError, MailSinkUnavailable) as exc:
        raise CommandError(str(exc)) from None


# Later subsystems (evaluation of the simulated days, demo maps) append callables here.
DEMO_HOOKS: list[Any] = []


def _ingest_defaults(ctx: Context) -> tuple[str | None, str | None]:
    tcp = ctx.config.section(IngestConfig).tcp
    if tcp is None:
        return None, None
    return tcp.listen, (tcp.tokens[0] if tcp.tokens else None)


def cmd_simulate(ctx: Context, args: argparse.Namespace) -> int:
    listen, token = _ingest_defaults(ctx)
    target = args.to or listen
    if target is None:
        raise CommandError(
            _("where is the ingest? give --to HOST:PORT or an [ingest.tcp] section in the config")
        )
    try:
        host, port = split_address(target, "--to")
    except LiveDemoError as exc:
        raise CommandError(str(exc)) from None
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # a probe listening on every interface is reached on the loopback one
    if args.speed <= 0 or args.speed > 10_000:
        raise CommandError(_("--speed must be above 0 and at most 10000"))
    start = parse_local_time(args.start, ctx.config.tz, "--start") if args.start else dt.datetime.now(dt.UTC)
    until = None if args.minutes is None else start + dt.timedelta(minutes=args.minutes)
    logging.getLogger("probe.simulator").setLevel(logging.INFO)
    if not logging.getLogger().handlers or logging.getLogger().level > logging.INFO:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
        )
    counts = asyncio.run(_simulate(ctx, args, host, port, args.token or token, start, until))
    print(
        _(
            "simulate: {sent} presses sent ({ok} OK, {refused} refused), {samples} queue samples imported"
        ).format(sent=counts.sent, ok=counts.ok, refused=counts.refused, samples=counts.queue_samples),
        flush=True,
    )
    return 1 if counts.refused or counts.queue_imports_failed else 0


async def _simulate(
    ctx: Context,
    args: argparse.Namespace,
    host: str,
    port: int,
    token: str | None,
    start: dt.datetime,
    until: dt.datetime | None,
) -> Any:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        return await simulate_live(
            host,
            port,
            token,
            ctx.config.tz,
            start=start,
            speed=args.speed,
            until=until,
            config_file=ctx.config.source,
            queue_samples=not args.no_queue,
            seed=args.seed,
            stopping=stopping,
        )
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)


__all__ = ["DEMO_HOOKS", "register"]
