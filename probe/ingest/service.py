"""The ingest component of `prolan-probe run`: TCP listener, serial sources, sink and spool.

The topology (pads, buttons, questions) that presses are validated against is read from the
database at start and every `topology_refresh_seconds`; a copy is kept in the spool folder so
that a probe started while the database is down still validates (and spools) presses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from probe.config import ProbeConfig, default_data_dir
from probe.ingest.config import IngestConfig
from probe.ingest.counters import IngestCounters
from probe.ingest.protocol import SourceValidators
from probe.ingest.serial_source import SerialSource
from probe.ingest.session import LineSession
from probe.ingest.sink import PressSink
from probe.ingest.spool import Spool
from probe.ingest.tcp import TcpListener
from probe.press_hooks import press_hooks
from probe.service import Component, Runtime
from probe.store.limits import column_limit, fit_key
from probe.store.schema import ingest_counts, presses
from probe.topology import Pad, Point, Question, Topology, load_topology

log = logging.getLogger(__name__)

TOPOLOGY_CACHE = "topology.json"


def topology_to_json(topology: Topology) -> dict[str, Any]:
    return {
        "points": [[p.name, p.region, p.opening_hours, p.id] for p in topology.points.values()],
        "questions": [[q.id, q.text] for q in topology.questions.values()],
        "pads": [
            [p.id, p.point, p.methodology, p.window_seconds, {str(n): k for n, k in p.buttons.items()}]
            for p in topology.pads.values()
        ],
    }


def topology_from_json(data: dict[str, Any]) -> Topology:
    points = {name: Point(name, region, hours, pid) for name, region, hours, pid in data["points"]}
    questions = {qid: Question(qid, text) for qid, text in data["questions"]}
    pads = {
        pid: Pad(pid, point, methodology, window, {int(n): k for n, k in buttons.items()})
        for pid, point, methodology, window, buttons in data["pads"]
    }
    return Topology(points, questions, pads)


def spool_dir_of(config: ProbeConfig) -> Path:
    configured = config.section(IngestConfig).spool_dir
    return config.resolve_path(configured) if configured else default_data_dir() / "spool"


class IngestService:
    def __init__(self, config: ProbeConfig, engine: Engine) -> None:
        self.config = config
        self.engine = engine
        settings = config.section(IngestConfig)
        self.spool = Spool(spool_dir_of(config))
        self.counters = IngestCounters()
        self.sink = PressSink(
            engine,
            self.spool,
            self.counters,
            db_timeout_seconds=settings.db_timeout_seconds,
            retry_seconds=settings.retry_seconds,
            hooks=press_hooks(config),
            topology=lambda: self.topology,
        )
        self.topology = Topology()
        self._validators = SourceValidators(settings.plausible_window())
        self.tcp: TcpListener | None = None
        if settings.tcp is not None:
            tcp = settings.tcp
            self.tcp = TcpListener(
                tcp,
                lambda source: self.new_session(source, tcp.max_line_bytes, tcp.tokens),
            )
        self.serial: list[SerialSource] = []
        self._tasks: list[asyncio.Task[None]] = []

    def describe(self) -> str:
        """For the probe's start line: where presses come in."""
        parts = []
        if self.tcp is not None and self.tcp.started:
            host, port = self.tcp.address
            tcp = self.config.section(IngestConfig).tcp
            parts.append(f"TCP {host}:{port}" + (" AUTH" if tcp is not None and tcp.tokens else ""))
        parts += [f"serial {source.config.port}" for source in self.serial]
        return "ingest (" + ", ".join(parts) + ")"

    def new_session(self, source: str, max_line_bytes: int, tokens: list[str] | None = None) -> LineSession:
        # "serial:/dev/serial/by-id/usb-FTDI_…-if00-port0" can be longer than the source columns:
        # fitted (with a stable hash) so that every press of that port is not refused by PostgreSQL.
        source = fit_key(source, min(column_limit(presses.c.source), column_limit(ingest_counts.c.source)))
        return LineSession(
            source,
            topology=lambda: self.topology,
            validators=self._validators,
            sink=self.sink,
            counters=self.counters,
            max_line_bytes=max_line_bytes,
            tokens=tokens or (),
        )

    # -- topology -----------------------------------------------------------------------------
    @property
    def _cache_path(self) -> Path:
        return self.spool.directory / TOPOLOGY_CACHE

    def _load_topology(self) -> Topology:
        """From the database (and refresh the cached copy), else from the cached copy."""
        try:
            topology = load_topology(self.engine)
        except Exception as exc:
            try:
                cached = topology_from_json(json.loads(self._cache_path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("ingest: cannot read the topology (%s) and no cached copy: refusing presses", exc)
                return self.topology
            log.warning("ingest: cannot read the topology (%s); using the copy in %s", exc, self._cache_path)
            return cached
        tmp = self._cache_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(topology_to_json(topology), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self._cache_path)
        except OSError as exc:
            log.warning("ingest: cannot keep a copy of the topology in %s: %s", self._cache_path, exc)
        return topology

    async def refresh_topology(self) -> None:
        topology = await asyncio.to_thread(self._load_topology)
        if topology_to_json(topology) != topology_to_json(self.topology):
            self.topology = topology

    async def _every(self, seconds: float, action: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await action()
            except Exception:
                log.exception("ingest: periodic task failed")

    async def flush_counters(self) -> None:
        await asyncio.to_thread(self.counters.flush, self.engine)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.refresh_topology()
        self.sink.start()
        settings = self.config.section(IngestConfig)
        self._tasks = [
            asyncio.create_task(self._every(settings.topology_refresh_seconds, self.refresh_topology)),
            asyncio.create_task(self._every(settings.counters_flush_seconds, self.flush_counters)),
        ]
        if self.tcp is not None:
            await self.tcp.start()
        loop = asyncio.get_running_loop()
        for port in settings.serial:
            source = SerialSource(port, self.new_session(f"serial:{port.port}", port.max_line_bytes), loop)
            source.start()
            self.serial.append(source)

    async def stop(self) -> None:
        if self.tcp is not None and self.tcp.started:
            await self.tcp.stop()
        for source in self.serial:
            await source.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.sink.stop()
        with contextlib.suppress(Exception):
            await self.flush_counters()
        self.spool.close()


# Place in the start order of `prolan-probe run` (probe.service): before the scheduler, so presses of the first interval are in.
ORDER = 40


async def start(runtime: Runtime) -> Component | None:
    """The `run` service hook: None when neither `[ingest.tcp]` nor `[[ingest.serial]]` is configured."""
    settings = runtime.config.section(IngestConfig)
    if settings.tcp is None and not settings.serial:
        return None
    service = IngestService(runtime.config, runtime.engine)
    try:
        await service.start()
    except BaseException:
        await service.stop()  # e.g. the TCP port is taken: release the spool for the next try
        raise
    return service
