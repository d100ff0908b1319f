"""`prolan-probe`: the command line. Each command group lives in one module of
`probe.commands` (the core's) or in its subsystem's package (found through the
`prolan.commands` entry points) and registers itself; this module parses, loads the config and
maps every failure to one clear line on stderr and a non-zero exit status. A subsystem that
failed to load is named in `--help` and on stderr; `run` refuses to start without it."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from probe import __version__, plugins
from probe.commands import COMMAND_MODULES, CommandError, Context
from probe.config import ConfigError, load_config
from probe.filters import NoSuchName
from probe.i18n import LANGUAGES, _, set_language, translate_argparse
from probe.memory import tune_garbage_collector
from probe.store.db import DatabaseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prolan-probe",
        description=_("PROLAN Probe: service-quality metrics (MKO) and assessments (OKO) from button pads."),
    )
    parser.add_argument(
        "--config", metavar="FILE", help=_("TOML configuration (default: $PROLAN_CONFIG or built-in)")
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_(
            "language of messages, help and tables (default: from the locale: Russian when it is Russian)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log debug messages"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    for name, module in plugins.command_modules().items():
        try:
            module.register(sub)
        except Exception as exc:  # a broken subsystem must not take the whole command line down
            plugins.note_failure(plugins.COMMANDS, name, module.__name__, exc)
    failures = plugins.failures()
    if failures:
        parser.epilog = _("NOT LOADED (prolan-probe run refuses to start): ") + "; ".join(map(str, failures))
    return parser


def warn_about_failed_subsystems(command: str) -> None:
    """Every command but `run` (which refuses, in one line) works on and names what is missing."""
    if command == "run":
        return
    for failure in plugins.failures():
        print(_("prolan-probe: warning: {failure}").format(failure=failure), file=sys.stderr)


def language_option(argv: Sequence[str]) -> str | None:
    """`--lang` read before the parser is built: its help texts are already in that language."""
    for index, item in enumerate(argv):
        if item == "--":
            break
        if item.startswith("--lang="):
            value = item.split("=", 1)[1]
            return value if value in LANGUAGES else None
        if item == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGUAGES:
            return argv[index + 1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; output to a closed pipe (`metrics | head`) ends it quietly."""
    tune_garbage_collector()
    arguments = list(sys.argv[1:] if argv is None else argv)
    set_language(language_option(arguments))
    translate_argparse()
    try:
        return _main(arguments)
    except BrokenPipeError:
        # The reader has gone: say nothing more (Python would print a traceback while flushing).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # as a shell reports a process ended by SIGPIPE


def _main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    warn_about_failed_subsystems(args.command)
    try:
        config = load_config(args.config)
        ctx = Context(config)
        try:
            status: int = args.func(ctx, args)
        finally:
            ctx.close()
    except NoSuchName as exc:
        print(f"prolan-probe: {exc}", file=sys.stderr)
        return NoSuchName.exit_status
    except (ConfigError, CommandError, DatabaseError) as exc:
        print(f"prolan-probe: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
