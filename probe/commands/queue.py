"""`prolan-probe queue import FILE.csv`: queue-length samples for QUEUE_LEN."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from probe.commands.base import Context, print_refused_rows
from probe.i18n import _
from probe.queue_samples import import_queue_csv
from probe.topology import load_topology


def register(sub: Any) -> None:
    queue = sub.add_parser("queue", help=_("queue-length samples (QUEUE_LEN)")).add_subparsers(
        dest="queue_command", required=True
    )
    imp = queue.add_parser("import", help=_("import samples from CSV (header point,sampled_at,length)"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch-size", type=int, default=10_000)
    imp.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.ready_engine()
    topology = load_topology(engine)
    started = time.perf_counter()
    report = import_queue_csv(engine, topology, args.file, batch_size=max(1, args.batch_size))
    elapsed = time.perf_counter() - started
    print_refused_rows(report.errors)
    print(
        _(
            "{file}: {read} rows read, {stored} stored, {duplicates} already stored, {refused} refused ({seconds:.1f} s)"
        ).format(
            file=args.file,
            read=report.read,
            stored=report.stored,
            duplicates=report.duplicates,
            refused=report.refused,
            seconds=elapsed,
        )
    )
    return 1 if report.errors else 0
