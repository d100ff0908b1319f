"""The in-memory picture of current state that the engine publishes after every run.

The SNMP agent, the notifier and the console's local views read it; nothing here does I/O.
`SnapshotHub.publish` replaces the snapshot atomically (a new immutable object) and tells the
subscribers which metrics a run produced, with their previous levels, so that traps and
incidents are driven by exactly the evaluations that happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from probe.assess import ThresholdTable
from probe.levels import Level

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MetricState:
    """One metric's latest value as published: the row of prolanMetricTable."""

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
    # A percentage's 95 % interval (same unit as the value) and its denominator (issue 21).
    low: float | None = None
    high: float | None = None
    votes: int | None = None


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


@dataclass(frozen=True, slots=True)
class Snapshot:
    metrics: tuple[MetricState, ...] = ()  # sorted by id
    tests: tuple[TestState, ...] = ()  # sorted by name
    database_ok: bool = True
    updated_at: dt.datetime | None = None

    def by_id(self) -> dict[int, MetricState]:
        return {m.id: m for m in self.metrics}

    def with_metrics(self, new: Iterable[MetricState]) -> Snapshot:
        merged = self.by_id()
        for state in new:
            merged[state.id] = state
        return replace(self, metrics=tuple(sorted(merged.values(), key=lambda m: m.id)))

    def with_test(self, state: TestState) -> Snapshot:
        tests = {t.name: t for t in self.tests}
        tests[state.name] = state
        return replace(self, tests=tuple(sorted(tests.values(), key=lambda t: t.name)))


Subscriber = Callable[[Snapshot, Evaluation | None], None]


class SnapshotHub:
    """Holds the current snapshot and fans out each change to subscribers (in-process)."""

    def __init__(self, initial: Snapshot | None = None) -> None:
        self._snapshot = initial or Snapshot()
        self._subscribers: list[Subscriber] = []

    @property
    def current(self) -> Snapshot:
        return self._snapshot

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def publish(self, snapshot: Snapshot, evaluation: Evaluation | None = None) -> None:
        self._snapshot = snapshot
        for callback in list(self._subscribers):
            try:
                callback(snapshot, evaluation)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("snapshot subscriber %r failed", callback)

    def apply(self, evaluation: Evaluation, tests: Sequence[TestState] = ()) -> Snapshot:
        """Merge an evaluation (and test states) into the current snapshot and publish it."""
        snapshot = self._snapshot.with_metrics(evaluation.metrics)
        for state in tests:
            snapshot = snapshot.with_test(state)
        snapshot = replace(snapshot, database_ok=evaluation.database_ok, updated_at=evaluation.at)
        self.publish(snapshot, evaluation)
        return snapshot
