"""The console's map kinds as plug-in views, and what every view gets from the application.

A view is a module with

    TITLE_KEY = QT_TRANSLATE_NOOP("Views", "Plan")  # the tab's title, translated in context "Views"
    def create_view(context: ConsoleContext) -> QWidget

listed in `VIEW_MODULES` (one line per map kind). The application shows every view it can
import as a tab, in this order; `--view NAME` opens one of them (and `--screenshot` renders it).
A view that needs live data connects to `context.live.state_changed` (and reads
`context.live.state` for the current one); history comes from `context.engine` through
`console.history`. A view may define `prepare_screenshot(widget, args)` to reach the state
`--screenshot` should show (e.g. Plan opens `--map`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QWidget
from sqlalchemy import Engine

from console.live import LiveState
from console.settings import ConsoleSettings
from console.worker import database_pool
from probe.config import ProbeConfig

log = logging.getLogger(__name__)

VIEW_MODULES: dict[str, str] = {
    "plan": "console.plan.view",
    "dashboard": "console.dashboard",
    "cockpit": "console.cockpit",
}


class LiveHub(QObject):
    """The latest `LiveState` and a signal for every new one (from the poller thread, queued)."""

    state_changed = pyqtSignal(object)

    def __init__(self, initial: LiveState | None = None, level_tests: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.level_tests = level_tests  # [console] level_tests: what a point's worst level counts
        self.state = (initial or LiveState()).counting(level_tests)

    def set_state(self, state: object) -> None:
        assert isinstance(state, LiveState)
        self.state = state.counting(self.level_tests)
        self.state_changed.emit(self.state)


@dataclass
class ConsoleContext:
    config: ProbeConfig
    settings: ConsoleSettings
    live: LiveHub
    engine_factory: Callable[[], Engine]
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The aggregator database, opened on first use (the Plan works without it)."""
        if self._engine is None:
            self._engine = self.engine_factory()
        return self._engine

    @property
    def tz(self) -> ZoneInfo:
        return self.config.tz

    def close(self) -> None:
        if self._engine is not None:
            # Reads still running on the worker threads finish before their connections close.
            database_pool().waitForDone(30_000)
            self._engine.dispose()


@dataclass(frozen=True)
class ViewSpec:
    name: str
    module: ModuleType

    @property
    def title_key(self) -> str:
        return str(getattr(self.module, "TITLE_KEY", self.name))

    def create(self, context: ConsoleContext) -> QWidget:
        widget: QWidget = self.module.create_view(context)
        return widget

    def prepare_screenshot(self, widget: QWidget, args: Any) -> None:
        prepare = getattr(self.module, "prepare_screenshot", None)
        if prepare is not None:
            prepare(widget, args)


def available_views() -> list[ViewSpec]:
    """The views whose module imports and provides `create_view`."""
    specs = []
    for name, module_name in VIEW_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            log.debug("view %s not available: %s", name, exc)
            continue
        if callable(getattr(module, "create_view", None)):
            specs.append(ViewSpec(name, module))
    return specs
