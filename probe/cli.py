"""`prolan-probe`: the command line. Each command group lives in one module of
`probe.commands` and registers itself; this module parses, loads the config and maps every
failure to one clear line on stderr and a non-zero exit status."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from probe import __version__
from probe.commands import COMMAND_MODULES, CommandError, Context
from probe.config import ConfigError, load_config
from probe.memory import tune_garbage_collector
from probe.store.db import DatabaseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prolan-probe",
        description="PROLAN Probe: service-quality metrics (MKO) and assessments (OKO) from button pads.",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="TOML configuration (default: $PROLAN_CONFIG or built-in)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    tune_garbage_collector()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load_config(args.config)
        ctx = Context(config)
        try:
            status: int = args.func(ctx, args)
        finally:
            ctx.close()
    except (ConfigError, CommandError, DatabaseError) as exc:
        print(f"prolan-probe: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
