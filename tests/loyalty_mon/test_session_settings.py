"""What LOYALTY_MON's count queries and the tests' read-only engine change in a PostgreSQL session
(no plain index scans, no sorting to group; no JIT) lasts only for their own transactions: the pooled connections they
used go back to the other users of the pool with the server's settings (issue 15)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text

from benchmarks.loyalty_mon import load_test_module
from probe.store.db import init_db, read_only_engine

LM = load_test_module()


def test_planner_settings_stay_inside_the_runs_transactions(pg_schema_url: str) -> None:
    engine = create_engine(pg_schema_url, pool_size=2, max_overflow=0)  # the same two connections
    try:
        init_db(engine)

        def settings() -> set[tuple[str, str, str]]:
            with engine.connect() as first, engine.connect() as second:
                return {
                    (str(conn.execute(text("SHOW enable_indexscan")).scalar()),
                     str(conn.execute(text("SHOW enable_sort")).scalar()),
                     str(conn.execute(text("SHOW jit")).scalar()))
                    for conn in (first, second)
                }  # fmt: skip

        before = settings()
        reader = read_only_engine(engine)
        with reader.begin() as conn:  # inside a run's read-only transaction: no JIT
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
        t0 = dt.datetime(2026, 11, 20, 7, 0)
        span = LM.Span(t0, t0 + dt.timedelta(minutes=10), t0 - dt.timedelta(hours=10), t0, 0, 0)
        # The count queries, on this connection and one more; committed, not rolled back (a
        # session-level SET would outlive a commit).
        with reader.begin() as conn:
            interval, increment = LM.count_span(conn, span)
        assert interval.keys == [] and increment.keys == []
        assert settings() == before
        assert all(indexscan == "on" and sort == "on" for indexscan, sort, _jit in before)
    finally:
        engine.dispose()
