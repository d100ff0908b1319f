"""The SNMP agent at 100,000 metrics: how long a publish takes until the agent serves the new
values, and how long the agent takes to start — with a same-run reference: encoding every row of
the table (what the agent did on every publish and at start before rows were encoded lazily).

* start: `SnmpAgent.start()` with a hub holding N metrics (socket, index, pysnmp engine), then
  the first `snmpget` answer from a real net-snmp client;
* publish: a run that changes every metric (as a LOYALTY_MON run does: every state is new),
  `hub.publish_run` in the evaluator's thread, until the agent's subscriber has swapped in the new
  index (what `snmpget` then reads), measured per publish over several publishes;
* reference: `IndexBuilder.warm()` over the same table (every row encoded), the background warm-up
  that now follows a publish off the critical path.

    python -m benchmarks.snmp_publish             # 100,000 metrics
    python -m benchmarks.snmp_publish --rows N
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import statistics
import subprocess
import time

from benchmarks.common import header
from benchmarks.snmp_walk import snapshot as one_point_per_metric
from probe.memory import tune_garbage_collector
from probe.snapshot import Snapshot, SnapshotHub
from probe.snmp.agent import SnmpAgent
from tests.snmp_tools import MIB_ARGS, agent_config, free_udp_port


def snmpget(port: int, oid: str) -> str:
    result = subprocess.run(
        ["snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", f"127.0.0.1:{port}", oid],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout.strip()


PER_POINT = 24  # LOYALTY_MON's metrics of one УСОКОК point: 100,000 metrics are ~4,000 points


def snapshot(rows: int) -> Snapshot:
    """`rows` metrics as a chain has them: PER_POINT per service point."""
    base = one_point_per_metric(rows)
    metrics = tuple(m._replace(point=f"Точка {m.id // PER_POINT}", scope="point") for m in base.metrics)
    return dataclasses.replace(base, metrics=metrics)


async def measure(rows: int) -> list[str]:
    started = time.perf_counter()
    initial = snapshot(rows)
    made = time.perf_counter() - started
    port = free_udp_port()
    hub = SnapshotHub(initial)
    agent = SnmpAgent(agent_config(listen=f"127.0.0.1:{port}"), hub)
    t0 = time.perf_counter()
    await agent.start()
    start_s = time.perf_counter() - t0
    answer = await asyncio.to_thread(snmpget, port, f"prolanMetricValue.{rows}")
    first_answer_s = time.perf_counter() - t0
    assert f"prolanMetricValue.{rows}" in answer, answer
    publishes, served = [], []
    for k in range(1, 6):
        at = initial.metrics[0].time + dt.timedelta(minutes=10 * k)
        states = [m._replace(value=(m.value or 0) + k, time=at) for m in hub.current.metrics]
        before = agent.index
        t0 = time.perf_counter()
        await asyncio.to_thread(
            hub.publish_run,
            test="LOYALTY_MON",
            at=at,
            states=states,
            test_state=None,
            database_ok=True,
            test_ok=True,
            historical=False,
        )
        publishes.append(time.perf_counter() - t0)
        while agent.index is before:
            await asyncio.sleep(0.001)
        served.append(time.perf_counter() - t0)
        await asyncio.to_thread(hub.wait_idle, 120)
        await asyncio.to_thread(agent.wait_warm, 120)  # let the warm-up finish before the next one
    value = await asyncio.to_thread(snmpget, port, f"prolanMetricValue.{rows}")
    t0 = time.perf_counter()
    agent.builder._metric_cache.clear()  # the reference: every row encoded again
    encoded = agent.builder.warm()
    warm_s = time.perf_counter() - t0
    await agent.stop()
    hub.close()
    return [
        f"{rows:,} metrics of {len({m.point for m in initial.metrics}):,} points (snapshot built in {made:.1f} s)",
        "",
        "| what | time |",
        "|---|---:|",
        f"| agent start (socket, index, pysnmp engine) | {start_s:.2f} s |",
        f"| ... until the first snmpget answer | {first_answer_s:.2f} s |",
        f"| publish of a run changing every metric (`hub.publish_run`), median of 5 | {statistics.median(publishes):.3f} s |",
        f"| ... until the agent serves it (new index swapped in), median of 5 (max {max(served):.3f} s) | {statistics.median(served):.3f} s |",
        f"| reference: encoding every row ({encoded:,} rows, the old publish and start) | {warm_s:.2f} s |",
        "",
        f"Last value served: {value}",
    ]


def main(argv: list[str] | None = None) -> None:
    tune_garbage_collector()  # as `prolan-probe` does at start
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(header("SNMP agent: publish and start at scale"))
    for line in asyncio.run(measure(args.rows)):
        print(line)


if __name__ == "__main__":
    main()
