"""The garbage collector around runs (probe.memory): no collection walks a run's objects while it
is in progress, what it published is frozen after it, and the rare full pass frees the cycles
that freezing hid — only in a managed process (`prolan-probe`), never in a library user's."""

from __future__ import annotations

import datetime as dt
import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from probe import memory
from probe.engine import Evaluator
from probe.follow import RunFollower
from probe.levels import Level
from probe.snapshot import MetricState, SnapshotHub
from tests.engine.conftest import add_presses

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 20, tzinfo=MSK)


class Collections:
    """Counts the collector's passes (gc.callbacks) while it is open."""

    def __init__(self) -> None:
        self.started: list[int] = []

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.started.append(info["generation"])


@pytest.fixture
def collections() -> Iterator[Collections]:
    seen = Collections()
    gc.callbacks.append(seen)
    yield seen
    gc.callbacks.remove(seen)


@pytest.fixture
def managed() -> Iterator[None]:
    """A managed collector with a tiny young generation: any run allocates far more."""
    thresholds = gc.get_threshold()
    memory.tune_garbage_collector()
    gc.set_threshold(50, 10, 10)
    yield
    memory.release_garbage_collector()
    gc.set_threshold(*thresholds)


class Node:
    """An object that can take part in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_no_collection_during_a_run_and_its_objects_frozen_after(
    managed: None, collections: Collections
) -> None:
    frozen_before = gc.get_freeze_count()
    with memory.run_in_progress():
        assert not gc.isenabled()
        collections.started.clear()  # the tiny threshold may have been reached on the way in
        kept = [[i] for i in range(20_000)]  # 400 times the young generation's threshold
    young_after, during = gc.get_count()[0], list(collections.started)
    assert during == []
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    # The freeze restarted the young generation's count: the run's allocations are not due for
    # a collection after it either.
    assert young_after < 50
    del kept


def test_overlapping_runs_keep_the_collector_quiet_until_the_last_ends(
    managed: None, collections: Collections
) -> None:
    first_in, second_may_end = threading.Event(), threading.Event()
    enabled_after_first: list[bool] = []

    def first() -> None:
        with memory.run_in_progress():
            first_in.set()
            second_may_end.wait(10)
        enabled_after_first.append(gc.isenabled())

    thread = threading.Thread(target=first)
    try:
        with memory.run_in_progress():
            collections.started.clear()
            thread.start()
            assert first_in.wait(10)
        # The outer run ended; the thread's is still in progress.
        assert not gc.isenabled()
        garbage = [[i] for i in range(5_000)]
        assert collections.started == []
    finally:
        second_may_end.set()
        thread.join(10)
    assert enabled_after_first == [True]
    assert gc.isenabled()
    del garbage


def test_frozen_states_are_freed_when_the_next_run_replaces_them(managed: None) -> None:
    """Frozen is not kept: the published states go by reference counting as before."""
    hub = SnapshotHub()
    at = dt.datetime(2026, 3, 10, 9, 20, tzinfo=dt.UTC)

    def publish(value: float) -> None:
        states = [
            MetricState(i, f"k{i}", f"metric {i}", "T", "m", value, Level.GOOD, at) for i in range(10_000)
        ]
        with memory.run_in_progress():
            hub.publish_run(
                test="T",
                at=at,
                states=states,
                test_state=None,
                database_ok=True,
                test_ok=True,
                historical=False,
            )

    publish(1.0)
    after_first = gc.get_freeze_count()
    for run in range(2, 12):
        publish(float(run))
    # Ten runs later the permanent generation holds one run's states, not eleven.
    assert gc.get_freeze_count() < after_first + 10_000
    assert hub.current.metrics[0].value == 11.0
    hub.close()


def test_the_full_pass_frees_cycles_that_freezing_hid(managed: None) -> None:
    with memory.run_in_progress():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
    del a, b
    gc.collect()
    assert alive() is not None  # frozen: an ordinary full collection does not look at it
    assert not memory.reclaim_if_due()  # not due yet: the last pass was when it was tuned
    assert memory.reclaim_if_due(now=dt_later())
    assert alive() is None
    assert gc.get_freeze_count() == 0
    assert not memory.reclaim_if_due(now=dt_later())  # just done


def test_no_full_pass_while_a_run_is_in_progress(managed: None) -> None:
    with memory.run_in_progress():
        assert not memory.reclaim_if_due(now=dt_later())
    assert memory.reclaim_if_due(now=dt_later())


def test_an_unmanaged_process_keeps_its_collector(collections: Collections) -> None:
    assert not memory.managed()
    frozen_before = gc.get_freeze_count()
    with memory.run_in_progress():
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before
    assert not memory.reclaim_if_due(now=dt_later())


def test_an_evaluation_is_a_run_in_progress(
    engine: Engine,
    make_evaluator: Callable[..., Evaluator],
    managed: None,
    collections: Collections,
) -> None:
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])
    evaluator = make_evaluator()
    frozen_before = gc.get_freeze_count()
    collections.started.clear()  # only the evaluation's
    evaluation = evaluator.evaluate("COUNTING", END)
    assert evaluation.test_ok and evaluation.database_ok
    assert collections.started == []
    assert gc.get_freeze_count() > frozen_before
    # What it published is among the frozen objects, which no collection walks.
    published = evaluation.metrics[0]
    assert gc.is_tracked(published)
    assert all(o is not published for o in gc.get_objects())


def test_a_followed_run_is_a_run_in_progress(
    engine: Engine,
    make_evaluator: Callable[..., Evaluator],
    managed: None,
    collections: Collections,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The service publishing a run that another process (`evaluate`, a peer) stored."""
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])
    other_process = make_evaluator()
    hub = SnapshotHub()
    follower = RunFollower(engine, hub, "this service", since=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    follower.poll()  # where the log starts
    other_process.evaluate("COUNTING", END)
    # Read before: with a young generation of 50 objects, reading them may be collected; what
    # matters is the publishing.
    records = follower._new_records()
    monkeypatch.setattr(follower, "_new_records", lambda: records)
    frozen_before = gc.get_freeze_count()
    collections.started.clear()
    published = follower.poll()
    assert collections.started == []
    assert [e.at for e in published] == [END]
    assert gc.get_freeze_count() > frozen_before
    state = published[0].metrics[0]
    assert gc.is_tracked(state)
    assert all(o is not state for o in gc.get_objects())
    hub.close()


def dt_later() -> float:
    """A monotonic moment past the next due full pass."""
    return time.monotonic() + memory.RECLAIM_SECONDS + 1
