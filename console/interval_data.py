"""Everything about one evaluated interval of one metric, for the interval panel: the stored
value, level and threshold table; the presses of that interval at the metric's point, by kind and
methodology, with the УСОКОК windows as the evaluation saw them (answered, silent, still open,
answers outside a window); the audio fragments of those presses; the loyalty drivers of the point
at the same time; and the notifications the interval's evaluation triggered. Pure data, no Qt:
`load_interval` runs off the GUI thread.

The interval is the evaluation's: [end − interval, end), where the interval length is the spacing
of the metric's stored evaluations (10 minutes for LOYALTY_MON by default). For a current-day
metric it is the interval whose evaluation produced the value.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, func, or_, select
from sqlalchemy.exc import OperationalError

from console.timeline_data import MetricInfo, Scope, catalog_query, info_of, parse_level, worst_metric_at
from probe.assess import ThresholdTable
from probe.levels import Level
from probe.store.baselines import parse_thresholds
from probe.store.schema import clips, metric_values, metrics, notifier_outbox, pads, presses, questions
from probe.store.threshold_tables import THRESHOLDS, with_thresholds

LOYALTY = "LOYALTY_MON"
# The probe's own health tests: not loyalty drivers.
NOT_DRIVERS = ("INGEST", "CLIPS")
INDICATIVE = ("positive", "negative", "passive")
KIND_ORDER = ("positive", "negative", "passive", "force_majeure", "seller", "red")
PRESS_LIMIT = 2000  # presses listed one by one; the counts always cover every press


@dataclass(frozen=True)
class Press:
    id: int
    pad: str
    methodology: str
    kind: str
    at: dt.datetime  # aware UTC
    question: str | None = None
    window: str | None = None  # УСОКОК: answered | silent | open (seller); accepted | outside (answers)
    answer_at: dt.datetime | None = None  # a seller press's accepted answer


@dataclass(frozen=True)
class Fragment:
    press_id: int
    pressed_at: dt.datetime  # aware UTC
    kind: str
    status: str
    path: Path | None
    duration_seconds: float | None
    gap_seconds: float
    reason: str | None


@dataclass(frozen=True)
class DriverValue:
    info: MetricInfo
    at: dt.datetime | None  # aware UTC end of the driver's evaluation used; None = none near
    value: float | None
    level: Level | None
    thresholds: ThresholdTable | None


@dataclass(frozen=True)
class Notification:
    created_at: dt.datetime  # aware UTC
    metric_id: int
    rule: str
    kind: str
    channel: str
    recipient: str
    address: str
    subject: str
    status: str


@dataclass
class IntervalDetail:
    info: MetricInfo
    start: dt.datetime  # aware UTC
    end: dt.datetime  # aware UTC
    value: float | None = None
    level: Level | None = None
    thresholds: ThresholdTable | None = None
    presses: list[Press] = field(default_factory=list)
    press_total: int = 0
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (methodology, kind) → presses
    fragments: list[Fragment] = field(default_factory=list)
    drivers: list[DriverValue] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    notifications_problem: str = ""  # why the notifications could not be read (an old schema)

    @property
    def windows(self) -> Counter[str]:
        """УСОКОК: answered, silent and open windows (seller presses) and answers accepted or
        outside a window, among the interval's presses."""
        return Counter(p.window for p in self.presses if p.window is not None)


def fragment_of(row: Any) -> Fragment:
    """A `clips` row as a Fragment."""
    return Fragment(
        int(row.press_id),
        _aware(row.pressed_at),
        row.kind,
        row.status,
        Path(row.path) if row.path else None,
        row.duration_seconds,
        float(row.gap_seconds or 0.0),
        row.reason,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class RawPress:
    """A press as read for the window rule."""

    id: int
    pad: str
    kind: str
    at: dt.datetime
    window_seconds: float


def classify_windows(
    items: Iterable[RawPress], evaluated_at: dt.datetime
) -> dict[int, tuple[str, dt.datetime | None]]:
    """SPEC §3's window rule, as the evaluation at `evaluated_at` saw it, for УСОКОК
    presses (seller and indicative ones of the same pads, before `evaluated_at`): a seller press
    at t opens the window (t, t + W]; the next seller press of the pad closes it early; the first
    indicative press after a seller press, if inside its window, is its accepted answer, and every
    other indicative press is outside a window. A seller press is answered, silent (its window
    closed without an answer) or open (still waiting at `evaluated_at`).

    Returns press id → (status, accepted answer time for seller presses). Within one millisecond
    an indicative press comes before a seller press (it still belongs to the old window)."""
    by_pad: dict[str, list[RawPress]] = {}
    for item in items:
        if item.at < evaluated_at:
            by_pad.setdefault(item.pad, []).append(item)
    result: dict[int, tuple[str, dt.datetime | None]] = {}
    for pad_presses in by_pad.values():
        pad_presses.sort(key=lambda p: (p.at, p.kind == "seller", p.id))
        seller: RawPress | None = None
        first_after: RawPress | None = None
        for press in pad_presses:
            if press.kind == "seller":
                if seller is not None:
                    _close(result, seller, first_after, closed_by=press.at, evaluated_at=evaluated_at)
                seller, first_after = press, None
                continue
            if seller is not None and first_after is None:
                first_after = press
                window_end = seller.at + dt.timedelta(seconds=seller.window_seconds)
                result[press.id] = ("accepted" if press.at <= window_end else "outside", None)
            else:
                result[press.id] = ("outside", None)
        if seller is not None:
            _close(result, seller, first_after, closed_by=None, evaluated_at=evaluated_at)
    return result


def _close(
    result: dict[int, tuple[str, dt.datetime | None]],
    seller: RawPress,
    first_after: RawPress | None,
    *,
    closed_by: dt.datetime | None,
    evaluated_at: dt.datetime,
) -> None:
    window_end = seller.at + dt.timedelta(seconds=seller.window_seconds)
    if first_after is not None and first_after.at <= window_end:
        result[seller.id] = ("answered", first_after.at)
    elif closed_by is not None or window_end < evaluated_at:
        result[seller.id] = ("silent", None)
    else:
        result[seller.id] = ("open", None)


def interval_length(conn: Connection, metric_id: int, end: dt.datetime, default: float = 600.0) -> float:
    """Seconds between this evaluation and the metric's previous one (its interval), at most a day."""
    previous = conn.execute(
        select(func.max(metric_values.c.at)).where(
            and_(metric_values.c.metric_id == metric_id, metric_values.c.at < end)
        )
    ).scalar()
    if previous is None:
        return default
    seconds = (_aware(end) - _aware(previous)).total_seconds()
    return seconds if 0 < seconds <= 86400 else default


def load_interval(
    engine: Engine,
    metric_id: int,
    end: dt.datetime,
    interval_seconds: float | None = None,
    timings: dict[str, float] | None = None,
) -> IntervalDetail | None:
    """The interval of metric `metric_id` that ends at `end` (None when the metric is unknown),
    read on one connection. `timings`, when given, gets the seconds each part took."""
    clock = Stopwatch(timings)
    end = _aware(end)
    with engine.connect() as conn:
        row = conn.execute(catalog_query().where(metrics.c.id == metric_id)).first()
        if row is None:
            return None
        info = info_of(row)
        seconds = interval_seconds or interval_length(conn, metric_id, end)
        detail = IntervalDetail(info, end - dt.timedelta(seconds=seconds), end)
        stored = conn.execute(
            select(metric_values.c.value, metric_values.c.level, THRESHOLDS)
            .select_from(with_thresholds(metric_values))
            .where(and_(metric_values.c.metric_id == metric_id, metric_values.c.at == end))
        ).first()
        if stored is not None:
            detail.value = None if stored.value is None else float(stored.value)
            detail.level = parse_level(stored.level)
            detail.thresholds = parse_thresholds(stored.thresholds)
        point_id = conn.execute(select(metrics.c.point_id).where(metrics.c.id == metric_id)).scalar()
        clock.lap("metric")
        _read_presses(conn, detail, point_id)
        clock.lap("presses")
        _read_fragments(conn, detail, point_id)
        clock.lap("fragments")
        point_metrics = _read_drivers(conn, detail, point_id)
        clock.lap("drivers")
        _read_notifications(conn, detail, point_metrics or [metric_id])
        clock.lap("notifications")
    return detail


class Stopwatch:
    """Adds the seconds since the previous lap to `timings[name]` (nothing without timings)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


def scope_interval(
    engine: Engine, scope: Scope, end: dt.datetime, tests: Sequence[str]
) -> IntervalDetail | None:
    """The interval a Dashboard tile's rectangle stands for: that of the scope's worst-assessed
    metric at `end`."""
    metric_id = worst_metric_at(engine, scope, end, tests)
    return None if metric_id is None else load_interval(engine, metric_id, end)


def _read_presses(conn: Connection, detail: IntervalDetail, point_id: int | None) -> None:
    start, end = _aware(detail.start), _aware(detail.end)
    where = [presses.c.pressed_at >= start, presses.c.pressed_at < end]
    if point_id is not None:
        where.append(presses.c.point_id == point_id)
    counts_query = (
        select(pads.c.methodology, presses.c.kind, func.count().label("n"))
        .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
        .where(and_(*where))
        .group_by(pads.c.methodology, presses.c.kind)
    )
    detail.counts = {(row.methodology, row.kind): int(row.n) for row in conn.execute(counts_query)}
    detail.press_total = sum(detail.counts.values())
    list_query = (
        select(
            presses.c.id,
            presses.c.pad_id,
            presses.c.kind,
            presses.c.pressed_at,
            pads.c.methodology,
            questions.c.text.label("question"),
        )
        .select_from(
            presses.join(pads, pads.c.id == presses.c.pad_id).outerjoin(
                questions, questions.c.id == presses.c.question_id
            )
        )
        .where(and_(*where))
        .order_by(presses.c.pressed_at, presses.c.id)
        .limit(PRESS_LIMIT)
    )
    rows = conn.execute(list_query).all()
    windows = _windows(conn, point_id, start, end) if any(r.methodology == "УСОКОК" for r in rows) else {}
    detail.presses = [
        Press(
            int(row.id),
            row.pad_id,
            row.methodology,
            row.kind,
            _aware(row.pressed_at),
            row.question,
            windows.get(int(row.id), (None, None))[0],
            _aware(answer) if (answer := windows.get(int(row.id), (None, None))[1]) is not None else None,
        )
        for row in rows
    ]


def _windows(
    conn: Connection, point_id: int | None, start: dt.datetime, end: dt.datetime
) -> dict[int, tuple[str, dt.datetime | None]]:
    """The window status of the interval's УСОКОК presses, as evaluated at `end`: presses read
    from the longest window before the start, so an answer early in the interval finds its seller."""
    longest = conn.execute(
        select(func.max(pads.c.window_seconds)).where(pads.c.methodology == "УСОКОК")
    ).scalar()
    lookback = dt.timedelta(seconds=float(longest or 30.0))
    where = [
        pads.c.methodology == "УСОКОК",
        presses.c.kind.in_((*INDICATIVE, "seller")),
        presses.c.pressed_at >= start - lookback,
        presses.c.pressed_at < end,
    ]
    if point_id is not None:
        where.append(presses.c.point_id == point_id)
    query = (
        select(presses.c.id, presses.c.pad_id, presses.c.kind, presses.c.pressed_at, pads.c.window_seconds)
        .select_from(presses.join(pads, pads.c.id == presses.c.pad_id))
        .where(and_(*where))
    )
    raw = [
        RawPress(int(r.id), r.pad_id, r.kind, r.pressed_at, float(r.window_seconds))
        for r in conn.execute(query)
    ]
    return classify_windows(raw, end)


def _read_fragments(conn: Connection, detail: IntervalDetail, point_id: int | None) -> None:
    where = [clips.c.pressed_at >= _aware(detail.start), clips.c.pressed_at < _aware(detail.end)]
    if point_id is not None:
        where.append(clips.c.point_id == point_id)
    query = select(clips).where(and_(*where)).order_by(clips.c.pressed_at, clips.c.press_id)
    detail.fragments = [fragment_of(row) for row in conn.execute(query)]


def _read_drivers(conn: Connection, detail: IntervalDetail, point_id: int | None) -> list[int]:
    """The loyalty drivers of the point (every other test's metrics there but the probe's own
    health) at the interval: each one's latest evaluation ending in (start, end + interval]."""
    if point_id is None:
        return []
    infos = [info_of(row) for row in conn.execute(catalog_query().where(metrics.c.point_id == point_id))]
    drivers = [i for i in infos if i.test not in (LOYALTY, *NOT_DRIVERS) and i.id != detail.info.id]
    if drivers:
        span = detail.end - detail.start
        query = (
            select(
                metric_values.c.metric_id,
                metric_values.c.at,
                metric_values.c.value,
                metric_values.c.level,
                THRESHOLDS,
            )
            .select_from(with_thresholds(metric_values))
            .where(
                and_(
                    metric_values.c.metric_id.in_([d.id for d in drivers]),
                    metric_values.c.at > _aware(detail.start),
                    metric_values.c.at <= _aware(detail.end + span),
                )
            )
            .order_by(metric_values.c.metric_id, metric_values.c.at)
        )
        nearest: dict[int, Row[Any]] = {}
        for row in conn.execute(query):
            # The evaluation at the interval's end, else the nearest one around it.
            current = nearest.get(row.metric_id)
            if current is None or abs(row.at - _aware(detail.end)) < abs(current.at - _aware(detail.end)):
                nearest[row.metric_id] = row
        for info in sorted(drivers, key=lambda d: (d.test, d.name)):
            found = nearest.get(info.id)
            if found is None:
                detail.drivers.append(DriverValue(info, None, None, None, None))
            else:
                detail.drivers.append(
                    DriverValue(
                        info,
                        _aware(found.at),
                        None if found.value is None else float(found.value),
                        parse_level(found.level),
                        parse_thresholds(found.thresholds),
                    )
                )
    return [i.id for i in infos]


def _read_notifications(conn: Connection, detail: IntervalDetail, metric_ids: Sequence[int]) -> None:
    """Messages queued for events of this evaluation of the point's metrics (or the metric's)."""
    o = notifier_outbox.c
    query = (
        select(
            o.created_at, o.metric_id, o.rule, o.kind, o.channel, o.recipient, o.address, o.subject, o.status
        )
        .where(
            and_(
                or_(
                    *[
                        notifier_outbox.c.metric_id.in_(list(metric_ids[i : i + 900]))
                        for i in range(0, len(metric_ids), 900)
                    ]
                ),
                notifier_outbox.c.event_at == _aware(detail.end),
            )
        )
        .order_by(o.created_at, o.id)
    )
    try:
        rows = conn.execute(query).all()
    except OperationalError as exc:  # an aggregator from before the outbox named its metric
        conn.rollback()
        detail.notifications_problem = str(exc.orig).splitlines()[0]
        return
    detail.notifications = [
        Notification(
            _aware(row.created_at),
            int(row.metric_id),
            row.rule,
            row.kind,
            row.channel,
            row.recipient,
            row.address,
            row.subject,
            row.status,
        )
        for row in rows
    ]


def kinds_present(detail: IntervalDetail) -> list[str]:
    """The button kinds of the counts table, in the usual order."""
    found = {kind for _m, kind in detail.counts}
    return [k for k in KIND_ORDER if k in found] + sorted(found - set(KIND_ORDER))
