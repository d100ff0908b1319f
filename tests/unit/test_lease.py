"""The lease of the active probe (probe.lease, issue 16): its statements compile for every dialect
(SQL Server cannot run here), and on SQLite and PostgreSQL one holder wins, a standby takes over
only after the lease expired by the database's clock, with the next epoch, and the old holder's
fenced transactions fail from then on."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import mssql, postgresql, sqlite

from probe.lease import (
    Lease,
    LeaseLost,
    db_seconds,
    fence_statement,
    read_lease,
    release_statement,
    renew_statement,
    take_statement,
)
from probe.store.schema import probe_lease, run_log

SECONDS = 0.6  # short, so the tests wait little; the service's default is 15 s


def _sql(statement: object, dialect: object) -> str:
    """The compiled text, its parameters as `?` whatever the dialect's style."""
    return re.sub(r"%\(\w+\)s|:\w+", "?", str(statement.compile(dialect=dialect)))  # type: ignore[attr-defined]


def test_the_statements_compile_for_sql_server_with_its_own_clock() -> None:
    dialect = mssql.dialect()  # type: ignore[no-untyped-call]
    take = _sql(take_statement("h:1:a", 15.0), dialect)
    assert take.startswith("UPDATE probe_lease SET holder=?, epoch=(probe_lease.epoch + ?)")
    assert "SYSUTCDATETIME()" in take and "WHERE probe_lease.name = ? AND probe_lease.expires_at <" in take
    renew = _sql(renew_statement("h:1:a", 3, 15.0), dialect)
    assert "WHERE probe_lease.name = ? AND probe_lease.holder = ? AND probe_lease.epoch = ?" in renew
    assert "SYSUTCDATETIME()" in renew
    assert "SET holder=?, expires_at=?" in _sql(release_statement("h:1:a", 3), dialect)
    # The fence on SQL Server: a no-op UPDATE whose row lock lasts to the commit.
    fence = _sql(fence_statement("mssql", "h:1:a", 3), dialect)
    assert fence.startswith("UPDATE probe_lease SET epoch=probe_lease.epoch WHERE")


def test_each_dialect_reads_the_database_clock() -> None:
    assert "clock_timestamp()" in _sql(select(db_seconds()), postgresql.dialect())  # type: ignore[no-untyped-call]
    assert "julianday('now')" in _sql(select(db_seconds()), sqlite.dialect())  # type: ignore[no-untyped-call]
    assert "FOR SHARE" in _sql(fence_statement("postgresql", "h", 1), postgresql.dialect())  # type: ignore[no-untyped-call]


def test_the_database_clock_is_seconds_since_1970(engine: Engine) -> None:
    with engine.connect() as conn:
        now = conn.execute(select(db_seconds())).scalar_one()
    assert abs(now - time.time()) < 2.0


def _fenced_insert(engine: Engine, lease: Lease) -> None:
    """Work of the active: one row, committed only under the lease."""
    import datetime as dt

    with engine.begin() as conn:
        lease.fence(conn)
        conn.execute(
            insert(run_log).values(
                test="T", at=dt.datetime(2026, 1, 1), historical=False, test_ok=True,
                origin=lease.holder, committed_at=dt.datetime(2026, 1, 1),
            )
        )  # fmt: skip


def _rows_by(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row.origin for row in conn.execute(select(run_log.c.origin).order_by(run_log.c.seq))]


def test_one_holder_then_a_takeover_with_the_next_epoch_fences_the_old_one(engine: Engine) -> None:
    first = Lease(engine, "host:1:a", SECONDS)
    second = Lease(engine, "host:2:b", SECONDS)
    assert first.step() is True and first.epoch == 1 and first.held()
    assert second.step() is False and second.epoch is None and second.holder_seen == "host:1:a"
    assert first.step() is True and first.epoch == 1  # a renewal keeps the epoch
    _fenced_insert(engine, first)
    with pytest.raises(LeaseLost):
        _fenced_insert(engine, second)  # a standby commits nothing
    # The first holder stalls (no renewal): the second one takes over once the lease expired.
    deadline = time.monotonic() + 5
    while not second.step():
        assert time.monotonic() < deadline, "no takeover"
        assert not first.held() or time.monotonic() < first.valid_until
        time.sleep(0.05)
    assert second.epoch == 2
    # By its own clock the old holder stopped counting on the lease before the takeover could happen.
    assert not first.held()
    # Even if its clock said otherwise (a stalled process whose check passed), the database fences it.
    first.valid_until = time.monotonic() + 60
    with pytest.raises(LeaseLost):
        _fenced_insert(engine, first)
    assert first.step() is False and first.epoch is None  # its renewal fails: it knows it lost
    # The new holder commits, renewing first as its keeper does: on a loaded machine the statements
    # above can outlast the 0.6 s lease by its own clock (then it refuses, and renews again).
    for attempt in range(3):
        assert second.step() is True and second.epoch == 2
        try:
            _fenced_insert(engine, second)
            break
        except LeaseLost:
            assert attempt < 2 and not second.held(), "the holder of the lease was fenced"
    assert _rows_by(engine) == ["host:1:a", "host:2:b"]
    assert second.step() is True
    with engine.connect() as conn:
        row = read_lease(conn)
    assert row is not None and (row.holder, row.epoch) == ("host:2:b", 2) and row.expires_in > 0


def test_a_released_lease_is_taken_at_once(engine: Engine) -> None:
    first = Lease(engine, "host:1:a", 30.0)
    second = Lease(engine, "host:2:b", 30.0)
    assert first.step() and not second.step()
    first.release()
    assert not first.held()
    assert second.step() and second.epoch == 2
    with engine.connect() as conn:
        assert conn.execute(select(probe_lease.c.holder)).scalar_one() == "host:2:b"
