"""Threshold tables stored once per distinct table (issue 16): `metric_values.threshold_id` refers
to a row of `threshold_tables` whose `body` is the JSON the engine used to store in every row.

The id is derived from the body (the first 63 bits of its SHA-256), so every process names a table
the same way without asking the database; storing a table that is already there is a no-op.
Readers select `THRESHOLDS` (the body, labelled `thresholds` as the old column was) from
`with_thresholds(...)`, the outer join that finds it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import FromClause

from probe.store.schema import metric_values, threshold_tables

# The stored body as the old `metric_values.thresholds` column was called, for readers.
THRESHOLDS = threshold_tables.c.body.label("thresholds")

_CHUNK = 1000  # SQL Server takes 2,100 parameters per statement


class ThresholdCollision(Exception):
    """Two different tables with the same 63-bit id (never expected; refused rather than mixed)."""


@lru_cache(maxsize=65536)
def threshold_id(body: str) -> int:
    """The id of a threshold table's JSON body: a positive 63-bit integer (BIGINT everywhere)."""
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def with_thresholds(source: FromClause | Any) -> Any:
    """`source` (something that contains `metric_values`) outer-joined to its threshold table."""
    return source.outerjoin(threshold_tables, threshold_tables.c.id == metric_values.c.threshold_id)


def store_tables(conn: Connection, bodies: Mapping[int, str]) -> None:
    """Make sure every (id, body) is in `threshold_tables`, inside the caller's transaction. Safe
    next to another process storing the same tables: PostgreSQL and SQLite insert with ON CONFLICT
    DO NOTHING; elsewhere a missing row is inserted after a look-up."""
    if not bodies:
        return
    ids = sorted(bodies)
    stored: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(threshold_tables.c.id, threshold_tables.c.body).where(threshold_tables.c.id.in_(chunk))
        stored.update({row.id: row.body for row in conn.execute(query)})
    for table_id, body in stored.items():
        if body != bodies[table_id]:
            raise ThresholdCollision(
                f"threshold tables {body!r} and {bodies[table_id]!r} share id {table_id}"
            )
    missing = [{"id": i, "body": bodies[i]} for i in ids if i not in stored]
    if not missing:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(threshold_tables).on_conflict_do_nothing(index_elements=["id"]), missing)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(threshold_tables).on_conflict_do_nothing(index_elements=["id"]), missing)
    else:
        conn.execute(threshold_tables.insert(), missing)


def stored_id(conn: Connection, body: str | None) -> int | None:
    """The id of one threshold table's JSON body, stored if new (None for no table)."""
    if body is None:
        return None
    table_id = threshold_id(body)
    store_tables(conn, {table_id: body})
    return table_id
