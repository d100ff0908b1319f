"""The last stored value of every metric, as a Snapshot: what the SNMP agent serves at start,
before the scheduler's first run; and stored evaluations as they were published (`stored_states`,
for `notify replay`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from probe.levels import Level
from probe.snapshot import MetricState, Snapshot, TestState
from probe.store.baselines import parse_thresholds
from probe.store.schema import metric_values, metrics, points, questions, test_runs
from probe.store.threshold_tables import THRESHOLDS, with_thresholds
from probe.topology import COMPANY


def _level(text: str | None) -> Level | None:
    try:
        return None if text is None else Level(text)
    except ValueError:
        return Level.UNKNOWN


def _question(text: str | None) -> str | None:
    return None if text is None else text.strip().rstrip("?？").rstrip()


def state_of(row: Any) -> MetricState:
    """A stored value as published: a row of `metrics` + `metric_values` (+ point name and region,
    question text)."""
    return MetricState(
        id=row.id,
        key=row.key,
        name=row.name,
        test=row.test,
        short_name=row.short_name,
        value=row.value,
        level=_level(row.level),
        time=row.at,
        unit=row.unit or "",
        point=COMPANY if row.scope == "company" else row.point_name,
        region=row.region,
        question=_question(row.question_text) if row.question_text else row.question_id,
        methodology=row.methodology,
        period=row.period,
        thresholds=parse_thresholds(row.thresholds),
        scope=row.scope,
        low=row.low,
        high=row.high,
        votes=row.votes,
        expected=row.expected,
    )


def _value_columns() -> tuple[Any, ...]:
    v = metric_values.c
    return (
        metrics,
        v.at,
        v.value,
        v.level,
        THRESHOLDS,
        v.low,
        v.high,
        v.votes,
        v.expected,
        points.c.name.label("point_name"),
        points.c.region,
        questions.c.text.label("question_text"),
    )


def run_states(conn: Connection, test: str, at: dt.datetime) -> list[MetricState]:
    """The values one stored run of `test` for the interval ending at `at` produced."""
    query = (
        select(*_value_columns())
        .select_from(
            with_thresholds(
                metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id)
                .outerjoin(points, points.c.id == metrics.c.point_id)
                .outerjoin(questions, questions.c.id == metrics.c.question_id)
            )
        )
        .where(metrics.c.test == test, metric_values.c.at == at)
        .order_by(metrics.c.id)
    )
    return [state_of(row) for row in conn.execute(query)]


def metric_catalogue(conn: Connection) -> list[Any]:
    """Every metric with its point's name (None for company and test metrics, told apart by
    `metrics.scope`): what rules and filters choose metrics from."""
    query = select(
        metrics.c.id, metrics.c.name, metrics.c.test, points.c.name.label("point_name")
    ).select_from(metrics.outerjoin(points, points.c.id == metrics.c.point_id))
    return list(conn.execute(query.order_by(metrics.c.id)))


def stored_states(
    conn: Connection, metric_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> list[MetricState]:
    """The stored evaluations of these metrics whose interval ends in (since, until], as they were
    published, in time order (then by metric id): the history `notify replay` feeds its rule."""
    out: list[MetricState] = []
    ids = sorted(set(metric_ids))
    for start in range(0, len(ids), 1000):  # SQL Server takes 2,100 parameters per statement
        chunk = ids[start : start + 1000]
        query = (
            select(*_value_columns())
            .select_from(
                with_thresholds(
                    metrics.join(metric_values, metric_values.c.metric_id == metrics.c.id)
                    .outerjoin(points, points.c.id == metrics.c.point_id)
                    .outerjoin(questions, questions.c.id == metrics.c.question_id)
                )
            )
            .where(metrics.c.id.in_(chunk), metric_values.c.at > since, metric_values.c.at <= until)
        )
        out += [state_of(row) for row in conn.execute(query)]
    out.sort(key=lambda s: (s.time, s.id))
    return out


def load_snapshot(engine: Engine) -> Snapshot:
    latest = (
        select(metric_values.c.metric_id, func.max(metric_values.c.at).label("at"))
        .group_by(metric_values.c.metric_id)
        .subquery()
    )
    metric_query = (
        select(*_value_columns())
        .select_from(
            with_thresholds(
                metrics.join(latest, latest.c.metric_id == metrics.c.id)
                .join(
                    metric_values,
                    (metric_values.c.metric_id == latest.c.metric_id) & (metric_values.c.at == latest.c.at),
                )
                .outerjoin(points, points.c.id == metrics.c.point_id)
                .outerjoin(questions, questions.c.id == metrics.c.question_id)
            )
        )
        .order_by(metrics.c.id)
    )
    last_run = (
        select(test_runs.c.test, func.max(test_runs.c.at).label("at")).group_by(test_runs.c.test).subquery()
    )
    run_query = (
        select(test_runs)
        .select_from(
            test_runs.join(
                last_run, (last_run.c.test == test_runs.c.test) & (last_run.c.at == test_runs.c.at)
            )
        )
        .order_by(test_runs.c.test)
    )
    with engine.connect() as conn:
        metric_rows = conn.execute(metric_query).all()
        run_rows = conn.execute(run_query).all()
    states = [state_of(row) for row in metric_rows]
    tests = tuple(
        TestState(
            name=row.test,
            last_run=row.at,
            duration_seconds=row.duration_seconds,
            ok=bool(row.ok),
            last_error=row.error or "",
        )
        for row in run_rows
    )
    updated = max((s.time for s in states), default=None)
    return Snapshot(metrics=tuple(states), tests=tests, database_ok=True, updated_at=updated)
