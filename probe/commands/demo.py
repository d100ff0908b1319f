"""`prolan-probe demo [--days N] [--seed S]`: the simulated chain in the configured database."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from probe.commands.base import CommandError, Context
from probe.demo import DEGRADING_POINT, install_demo
from probe.store.db import init_db


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="install a simulated chain with presses up to now")
    demo.add_argument("--days", type=float, default=3.0, help="days of history before today (default 3)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    demo.add_argument("--until", help="simulate up to this ISO time instead of now (for reproducible runs)")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    end = None
    if args.until:
        try:
            end = dt.datetime.fromisoformat(args.until)
        except ValueError:
            raise CommandError(f"--until {args.until!r} is not an ISO 8601 time") from None
        if end.tzinfo is None:
            end = end.replace(tzinfo=ctx.config.tz)
    if args.days <= 0 or args.days > 400:
        raise CommandError("--days must be between 0 and 400")
    started = time.perf_counter()
    init_db(ctx.engine)
    summary = install_demo(ctx.engine, ctx.config.tz, days=args.days, seed=args.seed, end=end)
    print(
        f"demo: {summary.points} points, {summary.pads} pads, {summary.presses} presses, "
        f"{summary.queue_samples} queue samples from {summary.start.astimezone(ctx.config.tz):%Y-%m-%d %H:%M} "
        f"to {summary.end.astimezone(ctx.config.tz):%Y-%m-%d %H:%M} ({ctx.config.timezone}); "
        f"'{DEGRADING_POINT}' degrades over the last hours ({time.perf_counter() - started:.1f} s)"
    )
    for hook in DEMO_HOOKS:
        hook(ctx, summary)
    return 0


# Later subsystems (evaluation of the simulated days, demo maps) append callables here.
DEMO_HOOKS: list[Any] = []
