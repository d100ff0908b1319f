"""Live data: poll the probe's SNMP agent (PROLAN-MIB) with pysnmp's asyncio API.

`SnmpReader.read()` fetches the probe scalars, the metric table and the point table with GETBULK
requests (several columns per request) and returns a `LiveState`. `PollerThread` runs a reader on
its own asyncio loop in a `QThread`, emits every result, and when the probe stops answering emits
the last data marked disconnected and simply tries again at the next poll: reconnection needs
nothing more, SNMP being connectionless.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyasn1.type import univ
from PyQt6.QtCore import QThread, pyqtSignal
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
)
from pysnmp.hlapi.v3arch.asyncio import auth as usm
from pysnmp.hlapi.v3arch.asyncio.lcd import CommandGeneratorLcdConfigurator
from pysnmp.proto import rfc1902, rfc1905

from console.i18n import translate
from console.live import LiveState, decode_metrics, decode_points
from probe.snmp.config import SnmpV3User
from probe.snmp.oids import METRIC_COLUMNS, Layout, MetricColumn, PointColumn, ProbeScalar

log = logging.getLogger(__name__)

# Every poll reads the columns that change with each evaluation; the descriptive ones (name, key,
# point, unit, thresholds...) only when new rows appear or every STATIC_REFRESH_POLLS polls: a
# full walk costs four times as much, mostly BER decoding.
DYNAMIC_COLUMNS = (
    MetricColumn.VALUE,
    MetricColumn.VALID,
    MetricColumn.LEVEL,
    MetricColumn.UPDATED,
    MetricColumn.LOW,
    MetricColumn.HIGH,
    MetricColumn.INTERVAL_VALID,
    MetricColumn.VOTES,
)
STATIC_COLUMNS = tuple(c for c in METRIC_COLUMNS if c not in DYNAMIC_COLUMNS and c != MetricColumn.VALUE_TEXT)
STATIC_REFRESH_POLLS = 12
POINT_COLUMNS = (PointColumn.NAME, PointColumn.REGION, PointColumn.WORST_LEVEL)
# pysnmp's responder caps a GETBULK answer at 64 var-binds; ask for about that many.
BULK_VARBINDS = 60

_AUTH = {
    "MD5": usm.USM_AUTH_HMAC96_MD5,
    "SHA": usm.USM_AUTH_HMAC96_SHA,
    "SHA-224": usm.USM_AUTH_HMAC128_SHA224,
    "SHA-256": usm.USM_AUTH_HMAC192_SHA256,
    "SHA-384": usm.USM_AUTH_HMAC256_SHA384,
    "SHA-512": usm.USM_AUTH_HMAC384_SHA512,
}
_PRIV = {
    "none": usm.USM_PRIV_NONE,
    "DES": usm.USM_PRIV_CBC56_DES,
    "AES-128": usm.USM_PRIV_CFB128_AES,
    "AES-192": usm.USM_PRIV_CFB192_AES,
    "AES-256": usm.USM_PRIV_CFB256_AES,
}


_LCD = CommandGeneratorLcdConfigurator()


class ProbeUnreachable(Exception):
    """The probe did not answer, or answered with an SNMP error."""


@dataclass(frozen=True)
class ProbeTarget:
    host: str
    port: int
    version: str = "v2c"  # v2c | v3
    community: str = "public"
    user: SnmpV3User | None = None
    timeout_seconds: float = 2.0
    retries: int = 1
    # Where the probe serves PROLAN-MIB: under its `[snmp] enterprise_oid`.
    layout: Layout = field(default_factory=Layout)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        who = self.user.name if self.version == "v3" and self.user else self.community
        return f"SNMP {self.version} {self.address} ({who})"

    def auth_data(self) -> CommunityData | UsmUserData:
        if self.version == "v3":
            if self.user is None:
                raise ValueError("SNMPv3 needs [console.user]")
            auth_key = self.user.resolved_auth_key() or None
            priv_key = self.user.resolved_priv_key() or None
            return UsmUserData(
                self.user.name,
                authKey=auth_key,
                privKey=priv_key if self.user.priv_protocol != "none" else None,
                authProtocol=_AUTH[self.user.auth_protocol] if auth_key else usm.USM_AUTH_NONE,
                privProtocol=_PRIV[self.user.priv_protocol] if priv_key else usm.USM_PRIV_NONE,
            )
        return CommunityData(self.community, mpModel=1)


def _python(value: object) -> object:
    if isinstance(value, rfc1905.NoSuchObject | rfc1905.NoSuchInstance | rfc1905.EndOfMibView):
        return None
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    if isinstance(value, univ.Integer):
        return int(value)
    return value


class SnmpReader:
    """One pysnmp engine talking to one probe; use it from one asyncio loop only."""

    def __init__(self, target: ProbeTarget) -> None:
        self.target = target
        self.engine = SnmpEngine()
        self._transport: UdpTransportTarget | None = None
        self._static: dict[int, dict[tuple[int, ...], object]] = {}
        self._polls_since_static = 0

    def close(self) -> None:
        self.engine.close_dispatcher()

    async def _transport_target(self) -> UdpTransportTarget:
        if self._transport is None:
            self._transport = await UdpTransportTarget.create(
                (self.target.host, self.target.port),
                timeout=self.target.timeout_seconds,
                retries=self.target.retries,
            )
        return self._transport

    async def _request(
        self, oids: Sequence[tuple[int, ...]], repetitions: int | None = None
    ) -> list[tuple[tuple[int, ...], object]]:
        """One GET (repetitions None) or GETBULK with raw OIDs. pysnmp's high-level calls resolve
        every var-bind through the MIB view (milliseconds each); the table walk needs thousands."""
        address_name, _params = _LCD.configure(
            self.engine, self.target.auth_data(), await self._transport_target(), b""
        )
        future: asyncio.Future[list[tuple[tuple[int, ...], object]]] = (
            asyncio.get_running_loop().create_future()
        )

        def done(
            _engine: object,
            _handle: object,
            indication: object,
            status: object,
            index: object,
            var_binds: Sequence[tuple[object, object]],
            _context: object,
        ) -> None:
            if future.done():
                return
            if indication:
                future.set_exception(ProbeUnreachable(str(indication)))
            elif status and int(status):  # type: ignore[call-overload]
                text = status.prettyPrint() if hasattr(status, "prettyPrint") else status
                future.set_exception(ProbeUnreachable(f"SNMP error {text} at {index}"))
            else:
                future.set_result([(tuple(oid), value) for oid, value in var_binds])  # type: ignore[arg-type]

        var_binds = [(rfc1902.ObjectName(oid), rfc1902.Null("")) for oid in oids]
        context = ContextData()
        if repetitions is None:
            cmdgen.GetCommandGenerator().send_varbinds(
                self.engine, address_name, context.contextEngineId, context.contextName, var_binds, done, None
            )
        else:
            cmdgen.BulkCommandGenerator().send_varbinds(
                self.engine,
                address_name,
                context.contextEngineId,
                context.contextName,
                0,
                repetitions,
                var_binds,
                done,
                None,
            )
        return await future

    async def get_scalars(self) -> dict[int, object]:
        names = [ProbeScalar.VERSION, ProbeScalar.DATABASE_STATE, ProbeScalar.NAME, ProbeScalar.LAST_UPDATE]
        var_binds = await self._request([(*self.target.layout.probe, n, 0) for n in names])
        return {n: _python(value) for n, (_oid, value) in zip(names, var_binds, strict=False)}

    async def walk_columns(
        self, entry: tuple[int, ...], columns: Sequence[int]
    ) -> dict[int, dict[tuple[int, ...], object]]:
        """Every instance of the given columns of a table, several columns per GETBULK."""
        result: dict[int, dict[tuple[int, ...], object]] = {c: {} for c in columns}
        cursor = {c: (*entry, c) for c in columns}
        active = list(columns)
        while active:
            repetitions = max(1, BULK_VARBINDS // len(active))
            var_binds = await self._request([cursor[c] for c in active], repetitions)
            finished: set[int] = set()
            for position, (oid, value) in enumerate(var_binds):
                column = active[position % len(active)]
                if column in finished:
                    continue
                prefix = (*entry, column)
                if oid[: len(prefix)] != prefix or isinstance(value, rfc1905.EndOfMibView):
                    finished.add(column)
                    continue
                if oid <= cursor[column]:  # a broken agent must not make us loop for ever
                    finished.add(column)
                    continue
                result[column][oid[len(prefix) :]] = _python(value)
                cursor[column] = oid
            if not var_binds:
                break
            active = [c for c in active if c not in finished]
        return result

    async def read(self) -> LiveState:
        scalars = await self.get_scalars()
        layout = self.target.layout
        metric_columns = await self.walk_columns(layout.metric_entry, DYNAMIC_COLUMNS)
        rows = set(metric_columns[MetricColumn.LEVEL])
        known = set(self._static.get(MetricColumn.NAME, {}))
        self._polls_since_static += 1
        if rows != known or self._polls_since_static >= STATIC_REFRESH_POLLS:
            self._static = await self.walk_columns(layout.metric_entry, STATIC_COLUMNS)
            self._polls_since_static = 0
        metric_columns.update(self._static)
        point_columns = await self.walk_columns(layout.point_entry, POINT_COLUMNS)
        name = scalars.get(ProbeScalar.NAME)
        version = scalars.get(ProbeScalar.VERSION)
        database = scalars.get(ProbeScalar.DATABASE_STATE)
        return LiveState(
            connected=True,
            address=self.target.address,
            received_at=dt.datetime.now(dt.UTC),
            probe_name=name.decode("utf-8", "replace") if isinstance(name, bytes) else "",
            probe_version=version.decode("utf-8", "replace") if isinstance(version, bytes) else "",
            database_ok=None if database is None else database == 1,
            metrics=decode_metrics(metric_columns),
            points=decode_points(point_columns),
        )


def unreachable_message(target: ProbeTarget, error: BaseException) -> str:
    detail = str(error) or type(error).__name__
    if "before timeout" in detail:  # pysnmp's wording for "nobody answered"
        detail = translate("Connection", "no answer within {seconds} s").format(
            seconds=f"{target.timeout_seconds:g}"
        )
    return translate("Connection", "No connection to the probe {address}: {error}. Retrying…").format(
        address=target.address, error=detail
    )


async def read_once(target: ProbeTarget) -> LiveState:
    reader = SnmpReader(target)
    try:
        return await reader.read()
    except Exception as exc:
        return LiveState(address=target.address, error=unreachable_message(target, exc))
    finally:
        reader.close()


def poll_once(target: ProbeTarget) -> LiveState:
    """One blocking read (the screenshot mode); a failure gives a disconnected, empty state."""
    return asyncio.run(read_once(target))


class PollerThread(QThread):
    """Polls every `poll_seconds` and emits `state_received(LiveState)` each time."""

    state_received = pyqtSignal(object)

    def __init__(self, target: ProbeTarget, poll_seconds: float) -> None:
        super().__init__()
        self.target = target
        self.poll_seconds = poll_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stopping = False

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._poll_forever())
        finally:
            loop.close()

    async def _poll_forever(self) -> None:
        self._stop_event = asyncio.Event()
        if self._stopping:
            return
        reader = SnmpReader(self.target)
        last = LiveState(address=self.target.address)
        try:
            while not self._stop_event.is_set():
                try:
                    state = await reader.read()
                    last = state
                except Exception as exc:
                    log.info("probe %s unreachable: %s", self.target.address, exc)
                    state = last.disconnected(unreachable_message(self.target, exc))
                    # A fresh engine next time: no half-finished request state survives an outage.
                    reader.close()
                    reader = SnmpReader(self.target)
                self.state_received.emit(state)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_event.wait(), self.poll_seconds)
        finally:
            reader.close()

    def stop(self) -> None:
        self._stopping = True
        loop, event = self._loop, self._stop_event
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)
        self.wait(10_000)
