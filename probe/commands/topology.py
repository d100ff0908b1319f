"""`prolan-probe topology import FILE.toml`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from probe.commands.base import CommandError, Context
from probe.i18n import _
from probe.topology import TopologyError, import_topology, read_topology_file


def register(sub: Any) -> None:
    topo = sub.add_parser("topology", help=_("points, pads, buttons, questions")).add_subparsers(
        dest="topology_command", required=True
    )
    imp = topo.add_parser("import", help=_("import (insert or update) a topology TOML file"))
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    try:
        topology = read_topology_file(args.file)
    except TopologyError as exc:
        raise CommandError(str(exc)) from None
    engine = ctx.ready_engine()
    counts = import_topology(engine, topology)
    print(
        _("{file}: {points} points, {questions} questions, {pads} pads imported").format(
            file=args.file, points=counts["points"], questions=counts["questions"], pads=counts["pads"]
        )
    )
    return 0
