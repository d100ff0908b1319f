"""`prolan-probe presses import FILE.csv`."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from probe.commands.base import Context, print_refused_rows
from probe.ingest.config import IngestConfig
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
        "--max-age-days",
        type=float,
        help="refuse presses older than this (default: [ingest] max_age_days, 400; 0 = no limit: old history)",
    )
    imp.add_argument(
        "--max-ahead-minutes",
        type=float,
        help="refuse presses this far in the future (default: [ingest] max_ahead_minutes, 10; 0 = no limit)",
    )
    imp.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    started = time.perf_counter()
    window = ctx.config.section(IngestConfig).plausible_window()
    if args.max_age_days is not None:
        window = replace(window, max_age_days=max(args.max_age_days, 0.0))
    if args.max_ahead_minutes is not None:
        window = replace(window, max_ahead_minutes=max(args.max_ahead_minutes, 0.0))
    report = import_presses_csv(engine, topology, args.file, batch_size=args.batch_size, window=window)
    elapsed = time.perf_counter() - started
    print_refused_rows(report.errors)
    rate = report.read / elapsed if elapsed > 0 else 0.0
    print(
        f"{args.file}: {report.read} rows read, {report.stored} stored, {report.duplicates} already stored, "
        f"{report.refused} refused ({elapsed:.1f} s, {rate:,.0f} rows/s)"
    )
    return 1 if report.errors else 0
