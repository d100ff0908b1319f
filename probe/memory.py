"""Garbage-collector settings for a process that keeps a large published state.

The probe holds every metric's current state (100,000+ long-lived objects on a large chain) and a
run creates as many new ones. With CPython's default thresholds (700, 10, 10) the cyclic collector
runs constantly during a run and its full collections walk the whole heap each time: measured on
a 1,000-point chain (24,000 metrics), one LOYALTY_MON evaluation took 6.1 s with the defaults and
1.2 s with the thresholds below. Almost nothing here forms reference cycles (reference counting
frees it), so collecting young objects a hundred times less often costs little memory.

Even so, a run of 5,000 points makes 120,000 published states, more than the young generation
holds: each run paid one young collection (64–174 ms, walking every new state) and every fiftieth
a middle one (0.6–0.8 s), in the middle of storing its results (issue 15). A managed process
therefore keeps the collector quiet while a run is in progress (`run_in_progress`) and, when the
last run in progress ends, moves everything alive into the collector's permanent generation
(`gc.freeze`, constant time): the published states are what the process keeps until the next
run, and walking them again would find nothing. Reference counting still frees them when the
next run replaces them. What the permanent generation might hide — cyclic garbage that was alive
at a freeze — is reclaimed by `reclaim_if_due`, a full collection at most once per
`RECLAIM_SECONDS`, which the scheduler calls after a run when no other run is in progress.

Only a process that called `tune_garbage_collector` (`prolan-probe`, the benchmarks) is managed:
a library user or a test process keeps the collector as it was.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (100_000, 50, 100)
# How often at most the permanent generation is collected (`reclaim_if_due`).
RECLAIM_SECONDS = 3600.0

# Reentrant: a finalizer run by `reclaim_if_due`'s collection may start or end a run itself.
_lock = threading.RLock()
_managed = False
_runs_in_progress = 0
_last_reclaim = time.monotonic()


def tune_garbage_collector() -> None:
    """Set the thresholds and manage the collector around runs (see the module's text)."""
    global _managed, _last_reclaim
    gc.set_threshold(*THRESHOLDS)
    with _lock:
        _managed = True
        _last_reclaim = time.monotonic()


def release_garbage_collector() -> None:
    """Back to an unmanaged collector (tests): thresholds as CPython's, nothing frozen."""
    global _managed
    with _lock:
        _managed = False
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    gc.enable()


def managed() -> bool:
    return _managed


@contextmanager
def run_in_progress() -> Iterator[None]:
    """An evaluation from its first read to its publish: no automatic collection meanwhile, and
    when the last run in progress ends, everything alive is frozen (see the module's text)."""
    global _runs_in_progress
    with _lock:
        quiet = _managed
        if quiet:
            _runs_in_progress += 1
            gc.disable()
    try:
        yield
    finally:
        if quiet:
            with _lock:
                _runs_in_progress -= 1
                if _runs_in_progress == 0:
                    # freeze() also resets the young generation's count: the run's allocations
                    # trigger no collection after it either.
                    gc.freeze()
                    gc.enable()


def reclaim_if_due(now: float | None = None) -> bool:
    """A full collection of everything, the frozen part included, when `RECLAIM_SECONDS` have
    passed since the last one and no run is in progress; True if it ran."""
    global _last_reclaim
    moment = time.monotonic() if now is None else now
    with _lock:
        if not _managed or _runs_in_progress or moment - _last_reclaim < RECLAIM_SECONDS:
            return False
        _last_reclaim = moment
        gc.unfreeze()
        gc.collect()
    return True
