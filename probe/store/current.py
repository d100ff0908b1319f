"""The last stored value of every metric, as a Snapshot: what the SNMP agent serves at start,
before the scheduler's first run."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

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


def load_snapshot(engine: Engine) -> Snapshot:
    latest = (
        select(metric_values.c.metric_id, func.max(metric_values.c.at).label("at"))
        .group_by(metric_values.c.metric_id)
        .subquery()
    )
    metric_query = (
        select(
            metrics,
            metric_values.c.at,
            metric_values.c.value,
            metric_values.c.level,
            metric_values.c.thresholds,
            metric_values.c.low,
            metric_values.c.high,
            metric_values.c.votes,
            points.c.name.label("point_name"),
            points.c.region,
            questions.c.text.label("question_text"),
        )
        .select_from(
            metrics.join(latest, latest.c.metric_id == metrics.c.id)
            .join(
                metric_values,
                (metric_values.c.metric_id == latest.c.metric_id) & (metric_values.c.at == latest.c.at),
            )
            .outerjoin(points, points.c.id == metrics.c.point_id)
            .outerjoin(questions, questions.c.id == metrics.c.question_id)
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
    states = []
    for row in metric_rows:
        # Company rows have no point_id; their names carry the company part after the methodology.
        point = row.point_name
        if point is None and f". {COMPANY}. " in row.name:
            point = COMPANY
        states.append(
            MetricState(
                id=row.id,
                key=row.key,
                name=row.name,
                test=row.test,
                short_name=row.short_name,
                value=row.value,
                level=_level(row.level),
                time=row.at,
                unit=row.unit or "",
                point=point,
                region=row.region,
                question=_question(row.question_text) if row.question_text else row.question_id,
                methodology=row.methodology,
                period=row.period,
                thresholds=parse_thresholds(row.thresholds),
                low=row.low,
                high=row.high,
                votes=row.votes,
            )
        )
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
