"""The in-memory picture of current state that the engine publishes after every run.

The SNMP agent, the notifier and the console's local views read it; nothing here does I/O.
`SnapshotHub.publish` replaces the snapshot atomically (a new immutable object) and hands it to
every subscriber through the subscriber's own queue and worker thread, with the evaluation that
caused it (which metrics a run produced, with their previous levels), so that traps and incidents
are driven by exactly the evaluations that happened — and a slow or failing subscriber holds up
neither the evaluation nor the other subscribers (`SubscriberHealth`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import NamedTuple

from probe.assess import ThresholdTable
from probe.levels import Level

log = logging.getLogger(__name__)


class MetricState(NamedTuple):
    """One metric's latest value as published: the row of prolanMetricTable. A named tuple, not a
    dataclass: a run of a large chain makes 100,000+ of them, and a tuple is made in one step
    (`tuple.__new__(MetricState, row)`) instead of a call per field (issue 15). Copy with changes
    by `state._replace(...)`."""

    id: int
    key: str
    name: str
    test: str
    short_name: str
    value: float | None
    level: Level | None  # None: the metric has no threshold table (not assessed)
    time: dt.datetime  # UTC, aware: end of the evaluated interval
    unit: str = ""
    point: str | None = None
    region: str | None = None
    question: str | None = None
    methodology: str | None = None
    period: str | None = None
    thresholds: ThresholdTable | None = None
    scope: str | None = None  # point | company | none (metrics.scope)
    # A percentage's 95 % interval (same unit as the value) and its denominator (issue 21).
    low: float | None = None
    high: float | None = None
    votes: int | None = None
    expected: float | None = None  # what the test's model expected instead (a silent pad's presses)


@dataclass(frozen=True, slots=True)
class TestState:
    name: str
    description: str = ""
    schedule: str = ""
    last_run: dt.datetime | None = None
    duration_seconds: float | None = None
    ok: bool | None = None  # None: never ran
    last_error: str = ""
    failed_to_load: bool = False


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one run of one test produced: the new states and the levels they replace."""

    test: str
    at: dt.datetime  # UTC, aware: end of the evaluated interval
    metrics: tuple[MetricState, ...]
    previous_levels: dict[int, Level | None] = field(default_factory=dict)
    database_ok: bool = True
    test_ok: bool = True
    # True for catch-up/backfill runs of past intervals: history, not news (no traps for them).
    historical: bool = False
    # Metrics published for the first time by this evaluation (no previous state at all): their
    # first assessment is not a change and notifies nothing.
    first_seen: frozenset[int] = frozenset()
    # A run of an interval before the newest one published, stored by another process (e.g.
    # `evaluate --at` of yesterday): not the current state, so no traps; rules still see it.
    past: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    metrics: tuple[MetricState, ...] = ()  # sorted by id
    tests: tuple[TestState, ...] = ()  # sorted by name
    database_ok: bool = True
    updated_at: dt.datetime | None = None

    # The metrics by id, made once per snapshot (every publish of a large chain looks them up).
    _index: dict[int, MetricState] | None = field(default=None, init=False, compare=False, repr=False)

    def index(self) -> Mapping[int, MetricState]:
        """The metrics by id (shared: do not change it; `by_id` gives a copy)."""
        if self._index is None:
            object.__setattr__(self, "_index", {m.id: m for m in self.metrics})
        assert self._index is not None
        return self._index

    def by_id(self) -> dict[int, MetricState]:
        return dict(self.index())

    def with_metrics(self, new: Iterable[MetricState]) -> Snapshot:
        merged = self.by_id()
        merged.update((state.id, state) for state in new)
        return replace(self, metrics=tuple(sorted(merged.values(), key=_BY_ID)))

    def with_test(self, state: TestState) -> Snapshot:
        tests = {t.name: t for t in self.tests}
        tests[state.name] = state
        return replace(self, tests=tuple(sorted(tests.values(), key=lambda t: t.name)))


_BY_ID = attrgetter("id")

Subscriber = Callable[[Snapshot, Evaluation | None], None]

# A delivery (or a wait in the queue) longer than this makes a subscriber "slow": logged, and
# shown by `prolan-probe status` and the SNMP consumer table.
SLOW_SECONDS = 10.0
# A subscriber that stops taking snapshots must not eat the memory: beyond this many waiting, the
# oldest are dropped (and counted).
QUEUE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class SubscriberHealth:
    """How one subscriber keeps up, as `prolan-probe status` and PROLAN-MIB show it."""

    name: str
    queued: int  # snapshots waiting for it
    delivered: int
    failures: int  # deliveries that raised
    dropped: int  # snapshots dropped because its queue was full
    last_error: str
    last_seconds: float  # how long its last delivery took
    busy_seconds: float  # how long the delivery in progress has been running (0: idle)
    lag_seconds: float  # how long the oldest waiting snapshot has waited
    failed_last: bool

    slow_seconds: float = SLOW_SECONDS

    @property
    def state(self) -> str:
        """ok, slow (a delivery or a wait beyond slow_seconds, or snapshots dropped) or failing
        (its last delivery raised)."""
        if self.failed_last:
            return "failing"
        if max(self.busy_seconds, self.lag_seconds) > self.slow_seconds or self.dropped:
            return "slow"
        return "ok"


class Subscription:
    """One subscriber's queue and worker thread: a publish only appends to the queue, so however
    long the subscriber takes (or if it hangs), the evaluator and the other subscribers go on."""

    def __init__(self, name: str, callback: Subscriber, slow_seconds: float = SLOW_SECONDS) -> None:
        self.name = name
        self.callback = callback
        self.slow_seconds = slow_seconds
        self._items: deque[tuple[float, Snapshot, Evaluation | None]] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._busy_since: float | None = None
        self._delivered = 0
        self._failures = 0
        self._dropped = 0
        self._last_error = ""
        self._last_seconds = 0.0
        self._failed_last = False
        self._slow_logged = False
        self._thread = threading.Thread(target=self._work, name=f"subscriber-{name}", daemon=True)
        self._thread.start()

    def offer(self, snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        with self._ready:
            if len(self._items) >= QUEUE_LIMIT:
                self._items.popleft()
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 100 == 0:
                    log.error(
                        "snapshot subscriber %s does not keep up: %d snapshot(s) dropped",
                        self.name,
                        self._dropped,
                    )
            self._items.append((time.monotonic(), snapshot, evaluation))
            self._ready.notify()
        self._check_slow()

    @property
    def pending(self) -> int:
        """Snapshots waiting after the one being delivered (a subscriber may skip work it would
        redo for the next one, e.g. rebuilding an index)."""
        return len(self._items)

    def health(self) -> SubscriberHealth:
        now = time.monotonic()
        with self._ready:
            oldest = self._items[0][0] if self._items else None
            return SubscriberHealth(
                name=self.name,
                queued=len(self._items),
                delivered=self._delivered,
                failures=self._failures,
                dropped=self._dropped,
                last_error=self._last_error,
                last_seconds=self._last_seconds,
                busy_seconds=0.0 if self._busy_since is None else now - self._busy_since,
                lag_seconds=0.0 if oldest is None else now - oldest,
                failed_last=self._failed_last,
                slow_seconds=self.slow_seconds,
            )

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._ready:
            while self._items or self._busy_since is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._ready.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def _check_slow(self) -> None:
        health = self.health()
        slow = max(health.busy_seconds, health.lag_seconds) > self.slow_seconds
        if slow and not self._slow_logged:
            self._slow_logged = True
            log.warning(
                "snapshot subscriber %s is slow: busy for %.1f s, %d snapshot(s) waiting (the oldest %.1f s); "
                "evaluations go on without it",
                self.name,
                health.busy_seconds,
                health.queued,
                health.lag_seconds,
            )
        elif not slow and self._slow_logged and health.queued == 0:
            self._slow_logged = False
            log.warning("snapshot subscriber %s keeps up again", self.name)

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._items and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                _queued_at, snapshot, evaluation = self._items.popleft()
                self._busy_since = time.monotonic()
            failed = ""
            try:
                self.callback(snapshot, evaluation)
            except Exception as exc:  # one broken subscriber must not stop the others
                log.exception("snapshot subscriber %s failed", self.name)
                failed = f"{exc.__class__.__name__}: {exc}"
            with self._ready:
                started, self._busy_since = self._busy_since, None
                self._last_seconds = time.monotonic() - (started or time.monotonic())
                self._delivered += 1
                self._failed_last = bool(failed)
                if failed:
                    self._failures += 1
                    self._last_error = failed[:500]
                self._ready.notify_all()
            if self._last_seconds > self.slow_seconds:
                log.warning(
                    "snapshot subscriber %s took %.1f s for one snapshot", self.name, self._last_seconds
                )
            self._check_slow()


@dataclass(frozen=True, slots=True)
class RunToPublish:
    """One run's states and what to say of it (see `SnapshotHub.publish_run`)."""

    test: str
    at: dt.datetime
    states: tuple[MetricState, ...]
    test_state: TestState | None
    database_ok: bool
    test_ok: bool
    historical: bool
    only_newer: bool = False
    past: bool = False

    def merged_into(self, base: Snapshot) -> tuple[Snapshot, Evaluation]:
        """The snapshot this run makes of `base`, and its evaluation (the levels it replaces)."""
        current = base.index()
        ordered = sorted(self.states, key=_BY_ID)
        merged = (
            [s for s in ordered if not (s.id in current and current[s.id].time > s.time)]
            if self.only_newer
            else ordered
        )
        shown = ordered if self.past else merged
        before = [current.get(s.id) for s in shown]
        evaluation = Evaluation(
            test=self.test,
            at=self.at,
            metrics=tuple(shown),
            previous_levels={
                s.id: (None if old is None else old.level) for s, old in zip(shown, before, strict=True)
            },
            database_ok=self.database_ok,
            test_ok=self.test_ok,
            historical=self.historical,
            first_seen=frozenset(s.id for s, old in zip(shown, before, strict=True) if old is None),
            past=self.past,
        )
        snapshot = base.with_metrics(merged)
        if self.test_state is not None:
            snapshot = snapshot.with_test(self.test_state)
        updated = self.at if snapshot.updated_at is None else max(snapshot.updated_at, self.at)
        return replace(snapshot, database_ok=self.database_ok, updated_at=updated), evaluation


@dataclass(frozen=True, slots=True)
class PreparedRun:
    run: RunToPublish
    base: Snapshot  # the snapshot it was merged into
    snapshot: Snapshot
    evaluation: Evaluation


class SnapshotHub:
    """Holds the current snapshot and hands each change to every subscriber through the
    subscriber's own queue and worker (`Subscription`): publishing never waits for a consumer."""

    def __init__(self, initial: Snapshot | None = None) -> None:
        self._snapshot = initial or Snapshot()
        self._subscriptions: list[Subscription] = []
        # Serialises "read the previous levels, merge, publish" of concurrent evaluations.
        self._lock = threading.RLock()
        # The service's role (probe.lease, issue 16): "active" (evaluates, notifies) or
        # "standby"; and the lease epoch it holds or last saw. Read live by the SNMP agent, which
        # sends traps only while active. A hub outside `run` (a command, a test) is active.
        self.role = "active"
        self.lease_epoch = 0

    @property
    def current(self) -> Snapshot:
        return self._snapshot

    def subscribe(
        self, callback: Subscriber, name: str | None = None, *, slow_seconds: float = SLOW_SECONDS
    ) -> Subscription:
        label = name or str(getattr(callback, "__qualname__", None) or repr(callback))
        subscription = Subscription(label, callback, slow_seconds)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
        subscription.close()

    def health(self) -> list[SubscriberHealth]:
        with self._lock:
            subscriptions = list(self._subscriptions)
        return [s.health() for s in subscriptions]

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Until every subscriber has taken every snapshot published so far (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            subscriptions = list(self._subscriptions)
        return all(s.wait_idle(max(0.0, deadline - time.monotonic())) for s in subscriptions)

    def close(self) -> None:
        with self._lock:
            subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            subscription.close()

    def publish(self, snapshot: Snapshot, evaluation: Evaluation | None = None) -> None:
        with self._lock:
            self._snapshot = snapshot
            for subscription in self._subscriptions:
                subscription.offer(snapshot, evaluation)

    def apply(self, evaluation: Evaluation, tests: Sequence[TestState] = ()) -> Snapshot:
        """Merge an evaluation (and test states) into the current snapshot and publish it."""
        with self._lock:
            snapshot = self._snapshot.with_metrics(evaluation.metrics)
            for state in tests:
                snapshot = snapshot.with_test(state)
            updated = (
                evaluation.at if snapshot.updated_at is None else max(snapshot.updated_at, evaluation.at)
            )
            snapshot = replace(snapshot, database_ok=evaluation.database_ok, updated_at=updated)
            self.publish(snapshot, evaluation)
            return snapshot

    def publish_run(
        self,
        *,
        test: str,
        at: dt.datetime,
        states: Iterable[MetricState],
        test_state: TestState | None,
        database_ok: bool,
        test_ok: bool,
        historical: bool,
        only_newer: bool = False,
        past: bool = False,
    ) -> Evaluation:
        """One run's states, published with the levels they replace, atomically with respect to
        other runs. `only_newer`: a state older than the one published for its metric is not
        merged into the snapshot (a follower applying another process's run of an earlier
        interval must not move current values back). `past`: such a run (not a backfill, e.g.
        `evaluate --at` yesterday) — its states still reach the subscribers (the notifier's
        incidents order samples themselves), but it is not the metrics' current state."""
        run = RunToPublish(
            test, at, tuple(states), test_state, database_ok, test_ok, historical, only_newer, past
        )
        with self._lock:
            snapshot, evaluation = run.merged_into(self._snapshot)
            self.publish(snapshot, evaluation)
            return evaluation

    def prepare_run(self, run: RunToPublish) -> PreparedRun:
        """The snapshot and evaluation `run` makes from the current snapshot, computed without
        publishing (before the run's results are committed, on the engine's thread of its own);
        `publish_prepared` then publishes them, or merges again if another run came in between."""
        base = self._snapshot
        snapshot, evaluation = run.merged_into(base)
        return PreparedRun(run, base, snapshot, evaluation)

    def publish_prepared(self, prepared: PreparedRun) -> Evaluation:
        with self._lock:
            if self._snapshot is prepared.base:
                snapshot, evaluation = prepared.snapshot, prepared.evaluation
            else:
                snapshot, evaluation = prepared.run.merged_into(self._snapshot)
            self.publish(snapshot, evaluation)
            return evaluation
