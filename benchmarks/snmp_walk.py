"""`snmpbulkwalk -Cr50` of the metric table served by the probe's agent, side by side with
net-snmp's snmpd serving a table with the same number of rows, in the same run.

The probe's agent runs in this process (its own event loop in a thread) over a snapshot of N
metrics; snmpd gets the same N rows as `override` lines of a generated snmpd.conf (values in
snmpd's memory, its native fast path; the lines are written in descending OID order because
snmpd inserts each registration by walking its list from the start: ascending order makes the
load quadratic — 100,000 rows then take minutes, descending takes seconds).

snmpd's table has one column (N instances), so the fair figure is the walk of the probe's
prolanMetricName column (N instances); the walk of the whole metric table (16 columns, 16 × N
instances) is shown as well. Both walks use the same client command with numeric output.

    python -m benchmarks.snmp_walk            # 10,000 rows
    python -m benchmarks.snmp_walk --full     # 100,000 rows (the issue's size)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import header
from probe.assess import ThresholdTable
from probe.config import parse_config
from probe.levels import Level
from probe.snapshot import MetricState, Snapshot, SnapshotHub
from probe.snmp.agent import SnmpAgent
from probe.snmp.limits import SourceRateLimiter
from probe.snmp.oids import Layout

REFERENCE_ROOT = "1.3.6.1.4.1.99999.1.2.1.2"  # a private OID for snmpd's copy of the name column
LEVELS = list(Level)


def metric_name(i: int) -> str:
    return f"LOYALTY_MON. УСОКОК. Точка {i}. % негативных ответов. Интервал 10 мин"


def snapshot(rows: int) -> Snapshot:
    at = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    table = ThresholdTable.higher_worse(20, 40, 60, 80)
    metrics = tuple(
        MetricState(
            id=i,
            key=f"loyalty_mon.usokok.p{i}.neg_pct.interval",
            name=metric_name(i),
            test="LOYALTY_MON",
            short_name="% негативных ответов",
            value=(i % 1000) / 10,
            level=LEVELS[i % len(LEVELS)],
            time=at,
            unit="%",
            point=f"Точка {i}",
            region="Москва/ЮЗАО",
            thresholds=table,
        )
        for i in range(1, rows + 1)
    )
    return Snapshot(metrics=metrics, updated_at=at)


def env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "MIBS": "", "SNMP_PERSISTENT_DIR": str(tmp), "SNMPCONFPATH": str(tmp)}


def walk(tmp: Path, port: int, oid: str) -> tuple[int, float]:
    """(instances received, seconds) of one snmpbulkwalk -Cr50."""
    cmd = ["snmpbulkwalk", "-v2c", "-c", "public", "-Cr50", "-On", "-t", "10", f"127.0.0.1:{port}", oid]
    output = tmp / "walk.out"
    # The client writes to a file, not a pipe: reading a pipe here would take the GIL from the
    # agent's thread in this same process while it serves the walk.
    with output.open("wb") as out:
        start = time.perf_counter()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, env=env(tmp), check=False)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr.decode(errors='replace')}")
    text = output.read_bytes()
    # non-ASCII strings print as multi-line hex dumps: count the lines that start an instance
    return text.count(b"\n.1.3.6.") + text.startswith(b".1.3.6."), elapsed


def cpu_seconds(pid: int | None) -> float:
    """CPU time used so far by snmpd (pid) or by this process, where the agent runs (None)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(tmp: Path, port: int, oid: str, expected: int, pid: int | None = None) -> tuple[float, float]:
    """(OIDs per wall-clock second, OIDs per CPU second of the server) of one walk."""
    cpu = cpu_seconds(pid)
    count, seconds = walk(tmp, port, oid)
    cpu = cpu_seconds(pid) - cpu
    if count != expected:
        raise RuntimeError(f"walk of {oid} returned {count} instances, expected {expected}")
    return count / seconds, count / max(cpu, 1e-3)


class AgentThread:
    def __init__(self, rows: int, state_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        config = parse_config({"snmp": {"listen": "127.0.0.1:0", "max_repetitions": 1000}})
        # The per-source rate limit is off: this measures how fast the agent can serve one walker.
        self.agent = SnmpAgent(
            config, SnapshotHub(snapshot(rows)), state_dir=state_dir, limiter=SourceRateLimiter(0, 0)
        )
        asyncio.run_coroutine_threadsafe(self.agent.start(), self.loop).result(120)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.agent.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def start_snmpd(tmp: Path, rows: int) -> tuple[subprocess.Popen[bytes], int, float]:
    conf = tmp / "snmpd.conf"
    with conf.open("w", encoding="utf-8") as out:
        out.write("rocommunity public 127.0.0.1\n")
        for i in range(rows, 0, -1):  # descending: see the module docstring
            out.write(f'override {REFERENCE_ROOT}.{i} octet_str "{metric_name(i)}"\n')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen(
        ["snmpd", "-f", "-C", "-c", str(conf), "-Lf", str(tmp / "snmpd.log"), f"udp:127.0.0.1:{port}"],
        env=env(tmp),
    )
    last = f"{REFERENCE_ROOT}.{rows}"
    for _ in range(1200):
        probe = subprocess.run(
            ["snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0", f"127.0.0.1:{port}", last],
            capture_output=True,
            env=env(tmp),
            check=False,
        )
        if probe.returncode == 0 and b"No Such" not in probe.stdout:
            return process, port, time.perf_counter() - started
        if process.poll() is not None:
            raise RuntimeError(f"snmpd exited: {(tmp / 'snmpd.log').read_text(errors='replace')}")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("snmpd did not load its table within 4 minutes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--full", action="store_true", help="100,000 rows (the issue's size)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="walks per target, alternating; the best is reported"
    )
    args = parser.parse_args(argv)
    rows = 100_000 if args.full else args.rows
    if not shutil.which("snmpbulkwalk") or not Path("/usr/sbin/snmpd").exists():
        print("needs net-snmp: apt-get install snmp snmpd", file=sys.stderr)
        return 2
    os.environ["PATH"] += ":/usr/sbin"
    print(header(f"SNMP bulk walk, {rows:,} rows"))
    layout = Layout()
    name_column = ".".join(map(str, (*layout.metric_entry, 2)))
    table = ".".join(map(str, layout.metric_entry))
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        agent = AgentThread(rows, tmp / "snmp-state")
        build_seconds = time.perf_counter() - t0
        snmpd, snmpd_port, snmpd_load = start_snmpd(tmp, rows)
        try:
            port = agent.agent.address[1]
            # Alternate the two servers so that a change in the machine's load hits both alike.
            probe_rates: list[tuple[float, float]] = []
            snmpd_rates: list[tuple[float, float]] = []
            for _ in range(args.repeat):
                probe_rates.append(rate(tmp, port, name_column, rows))
                snmpd_rates.append(rate(tmp, snmpd_port, REFERENCE_ROOT, rows, snmpd.pid))
            probe_table_rates = [rate(tmp, port, table, rows * 16) for _ in range(max(1, args.repeat - 2))]
            probe_column, reference, probe_table = (
                max(r[0] for r in rates) for rates in (probe_rates, snmpd_rates, probe_table_rates)
            )
            probe_column_cpu, reference_cpu, probe_table_cpu = (
                max(r[1] for r in rates) for rates in (probe_rates, snmpd_rates, probe_table_rates)
            )
            t0 = time.perf_counter()
            agent.agent.hub.publish(agent.agent.hub.current)  # a publish with nothing changed
            rebuild_seconds = time.perf_counter() - t0
        finally:
            agent.close()
            snmpd.terminate()
            snmpd.wait(10)
    print(
        f"probe agent start (index of {rows:,} metrics): {build_seconds:.1f} s; rebuild on publish: {rebuild_seconds:.2f} s"
    )
    print(f"snmpd start (loading {rows:,} override lines): {snmpd_load:.1f} s")
    print()
    print(
        "| walk (snmpbulkwalk -Cr50) | instances | OIDs/s (wall) | vs snmpd | OIDs per server CPU-s | vs snmpd |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    lines = (
        (f"snmpd, {rows:,}-row table (override)", rows, reference, reference_cpu),
        (f"probe, prolanMetricName ({rows:,} rows)", rows, probe_column, probe_column_cpu),
        ("probe, whole prolanMetricTable (16 columns)", rows * 16, probe_table, probe_table_cpu),
    )
    for label, count, wall, cpu in lines:
        print(
            f"| {label} | {count:,} | {wall:,.0f} | {wall / reference:.2f} | {cpu:,.0f} | {cpu / reference_cpu:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
