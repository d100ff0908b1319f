"""`UtcDateTime`, the one timestamp type (issue 14, point 4): every timestamp column uses it; it
stores UTC without a zone and gives aware UTC datetimes back on SQLite and PostgreSQL (whatever the
session's time zone), also for values bound in SQL expressions and for aggregates; on SQL Server
it is DATETIME2(3) (compiled, SQL Server cannot run here)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, cast, func, select, text
from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateTable

from probe.store.schema import UtcDateTime, metadata

MSK = dt.timezone(dt.timedelta(hours=3))
INSTANT = dt.datetime(2026, 11, 22, 7, 0, 0, 250_000, tzinfo=dt.UTC)


def sample_table() -> Table:
    return Table(
        "utc_datetime_check",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("at", UtcDateTime(), nullable=True),
    )


def test_every_timestamp_column_is_utc_datetime() -> None:
    timestamps = [
        c for t in metadata.tables.values() for c in t.columns if isinstance(c.type, DateTime | UtcDateTime)
    ]
    assert len(timestamps) > 20
    assert [f"{c.table.name}.{c.name}" for c in timestamps if not isinstance(c.type, UtcDateTime)] == []


def test_values_go_in_as_utc_and_come_back_aware_utc(engine: Engine) -> None:
    table = sample_table()
    table.create(engine)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET TIME ZONE 'Asia/Tokyo'"))  # must not shift anything
            conn.execute(
                table.insert(),
                [
                    {"id": 1, "at": INSTANT},
                    {"id": 2, "at": INSTANT.astimezone(MSK) + dt.timedelta(minutes=1)},  # another zone
                    {"id": 3, "at": INSTANT.replace(tzinfo=None) + dt.timedelta(minutes=2)},  # naive: UTC
                    {"id": 4, "at": None},
                ],
            )
            rows = dict(conn.execute(select(table.c.id, table.c.at).order_by(table.c.id)).tuples().all())
            stored = conn.execute(select(cast(table.c.at, String)).where(table.c.id == 2)).scalar_one()
            # Bound through the column type: an aware bound of another zone compares as the instant.
            later = conn.execute(
                select(func.count()).where(table.c.at >= (INSTANT + dt.timedelta(minutes=1)).astimezone(MSK))
            ).scalar_one()
            newest = conn.execute(select(func.max(table.c.at))).scalar_one()
            exact = conn.execute(select(table.c.id).where(table.c.at == INSTANT)).scalar_one()
    finally:
        table.drop(engine)
    assert rows == {
        1: INSTANT,
        2: INSTANT + dt.timedelta(minutes=1),
        3: INSTANT + dt.timedelta(minutes=2),
        4: None,
    }
    assert all(v is None or v.tzinfo is dt.UTC for v in rows.values())
    assert stored.startswith("2026-11-22 07:01:00.25")  # UTC in the column, not Moscow time
    assert later == 2
    assert newest == INSTANT + dt.timedelta(minutes=2) and newest.tzinfo is dt.UTC
    assert exact == 1


def test_mssql_gets_datetime2_and_utc_literals() -> None:
    table = sample_table()
    dialect = mssql.dialect()
    assert "DATETIME2(3)" in str(CreateTable(table).compile(dialect=dialect))
    query = select(table.c.id).where(table.c.at >= INSTANT.astimezone(MSK))
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    assert "2026-11-22 07:00:00.250" in str(compiled)
    bound = query.compile(dialect=dialect)
    processors = bound._bind_processors  # the parameter goes through UtcDateTime
    (name,) = bound.params
    assert processors[name](INSTANT.astimezone(MSK)) == INSTANT.replace(tzinfo=None)


@pytest.mark.parametrize("value", [None, INSTANT])
def test_results_are_aware_utc(value: dt.datetime | None) -> None:
    result = UtcDateTime().process_result_value(
        None if value is None else value.replace(tzinfo=None), mssql.dialect()
    )
    assert result == value and (result is None or result.tzinfo is dt.UTC)
