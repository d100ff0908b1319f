"""`prolan-probe history status`: how big the history is and how far back it goes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from probe.history.housekeeper import BOUNDED, PASS, ROLLED, _mark
from probe.store import partitions
from probe.store.schema import metric_trends, metric_values, threshold_tables

# Every table the status reports, in this order: raw values, trends, threshold tables, the
# other per-run tables bounded by keep_days.
TABLES = ("metric_values", "metric_trends", "threshold_tables", *(name for name, _ in BOUNDED))


@dataclass(frozen=True)
class TableSize:
    name: str
    rows: int
    bytes: int | None  # None where the database cannot tell
    estimated: bool  # PostgreSQL: rows from the planner's statistics (a count of billions is slow)


@dataclass
class HistoryStatus:
    tables: list[TableSize] = field(default_factory=list)
    oldest_raw: dt.datetime | None = None
    newest_raw: dt.datetime | None = None
    oldest_trend: dt.datetime | None = None
    newest_trend: dt.datetime | None = None
    rolled_until: dt.datetime | None = None
    last_pass: dt.datetime | None = None
    partitions: int | None = None  # PostgreSQL: day partitions of metric_values
    distinct_tables: int = 0


def _size(conn: Connection, name: str) -> TableSize:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # A partitioned table's size and estimate are its partitions' (and their own) sums.
        row = conn.execute(
            text(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS bytes, "
                "COALESCE(SUM(GREATEST(c.reltuples, 0)), 0) AS rows FROM pg_class c "
                "WHERE c.oid = to_regclass(:name) OR c.oid IN "
                "(SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(:name))"
            ),
            {"name": name},
        ).one()
        rows = int(row.rows)
        if rows < 1_000_000:  # small: count exactly (statistics may be missing before ANALYZE)
            return TableSize(
                name,
                int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0),
                int(row.bytes),
                False,
            )
        return TableSize(name, rows, int(row.bytes), True)
    count = int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0)
    size: int | None = None
    if dialect == "sqlite":
        try:
            size = conn.execute(
                text("SELECT SUM(pgsize) FROM dbstat WHERE name = :name OR tbl_name = :name"),
                {"name": name},
            ).scalar()
        except SQLAlchemyError:  # SQLite built without the dbstat table
            size = None
    return TableSize(name, count, None if size is None else int(size), False)


def history_status(engine: Engine) -> HistoryStatus:
    status = HistoryStatus()
    with engine.connect() as conn:
        status.tables = [_size(conn, name) for name in TABLES]
        status.oldest_raw, status.newest_raw = conn.execute(
            select(func.min(metric_values.c.at), func.max(metric_values.c.at))
        ).one()
        status.oldest_trend, status.newest_trend = conn.execute(
            select(func.min(metric_trends.c.hour), func.max(metric_trends.c.hour))
        ).one()
        status.rolled_until = _mark(conn, ROLLED)
        status.last_pass = _mark(conn, PASS)
        status.distinct_tables = int(
            conn.execute(select(func.count()).select_from(threshold_tables)).scalar() or 0
        )
        if conn.dialect.name == "postgresql" and partitions.is_partitioned(conn):
            status.partitions = len(partitions.day_partitions(conn))
    return status
