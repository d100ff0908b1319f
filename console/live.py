"""The live picture the console shows: metric rows and points as the probe serves them over SNMP.

Pure data, no Qt and no I/O. `decode_metrics` and `decode_points` turn the walked columns of PROLAN-MIB
(the layout of `probe.snmp.oids`, described in docs/mib.md) into `LiveMetric`s; `LiveState` is one poll's result plus the
connection status, and answers the questions maps ask: the level of a metric (by key or full
name) and the worst level of a service point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from probe.assess import ThresholdError, ThresholdTable
from probe.levels import Level
from probe.metric_names import canonical_name
from probe.snmp.oids import SCOPES, MetricColumn, PointColumn

_LEVEL_BY_SNMP = {level.snmp_value: level for level in Level}
_DIRECTIONS = {1: "higher_worse", 2: "higher_better", 3: "equal"}


def level_from_snmp(value: int | None) -> Level | None:
    """OkoLevel 1..6 → Level; notAssessed(7) and anything else → None (no threshold table)."""
    return _LEVEL_BY_SNMP.get(value) if value is not None else None


def date_and_time(octets: bytes) -> dt.datetime | None:
    """SNMPv2-TC DateAndTime (8 or 11 octets) → aware datetime (UTC when no zone is given)."""
    if len(octets) not in (8, 11):
        return None
    year = octets[0] * 256 + octets[1]
    try:
        tz = dt.UTC
        if len(octets) == 11:
            offset = dt.timedelta(hours=octets[9], minutes=octets[10])
            tz = dt.timezone(offset if octets[8] == ord("+") else -offset)
        return dt.datetime(
            year, octets[2], octets[3], octets[4], octets[5], octets[6], octets[7] * 100_000, tzinfo=tz
        )
    except ValueError:
        return None


def encode_date_and_time(value: dt.datetime) -> bytes:
    """The inverse of `date_and_time` in UTC (used by the test agent and by tools)."""
    utc = value.astimezone(dt.UTC)
    return bytes(
        [
            utc.year // 256,
            utc.year % 256,
            utc.month,
            utc.day,
            utc.hour,
            utc.minute,
            utc.second,
            utc.microsecond // 100000,
            ord("+"),
            0,
            0,
        ]
    )


@dataclass(frozen=True, slots=True)
class LiveMetric:
    """One row of prolanMetricTable."""

    id: int
    name: str
    key: str = ""
    test: str = ""
    point: str = ""
    region: str = ""
    value: float | None = None
    value_text: str = ""
    unit: str = ""
    level: Level | None = None  # None: not assessed (no threshold table)
    thresholds: ThresholdTable | None = None
    updated: dt.datetime | None = None
    # Structured identity (prolanMetricQuestion … prolanMetricMethodology): views select and label
    # metrics by these, never by reading the name.
    question: str = ""
    period: str = ""  # "interval" | "day" | "" (none)
    short_name: str = ""
    scope: str = "none"  # "point" | "company" | "none"
    methodology: str = ""
    # How sure a percentage is (issue 21): its 95 % interval and the count behind it.
    low: float | None = None
    high: float | None = None
    votes: int | None = None


@dataclass(frozen=True, slots=True)
class LivePoint:
    name: str
    region: str = ""
    worst: Level | None = None


@dataclass
class LiveState:
    """One poll of the probe. When the probe is gone `connected` is False and the last metrics
    are kept (for tooltips), while maps show them grey."""

    connected: bool = False
    address: str = ""
    received_at: dt.datetime | None = None
    probe_name: str = ""
    probe_version: str = ""
    database_ok: bool | None = None
    metrics: Mapping[int, LiveMetric] = field(default_factory=dict)
    points: Mapping[str, LivePoint] = field(default_factory=dict)
    error: str = ""
    # The tests whose assessments make a point's worst level (empty: every test); the same
    # setting as the Dashboard's lamps ([console] level_tests).
    level_tests: tuple[str, ...] = ()
    _by_reference: dict[str, LiveMetric] = field(default_factory=dict, init=False, repr=False)
    _point_worst: dict[str, Level] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        by_point: dict[str, list[Level]] = {}
        for metric in self.metrics.values():
            self._by_reference.setdefault(metric.name, metric)
            if metric.key:
                self._by_reference[metric.key] = metric
            if metric.point:
                by_point.setdefault(metric.point, [])
                if metric.level is not None and (not self.level_tests or metric.test in self.level_tests):
                    by_point[metric.point].append(metric.level)
        self._point_worst = {name: Level.worst(levels) for name, levels in by_point.items()}

    def metric(self, reference: str) -> LiveMetric | None:
        """A metric by its key or its full name (an older spelling of the name too: map files
        written before a metric was renamed keep showing it)."""
        found = self._by_reference.get(reference)
        return found if found is not None else self._by_reference.get(canonical_name(reference))

    def point_metrics(self, point: str) -> list[LiveMetric]:
        return sorted((m for m in self.metrics.values() if m.point == point), key=lambda m: (m.test, m.name))

    def point_names(self) -> list[str]:
        names = set(self.points) | set(self._point_worst)
        return sorted(names)

    def point_worst(self, point: str) -> Level:
        """The worst assessment among the point's metrics (unknown when none is assessed)."""
        if point in self._point_worst:
            return self._point_worst[point]
        served = self.points.get(point)
        return served.worst if served is not None and served.worst is not None else Level.UNKNOWN

    def disconnected(self, error: str) -> LiveState:
        """The same data, marked as no longer current."""
        return LiveState(
            False,
            self.address,
            self.received_at,
            self.probe_name,
            self.probe_version,
            self.database_ok,
            self.metrics,
            self.points,
            error,
            self.level_tests,
        )

    def counting(self, tests: tuple[str, ...]) -> LiveState:
        """The same poll with a point's worst level counted over `tests` (empty: every test)."""
        return self if tests == self.level_tests else replace(self, level_tests=tests)


Columns = Mapping[int, Mapping[tuple[int, ...], object]]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _thresholds(row: Mapping[int, object]) -> ThresholdTable | None:
    direction = _DIRECTIONS.get(_int(row.get(MetricColumn.DIRECTION)) or 4)
    if direction is None:
        return None
    raw = [_int(row.get(col)) for col in range(MetricColumn.THRESHOLD1, MetricColumn.THRESHOLD4 + 1)]
    try:
        if direction == "equal":
            return ThresholdTable.equal_to((raw[0] or 0) / 100)
        bounds = tuple((b or 0) / 100 for b in raw)
        return ThresholdTable(direction, bounds)  # type: ignore[arg-type]
    except ThresholdError:
        return None


_SCOPE_NAMES = {number: name for name, number in SCOPES.items()}
# The period words of SPEC §3 names (data, like the names themselves).
PERIOD_WORDS = {"interval": "Интервал", "day": "Текущие сутки"}


def caption(metric: LiveMetric) -> str:
    """A metric without the parts its place already says (test, methodology, point): question,
    short name and period, from its structured identity. A test-level or company metric keeps
    its full name, and so does a row from an agent that does not serve the identity columns."""
    if metric.scope != "point" or not metric.short_name:
        return metric.name
    parts = [metric.question, metric.short_name, PERIOD_WORDS.get(metric.period, "")]
    return ". ".join(part for part in parts if part)


def decode_metrics(columns: Columns) -> dict[int, LiveMetric]:
    """`columns[column][index] = value` (values as Python int/bytes) → metrics by id."""
    rows: dict[int, dict[int, object]] = {}
    for column, cells in columns.items():
        for index, value in cells.items():
            if len(index) == 1:
                rows.setdefault(index[0], {})[column] = value
    result: dict[int, LiveMetric] = {}
    for metric_id, row in rows.items():
        valid = _int(row.get(MetricColumn.VALID)) == 1
        raw_value = _int(row.get(MetricColumn.VALUE))
        updated = row.get(MetricColumn.UPDATED)
        result[metric_id] = LiveMetric(
            id=metric_id,
            name=_text(row.get(MetricColumn.NAME)),
            key=_text(row.get(MetricColumn.KEY)),
            test=_text(row.get(MetricColumn.TEST)),
            point=_text(row.get(MetricColumn.POINT)),
            region=_text(row.get(MetricColumn.REGION)),
            value=raw_value / 100 if valid and raw_value is not None else None,
            value_text=_text(row.get(MetricColumn.VALUE_TEXT)),
            unit=_text(row.get(MetricColumn.UNIT)),
            level=level_from_snmp(_int(row.get(MetricColumn.LEVEL))),
            thresholds=_thresholds(row),
            updated=date_and_time(updated) if isinstance(updated, bytes) else None,
            question=_text(row.get(MetricColumn.QUESTION)),
            period=_text(row.get(MetricColumn.PERIOD)),
            short_name=_text(row.get(MetricColumn.SHORT_NAME)),
            scope=_SCOPE_NAMES.get(_int(row.get(MetricColumn.SCOPE)) or 0, "none"),
            methodology=_text(row.get(MetricColumn.METHODOLOGY)),
            **_interval(row),
        )
    return result


def _interval(row: Mapping[int, object]) -> dict[str, Any]:
    """low, high and votes of a row (prolanMetricIntervalValid false: none)."""
    if _int(row.get(MetricColumn.INTERVAL_VALID)) != 1:
        return {}
    low, high = _int(row.get(MetricColumn.LOW)), _int(row.get(MetricColumn.HIGH))
    if low is None or high is None:
        return {}
    return {"low": low / 100, "high": high / 100, "votes": _int(row.get(MetricColumn.VOTES))}


def decode_points(columns: Columns) -> dict[str, LivePoint]:
    rows: dict[tuple[int, ...], dict[int, object]] = {}
    for column, cells in columns.items():
        for index, value in cells.items():
            rows.setdefault(index, {})[column] = value
    result: dict[str, LivePoint] = {}
    for row in rows.values():
        name = _text(row.get(PointColumn.NAME))
        if name:
            result[name] = LivePoint(
                name,
                _text(row.get(PointColumn.REGION)),
                level_from_snmp(_int(row.get(PointColumn.WORST_LEVEL))),
            )
    return result
