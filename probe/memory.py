"""Garbage-collector settings for a process that keeps a large published state.

The probe holds every metric's current state (100,000+ long-lived objects on a large chain) and a
run creates as many new ones. With CPython's default thresholds (700, 10, 10) the cyclic collector
runs constantly during a run and its full collections walk the whole heap each time: measured on
a 1,000-point chain (24,000 metrics), one LOYALTY_MON evaluation took 6.1 s with the defaults and
1.2 s with the thresholds below. Almost nothing here forms reference cycles (reference counting
frees it), so collecting young objects a hundred times less often costs little memory."""

from __future__ import annotations

import gc

THRESHOLDS = (100_000, 50, 100)


def tune_garbage_collector() -> None:
    gc.set_threshold(*THRESHOLDS)
