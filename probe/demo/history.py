"""`prolan-probe demo`: the demo topology and days of simulated presses and queue samples, stored
in the aggregator. Deterministic for a given seed and end time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete

from probe.demo.chain import demo_topology, first_queue_sample, simulate, simulate_queues
from probe.presses import Press, store_presses
from probe.store.schema import presses as presses_table
from probe.store.schema import queue_samples
from probe.topology import import_topology, load_topology


@dataclass(frozen=True)
class DemoSummary:
    points: int
    pads: int
    presses: int
    queue_samples: int
    start: dt.datetime
    end: dt.datetime


def install_demo(
    engine: Engine,
    tz: ZoneInfo,
    *,
    days: float = 3.0,
    seed: int = 1,
    end: dt.datetime | None = None,
    hours: float | None = None,
) -> DemoSummary:
    """Store the demo topology and replace the presses and queue samples of the simulated span
    (from local midnight `days` before `end`, or from `hours` before it, up to `end`) at the demo's
    pads and points; with `days` = 0 (and no `hours`) only the topology is stored."""
    end = end or dt.datetime.now(dt.UTC)
    end = end.astimezone(dt.UTC).replace(second=0, microsecond=0)
    import_topology(engine, demo_topology())
    topology = load_topology(engine)
    if hours is not None and hours > 0:
        start = end - dt.timedelta(hours=hours)
    elif days > 0:
        local_end = end.astimezone(tz)
        start = (local_end - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        start = start.astimezone(dt.UTC)
    else:
        return DemoSummary(len(topology.points), len(topology.pads), 0, 0, end, end)
    demo_pads = list(demo_topology().pads)
    demo_points = [p.id for p in topology.points.values() if p.id is not None]
    with engine.begin() as conn:
        # Every press of the demo's pads in the span, whatever its source: a previous live demo's
        # simulator sent some through the ingest, and the history takes their place now.
        conn.execute(
            delete(presses_table).where(
                presses_table.c.pad_id.in_(demo_pads),
                presses_table.c.pressed_at >= start,
                presses_table.c.pressed_at < end,
            )
        )
        conn.execute(
            delete(queue_samples).where(
                queue_samples.c.point_id.in_(demo_points),
                # From the first sample the span makes: on the sampling grid, before `start`.
                queue_samples.c.sampled_at >= first_queue_sample(start),
                queue_samples.c.sampled_at < end,
            )
        )
    count = 0
    batch: list[Press] = []
    for press in simulate(topology, start, end, tz, seed):
        if press.pressed_at >= end:
            continue  # an answer that would fall after "now"
        batch.append(press)
        if len(batch) >= 20_000:
            with engine.begin() as conn:
                count += store_presses(conn, batch)
            batch = []
    samples = [
        {"point_id": point.id, "sampled_at": at, "length": length}
        for point, at, length in simulate_queues(topology, start, end, tz, seed)
    ]
    with engine.begin() as conn:
        count += store_presses(conn, batch)
        if samples:
            conn.execute(queue_samples.insert(), samples)
    return DemoSummary(len(topology.points), len(topology.pads), count, len(samples), start, end)
