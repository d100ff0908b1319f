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
counts (and no percentage) when nothing was pressed.

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
interval) recounts its day from the presses and leaves the newer state alone. Aggregation is SQL
(window functions), never a Python loop over presses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

from sqlalchemy import and_, case, false, func, or_, select, true, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from probe.api import (
    COMPANY,
    INDICATIVE_KINDS,
    EvaluationTest,
    Measurement,
    Param,
    Period,
    Share,
    TestContext,
    ThresholdTable,
    Window,
    pads,
    presses,
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


@dataclass(slots=True)
class Counts:
    """The counts of one point, methodology and question over some span of presses."""

    positive: int = 0
    negative: int = 0
    passive: int = 0
    force_majeure: int = 0
    prompts: int = 0  # seller (УСОКОК) or red (Опросы) presses
    outside: int = 0  # indicative presses that were not accepted (УСОКОК)
    silent: int = 0  # seller presses whose window closed without an answer
    answered: int = 0  # seller presses with an accepted answer

    @property
    def votes(self) -> int:
        return self.positive + self.negative + self.passive

    def add(self, other: Counts) -> None:
        self.positive += other.positive
        self.negative += other.negative
        self.passive += other.passive
        self.force_majeure += other.force_majeure
        self.prompts += other.prompts
        self.outside += other.outside
        self.silent += other.silent
        self.answered += other.answered

    def plus(self, other: Counts) -> Counts:
        total = Counts(*self.values())
        total.add(other)
        return total

    def values(self) -> tuple[int, int, int, int, int, int, int, int]:
        """In field order (the order of a group in the stored day state)."""
        return (
            self.positive,
            self.negative,
            self.passive,
            self.force_majeure,
            self.prompts,
            self.outside,
            self.silent,
            self.answered,
        )

    def is_zero(self) -> bool:
        return not any(self.values())


COUNT_FIELDS = tuple(f.name for f in fields(Counts))
GroupKey = tuple[int, str, str]  # point id, methodology, question id ('' when none)


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100.0 / whole


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
    methodology = pads.c.methodology
    question = case(
        (
            and_(methodology == SURVEYS, presses.c.kind.in_(INDICATIVE_KINDS)),
            func.coalesce(presses.c.question_id, ""),
        ),
        else_="",
    )
    lo = min(span.start, span.counted_to)

    def part(*conditions: ColumnElement[bool]) -> Any:
        return (
            select(
                presses.c.id,
                presses.c.point_id,
                methodology.label("methodology"),
                question.label("question_id"),
                presses.c.kind,
                presses.c.pressed_at,
            )
            .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
            .where(
                ~and_(methodology == USOKOK, presses.c.kind.in_(INDICATIVE_KINDS)),
                presses.c.suspicious == false(),  # issue 21: bursts count only as suspicious presses
                *conditions,
            )
        )

    recent = part(presses.c.pressed_at >= lo, presses.c.pressed_at < span.end, span.stored(presses.c.id))
    late = part(
        span.stored_since(presses.c.id), presses.c.pressed_at >= span.day_start, presses.c.pressed_at < lo
    )
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


def _classified(events: Any, as_of: dt.datetime, prefix: str) -> Any:
    """The УСОКОК window rule over the rows of `events` (one pad's presses in time order, which
    may have gaps far from anything counted): per row 0/1 flags `accepted`, `answered`, `silent`
    as an evaluation at `as_of` sees them."""
    # Pass 1, in the pad's time order (indicative before seller presses of the same millisecond, so
    # that an answer at exactly the next seller press stays in the old window): the session number
    # (seller presses so far = the window a press falls after) and the next row.
    order1 = (events.c.pressed_at, events.c.seller, events.c.id)
    sessions = select(
        events,
        func.sum(events.c.seller)
        .over(partition_by=events.c.pad_id, order_by=order1, rows=(None, 0))
        .label("session"),
        func.lead(events.c.pressed_at).over(partition_by=events.c.pad_id, order_by=order1).label("next_at"),
        func.lead(events.c.seller).over(partition_by=events.c.pad_id, order_by=order1).label("next_seller"),
    ).cte(f"{prefix}_sessions")
    # Pass 2, per session (the seller press and what follows until the next one): the seller's time,
    # the first indicative press (the only candidate answer), the next seller press (which ends the
    # session: it is the row after the session's last row), and each row's place in the session.
    part = (sessions.c.pad_id, sessions.c.session)
    order2 = (sessions.c.pressed_at, sessions.c.seller, sessions.c.id)
    ranked = select(
        sessions.c.point_id,
        sessions.c.kind,
        sessions.c.pressed_at,
        sessions.c.seller,
        sessions.c.window_seconds,
        sessions.c.near,
        func.row_number().over(partition_by=part, order_by=order2).label("place"),
        func.max(case((sessions.c.seller == 1, sessions.c.pressed_at)))
        .over(partition_by=part)
        .label("opened_at"),
        func.min(case((sessions.c.seller == 0, sessions.c.pressed_at)))
        .over(partition_by=part)
        .label("first_answer_at"),
        func.max(case((sessions.c.next_seller == 1, sessions.c.next_at)))
        .over(partition_by=part)
        .label("closed_by_at"),
    ).cte(f"{prefix}_ranked")
    # Pass 3: classify each row (0/1 flags; CASE keeps it portable to SQL Server).
    r = ranked.c
    window_end = add_seconds(r.opened_at, r.window_seconds)
    answered = and_(r.first_answer_at.is_not(None), r.first_answer_at <= window_end)
    closed = or_(r.closed_by_at.is_not(None), window_end < as_of)
    return select(
        r.point_id,
        r.kind,
        r.pressed_at,
        r.seller,
        r.near,
        # The first row after the seller press (place 2) is the session's first indicative press.
        _flag(and_(r.seller == 0, r.place == 2, r.pressed_at <= window_end)).label("accepted"),
        _flag(and_(r.seller == 1, answered)).label("answered"),
        _flag(and_(r.seller == 1, closed, ~answered)).label("silent"),
    ).subquery(f"{prefix}_classified")


USOKOK_FIELDS = (*INDICATIVE_KINDS, "outside", "silent", "answered")


def _usokok_sums(rows: Any, condition: ColumnElement[bool], prefix: str) -> list[ColumnElement[Any]]:
    c = rows.c
    columns: list[ColumnElement[Any]] = [
        _count_if(and_(condition, c.accepted == 1, c.kind == kind)).label(f"{prefix}_{kind}")
        for kind in INDICATIVE_KINDS
    ]
    columns.append(_count_if(and_(condition, c.seller == 0, c.accepted == 0)).label(f"{prefix}_outside"))
    columns.append(_count_if(and_(condition, c.silent == 1)).label(f"{prefix}_silent"))
    columns.append(_count_if(and_(condition, c.answered == 1)).label(f"{prefix}_answered"))
    return columns


def usokok_counts_query(span: Span, lookback: dt.timedelta) -> Any:
    """The УСОКОК window rule in SQL, per point: accepted answers by kind, answers outside the
    window, silent and answered seller presses, for the interval (columns `i_*`) and as the
    change of the day state (columns `d_*`, which may be negative: a late press can take an
    answer from one window and give it to another).

    A press changes the classification of presses at most one window (`lookback`) away from it,
    and the passing of time changes only seller presses still pending at `counted_to`. So the
    rows that can differ between the state and now ("near" rows) are those within `lookback` of
    a press stored since the state, and those from `counted_to` − 2·lookback on; their flags are
    computed twice — as the state saw them (presses up to `counted_through`, before `counted_to`,
    evaluated at `counted_to`) and as they are now — and the difference is the increment. The
    presses read are the near ones with one more window of context on either side: a run reads
    the interval and the presses stored since the last run (with their neighbours), never the
    whole day."""
    margin = lookback + dt.timedelta(seconds=1)
    seconds = margin.total_seconds()
    recent_lo = max(span.counted_to - 2 * margin, span.day_start - margin)
    read_lo = min(span.start, recent_lo) - margin
    kinds = (*INDICATIVE_KINDS, "seller")

    def usokok(*conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        # issue 21: a suspicious press is never an answer (nor a window's opener)
        return [
            pads.c.methodology == USOKOK,
            presses.c.kind.in_(kinds),
            presses.c.suspicious == false(),
            *conditions,
        ]

    anchors = (
        select(presses.c.pad_id, presses.c.pressed_at)
        .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
        .where(
            *usokok(
                span.stored_since(presses.c.id),
                presses.c.pressed_at >= span.day_start - margin,
                presses.c.pressed_at < span.counted_to - margin,
            )
        )
        # Computed once from the primary-key range of the presses stored since the state (a
        # planner that inlines it may walk every pad's presses of the day instead).
        .cte("anchors")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    columns = (
        presses.c.id,
        presses.c.pad_id,
        presses.c.point_id,
        presses.c.kind,
        presses.c.pressed_at,
        pads.c.window_seconds,
    )
    recent = (
        select(*columns, _flag(presses.c.pressed_at >= recent_lo).label("near"))
        .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
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
    around_late = (
        select(*columns, func.max(_flag(near_anchor)).label("near"))
        .select_from(
            anchors.join(
                presses,
                and_(
                    presses.c.pad_id == anchors.c.pad_id,
                    presses.c.pressed_at >= add_seconds(anchors.c.pressed_at, -2 * seconds),
                    presses.c.pressed_at <= add_seconds(anchors.c.pressed_at, 2 * seconds),
                ),
            ).join(pads, pads.c.id == presses.c.pad_id)
        )
        .where(*usokok(span.stored(presses.c.id), presses.c.pressed_at < span.end))
        .group_by(*columns)
    )
    both = union_all(recent, around_late).subquery("reading")
    b = both.c
    reading = (
        select(
            b.id,
            b.pad_id,
            b.point_id,
            b.kind,
            b.pressed_at,
            b.window_seconds,
            case((b.kind == "seller", 1), else_=0).label("seller"),
            func.max(b.near).label("near"),
        )
        .group_by(b.id, b.pad_id, b.point_id, b.kind, b.pressed_at, b.window_seconds)
        .cte("reading_rows")
    )
    then = select(reading).where(reading.c.id <= span.counted_through, reading.c.pressed_at < span.counted_to)
    now_rows = _classified(reading, span.end, "now")
    then_rows = _classified(then.cte("then_rows"), span.counted_to, "then")
    counted_now = and_(now_rows.c.near == 1, now_rows.c.pressed_at >= span.day_start)
    counted_then = and_(then_rows.c.near == 1, then_rows.c.pressed_at >= span.day_start)
    now_query = select(
        now_rows.c.point_id,
        *_usokok_sums(now_rows, now_rows.c.pressed_at >= span.start, "i"),
        *_usokok_sums(now_rows, counted_now, "d"),
        *_usokok_sums(now_rows, false(), "o"),
    ).group_by(now_rows.c.point_id)
    then_query = select(
        then_rows.c.point_id,
        *_usokok_sums(then_rows, false(), "i"),
        *_usokok_sums(then_rows, false(), "d"),
        *_usokok_sums(then_rows, counted_then, "o"),
    ).group_by(then_rows.c.point_id)
    return union_all(now_query, then_query)


def longest_window(conn: Connection) -> dt.timedelta:
    seconds = conn.execute(
        select(func.max(pads.c.window_seconds)).where(pads.c.methodology == USOKOK)
    ).scalar()
    return dt.timedelta(seconds=float(seconds or 0.0))


def _kind_field(kind: str) -> str | None:
    return {
        "positive": "positive",
        "negative": "negative",
        "passive": "passive",
        "force_majeure": "force_majeure",
        "seller": "prompts",
        "red": "prompts",
    }.get(kind)


def count_span(conn: Connection, span: Span) -> tuple[dict[GroupKey, Counts], dict[GroupKey, Counts]]:
    """Counts of the interval and the change of the day state (see `Span`)."""
    interval: dict[GroupKey, Counts] = {}
    increment: dict[GroupKey, Counts] = {}
    for point_id, methodology, question_id, kind, in_interval, in_since in conn.execute(
        plain_counts_query(span)
    ).tuples():
        name = _kind_field(kind)
        if name is None:
            continue
        key = (int(point_id), str(methodology), str(question_id))
        for target, value in ((interval, in_interval), (increment, in_since)):
            if value:
                counts = target.get(key)
                if counts is None:
                    counts = target[key] = Counts()
                setattr(counts, name, getattr(counts, name) + int(value))
    lookback = longest_window(conn)
    for row in conn.execute(usokok_counts_query(span, lookback)):
        key = (int(row.point_id), USOKOK, "")
        for prefix, target, sign in (("i", interval, 1), ("d", increment, 1), ("o", increment, -1)):
            numbers = [int(getattr(row, f"{prefix}_{name}") or 0) for name in USOKOK_FIELDS]
            if not any(numbers):
                continue
            counts = target.setdefault(key, Counts())
            for name, number in zip(USOKOK_FIELDS, numbers, strict=True):
                setattr(counts, name, getattr(counts, name) + sign * number)
    return interval, increment


# --------------------------------------------------------------------------------------------
# Day state (in the engine's state store, ctx.state)


@dataclass(frozen=True)
class DayState:
    """The counts of a day up to `counted_to`, with every press stored up to `counted_through`."""

    counted_to: dt.datetime
    counted_through: int
    totals: dict[GroupKey, Counts]


def state_key(day_start: dt.datetime) -> str:
    return DAY_KEY_PREFIX + day_start.isoformat()


def key_day(day_start: dt.datetime) -> str:
    """Keys sort by day: ISO times of naive UTC midnights compare as text."""
    return state_key(day_start)


def encode_day(state: DayState) -> dict[str, Any]:
    return {
        "counted_to": state.counted_to.isoformat(),
        "counted_through": state.counted_through,
        "groups": [
            [*key, *counts.values()] for key, counts in sorted(state.totals.items()) if not counts.is_zero()
        ],
    }


def decode_day(value: Any) -> DayState | None:
    """The stored state, or None when there is none or it is not one this version wrote (the day
    is then recounted from the presses)."""
    try:
        totals = {
            (int(g[0]), str(g[1]), str(g[2])): Counts(*(int(n) for n in g[3:]))
            for g in value["groups"]
            if len(g) == 3 + len(COUNT_FIELDS)
        }
        return DayState(dt.datetime.fromisoformat(value["counted_to"]), int(value["counted_through"]), totals)
    except (TypeError, KeyError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# Measurements


# short name, value, unit and, for a percentage, the counts it comes from (issue 21: its interval)
EvidenceRow = tuple[str, float | None, str, Share | None]
_MEASUREMENT_DEFAULTS = {f.name: f.default for f in fields(Measurement) if f.default is not MISSING}


def new_measurement(
    base: Mapping[str, Any], short_name: str, value: float | None, period: Period, unit: str
) -> Measurement:
    """`Measurement(short_name, value, period=period, unit=unit, **base)`, built without the frozen
    dataclass' per-field `object.__setattr__` calls: a run builds ~25 per point, which with
    thousands of points is most of its Python time (equality with the normal constructor is tested)."""
    measurement = object.__new__(Measurement)
    state = dict(base)
    state["short_name"] = short_name
    state["value"] = value
    state["period"] = period
    state["unit"] = unit
    object.__setattr__(measurement, "__dict__", state)
    return measurement


def _share(short_name: str, part: int, whole: int) -> EvidenceRow:
    """A percentage row with the counts it comes from, so that its 95 % interval (issue 21) is
    computed from exactly the same numbers as its value."""
    return (short_name, percent(part, whole), PERCENT, Share(part, whole))


def _indicative(counts: Counts) -> list[EvidenceRow]:
    votes = counts.votes
    return [
        (VOTES, votes, COUNT, None),
        (POSITIVE, counts.positive, COUNT, None),
        _share(POSITIVE_PCT, counts.positive, votes),
        (NEGATIVE, counts.negative, COUNT, None),
        _share(NEGATIVE_PCT, counts.negative, votes),
        (PASSIVE, counts.passive, COUNT, None),
        _share(PASSIVE_PCT, counts.passive, votes),
    ]


def _usokok_extra(counts: Counts) -> list[EvidenceRow]:
    return [
        (PROMPTS, counts.prompts, COUNT, None),
        (SILENT, counts.silent, COUNT, None),
        # SPEC §3: the denominator is the seller presses no longer pending (answered or silent).
        _share(SILENT_PCT, counts.silent, counts.silent + counts.answered),
        (OUTSIDE, counts.outside, COUNT, None),
    ]


def _with_evidence(measurement: Measurement, share: Share | None) -> Measurement:
    """Attach a percentage's 95 % Wilson interval and its denominator (in place: the measurement
    was just built by `new_measurement` and is not shared yet)."""
    if share is not None:
        bounds = share.bounds
        state = measurement.__dict__
        state["low"], state["high"] = bounds if bounds is not None else (None, None)
        state["votes"] = share.whole
    return measurement


_NONE = Counts()


def point_measurements(
    methodology: str,
    point: str,
    questions: Iterable[str],
    per_period: Mapping[Period, Mapping[str, Counts]],
) -> list[Measurement]:
    """The metrics of one point (or the company) under one methodology, in SPEC order (each metric
    for the interval, then for the day). `per_period[period][question]`: counts, question '' for
    the question-less ones."""
    interval, day = per_period["interval"], per_period["day"]
    out: list[Measurement] = []

    append = out.append

    def emit(interval_rows: list[EvidenceRow], day_rows: list[EvidenceRow], question: str | None) -> None:
        base = {**_MEASUREMENT_DEFAULTS, "point": point, "question": question, "methodology": methodology}
        for (short, value, unit, share), (_, day_value, _, day_share) in zip(
            interval_rows, day_rows, strict=True
        ):
            interval_m = new_measurement(
                base, short, None if value is None else float(value), "interval", unit
            )
            day_m = new_measurement(base, short, None if day_value is None else float(day_value), "day", unit)
            append(_with_evidence(interval_m, share))
            append(_with_evidence(day_m, day_share))

    i_plain, d_plain = interval.get("", _NONE), day.get("", _NONE)
    if methodology == SURVEYS:
        for question in questions:
            emit(_indicative(interval.get(question, _NONE)), _indicative(day.get(question, _NONE)), question)
        emit(
            [(FORCE_MAJEURE, i_plain.force_majeure, COUNT, None), (PROMPTS, i_plain.prompts, COUNT, None)],
            [(FORCE_MAJEURE, d_plain.force_majeure, COUNT, None), (PROMPTS, d_plain.prompts, COUNT, None)],
            None,
        )
        return out
    emit(
        [*_indicative(i_plain), (FORCE_MAJEURE, i_plain.force_majeure, COUNT, None)],
        [*_indicative(d_plain), (FORCE_MAJEURE, d_plain.force_majeure, COUNT, None)],
        None,
    )
    if methodology == USOKOK:
        emit(_usokok_extra(i_plain), _usokok_extra(d_plain), None)
    return out


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

    def thresholds(self, measurement: Measurement, window: Window) -> ThresholdTable | None:
        if measurement.short_name == WORKING:
            return ThresholdTable.equal_to(1)
        if measurement.short_name == DATABASE:
            return ThresholdTable.equal_to(100)
        if measurement.period is None:
            return measurement.thresholds
        return self._tables.get((measurement.short_name, measurement.period), measurement.thresholds)

    def run(self, ctx: TestContext) -> list[Measurement]:
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
            base = DayState(day_start, 0, {})
        span = Span(start, end, day_start, base.counted_to, base.counted_through, through)
        with ctx.connect() as conn:
            interval, increment = count_span(conn, span)
        day = {
            group: base.totals.get(group, Counts()).plus(increment.get(group, Counts()))
            for group in base.totals.keys() | increment.keys()
        }
        if store is not None and through is not None and (saved is None or end >= saved.counted_to):
            store.put(key, encode_day(DayState(end, through, day)))
            oldest = key_day(day_start - dt.timedelta(days=KEEP_DAYS))
            for old in store.keys(DAY_KEY_PREFIX):
                if old < oldest:
                    store.delete(old)
        return build_measurements(ctx, interval, day) + suspicious_measurements(ctx)


def build_measurements(
    ctx: TestContext, interval: Mapping[GroupKey, Counts], day: Mapping[GroupKey, Counts]
) -> list[Measurement]:
    """Measurements for every point with pads (per methodology of its pads) and the company."""
    topology = ctx.topology
    question_ids = sorted(topology.questions)
    point_ids = {p.name: p.id for p in topology.points.values() if p.id is not None}
    groups = sorted(
        {(pad.methodology, pad.point) for pad in topology.pads.values() if pad.point in point_ids}
    )
    out: list[Measurement] = []
    company: dict[str, dict[Period, dict[str, Counts]]] = {}
    for methodology, point in groups:
        point_id = point_ids[point]
        per_period: dict[Period, dict[str, Counts]] = {"interval": {}, "day": {}}
        for period, source in (("interval", interval), ("day", day)):
            for question in ("", *question_ids) if methodology == SURVEYS else ("",):
                found = source.get((point_id, methodology, question))
                if found is not None:
                    per_period[period][question] = found  # type: ignore[index]
                    totals = company.setdefault(methodology, {"interval": {}, "day": {}})
                    totals[period].setdefault(question, Counts()).add(found)  # type: ignore[index]
        out += point_measurements(methodology, point, question_ids, per_period)
    for methodology in sorted({m for m, _ in groups}):
        totals = company.get(methodology, {"interval": {}, "day": {}})
        out += point_measurements(methodology, COMPANY, question_ids, totals)
    return out


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
