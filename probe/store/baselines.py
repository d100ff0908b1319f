"""Aggregator access for baselines: the history of assessed metrics, and the per-point threshold
overrides that `baseline --apply` writes and the engine reads (table `threshold_overrides`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Engine, Select, and_, delete, select
from sqlalchemy.engine import Connection

from probe.assess import Direction, ThresholdError, ThresholdTable
from probe.baseline import MetricHistory, Proposal
from probe.store.db import utcnow
from probe.store.schema import metric_trends, metric_values, metrics, points, threshold_overrides
from probe.store.threshold_tables import THRESHOLDS, with_thresholds
from probe.store.trends import trends_before_raw

SOURCE_BASELINE = "baseline"


def parse_thresholds(text: str | None) -> ThresholdTable | None:
    """The JSON the engine stores with each assessed value: {"direction": ..., "bounds": [...]}."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return ThresholdTable(data["direction"], tuple(float(b) for b in data["bounds"]))  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError, ThresholdError):
        return None


def history_query(
    test: str,
    *,
    point: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    after: bool = False,
) -> Select[Any]:
    """Values of every metric of `test` in time order, with their threshold tables (`after`:
    strictly after `since`, where hourly trends cover `since` itself)."""
    conditions = [metrics.c.test == test, metric_values.c.value.is_not(None)]
    if since is not None:
        conditions.append(metric_values.c.at > since if after else metric_values.c.at >= since)
    if until is not None:
        conditions.append(metric_values.c.at < until)
    if point is not None:
        conditions.append(points.c.name == point)
    return (
        select(
            metrics.c.id,
            metrics.c.key,
            metrics.c.name,
            points.c.name.label("point"),
            metric_values.c.at,
            metric_values.c.value,
            THRESHOLDS,
        )
        .select_from(
            with_thresholds(
                metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id).outerjoin(
                    points, points.c.id == metrics.c.point_id
                )
            )
        )
        .where(and_(*conditions))
        .order_by(metrics.c.id, metric_values.c.at)
    )


def trend_history_query(
    test: str, *, point: str | None, since: dt.datetime | None, until: dt.datetime
) -> Select[Any]:
    """Hourly trends of every metric of `test` for the hours ending in [since, until]."""
    t = metric_trends.c
    conditions = [metrics.c.test == test, t.value_mean.is_not(None), t.hour <= until - dt.timedelta(hours=1)]
    if since is not None:
        conditions.append(t.hour > since - dt.timedelta(hours=1))
    if point is not None:
        conditions.append(points.c.name == point)
    return (
        select(
            metrics.c.id,
            metrics.c.key,
            metrics.c.name,
            points.c.name.label("point"),
            t.hour,
            t.value_mean,
            t.count.label("n"),
        )
        .select_from(
            metric_trends.join(metrics, metrics.c.id == t.metric_id).outerjoin(
                points, points.c.id == metrics.c.point_id
            )
        )
        .where(and_(*conditions))
        .order_by(metrics.c.id, t.hour)
    )


def load_histories(
    engine: Engine,
    test: str,
    *,
    point: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[MetricHistory]:
    """Every assessed metric of `test` (optionally of one point) with its values in [since, until).
    A metric counts as assessed when its latest stored value carries a threshold table; its
    direction comes from that table."""
    by_metric: dict[int, tuple[str, str, str | None, list[tuple[dt.datetime, float]], list[str | None]]] = {}
    with engine.connect() as conn:
        # Issue 16: where raw values were pruned, each hour's trend stands in: its mean once for
        # each value it was made of (at the middle of the hour, for hour-of-week baselines).
        trends_end = trends_before_raw(
            conn, since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC), until or dt.datetime.now(dt.UTC)
        )
        if trends_end is not None:
            for row in conn.execute(trend_history_query(test, point=point, since=since, until=trends_end)):
                entry = by_metric.setdefault(row.id, (row.key, row.name, row.point, [], [None]))
                entry[3].extend([(row.hour + dt.timedelta(minutes=30), float(row.value_mean))] * int(row.n))
        used_trends = any(entry[3] for entry in by_metric.values())
        if used_trends:
            since = trends_end
        query = history_query(test, point=point, since=since, until=until, after=used_trends)
        for row in conn.execute(query):
            entry = by_metric.setdefault(row.id, (row.key, row.name, row.point, [], [None]))
            entry[3].append((row.at, float(row.value)))
            if row.thresholds:
                entry[4][0] = row.thresholds  # rows come in time order: the last one wins
    histories = []
    for metric_id, (key, name, point_name, samples, latest) in by_metric.items():
        current = parse_thresholds(latest[0])
        if current is None:
            continue
        histories.append(
            MetricHistory(
                metric_id=metric_id,
                key=key,
                name=name,
                test=test,
                point=point_name,
                direction=current.direction,
                current=current,
                samples=tuple(samples),
            )
        )
    return histories


@dataclass(frozen=True)
class Override:
    id: int
    test: str
    point: str | None
    metric_pattern: str
    hour_of_week: int | None
    direction: Direction
    bounds: tuple[float, float, float, float]
    source: str
    created_at: dt.datetime

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "test": self.test,
            "point": self.point,
            "metric": self.metric_pattern,
            "hour_of_week": self.hour_of_week,
            "direction": self.direction,
            "thresholds": list(self.bounds),
            "source": self.source,
            "created_at": self.created_at.isoformat(),
        }


def _point_ids(conn: Connection) -> dict[str, int]:
    return {row.name: row.id for row in conn.execute(select(points.c.id, points.c.name))}


def _same_target(test: str, point_id: int | None, pattern: str, how: int | None) -> list[object]:
    return [
        threshold_overrides.c.test == test,
        threshold_overrides.c.point_id.is_(None)
        if point_id is None
        else threshold_overrides.c.point_id == point_id,
        threshold_overrides.c.metric_pattern == pattern,
        threshold_overrides.c.hour_of_week.is_(None)
        if how is None
        else threshold_overrides.c.hour_of_week == how,
    ]


def apply_proposals(engine: Engine, proposals: Sequence[Proposal]) -> int:
    """Store proposals as overrides (one per metric name, point and hour of week), replacing an
    earlier override of the same target, all in one transaction. The override names the metric
    exactly (its full name), so it applies to that metric at that point only."""
    now = utcnow()
    with engine.begin() as conn:
        ids = _point_ids(conn)
        for proposal in proposals:
            point_id = None if proposal.point is None else ids.get(proposal.point)
            conn.execute(replace_statement(proposal.test, point_id, proposal.name, proposal.hour_of_week))
            t1, t2, t3, t4 = proposal.thresholds.bounds  # type: ignore[misc]
            conn.execute(
                threshold_overrides.insert().values(
                    test=proposal.test,
                    point_id=point_id,
                    metric_pattern=proposal.name,
                    hour_of_week=proposal.hour_of_week,
                    direction=proposal.direction,
                    t1=t1,
                    t2=t2,
                    t3=t3,
                    t4=t4,
                    source=SOURCE_BASELINE,
                    created_at=now,
                )
            )
    return len(proposals)


def replace_statement(test: str, point_id: int | None, pattern: str, how: int | None) -> Delete:
    """Deletes the override an applied proposal replaces (same test, point, metric, hour)."""
    return delete(threshold_overrides).where(and_(*_same_target(test, point_id, pattern, how)))  # type: ignore[arg-type]


def overrides_query(test: str | None = None, point: str | None = None) -> Select[Any]:
    query = (
        select(threshold_overrides, points.c.name.label("point"))
        .select_from(threshold_overrides.outerjoin(points, points.c.id == threshold_overrides.c.point_id))
        .order_by(threshold_overrides.c.test, points.c.name, threshold_overrides.c.metric_pattern)
    )
    if test is not None:
        query = query.where(threshold_overrides.c.test == test)
    if point is not None:
        query = query.where(points.c.name == point)
    return query


def list_overrides(engine: Engine, *, test: str | None = None, point: str | None = None) -> list[Override]:
    query = overrides_query(test, point)
    with engine.connect() as conn:
        return [
            Override(
                id=row.id,
                test=row.test,
                point=row.point,
                metric_pattern=row.metric_pattern,
                hour_of_week=row.hour_of_week,
                direction=row.direction,
                bounds=(row.t1, row.t2, row.t3, row.t4),
                source=row.source,
                created_at=row.created_at,
            )
            for row in conn.execute(query)
        ]


def remove_overrides(
    engine: Engine,
    *,
    ids: Sequence[int] = (),
    test: str | None = None,
    point: str | None = None,
    source: str | None = None,
) -> int:
    """Delete overrides by id, or all of a test (optionally of one point and one source).
    Returns how many were removed."""
    with engine.begin() as conn:
        if ids:
            result = conn.execute(delete(threshold_overrides).where(threshold_overrides.c.id.in_(list(ids))))
            return int(result.rowcount or 0)
        if test is None:
            raise ValueError("give override ids or --test")
        conditions = [threshold_overrides.c.test == test]
        if point is not None:
            point_id = _point_ids(conn).get(point)
            if point_id is None:
                return 0
            conditions.append(threshold_overrides.c.point_id == point_id)
        if source is not None:
            conditions.append(threshold_overrides.c.source == source)
        result = conn.execute(delete(threshold_overrides).where(and_(*conditions)))
        return int(result.rowcount or 0)
