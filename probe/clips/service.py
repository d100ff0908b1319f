"""The clips service component: in `prolan-probe run`, cuts the due fragments every
`[clips] poll_seconds` in a worker thread (cutting is blocking file and process work), until the
probe stops. Disabled (None) unless `[clips] enabled = true`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from probe.clips.config import ClipsConfig
from probe.clips.runner import ClipCutter
from probe.config import ConfigError
from probe.service import Component, Runtime

log = logging.getLogger("probe.clips")


class ClipsService:
    def __init__(self, cutter: ClipCutter, poll_seconds: float) -> None:
        self.cutter = cutter
        self.poll_seconds = poll_seconds
        self.passes = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="clips")

    def describe(self) -> str:
        return f"clips ({self.cutter.recordings_dir})"

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = await asyncio.to_thread(self.cutter.run_once)
            except Exception:  # a dead database or a full disk: log, try again next time
                log.exception("clips: the pass failed; retrying in %.0f s", self.poll_seconds)
            else:
                if report.looked_at:
                    log.info(
                        "clips: %d cut, %d waiting for a recording, %d without a recording (%.1f s)",
                        report.cut,
                        report.waiting,
                        report.missing,
                        report.seconds,
                    )
            self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_seconds)

    async def stop(self) -> None:
        self._stop.set()
        self.cutter.cancel.set()  # a pass in progress ends after the press it is cutting
        if self._task is not None:
            await self._task


# Place in the start order of `prolan-probe run` (probe.service): independent of the others.
ORDER = 30


async def start(runtime: Runtime) -> Component | None:
    settings = runtime.config.section(ClipsConfig)
    if not settings.enabled:
        return None
    try:
        cutter = ClipCutter(runtime.config, runtime.engine)
    except ConfigError as exc:
        log.error("clips: not started: %s", exc)
        return None
    service = ClipsService(cutter, settings.poll_seconds)
    service.start()
    log.debug("clips: cutting from %s into %s", cutter.recordings_dir, cutter.output_dir)
    return service
