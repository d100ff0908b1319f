"""Following what other processes store: the aggregator is the one source of truth.

Every stored run is announced in `run_log` (in the run's own transaction). The service component
here reads the runs it has not seen — stored by `prolan-probe evaluate`, `backfill`, or another
probe — loads their values and publishes them into the service's snapshot hub exactly as its own
evaluations are published. So the SNMP agent, its traps, the notifier and (through SNMP) the console
of the running service show every committed result, and what a result triggers is sent once, by
the service. On PostgreSQL a run's transaction also sends NOTIFY, which wakes the follower at once;
otherwise (SQLite, SQL Server) it polls every `[tests] follow_seconds`.

Sequence numbers are given when a row is inserted, not when it commits, so a run may commit with
a number below one already read. The follower remembers such holes and looks for them again for
`GAP_SECONDS` (a hole left by a rolled-back transaction simply expires).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from probe import memory
from probe.engine.history import RUNS_CHANNEL
from probe.snapshot import Evaluation, SnapshotHub, TestState
from probe.store.current import run_states
from probe.store.schema import run_log, test_runs

if TYPE_CHECKING:
    from probe.service import Runtime

log = logging.getLogger(__name__)

# Start order among the service components (probe.service): after every consumer of the hub
# (SNMP 10, notifier 20, ...), before the scheduler (90).
ORDER = 80
POLL_SECONDS = 5.0
GAP_SECONDS = 120.0
BATCH = 200


@dataclass(frozen=True)
class RunRecord:
    seq: int
    test: str
    at: dt.datetime  # aware UTC
    historical: bool
    test_ok: bool
    origin: str


class RunFollower:
    """Publishes the runs other processes store into `hub` (the blocking parts run in threads)."""

    def __init__(self, engine: Engine, hub: SnapshotHub, own_origin: str, *, since: dt.datetime) -> None:
        self.engine = engine
        self.hub = hub
        self.own_origin = own_origin
        self.last_seq: int | None = None
        self.since = since  # runs committed after this are (re)applied at start: idempotent
        self.gaps: dict[int, float] = {}  # missing seq -> monotonic time first noticed
        self.applied = 0

    def poll(self) -> list[Evaluation]:
        """Read and publish every run not seen yet; returns what was published."""
        records = self._new_records()
        published = []
        for record in records:
            with memory.run_in_progress():  # a followed run publishes as much as an evaluation
                evaluation = self.apply(record)
            if evaluation is not None:
                published.append(evaluation)
        if records:
            memory.reclaim_if_due()  # a standby has no scheduler to offer it (probe.memory)
        return published

    def _new_records(self) -> list[RunRecord]:
        now = time.monotonic()
        self.gaps = {seq: first for seq, first in self.gaps.items() if now - first < GAP_SECONDS}
        with self.engine.connect() as conn:
            if self.last_seq is None:
                # First poll: everything committed since the snapshot was loaded (it may predate
                # some of them), then onwards from the newest.
                query = select(run_log).where(run_log.c.committed_at >= _naive(self.since))
                top = conn.execute(select(func.max(run_log.c.seq))).scalar()
                rows = conn.execute(query.order_by(run_log.c.seq)).all()
                self.last_seq = int(top or 0)
            else:
                condition = run_log.c.seq > self.last_seq
                if self.gaps:
                    condition = or_(condition, run_log.c.seq.in_(sorted(self.gaps)[:BATCH]))
                rows = conn.execute(select(run_log).where(condition).order_by(run_log.c.seq)).all()
        records = []
        for row in rows:
            seq = int(row.seq)
            if seq > self.last_seq:
                self.gaps.update(dict.fromkeys(range(self.last_seq + 1, seq), now))
                self.last_seq = seq
            self.gaps.pop(seq, None)
            records.append(
                RunRecord(seq, row.test, _aware(row.at), bool(row.historical), bool(row.test_ok), row.origin)
            )
        return records

    def apply(self, record: RunRecord) -> Evaluation | None:
        if record.origin == self.own_origin:
            return None  # this process published it when it stored it
        with self.engine.connect() as conn:
            states = run_states(conn, record.test, record.at)
            run = conn.execute(
                select(test_runs).where(test_runs.c.test == record.test, test_runs.c.at == _naive(record.at))
            ).first()
        if run is None:
            return None  # replaced since (the same interval evaluated again): its own record follows
        current = self.hub.current
        known = next((t for t in current.tests if t.name == record.test), None)
        newest = known.last_run if known is not None else None
        # A backfill is history. A run of an interval before the newest one published (e.g.
        # `evaluate --at` of yesterday) is past: not the current state (no traps), but the
        # notifier's incidents see it (they ignore samples older than what they processed).
        historical = record.historical
        past = newest is not None and record.at < newest
        test_state = None
        if newest is None or record.at >= newest:
            test_state = TestState(
                name=record.test,
                description=known.description if known else "",
                schedule=known.schedule if known else "",
                last_run=record.at,
                duration_seconds=float(run.duration_seconds),
                ok=bool(run.ok),
                last_error=run.error or "",
            )
        evaluation = self.hub.publish_run(
            test=record.test,
            at=record.at,
            states=states,
            test_state=test_state,
            database_ok=True,
            test_ok=bool(run.ok),
            historical=historical,
            only_newer=True,
            past=past and not historical,
        )
        self.applied += 1
        # DEBUG: the service's log has one line per run it evaluates itself (probe.engine); these
        # runs were logged by the process that made them.
        log.debug(
            "run of %s for %s stored by %s: %d value(s) published%s",
            record.test,
            record.at,
            record.origin,
            len(evaluation.metrics),
            " (history)" if historical else (" (a past interval)" if past else ""),
        )
        return evaluation


class FollowerService:
    """The service component: polls on a timer, and on PostgreSQL also when NOTIFY arrives."""

    def __init__(self, follower: RunFollower, poll_seconds: float) -> None:
        self.follower = follower
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._task = asyncio.create_task(self._run(), name="run-follower")

    def start_listening(self) -> None:
        if self.follower.engine.dialect.name != "postgresql":
            return
        self._listener = threading.Thread(target=self._listen, name="run-follower-listen", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        """LISTEN on its own connection; every notification wakes the poll loop. Reconnects after
        a database outage (the poll timer keeps working meanwhile)."""
        while not self._stop.is_set():
            try:
                raw = self.follower.engine.raw_connection()
                try:
                    driver: Any = raw.driver_connection
                    driver.autocommit = True
                    driver.execute(f"LISTEN {RUNS_CHANNEL}")
                    while not self._stop.is_set():
                        for _ in driver.notifies(timeout=1.0, stop_after=1):
                            self.loop.call_soon_threadsafe(self.wake.set)
                finally:
                    with contextlib.suppress(Exception):
                        raw.invalidate()  # a LISTENing session must not go back to the pool
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.debug("run follower: LISTEN failed (%s); polling only, retrying in 5 s", exc)
                self._stop.wait(5.0)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.to_thread(self.follower.poll)
            except SQLAlchemyError as exc:
                log.warning("run follower: cannot read the runs stored by others: %s", exc.__class__.__name__)
            except Exception:  # keep following whatever one run does
                log.exception("run follower: a stored run could not be published")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)

    async def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(self._task, timeout=3)


async def start(runtime: Runtime) -> FollowerService | None:
    """Service component: follow the runs other processes store."""
    evaluator = runtime.evaluator
    origin = evaluator.origin if evaluator is not None else ""
    follower = RunFollower(
        runtime.engine, runtime.hub, origin, since=runtime.started_at - dt.timedelta(seconds=5)
    )
    service = FollowerService(follower, runtime.config.tests.follow_seconds)
    service.start_listening()
    runtime.follower = follower  # the heartbeat reports how far it has followed
    return service


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


__all__: Sequence[str] = ["FollowerService", "RunFollower", "RunRecord", "start"]
