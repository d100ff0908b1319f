"""A small, real SNMP agent for console tests: pysnmp's command responders (GET, GETNEXT,
GETBULK; v2c community, optionally a v3 user) over UDP on 127.0.0.1, answering from a sorted
table of PROLAN-MIB OIDs (the layout of `probe.snmp.oids`) that the test fills and changes at will. It runs on its
own asyncio loop in a thread and can be stopped and started again on the same port, which is how
tests make the probe go away and come back."""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyasn1.type import univ
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.smi.instrum import AbstractMibInstrumController

from console.live import encode_date_and_time
from probe.assess import ThresholdTable
from probe.levels import SNMP_NOT_ASSESSED, Level
from probe.snmp.oids import Layout

Oid = tuple[int, ...]


class SortedInstrum(AbstractMibInstrumController):
    """Answers GET/GETNEXT from a dict of OID → pyasn1 value (no MIB modules, no access control)."""

    def __init__(self) -> None:
        self.values: dict[Oid, Any] = {}
        self.keys: list[Oid] = []
        self.lock = threading.Lock()

    def replace(self, values: dict[Oid, Any]) -> None:
        with self.lock:
            self.values = dict(values)
            self.keys = sorted(values)

    def read_variables(self, *var_binds: Any, **context: Any) -> list[tuple[Any, Any]]:
        with self.lock:
            return [(name, self.values.get(tuple(name), rfc1905.noSuchObject)) for name, _ in var_binds]

    def read_next_variables(self, *var_binds: Any, **context: Any) -> list[tuple[Any, Any]]:
        result = []
        with self.lock:
            for name, _ in var_binds:
                index = bisect.bisect_right(self.keys, tuple(name))
                if index < len(self.keys):
                    oid = self.keys[index]
                    result.append((rfc1902.ObjectName(oid), self.values[oid]))
                else:
                    result.append((name, rfc1905.endOfMibView))
        return result


@dataclass
class ServedMetric:
    id: int
    name: str
    level: Level | None
    value: float | None = None
    point: str = ""
    region: str = ""
    key: str = ""
    test: str = "LOYALTY_MON"
    unit: str = ""
    thresholds: ThresholdTable | None = None
    updated: dt.datetime | None = None


_DIRECTION = {"higher_worse": 1, "higher_better": 2, "equal": 3}


def prolan_values(
    metrics: Iterable[ServedMetric], *, probe_name: str = "test-probe", layout: Layout = Layout()
) -> dict[Oid, Any]:
    """The PROLAN-MIB objects for the given metrics (and their points), under `layout`."""
    PROBE_SCALARS, METRIC_ENTRY, POINT_ENTRY = layout.probe, layout.metric_entry, layout.point_entry
    values: dict[Oid, Any] = {
        (*PROBE_SCALARS, 1, 0): rfc1902.OctetString(b"0.1.0"),
        (*PROBE_SCALARS, 3, 0): rfc1902.Integer32(1),
        (*PROBE_SCALARS, 4, 0): rfc1902.OctetString(probe_name.encode()),
        (*PROBE_SCALARS, 5, 0): rfc1902.OctetString(encode_date_and_time(dt.datetime.now(dt.UTC))),
    }
    points: dict[str, tuple[str, list[Level]]] = {}
    for m in metrics:
        row = {
            2: rfc1902.OctetString(m.name.encode()),
            3: rfc1902.OctetString((m.key or f"metric.{m.id}").encode()),
            4: rfc1902.OctetString(m.test.encode()),
            5: rfc1902.OctetString(m.point.encode()),
            6: rfc1902.Integer32(round((m.value or 0) * 100)),
            7: rfc1902.OctetString(b"" if m.value is None else f"{m.value:g}".encode()),
            8: rfc1902.Integer32(2 if m.value is None else 1),
            9: rfc1902.OctetString(m.unit.encode()),
            10: rfc1902.Integer32(SNMP_NOT_ASSESSED if m.level is None else m.level.snmp_value),
            15: rfc1902.OctetString(encode_date_and_time(m.updated or dt.datetime.now(dt.UTC))),
            16: rfc1902.Integer32(4 if m.thresholds is None else _DIRECTION[m.thresholds.direction]),
            17: rfc1902.OctetString(m.region.encode()),
        }
        bounds = list(m.thresholds.bounds) if m.thresholds else []
        for column in range(11, 15):
            bound = bounds[column - 11] if column - 11 < len(bounds) else 0
            row[column] = rfc1902.Integer32(round(bound * 100))
        for column, value in row.items():
            values[(*METRIC_ENTRY, column, m.id)] = value
        if m.point:
            entry = points.setdefault(m.point, (m.region, []))
            if m.level is not None:
                entry[1].append(m.level)
    for index, (name, (region, levels)) in enumerate(sorted(points.items()), start=1):
        values[(*POINT_ENTRY, 2, index)] = rfc1902.OctetString(name.encode())
        values[(*POINT_ENTRY, 3, index)] = rfc1902.OctetString(region.encode())
        values[(*POINT_ENTRY, 4, index)] = rfc1902.Integer32(Level.worst(levels).snmp_value)
    return values


class SnmpResponder:
    """`start()` / `stop()` / `start()` again on the same port; `serve(metrics)` at any time."""

    def __init__(
        self, community: str = "public", v3_user: tuple[str, str, str] | None = None, port: int = 0
    ) -> None:
        self.community = community
        self.v3_user = v3_user  # (name, auth SHA-256 key, priv AES-128 key)
        self.instrum = SortedInstrum()
        self.port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def serve(self, metrics: Iterable[ServedMetric]) -> None:
        self.instrum.replace(prolan_values(metrics))

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        return sock

    def start(self) -> None:
        sock = self._bind()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the test SNMP responder did not start")

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        snmp_engine = engine.SnmpEngine()
        transport = udp.UdpAsyncioTransport(loop=loop).open_server_mode(sock=sock)
        config.add_transport(snmp_engine, udp.DOMAIN_NAME, transport)
        config.add_v1_system(snmp_engine, "console-test", self.community)
        if self.v3_user:
            name, auth_key, priv_key = self.v3_user
            config.add_v3_user(
                snmp_engine,
                name,
                config.USM_AUTH_HMAC192_SHA256,
                auth_key,
                config.USM_PRIV_CFB128_AES,
                priv_key,
            )
        snmp_context = context.SnmpContext(snmp_engine)
        snmp_context.context_names[b""] = self.instrum  # type: ignore[assignment]
        cmdrsp.GetCommandResponder(snmp_engine, snmp_context)
        cmdrsp.NextCommandResponder(snmp_engine, snmp_context)
        cmdrsp.BulkCommandResponder(snmp_engine, snmp_context)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            snmp_engine.close_dispatcher()
            sock.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = None
        self._thread = None


def oid_text(oid: Oid) -> str:
    return ".".join(str(part) for part in oid)


__all__ = ["ServedMetric", "SnmpResponder", "oid_text", "prolan_values", "univ"]
