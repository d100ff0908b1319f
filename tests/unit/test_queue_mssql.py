"""The queue-sample import statement as SQL Server would get it (no server here: compiled)."""

from __future__ import annotations

from sqlalchemy.dialects import mssql

from probe.queue_samples import insert_samples_statement


def test_queue_sample_insert_compiles_for_mssql_as_insert_where_not_exists() -> None:
    sql = str(insert_samples_statement("mssql").compile(dialect=mssql.dialect()))
    assert sql.startswith("INSERT INTO queue_samples (point_id, sampled_at, length)")
    assert "NOT (EXISTS" in sql
