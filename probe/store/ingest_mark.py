"""The ingestion watermark: how far the presses stored so far go, in the order they were stored.

`presses.id` numbers presses in the order they were inserted. Incremental evaluation tests
(LOYALTY_MON's day totals) advance by it, never by `pressed_at`, so a press stored late (a CSV
import of today, a concentrator's late batch, the ingest spool draining after an outage) is
counted by the next run whatever its time.

The number is only a watermark if no press with a lower id can still appear. SQLite has one
writer at a time, so ids are given in commit order and the highest committed id is one. On
PostgreSQL (and SQL Server) ids come from a sequence when a row is inserted, not when it commits:
a long import may commit id 100 after a quick ingest commit of id 101. `stored_through` therefore
takes the table's SHARE lock for an instant: it waits until every transaction that is inserting
presses has committed or rolled back and holds new ones back while it reads the maximum. Every id
at or below the result is then committed for good (rolled-back ids never appear).
"""

from __future__ import annotations

from sqlalchemy import Select, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from probe.store.schema import presses

LOCK_NOT_AVAILABLE = "55P03"


def max_id_query(dialect: str) -> Select[tuple[int | None]]:
    """The highest stored press id; on SQL Server with a shared table lock held to the end of the
    transaction (the same wait for in-flight inserts as PostgreSQL's LOCK TABLE below)."""
    query = select(func.max(presses.c.id))
    if dialect == "mssql":
        query = query.with_hint(presses, "WITH (TABLOCK, HOLDLOCK)", "mssql")
    return query


def stored_through(engine: Engine, *, lock_timeout_seconds: float = 5.0) -> int | None:
    """The ingestion watermark now (0 when there are no presses), or None when PostgreSQL could
    not get the lock in time (a very long import transaction): the caller then keeps its previous
    watermark, and the presses are counted by a later run."""
    dialect = engine.dialect.name
    try:
        with engine.begin() as conn:
            if dialect == "postgresql":
                _lock_presses(conn, lock_timeout_seconds)
            value = conn.execute(max_id_query(dialect)).scalar()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return None
        raise
    return int(value or 0)


def _lock_presses(conn: Connection, lock_timeout_seconds: float) -> None:
    milliseconds = max(1, int(lock_timeout_seconds * 1000))
    conn.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
    conn.execute(text(f"LOCK TABLE {presses.name} IN SHARE MODE"))
