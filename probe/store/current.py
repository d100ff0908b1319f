"""The last stored value of every metric, as a Snapshot: what the SNMP agent serves at start,
before the scheduler's first run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from probe.levels import Level
from probe.snapshot import MetricState, Snapshot, TestState
from probe.store.baselines import parse_thresholds
from probe.store.schema import metric_values, metrics, points, questions, test_runs
from probe.topology import COMPANY


def _level(text: str | None) -> Level | None:
    try:
        return None if text is None else Level(text)
    except ValueError:
        return Level.UNKNOWN


def _question(text: str | None) -> str | None:
    return None if text is None else text.strip().rstrip("?？").rstrip()


def _metric_columns() -> tuple[Any, ...]:
    return (
        metrics,
        metric_values.c.at,
        metric_values.c.value,
        metric_values.c.level,
        metric_values.c.thresholds,
        points.c.name.label("point_name"),
        points.c.region,
        questions.c.text.label("question_text"),
    )


def _with_names(joined: Any) -> Any:
    return joined.outerjoin(points, points.c.id == metrics.c.point_id).outerjoin(
        questions, questions.c.id == metrics.c.question_id
    )


def state_of(row: Any) -> MetricState:
    """A stored value (a row of `_metric_columns`) as the state the snapshot publishes."""
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
    )


def run_states(conn: Connection, test: str, at: dt.datetime) -> list[MetricState]:
    """The values one stored run of `test` for the interval ending at `at` produced."""
    query = (
        select(*_metric_columns())
        .select_from(_with_names(metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id)))
        .where(metrics.c.test == test, metric_values.c.at == at)
        .order_by(metrics.c.id)
    )
    return [state_of(row) for row in conn.execute(query)]


def load_snapshot(engine: Engine) -> Snapshot:
    latest = (
        select(metric_values.c.metric_id, func.max(metric_values.c.at).label("at"))
        .group_by(metric_values.c.metric_id)
        .subquery()
    )
    metric_query = (
        select(*_metric_columns())
        .select_from(
            _with_names(
                metrics.join(latest, latest.c.metric_id == metrics.c.id).join(
                    metric_values,
                    (metric_values.c.metric_id == latest.c.metric_id) & (metric_values.c.at == latest.c.at),
                )
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
