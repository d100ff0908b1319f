"""Metric history from the aggregator (`metric_values` ⨝ `metrics`), for every console view.

The one place the console reads stored MKO/OKO history: the Plan point page, the Dashboard, the
Cockpit and the baseline dialog use it. The row types and the range query are those of
`console.timeline_data` (the Dashboard/Cockpit data layer); this module adds the ways the Plan
asks: by point, by metric key or name, for the last hours, and the latest stored value of each
metric (what the console shows when the probe itself cannot be reached). Pure data, no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, and_, func, or_, select

from console.timeline_data import (
    HistoryPoint,
    MetricHistory,
    MetricInfo,
    catalog_query,
    info_of,
    load_history,
    metric_catalog,
    parse_level,
)
from probe.store.baselines import parse_thresholds
from probe.store.schema import metric_values, metrics
from probe.store.threshold_tables import THRESHOLDS, with_thresholds

__all__ = [
    "HistoryPoint",
    "MetricHistory",
    "MetricInfo",
    "latest_values",
    "load_history",
    "metric_catalog",
    "metrics_by_reference",
    "point_metrics",
    "recent_history",
]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def point_metrics(engine: Engine, point: str, *, tests: Sequence[str] = ()) -> list[MetricInfo]:
    """Every metric ever produced for the service point `point`, ordered by test and name."""
    return metric_catalog(engine, tests=tests, points_named=[point])


def metrics_by_reference(engine: Engine, references: Sequence[str]) -> list[MetricInfo]:
    """The metrics whose key or full name is one of `references` (maps bind icons by either),
    in the order of `references`; unknown references are left out."""
    if not references:
        return []
    wanted = list(dict.fromkeys(references))
    query = catalog_query().where(or_(metrics.c.key.in_(wanted), metrics.c.name.in_(wanted)))
    with engine.connect() as conn:
        infos = [info_of(row) for row in conn.execute(query)]
    by_reference: dict[str, MetricInfo] = {}
    for info in infos:
        by_reference.setdefault(info.name, info)
        by_reference[info.key] = info  # a key wins over a name that happens to look like one
    return [by_reference[ref] for ref in wanted if ref in by_reference]


def recent_history(
    engine: Engine,
    infos: Sequence[MetricInfo],
    *,
    hours: float = 6.0,
    until: dt.datetime | None = None,
    clock: Callable[[], dt.datetime] = _utcnow,
) -> list[MetricHistory]:
    """History of `infos` over the `hours` before `until` (default: now), oldest value first."""
    end = until or clock()
    return load_history(engine, infos, end - dt.timedelta(hours=hours), end)


def latest_values(engine: Engine, infos: Sequence[MetricInfo]) -> dict[int, HistoryPoint]:
    """The last stored value, level and thresholds of each metric (by metric id); metrics never
    evaluated are absent."""
    if not infos:
        return {}
    ids = [info.id for info in infos]
    last = (
        select(metric_values.c.metric_id, func.max(metric_values.c.at).label("at"))
        .where(metric_values.c.metric_id.in_(ids))
        .group_by(metric_values.c.metric_id)
        .subquery()
    )
    query = select(
        metric_values.c.metric_id,
        metric_values.c.at,
        metric_values.c.value,
        metric_values.c.level,
        THRESHOLDS,
    ).select_from(
        with_thresholds(
            metric_values.join(
                last, and_(metric_values.c.metric_id == last.c.metric_id, metric_values.c.at == last.c.at)
            )
        )
    )
    result: dict[int, HistoryPoint] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            result[row.metric_id] = HistoryPoint(
                row.at,
                None if row.value is None else float(row.value),
                parse_level(row.level),
                parse_thresholds(row.thresholds),
            )
    return result
