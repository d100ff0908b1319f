"""The SNMP agent component of `prolan-probe run` (the `snmp` entry of `prolan.components`).

One UDP socket: SNMPv1/v2c requests are answered synchronously by the fast path inside the
datagram callback; SNMPv3 datagrams (and acknowledgements of our informs) go to pysnmp. The
index is rebuilt on every publish of the snapshot hub, in the agent's own subscriber thread (the
evaluator never waits for it), and swapped by reference, so requests never wait for SQL or for a
rebuild. Rows are encoded when first needed and by a background warm-up (`RowTable`) on a thread
of its own: the subscriber's delivery is the rebuild and the traps only, so the consumer's health
(prolanConsumerTable, `prolan-probe status`) measures what holds up the next snapshot, not the
warm-up (10–20 s at 100,000 metrics on a busy machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config as pysnmp_config
from pysnmp.entity import engine as pysnmp_engine
from pysnmp.entity.rfc3413 import context

import probe
from probe.config import ProbeConfig, default_data_dir
from probe.i18n import _
from probe.service import ComponentStartError, Runtime
from probe.snapshot import Evaluation, Snapshot, SnapshotHub, Subscription
from probe.snmp import ber
from probe.snmp.config import SnmpConfig
from probe.snmp.engine_state import EngineStateError, parse_engine_id, start_engine
from probe.snmp.fastpath import DELEGATE, FastResponder
from probe.snmp.index import IndexBuilder, MibIndex
from probe.snmp.limits import JunkLog, SourceRateLimiter
from probe.snmp.oids import Layout
from probe.snmp.screen import V3Screen
from probe.snmp.traps import Notification, NotificationTracker, TrapSender
from probe.snmp.usm import RESPONDERS, make_engine
from probe.snmp.v3 import IndexInstrumentation, add_users, user_keys

log = logging.getLogger(__name__)


class SnmpStartError(ComponentStartError):
    """The agent cannot start (address in use, bad listen address); worded for the operator."""


def parse_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SnmpStartError(f"[snmp] listen = {listen!r}: expected HOST:PORT, e.g. 127.0.0.1:1161")
    return host.strip("[]") or "0.0.0.0", int(port)


def _make_transport_class(
    base: type, responder: FastResponder, screen: V3Screen, limiter: SourceRateLimiter, junk: JunkLog
) -> type:
    class FastPathTransport(base):
        """pysnmp's UDP transport with v1/v2c answered before pysnmp sees the datagram, SNMPv3
        screened (probe.snmp.screen), every response counted against its source's rate limit,
        and every datagram dropped unanswered counted in the junk log (never a traceback)."""

        def datagram_received(self, datagram: bytes, transport_address: Any) -> None:
            source = str(transport_address[0])
            if not limiter.admits(source):
                junk.note(source, "rate-limited")
                return
            try:
                result = responder.handle(datagram)
                if result is DELEGATE:
                    datagram = screen.screen(datagram)
            except ber.BerError:
                responder.counters.dropped_malformed += 1
                junk.note(source, "malformed")
                return
            except Exception as exc:  # never let one datagram stop the agent
                responder.counters.dropped_malformed += 1
                junk.note(source, f"unreadable ({exc.__class__.__name__})")
                return
            if result is DELEGATE:
                responder.counters.delegated += 1
                try:  # synchronously: nothing pysnmp raises reaches the loop's exception handler
                    self._callback_function(self, transport_address, datagram)
                except Exception as exc:
                    junk.note(source, f"refused by pysnmp ({exc.__class__.__name__})")
            elif result is None:
                junk.note(source, "wrong community or PDU type")
            elif isinstance(result, bytes) and self.transport is not None:
                if not limiter.spend(source, len(result)):
                    junk.note(source, "rate-limited")
                    return
                responder.counters.responses += 1
                self.transport.sendto(result, transport_address)

        def send_message(self, outgoing: bytes, transport_address: Any) -> None:
            """pysnmp's answers (SNMPv3 responses and reports) count against the limit too."""
            source = str(transport_address[0])
            if not limiter.spend(source, len(outgoing)):
                junk.note(source, "rate-limited")
                return
            super().send_message(outgoing, transport_address)

    return FastPathTransport


def default_state_dir() -> Path:
    return default_data_dir() / "snmp"


class SnmpAgent:
    def __init__(
        self,
        config: ProbeConfig,
        hub: SnapshotHub,
        started_at: dt.datetime | None = None,
        *,
        state_dir: Path | None = None,
        limiter: SourceRateLimiter | None = None,
    ) -> None:
        self.config = config
        self.settings = settings = config.section(SnmpConfig)
        if state_dir is None:
            state_dir = config.resolve_path(settings.state_dir) if settings.state_dir else default_state_dir()
        self.state_dir = state_dir
        self.hub = hub
        self.layout = Layout.from_text(settings.enterprise_oid)
        self._started_monotonic = time.monotonic()
        self.builder = IndexBuilder(
            self.layout,
            probe_name=config.name,
            version=probe.__version__,
            started_at=started_at or dt.datetime.now(dt.UTC),
            uptime_ticks=self.uptime_ticks,
            tz=config.tz,
            health=hub.health,
            role=lambda: (hub.role, hub.lease_epoch),
        )
        self._lock = threading.Lock()
        self.index = MibIndex(())  # built in start(), off the event loop (large snapshots take seconds)
        self.responder = FastResponder(
            lambda: self.index,
            settings.v2c.communities,
            settings.max_repetitions,
        )
        self.tracker = NotificationTracker(self.layout, hub.current)
        self.limiter = limiter or SourceRateLimiter(
            settings.max_responses_per_second, settings.max_response_bytes_per_second
        )
        self.junk = JunkLog(log)
        # Read from the state folder in start(): per installation, boots + 1 on every start.
        self.engine_id = b""
        self.boots = 0
        self.traps: TrapSender | None = None
        self.screen: V3Screen | None = None
        self.engine: pysnmp_engine.SnmpEngine | None = None
        self.address: tuple[str, int] = ("", 0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport: Any = None
        self._stopped = False
        self._subscription: Subscription | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._consumer_names: set[str] = set()
        self._warm_wanted = threading.Event()  # set on every rebuild; the warm-up thread waits on it
        self._warmed = threading.Event()  # set while the warm-up has nothing left to do
        self._warmer: threading.Thread | None = None

    def uptime_ticks(self) -> int:
        return int((time.monotonic() - self._started_monotonic) * 100)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        host, port = parse_listen(self.settings.listen)
        try:
            configured = parse_engine_id(self.settings.engine_id) if self.settings.engine_id else None
            state = await asyncio.to_thread(start_engine, self.state_dir, configured)
        except EngineStateError as exc:
            raise SnmpStartError(f"[snmp] state_dir: {exc}") from None
        self.engine_id, self.boots = state.engine_id, state.boots
        self.traps = TrapSender(self.settings, self.engine_id, self.uptime_ticks, boots=self.boots)
        ipv6 = ":" in host
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise SnmpStartError(
                f"[snmp] listen = {self.settings.listen!r}: cannot bind: {exc.strerror}"
            ) from None
        sock.setblocking(False)
        # Subscribe first so no publish is missed, and answer nothing before the index exists.
        self._subscription = self.hub.subscribe(self._on_publish, name="snmp")
        await asyncio.to_thread(self._rebuild)  # no encoding here: rows are encoded when first needed
        self._warm_wanted.set()
        self._warmer = threading.Thread(target=self._warm_loop, name="snmp-warm-up", daemon=True)
        self._warmer.start()
        self._watcher = asyncio.create_task(self._watch_consumers(), name="snmp-consumers")
        self.address = sock.getsockname()[:2]

        self.engine = make_engine(self.engine_id, self.boots)
        for problem in add_users(self.engine, self.settings.v3.users):
            log.error("SNMPv3 user skipped: %s", problem)
        self.screen = screen = V3Screen(self.engine_id, self._usable_users())
        base = udp6.Udp6AsyncioTransport if ipv6 else udp.UdpAsyncioTransport
        transport_class = _make_transport_class(base, self.responder, screen, self.limiter, self.junk)
        transport = transport_class().open_server_mode(sock=sock)
        domain = (udp6.DOMAIN_NAME if ipv6 else udp.DOMAIN_NAME) + (1,)
        pysnmp_config.add_transport(self.engine, domain, transport)
        await transport._lport  # the endpoint exists once this is done
        self._transport = transport
        snmp_context = context.SnmpContext(self.engine)
        snmp_context.unregister_context_name(b"")
        snmp_context.register_context_name(b"", IndexInstrumentation(lambda: self.index))
        for responder in RESPONDERS:
            responder(self.engine, snmp_context)
        self.engine.transport_dispatcher.job_started(1)
        log.debug(
            "SNMP agent on %s:%d (%d objects, engine id %s, boots %d)",
            self.address[0],
            self.address[1],
            self.index.size,
            self.engine_id.hex(),
            self.boots,
        )

    def describe(self) -> str:
        """For the probe's start line: where SNMP is answered and where traps go."""
        versions = "v2c" + ("/v3" if self.settings.v3.users else "")
        traps = len(self.settings.trap_targets)
        return f"SNMP {versions} {self.address[0]}:{self.address[1]}" + (
            f", traps to {traps}" if traps else ""
        )

    def _usable_users(self) -> list[tuple[str, str, str]]:
        users: list[tuple[str, str, str]] = []
        for user in self.settings.v3.users:
            with contextlib.suppress(ValueError):  # skipped users are logged by add_users
                auth, _priv = user_keys(user)
                users.append((user.name, user.auth_protocol, auth or ""))
        return users

    def _on_publish(self, snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        """Hub subscriber, in its own worker thread (never the evaluator's)."""
        if self._stopped:
            return
        if self._subscription is None or self._subscription.pending == 0:
            self._rebuild()  # else the next snapshot's rebuild covers this one too
        if evaluation is not None and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                self._loop.call_soon_threadsafe(self._notify, snapshot, evaluation)
        self._warmed.clear()
        self._warm_wanted.set()  # the warm-up thread takes it from here

    async def _watch_consumers(self) -> None:
        """Consumers subscribe as components start (after the agent): their rows appear in
        prolanConsumerTable within seconds, not only at the next publish."""
        while not self._stopped:
            await asyncio.sleep(2.0)
            await self._watch_consumers_once()

    async def _watch_consumers_once(self) -> None:
        names = self.builder.consumer_names()
        if names != self._consumer_names:
            self._consumer_names = names
            await asyncio.to_thread(self._rebuild)

    def _warm_loop(self) -> None:
        while not self._stopped:
            if self._warm_wanted.wait(1.0):
                self._warm_wanted.clear()
                if not self._stopped:
                    self._warm()
                if not self._warm_wanted.is_set():
                    self._warmed.set()

    def wait_warm(self, timeout: float) -> bool:
        """Until every row of the served index is encoded (after the last delivered snapshot)."""
        return self._warmed.wait(timeout)

    def _warm(self) -> None:
        """Encode the rows the last build left to encode, until a newer snapshot is waiting or
        built (the next round takes over) — so walks find them encoded; a row asked for earlier is
        encoded then."""
        subscription = self._subscription
        self.builder.warm(
            stop=lambda: (
                self._stopped
                or self._warm_wanted.is_set()
                or (subscription is not None and subscription.pending > 0)
            )
        )

    def _rebuild(self) -> None:
        with self._lock:  # builds in order; always from the newest snapshot
            self.index = self.builder.build(self.hub.current)

    def _notify(self, snapshot: Snapshot, evaluation: Evaluation) -> None:
        targets = self.settings.trap_targets
        if self.hub.role != "active":
            # A standby serves what the active probe stored but sends nothing (probe.lease): the
            # active one's agent sends the traps. The tracker still learns the levels it saw.
            for notification in self.tracker.notifications(snapshot, evaluation):
                log.debug("SNMP notification not sent (standby): %s", notification.summary)
            return
        for notification in self.tracker.notifications(snapshot, evaluation):
            # Worth an INFO line only when it goes somewhere; the run's line counts the changes.
            if targets and self.traps is not None:
                log.info(_("SNMP notification to %d target(s): %s"), len(targets), notification.summary)
                self._spawn(notification)
            else:
                log.debug("SNMP notification (no trap target): %s", notification.summary)

    def _spawn(self, notification: Notification) -> None:
        assert self.traps is not None
        task = asyncio.ensure_future(self.traps.send(notification))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._stopped = True
        self._warm_wanted.set()  # wakes the warm-up thread, which then ends
        if self._watcher is not None:
            self._watcher.cancel()
        if self._subscription is not None:
            self.hub.unsubscribe(self._subscription)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self.engine is not None:
            self.engine.transport_dispatcher.job_finished(1)
            self.engine.close_dispatcher()
            self.engine = None
        if self.traps is not None:
            self.traps.close()
        self.junk.flush()


# Place in the start order of `prolan-probe run` (probe.service): first: the stored snapshot is served as soon as possible.
ORDER = 10


async def check(runtime: Runtime) -> None:
    """Before `run` binds anything: every SNMPv3 user has usable keys (a user that would be
    skipped is an error, not a log line)."""
    settings = runtime.config.section(SnmpConfig)
    if not settings.enabled:
        return
    for index, user in enumerate(settings.v3.users):
        try:
            user_keys(user)
        except ValueError as exc:
            raise ComponentStartError(
                f"{runtime.config.origin}: key 'snmp.v3.users[{index}]': {exc}"
            ) from None


async def start(runtime: Runtime) -> SnmpAgent | None:
    """Service entry point: None when `[snmp] enabled = false`."""
    if not runtime.config.section(SnmpConfig).enabled:
        return None
    agent = SnmpAgent(runtime.config, runtime.hub, runtime.started_at)
    await agent.start()
    return agent
