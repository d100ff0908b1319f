"""LOYALTY_MON's Python work per run on a big chain, without a database: building the measurements
(one `MeasurementBatch`, issue 15) from the run's counts, next to the object-per-metric path the
test used before (`tests/loyalty_mon/object_path.py`), and the day state's upkeep (adding the
increment, JSON out and back in as the state store does).

The chain is the one of `benchmarks/loyalty_mon.py`: N points with one pad each, УСОКОК, СОКОК and
Опросы in turn, two questions; every group has random counts in the interval and the day.

    python -m benchmarks.loyalty_mon_measurements              # 5,000 points
    python -m benchmarks.loyalty_mon_measurements --points 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.common import header
from probe.topology import Pad, Point, Question, Topology
from tests.loyalty_mon import object_path
from tests.loyalty_mon.support import LM

METHODOLOGIES = ("УСОКОК", "СОКОК", "Опросы")


def chain(n_points: int) -> Topology:
    points = {f"Точка {i:05d}": Point(f"Точка {i:05d}", id=i + 1) for i in range(n_points)}
    pads = {f"P{i:05d}": Pad(f"P{i:05d}", f"Точка {i:05d}", METHODOLOGIES[i % 3]) for i in range(n_points)}
    questions = {
        "q1": Question("q1", "Как Вам у нас понравилось?"),
        "q2": Question("q2", "Вы порекомендуете нас?"),
    }
    return Topology(points, questions, pads)


def random_counts(topology: Topology, rng: np.random.Generator, high: int) -> Any:
    """A CountTable with every group of the chain."""
    keys = []
    for pad in topology.pads.values():
        point_id = topology.points[pad.point].id
        assert point_id is not None
        for question in ("", "q1", "q2") if pad.methodology == "Опросы" else ("",):
            keys.append((point_id, pad.methodology, question))
    return LM.CountTable(keys, rng.integers(0, high, (len(keys), len(LM.COUNT_FIELDS))))


def seconds(action: Callable[[], object], repeat: int) -> float:
    """The median time of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    topology = chain(args.points)
    rng = np.random.default_rng(15)
    interval, day = random_counts(topology, rng, 6), random_counts(topology, rng, 400)
    test = LM.LOYALTY_MON()
    print(header(f"LOYALTY_MON measurements, {args.points:,} points"))

    started = time.perf_counter()
    batch = LM.measurement_batch(test.layout(topology), interval, day)
    print(f"  identities (first run of a topology, once): {time.perf_counter() - started:8.3f} s")
    print(f"  metrics: {len(batch):,}")
    per_run = seconds(lambda: LM.measurement_batch(test.layout(topology), interval, day), args.repeat)
    print(f"  batch per run (layout key check + arrays):  {per_run:8.3f} s")
    interval_counts, day_counts = object_path.counts_of(interval), object_path.counts_of(day)
    objects = seconds(
        lambda: object_path.build_measurements(topology, interval_counts, day_counts),
        max(1, args.repeat // 3),
    )
    print(f"  object per metric (reference path):         {objects:8.3f} s")

    increment = random_counts(topology, rng, 3)
    state = LM.DayState(dt.datetime(2026, 11, 20, 12, 0), 10**7, day)
    raw = json.dumps(LM.encode_day(state), ensure_ascii=False, separators=(",", ":"))
    print(f"  day state: {len(raw) / 1e6:.2f} MB of JSON")
    print(
        f"  day + increment:                            {seconds(lambda: day.plus(increment), args.repeat):8.3f} s"
    )
    encode = seconds(
        lambda: json.dumps(LM.encode_day(state), ensure_ascii=False, separators=(",", ":")), args.repeat
    )
    print(f"  state encoded and dumped:                   {encode:8.3f} s")
    print(
        f"  state loaded and decoded:                   {seconds(lambda: LM.decode_day(json.loads(raw)), args.repeat):8.3f} s"
    )


if __name__ == "__main__":
    main()
