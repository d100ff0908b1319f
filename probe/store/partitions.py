"""PostgreSQL: `metric_values` partitioned by UTC day (native declarative partitioning, issue 16),
so the history housekeeper drops a day instead of deleting its rows.

One partition per day, `metric_values_pYYYYMMDD` for [day, day + 1), created ahead (today and
the next `ahead` days) by `db init` and by the housekeeper; a DEFAULT partition takes any value of
a day without its own partition (an `evaluate --at` far in the past), and is pruned by DELETE.
`db init` converts a table created unpartitioned by an older version, keeping every row.
All DDL takes one advisory lock, so several probes maintaining one aggregator never collide.
Other dialects have no partitions: these functions are PostgreSQL-only."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLE = "metric_values"
DEFAULT = f"{TABLE}_default"
_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")
# pg_advisory_xact_lock key of partition DDL (any constant unique to this use).
LOCK_KEY = 0x50524F4C  # "PROL"
# Days created ahead of today by `db init` (the housekeeper uses `[history] partitions_ahead_days`).
AHEAD_DAYS = 3


@dataclass(frozen=True)
class Partition:
    name: str
    day: dt.date  # the UTC day it holds: [day 00:00, next day 00:00)


def partition_name(day: dt.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def lock(conn: Connection) -> None:
    """Serialise partition DDL between processes (released at the end of the transaction)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def is_partitioned(conn: Connection) -> bool:
    kind = conn.execute(
        text("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(:name)"), {"name": TABLE}
    ).scalar()
    return kind == "p"


def day_partitions(conn: Connection) -> list[Partition]:
    """The day partitions of `metric_values`, oldest first (the DEFAULT partition is not one)."""
    names = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:name)"
        ),
        {"name": TABLE},
    ).scalars()
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            found.append(Partition(name, dt.datetime.strptime(match.group(1), "%Y%m%d").date()))
    return sorted(found, key=lambda p: p.day)


def _bounds(day: dt.date) -> tuple[str, str]:
    return f"{day:%Y-%m-%d} 00:00:00", f"{day + dt.timedelta(days=1):%Y-%m-%d} 00:00:00"


def ensure_default(conn: Connection) -> None:
    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {DEFAULT} PARTITION OF {TABLE} DEFAULT"))


def create_day(conn: Connection, day: dt.date) -> bool:
    """The partition of `day` (idempotent; call under `lock`). Rows of that day already in the
    DEFAULT partition are moved into it. True when it was created now."""
    name = partition_name(day)
    if conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
        return False
    start, end = _bounds(day)
    stray = conn.execute(
        text(f"SELECT 1 FROM {DEFAULT} WHERE at >= :start AND at < :end LIMIT 1"),
        {"start": start, "end": end},
    ).first()
    if stray is None:
        conn.execute(
            text(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM ('{start}') TO ('{end}')")
        )
        return True
    # Attaching a range the DEFAULT partition holds rows of fails: move them first.
    conn.execute(text(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    conn.execute(
        text(f"INSERT INTO {name} SELECT * FROM {DEFAULT} WHERE at >= :start AND at < :end"),
        {"start": start, "end": end},
    )
    conn.execute(
        text(f"DELETE FROM {DEFAULT} WHERE at >= :start AND at < :end"), {"start": start, "end": end}
    )
    conn.execute(
        text(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')")
    )
    return True


def ensure_ahead(conn: Connection, today: dt.date, ahead: int) -> list[str]:
    """Partitions for today and the next `ahead` days (under the advisory lock). Returns those
    created now."""
    lock(conn)
    ensure_default(conn)
    created = []
    for offset in range(ahead + 1):
        day = today + dt.timedelta(days=offset)
        if create_day(conn, day):
            created.append(partition_name(day))
    return created


def drop_before(conn: Connection, cutoff: dt.date) -> list[Partition]:
    """Drop the day partitions of days before `cutoff` (under the advisory lock)."""
    lock(conn)
    dropped = []
    for partition in day_partitions(conn):
        if partition.day < cutoff:
            conn.execute(text(f"DROP TABLE IF EXISTS {partition.name}"))
            dropped.append(partition)
    return dropped


def convert(conn: Connection, today: dt.date, ahead: int) -> int:
    """Turn an unpartitioned `metric_values` (an older version's) into the partitioned table,
    keeping every row, in the caller's transaction. Returns the number of rows moved."""
    lock(conn)
    old = f"{TABLE}_unpartitioned"
    conn.execute(text(f"ALTER TABLE {TABLE} RENAME TO {old}"))
    # The old table's index and key keep their names: free them for the new table.
    conn.execute(text("DROP INDEX IF EXISTS ix_metric_values_at"))
    conn.execute(text(f"ALTER TABLE {old} DROP CONSTRAINT IF EXISTS pk_metric_values"))
    from probe.store.schema import metric_values

    metric_values.create(conn)
    ensure_default(conn)
    days = conn.execute(text(f"SELECT DISTINCT CAST(at AS DATE) FROM {old}")).scalars().all()
    for day in sorted(days):
        create_day(conn, day)
    ensure_ahead(conn, today, ahead)
    columns = ", ".join(c.name for c in metric_values.columns)
    moved = conn.execute(text(f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {old}")).rowcount
    conn.execute(text(f"DROP TABLE {old}"))
    return int(moved or 0)
