"""Command groups of `prolan-probe`, one module each. A module has `register(subparsers)`, which
adds its sub-commands with `set_defaults(func=...)`; a func takes `(ctx, args)` and returns the
exit status. The core's groups are listed here; a subsystem's group lives in its own package and
is found through the `prolan.commands` entry points (`probe.plugins.command_modules()`)."""

from __future__ import annotations

from probe.commands.base import CommandError, Context

COMMAND_MODULES = [
    "probe.commands.db",
    "probe.commands.topology",
    "probe.commands.presses",
    "probe.commands.demo",
    "probe.commands.evaluate",
    "probe.commands.baseline",
    "probe.commands.run",
    "probe.commands.queue",
    "probe.commands.status",
]

__all__ = ["COMMAND_MODULES", "CommandError", "Context"]
