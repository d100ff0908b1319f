"""The scheduler's clock alignment (pure) and its timing with a recording evaluator.

The timing tests use intervals of a few seconds (the fake evaluator reports fractions of a minute)
so that real APScheduler jobs in a real event loop can be watched over several boundaries quickly.
The catch-up against the real engine is in tests/integration/test_service.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from probe import memory
from probe.scheduler import AlignedTrigger, TestScheduler, due_ends, next_boundary
from probe.snapshot import Evaluation

MOSCOW = ZoneInfo("Europe/Moscow")
TEN = dt.timedelta(minutes=10)


def local(tz: ZoneInfo, *args: int) -> dt.datetime:
    """A local wall-clock time as an instant in UTC (the scheduler works in UTC)."""
    return dt.datetime(*args, tzinfo=tz).astimezone(dt.UTC)  # type: ignore[misc]


def epoch_aligned(step: dt.timedelta) -> Callable[[dt.datetime], dt.datetime]:
    """Boundaries every `step` since the epoch: the local clock's in Moscow (UTC+3, no DST) for
    steps that divide an hour. The real engine's DST-aware boundaries are used in
    tests/integration/test_service.py."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def at_or_before(at: dt.datetime) -> dt.datetime:
        return epoch + (at - epoch) // step * step

    return at_or_before


# --- alignment helpers ----------------------------------------------------------------------------


def test_next_boundary_and_due_ends() -> None:
    ten = epoch_aligned(TEN)
    at = local(MOSCOW, 2026, 11, 22, 10, 7, 31)
    assert next_boundary(ten, at, TEN) == local(MOSCOW, 2026, 11, 22, 10, 10)
    b = local(MOSCOW, 2026, 11, 22, 10, 10)
    assert next_boundary(ten, b, TEN) == local(MOSCOW, 2026, 11, 22, 10, 20)

    due = local(MOSCOW, 2026, 11, 22, 12, 0)
    assert due_ends(ten, None, due, 144) == [due]  # never ran: nothing missed
    assert due_ends(ten, due, due, 144) == []
    last = local(MOSCOW, 2026, 11, 22, 11, 0)
    assert due_ends(ten, last, due, 144) == [last + TEN * i for i in range(1, 7)]
    assert due_ends(ten, last, due, 2) == [due - 2 * TEN, due - TEN, due]
    assert due_ends(ten, last, due, 0) == [due]


def test_trigger_fires_grace_after_each_boundary() -> None:
    trigger = AlignedTrigger(epoch_aligned(TEN), TEN, dt.timedelta(seconds=20))
    b = local(MOSCOW, 2026, 11, 22, 10, 10)
    assert trigger.get_next_fire_time(None, b) == b + dt.timedelta(seconds=20)  # presses may still arrive
    assert trigger.get_next_fire_time(None, b + dt.timedelta(seconds=19)) == b + dt.timedelta(seconds=20)
    after = trigger.get_next_fire_time(b + dt.timedelta(seconds=20), b + dt.timedelta(seconds=20))
    assert after == b + TEN + dt.timedelta(seconds=20)


# --- timing with a recording evaluator ------------------------------------------------------------


@dataclass
class Call:
    name: str
    end: dt.datetime
    historical: bool
    started: float  # time.time()
    thread: int
    stored: bool = False


@dataclass
class RecordingEvaluator:
    """Implements the scheduler's side of the Evaluator contract and records every call."""

    interval_seconds: dict[str, float]
    sleep_seconds: dict[str, float] = field(default_factory=dict)
    stored_end: dict[str, dt.datetime] = field(default_factory=dict)
    database_down: bool = False
    lookups_failing: int = 0  # the next look-ups of where history ends that fail
    calls: list[Call] = field(default_factory=list)
    active: dict[str, int] = field(default_factory=dict)
    max_active: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enabled_tests(self) -> list[str]:
        return list(self.interval_seconds)

    def interval_minutes(self, name: str) -> float:
        return self.interval_seconds[name] / 60

    def boundary_at_or_before(self, name: str, at: dt.datetime) -> dt.datetime:
        return epoch_aligned(dt.timedelta(seconds=self.interval_seconds[name]))(at)

    def last_evaluated_end(self, name: str, before: dt.datetime | None = None) -> dt.datetime | None:
        if self.database_down or self.lookups_failing:
            self.lookups_failing = max(0, self.lookups_failing - 1)
            raise ConnectionError("the aggregator database is unavailable")
        stored = [self.stored_end[name]] if name in self.stored_end else []
        stored += [c.end for c in self.of(name) if c.stored]
        return max((end for end in stored if before is None or end < before), default=None)

    def evaluate(self, name: str, end: dt.datetime, *, historical: bool = False) -> Evaluation:
        with self.lock:
            self.calls.append(Call(name, end, historical, time.time(), threading.get_ident()))
            call = self.calls[-1]
            self.active[name] = self.active.get(name, 0) + 1
            self.max_active[name] = max(self.max_active.get(name, 0), self.active[name])
        try:
            time.sleep(self.sleep_seconds.get(name, 0.0))
        finally:
            with self.lock:
                self.active[name] -= 1
        if not self.database_down:
            call.stored = True
        return Evaluation(
            test=name, at=end, metrics=(), database_ok=not self.database_down, historical=historical
        )

    def of(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.name == name]


async def heartbeat(stop: asyncio.Event, gaps: list[float]) -> None:
    last = time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(0.02)
        now = time.monotonic()
        gaps.append(now - last)
        last = now


async def run_for(scheduler: TestScheduler, seconds: float) -> list[float]:
    stop, gaps = asyncio.Event(), []  # type: ignore[var-annotated]
    beat = asyncio.create_task(heartbeat(stop, gaps))
    scheduler.start()
    await asyncio.sleep(seconds)
    await scheduler.stop()
    stop.set()
    await beat
    return gaps


async def test_runs_grace_after_each_aligned_boundary() -> None:
    evaluator = RecordingEvaluator({"TICK": 2.0})
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=0.6, catch_up_intervals=0)
    await run_for(scheduler, 6.5)
    calls = evaluator.of("TICK")
    assert len(calls) >= 3
    step = dt.timedelta(seconds=2)
    for call in calls:
        assert call.end.timestamp() % 2 == 0
        # never before the grace period of its boundary has passed
        assert call.started >= call.end.timestamp() + 0.6 - 0.01
    for call in calls[1:]:  # the scheduled runs (the first is the start-up run)
        assert call.started - call.end.timestamp() < 0.6 + 0.9, "ran late"
        assert not call.historical
    ends = [c.end for c in calls]
    assert all(b - a == step for a, b in itertools.pairwise(ends)), ends


async def test_slow_test_delays_neither_the_loop_nor_another_test() -> None:
    evaluator = RecordingEvaluator({"FAST": 1.0, "SLOW": 1.0}, sleep_seconds={"SLOW": 2.5})
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=0.1, catch_up_intervals=10)
    gaps = await run_for(scheduler, 5.2)
    fast, slow = evaluator.of("FAST"), evaluator.of("SLOW")
    assert len(fast) >= 4
    for call in fast[1:]:
        assert call.started - call.end.timestamp() < 0.1 + 1.0, "FAST waited for SLOW"
    assert max(gaps) < 1.0, "the event loop was blocked"
    assert all(c.thread != threading.get_ident() for c in evaluator.calls), "evaluate ran on the loop thread"
    assert evaluator.max_active["SLOW"] == 1, "two runs of one test at once"
    # SLOW was busy over some boundaries: its next run caught them up, in order, as history
    assert any(c.historical for c in slow), [(c.end, c.historical) for c in slow]
    slow_ends = [c.end for c in slow]
    assert slow_ends == sorted(slow_ends) and len(set(slow_ends)) == len(slow_ends)
    assert all(b - a == dt.timedelta(seconds=1) for a, b in itertools.pairwise(slow_ends))


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def test_catch_up_after_downtime_and_after_a_database_outage() -> None:
    start = local(MOSCOW, 2026, 11, 22, 12, 0, 25)
    clock = FakeClock(start)
    evaluator = RecordingEvaluator({"LOYALTY_MON": 600.0})
    evaluator.stored_end["LOYALTY_MON"] = local(MOSCOW, 2026, 11, 22, 11, 20)  # probe was down since
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=20, catch_up_intervals=3, clock=clock)

    done = await scheduler.run_due("LOYALTY_MON")
    noon = local(MOSCOW, 2026, 11, 22, 12, 0)
    # four missed (11:30..12:00 minus the due one), limited to the last three, then the due one live
    assert [(e.at, e.historical) for e in done] == [
        (noon - 3 * TEN, True),
        (noon - 2 * TEN, True),
        (noon - TEN, True),
        (noon, False),
    ]
    assert await scheduler.run_due("LOYALTY_MON") == []  # nothing due twice

    # The database goes away for two intervals: those runs are not stored ...
    evaluator.database_down = True
    for minutes in (10, 20):
        clock.now = start + dt.timedelta(minutes=minutes)
        assert [e.at for e in await scheduler.run_due("LOYALTY_MON")] == [
            noon + dt.timedelta(minutes=minutes)
        ]
    # ... and once it is back, the next run fills the hole from where history really ends.
    evaluator.database_down = False
    clock.now = start + dt.timedelta(minutes=30)
    done = await scheduler.run_due("LOYALTY_MON")
    assert [(e.at, e.historical) for e in done] == [
        (noon + TEN, True),
        (noon + 2 * TEN, True),
        (noon + 3 * TEN, False),
    ]


async def test_history_that_cannot_be_read_is_not_taken_for_none() -> None:
    """The database blinks just as the probe starts: where history ends cannot be read, the due
    interval still runs (and is stored), and the next run fills the hole before it."""
    start = local(MOSCOW, 2026, 11, 22, 12, 0, 25)
    clock = FakeClock(start)
    evaluator = RecordingEvaluator({"LOYALTY_MON": 600.0}, lookups_failing=2)
    evaluator.stored_end["LOYALTY_MON"] = local(MOSCOW, 2026, 11, 22, 11, 20)  # probe was down since
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=20, catch_up_intervals=10, clock=clock)
    noon = local(MOSCOW, 2026, 11, 22, 12, 0)

    assert [(e.at, e.historical) for e in await scheduler.run_due("LOYALTY_MON")] == [(noon, False)]
    clock.now = start + TEN  # still unreadable: the due one again
    assert [(e.at, e.historical) for e in await scheduler.run_due("LOYALTY_MON")] == [(noon + TEN, False)]
    clock.now = start + 2 * TEN  # readable: the hole before noon, not what was stored meanwhile
    done = await scheduler.run_due("LOYALTY_MON")
    assert [(e.at, e.historical) for e in done] == [
        (noon - 3 * TEN, True),
        (noon - 2 * TEN, True),
        (noon - TEN, True),
        (noon + 2 * TEN, False),
    ]
    assert await scheduler.run_due("LOYALTY_MON") == []  # nothing due twice
    clock.now = start + 3 * TEN
    assert [e.at for e in await scheduler.run_due("LOYALTY_MON")] == [noon + 3 * TEN]
    ends = [c.end for c in evaluator.of("LOYALTY_MON")]
    assert len(ends) == len(set(ends)), "an interval evaluated twice"


async def test_an_unreadable_history_during_an_outage_is_caught_up() -> None:
    """Neither history nor the runs reach the database: nothing is stored, and all of it is
    caught up once the database is back."""
    start = local(MOSCOW, 2026, 11, 22, 12, 0, 25)
    clock = FakeClock(start)
    evaluator = RecordingEvaluator({"LOYALTY_MON": 600.0}, database_down=True)
    evaluator.stored_end["LOYALTY_MON"] = local(MOSCOW, 2026, 11, 22, 11, 40)
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=20, catch_up_intervals=10, clock=clock)
    noon = local(MOSCOW, 2026, 11, 22, 12, 0)
    for step in range(2):
        clock.now = start + step * TEN
        done = await scheduler.run_due("LOYALTY_MON")
        assert [(e.at, e.database_ok) for e in done] == [(noon + step * TEN, False)]  # the outage shown
    evaluator.database_down = False
    clock.now = start + 2 * TEN
    done = await scheduler.run_due("LOYALTY_MON")
    assert [(e.at, e.historical) for e in done] == [
        (noon - TEN, True),
        (noon, True),
        (noon + TEN, True),
        (noon + 2 * TEN, False),
    ]


@pytest.mark.parametrize("grace", [0.0, 20.0])
async def test_due_interval_respects_grace(grace: float) -> None:
    boundary = local(MOSCOW, 2026, 11, 22, 12, 0)
    clock = FakeClock(boundary + dt.timedelta(seconds=10))
    evaluator = RecordingEvaluator({"T": 600.0})
    evaluator.stored_end["T"] = boundary - 2 * TEN
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=grace, clock=clock)
    done = await scheduler.run_due("T")
    # 10 s after noon: with 20 s grace, noon's interval is not due yet (late presses may arrive)
    assert done[-1].at == (boundary if grace == 0 else boundary - TEN)


async def test_the_collectors_full_pass_is_offered_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluator = RecordingEvaluator({"TICK": 1.0}, sleep_seconds={"TICK": 0.2})
    offered: list[int] = []

    def reclaim_if_due() -> bool:
        with evaluator.lock:
            offered.append(sum(evaluator.active.values()))
        return False

    monkeypatch.setattr(memory, "reclaim_if_due", reclaim_if_due)
    scheduler = TestScheduler(evaluator, MOSCOW, grace_seconds=0.1, catch_up_intervals=0)
    await run_for(scheduler, 3.5)
    runs = len(evaluator.of("TICK"))
    assert runs >= 3
    assert len(offered) >= runs - 1  # after every run (the last may still be running at stop)
    assert offered and all(active == 0 for active in offered), offered
