"""Command groups of `prolan-probe`, one module each. A module has `register(subparsers)`, which
adds its sub-commands with `set_defaults(func=...)`; a func takes `(ctx, args)` and returns the
exit status. Add a module here to add commands."""

from __future__ import annotations

from probe.commands.base import CommandError, Context

COMMAND_MODULES = [
    "probe.commands.db",
    "probe.commands.topology",
    "probe.commands.presses",
    "probe.commands.demo",
    "probe.commands.evaluate",
    "probe.commands.baseline",
    "probe.commands.clips",
    "probe.commands.run",
    "probe.commands.queue",
    "probe.commands.notify",
    "probe.commands.status",
]

__all__ = ["COMMAND_MODULES", "CommandError", "Context"]
