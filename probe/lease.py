"""One active probe service per aggregator, the others hot standbys (issue 16).

The lease is one row of `probe_lease` in the aggregator. The active service renews it every third
of `[ha] lease_seconds`; a standby tries to take it every third too, and wins only once it has
expired. Every statement is a conditional UPDATE whose row count says who won, so the database
decides, whatever the number of contenders, on SQLite, PostgreSQL and SQL Server alike:

* take:    SET holder = me, epoch = epoch + 1, expires_at = now + L  WHERE expires_at < now
* renew:   SET expires_at = now + L  WHERE holder = me AND epoch = mine
* release: SET holder = NULL, expires_at = 0  WHERE holder = me AND epoch = mine (a clean stop:
  a standby takes over at its next attempt instead of after the lease)

`now` is the database's clock (`db_seconds()`, compiled per dialect), never a client's: the
contenders' clocks need not agree. The holder itself counts on its own monotonic clock, from the
moment it *sent* a renewal that then succeeded: the database set the expiry at least L after that
moment, and its clock runs at the rate of ours, so the holder's `valid_until` = sent + L − margin
ends before any standby can take the lease. Past it the holder stops acting (evaluating, sending)
even when it cannot reach the database to learn more.

A holder that was stalled (SIGSTOP, a long pause) can wake up in the middle of work it started
while it still held the lease. That is what the epoch — the fencing token — is for: `fence(conn)`
is called inside the transaction that commits the work (the evaluator's history transaction, the
notifier's queueing and its claim of an outbox message) and fails it unless the row still names
this holder and epoch. On PostgreSQL it reads the row `FOR SHARE`, so a takeover waits for that
transaction to end (and then sees what it committed); elsewhere it is a no-op UPDATE of the row
(SQLite has one writer at a time anyway; SQL Server holds the row's lock to the commit). A work
unit committed under epoch E is thus ordered before the takeover that makes epoch E+1, and every
one tried after it fails: no interval is evaluated twice, no message is claimed twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from probe.store.schema import probe_lease
from probe.store.sqltime import db_seconds

log = logging.getLogger(__name__)

LEASE_NAME = "probe"
ACTIVE = "active"
STANDBY = "standby"


class LeaseLost(Exception):
    """The work's transaction is not committed: this process no longer holds the lease."""


# --- the statements (compiled for every dialect in tests/unit/test_lease.py) --------------------


def take_statement(holder: str, seconds: float, name: str = LEASE_NAME) -> Any:
    now = db_seconds()
    return (
        update(probe_lease)
        .where(probe_lease.c.name == name, probe_lease.c.expires_at < now)
        .values(holder=holder, epoch=probe_lease.c.epoch + 1, expires_at=now + seconds, renewed_at=now)
    )


def renew_statement(holder: str, epoch: int, seconds: float, name: str = LEASE_NAME) -> Any:
    now = db_seconds()
    return (
        update(probe_lease)
        .where(probe_lease.c.name == name, probe_lease.c.holder == holder, probe_lease.c.epoch == epoch)
        .values(expires_at=now + seconds, renewed_at=now)
    )


def release_statement(holder: str, epoch: int, name: str = LEASE_NAME) -> Any:
    return (
        update(probe_lease)
        .where(probe_lease.c.name == name, probe_lease.c.holder == holder, probe_lease.c.epoch == epoch)
        .values(holder=None, expires_at=0.0)
    )


def fence_statement(dialect: str, holder: str, epoch: int, name: str = LEASE_NAME) -> Any:
    """PostgreSQL: the row FOR SHARE (a takeover waits for the transaction); elsewhere a no-op
    UPDATE of the row (its write lock is held to the commit). Either finds the row or not."""
    mine = (probe_lease.c.name == name, probe_lease.c.holder == holder, probe_lease.c.epoch == epoch)
    if dialect == "postgresql":
        return select(probe_lease.c.epoch).where(*mine).with_for_update(read=True)
    return update(probe_lease).where(*mine).values(epoch=probe_lease.c.epoch)


def fence_check(conn: Connection, holder: str, epoch: int, name: str = LEASE_NAME) -> None:
    statement = fence_statement(conn.dialect.name, holder, epoch, name)
    result = conn.execute(statement)
    held = result.first() is not None if conn.dialect.name == "postgresql" else result.rowcount == 1
    if not held:
        raise LeaseLost(f"lease epoch {epoch} is no longer held by {holder}")


@dataclass(frozen=True)
class LeaseRow:
    holder: str | None
    epoch: int
    expires_in: float  # seconds, by the database's clock (negative: expired)


def read_lease(conn: Connection, name: str = LEASE_NAME) -> LeaseRow | None:
    row = conn.execute(
        select(probe_lease.c.holder, probe_lease.c.epoch, probe_lease.c.expires_at - db_seconds()).where(
            probe_lease.c.name == name
        )
    ).first()
    return None if row is None else LeaseRow(row[0], int(row[1]), float(row[2]))


def ensure_row(engine: Engine, name: str = LEASE_NAME) -> None:
    """The lease row exists (expired, held by no one) before anyone tries to take it."""
    with engine.connect() as conn:
        if conn.execute(select(probe_lease.c.name).where(probe_lease.c.name == name)).first() is not None:
            return
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(probe_lease).values(name=name, holder=None, epoch=0, expires_at=0.0, renewed_at=0.0)
            )
    except IntegrityError:
        pass  # another process inserted it meanwhile


class Lease:
    """This process's view of the lease: `step()` renews it (or tries to take it) — blocking, call
    it from a thread — and `fence(conn)` guards a transaction that commits work of the active."""

    def __init__(
        self,
        engine: Engine,
        holder: str,
        seconds: float,
        *,
        name: str = LEASE_NAME,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.seconds = seconds
        self.name = name
        self.clock = clock
        # Local safety margin for clock rates and the time between our send and the server's read.
        self.margin = max(0.2, 0.1 * seconds)
        self.epoch: int | None = None  # the epoch held, None when not holding
        self.seen_epoch: int = 0  # the epoch of the row as last read (whoever holds it)
        self.holder_seen: str | None = None
        self.valid_until = 0.0  # monotonic
        self._row_ready = False

    @property
    def renew_every(self) -> float:
        return self.seconds / 3

    def held(self) -> bool:
        """Holds the lease now, by the local clock (the database may know better: `fence`)."""
        return self.epoch is not None and self.clock() < self.valid_until

    def step(self) -> bool:
        """Renew the lease, or try to take it; True when held afterwards. Database errors
        propagate (the caller decides; `held()` runs out by itself)."""
        if not self._row_ready:
            ensure_row(self.engine, self.name)
            self._row_ready = True
        sent = self.clock()
        with self.engine.begin() as conn:
            if self.epoch is not None:
                won = (
                    conn.execute(renew_statement(self.holder, self.epoch, self.seconds, self.name)).rowcount
                    == 1
                )
            else:
                won = conn.execute(take_statement(self.holder, self.seconds, self.name)).rowcount == 1
            row = read_lease(conn, self.name)
        if row is not None:
            self.seen_epoch, self.holder_seen = row.epoch, row.holder
        if won and row is not None and row.holder == self.holder:
            self.epoch = row.epoch
            self.valid_until = sent + self.seconds - self.margin
            return True
        self.epoch = None
        self.valid_until = 0.0
        return False

    def drop(self) -> None:
        """Stop counting on the lease (locally): after a failed renewal or when it ran out."""
        self.epoch = None
        self.valid_until = 0.0

    def release(self) -> None:
        """A clean stop: give the lease up so that a standby takes over at once."""
        epoch = self.epoch
        self.drop()
        if epoch is not None:
            with self.engine.begin() as conn:
                conn.execute(release_statement(self.holder, epoch, self.name))

    def fence(self, conn: Connection) -> None:
        """Inside a transaction that commits work of the active: raises LeaseLost unless this
        process holds the lease, by its own clock and by the database's row."""
        epoch = self.epoch
        if epoch is None or not self.held():
            raise LeaseLost(f"{self.holder} does not hold the lease (now epoch {self.seen_epoch})")
        fence_check(conn, self.holder, epoch, self.name)


__all__ = [
    "ACTIVE",
    "LEASE_NAME",
    "STANDBY",
    "Lease",
    "LeaseLost",
    "LeaseRow",
    "db_seconds",
    "ensure_row",
    "fence_check",
    "read_lease",
]
