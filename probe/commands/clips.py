"""`prolan-probe clips [--since T]`: cut the fragments that are due now, once, and exit."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from probe.clips.runner import ClipCutter
from probe.commands.base import CommandError, Context


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "clips",
        help="cut audio fragments around presses once (the service does it continuously)",
        description="Cut the fragments of every due press of the [clips] kinds, retrying presses "
        "whose recording was missing, then exit.",
    )
    parser.add_argument(
        "--since",
        metavar="T",
        help="only presses at or after T (ISO 8601; no offset = the probe's time zone); "
        "default: [clips] lookback_days ago",
    )
    parser.set_defaults(func=cmd_clips)


def parse_since(text: str, ctx: Context) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since {text!r}: not an ISO 8601 time (e.g. 2026-11-22T10:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.config.tz)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def cmd_clips(ctx: Context, args: argparse.Namespace) -> int:
    since = parse_since(args.since, ctx) if args.since else None
    cutter = ClipCutter(ctx.config, ctx.ready_engine())
    report = cutter.run_once(since=since, respect_backoff=False)
    print(
        f"{report.cut} fragments cut, {report.waiting} presses waiting for a recording, "
        f"{report.missing} without a recording (given up) — {report.seconds:.1f} s; output {cutter.output_dir}"
    )
    for message in report.errors:
        print(message, file=sys.stderr)
    return 1 if report.errors else 0
