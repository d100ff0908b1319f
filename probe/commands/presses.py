"""`prolan-probe presses import FILE.csv`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from probe.commands.base import Context, print_refused_rows
from probe.i18n import _
from probe.presses import import_presses_csv
from probe.topology import load_topology


def register(sub: Any) -> None:
    presses = sub.add_parser("presses", help=_("button presses")).add_subparsers(
        dest="presses_command", required=True
    )
    imp = presses.add_parser(
        "import", help=_("import presses from CSV (header pad,button,pressed_at,question)")
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch-size", type=int, default=20_000)
    imp.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    started = time.perf_counter()
    report = import_presses_csv(engine, topology, args.file, batch_size=args.batch_size)
    elapsed = time.perf_counter() - started
    print_refused_rows(report.errors)
    rate = report.read / elapsed if elapsed > 0 else 0.0
    print(
        _(
            "{file}: {read} rows read, {stored} stored, {duplicates} already stored, {refused} refused "
            "({seconds:.1f} s, {rate:,.0f} rows/s)"
        ).format(
            file=args.file,
            read=report.read,
            stored=report.stored,
            duplicates=report.duplicates,
            refused=report.refused,
            seconds=elapsed,
            rate=rate,
        )
    )
    return 1 if report.errors else 0
