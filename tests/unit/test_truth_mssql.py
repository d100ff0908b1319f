"""The statements of the one-source-of-truth data path compile for SQL Server (it cannot run
here): the run announcement, the follower's reads, the heartbeat, the state store, the ingestion
mark, the structured-identity selections and LOYALTY_MON's watermark queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.dialects import mssql

from console.timeline_data import Scope, catalog_query, scope_metrics_query
from probe.store.ingest_mark import max_id_query
from probe.store.schema import (
    metric_values,
    metrics,
    run_log,
    service_status,
    test_state,
    test_state_versions,
)
from tests.loyalty_mon.support import LM

DIALECT = mssql.dialect()
AT = dt.datetime(2026, 11, 20, 7, 10, tzinfo=dt.UTC)


def compiled(statement: object) -> str:
    return str(statement.compile(dialect=DIALECT))  # type: ignore[attr-defined]


def test_data_path_statements_compile_for_sql_server() -> None:
    announce = compiled(
        insert(run_log).values(
            test="T", at=AT, historical=False, test_ok=True, origin="h:1:x", committed_at=AT
        )
    )
    assert "INSERT INTO run_log" in announce
    follow = compiled(
        select(run_log).where(or_(run_log.c.seq > 5, run_log.c.seq.in_([2, 3]))).order_by(run_log.c.seq)
    )
    assert "run_log.seq >" in follow
    assert "max(run_log.seq)" in compiled(select(func.max(run_log.c.seq)))
    run = compiled(
        select(metrics, metric_values.c.value)
        .select_from(metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id))
        .where(metrics.c.test == "T", metric_values.c.at == AT)
    )
    assert "metric_values.at =" in run
    compiled(delete(service_status).where(service_status.c.origin == "h:1:x"))
    heartbeat = compiled(insert(service_status))
    assert "service_status" in heartbeat
    compiled(select(test_state_versions.c.version, test_state.c.key, test_state.c.value))
    assert "WITH (TABLOCK, HOLDLOCK)" in compiled(max_id_query("mssql"))
    assert "metrics.scope =" in compiled(scope_metrics_query(Scope(), "day"))
    assert "metrics.scope" in compiled(catalog_query())


def test_loyalty_mon_watermark_queries_compile_for_sql_server() -> None:
    t0 = dt.datetime(2026, 11, 20, 7, 0)
    span = LM.Span(
        start=t0, end=t0 + dt.timedelta(minutes=10), day_start=t0 - dt.timedelta(hours=10),
        counted_to=t0, counted_through=100, through=200,
    )  # fmt: skip
    plain = compiled(LM.plain_counts_query(span))
    usokok = compiled(LM.usokok_rows_query(span, dt.timedelta(seconds=30)))
    assert "presses.id >" in plain and "UNION ALL" in plain
    assert (
        "DATEADD(millisecond" in usokok
        and "DATEDIFF_BIG(microsecond" in usokok
        and "anchors" in usokok
        and "MATERIALIZED" not in usokok
    )
