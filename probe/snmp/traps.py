"""Notifications of PROLAN-MIB: which ones an evaluation causes (pure) and sending them.

`NotificationTracker` remembers the last known test results and database state and turns each
published evaluation into `Notification`s: prolanLevelChange per metric whose level changed,
prolanTestFailed / prolanTestRecovered, prolanDatabaseUnavailable / prolanDatabaseAvailable.
Historical (catch-up) evaluations update what it remembers but notify nothing. `TrapSender`
delivers each notification as a trap or inform to every `[[snmp.trap_targets]]` entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    UdpTransportTarget,
    UsmUserData,
    send_notification,
)
from pysnmp.proto import rfc1902

from probe.snapshot import Evaluation, Snapshot
from probe.snmp import ber
from probe.snmp.config import SnmpConfig, TrapTarget
from probe.snmp.index import (
    DB_AVAILABLE,
    DB_UNAVAILABLE,
    metric_values,
    oko_level,
    stable_indexes,
    test_values,
)
from probe.snmp.oids import (
    METRIC_COLUMNS,
    SNMP_TRAP_OID_INSTANCE,
    SYS_UPTIME_INSTANCE,
    TEST_COLUMNS,
    Layout,
    MetricColumn,
    NotificationKind,
    NotificationObject,
    ProbeScalar,
    TestColumn,
)
from probe.snmp.usm import make_engine
from probe.snmp.v3 import AUTH_PROTOCOLS, PRIV_PROTOCOLS, decode_value, user_keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notification:
    oid: tuple[int, ...]
    objects: tuple[tuple[tuple[int, ...], bytes], ...]  # (instance OID, value TLV) after snmpTrapOID
    summary: str  # for the log


def _column(values: tuple[bytes, ...], column: int, columns: tuple[int, ...]) -> bytes:
    """The value of `column` in a row's values, which are in the order of `columns`."""
    return values[columns.index(column)]


def _metric(values: tuple[bytes, ...], column: int) -> bytes:
    return _column(values, column, METRIC_COLUMNS)


def _test(values: tuple[bytes, ...], column: int) -> bytes:
    return _column(values, column, TEST_COLUMNS)


class NotificationTracker:
    def __init__(self, layout: Layout, snapshot: Snapshot) -> None:
        self.layout = layout
        self.test_ok: dict[str, bool | None] = {t.name: t.ok for t in snapshot.tests}
        self.database_ok = snapshot.database_ok

    def notifications(self, snapshot: Snapshot, evaluation: Evaluation) -> list[Notification]:
        lay = self.layout
        out: list[Notification] = []
        if evaluation.past:
            return out  # another process's run of an earlier interval: not the current state
        news = not evaluation.historical

        if news:
            for m in evaluation.metrics:
                if m.id not in evaluation.previous_levels or m.id in evaluation.first_seen:
                    continue
                previous = evaluation.previous_levels[m.id]
                # Only a change between two assessments is news: a metric's first assessment (no
                # level before, e.g. a new point or a new test) and a table removed send nothing.
                if previous is None or m.level is None or previous == m.level:
                    continue
                values = metric_values(m)
                assert len(values) == len(METRIC_COLUMNS)
                entry = lay.metric_entry
                objects: tuple[tuple[tuple[int, ...], bytes], ...] = (
                    (
                        (*lay.notification_objects, NotificationObject.METRIC_ID, 0),
                        ber.encode_unsigned(m.id, ber.GAUGE32),
                    ),
                    ((*entry, MetricColumn.NAME, m.id), _metric(values, MetricColumn.NAME)),
                    ((*entry, MetricColumn.VALUE, m.id), _metric(values, MetricColumn.VALUE)),
                    ((*entry, MetricColumn.VALUE_TEXT, m.id), _metric(values, MetricColumn.VALUE_TEXT)),
                    (
                        (*lay.notification_objects, NotificationObject.PREVIOUS_LEVEL, 0),
                        ber.encode_integer(oko_level(previous)),
                    ),
                    ((*entry, MetricColumn.LEVEL, m.id), _metric(values, MetricColumn.LEVEL)),
                )
                summary = f"level of metric {m.id} ({m.name}): {previous} -> {m.level}"
                out.append(
                    Notification((*lay.notifications, NotificationKind.LEVEL_CHANGE), objects, summary)
                )

        previous_ok = self.test_ok.get(evaluation.test)
        self.test_ok[evaluation.test] = evaluation.test_ok
        # A test's first run (nothing known before) is not a change either, failed or not: its
        # state is in prolanTestTable from then on.
        if news and previous_ok is not None and evaluation.test_ok != previous_ok:
            state = next((t for t in snapshot.tests if t.name == evaluation.test), None)
            if state is not None:
                index = stable_indexes(t.name for t in snapshot.tests)[state.name]
                values = test_values(state)
                entry = lay.test_entry
                test_objects: tuple[tuple[tuple[int, ...], bytes], ...] = (
                    ((*entry, TestColumn.NAME, index), _test(values, TestColumn.NAME)),
                    ((*entry, TestColumn.STATE, index), _test(values, TestColumn.STATE)),
                )
                if evaluation.test_ok:
                    kind, summary = NotificationKind.TEST_RECOVERED, f"test {state.name} recovered"
                else:
                    test_objects += (
                        ((*entry, TestColumn.LAST_ERROR, index), _test(values, TestColumn.LAST_ERROR)),
                    )
                    kind, summary = (
                        NotificationKind.TEST_FAILED,
                        f"test {state.name} failed: {state.last_error}",
                    )
                out.append(Notification((*lay.notifications, kind), test_objects, summary))

        previous_db = self.database_ok
        self.database_ok = evaluation.database_ok
        if news and evaluation.database_ok != previous_db:
            state_oid = (*lay.probe, ProbeScalar.DATABASE_STATE, 0)
            if evaluation.database_ok:
                value, kind, summary = (
                    DB_AVAILABLE,
                    NotificationKind.DATABASE_AVAILABLE,
                    "database available again",
                )
            else:
                value, kind, summary = (
                    DB_UNAVAILABLE,
                    NotificationKind.DATABASE_UNAVAILABLE,
                    "database unavailable",
                )
            out.append(
                Notification((*lay.notifications, kind), ((state_oid, ber.encode_integer(value)),), summary)
            )
        return out


class TrapSender:
    """Sends notifications to the configured targets with a pysnmp engine of its own."""

    def __init__(
        self, config: SnmpConfig, engine_id: bytes, uptime_ticks: Callable[[], int], *, boots: int = 1
    ) -> None:
        self.config = config
        self.engine = make_engine(engine_id, boots)  # the agent's engine ID and boots (engine_state)
        self.uptime_ticks = uptime_ticks
        self.users = {u.name: u for u in config.v3.users}
        self.sent = 0
        self.failed = 0

    def _auth(self, target: TrapTarget) -> CommunityData | UsmUserData:
        if target.version == "v2c":
            return CommunityData(target.community, mpModel=1)
        user = self.users.get(target.user or "")
        if user is None:
            raise ValueError(
                f"[[snmp.trap_targets]] {target.address}: user {target.user!r} is not in [[snmp.v3.users]]"
            )
        auth, priv = user_keys(user)
        return UsmUserData(
            user.name,
            authKey=auth,
            privKey=priv,
            authProtocol=AUTH_PROTOCOLS[user.auth_protocol],
            privProtocol=PRIV_PROTOCOLS[user.priv_protocol],
        )

    def _varbinds(self, notification: Notification) -> list[tuple[Any, Any]]:
        binds: list[tuple[Any, Any]] = [
            (rfc1902.ObjectName(SYS_UPTIME_INSTANCE), rfc1902.TimeTicks(self.uptime_ticks() & 0xFFFFFFFF)),
            (rfc1902.ObjectName(SNMP_TRAP_OID_INSTANCE), rfc1902.ObjectName(notification.oid)),
        ]
        binds += [(rfc1902.ObjectName(oid), decode_value(value)) for oid, value in notification.objects]
        return binds

    async def send(self, notification: Notification) -> None:
        await asyncio.gather(*(self._send_one(t, notification) for t in self.config.trap_targets))

    async def _send_one(self, target: TrapTarget, notification: Notification) -> None:
        try:
            host, _, port = target.address.rpartition(":")
            transport = await UdpTransportTarget.create((host.strip("[]"), int(port)), timeout=2, retries=2)
            error_indication, error_status, _index, _binds = await send_notification(
                self.engine,
                self._auth(target),
                transport,
                ContextData(),
                "inform" if target.inform else "trap",
                *self._varbinds(notification),
                lookupMib=False,
            )
            if error_indication or error_status:
                raise RuntimeError(str(error_indication or error_status))
            self.sent += 1
        except Exception as exc:  # a dead receiver must not disturb the agent
            self.failed += 1
            log.warning("SNMP notification to %s failed (%s): %s", target.address, notification.summary, exc)

    def close(self) -> None:
        self.engine.close_dispatcher()
