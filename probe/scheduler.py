"""The scheduler: every enabled evaluation test at its clock-aligned boundaries.

A test with an interval of N minutes ends its intervals at the instants whose local wall-clock time
of day (in the probe's time zone) is a multiple of N: a 10-minute test at :00, :10, …, a 60-minute
test on the hour, a 1440-minute test at local midnight. Instants, not wall-clock readings, are what
counts, so on the night clocks go back a 10-minute test still runs every 10 real minutes and on the
night they go forward the interval that spans the gap is still 10 real minutes.

Each test is one APScheduler 3 job (`AsyncIOScheduler`) that fires `grace_seconds` after each
boundary (late presses from concentrators still count) and evaluates *everything that is due*:
normally the one interval that just ended; after downtime, a stall, or a database outage, also the
missed intervals since the last one evaluated (at most `[tests] catch_up_intervals` of them), in
order, as historical runs, so history has no holes. The first run of every job happens at start-up,
which is how the probe catches up after it was stopped.

`Evaluator.evaluate` blocks (SQL and test code), so it runs in a thread pool of the scheduler's own,
sized so that every test has a thread: a slow or hanging test never blocks the event loop or delays
another test. APScheduler's `max_instances=1` keeps one run per test at a time; a boundary that
passes while its test is still busy is caught up by that test's next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from probe import memory
from probe.i18n import _
from probe.lease import LeaseLost
from probe.snapshot import Evaluation

if TYPE_CHECKING:
    from probe.service import Runtime

log = logging.getLogger(__name__)

# How long `stop()` lets running evaluations finish their transaction before abandoning them.
STOP_WAIT_SECONDS = 2.5


class EvaluatorLike(Protocol):
    """The part of `probe.engine.Evaluator` the scheduler uses (so tests can drive it with a stand-in)."""

    def enabled_tests(self) -> list[str]: ...

    def interval_minutes(self, name: str) -> int: ...

    def boundary_at_or_before(self, name: str, at: dt.datetime) -> dt.datetime: ...

    def evaluate(self, name: str, end: dt.datetime, *, historical: bool = False) -> Evaluation: ...

    def last_evaluated_end(self, name: str, before: dt.datetime | None = None) -> dt.datetime | None:
        """The latest interval end stored for `name` (before `before`, if given); None if none
        is. Raises when the history cannot be read: unknown is not "never ran"."""
        ...


# --- clock alignment ---------------------------------------------------------------------------
# What a boundary is belongs to the engine (`Evaluator.boundary_at_or_before`, local clock and DST
# rules in probe.engine.clock); the scheduler only searches with it. Every datetime here is aware
# UTC: aware datetimes that share a ZoneInfo subtract and compare by wall clock, wrong across DST.

BoundaryAtOrBefore = Callable[[dt.datetime], dt.datetime]
_TICK = dt.timedelta(microseconds=1)


def next_boundary(at_or_before: BoundaryAtOrBefore, at: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """The first boundary strictly after `at`. Intervals are at least `step` long except a
    shortened last one of a short (DST) day, so probing `step` apart from the boundary at or
    before `at` meets the next boundary before the one after it."""
    previous = at_or_before(at).astimezone(dt.UTC)
    probe_at = previous + step
    while True:
        found = at_or_before(probe_at).astimezone(dt.UTC)
        if found > previous:
            return found
        probe_at += step


def due_ends(
    at_or_before: BoundaryAtOrBefore,
    last_end: dt.datetime | None,
    due: dt.datetime,
    catch_up: int,
) -> list[dt.datetime]:
    """The interval ends to evaluate now, oldest first: the missed ones after `last_end` (at most
    `catch_up` of them, the most recent) and then `due`. Nothing when `due` is already done; only
    `due` when the test never ran (there is nothing it missed)."""
    due = due.astimezone(dt.UTC)
    if last_end is not None:
        last_end = last_end.astimezone(dt.UTC)
        if last_end >= due:
            return []
    missed: list[dt.datetime] = []
    if last_end is not None and catch_up > 0:
        cursor = due
        while len(missed) < catch_up:
            cursor = at_or_before(cursor - _TICK).astimezone(dt.UTC)
            if cursor <= last_end:
                break
            missed.append(cursor)
        missed.reverse()
    return [*missed, due]


class AlignedTrigger(BaseTrigger):
    """APScheduler 3 trigger: `grace` after every boundary of one test."""

    def __init__(self, at_or_before: BoundaryAtOrBefore, step: dt.timedelta, grace: dt.timedelta) -> None:
        self.at_or_before = at_or_before
        self.step = step
        self.grace = grace

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        # The next boundary whose grace period has not yet run out.
        return next_boundary(self.at_or_before, now.astimezone(dt.UTC) - self.grace, self.step) + self.grace

    def __str__(self) -> str:
        return f"aligned[every {self.step}, grace {self.grace.total_seconds():g} s]"


# --- the scheduler ---------------------------------------------------------------------------


def level_changes(evaluation: Evaluation) -> int:
    """How many metrics of an evaluation changed their level (a metric seen for the first time has
    no previous level and does not count)."""
    previous = evaluation.previous_levels
    return sum(1 for m in evaluation.metrics if previous.get(m.id) is not None and previous[m.id] != m.level)


class TestScheduler:
    """Runs the enabled tests of an evaluator on their boundaries (a service `Component`)."""

    __test__ = False  # not a pytest class despite its name

    def __init__(
        self,
        evaluator: EvaluatorLike,
        tz: ZoneInfo,
        *,
        grace_seconds: float = 20.0,
        catch_up_intervals: int = 144,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.evaluator = evaluator
        self.tz = tz
        self.grace = dt.timedelta(seconds=grace_seconds)
        self.catch_up_intervals = catch_up_intervals
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.tests: list[str] = list(evaluator.enabled_tests())
        self._steps = {name: self._step_of(name) for name in self.tests}
        # +2: `last_evaluated_end` look-ups may run beside the evaluations.
        self._executor = ThreadPoolExecutor(max_workers=len(self.tests) + 2, thread_name_prefix="evaluate")
        self._scheduler = AsyncIOScheduler(timezone=tz)
        self._last_end: dict[str, dt.datetime | None] = {}
        # Set after a run that could not reach the database: its interval was not stored, so the
        # next run asks the database where history really ends and fills the hole.
        self._resync: set[str] = set()
        # Tests run while where their history ends could not be read: the first interval so run,
        # and those of them stored. Once it can be read, the hole is looked for before that first
        # one (the stored ones would hide it), and the ones stored are not evaluated again.
        self._unverified: dict[str, tuple[dt.datetime, set[dt.datetime]]] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._stopped = False

    def _step_of(self, name: str) -> dt.timedelta:
        return dt.timedelta(minutes=self.evaluator.interval_minutes(name))

    def _at_or_before(self, name: str) -> BoundaryAtOrBefore:
        return lambda at: self.evaluator.boundary_at_or_before(name, at)

    def start(self) -> None:
        now = self._clock()
        for name in self.tests:
            self._scheduler.add_job(
                self._run_due,
                AlignedTrigger(self._at_or_before(name), self._steps[name], self.grace),
                args=[name],
                id=name,
                name=f"evaluate {name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,  # a late run still runs (and catches up)
                next_run_time=now,  # catch up at start-up
                replace_existing=True,
            )
            log.debug(
                "scheduled %s every %s (+%g s grace)", name, self._steps[name], self.grace.total_seconds()
            )
        self._scheduler.start()
        if not self.tests:
            log.warning(_("no enabled evaluation tests: nothing to schedule"))

    async def stop(self) -> None:
        """Stop firing; let running evaluations finish briefly, then abandon them (their
        transaction is not committed, so nothing half-written remains)."""
        self._stopped = True
        # Paused first, shut down after the wait: APScheduler's shutdown cancels running jobs.
        if self._scheduler.running:
            self._scheduler.pause()
        running = [task for task in self._running if not task.done()]
        if running:
            _done, pending = await asyncio.wait(running, timeout=STOP_WAIT_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("stopped with %d evaluation(s) still running; they are abandoned", len(pending))
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _in_thread(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: func(*args, **kwargs))

    async def _run_due(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self.run_due(name)
            # Between runs: the collector's rare full pass (see probe.memory), never in a run.
            await self._in_thread(memory.reclaim_if_due)
        except asyncio.CancelledError:
            # `stop()` abandoned it: the evaluation's thread finishes or fails by itself (its
            # transaction is not committed when the lease is gone); nothing for the job's log.
            log.debug("%s: evaluation abandoned at stop", name)
        except Exception:  # the job must survive anything, or the test would stop being run
            log.exception("scheduling %s failed", name)
        finally:
            if task is not None:
                self._running.discard(task)

    async def run_due(self, name: str) -> list[Evaluation]:
        """Evaluate every interval of `name` that is due now; returns the evaluations, in order."""
        at_or_before = self._at_or_before(name)
        # A hair of slack for clock rounding: APScheduler never fires a job before its time.
        now = self._clock().astimezone(dt.UTC)
        due = at_or_before(now - self.grace + dt.timedelta(seconds=0.01)).astimezone(dt.UTC)
        done_unverified: set[dt.datetime] = set()
        if name not in self._last_end or name in self._resync:
            unverified = self._unverified.get(name)
            try:
                stored = await self._in_thread(
                    self.evaluator.last_evaluated_end, name, unverified[0] if unverified else None
                )
            except Exception as exc:  # the due interval still runs: it reports the outage
                log.warning(
                    _(
                        "%s: where its history ends cannot be read (%s); missed intervals are evaluated once it can"
                    ),
                    name,
                    # its first line: a driver's error goes on with the statement and a web link
                    (str(exc).splitlines() or [exc.__class__.__name__])[0][:300],
                )
                self._unverified.setdefault(name, (due, set()))
                self._resync.add(name)
                self._last_end.setdefault(name, None)
            else:
                if unverified is not None:
                    del self._unverified[name]
                    done_unverified = unverified[1]
                    self._last_end[name] = None
                if stored is not None:
                    self._last_end[name] = stored.astimezone(dt.UTC)
                    self._resync.discard(name)
                else:
                    self._last_end.setdefault(name, None)
        # In a worker thread: after a long outage this walks back up to catch_up_intervals
        # boundaries (milliseconds each), which must not hold up the event loop (SNMP, ingest,
        # the renewal of the lease of the active probe).
        ends: list[dt.datetime] = await self._in_thread(
            due_ends, at_or_before, self._last_end[name], due, self.catch_up_intervals
        )
        ends = [end for end in ends if end not in done_unverified]
        if len(ends) > 1:
            last = self._last_end[name]
            if last is not None and at_or_before(ends[0] - _TICK) > last:
                log.warning(
                    _(
                        "%s: intervals missed before %s are more than catch_up_intervals=%d; 'backfill' evaluates them"
                    ),
                    name,
                    self._local(ends[0]),
                    self.catch_up_intervals,
                )
        started = time.monotonic()
        done: list[Evaluation] = []
        for end in ends:
            if self._stopped:
                break
            historical = end != due
            try:
                evaluation: Evaluation = await self._in_thread(
                    self.evaluator.evaluate, name, end, historical=historical
                )
            except LeaseLost as exc:
                # Another service took over meanwhile (its evaluation of `end` is the one that
                # counts) — `run` stops this scheduler — or the lease was not renewed in time:
                # the next run starts again from what the aggregator holds.
                log.warning(_("%s: interval %s not stored: %s"), name, self._local(end), exc)
                self._resync.add(name)
                break
            self._last_end[name] = end
            if not evaluation.database_ok:
                self._resync.add(name)
            elif name in self._unverified:
                self._unverified[name][1].add(end)
            done.append(evaluation)
        if done_unverified:  # stored while the history could not be read: done as well
            latest = max(done_unverified)
            last = self._last_end[name]
            self._last_end[name] = latest if last is None else max(last, latest)
        if done:
            self._log_run(name, done, time.monotonic() - started)
        return done

    def _local(self, at: dt.datetime) -> str:
        return f"{at.astimezone(self.tz):%Y-%m-%d %H:%M}"

    def _log_run(self, name: str, done: list[Evaluation], seconds: float) -> None:
        """One line per run: the test, its interval(s), metrics, level changes, duration."""
        last = done[-1]
        start = last.at - self._steps.get(name, self._step_of(name))
        interval = f"{self._local(start)}–{last.at.astimezone(self.tz):%H:%M}"
        if len(done) > 1:
            interval += _(" and %d missed before it") % (len(done) - 1)
        changes = sum(level_changes(evaluation) for evaluation in done)
        failed = [e for e in done if not (e.test_ok and e.database_ok)]
        level = logging.WARNING if failed else logging.INFO
        outcome = ""
        if failed:
            database = any(not e.database_ok for e in failed)
            outcome = _("; database unavailable") if database else _("; the test failed (Тест работает = 0)")
        log.log(
            level,
            _("%s: interval %s: %d metrics, %d level changes, %.2f s%s"),
            name,
            interval,
            len(last.metrics),
            changes,
            seconds,
            outcome,
        )

    def describe(self) -> str:
        """For the probe's start line: the tests and how often they run."""
        if not self.tests:
            return "scheduler (no enabled tests)"
        every = sorted({int(step.total_seconds() // 60) for step in self._steps.values()})
        minutes = "/".join(str(m) for m in every)
        return f"scheduler ({len(self.tests)} tests: {', '.join(self.tests)}; every {minutes} min)"

    def next_run_times(self) -> dict[str, dt.datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}


# Place in the start order of `prolan-probe run` (probe.service): last: its first run is seen by every other component.
ORDER = 90
# Evaluates: runs only on the active probe of the aggregator (probe.lease); started when this
# service takes the lease, so its first run catches up from what the aggregator holds.
ACTIVE_ONLY = True


async def start(runtime: Runtime) -> TestScheduler | None:
    """Service component (started last, see ORDER): the test scheduler."""
    evaluator = getattr(runtime, "evaluator", None)
    if evaluator is None:
        log.error("no evaluator: the scheduler is not started")
        return None
    settings = runtime.config.tests
    scheduler = TestScheduler(
        evaluator,
        runtime.config.tz,
        grace_seconds=settings.grace_seconds,
        catch_up_intervals=settings.catch_up_intervals,
    )
    scheduler.start()
    return scheduler


__all__ = [
    "AlignedTrigger",
    "EvaluatorLike",
    "TestScheduler",
    "due_ends",
    "next_boundary",
    "start",
]
