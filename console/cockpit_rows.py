"""What the Cockpit shows and where: which metrics are rows, how they group (point → test →
metric) and how tall each line is. Pure data, no Qt, so the layout can be tested and computed
off the GUI thread.

Rows are grouped by scope (a service point, the company, or a test's own metrics), then by test
and methodology; a group header names them once, so a row's label is only what tells it apart
within its group ("% негативных ответов · 10 мин"). No two rows of a group read the same: the
metric's key is added where the identity would repeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, and_, select

from console.level_paint import strip_pixels
from console.timeline_data import MetricHistory, MetricInfo, load_history, metric_catalog
from probe.store.schema import metric_values, metrics

# Heights in pixels (the Cockpit keeps one y unit = one screen pixel).
POINT_HEADER = 28
TEST_HEADER = 22
STRIP = 22  # the coloured rectangles of one row: readable at a glance
VALUES = 38  # the row's values under its strip, on the row's own scale
ROW_GAP = 10
ROW = STRIP + VALUES + ROW_GAP

LOYALTY = "LOYALTY_MON"
GAPS_UP_TO = 300  # intervals per row drawn apart (a gap between rectangles) up to this many


@dataclass(frozen=True)
class Entry:
    """One line of the Cockpit: a group header or a metric row; `top` is its upper edge in
    pixels from the top of the list, `index` the metric row's place among the histories."""

    kind: str  # "point" | "test" | "metric"
    top: float
    height: float
    text: str
    index: int = -1
    detail: str = ""  # a header's second part (the region), a row's full name


@dataclass(frozen=True)
class RowDrawing:
    """What a metric row draws, computed off the GUI thread: its strip as image pixels over
    `strip_rect` (x, y, width, height in plot coordinates), its values as a line (`xs`, `ys`)
    on its own scale (`low` at the bottom of its band, `high` at the top)."""

    index: int
    strip_pixels: np.ndarray | None = None
    strip_rect: tuple[float, float, float, float] | None = None
    xs: np.ndarray | None = None
    ys: np.ndarray | None = None
    low: float = 0.0
    high: float = 0.0


@dataclass
class CockpitData:
    """One load of the Cockpit: its rows' histories in display order, the lines to draw and
    what each metric row draws."""

    histories: list[MetricHistory] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    drawings: list[RowDrawing] = field(default_factory=list)

    @property
    def height(self) -> float:
        return max((e.top + e.height for e in self.entries), default=0.0)

    def metric_entry(self, index: int) -> Entry:
        return next(e for e in self.entries if e.index == index)


def assessed_ids(engine: Engine, ids: Sequence[int], until: dt.datetime) -> set[int]:
    """The metrics among `ids` whose latest evaluation up to `until` was assessed (has a level).
    One index seek per metric (the primary key is metric, time), not a scan of their history."""
    if not ids:
        return set()
    latest_level = (
        select(metric_values.c.level)
        .where(
            and_(
                metric_values.c.metric_id == metrics.c.id,
                metric_values.c.at <= until,
            )
        )
        .order_by(metric_values.c.at.desc())
        .limit(1)
        .correlate(metrics)
        .scalar_subquery()
    )
    found: set[int] = set()
    with engine.connect() as conn:
        for chunk_start in range(0, len(ids), 900):
            chunk = list(ids[chunk_start : chunk_start + 900])
            query = select(metrics.c.id, latest_level.label("level")).where(metrics.c.id.in_(chunk))
            found |= {row.id for row in conn.execute(query) if row.level is not None}
    return found


def _scope_order(info: MetricInfo) -> tuple[int, str]:
    return ({"point": 0, "company": 1, "test": 2}[info.scope], info.point or "")


def row_order(info: MetricInfo) -> tuple[Any, ...]:
    """Points first (by name), then the company, then the tests' own metrics; within a point
    LOYALTY_MON before the loyalty drivers; within a test by methodology, question, name and
    period (interval before day)."""
    period = {"interval": 0, "day": 1}.get(info.period or "", 2)
    return (
        *_scope_order(info),
        info.test != LOYALTY,
        info.test,
        info.methodology or "",
        info.question or "",
        info.short_name or info.name,
        period,
        info.key,
    )


@dataclass(frozen=True)
class RowChoice:
    """Which metrics are rows: all given filters must match; without `unassessed` only the
    assessed ones (the counters without a threshold table stay behind that filter); `keys` adds
    metrics whatever the filters say."""

    tests: tuple[str, ...] = ()
    points: tuple[str, ...] = ()
    name_contains: str = ""
    keys: tuple[str, ...] = ()
    unassessed: bool = False
    max_rows: int = 200


def choose_rows(engine: Engine, choice: RowChoice, until: dt.datetime) -> list[MetricInfo]:
    """The chosen metrics in display order (`row_order`), at most `choice.max_rows`."""
    infos = metric_catalog(
        engine, tests=choice.tests, points_named=choice.points, name_contains=choice.name_contains
    )
    if not choice.unassessed:
        assessed = assessed_ids(engine, [i.id for i in infos], until)
        infos = [i for i in infos if i.id in assessed]
    if choice.keys:
        chosen = {i.key for i in infos}
        infos += [i for i in metric_catalog(engine) if i.key in choice.keys and i.key not in chosen]
    return sorted(infos, key=row_order)[: choice.max_rows]


def period_text(info: MetricInfo, history: MetricHistory, texts: Callable[[str, int], str]) -> str:
    if info.period == "interval":
        return texts("interval", round(history.slot_seconds() / 60))
    if info.period == "day":
        return texts("day", 0)
    return ""


def arrange(histories: Sequence[MetricHistory], texts: Callable[[str, int], str]) -> list[Entry]:
    """The Cockpit's lines: a header per point (or the company, or a test's own metrics), a
    header per test and methodology within it, and a row per metric. `texts(kind, n)` gives the
    interface's words ("company", "test", "interval" with minutes, "day")."""
    entries: list[Entry] = []
    top = 0.0
    scope_key: tuple[str, str] | None = None
    test_key: tuple[str, str] | None = None
    rows: list[tuple[int, MetricHistory, str]] = []
    for index, history in enumerate(histories):
        info = history.info
        this_scope = (info.scope, info.point or "")
        if this_scope != scope_key:
            scope_key, test_key = this_scope, None
            if info.scope == "point":
                text, detail = info.point or "", info.region or ""
            elif info.scope == "company":
                text, detail = texts("company", 0), ""
            else:
                text, detail = texts("test", 0), ""
            entries.append(Entry("point", top, POINT_HEADER, text, detail=detail))
            top += POINT_HEADER
        this_test = (info.test, info.methodology or "")
        if this_test != test_key:
            test_key = this_test
            text = f"{info.test} · {info.methodology}" if info.methodology else info.test
            entries.append(Entry("test", top, TEST_HEADER, text))
            top += TEST_HEADER
        label = info.label
        period = period_text(info, history, texts)
        if period:
            label = f"{label} · {period}"
        entries.append(Entry("metric", top, ROW, label, index, detail=info.name))
        rows.append((len(entries) - 1, history, label))
        top += ROW
    # Rows of one group that still read the same (two tests naming a metric alike): add the key.
    seen: dict[tuple[tuple[str, str], tuple[str, str], str], list[int]] = {}
    for position, history, label in rows:
        info = history.info
        group = ((info.scope, info.point or ""), (info.test, info.methodology or ""), label)
        seen.setdefault(group, []).append(position)
    for positions in seen.values():
        if len(positions) > 1:
            for position in positions:
                entry = entries[position]
                key = histories[entry.index].info.key
                entries[position] = Entry(
                    entry.kind, entry.top, entry.height, f"{entry.text} ({key})", entry.index, entry.detail
                )
    return entries


class WallClock:
    """Epoch seconds → the plot's x: local wall-clock seconds of a zone (so the axis reads in the
    probe's zone), the zone's offset looked up once per hour."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._offsets: dict[float, float] = {}

    def x_of(self, epoch: np.ndarray) -> np.ndarray:
        if len(epoch) == 0:
            return epoch
        hours, inverse = np.unique(np.floor(epoch / 3600.0), return_inverse=True)
        offsets = np.array([self._hour_offset(float(h)) for h in hours])
        return epoch + offsets[inverse.reshape(-1)]

    def _hour_offset(self, hour: float) -> float:
        offset = self._offsets.get(hour)
        if offset is None:
            local = dt.datetime.fromtimestamp(hour * 3600.0, dt.UTC).astimezone(self.tz)
            offset = self._offsets[hour] = (local.utcoffset() or dt.timedelta()).total_seconds()
        return offset


def row_drawing(index: int, history: MetricHistory, top: float, clock: WallClock, gaps: bool) -> RowDrawing:
    """Row `index`'s strip (one rectangle per evaluated interval, first colour above, second
    below, a gap where nothing was evaluated) and its values under it on the row's own scale."""
    slot = history.slot_seconds()
    pixels = rect = None
    assessed = history.levels >= 0
    if assessed.any():
        ends, codes = history.ends[assessed], history.levels[assessed]
        first_start = float(ends[0]) - slot
        count = max(1, round((float(ends[-1]) - first_start) / slot))
        columns = np.rint((ends - first_start) / slot).astype(np.intp) - 1
        pixels = strip_pixels(columns, codes, count, gaps=gaps)
        x0, x1 = clock.x_of(np.array([first_start, float(ends[-1])]))
        rect = (float(x0), top - STRIP, float(x1 - x0), float(STRIP))
    values = history.values
    finite = values[~np.isnan(values)]
    if len(finite) == 0:
        return RowDrawing(index, pixels, rect)
    low, high = float(finite.min()), float(finite.max())
    span_low, span_high = (low - 1, high + 1) if high == low else (low, high)  # flat: mid-band
    band_top = top - STRIP - 4
    band = VALUES - 6
    xs = clock.x_of(history.ends - slot / 2)  # under the middle of its rectangle
    ys = band_top - band + (values - span_low) / (span_high - span_low) * band
    return RowDrawing(index, pixels, rect, xs, ys, low, high)


def load_cockpit(
    engine: Engine,
    choice: RowChoice,
    since: dt.datetime,
    until: dt.datetime,
    texts: Callable[[str, int], str],
    tz: dt.tzinfo = dt.UTC,
) -> CockpitData:
    """Everything one Cockpit reload reads and computes (no Qt: runs off the GUI thread),
    down to the pixels of the strips and the points of the lines."""
    histories = load_history(engine, choose_rows(engine, choice, until), since, until)
    entries = arrange(histories, texts)
    clock = WallClock(tz)
    span = (until - since).total_seconds()
    drawings = [
        row_drawing(
            e.index,
            histories[e.index],
            -e.top,
            clock,
            gaps=span / histories[e.index].slot_seconds() <= GAPS_UP_TO,
        )
        for e in entries
        if e.kind == "metric"
    ]
    return CockpitData(histories, entries, since, until, drawings)
