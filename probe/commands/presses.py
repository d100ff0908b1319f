"""`prolan-probe presses import FILE.csv [--alert [--max-age-minutes M]]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from probe.commands.base import CommandError, Context, print_refused_rows
from probe.press_hooks import press_hooks
from probe.presses import import_presses_csv
from probe.topology import load_topology


def register(sub: Any) -> None:
    presses = sub.add_parser("presses", help="button presses").add_subparsers(
        dest="presses_command", required=True
    )
    imp = presses.add_parser("import", help="import presses from CSV (header pad,button,pressed_at,question)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch-size", type=int, default=20_000)
    imp.add_argument(
        "--alert",
        action="store_true",
        help="the imported presses may alert through press rules, like presses from pads "
        "(default: an import is history and never alerts)",
    )
    imp.add_argument(
        "--max-age-minutes",
        type=float,
        metavar="M",
        help="with --alert: alert on presses up to M minutes old when stored (0 = any age; "
        "default: each press rule's max_age_minutes)",
    )
    imp.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    if args.max_age_minutes is not None and not args.alert:
        raise CommandError("--max-age-minutes applies to alerts: give it with --alert")
    if args.max_age_minutes is not None and args.max_age_minutes < 0:
        raise CommandError("--max-age-minutes must be 0 (any age) or more")
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    started = time.perf_counter()
    report = import_presses_csv(
        engine,
        topology,
        args.file,
        batch_size=args.batch_size,
        hooks=press_hooks(ctx.config),
        alert=args.alert,
        max_age_minutes=args.max_age_minutes,
    )
    elapsed = time.perf_counter() - started
    print_refused_rows(report.errors)
    rate = report.read / elapsed if elapsed > 0 else 0.0
    print(
        f"{args.file}: {report.read} rows read, {report.stored} stored, {report.duplicates} already stored, "
        f"{report.refused} refused ({elapsed:.1f} s, {rate:,.0f} rows/s)"
    )
    for name, hook_report in sorted(report.hooks.items()):
        if hook_report.queued or hook_report.skipped:
            print(f"{name}: {hook_report.text()}")
    return 1 if report.errors else 0
