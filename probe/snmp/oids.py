"""The OID layout of PROLAN-MIB (mib/PROLAN-MIB.txt): the one definition the agent, its traps,
the fast path and the console's poller all use. Pure data, no pysnmp.

Everything sits under the configured enterprise root (`[snmp] enterprise_oid`, by default
1.3.6.1.4.1.17184); `Layout` computes the subtrees from it, the classes below number the columns
and scalars inside them:

    {enterprise}.1              prolanMIB
    {enterprise}.1.0.N          notifications (NotificationKind)
    {enterprise}.1.1.1.N.0      probe scalars (ProbeScalar)
    {enterprise}.1.1.2.1.C.ID   prolanMetricEntry: column C (MetricColumn), row = metric id
    {enterprise}.1.1.3.1.C.IDX  prolanTestEntry (TestColumn), row = stable index of the test name
    {enterprise}.1.1.4.1.C.IDX  prolanPointEntry (PointColumn), row = stable index of the point name
    {enterprise}.1.1.5.N        objects carried by notifications only
    {enterprise}.1.1.6.1.C.IDX  prolanConsumerEntry (ConsumerColumn), row = stable index of its name
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# IANA Private Enterprise Number of PROLAN; also the enterprise part of the SNMPv3 engine id.
PROLAN_ENTERPRISE_NUMBER: Final = 17184
DEFAULT_ENTERPRISE: Final = (1, 3, 6, 1, 4, 1, PROLAN_ENTERPRISE_NUMBER)
SYSTEM: Final = (1, 3, 6, 1, 2, 1, 1)  # SNMPv2-MIB system group
SYS_UPTIME_INSTANCE: Final = (1, 3, 6, 1, 2, 1, 1, 3, 0)
SNMP_TRAP_OID_INSTANCE: Final = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)


class ProbeScalar:
    """prolanProbe scalars: {probe}.N.0."""

    VERSION: Final = 1
    START_TIME: Final = 2
    DATABASE_STATE: Final = 3
    NAME: Final = 4
    LAST_UPDATE: Final = 5
    CONSUMER_STATE: Final = 6  # ProlanKeepingUp: the worst of prolanConsumerTable
    ROLE: Final = 7  # active(1) / standby(2): the lease of the active probe (issue 16)
    LEASE_EPOCH: Final = 8  # Unsigned32: the lease's fencing epoch


# prolanProbeRole values.
ROLE_VALUES: Final = {"active": 1, "standby": 2}


class MetricColumn:
    """Columns of prolanMetricEntry."""

    NAME: Final = 2
    KEY: Final = 3
    TEST: Final = 4
    POINT: Final = 5
    VALUE: Final = 6  # value × 100, Integer32
    VALUE_TEXT: Final = 7
    VALID: Final = 8
    UNIT: Final = 9
    LEVEL: Final = 10  # OkoLevel
    THRESHOLD1: Final = 11
    THRESHOLD2: Final = 12
    THRESHOLD3: Final = 13
    THRESHOLD4: Final = 14
    UPDATED: Final = 15  # DateAndTime
    DIRECTION: Final = 16
    REGION: Final = 17
    QUESTION: Final = 18  # question text, empty when none
    PERIOD: Final = 19  # 'interval', 'day' or empty
    SHORT_NAME: Final = 20  # structured identity (issue 15)
    SCOPE: Final = 21  # ProlanScope
    METHODOLOGY: Final = 22
    LOW: Final = 23  # how sure a percentage is (issue 21): 95 % interval × 100
    HIGH: Final = 24
    INTERVAL_VALID: Final = 25  # TruthValue
    VOTES: Final = 26  # Gauge32: the denominator


class TestColumn:
    """Columns of prolanTestEntry."""

    __test__ = False  # not a pytest test class

    NAME: Final = 2
    DESCRIPTION: Final = 3
    SCHEDULE: Final = 4
    LAST_RUN: Final = 5
    DURATION: Final = 6
    STATE: Final = 7
    LAST_ERROR: Final = 8


class PointColumn:
    """Columns of prolanPointEntry: name, region, worst level, then metrics per OkoLevel 1..7."""

    NAME: Final = 2
    REGION: Final = 3
    WORST_LEVEL: Final = 4
    FIRST_LEVEL_COUNT: Final = 5


class ConsumerColumn:
    """Columns of prolanConsumerEntry: how each consumer of evaluations keeps up."""

    NAME: Final = 2
    STATE: Final = 3  # ProlanKeepingUp
    QUEUED: Final = 4
    LAG_MS: Final = 5
    LAST_MS: Final = 6
    FAILURES: Final = 7  # Counter32
    LAST_ERROR: Final = 8


class NotificationKind:
    """The last arc of each notification under {module}.0."""

    LEVEL_CHANGE: Final = 1
    TEST_FAILED: Final = 2
    TEST_RECOVERED: Final = 3
    DATABASE_UNAVAILABLE: Final = 4
    DATABASE_AVAILABLE: Final = 5


class NotificationObject:
    """Objects carried by notifications only: {notification_objects}.N.0."""

    METRIC_ID: Final = 1
    PREVIOUS_LEVEL: Final = 2


METRIC_COLUMNS: Final = tuple(range(MetricColumn.NAME, MetricColumn.VOTES + 1))
# ProlanScope values of prolanMetricScope.
SCOPES: Final = {"none": 1, "point": 2, "company": 3}
TEST_COLUMNS: Final = tuple(range(TestColumn.NAME, TestColumn.LAST_ERROR + 1))
POINT_COLUMNS: Final = tuple(range(PointColumn.NAME, PointColumn.FIRST_LEVEL_COUNT + 7))
CONSUMER_COLUMNS: Final = tuple(range(ConsumerColumn.NAME, ConsumerColumn.LAST_ERROR + 1))
# ProlanKeepingUp values of prolanConsumerState / prolanProbeConsumerState.
KEEPING_UP: Final = {"ok": 1, "slow": 2, "failing": 3}


@dataclass(frozen=True)
class Layout:
    """Where the objects of PROLAN-MIB sit under the configured enterprise root."""

    enterprise: tuple[int, ...] = DEFAULT_ENTERPRISE

    @classmethod
    def from_text(cls, enterprise_oid: str) -> Layout:
        """The layout under `[snmp] enterprise_oid` ('1.3.6.1.4.1.17184'); ValueError when malformed."""
        return cls(parse_oid(enterprise_oid))

    @property
    def module(self) -> tuple[int, ...]:  # prolanMIB
        return (*self.enterprise, 1)

    @property
    def notifications(self) -> tuple[int, ...]:
        return (*self.module, 0)

    @property
    def probe(self) -> tuple[int, ...]:
        return (*self.module, 1, 1)

    @property
    def metric_entry(self) -> tuple[int, ...]:
        return (*self.module, 1, 2, 1)

    @property
    def test_entry(self) -> tuple[int, ...]:
        return (*self.module, 1, 3, 1)

    @property
    def point_entry(self) -> tuple[int, ...]:
        return (*self.module, 1, 4, 1)

    @property
    def consumer_entry(self) -> tuple[int, ...]:
        return (*self.module, 1, 6, 1)

    @property
    def notification_objects(self) -> tuple[int, ...]:
        return (*self.module, 1, 5)


def parse_oid(text: str) -> tuple[int, ...]:
    """'1.3.6.1.4.1.17184' (a leading dot is allowed) → a tuple; ValueError when malformed."""
    parts = text.strip().lstrip(".").split(".")
    try:
        oid = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"not a numeric OID: {text!r}") from None
    if len(oid) < 2 or oid[0] > 2 or any(arc < 0 for arc in oid):
        raise ValueError(f"not a valid OID: {text!r}")
    return oid
