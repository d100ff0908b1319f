"""Aggregator reads for the Dashboard and the Cockpit: which metrics exist, their history over a
time range (value, level and the threshold table that produced the level), the worst assessment
per interval of a scope, and the day's loyalty Index. Pure data, no Qt.

Interval and current-day metrics are told apart by the metrics table's `period` column
("interval" / "day"), and the Index's counts by their short names, so this works for any test
that reports measurements the way SPEC §3 describes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, Engine, Select, and_, case, func, literal, or_, select

from probe.assess import ThresholdTable
from probe.levels import Level
from probe.store.baselines import parse_thresholds
from probe.store.schema import metric_trends, metric_values, metrics, points, questions, threshold_tables
from probe.store.sqltime import epoch_seconds
from probe.store.trends import trends_before_raw
from probe.topology import COMPANY

INTERVAL = "interval"
DAY = "day"
# The short names of LOYALTY_MON's day counts the Index is made of (SPEC §3, §7).
POSITIVE, NEGATIVE, VOTES = "Позитивные ответы", "Негативные ответы", "Число голосований"


@dataclass(frozen=True)
class Scope:
    """What a Dashboard tile shows: the whole company, one point, or every point of a region
    (the region path and everything under it)."""

    kind: str = "company"  # company | point | region
    name: str = ""

    @property
    def label(self) -> str:
        return COMPANY if self.kind == "company" else self.name

    @classmethod
    def parse(cls, text: str) -> Scope:
        """`company`, `point:Калужская` or `region:Москва/ЮЗАО`."""
        if text in ("", "company"):
            return cls()
        kind, _, name = text.partition(":")
        if kind not in ("point", "region") or not name:
            raise ValueError(f"scope {text!r}: expected 'company', 'point:NAME' or 'region:PATH'")
        return cls(kind, name)


@dataclass(frozen=True)
class MetricInfo:
    """A metric and its structured identity (what views group and label rows by; the full
    name is for people and never parsed here)."""

    id: int
    key: str
    name: str
    test: str
    point: str | None
    region: str | None
    unit: str
    methodology: str | None = None
    question: str | None = None  # the question's text (Опросы)
    short_name: str = ""
    period: str | None = None  # "interval", "day" or None (test-level metrics)
    scope: str = "point"  # "point", "company" or "test" (a test's own metrics)

    @property
    def label(self) -> str:
        """The metric within its point and test: short name, with the question when there is one."""
        short = self.short_name or self.name
        return f"{self.question}. {short}" if self.question else short


@dataclass(frozen=True)
class HistoryPoint:
    at: dt.datetime  # aware UTC interval end
    value: float | None
    level: Level | None
    thresholds: ThresholdTable | None


LEVEL_CODES: tuple[Level, ...] = tuple(Level)  # level code i ↔ LEVEL_CODES[i]; -1 = not assessed
_CODE_OF = {level.value: code for code, level in enumerate(LEVEL_CODES)}


@dataclass
class MetricHistory:
    """One metric's history as columns (NumPy arrays), so thousands of intervals per row load and
    draw without a Python object per interval. `points` gives the row-per-interval view."""

    info: MetricInfo
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0))  # epoch seconds (UTC) of interval ends
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN where there is no value
    levels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # LEVEL_CODES index or -1
    table_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # into `tables`
    tables: list[ThresholdTable | None] = field(default_factory=lambda: [None])
    # Issue 16: where raw values were pruned, the history starts with hourly trends (each hour
    # drawn at its end: the mean as the value, the worst level as the level); ends at or before
    # `trend_until` (epoch seconds) are such hours. None: only raw values.
    trend_until: float | None = None

    def __len__(self) -> int:
        return len(self.ends)

    def point(self, index: int) -> HistoryPoint:
        value = float(self.values[index])
        code = int(self.levels[index])
        return HistoryPoint(
            dt.datetime.fromtimestamp(float(self.ends[index]), dt.UTC),
            None if math.isnan(value) else value,
            None if code < 0 else LEVEL_CODES[code],
            self.tables[int(self.table_index[index])],
        )

    def slot_seconds(self, default: float = 600.0) -> float:
        """The interval length: the smallest spacing of the stored ends."""
        gaps = np.diff(self.ends)
        gaps = gaps[gaps > 0]
        return float(gaps.min()) if len(gaps) else default

    @property
    def points(self) -> list[HistoryPoint]:
        return [self.point(i) for i in range(len(self))]

    def at(self, instant: dt.datetime) -> HistoryPoint | None:
        """The evaluation whose interval holds `instant`: the first stored end after it."""
        index = int(np.searchsorted(self.ends, instant.timestamp(), side="right"))
        return self.point(index) if index < len(self) else None


def interval_seconds(ends: Sequence[dt.datetime], default: float = 600.0) -> float:
    """A metric's interval length, from the spacing of its stored interval ends."""
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ends) if b > a]
    return min(gaps) if gaps else default


def parse_level(text: str | None) -> Level | None:
    try:
        return None if text is None else Level(text)
    except ValueError:
        return None


def catalog_query(*, tests: Sequence[str] = (), points_named: Sequence[str] = ()) -> Select[Any]:
    query = select(
        metrics.c.id,
        metrics.c.key,
        metrics.c.name,
        metrics.c.test,
        metrics.c.unit,
        metrics.c.methodology,
        metrics.c.short_name,
        metrics.c.period,
        metrics.c.scope,
        questions.c.text.label("question"),
        points.c.name.label("point"),
        points.c.region,
    ).select_from(
        metrics.outerjoin(points, points.c.id == metrics.c.point_id).outerjoin(
            questions, questions.c.id == metrics.c.question_id
        )
    )
    if tests:
        query = query.where(metrics.c.test.in_(list(tests)))
    if points_named:
        query = query.where(points.c.name.in_(list(points_named)))
    # The name filter is applied in Python (metric_catalog): SQLite's lower() folds only ASCII,
    # and names are Cyrillic.
    return query


def info_of(row: Any) -> MetricInfo:
    """A `catalog_query` row as a MetricInfo."""
    return MetricInfo(
        row.id,
        row.key,
        row.name,
        row.test,
        row.point,
        row.region,
        row.unit or "",
        row.methodology,
        row.question.strip().rstrip("?？").rstrip() if row.question else None,
        row.short_name or "",
        row.period,
        scope_of(row.scope),
    )


def scope_of(stored: str | None) -> str:
    """The console's word for `metrics.scope`: point, company, or test (a test's own metrics)."""
    return {"point": "point", "company": "company"}.get(stored or "", "test")


def metric_catalog(
    engine: Engine, *, tests: Sequence[str] = (), points_named: Sequence[str] = (), name_contains: str = ""
) -> list[MetricInfo]:
    with engine.connect() as conn:
        infos = [info_of(row) for row in conn.execute(catalog_query(tests=tests, points_named=points_named))]
    if name_contains:
        needle = name_contains.casefold()
        infos = [i for i in infos if needle in i.name.casefold()]
    # Grouped by test, then point (test-level metrics first), then name, the same on every dialect.
    return sorted(infos, key=lambda i: (i.test, i.point is not None, i.point or "", i.name))


def level_code(column: Any) -> Any:
    """A stored level as its code (LEVEL_CODES), -1 when not assessed, computed by the database."""
    return case(_CODE_OF, value=column, else_=-1)


def history_query(ids: Sequence[int], since: dt.datetime, until: dt.datetime) -> Select[Any]:
    """(metric id, end as epoch seconds, value, level code, threshold table id or -1): numbers
    only, so that a hundred thousand rows become NumPy columns in one call."""
    return (
        select(
            metric_values.c.metric_id,
            epoch_seconds(metric_values.c.at).label("at"),
            metric_values.c.value,
            level_code(metric_values.c.level).label("level"),
            func.coalesce(metric_values.c.threshold_id, -1).label("threshold_id"),
        )
        .where(
            and_(
                metric_values.c.metric_id.in_(list(ids)),
                metric_values.c.at > since,
                metric_values.c.at <= until,
            )
        )
        .order_by(metric_values.c.metric_id, metric_values.c.at)
    )


def table_bodies(conn: Connection, ids: set[int | None]) -> dict[int | None, str]:
    """The stored bodies of these `threshold_tables` ids (a history has a few distinct tables)."""
    wanted = sorted(i for i in ids if i is not None)
    found: dict[int | None, str] = {}
    for start in range(0, len(wanted), 1000):
        query = select(threshold_tables.c.id, threshold_tables.c.body).where(
            threshold_tables.c.id.in_(wanted[start : start + 1000])
        )
        found.update({row.id: row.body for row in conn.execute(query)})
    return found


def driver_rows(conn: Connection, query: Select[Any], chunk: int = 5000) -> list[tuple[Any, ...]]:
    """The rows of `query` as the database driver gives them (plain tuples), for reads of a
    hundred thousand rows: SQLAlchemy builds each row in compiled code that keeps the GIL for
    the whole fetch (the GUI thread then waits hundreds of milliseconds), the driver releases it
    while the database works and between chunks. Values are rendered into the statement by
    SQLAlchemy (numbers and times only: the queries that use this have no text parameters), so
    no dialect's parameter style is needed."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    rows: list[tuple[Any, ...]] = []
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(chunk):
            rows.extend(batch)
    finally:
        cursor.close()
    return rows


def trend_query(ids: Sequence[int], since: dt.datetime, until: dt.datetime) -> Select[Any]:
    """Hourly trends as rows shaped like `history_query`'s: the hour's end, its mean, its worst
    level, no threshold table; hours ending in (since, until]."""
    t = metric_trends.c
    return (
        select(
            t.metric_id,
            # A trend stands at the end of its hour (`hour` is its start), as a value at its
            # interval's end.
            (epoch_seconds(t.hour) + 3600.0).label("at"),
            t.value_mean,
            level_code(t.worst).label("level"),
            literal(-1).label("threshold_id"),
        )
        .where(
            and_(
                t.metric_id.in_(list(ids)),
                t.hour > since - dt.timedelta(hours=1),
                t.hour <= until - dt.timedelta(hours=1),
            )
        )
        .order_by(t.metric_id, t.hour)
    )


def load_history(
    engine: Engine, infos: Sequence[MetricInfo], since: dt.datetime, until: dt.datetime
) -> list[MetricHistory]:
    """History of the given metrics for intervals ending in (since, until], in the infos' order.
    Where raw values were pruned (before the oldest one kept), hourly trends fill in."""
    if not infos:
        return []
    wanted = [i.id for i in infos]
    trend_until: float | None = None
    with engine.connect() as conn:
        trends_end = trends_before_raw(conn, since, until)
        trend_rows: list[tuple[Any, ...]] = []
        raw_since = since
        if trends_end is not None:
            # Whole hours ending at or before the first raw value kept; raw values after them
            # (the value ending the last hour is in that hour's trend).
            trend_rows = driver_rows(conn, trend_query(wanted, since, trends_end))
            if trend_rows:  # nothing was pruned there (a young aggregator): raw values only
                trend_until, raw_since = trends_end.timestamp(), trends_end
        rows = driver_rows(conn, history_query(wanted, raw_since, until))
        everything = trend_rows + rows
        columns = np.array(everything, dtype=np.float64).reshape(-1, 5)  # None → NaN
        # Table ids are 64-bit hashes: read exactly (not through the float columns), in C.
        table_ids = np.fromiter(map(itemgetter(4), everything), dtype=np.int64, count=len(everything))
        bodies = table_bodies(conn, {int(i) for i in np.unique(table_ids) if i >= 0})
    empty = MetricHistory(infos[0])
    if not len(columns):
        return [
            MetricHistory(info, empty.ends, empty.values, empty.levels, empty.table_index, trend_until=None)
            for info in infos
        ]
    if trend_rows:  # the trends (older) first, then the raw values: ordered by metric, then time
        order = np.argsort(columns[:, 0], kind="stable")
        columns, table_ids = columns[order], table_ids[order]
    # Whole columns at once (NumPy), not a Python object per interval: a week of a hundred rows
    # is a hundred thousand intervals.
    ids = columns[:, 0].astype(np.int64)
    epoch = np.round(columns[:, 1], 3)  # to the millisecond, as stored
    value_column = np.ascontiguousarray(columns[:, 2])
    level_column = columns[:, 3].astype(np.int8)
    # Threshold tables repeat row after row: parse each distinct table once, share the objects.
    distinct_ids, table_column = np.unique(table_ids, return_inverse=True)
    tables: list[ThresholdTable | None] = [
        None if table_id < 0 else parse_thresholds(bodies.get(int(table_id))) for table_id in distinct_ids
    ]
    table_column = table_column.reshape(-1).astype(np.int32)
    rows_count = len(columns)
    # Rows come ordered by metric: one slice per metric.
    starts = np.flatnonzero(np.diff(ids)) + 1
    bounds = zip(np.concatenate(([0], starts)), np.concatenate((starts, [rows_count])), strict=True)
    slices = {int(ids[a]): slice(int(a), int(b)) for a, b in bounds}
    histories = []
    for info in infos:
        part = slices.get(info.id, slice(0, 0))
        histories.append(
            MetricHistory(
                info,
                epoch[part],
                value_column[part],
                level_column[part],
                table_column[part],
                tables,
                trend_until,
            )
        )
    return histories


def _scope_condition(scope: Scope) -> Any:
    if scope.kind == "company":
        return metrics.c.scope == "company"
    if scope.kind == "point":
        return points.c.name == scope.name
    return or_(points.c.region == scope.name, points.c.region.startswith(scope.name + "/", autoescape=True))


def scope_metrics_query(scope: Scope, period: str, tests: Sequence[str] = ()) -> Select[Any]:
    """The scope's metrics of one period ("interval" or "day") of the given tests (empty: every
    test)."""
    conditions = [_scope_condition(scope), metrics.c.period == period]
    if tests:
        conditions.append(metrics.c.test.in_(list(tests)))
    return (
        select(metrics.c.id, metrics.c.short_name)
        .select_from(metrics.outerjoin(points, points.c.id == metrics.c.point_id))
        .where(and_(*conditions))
    )


def interval_levels(
    engine: Engine,
    scope: Scope,
    since: dt.datetime,
    until: dt.datetime,
    tests: Sequence[str] = (),
) -> list[tuple[dt.datetime, Level]]:
    """The worst assessment of the scope's interval metrics (of `tests`; empty: every test) at
    every interval end in (since, until], oldest first; an interval where nothing was assessed
    is `unknown`."""
    with engine.connect() as conn:
        ids = [row.id for row in conn.execute(scope_metrics_query(scope, INTERVAL, tests))]
        if not ids:
            return []
        rows: list[Any] = conn.execute(
            select(metric_values.c.at, metric_values.c.level)
            .where(
                and_(
                    metric_values.c.metric_id.in_(ids),
                    metric_values.c.at > since,
                    metric_values.c.at <= until,
                    metric_values.c.level.is_not(None),
                )
            )
            .order_by(metric_values.c.at)
        ).all()  # type: ignore[assignment]
        trends_end = trends_before_raw(conn, since, until)
        if trends_end is not None:
            # Issue 16: raw values pruned: each whole hour before `trends_end` is its trend's
            # worst level, at the hour's end (`hourly_levels_until` tells the caller).
            t = metric_trends.c
            hourly = [
                _HourRow(row.hour + dt.timedelta(hours=1), row.worst)
                for row in conn.execute(
                    select(t.hour, t.worst).where(
                        and_(
                            t.metric_id.in_(ids),
                            t.hour > since - dt.timedelta(hours=1),
                            t.hour <= trends_end - dt.timedelta(hours=1),
                            t.worst.is_not(None),
                        )
                    )
                )
            ]
            if hourly:
                rows = hourly + [row for row in rows if row.at > trends_end]
    by_end: dict[dt.datetime, list[Level]] = {}
    for row in rows:
        level = parse_level(row.level)
        if level is not None:
            by_end.setdefault(row.at, []).append(level)
    return [(at, Level.worst(levels)) for at, levels in sorted(by_end.items())]


class _HourRow(NamedTuple):
    at: dt.datetime
    level: str | None


def hourly_levels_until(engine: Engine, since: dt.datetime) -> dt.datetime | None:
    """The end of the hourly trends a view of (since, …] shows, when raw values before it were
    pruned; None when the range is raw values only."""
    with engine.connect() as conn:
        end = trends_before_raw(conn, since, dt.datetime.max.replace(tzinfo=dt.UTC))
        if end is None:
            return None
        t = metric_trends.c
        hour = select(t.hour).where(t.hour > since - dt.timedelta(hours=1), t.hour < end).limit(1)
        return end if conn.execute(hour).first() is not None else None


def worst_metric_at(engine: Engine, scope: Scope, end: dt.datetime, tests: Sequence[str] = ()) -> int | None:
    """The scope's interval metric with the worst assessment at the evaluation ending at `end`
    (what the Dashboard's rectangle for that interval shows); None when nothing was assessed."""
    with engine.connect() as conn:
        ids = [row.id for row in conn.execute(scope_metrics_query(scope, INTERVAL, tests))]
        if not ids:
            return None
        rows = conn.execute(
            select(metric_values.c.metric_id, metric_values.c.level).where(
                and_(
                    metric_values.c.metric_id.in_(ids),
                    metric_values.c.at == end,
                    metric_values.c.level.is_not(None),
                )
            )
        ).all()
    assessed = [(parse_level(row.level), int(row.metric_id)) for row in rows]
    known = [(level.severity, -metric_id) for level, metric_id in assessed if level is not None]
    if not known:
        return None
    return -max(known)[1]


@dataclass(frozen=True)
class IndexReading:
    """The day's loyalty Index = (positive − negative) / votes × 100 at one evaluation."""

    at: dt.datetime | None
    positive: float
    negative: float
    votes: float

    @property
    def value(self) -> float | None:
        return None if self.votes <= 0 else (self.positive - self.negative) / self.votes * 100.0


def index_from_counts(rows: Iterable[tuple[str, float | None]]) -> tuple[float, float, float]:
    """Sum the day's counts (short name, value) of every methodology and question."""
    sums = {POSITIVE: 0.0, NEGATIVE: 0.0, VOTES: 0.0}
    for short_name, value in rows:
        if value is not None and short_name in sums:
            sums[short_name] += value
    return sums[POSITIVE], sums[NEGATIVE], sums[VOTES]


def index_at(
    engine: Engine, scope: Scope, at: dt.datetime, tests: Sequence[str] = ("LOYALTY_MON",)
) -> IndexReading:
    """The Index from the latest current-day counts stored at or before `at` (the last evaluation
    of that day). None when there is no evaluation of that local day in the history yet."""
    with engine.connect() as conn:
        ids = {row.id: row.short_name for row in conn.execute(scope_metrics_query(scope, DAY, tests))}
        if not ids:
            return IndexReading(None, 0, 0, 0)
        latest = conn.execute(
            select(func.max(metric_values.c.at)).where(
                and_(metric_values.c.metric_id.in_(list(ids)), metric_values.c.at <= at)
            )
        ).scalar()
        if latest is None:
            return IndexReading(None, 0, 0, 0)
        rows = conn.execute(
            select(metric_values.c.metric_id, metric_values.c.value).where(
                and_(metric_values.c.metric_id.in_(list(ids)), metric_values.c.at == latest)
            )
        ).all()
    positive, negative, votes = index_from_counts((ids[row.metric_id], row.value) for row in rows)
    return IndexReading(latest, positive, negative, votes)


def index_change(
    engine: Engine, scope: Scope, at: dt.datetime, tz: Any, tests: Sequence[str] = ("LOYALTY_MON",)
) -> tuple[IndexReading, IndexReading]:
    """Today's Index at `at` and yesterday's at the same local time (counts of yesterday's day
    up to that time). Yesterday's reading is empty when yesterday was not evaluated then."""
    today = index_at(engine, scope, at, tests)
    reference = today.at or at
    local = reference.astimezone(tz)
    yesterday_local = (local.replace(tzinfo=None) - dt.timedelta(days=1)).replace(tzinfo=tz)
    yesterday = index_at(engine, scope, yesterday_local.astimezone(dt.UTC), tests)
    # A reading from before yesterday's local midnight belongs to the day before: no comparison.
    if yesterday.at is not None:
        start_of_yesterday = yesterday_local.replace(hour=0, minute=0, second=0, microsecond=0)
        if yesterday.at <= start_of_yesterday.astimezone(dt.UTC):
            yesterday = IndexReading(None, 0, 0, 0)
    return today, yesterday
