"""The live demo's pads: the simulated chain keeps pressing, in real time, through the probe's
real TCP ingest (the line protocol of docs/ingest.md, with `AUTH <token>`), and its queue
counters report queue lengths through `prolan-probe queue import` (the only way queue samples
enter the product).

The simulated clock runs at `speed` simulated minutes per real minute from `start`; at speed 1 it
is the real clock, and presses between a `start` in the past and now (the minutes the history's
evaluation took) are sent at once. A press is sent when the simulated clock reaches its time. The connection
is opened again whenever it breaks (the probe restarting); lines not answered are sent again
(the ingest stores a press once however often it arrives).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import heapq
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from probe.demo.chain import QUEUE_SAMPLE_MINUTES, Chain, demo_topology, live_degradation
from probe.i18n import _
from probe.presses import Press

log = logging.getLogger("probe.simulator")

RECONNECT_SECONDS = 1.0
ANSWER_TIMEOUT_SECONDS = 30.0
REPORT_EVERY_MINUTES = 10


class SimClock:
    """Simulated time: `speed` simulated seconds per real second from `start`."""

    def __init__(self, start: dt.datetime, speed: float) -> None:
        self.start = start.astimezone(dt.UTC)
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    def real_seconds_until(self, at: dt.datetime) -> float:
        return max(0.0, (at - self.now()).total_seconds() / self.speed)


def press_line(press: Press, tz: ZoneInfo) -> str:
    """One line of the ingest protocol: the pad's button number and the local time with its offset."""
    local = press.pressed_at.astimezone(tz)
    return (
        f"{press.pad_id},{press.button},{local.isoformat(timespec='milliseconds')},{press.question_id or ''}"
    )


class IngestError(Exception):
    """The ingest could not be reached or broke the conversation; the lines are sent again."""


class IngestClient:
    """One TCP connection to the probe's ingest: `AUTH`, then lines, each answered in order."""

    def __init__(self, host: str, port: int, token: str | None) -> None:
        self.host = host
        self.port = port
        self.token = token
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is not None and self._writer is not None:
            return self._reader, self._writer
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise IngestError(f"{self.host}:{self.port}: {exc.strerror or exc}") from None
        self._reader, self._writer = reader, writer
        if self.token:
            answer = (await self._exchange([f"AUTH {self.token}"]))[0]
            if answer != "OK":
                await self.close()
                raise IngestError(f"{self.host}:{self.port}: AUTH refused: {answer}")
        return reader, writer

    async def _exchange(self, lines: list[str]) -> list[str]:
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None
        try:
            writer.write("".join(line + "\n" for line in lines).encode("utf-8"))
            await writer.drain()
            answers = []
            for _line in lines:
                raw = await asyncio.wait_for(reader.readline(), ANSWER_TIMEOUT_SECONDS)
                if not raw:
                    raise IngestError(f"{self.host}:{self.port}: the probe closed the connection")
                answers.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            return answers
        except (OSError, TimeoutError) as exc:
            await self.close()
            raise IngestError(f"{self.host}:{self.port}: {exc.__class__.__name__}: {exc}") from None
        except IngestError:
            await self.close()
            raise

    async def send(self, lines: list[str]) -> list[str]:
        """The answers (`OK` or `ERR …`) to `lines`; IngestError when the connection failed."""
        await self._connect()
        return await self._exchange(lines)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


@dataclass
class Counts:
    sent: int = 0
    ok: int = 0
    refused: int = 0
    queue_samples: int = 0
    queue_imports_failed: int = 0
    refusals: list[str] = field(default_factory=list)


class QueueImporter:
    """Queue samples go in through the product's own command: a CSV file per batch, imported by
    `prolan-probe queue import` (one at a time; samples wait for the running import)."""

    def __init__(self, config_file: Path | None, folder: Path, tz: ZoneInfo) -> None:
        self.config_file = config_file
        self.folder = folder
        self.tz = tz
        self._rows: list[tuple[str, dt.datetime, float]] = []
        self._running: asyncio.Task[None] | None = None
        self.imported = 0
        self.failed = 0
        self._batch = 0

    def add(self, point: str, at: dt.datetime, length: float) -> None:
        self._rows.append((point, at, length))

    def flush(self) -> None:
        if not self._rows or (self._running is not None and not self._running.done()):
            return
        rows, self._rows = self._rows, []
        self._running = asyncio.create_task(self._import(rows))

    async def _import(self, rows: list[tuple[str, dt.datetime, float]]) -> None:
        self._batch += 1
        path = self.folder / f"queue-{self._batch:06d}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["point", "sampled_at", "length"])
            for point, at, length in rows:
                writer.writerow([point, at.astimezone(self.tz).isoformat(timespec="seconds"), f"{length:g}"])
        command = [sys.executable, "-m", "probe"]
        if self.config_file is not None:
            command += ["--config", str(self.config_file)]
        command += ["queue", "import", str(path)]
        try:
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            output, _unused = await process.communicate()
        except OSError as exc:
            self.failed += len(rows)
            log.warning(_("queue samples not imported: %s"), exc)
            return
        finally:
            path.unlink(missing_ok=True)
        text = output.decode("utf-8", "replace").strip()
        if process.returncode == 0:
            self.imported += len(rows)
            log.debug("queue import: %s", text)
        else:
            self.failed += len(rows)
            log.warning(_("queue samples not imported (exit status %s): %s"), process.returncode, text)

    async def close(self) -> None:
        self.flush()
        if self._running is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._running


class Simulator:
    def __init__(
        self,
        client: IngestClient,
        tz: ZoneInfo,
        clock: SimClock,
        start: dt.datetime,
        *,
        queues: QueueImporter | None = None,
        seed: int = 1,
    ) -> None:
        self.client = client
        self.tz = tz
        self.clock = clock
        self.queues = queues
        self.chain = Chain(demo_topology(), tz, live_degradation(tz))
        start_minute = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
        # The seed alone: the same seed gives the same presses at the same local times of a weekday.
        self.rng = random.Random(seed)
        self.next_minute = start_minute
        self.counts = Counts()
        self._due: list[tuple[dt.datetime, int, str]] = []  # (time, order, line): a heap
        self._order = 0
        self._reported = start_minute

    def _generate_until(self, now: dt.datetime) -> None:
        while self.next_minute <= now:
            minute = self.next_minute
            for press in self.chain.minute(self.rng, minute):
                at = press.pressed_at
                self._order += 1
                heapq.heappush(self._due, (at, self._order, press_line(press, self.tz)))
            if self.queues is not None and minute.minute % QUEUE_SAMPLE_MINUTES == 0:
                for point, length in self.chain.queue_lengths(self.rng, minute):
                    self.queues.add(point.name, minute, length)
                self.queues.flush()
            self.next_minute = minute + dt.timedelta(minutes=1)

    async def _send_due(self, now: dt.datetime, stopping: asyncio.Event) -> None:
        lines: list[str] = []
        while self._due and self._due[0][0] <= now:
            lines.append(heapq.heappop(self._due)[2])
        while lines and not stopping.is_set():
            try:
                answers = await self.client.send(lines)
            except IngestError as exc:
                log.warning(_("ingest not reachable (%s); retrying in %.0f s"), exc, RECONNECT_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), RECONNECT_SECONDS)
                continue
            self.counts.sent += len(lines)
            for line, answer in zip(lines, answers, strict=True):
                if answer == "OK":
                    self.counts.ok += 1
                else:
                    self.counts.refused += 1
                    if len(self.counts.refusals) < 20:
                        self.counts.refusals.append(f"{line} -> {answer}")
                        log.warning(_("press refused: %s -> %s"), line, answer)
            return

    def _report(self, now: dt.datetime) -> None:
        if now - self._reported < dt.timedelta(minutes=REPORT_EVERY_MINUTES):
            return
        self._reported = now
        imported = self.queues.imported if self.queues is not None else 0
        log.info(
            _("simulated time %s: %d presses sent (%d OK, %d refused), %d queue samples imported"),
            now.astimezone(self.tz).isoformat(timespec="seconds"),
            self.counts.sent,
            self.counts.ok,
            self.counts.refused,
            imported,
        )

    async def run(self, stopping: asyncio.Event, until: dt.datetime | None = None) -> Counts:
        """Press until `stopping` is set or the simulated clock passes `until`."""
        try:
            while not stopping.is_set():
                now = self.clock.now()
                if until is not None and now >= until:
                    now = until
                self._generate_until(now)
                await self._send_due(now, stopping)
                self._report(now)
                if until is not None and now >= until:
                    break
                wake = self.next_minute
                if self._due:
                    wake = min(wake, self._due[0][0])
                if until is not None:
                    wake = min(wake, until)
                delay = min(1.0, self.clock.real_seconds_until(wake))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
        finally:
            await self.client.close()
            if self.queues is not None:
                await self.queues.close()
                self.counts.queue_samples = self.queues.imported
                self.counts.queue_imports_failed = self.queues.failed
        return self.counts


async def simulate_live(
    host: str,
    port: int,
    token: str | None,
    tz: ZoneInfo,
    *,
    start: dt.datetime,
    speed: float,
    until: dt.datetime | None,
    config_file: Path | None,
    queue_samples: bool,
    seed: int,
    stopping: asyncio.Event,
) -> Counts:
    # At speed 1 the simulated clock is the real one (a start in the past is caught up at once).
    clock = SimClock(dt.datetime.now(dt.UTC) if speed == 1 else start, speed)
    with tempfile.TemporaryDirectory(prefix="prolan-simulator-") as folder:
        queues = QueueImporter(config_file, Path(folder), tz) if queue_samples else None
        simulator = Simulator(IngestClient(host, port, token), tz, clock, start, queues=queues, seed=seed)
        return await simulator.run(stopping, until)
