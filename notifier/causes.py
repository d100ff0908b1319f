"""Say the likely cause (issue 21, point 6): the loyalty drivers at the same point — queue length,
application response, any other evaluation test's metrics there — that were at "attention" or
worse during the intervals of an incident, with their values, for the message that announces it.

Read from the stored history in the transaction that composes the message (the live notifier and
`notify replay` alike). A driver evaluated at the same clock boundary but stored after the
message was composed (two tests finishing in either order) appears from the next message on.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, select
from sqlalchemy.engine import Connection

from probe.levels import Level
from probe.metric_names import DATABASE_AVAILABILITY, TEST_WORKS
from probe.store.schema import metric_values, metrics, points

# The engine's own metrics say whether a test runs, not why customers are unhappy.
NOT_DRIVERS = (TEST_WORKS, DATABASE_AVAILABILITY, "Database availability (%)")
BAD_ENOUGH = tuple(level.value for level in Level if level.at_least(Level.ATTENTION))


@dataclass(frozen=True, slots=True)
class CauseReading:
    at: dt.datetime  # aware UTC, end of the driver's interval
    value: float | None
    level: Level


@dataclass(frozen=True, slots=True)
class Cause:
    """One driver metric that was attention or worse, with every such reading in the window."""

    metric_id: int
    name: str
    short_name: str
    test: str
    unit: str
    readings: tuple[CauseReading, ...]

    @property
    def worst(self) -> CauseReading:
        return max(self.readings, key=lambda r: (r.level.severity, r.at))


def causes_query(
    point: str, own_test: str, since: dt.datetime, until: dt.datetime, tests: Sequence[str] = ()
) -> Select[tuple[object, ...]]:
    """Readings of attention or worse, at `point`, of other tests (only `tests` when given),
    whose interval ends in (since, until]."""
    conditions = [
        points.c.name == point,
        metrics.c.test != own_test,
        metrics.c.short_name.not_in(NOT_DRIVERS),
        metric_values.c.at > since,
        metric_values.c.at <= until,
        metric_values.c.level.in_(BAD_ENOUGH),
    ]
    if tests:
        conditions.append(metrics.c.test.in_(list(tests)))
    return (
        select(
            metrics.c.id,
            metrics.c.name,
            metrics.c.short_name,
            metrics.c.test,
            metrics.c.unit,
            metric_values.c.at,
            metric_values.c.value,
            metric_values.c.level,
        )
        .select_from(
            metrics.join(points, points.c.id == metrics.c.point_id).join(
                metric_values, metric_values.c.metric_id == metrics.c.id
            )
        )
        .where(and_(*conditions))
        .order_by(metrics.c.test, metrics.c.name, metric_values.c.at)
    )


def incident_window(
    opened_at: dt.datetime | None, at: dt.datetime, sample_times: Sequence[dt.datetime]
) -> tuple[dt.datetime, dt.datetime]:
    """The intervals of an incident up to `at`: from the start of the interval that opened it (its
    end minus the spacing of the evaluations, 10 minutes when there is only one) to `at`."""
    spacing = min(
        (b - a for a, b in itertools.pairwise(sample_times) if b > a),
        default=dt.timedelta(minutes=10),
    )
    first = opened_at if opened_at is not None and opened_at <= at else at
    return first - spacing, at


def find_causes(
    conn: Connection,
    *,
    point: str | None,
    test: str,
    since: dt.datetime,
    until: dt.datetime,
    tests: Sequence[str] = (),
) -> list[Cause]:
    """The drivers at the point that were attention or worse in (since, until]; none for metrics
    without a point (the company, test-level metrics)."""
    if point is None:
        return []
    grouped: dict[int, list[object]] = {}
    found: dict[int, Cause] = {}
    for row in conn.execute(causes_query(point, test, since, until, tests)):
        readings = grouped.setdefault(row.id, [])
        readings.append(CauseReading(row.at, row.value, Level(row.level)))
        found[row.id] = Cause(row.id, row.name, row.short_name, row.test, row.unit or "", ())
    return [
        Cause(c.metric_id, c.name, c.short_name, c.test, c.unit, tuple(grouped[c.metric_id]))  # type: ignore[arg-type]
        for c in found.values()
    ]
