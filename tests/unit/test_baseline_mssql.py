"""The baseline's statements compile for SQL Server (which cannot run here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects import mssql

from probe.store.baselines import history_query, overrides_query, replace_statement
from probe.store.schema import threshold_overrides


def compiled(statement: object) -> str:
    return str(statement.compile(dialect=mssql.dialect()))  # type: ignore[attr-defined]


def test_baseline_statements_compile_for_mssql() -> None:
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    history = compiled(history_query("LOYALTY_MON", point="Калужская", since=since, until=since))
    assert "LEFT OUTER JOIN points" in history and "ORDER BY metrics.id, metric_values.at" in history
    assert "threshold_overrides.hour_of_week IS NULL" in compiled(replace_statement("T", None, "m", None))
    assert "threshold_overrides.point_id = " in compiled(replace_statement("T", 1, "m", 5))
    assert "LEFT OUTER JOIN points" in compiled(overrides_query("T", "Калужская"))
    insert = threshold_overrides.insert().values(test="T", metric_pattern="m", t1=1, t2=2, t3=3, t4=4)
    assert compiled(insert).startswith("INSERT INTO threshold_overrides")
