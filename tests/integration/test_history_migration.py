"""`db init` on an aggregator created before issue 16: threshold texts move into
`threshold_tables` (every row keeps its table), and on PostgreSQL `metric_values` becomes
partitioned by day keeping every row."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Unicode,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import mssql

from probe.history.housekeeper import _batch_delete_sql, rollup_statement
from probe.store import partitions
from probe.store.current import load_snapshot, stored_states
from probe.store.db import init_db, open_engine, utcnow
from probe.store.schema import UtcDateTime, metadata, metric_values, threshold_tables

NEW_TABLES = {"threshold_tables", "metric_trends", "history_marks"}


def old_metadata() -> MetaData:
    """The schema as main had it before issue 16: `metric_values.thresholds` text in every row,
    no threshold_tables/trends, no partitions."""
    old = MetaData(naming_convention=metadata.naming_convention)
    for name, table in metadata.tables.items():
        if name not in NEW_TABLES and name != "metric_values":
            table.to_metadata(old)
    Table(
        "metric_values",
        old,
        Column("metric_id", Integer, nullable=False),
        Column("at", UtcDateTime(), nullable=False),
        Column("value", Float, nullable=True),
        Column("level", Unicode(12), nullable=True),
        Column("thresholds", Unicode(200), nullable=True),
        Column("low", Float, nullable=True),
        Column("high", Float, nullable=True),
        Column("votes", Integer, nullable=True),
        Column("expected", Float, nullable=True),
        PrimaryKeyConstraint("metric_id", "at"),
        Index("ix_metric_values_at", "at"),
    )
    return old


TABLES = [
    json.dumps({"direction": "higher_worse", "bounds": [1.0, 2.0, 3.0, 4.0]}),
    json.dumps({"direction": "higher_better", "bounds": [90.0, 80.0, 70.0, 60.0]}),
    None,
]
START = dt.datetime(2026, 11, 20, 21, 0, tzinfo=dt.UTC)


def test_db_init_moves_thresholds_and_partitions_history(db_url: str) -> None:
    engine = open_engine(db_url)
    old = old_metadata()
    old.create_all(engine)
    rows = [
        {
            "metric_id": metric_id,
            "at": START + dt.timedelta(minutes=10 * step),
            "value": float(step),
            "level": "good",
            "thresholds": TABLES[(step + metric_id) % 3],
            "low": None, "high": None, "votes": None, "expected": None,
        }
        for step in range(300)  # three UTC days
        for metric_id in (1, 2, 3)
    ]  # fmt: skip
    with engine.begin() as conn:
        for metric_id in (1, 2, 3):
            conn.execute(
                old.tables["metrics"].insert().values(
                    id=metric_id, key=f"m{metric_id}", name=f"M{metric_id}", test="T",
                    short_name="M", created_at=utcnow(),
                )
            )  # fmt: skip
        conn.execute(old.tables["metric_values"].insert(), rows)

    init_db(engine)
    init_db(engine)  # idempotent

    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("metric_values")}
        assert "thresholds" not in columns and "threshold_id" in columns
        assert conn.execute(select(func.count()).select_from(metric_values)).scalar() == len(rows)
        assert conn.execute(select(func.count()).select_from(threshold_tables)).scalar() == 2
        if conn.dialect.name == "postgresql":
            assert partitions.is_partitioned(conn)
            days = {p.day for p in partitions.day_partitions(conn)}
            assert {START.date() + dt.timedelta(days=d) for d in range(3)} <= days
            # Every row is in its day's partition, none in the DEFAULT one.
            assert conn.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar() == 0
        states = stored_states(conn, [1, 2, 3], START - dt.timedelta(minutes=1), START + dt.timedelta(days=4))
    # Every reader sees the table each row had.
    assert len(states) == len(rows)
    by_key = {(s.id, s.time): s for s in states}
    for row in rows:
        state = by_key[(row["metric_id"], row["at"])]
        if row["thresholds"] is None:
            assert state.thresholds is None
        else:
            assert state.thresholds is not None
            assert json.loads(row["thresholds"]) == {
                "direction": state.thresholds.direction,
                "bounds": list(state.thresholds.bounds),
            }
    latest = {m.id: m for m in load_snapshot(engine).metrics}
    assert latest[1].time == rows[-1]["at"]
    engine.dispose()


def test_housekeeping_compiles_for_mssql() -> None:
    """SQL Server cannot run here: the statements the housekeeper sends it are compiled."""

    class FakeConn:
        dialect = mssql.dialect()

    delete = _batch_delete_sql(FakeConn(), "metric_values", "at", ["metric_id", "at"], 500)  # type: ignore[arg-type]
    assert str(delete.compile(dialect=mssql.dialect())).startswith(
        "DELETE TOP (500) FROM metric_values WHERE at < "
    )
    rollup = str(rollup_statement(START).compile(dialect=mssql.dialect()))
    assert rollup.startswith(
        "INSERT INTO metric_trends (metric_id, hour, value_min, value_mean, value_max, count, worst) SELECT"
    )
    assert "GROUP BY metric_values.metric_id" in rollup and "max(CASE WHEN (metric_values.level = " in rollup


def test_partitions_are_created_ahead_and_take_strays_from_default(pg_schema_url: str) -> None:
    """PostgreSQL: each pass creates the day partitions ahead; a value stored for a day before its
    partition existed (in DEFAULT) moves into it when it is created."""
    from probe.history.config import HistoryConfig
    from probe.history.housekeeper import housekeep

    engine = open_engine(pg_schema_url)
    init_db(engine)
    now = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)
    stray = dt.datetime(2027, 1, 12, 8, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(metric_values.insert().values(metric_id=1, at=stray, value=1.0))
        assert conn.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar() == 1
    report = housekeep(engine, HistoryConfig(partitions_ahead_days=4, keep_days=3650), now)
    expected = [partitions.partition_name(now.date() + dt.timedelta(days=d)) for d in range(5)]
    assert report.partitions_created == expected
    with engine.connect() as conn:
        assert {p.name for p in partitions.day_partitions(conn)} >= set(expected)
        assert conn.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar() == 0
        home = conn.execute(text("SELECT tableoid::regclass::text FROM metric_values")).scalar()
    assert home == partitions.partition_name(stray.date())
    assert (
        housekeep(engine, HistoryConfig(partitions_ahead_days=4, keep_days=3650), now).partitions_created
        == []
    )
    engine.dispose()
