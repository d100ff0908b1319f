"""The SNMP agent component of `prolan-probe run` (listed in SERVICE_COMPONENTS).

One UDP socket: SNMPv1/v2c requests are answered synchronously by the fast path inside the
datagram callback; SNMPv3 datagrams (and acknowledgements of our informs) go to pysnmp. The
index is rebuilt on every publish of the snapshot hub (in the publishing thread, under a lock)
and swapped by reference, so requests never wait for SQL or for a rebuild.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
import threading
import time
from typing import Any

from pyasn1.type import univ
from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config as pysnmp_config
from pysnmp.entity import engine as pysnmp_engine
from pysnmp.entity.rfc3413 import cmdrsp, context

import probe
from probe.config import ProbeConfig
from probe.i18n import _
from probe.service import Runtime
from probe.snapshot import Evaluation, Snapshot, SnapshotHub
from probe.snmp import ber
from probe.snmp.fastpath import DELEGATE, FastResponder
from probe.snmp.index import IndexBuilder, MibIndex
from probe.snmp.oids import Layout
from probe.snmp.traps import Notification, NotificationTracker, TrapSender
from probe.snmp.v3 import IndexInstrumentation, add_users, engine_id

log = logging.getLogger(__name__)


class SnmpStartError(Exception):
    """The agent cannot start (address in use, bad listen address); worded for the operator."""


def parse_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SnmpStartError(f"[snmp] listen = {listen!r}: expected HOST:PORT, e.g. 127.0.0.1:1161")
    return host.strip("[]") or "0.0.0.0", int(port)


def _make_transport_class(base: type, responder: FastResponder) -> type:
    class FastPathTransport(base):
        """pysnmp's UDP transport with v1/v2c answered before pysnmp sees the datagram."""

        def datagram_received(self, datagram: bytes, transport_address: Any) -> None:
            try:
                result = responder.handle(datagram)
            except ber.BerError:
                responder.counters.dropped_malformed += 1
                return
            except Exception:  # never let one datagram stop the agent
                responder.counters.dropped_malformed += 1
                log.exception("SNMP request could not be answered")
                return
            if result is DELEGATE:
                responder.counters.delegated += 1
                super().datagram_received(datagram, transport_address)
            elif isinstance(result, bytes) and self.transport is not None:
                responder.counters.responses += 1
                self.transport.sendto(result, transport_address)

    return FastPathTransport


class SnmpAgent:
    def __init__(self, config: ProbeConfig, hub: SnapshotHub, started_at: dt.datetime | None = None) -> None:
        self.config = config
        self.hub = hub
        self.layout = Layout.from_text(config.snmp.enterprise_oid)
        self._started_monotonic = time.monotonic()
        self.builder = IndexBuilder(
            self.layout,
            probe_name=config.name,
            version=probe.__version__,
            started_at=started_at or dt.datetime.now(dt.UTC),
            uptime_ticks=self.uptime_ticks,
            tz=config.tz,
        )
        self._lock = threading.Lock()
        self.index = MibIndex(())  # built in start(), off the event loop (large snapshots take seconds)
        self.responder = FastResponder(
            lambda: self.index, config.snmp.v2c.communities, config.snmp.max_repetitions
        )
        self.tracker = NotificationTracker(self.layout, hub.current)
        self.engine_id = engine_id(config.name)
        self.traps = TrapSender(config.snmp, self.engine_id, self.uptime_ticks)
        self.engine: pysnmp_engine.SnmpEngine | None = None
        self.address: tuple[str, int] = ("", 0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport: Any = None
        self._stopped = False  # the hub has no unsubscribe: ignore publishes after stop()

    def uptime_ticks(self) -> int:
        return int((time.monotonic() - self._started_monotonic) * 100)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        host, port = parse_listen(self.config.snmp.listen)
        ipv6 = ":" in host
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise SnmpStartError(
                f"[snmp] listen = {self.config.snmp.listen!r}: cannot bind: {exc.strerror}"
            ) from None
        sock.setblocking(False)
        # Subscribe first so no publish is missed, and answer nothing before the index exists.
        self.hub.subscribe(self._on_publish)
        await asyncio.to_thread(self._rebuild)
        self.address = sock.getsockname()[:2]

        self.engine = pysnmp_engine.SnmpEngine(snmpEngineID=univ.OctetString(self.engine_id))
        for problem in add_users(self.engine, self.config.snmp.v3.users):
            log.error("SNMPv3 user skipped: %s", problem)
        base = udp6.Udp6AsyncioTransport if ipv6 else udp.UdpAsyncioTransport
        transport = _make_transport_class(base, self.responder)().open_server_mode(sock=sock)
        domain = (udp6.DOMAIN_NAME if ipv6 else udp.DOMAIN_NAME) + (1,)
        pysnmp_config.add_transport(self.engine, domain, transport)
        await transport._lport  # the endpoint exists once this is done
        self._transport = transport
        snmp_context = context.SnmpContext(self.engine)
        snmp_context.unregister_context_name(b"")
        snmp_context.register_context_name(b"", IndexInstrumentation(lambda: self.index))
        for responder in (
            cmdrsp.GetCommandResponder,
            cmdrsp.NextCommandResponder,
            cmdrsp.BulkCommandResponder,
            cmdrsp.SetCommandResponder,
        ):
            responder(self.engine, snmp_context)
        self.engine.transport_dispatcher.job_started(1)
        log.debug(
            "SNMP agent on %s:%d (%d objects, engine id %s)",
            self.address[0],
            self.address[1],
            self.index.size,
            self.engine_id.hex(),
        )

    def describe(self) -> str:
        """For the probe's start line: where SNMP is answered and where traps go."""
        versions = "v2c" + ("/v3" if self.config.snmp.v3.users else "")
        traps = len(self.config.snmp.trap_targets)
        return f"SNMP {versions} {self.address[0]}:{self.address[1]}" + (
            f", traps to {traps}" if traps else ""
        )

    def _on_publish(self, snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        """Hub subscriber; may run in the evaluator's worker thread."""
        if self._stopped:
            return
        self._rebuild()
        if evaluation is None or self._loop is None or self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            self._loop.call_soon_threadsafe(self._notify, snapshot, evaluation)

    def _rebuild(self) -> None:
        with self._lock:  # builds in order; always from the newest snapshot
            self.index = self.builder.build(self.hub.current)

    def _notify(self, snapshot: Snapshot, evaluation: Evaluation) -> None:
        targets = self.config.snmp.trap_targets
        for notification in self.tracker.notifications(snapshot, evaluation):
            # Worth an INFO line only when it goes somewhere; the run's line counts the changes.
            if targets:
                log.info(_("SNMP notification to %d target(s): %s"), len(targets), notification.summary)
                self._spawn(notification)
            else:
                log.debug("SNMP notification (no trap target): %s", notification.summary)

    def _spawn(self, notification: Notification) -> None:
        task = asyncio.ensure_future(self.traps.send(notification))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._stopped = True
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self.engine is not None:
            self.engine.transport_dispatcher.job_finished(1)
            self.engine.close_dispatcher()
            self.engine = None
        self.traps.close()


async def start(runtime: Runtime) -> SnmpAgent | None:
    """Service entry point: None when `[snmp] enabled = false`."""
    if not runtime.config.snmp.enabled:
        return None
    agent = SnmpAgent(runtime.config, runtime.hub, runtime.started_at)
    await agent.start()
    return agent
