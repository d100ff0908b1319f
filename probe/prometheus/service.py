"""The `/metrics` endpoint as a service component of `prolan-probe run` (`prolan.components`).

prometheus_client's HTTP server runs in a thread of its own and calls the collector at each scrape;
the collector reads the snapshot hub's newest snapshot (a reference read, no lock, no SQL) and, if
the ingest service runs in this process, its counters. A subscription to the hub counts the
evaluations this process publishes and their durations.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server

import probe
from probe.ingest.service import IngestService
from probe.prometheus.collector import EvaluationStats, ProbeCollector
from probe.prometheus.config import PrometheusConfig, parse_listen
from probe.service import Component, Runtime

log = logging.getLogger(__name__)

# Place in the start order of `prolan-probe run` (probe.service): right after the SNMP agent, so
# the endpoint answers (with the stored snapshot) before the first evaluation.
ORDER = 15


class PrometheusStartError(Exception):
    """The endpoint cannot start (address in use, bad host); worded for the operator."""


class PrometheusEndpoint:
    def __init__(self, runtime: Runtime, listen: str) -> None:
        self.runtime = runtime
        self.listen = listen
        self.stats = EvaluationStats()
        self.registry = CollectorRegistry()
        self.registry.register(
            ProbeCollector(
                lambda: runtime.hub.current,
                probe_name=runtime.config.name,
                version=probe.__version__,
                started_at=runtime.started_at,
                stats=self.stats,
                ingest_totals=self._ingest_totals,
            )
        )
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, memory, open files
        self.address: tuple[str, int] = ("", 0)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _ingest_totals(self) -> Mapping[str, Sequence[int]]:
        # Looked up at each scrape: ingest starts after this component (ORDER 40 > 15).
        for component in self.runtime.components.values():
            if isinstance(component, IngestService):
                return component.counters.totals_snapshot()
        return {}

    async def start(self) -> None:
        host, port = parse_listen(self.listen)
        try:
            server, thread = await asyncio.to_thread(start_http_server, port, host, self.registry)
        except OSError as exc:
            raise PrometheusStartError(
                f"[prometheus] listen = {self.listen!r}: cannot serve /metrics: {exc.strerror or exc}"
            ) from None
        self._server, self._thread = server, thread
        self.address = (str(server.server_address[0]), int(server.server_address[1]))
        self.runtime.hub.subscribe(self.stats)
        log.info("Prometheus metrics on http://%s:%d/metrics", *self.address)

    async def stop(self) -> None:
        if self._server is not None:
            await asyncio.to_thread(self._server.shutdown)
            self._server.server_close()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)
        self._server = self._thread = None


async def start(runtime: Runtime) -> Component | None:
    """Service entry point: None when `[prometheus] listen` is empty."""
    settings = runtime.config.section(PrometheusConfig)
    if not settings.listen:
        return None
    endpoint = PrometheusEndpoint(runtime, settings.listen)
    await endpoint.start()
    return endpoint
