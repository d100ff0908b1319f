"""LOYALTY_MON (Мониторинг Лояльности), the built-in evaluation test of SPEC §3.

Metrics 3–26 for the three methodologies, per service point and for the whole company
(`Итого по компании`, from summed counts), for the interval and the current day. The engine adds
`Тест работает` and `Database availability (%)` and builds the names; this test sets the fields of
every `Measurement` so that the engine's name is exactly SPEC's:

    {TEST}. {methodology}. {point | Итого по компании}. [{question}. ]{short name}. {period}
             ^ .methodology ^ .point (COMPANY for the company)  ^ .question (a question id; the
                                                                  engine writes its text without '?')
                                                   ^ .short_name ^ .period "interval" → "Интервал X мин",
                                                                           "day" → "Текущие сутки"

e.g. `Measurement("% негативных ответов", v, point="Калужская", period="interval", question="q1",
methodology="Опросы")` → `LOYALTY_MON. Опросы. Калужская. Как Вам у нас понравилось. % негативных
ответов. Интервал 10 мин`. A point gets one set of metrics per methodology of its pads, with zero
counts (and no percentage) when nothing was pressed. They are returned as one `MeasurementBatch`
(issue 15): those identities, built once per topology, and the numbers as arrays computed per run
from the count matrices (`Подозрительные нажатия`, a few, stay `Measurement` objects).

Counting rules (SPEC §3):
* A press belongs to the interval [start, end) and to the day [day_start, end) of its own timestamp;
  an evaluation at `end` sees only presses before `end`.
* СОКОК: every indicative press counts. Опросы: the same, per question (the question id of the
  press; an indicative press without a question cannot be named and is not counted), `Число
  опросов` counts red-button presses.
* УСОКОК: a seller press at t opens the window (t, t + W] of its pad (W = the pad's
  `window_seconds`); the next seller press of the same pad at t' closes it early, so the window is
  (t, min(t + W, t')]. Edges: an answer exactly at t + W is inside; an answer exactly at t' (the
  same millisecond as the next seller press) still belongs to the old window — windows are closed
  on the right, so consecutive windows neither overlap nor leave a gap; an answer exactly at t is
  not inside t's window (it belongs to the window before, if any). Two seller presses in the same
  millisecond: the one stored first gets an empty window (silent), the other one is the window.
  The first indicative press inside a window is its accepted answer (ties in the same millisecond:
  the lower press id); every other indicative press is `Ответы вне 'Окна'`.
  A seller press without an accepted answer is *silent* once its window is closed: by a visible
  next seller press, or because t + W < end (an answer at exactly `end` could still be accepted,
  so t + W = end is still open). Otherwise it is *pending*: neither silent nor in the denominator
  of `% 'молчунов'`. Seller presses count in the interval/day in which they happened, even when
  their answer falls in the next one; their status is taken as of `end`. An accepted answer
  counts in the interval of its own timestamp, also when its seller press was in the previous
  interval (or the previous day).

Day totals are incremental, kept in the engine's state store (`ctx.state`, one key per local day):
the counts of the day up to `counted_to` with every press stored up to the ingestion mark
`counted_through` (`presses.id`, the order presses were stored in). A run at `end` with the mark
`ctx.ingest_mark` adds what that state did not count: the presses stored since it (late ones too,
whatever their time: a CSV import of today, a concentrator's late batch, the ingest spool draining
after an outage) and those stored before it but timed in [counted_to, end). УСОКОК windows that a
late press touches are classified again (the old classification subtracted, the new one added).
So every run's day metrics equal a full recount of every press stored when it began, and its cost
grows with the interval and the presses stored since the last run, not with the hour of the day.
A run whose `end` is not after the stored state (a re-evaluation or a backfill of an earlier
interval) recounts its day from the presses and leaves the newer state alone. The plain counts are
SQL aggregates; the УСОКОК presses a run needs (its interval, the late ones and their neighbours)
are read as rows and the window rule is applied to them as NumPy arrays (`classify`: a few array
operations per run, never a Python loop over presses; in SQL the same rule cost twice as much).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, and_, case, false, func, or_, select, text, true, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from probe.api import (
    COMPANY,
    INDICATIVE_KINDS,
    EvaluationTest,
    Measurement,
    MeasurementBatch,
    Param,
    Period,
    TestContext,
    ThresholdTable,
    Topology,
    Window,
    integer_rows,
    pads,
    presses,
    wilson_bounds_array,
)

SOKOK, USOKOK, SURVEYS = "СОКОК", "УСОКОК", "Опросы"
PERCENT = "%"
COUNT = ""
# How many days of day state to keep behind the newest evaluated day (a backfill of an older day
# simply recounts it).
KEEP_DAYS = 3
DAY_KEY_PREFIX = "day:"

# Short names (SPEC §3).
VOTES = "Число голосований"
POSITIVE = "Позитивные ответы"
POSITIVE_PCT = "% позитивных ответов"
NEGATIVE = "Негативные ответы"
NEGATIVE_PCT = "% негативных ответов"
PASSIVE = "Пассивные ответы"
PASSIVE_PCT = "% пассивных ответов"
FORCE_MAJEURE = "Форс-мажоры"
PROMPTS = "Число опросов"
SILENT = "Число 'молчунов'"
SILENT_PCT = "% 'молчунов'"
OUTSIDE = "Ответы вне 'Окна'"
WORKING = "Тест работает"
DATABASE = "Доступность базы данных (%)"


# --------------------------------------------------------------------------------------------
# Counts

# The counts of a group (a point, methodology and question over some span of presses): the
# columns of a `CountTable`, in the order of a group in the stored day state.
COUNT_FIELDS = (
    "positive",
    "negative",
    "passive",
    "force_majeure",
    "prompts",  # seller (УСОКОК) or red (Опросы) presses
    "outside",  # indicative presses that were not accepted (УСОКОК)
    "silent",  # seller presses whose window closed without an answer
    "answered",  # seller presses with an accepted answer
)
FIELD = {name: column for column, name in enumerate(COUNT_FIELDS)}
GroupKey = tuple[int, str, str]  # point id, methodology, question id ('' when none)


@dataclass(frozen=True)
class CountTable:
    """The counts of many groups as one matrix (issue 15: a run counts thousands of groups, and a
    Python object per group and field is most of its cost): row i is the group `keys[i]`, the
    columns are COUNT_FIELDS. Keys are distinct; a group without a row counts zero."""

    keys: list[GroupKey]
    counts: NDArray[np.int64]  # shape (len(keys), len(COUNT_FIELDS))

    @classmethod
    def empty(cls) -> CountTable:
        return cls([], np.zeros((0, len(COUNT_FIELDS)), dtype=np.int64))

    def plus(self, other: CountTable) -> CountTable:
        """Both tables added group by group (the groups of either)."""
        keys = list(self.keys)
        index = {key: row for row, key in enumerate(keys)}
        rows = np.empty(len(other.keys), dtype=np.int64)
        for n, key in enumerate(other.keys):
            row = index.get(key)
            if row is None:
                row = index[key] = len(keys)
                keys.append(key)
            rows[n] = row
        counts = np.zeros((len(keys), len(COUNT_FIELDS)), dtype=np.int64)
        counts[: len(self.keys)] = self.counts
        counts[rows] += other.counts  # the rows are distinct: none is added to twice
        return CountTable(keys, counts)

    def without_zeros(self) -> CountTable:
        kept = np.flatnonzero(self.counts.any(axis=1))
        return CountTable([self.keys[row] for row in kept.tolist()], self.counts[kept])


# --------------------------------------------------------------------------------------------
# SQL


class add_seconds(FunctionElement[dt.datetime]):
    """`timestamp + seconds` for stored timestamps, exact to the millisecond on every dialect."""

    type = presses.c.pressed_at.type  # the timestamp type: aware values bind and come back as such
    name = "add_seconds"
    inherit_cache = True


@compiles(add_seconds)
def _add_seconds_default(element: add_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    stamp, seconds = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({stamp} + make_interval(secs => {seconds}))"


@compiles(add_seconds, "sqlite")
def _add_seconds_sqlite(element: add_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite computes date arithmetic on integer milliseconds; SQLAlchemy stores timestamps as
    # 'YYYY-MM-DD HH:MM:SS.ffffff', so the result gets the same six fractional digits to compare
    # as text with stored values.
    stamp, seconds = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(strftime('%Y-%m-%d %H:%M:%f', {stamp}, ({seconds}) || ' seconds') || '000')"


@compiles(add_seconds, "mssql")
def _add_seconds_mssql(element: add_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    stamp, seconds = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"DATEADD(millisecond, CAST(ROUND(({seconds}) * 1000, 0) AS INT), {stamp})"


def not_suspicious(source: Any) -> ColumnElement[bool]:
    """Not suspicious (issue 21), written so that no index serves it: the presses a run reads are
    found by time or by the id range of the presses stored since the last run; an index on
    (suspicious, pressed_at) would otherwise tempt the planner to walk every press of the day."""
    return func.coalesce(source.c.suspicious, false()) == false()


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as an expression no index serves: the presses stored since the day state are
    found by the primary key (`id` range) alone, however late their times; with a condition on the
    time of the whole day a planner may walk every press of the day through the time index."""
    return func.coalesce(column, column)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


@dataclass(frozen=True)
class Span:
    """What one run counts (naive UTC): the interval [start, end) and the day [day_start, end) as
    they are with every press stored up to the ingestion mark `through`; and the day state it
    starts from: the day counted up to `counted_to` with the presses up to `counted_through`.

    The day's increment is then exactly the presses that the state did not count: those stored
    after `counted_through` (late ones included, whatever their time) and those stored before it
    but timed in [counted_to, end). A full recount is the state (day_start, 0)."""

    start: dt.datetime
    end: dt.datetime
    day_start: dt.datetime
    counted_to: dt.datetime
    counted_through: int
    through: int | None  # None: no watermark available (count every press visible now)

    def stored(self, ids: ColumnElement[int]) -> ColumnElement[bool]:
        return true() if self.through is None else ids <= self.through

    def stored_since(self, ids: ColumnElement[int]) -> ColumnElement[bool]:
        return and_(ids > self.counted_through, self.stored(ids))


def plain_counts_query(span: Span) -> Any:  # a Select; typed loosely because its column list is built
    """Presses per point, methodology, question and kind, counted for the interval (`in_interval`)
    and for the day increment (`in_since`), every press at most once. Read: the presses timed in
    [min(start, counted_to), end) (the index on time) and those stored since the state that are
    timed earlier in the day (the primary key: late presses). Indicative presses of УСОКОК pads
    are left to `usokok_counts_query` (only accepted answers count there)."""
    lo = min(span.start, span.counted_to)

    def part(source: Any, *conditions: ColumnElement[bool]) -> Any:
        methodology = pads.c.methodology
        indicative = source.c.kind.in_(INDICATIVE_KINDS)
        question = case(
            (and_(methodology == SURVEYS, indicative), func.coalesce(source.c.question_id, "")), else_=""
        )
        return (
            select(
                source.c.id,
                source.c.point_id,
                methodology.label("methodology"),
                question.label("question_id"),
                source.c.kind,
                source.c.pressed_at,
            )
            .select_from(source.join(pads, pads.c.id == source.c.pad_id))
            .where(
                ~and_(methodology == USOKOK, indicative),
                not_suspicious(source),  # issue 21: bursts count only as suspicious presses
                *conditions,
            )
        )

    recent = part(
        presses, presses.c.pressed_at >= lo, presses.c.pressed_at < span.end, span.stored(presses.c.id)
    )
    late_at = unindexed(presses.c.pressed_at)
    late = part(presses, span.stored_since(presses.c.id), late_at >= span.day_start, late_at < lo)
    inner = union_all(recent, late).subquery("p") if lo > span.day_start else recent.subquery("p")
    in_since = and_(
        inner.c.pressed_at >= span.day_start,
        or_(inner.c.id > span.counted_through, inner.c.pressed_at >= span.counted_to),
    )
    return select(
        inner.c.point_id,
        inner.c.methodology,
        inner.c.question_id,
        inner.c.kind,
        _count_if(inner.c.pressed_at >= span.start).label("in_interval"),
        _count_if(in_since).label("in_since"),
    ).group_by(inner.c.point_id, inner.c.methodology, inner.c.question_id, inner.c.kind)


USOKOK_FIELDS = (*INDICATIVE_KINDS, "outside", "silent", "answered")
# The kinds of the presses the УСОКОК rule reads, by the code `usokok_rows_query` gives them.
USOKOK_KINDS = (*INDICATIVE_KINDS, "seller")
SELLER_CODE = USOKOK_KINDS.index("seller")


class epoch_us(FunctionElement[int]):
    """A stored timestamp as whole microseconds since 1970-01-01 UTC, exact on every dialect
    (the УСОКОК rule compares them as integers)."""

    type = BigInteger()
    name = "epoch_us"
    inherit_cache = True


def _argument(element: FunctionElement[int], compiler: SQLCompiler, **kw: Any) -> str:
    """The SQL of a one-argument construct's argument."""
    (argument,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return argument


@compiles(epoch_us)
def _epoch_us_default(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives numeric (exact) seconds of a timestamp without time zone, taken as UTC.
    stamp = _argument(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {stamp}) * 1000000 AS BIGINT)"


@compiles(epoch_us, "sqlite")
def _epoch_us_sqlite(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, the digits after them.
    stamp = _argument(element, compiler, **kw)
    return (
        f"(CAST(strftime('%s', {stamp}) AS INTEGER) * 1000000"
        f" + CAST(substr({stamp} || '.000000', 21, 6) AS INTEGER))"
    )


@compiles(epoch_us, "mssql")
def _epoch_us_mssql(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    stamp = _argument(element, compiler, **kw)
    return f"DATEDIFF_BIG(microsecond, CAST('1970-01-01' AS DATETIME2), {stamp})"


class seconds_us(FunctionElement[int]):
    """A number of seconds (a pad's window) as whole microseconds, rounded to the nearest."""

    type = BigInteger()
    name = "seconds_us"
    inherit_cache = True


@compiles(seconds_us)
def _seconds_us_default(element: seconds_us, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = _argument(element, compiler, **kw)
    return f"CAST(ROUND({seconds} * 1000000) AS BIGINT)"


@compiles(seconds_us, "mssql")
def _seconds_us_mssql(element: seconds_us, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = _argument(element, compiler, **kw)
    return f"CAST(ROUND({seconds} * 1000000, 0) AS BIGINT)"


def _micros(moment: dt.datetime) -> int:
    """A naive UTC datetime as microseconds since 1970 (as `epoch_us` gives stored ones)."""
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class UsokokRows:
    """The presses the УСОКОК rule reads, as arrays (one element per press, duplicates removed),
    sorted in each pad's time order: indicative before seller presses of the same microsecond
    (so that an answer at exactly the next seller press stays in the old window), then by id."""

    ids: NDArray[np.int64]
    pads: NDArray[np.int64]  # a number per pad (its rank among the УСОКОК pads)
    points: NDArray[np.int64]
    kinds: NDArray[np.int64]  # index into USOKOK_KINDS
    at: NDArray[np.int64]  # microseconds since 1970
    window: NDArray[np.int64]  # the pad's window in microseconds
    near: NDArray[np.bool_]

    @classmethod
    def of(cls, found: NDArray[np.int64]) -> UsokokRows:
        """From the rows of `usokok_rows_query` as a matrix (`integer_rows`; a press may come
        twice: near counts if either is)."""
        ids, points_, kinds, at, pads_, window, near = found.T
        # One row per press: the first of each id after sorting by id and near (descending).
        by_id = np.lexsort((-near, ids))
        first = np.ones(len(ids), dtype=bool)
        first[1:] = ids[by_id][1:] != ids[by_id][:-1]
        keep = by_id[first]
        order = np.lexsort((ids[keep], kinds[keep] == SELLER_CODE, at[keep], pads_[keep]))
        keep = keep[order]
        return cls(
            ids=ids[keep],
            pads=pads_[keep],
            points=points_[keep],
            kinds=kinds[keep],
            at=at[keep],
            window=window[keep],
            near=near[keep] > 0,
        )

    def subset(self, rows: NDArray[np.bool_]) -> UsokokRows:
        """Some of the rows, in the same order."""
        return UsokokRows(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass(frozen=True)
class Classified:
    """The УСОКОК rule's verdict per row (see the module's docstring), as of some moment."""

    accepted: NDArray[np.bool_]  # an indicative press that is its window's answer
    answered: NDArray[np.bool_]  # a seller press with an accepted answer
    silent: NDArray[np.bool_]  # a seller press whose window closed without one


def classify(rows: UsokokRows, as_of_us: int) -> Classified:
    """The УСОКОК window rule over `rows` (each pad's presses in order, which may have gaps far
    from anything counted) as an evaluation at `as_of_us` sees it.

    In that order a window's only candidate answer is the row right after its seller press: every
    later row of the session is later still. So an indicative row is accepted when the row before
    it is a seller press of the same pad whose window reaches it; a seller press is answered when
    the row after it is indicative and inside its window, and silent otherwise once its window is
    closed — by any later row of its pad (a later seller press, or an indicative press past the
    window, which is before `as_of_us` as every row is) or by time. Across a gap in the rows read
    (see `usokok_rows_query`) the neighbour is more than one window away, and the verdict is the
    same as with the real one. Vectorised: a few array operations, whatever the number of rows."""
    n = len(rows.ids)
    seller = rows.kinds == SELLER_CODE
    same_pad_before = np.zeros(n, dtype=bool)
    same_pad_before[1:] = rows.pads[1:] == rows.pads[:-1]
    before_seller = np.zeros(n, dtype=bool)
    before_seller[1:] = seller[:-1]
    before_ends = np.zeros(n, dtype=np.int64)
    before_ends[1:] = rows.at[:-1] + rows.window[:-1]
    accepted = ~seller & same_pad_before & before_seller & (rows.at <= before_ends)
    after_exists = np.zeros(n, dtype=bool)
    after_exists[:-1] = same_pad_before[1:]
    after_indicative = np.zeros(n, dtype=bool)
    after_indicative[:-1] = ~seller[1:]
    after_at = np.zeros(n, dtype=np.int64)
    after_at[:-1] = rows.at[1:]
    ends = rows.at + rows.window
    answered = seller & after_exists & after_indicative & (after_at <= ends)
    silent = seller & ~answered & (after_exists | (ends < as_of_us))
    return Classified(accepted, answered, silent)


def usokok_sums(
    rows: UsokokRows, verdict: Classified, counted: NDArray[np.bool_], points: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Per point of `points` (row i of the result), USOKOK_FIELDS summed over the `counted` rows."""
    slot = np.searchsorted(points, rows.points)
    seller = rows.kinds == SELLER_CODE
    flags = [verdict.accepted & (rows.kinds == code) for code in range(len(INDICATIVE_KINDS))]
    flags += [~seller & ~verdict.accepted, verdict.silent, verdict.answered]
    out = np.zeros((len(points), len(USOKOK_FIELDS)), dtype=np.int64)
    for column, flag in enumerate(flags):
        out[:, column] = np.bincount(slot[flag & counted], minlength=len(points))
    return out


def usokok_counts(
    rows: UsokokRows, span: Span
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The point ids, and per point USOKOK_FIELDS for the interval and as the change of the day
    state: the near rows classified now minus as the state saw them (presses up to
    `counted_through`, before `counted_to`, at `counted_to`) — a late press can take an answer
    from one window and give it to another, so it may be negative."""
    points = np.unique(rows.points)
    now = classify(rows, _micros(span.end))
    interval = usokok_sums(rows, now, rows.at >= _micros(span.start), points)
    in_day = rows.near & (rows.at >= _micros(span.day_start))
    increment = usokok_sums(rows, now, in_day, points)
    seen = (rows.ids <= span.counted_through) & (rows.at < _micros(span.counted_to))
    then_rows = rows.subset(seen)
    then = classify(then_rows, _micros(span.counted_to))
    increment -= usokok_sums(then_rows, then, in_day[seen], points)
    return points, interval, increment


def usokok_rows_query(span: Span, lookback: dt.timedelta) -> Any:
    """The УСОКОК presses a run classifies (`UsokokRows.of` reads them, `usokok_counts` counts),
    integers only: id, point, kind (its index in USOKOK_KINDS), time (`epoch_us`), the pad's
    number, its window in microseconds and `near` (1 for the rows whose verdict is counted into
    the day's change). A press may come twice; suspicious presses never (issue 21: never an
    answer, nor a window's opener).

    A press changes the verdict of presses at most one window (`lookback`) away from it, and the
    passing of time changes only seller presses still pending at `counted_to`. So the rows that
    can differ between the state and now ("near" rows) are those within `lookback` of a press
    stored since the state, and those from `counted_to` − 2·lookback on; their verdicts are
    computed twice — as the state saw them (presses up to `counted_through`, before `counted_to`,
    evaluated at `counted_to`) and as they are now — and the difference is the increment. The
    presses read are the near ones with one more window of context on either side: a run reads
    the interval and the presses stored since the last run (with their neighbours), never the
    whole day."""
    margin = lookback + dt.timedelta(seconds=1)
    seconds = margin.total_seconds()
    recent_lo = max(span.counted_to - 2 * margin, span.day_start - margin)
    read_lo = min(span.start, recent_lo) - margin
    kinds = USOKOK_KINDS

    # The УСОКОК pads, numbered (the rows carry a number, not the pad's text id) with their
    # windows in whole microseconds: every column of the rows is an integer (`integer_rows`).
    usokok_pads = (
        select(
            pads.c.id,
            func.row_number().over(order_by=pads.c.id).label("number"),
            seconds_us(pads.c.window_seconds).label("window_us"),
        )
        .where(pads.c.methodology == USOKOK)
        .cte("usokok_pads")
    )

    def usokok(*conditions: ColumnElement[bool], source: Any = presses) -> list[ColumnElement[bool]]:
        # issue 21: a suspicious press is never an answer (nor a window's opener)
        return [source.c.kind.in_(kinds), not_suspicious(source), *conditions]

    late_at = unindexed(presses.c.pressed_at)
    anchors = (
        select(presses.c.pad_id, presses.c.pressed_at, usokok_pads.c.number, usokok_pads.c.window_us)
        .select_from(presses.join(usokok_pads, usokok_pads.c.id == presses.c.pad_id))
        .where(
            *usokok(
                span.stored_since(presses.c.id),
                late_at >= span.day_start - margin,
                late_at < span.counted_to - margin,
            )
        )
        # Computed once from the primary-key range of the presses stored since the state (a
        # planner that inlines it may walk every pad's presses of the day instead).
        .cte("anchors")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    kind_code = case(*((presses.c.kind == kind, code) for code, kind in enumerate(USOKOK_KINDS)), else_=-1)
    press_columns = (
        presses.c.id,
        presses.c.point_id,
        kind_code.label("kind_code"),
        epoch_us(presses.c.pressed_at).label("at_us"),
    )
    # Through the time index, each press's pad found by its id (PostgreSQL hashes them): the
    # presses of a few minutes lie on a few hundred pages in the order they were stored, and
    # walking each pad's index instead (a plan the planner often picks) visits one page per press
    # (PostgreSQL, 5,000 points: 25,000 pages for 26,000 presses, 69 against 35 ms).
    recent = (
        select(
            *press_columns,
            usokok_pads.c.number.label("pad"),
            usokok_pads.c.window_us,
            _flag(presses.c.pressed_at >= recent_lo).label("near"),
        )
        .select_from(presses.join(usokok_pads, usokok_pads.c.id == unindexed(presses.c.pad_id)))
        .where(
            *usokok(
                span.stored(presses.c.id), presses.c.pressed_at >= read_lo, presses.c.pressed_at < span.end
            )
        )
    )
    near_anchor = and_(
        presses.c.pressed_at >= add_seconds(anchors.c.pressed_at, -seconds),
        presses.c.pressed_at <= add_seconds(anchors.c.pressed_at, seconds),
    )
    # The neighbours of each anchor on its own pad (the pad's index on (pad_id, pressed_at)); the
    # anchors carry their pad's number and window, so that pads need not be joined again here. A
    # press near two anchors comes twice (`UsokokRows.of` keeps one).
    around_late = (
        select(*press_columns, anchors.c.number, anchors.c.window_us, _flag(near_anchor).label("near"))
        .select_from(
            anchors.join(
                presses,
                and_(
                    presses.c.pad_id == anchors.c.pad_id,
                    presses.c.pressed_at >= add_seconds(anchors.c.pressed_at, -2 * seconds),
                    presses.c.pressed_at <= add_seconds(anchors.c.pressed_at, 2 * seconds),
                ),
            )
        )
        .where(
            presses.c.kind.in_(kinds),
            not_suspicious(presses),
            span.stored(presses.c.id),
            presses.c.pressed_at < span.end,
        )
    )
    return union_all(recent, around_late)


def longest_window(conn: Connection) -> dt.timedelta:
    seconds = conn.execute(
        select(func.max(pads.c.window_seconds)).where(pads.c.methodology == USOKOK)
    ).scalar()
    return dt.timedelta(seconds=float(seconds or 0.0))


# The column a press of each kind counts in (presses of other kinds are not counted).
KIND_FIELD = {
    "positive": FIELD["positive"],
    "negative": FIELD["negative"],
    "passive": FIELD["passive"],
    "force_majeure": FIELD["force_majeure"],
    "seller": FIELD["prompts"],
    "red": FIELD["prompts"],
}
USOKOK_COLUMNS = np.array([FIELD[name] for name in USOKOK_FIELDS], dtype=np.int64)


def count_settings(conn: Connection) -> None:
    """The planner settings of the count queries, for the rest of the caller's transaction.

    On PostgreSQL without plain index scans: the planner's statistics lag behind the newest
    presses (an hour of a large chain is beyond the histogram until the next ANALYZE), so it
    takes the interval for a few hundred rows and walks the time index row by row; a bitmap scan
    of the same index reads the ~70,000 presses of an interval in a third of the time (measured:
    plain counts 98 -> 77 ms, УСОКОК rows 100 -> 73 ms at 5,000 points). For the same reason it
    expects a few thousand presses where there are ~60,000 and sorts them, on disk: to group them
    (plain counts, server time 156 -> 114 ms by hashing) or to merge them with the УСОКОК pads
    (110 ms of a 200 ms query; a hash join takes 10). Without sorting it hashes both."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        conn.execute(text("SET LOCAL enable_sort = off"))


def driver_rows(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """The rows of a count query as the driver gives them (they select numbers and strings only,
    nothing to convert): a SQLAlchemy Row per group would cost more than what is done with them."""
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


@dataclass
class _PlainCounts:
    """The plain counts' rows as cells of the count matrices: groups numbered in `index`."""

    index: dict[GroupKey, int]
    rows: NDArray[np.int64]
    columns: NDArray[np.int64]
    in_interval: NDArray[np.int64]
    in_since: NDArray[np.int64]


def _plain_counts(engine: Engine, span: Span) -> _PlainCounts:
    """The plain counts query, read and turned into cells on this (the helper) thread, while the
    УСОКОК query still runs."""
    with engine.connect() as conn:
        count_settings(conn)
        found = driver_rows(conn, plain_counts_query(span))
    index: dict[GroupKey, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    in_interval: list[int] = []
    in_since: list[int] = []
    for point_id, methodology, question_id, kind, interval_count, since_count in found:
        column = KIND_FIELD.get(kind)
        if column is None:
            continue
        rows.append(index.setdefault((point_id, methodology, question_id), len(index)))  # int, str, str
        columns.append(column)
        in_interval.append(int(interval_count or 0))
        in_since.append(int(since_count or 0))
    return _PlainCounts(
        index,
        np.array(rows, dtype=np.int64),
        np.array(columns, dtype=np.int64),
        np.array(in_interval, dtype=np.int64),
        np.array(in_since, dtype=np.int64),
    )


def count_span(conn: Connection, span: Span) -> tuple[CountTable, CountTable]:
    """Counts of the interval and the change of the day state (see `Span`): two tables of the
    same groups."""
    # The two queries run at once, the plain counts on a connection of their own: each takes a
    # server process (a few hundred ms each on a large chain). Both read only presses up to the
    # ingestion mark, all committed, so two snapshots see the same presses.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="loyalty-counts") as pool:
        pending = pool.submit(_plain_counts, conn.engine, span)
        lookback = longest_window(conn)
        count_settings(conn)
        found = integer_rows(conn, usokok_rows_query(span, lookback))
        usokok_points, usokok_interval, usokok_increment = usokok_counts(UsokokRows.of(found), span)
        plain = pending.result()
    index = plain.index
    usokok_rows = np.array(
        [index.setdefault((point_id, USOKOK, ""), len(index)) for point_id in usokok_points.tolist()],
        dtype=np.int64,
    )
    interval = np.zeros((len(index), len(COUNT_FIELDS)), dtype=np.int64)
    increment = np.zeros_like(interval)
    np.add.at(interval, (plain.rows, plain.columns), plain.in_interval)
    np.add.at(increment, (plain.rows, plain.columns), plain.in_since)
    cells = (usokok_rows[:, None], USOKOK_COLUMNS[None, :])
    interval[cells] += usokok_interval  # the rows are distinct: one per point
    increment[cells] += usokok_increment
    keys = list(index)
    return CountTable(keys, interval), CountTable(keys, increment)


# --------------------------------------------------------------------------------------------
# Day state (in the engine's state store, ctx.state)


@dataclass(frozen=True)
class DayState:
    """The counts of a day up to `counted_to`, with every press stored up to `counted_through`."""

    counted_to: dt.datetime
    counted_through: int
    totals: CountTable


def state_key(day_start: dt.datetime) -> str:
    return DAY_KEY_PREFIX + day_start.isoformat()


def key_day(day_start: dt.datetime) -> str:
    """Keys sort by day: ISO times of naive UTC midnights compare as text."""
    return state_key(day_start)


# The stored day state: the groups and their counts as one little-endian int64 matrix (point id,
# methodology and question as indexes into two short lists, then COUNT_FIELDS), zlib-compressed
# and base64-encoded in the JSON value: a large chain's day is ~8,000 groups, and a few long JSON
# lists of them cost the run 5-10 times more to write, read and store (330 KB of text).
DAY_FORMAT = 2
_DAY_COLUMNS = 3 + len(COUNT_FIELDS)
MAX_DAY_GROUPS = 1_000_000  # a bound on what a stored value may make this allocate (88 MB)


def encode_day(state: DayState) -> dict[str, Any]:
    totals = state.totals.without_zeros()
    methodologies = sorted({key[1] for key in totals.keys})
    questions = sorted({key[2] for key in totals.keys})
    m_index = {m: i for i, m in enumerate(methodologies)}
    q_index = {q: i for i, q in enumerate(questions)}
    matrix = np.empty((len(totals.keys), _DAY_COLUMNS), dtype="<i8")
    matrix[:, 0] = [key[0] for key in totals.keys]
    matrix[:, 1] = [m_index[key[1]] for key in totals.keys]
    matrix[:, 2] = [q_index[key[2]] for key in totals.keys]
    matrix[:, 3:] = totals.counts
    return {
        "format": DAY_FORMAT,
        "counted_to": state.counted_to.isoformat(),
        "counted_through": state.counted_through,
        "methodologies": methodologies,
        "questions": questions,
        "groups": len(totals.keys),
        "matrix": base64.b64encode(zlib.compress(matrix.tobytes(), 1)).decode("ascii"),
    }


def decode_day(value: Any) -> DayState | None:
    """The stored state, or None when there is none or it is not one this version wrote (the day
    is then recounted from the presses)."""
    if isinstance(value, dict) and value.get("format") == DAY_FORMAT:
        return _decode_matrix(value)
    return _decode_lists(value)


def _decode_matrix(value: dict[str, Any]) -> DayState | None:
    try:
        methodologies, questions, groups = value["methodologies"], value["questions"], int(value["groups"])
        size = groups * _DAY_COLUMNS * 8
        if not 0 <= groups <= MAX_DAY_GROUPS or not all(
            isinstance(x, str) for x in (*methodologies, *questions)
        ):
            return None
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.b64decode(value["matrix"], validate=True), size + 1)  # bounded
        if len(raw) != size or inflate.unconsumed_tail:
            return None
        matrix = np.frombuffer(raw, dtype="<i8").reshape(groups, _DAY_COLUMNS).astype(np.int64)
        m_codes, q_codes = matrix[:, 1], matrix[:, 2]
        if groups and (
            m_codes.min() < 0
            or m_codes.max() >= len(methodologies)
            or q_codes.min() < 0
            or q_codes.max() >= len(questions)
        ):
            return None
        keys = list(
            zip(
                matrix[:, 0].tolist(),
                [methodologies[i] for i in m_codes.tolist()],
                [questions[i] for i in q_codes.tolist()],
                strict=True,
            )
        )
        if len(set(keys)) != groups:
            return None
        totals = CountTable(keys, np.ascontiguousarray(matrix[:, 3:]))
        return DayState(dt.datetime.fromisoformat(value["counted_to"]), int(value["counted_through"]), totals)
    except (TypeError, KeyError, ValueError, IndexError, OverflowError, zlib.error, binascii.Error):
        return None


def _decode_lists(value: Any) -> DayState | None:
    """The format before DAY_FORMAT (three lists of keys and one of counts), read once after an
    upgrade instead of recounting the day."""
    try:
        point_ids, methodologies, questions = value["point_ids"], value["methodologies"], value["questions"]
        groups = len(point_ids)
        counts = np.array(value["counts"], dtype=np.int64)
        if (
            len(methodologies) != groups
            or len(questions) != groups
            or counts.shape != (groups * len(COUNT_FIELDS),)
        ):
            return None
        keys = list(zip(map(int, point_ids), map(str, methodologies), map(str, questions), strict=True))
        if len(set(keys)) != groups:
            return None
        totals = CountTable(keys, counts.reshape(groups, len(COUNT_FIELDS)))
        return DayState(dt.datetime.fromisoformat(value["counted_to"]), int(value["counted_through"]), totals)
    except (TypeError, KeyError, ValueError, IndexError, OverflowError):
        return None


# --------------------------------------------------------------------------------------------
# Measurements: one MeasurementBatch (issue 15). The identities of the metrics are built once per
# topology; a run computes their numbers from its count tables with array arithmetic.

# The columns of a run's count matrix: COUNT_FIELDS and two sums.
VOTES_COLUMN = len(COUNT_FIELDS)  # positive + negative + passive
SETTLED_COLUMN = VOTES_COLUMN + 1  # silent + answered: the seller presses no longer pending
COLUMNS = SETTLED_COLUMN + 1

# A metric: its short name, the column of its value (of the part, for a percentage) and the column
# of a percentage's whole (None for a count).
MetricSpec = tuple[str, int, int | None]
INDICATIVE_METRICS: tuple[MetricSpec, ...] = (
    (VOTES, VOTES_COLUMN, None),
    (POSITIVE, FIELD["positive"], None),
    (POSITIVE_PCT, FIELD["positive"], VOTES_COLUMN),
    (NEGATIVE, FIELD["negative"], None),
    (NEGATIVE_PCT, FIELD["negative"], VOTES_COLUMN),
    (PASSIVE, FIELD["passive"], None),
    (PASSIVE_PCT, FIELD["passive"], VOTES_COLUMN),
)
FORCE_MAJEURE_METRIC: MetricSpec = (FORCE_MAJEURE, FIELD["force_majeure"], None)
PROMPTS_METRIC: MetricSpec = (PROMPTS, FIELD["prompts"], None)
USOKOK_METRICS: tuple[MetricSpec, ...] = (
    PROMPTS_METRIC,
    (SILENT, FIELD["silent"], None),
    # SPEC §3: the denominator is the seller presses no longer pending (answered or silent).
    (SILENT_PCT, FIELD["silent"], SETTLED_COLUMN),
    (OUTSIDE, FIELD["outside"], None),
)
PERIODS: tuple[Period, ...] = ("interval", "day")

# What the identities depend on: the (methodology, point, point id) of the pads of points with an
# id (compared as a set: a run checks it without sorting thousands of pads), the question ids.
LayoutKey = tuple[frozenset[tuple[str, str, int]], tuple[str, ...]]


def layout_key(topology: Topology) -> LayoutKey:
    point_ids = {p.name: p.id for p in topology.points.values() if p.id is not None}
    groups = frozenset(
        (pad.methodology, pad.point, point_ids[pad.point])
        for pad in topology.pads.values()
        if pad.point in point_ids
    )
    return groups, tuple(sorted(topology.questions))


def group_questions(methodology: str, question_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The questions a methodology counts per ('' the question-less counts)."""
    return ("", *question_ids) if methodology == SURVEYS else ("",)


@dataclass(frozen=True)
class Layout:
    """The identities of a run's measurements and where each one's numbers are.

    A run's counts go into an integer matrix of shape (2 periods, groups, COLUMNS): first one
    group per `point_groups` key (a point's methodology and question), then the company's groups
    (one per methodology and question), each the sum of the point groups that `company_of` maps
    to it. Measurement i is entry `value_at[i]` of the flattened matrix; a percentage (the rows
    `percent_rows`) divides it by entry `whole_at`."""

    key: LayoutKey
    rows: tuple[Measurement, ...]  # the same tuple for every run of this layout
    point_groups: list[GroupKey]
    group_rows: dict[GroupKey, int]  # point_groups numbered (made once per layout, not per run)
    company_of: NDArray[np.int64]  # per point group: its company group's row
    groups: int
    value_at: NDArray[np.int64]
    percent_rows: NDArray[np.int64]
    whole_at: NDArray[np.int64]


def build_layout(key: LayoutKey) -> Layout:
    """Measurements for every point with pads (per methodology of its pads) and the company, in
    SPEC order per point and methodology: each metric for the interval, then for the day."""
    group_set, question_ids = key
    # Sorted by methodology, then point (a point has one id): the order of the metrics.
    groups = sorted(group_set)
    point_groups: list[GroupKey] = []
    company_rows: dict[tuple[str, str], int] = {}  # (methodology, question) → its row after the points'
    for methodology in sorted({m for m, _, _ in groups}):
        for question in group_questions(methodology, question_ids):
            company_rows[(methodology, question)] = len(company_rows)
    company_of: list[int] = []
    rows: list[Measurement] = []
    places: list[tuple[int, int, int, int]] = []  # per row: period, group, value column, whole column or -1

    def add(methodology: str, point: str, row_of: Mapping[str, int]) -> None:
        def metrics(specs: Iterable[MetricSpec], group: int, question: str | None) -> None:
            for short_name, column, whole in specs:
                unit = COUNT if whole is None else PERCENT
                for period_index, period in enumerate(PERIODS):
                    rows.append(
                        Measurement(
                            short_name,
                            None,
                            point=point,
                            period=period,
                            question=question,
                            methodology=methodology,
                            unit=unit,
                        )
                    )
                    places.append((period_index, group, column, -1 if whole is None else whole))

        plain = row_of[""]
        if methodology == SURVEYS:
            for question in question_ids:
                metrics(INDICATIVE_METRICS, row_of[question], question)
            metrics((FORCE_MAJEURE_METRIC, PROMPTS_METRIC), plain, None)
            return
        metrics((*INDICATIVE_METRICS, FORCE_MAJEURE_METRIC), plain, None)
        if methodology == USOKOK:
            metrics(USOKOK_METRICS, plain, None)

    for methodology, point, point_id in groups:
        row_of: dict[str, int] = {}
        for question in group_questions(methodology, question_ids):
            row_of[question] = len(point_groups)
            point_groups.append((point_id, methodology, question))
            company_of.append(company_rows[(methodology, question)])
        add(methodology, point, row_of)
    # The company's groups follow the points'.
    first_company_row = len(point_groups)
    for methodology in sorted({m for m, _, _ in groups}):
        questions = group_questions(methodology, question_ids)
        add(methodology, COMPANY, {q: first_company_row + company_rows[(methodology, q)] for q in questions})
    period, group, column, whole = np.array(places, dtype=np.int64).reshape(-1, 4).T
    cell = period * (first_company_row + len(company_rows)) + group
    percent_rows = np.flatnonzero(whole >= 0)
    return Layout(
        key=key,
        rows=tuple(rows),
        point_groups=point_groups,
        group_rows={group: row for row, group in enumerate(point_groups)},
        company_of=first_company_row + np.array(company_of, dtype=np.int64),
        groups=first_company_row + len(company_rows),
        value_at=cell * COLUMNS + column,
        percent_rows=percent_rows,
        whole_at=cell[percent_rows] * COLUMNS + whole[percent_rows],
    )


def measurement_batch(layout: Layout, interval: CountTable, day: CountTable) -> MeasurementBatch:
    """The run's measurements: counts as floats; a percentage part × 100 / whole with its 95 %
    Wilson interval and its whole as votes (issue 21), no value and no interval when the whole is
    0. Each number is computed by the same floating-point operations as `percent` and
    `wilson_bounds` on one value would."""
    points = len(layout.point_groups)
    matrix = np.zeros((len(PERIODS), layout.groups, COLUMNS), dtype=np.int64)
    for period, table in enumerate((interval, day)):
        # A group the layout does not have (a point without pads now) is not shown.
        rows = np.fromiter(map(layout.group_rows.get, table.keys, repeat(-1)), np.int64, len(table.keys))
        known = rows >= 0
        counts = matrix[period]
        counts[rows[known], : len(COUNT_FIELDS)] = table.counts[known]
        np.add.at(counts, layout.company_of, counts[:points])
    matrix[..., VOTES_COLUMN] = (
        matrix[..., FIELD["positive"]] + matrix[..., FIELD["negative"]] + matrix[..., FIELD["passive"]]
    )
    matrix[..., SETTLED_COLUMN] = matrix[..., FIELD["silent"]] + matrix[..., FIELD["answered"]]
    cells = matrix.reshape(-1)
    counted = cells[layout.value_at]
    value = counted.astype(np.float64)
    part = counted[layout.percent_rows]
    whole = cells[layout.whole_at]
    has_whole = whole != 0
    ratio = np.full(len(part), np.nan)
    ratio[has_whole] = part[has_whole] * 100.0 / whole[has_whole]
    value[layout.percent_rows] = ratio
    low = np.full(len(value), np.nan)
    high = np.full(len(value), np.nan)
    low[layout.percent_rows], high[layout.percent_rows] = wilson_bounds_array(part, whole)
    votes = np.full(len(value), -1, dtype=np.int64)
    votes[layout.percent_rows] = whole
    return MeasurementBatch(layout.rows, value, low=low, high=high, votes=votes)


def _bounds(value: Any, name: str) -> ThresholdTable:
    if not isinstance(value, list) or len(value) != 4 or not all(isinstance(v, int | float) for v in value):
        raise ValueError(
            f"LOYALTY_MON parameter '{name}' must be four numbers t1 < t2 < t3 < t4, got {value!r}"
        )
    return ThresholdTable.higher_worse(*value)


class LOYALTY_MON(EvaluationTest):
    """LOYALTY_MON: SPEC §3 metrics from the button presses."""

    name = "LOYALTY_MON"
    description = (
        "Мониторинг Лояльности: голосования, ответы, форс-мажоры, опросы и 'молчуны' по точкам и по компании"
    )
    interval_minutes = 10
    thresholds_ignore_window = True  # `thresholds` depends on the measurement only
    parameters: ClassVar[Mapping[str, Param]] = {
        "negative_interval_thresholds": Param(
            [20.0, 40.0, 60.0, 80.0], "% негативных ответов, интервал: t1..t4"
        ),
        "negative_day_thresholds": Param(
            [20.0, 40.0, 50.0, 60.0], "% негативных ответов, текущие сутки: t1..t4"
        ),
        "silent_interval_thresholds": Param([20.0, 40.0, 60.0, 80.0], "% 'молчунов', интервал: t1..t4"),
        "silent_day_thresholds": Param([20.0, 40.0, 50.0, 60.0], "% 'молчунов', текущие сутки: t1..t4"),
        "keep_day_totals": Param(True, "keep running day totals (faster); false recounts the day every run"),
    }

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(params)
        self._tables: dict[tuple[str, Period], ThresholdTable] = {
            (NEGATIVE_PCT, "interval"): _bounds(
                self.params["negative_interval_thresholds"], "negative_interval_thresholds"
            ),
            (NEGATIVE_PCT, "day"): _bounds(self.params["negative_day_thresholds"], "negative_day_thresholds"),
            (SILENT_PCT, "interval"): _bounds(
                self.params["silent_interval_thresholds"], "silent_interval_thresholds"
            ),
            (SILENT_PCT, "day"): _bounds(self.params["silent_day_thresholds"], "silent_day_thresholds"),
        }
        self._layout: Layout | None = None

    def layout(self, topology: Topology) -> Layout:
        """The identities of the measurements for this topology: built when what they depend on
        changed, else the ones of the previous run (the engine caches its work on `rows`)."""
        key = layout_key(topology)
        if self._layout is None or self._layout.key != key:
            self._layout = build_layout(key)
        return self._layout

    def thresholds(self, measurement: Measurement, window: Window) -> ThresholdTable | None:
        if measurement.short_name == WORKING:
            return ThresholdTable.equal_to(1)
        if measurement.short_name == DATABASE:
            return ThresholdTable.equal_to(100)
        if measurement.period is None:
            return measurement.thresholds
        return self._tables.get((measurement.short_name, measurement.period), measurement.thresholds)

    def run(self, ctx: TestContext) -> list[Measurement | MeasurementBatch]:
        window = ctx.window
        start, end, day_start = window.start_naive, window.end_naive, window.day_start_naive
        store = ctx.state if self.params["keep_day_totals"] else None
        key = state_key(day_start)
        saved = decode_day(store.get(key)) if store is not None else None
        through = ctx.ingest_mark
        if through is None and saved is not None:
            through = saved.counted_through  # no watermark this time: do not advance it
        if (
            saved is not None
            and through is not None
            and day_start <= saved.counted_to < end
            and saved.counted_through <= through
        ):
            base = saved
        else:  # no state, a re-evaluation of an earlier end, or ids that went back: recount the day
            base = DayState(day_start, 0, CountTable.empty())
        span = Span(start, end, day_start, base.counted_to, base.counted_through, through)
        with ctx.connect() as conn:
            interval, increment = count_span(conn, span)
        day = base.totals.plus(increment)
        if store is not None and through is not None and (saved is None or end >= saved.counted_to):
            store.put(key, encode_day(DayState(end, through, day)))
            oldest = key_day(day_start - dt.timedelta(days=KEEP_DAYS))
            for old in store.keys(DAY_KEY_PREFIX):
                if old < oldest:
                    store.delete(old)
        batch = measurement_batch(self.layout(ctx.topology), interval, day)
        return [batch, *suspicious_measurements(ctx)]


# --------------------------------------------------------------------------------------------
# Suspicious presses (issue 21): indicative presses closer than their pad's min_seconds_between
# to the previous one, marked when stored (probe.presses.mark_suspicious). They are left out of
# every count above; here they are counted on their own, for points with such pads.

SUSPICIOUS = "Подозрительные нажатия"


def suspicious_counts_query(*, start: dt.datetime, end: dt.datetime, day_start: dt.datetime) -> Any:
    """Suspicious presses per point and methodology: in the interval and in the day so far."""
    return (
        select(
            presses.c.point_id,
            pads.c.methodology,
            _count_if(presses.c.pressed_at >= start).label("in_interval"),
            _count_if(presses.c.pressed_at >= day_start).label("in_day"),
        )
        .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
        .where(
            presses.c.suspicious == true(),
            presses.c.pressed_at >= min(start, day_start),
            presses.c.pressed_at < end,
        )
        .group_by(presses.c.point_id, pads.c.methodology)
    )


def suspicious_measurements(ctx: TestContext) -> list[Measurement]:
    """`Подозрительные нажатия` (interval and day) per point and methodology whose pads have a
    min_seconds_between, and for the company per such methodology."""
    topology = ctx.topology
    watched = sorted(
        {(pad.methodology, pad.point) for pad in topology.pads.values() if pad.min_seconds_between > 0}
    )
    if not watched:
        return []
    window = ctx.window
    query = suspicious_counts_query(start=window.start, end=window.end, day_start=window.day_start)
    with ctx.engine.connect() as conn:
        found = {
            (int(point_id), str(methodology)): (int(in_interval or 0), int(in_day or 0))
            for point_id, methodology, in_interval, in_day in conn.execute(query).tuples()
        }
    point_ids = {p.name: p.id for p in topology.points.values() if p.id is not None}
    company: dict[str, list[int]] = {}
    out: list[Measurement] = []
    for methodology, point in watched:
        point_id = point_ids.get(point)
        if point_id is None:
            continue
        counts = found.get((point_id, methodology), (0, 0))
        totals = company.setdefault(methodology, [0, 0])
        totals[0] += counts[0]
        totals[1] += counts[1]
        out += _suspicious_pair(methodology, point, counts)
    for methodology, (in_interval, in_day) in sorted(company.items()):
        out += _suspicious_pair(methodology, COMPANY, (in_interval, in_day))
    return out


def _suspicious_pair(methodology: str, point: str, counts: tuple[int, int]) -> list[Measurement]:
    return [
        Measurement(SUSPICIOUS, float(counts[0]), point=point, period="interval", methodology=methodology),
        Measurement(SUSPICIOUS, float(counts[1]), point=point, period="day", methodology=methodology),
    ]
