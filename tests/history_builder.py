"""Constructed metric histories for console tests: rows written straight into `metrics` and
`metric_values`, exactly as the engine stores them, so expected pictures can be computed by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Engine

from probe.assess import ThresholdTable
from probe.store.db import utcnow
from probe.store.schema import metric_values, metrics, points
from probe.store.threshold_tables import stored_id


def thresholds_json(table: ThresholdTable | None) -> str | None:
    return None if table is None else json.dumps({"direction": table.direction, "bounds": list(table.bounds)})


def add_points(engine: Engine, named: Sequence[tuple[int, str, str]]) -> None:
    with engine.begin() as conn:
        for point_id, name, region in named:
            conn.execute(points.insert().values(id=point_id, name=name, region=region))


METHODOLOGIES = ("СОКОК", "УСОКОК", "Опросы")


def identity_of(name: str) -> tuple[str | None, str, str | None]:
    """(methodology, short name, period) of a test-made name."""
    parts = name.split(". ")
    period = None
    if parts[-1].startswith("Интервал "):
        period, parts = "interval", parts[:-1]
    elif parts[-1] == "Текущие сутки":
        period, parts = "day", parts[:-1]
    methodology = parts[1] if len(parts) > 2 and parts[1] in METHODOLOGIES else None
    return methodology, parts[-1], period


def add_metric(
    engine: Engine,
    metric_id: int,
    name: str,
    *,
    point_id: int | None = None,
    test: str = "LOYALTY_MON",
    unit: str = "",
    values: Sequence[tuple[dt.datetime, float | None, str | None]] = (),
    table: ThresholdTable | None = None,
) -> None:
    """`values`: (aware interval end, value, level string). The structured identity columns are
    filled from the name, which these tests write by SPEC §3's rule."""
    methodology, short_name, period = identity_of(name)
    scope = (
        "point"
        if point_id is not None
        else ("company" if "Итого по компании" in name.split(". ") else "none")
    )
    with engine.begin() as conn:
        conn.execute(
            metrics.insert().values(
                id=metric_id,
                key=f"test.metric{metric_id}",
                name=name,
                test=test,
                methodology=methodology,
                point_id=point_id,
                short_name=short_name,
                period=period,
                scope=scope,
                unit=unit,
                created_at=utcnow(),
            )
        )
        rows = [
            {
                "metric_id": metric_id,
                "at": at.astimezone(dt.UTC).replace(tzinfo=None),
                "value": value,
                "level": level,
                "threshold_id": stored_id(conn, thresholds_json(table)) if level is not None else None,
            }
            for at, value, level in values
        ]
        if rows:
            conn.execute(metric_values.insert(), rows)
