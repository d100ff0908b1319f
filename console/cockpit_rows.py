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

from sqlalchemy import Engine, and_, select

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


@dataclass
class CockpitData:
    """One load of the Cockpit: its rows' histories in display order and the lines to draw."""

    histories: list[MetricHistory] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None

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


def load_cockpit(
    engine: Engine,
    choice: RowChoice,
    since: dt.datetime,
    until: dt.datetime,
    texts: Callable[[str, int], str],
) -> CockpitData:
    """Everything one Cockpit reload reads and computes (no Qt: runs off the GUI thread)."""
    histories = load_history(engine, choose_rows(engine, choice, until), since, until)
    return CockpitData(histories, arrange(histories, texts), since, until)
