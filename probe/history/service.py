"""The history housekeeper as a service component (`prolan.components` entry `history`): a pass
every `[history] interval_seconds` on a thread of its own, with short transactions and a short
pause between batches, so the scheduler's evaluations never wait behind it (probe.history)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from probe.history.config import HistoryConfig
from probe.history.housekeeper import PruneReport, housekeep
from probe.i18n import _

if TYPE_CHECKING:
    from probe.service import Runtime

log = logging.getLogger(__name__)

ORDER = 95  # after the scheduler (90): its first run is never behind a prune
# One housekeeper per aggregator: only the active probe runs it (probe.lease, issue 16).
ACTIVE_ONLY = True
PAUSE_SECONDS = 0.05  # between two batches: lets a waiting writer (SQLite's one lock) in


class Housekeeper:
    def __init__(self, runtime: Runtime, settings: HistoryConfig) -> None:
        self.runtime = runtime
        self.settings = settings
        self._stop = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self.passes = 0
        self.last_report: PruneReport | None = None
        self._task = asyncio.create_task(self._run(), name="history-housekeeper")

    def _pause(self) -> None:
        if self._stop.wait(PAUSE_SECONDS):
            raise _Stopped

    def _pass(self) -> PruneReport | None:
        try:
            return housekeep(self.runtime.engine, self.settings, pause=self._pause)
        except _Stopped:
            return None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.runtime.stopping.is_set() and not self._stop.is_set():
            try:
                report = await loop.run_in_executor(self._executor, self._pass)
            except SQLAlchemyError as exc:  # another probe's pass, a lost connection: next time
                log.warning(_("history housekeeping failed, retried later: %s"), exc.__class__.__name__)
                log.debug("history housekeeping failed", exc_info=True)
            else:
                if report is not None:
                    self.passes += 1
                    self.last_report = report
                    pruned = any(report.deleted.values()) or bool(report.partitions_dropped)
                    if pruned or report.hours_rolled:
                        # A routine rollup is DEBUG (the service's INFO log is one line per run);
                        # what was pruned is INFO.
                        log.log(
                            logging.INFO if pruned else logging.DEBUG,
                            _(
                                "history: %d hours rolled up (%d trend rows), deleted %s, %d partitions dropped"
                            ),
                            report.hours_rolled,
                            report.trends_written,
                            report.deleted,
                            len(report.partitions_dropped),
                        )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.runtime.stopping.wait(), timeout=self.settings.interval_seconds)

    async def stop(self) -> None:
        self._stop.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)


class _Stopped(Exception):
    """The service is stopping: the pass ends between two batches."""


async def start(runtime: Runtime) -> Housekeeper:
    return Housekeeper(runtime, runtime.config.section(HistoryConfig))
