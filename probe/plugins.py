"""The plug-in points of the probe: subsystems (SNMP agent, ingest, clips, notifier, console)
declare themselves in their own package through `importlib.metadata` entry-point groups, so the
ground floor (`probe`) never imports the floors above it.

Groups (declared in setup.cfg `[options.entry_points]`):

* `prolan.sections` — config section name -> pydantic model class (a `probe.config.Section` whose
  `SECTION` is that name); `[name]` of the TOML file is validated with it at load time.
* `prolan.commands` — group name -> module with `register(subparsers)` (as `probe.commands.*`).
* `prolan.components` — name -> module with `async start(runtime)` and an integer `ORDER`;
  `prolan-probe run` starts them by ascending ORDER (then name) and stops them in reverse.
* `prolan.notification_replays` — name -> callable `(config, engine, metric_id, thresholds, since,
  until) -> {rule: notifications}`: how often each rule watching a metric would have notified over
  a stored range with a proposed threshold table (the console's threshold dialog asks it).
* `prolan.press_hooks` — name -> callable `(config) -> PressHook | None` (probe.press_hooks):
  called by ingest and `presses import` inside the transaction that stores each batch of presses.

There is no hook for `prolan-probe evaluate`: what a stored evaluation triggers (traps, e-mail,
SMS) is the running service's business, which follows every stored run (probe.follow).

An entry point that fails to load (import error, wrong kind of object) is kept as a
`PluginFailure` naming the subsystem and its error: `run` refuses to start with it, other
commands and `--help` name it and carry on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Engine

    from probe.assess import ThresholdTable
    from probe.config import ProbeConfig, Section
    from probe.press_hooks import PressHook

SECTIONS = "prolan.sections"
COMMANDS = "prolan.commands"
COMPONENTS = "prolan.components"
NOTIFICATION_REPLAYS = "prolan.notification_replays"
PRESS_HOOKS = "prolan.press_hooks"
GROUPS = (SECTIONS, COMMANDS, COMPONENTS, NOTIFICATION_REPLAYS, PRESS_HOOKS)

NotificationReplay = Callable[
    ["ProbeConfig", "Engine", int, "ThresholdTable | None", "dt.datetime", "dt.datetime"], dict[str, int]
]
PressHookFactory = Callable[["ProbeConfig"], "PressHook | None"]


@dataclass(frozen=True)
class PluginFailure:
    """One entry point that could not be used, worded for the operator."""

    group: str
    name: str
    target: str
    error: str

    def __str__(self) -> str:
        return f"subsystem {self.name!r} ({self.group} = {self.target}) failed to load: {self.error}"


@dataclass(frozen=True)
class Component:
    """A service component of `run`: its entry-point name, module and start order."""

    name: str
    module: str
    order: int


def _entry_points(group: str) -> list[EntryPoint]:
    # One entry per name: a name declared twice (two installs of one project) is used once.
    unique: dict[str, EntryPoint] = {}
    for entry in entry_points(group=group):
        unique.setdefault(entry.name, entry)
    return sorted(unique.values(), key=lambda e: e.name)


def _error(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


@functools.cache
def _load(group: str) -> tuple[dict[str, Any], tuple[PluginFailure, ...]]:
    loaded: dict[str, Any] = {}
    failures: list[PluginFailure] = []
    for entry in _entry_points(group):
        try:
            value = entry.load()
            _check(group, entry.name, value)
        except Exception as exc:  # any fault of a plug-in is its own, reported by name
            failures.append(PluginFailure(group, entry.name, entry.value, _error(exc)))
            continue
        loaded[entry.name] = value
    return loaded, tuple(failures)


def _check(group: str, name: str, value: Any) -> None:
    """Refuse an entry point that does not offer what its group promises."""
    if group == SECTIONS:
        from probe.config import Section

        if not (isinstance(value, type) and issubclass(value, Section)):
            raise TypeError(f"{value!r} is not a probe.config.Section model")
        if name != value.SECTION:
            raise TypeError(f"{value.__name__}.SECTION is {value.SECTION!r}, not {name!r}")
    elif group == COMMANDS:
        if not (isinstance(value, ModuleType) and callable(getattr(value, "register", None))):
            raise TypeError(f"{value!r} is not a module with register(subparsers)")
    elif group == COMPONENTS:
        if not (isinstance(value, ModuleType) and inspect.iscoroutinefunction(getattr(value, "start", None))):
            raise TypeError(f"{value!r} is not a module with async start(runtime)")
        if not isinstance(getattr(value, "ORDER", None), int):
            raise TypeError(f"{value.__name__} has no integer ORDER (its place in the start order)")
    elif group in (NOTIFICATION_REPLAYS, PRESS_HOOKS) and not callable(value):
        raise TypeError(f"{value!r} is not callable")


def section_models() -> dict[str, type[Section]]:
    """Config section name -> its model, for every subsystem that loaded."""
    return dict(_load(SECTIONS)[0])


def command_modules() -> dict[str, ModuleType]:
    """Command-group modules of the subsystems by entry-point name, in name order."""
    return dict(_load(COMMANDS)[0])


def components() -> list[Component]:
    """The service components of `run`, in start order."""
    found = [Component(name, module.__name__, module.ORDER) for name, module in _load(COMPONENTS)[0].items()]
    return sorted(found, key=lambda c: (c.order, c.name))


def notification_replays() -> dict[str, NotificationReplay]:
    return dict(_load(NOTIFICATION_REPLAYS)[0])


def press_hook_factories() -> dict[str, PressHookFactory]:
    """Factories of the press hooks (probe.press_hooks.press_hooks builds them for a config)."""
    return dict(_load(PRESS_HOOKS)[0])


# Failures found after loading (a command group whose register() raised), in this process.
_late_failures: list[PluginFailure] = []


def note_failure(group: str, name: str, target: str, exc: BaseException) -> None:
    _late_failures.append(PluginFailure(group, name, target, _error(exc)))


def failures() -> list[PluginFailure]:
    """Every entry point of every group that failed to load (or to register)."""
    return [failure for group in GROUPS for failure in _load(group)[1]] + _late_failures


def failed_section(name: str) -> PluginFailure | None:
    """The failure of the subsystem that would have owned config section `name`, if any."""
    return next((f for f in _load(SECTIONS)[1] if f.name == name), None)


def forget() -> None:
    """Discover again on next use (tests that install or break a plug-in in-process)."""
    _load.cache_clear()
    _late_failures.clear()
