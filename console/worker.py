"""Database reads off the GUI thread, and the banner that says when a view's data is stale.

Every view reads the aggregator through a `Loader`: `loader.start(function, *args)` runs the
function on a worker thread of one shared pool (`QThreadPool`) and delivers its result to
`loaded` (or the error to `failed`) on the GUI thread. The newest request wins: a result that
arrives after a newer request was made is dropped, so a slow old reload never overwrites a fresh
one. The functions are plain data functions (no Qt), given everything they need as arguments.

A view shows a `StaleBanner` above its content: hidden while the data is current; after a failed
read it says since when the picture is old and why, and the view keeps its last good picture.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from PyQt6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, pyqtSignal
from PyQt6.QtWidgets import QLabel, QWidget

from console.i18n import local_text, translate

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_loaders: list[Loader] = []
# The signal carriers of reads in flight, kept here (not by the view's Loader) until their result
# is delivered: a view closed while its read runs must not free what the worker thread still uses.
_carriers: dict[int, _Signals] = {}


def database_pool() -> QThreadPool:
    """The threads that read the aggregator (two: a slow read does not hold up every view)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
        _pool.setExpiryTimeout(30_000)
    return _pool


class _Signals(QObject):
    done = pyqtSignal(int, object)
    error = pyqtSignal(int, str)


class _Task(QRunnable):
    def __init__(self, generation: int, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.generation = generation
        self.function = function
        self.args = args
        self.signals = _Signals()  # created on the GUI thread: its signals arrive there
        # The pool owns and deletes the runnable after run(); the carrier lives on in _carriers.
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.function(*self.args)
        except Exception as exc:  # any failure of a read is reported to the view, never raised
            log.warning("%s failed: %s", getattr(self.function, "__name__", "read"), exc)
            self.signals.error.emit(self.generation, describe(exc))
        else:
            self.signals.done.emit(self.generation, result)


def describe(exc: BaseException) -> str:
    """One line saying what went wrong (a driver's first line, not a traceback)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


class Loader(QObject):
    """One kind of read of one view (e.g. the Cockpit's reload), run off the GUI thread."""

    loaded = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation = 0
        self.pending = 0
        self._carrier_of: dict[int, int] = {}  # generation → key in _carriers
        _loaders.append(self)
        self.destroyed.connect(lambda *_: _forget(self))

    @property
    def busy(self) -> bool:
        return self.pending > 0

    def start(self, function: Callable[..., Any], *args: Any) -> None:
        self.generation += 1
        task = _Task(self.generation, function, args)
        task.signals.done.connect(self._done)
        task.signals.error.connect(self._error)
        key = id(task.signals)
        _carriers[key] = task.signals
        self._carrier_of[self.generation] = key
        self.pending += 1
        database_pool().start(task)

    def _finish(self, generation: int) -> bool:
        self.pending -= 1
        carrier = _carriers.pop(self._carrier_of.pop(generation, 0), None)
        if carrier is not None:
            carrier.deleteLater()
        return generation == self.generation

    def _done(self, generation: int, result: object) -> None:
        if self._finish(generation):
            self.loaded.emit(result)

    def _error(self, generation: int, message: str) -> None:
        if self._finish(generation):
            self.failed.emit(message)


class Steps(QObject):
    """Runs a generator one step per turn of the event loop: a view that creates many items
    (a Cockpit of a hundred rows) stays responsive while it draws. A new `run` replaces the
    steps still pending."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: Iterator[None] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._next)
        _steppers.append(self)
        self.destroyed.connect(lambda *_: _steppers.remove(self) if self in _steppers else None)

    @property
    def busy(self) -> bool:
        return self._steps is not None

    def run(self, steps: Iterator[None]) -> None:
        self._steps = steps
        self._next()  # the first step at once (the rows in view)
        if self._steps is not None:
            self.timer.start()

    def _next(self) -> None:
        if self._steps is None:
            self.timer.stop()
            return
        try:
            next(self._steps)
        except StopIteration:
            self._steps = None
            self.timer.stop()


_steppers: list[Steps] = []


def _forget(loader: Loader) -> None:
    if loader in _loaders:
        _loaders.remove(loader)


def settle(timeout: float = 30.0) -> bool:
    """Wait until every read has been delivered (screenshots, tests); False on timeout."""
    deadline = time.monotonic() + timeout
    app = QCoreApplication.instance()
    while time.monotonic() < deadline:
        database_pool().waitForDone(50)
        if app is not None:
            app.processEvents()
        if not _busy():
            if app is not None:
                app.processEvents()  # what the results started (a redraw, a dependent read)
            if not _busy():
                return True
    return False


def _busy() -> bool:
    return any(loader.busy for loader in list(_loaders)) or any(s.busy for s in list(_steppers))


class StaleBanner(QLabel):
    """Above a view: hidden while its data is current; after a failed read, since when the
    picture is old and why."""

    def __init__(self, tz: dt.tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.last_good: dt.datetime | None = None
        self.reason = ""
        self.setWordWrap(True)
        self.setStyleSheet(
            "background: #fff4d6; color: #6b4a00; border: 1px solid #e0b84f; padding: 6px; font-weight: bold;"
        )
        self.setVisible(False)

    @property
    def stale(self) -> bool:
        return bool(self.reason)

    def mark_good(self, at: dt.datetime | None = None) -> None:
        self.last_good = at or dt.datetime.now(dt.UTC)
        self.reason = ""
        self.setVisible(False)

    def mark_failed(self, reason: str) -> None:
        self.reason = reason
        if self.last_good is None:
            text = translate("Stale", "No data: {reason}").format(reason=reason)
        else:
            text = translate("Stale", "Data is stale, last good data {time}: {reason}").format(
                time=local_text(self.last_good, self.tz, "dd.MM.yyyy HH:mm:ss"), reason=reason
            )
        self.setText(text)
        self.setVisible(True)
