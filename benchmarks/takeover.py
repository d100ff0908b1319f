"""Takeover after `kill -9` of the active probe (issue 16).

    python -m benchmarks.takeover                       # 10 kills on PostgreSQL and on SQLite
    python -m benchmarks.takeover --kills 2 --skip-sqlite

Two `prolan-probe run` processes against one aggregator (PostgreSQL: a database of its own,
created and dropped; SQLite: a file in a temporary folder), `[ha] lease_seconds` as configured
(default 15, the shipped default). History starts hours behind, so the active instance is always
catching up intervals (one test, 1-minute intervals, each evaluation taking `--evaluation-seconds`):
there is always an interval to evaluate, and the first evaluation after a takeover marks it. Each
round: wait until the active instance has committed a few intervals, `kill -9` it, measure from the
kill to the first interval committed by the other one (run_log.committed_at, same machine's
clock), restart the killed one (it becomes the standby). The kills alternate between the two.
At the end every interval end must be stored exactly once and without holes: lost = missing
interval ends between the first and the last stored, duplicated = run_log rows beyond one per end.

Reference in the same run: a plain restart — one instance alone, stopped with SIGTERM (which
releases the lease) and started again at once — from the signal to its first committed interval
(stop, process start, the scheduler's catch-up; no lease to wait for), and the configured lease.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text

from benchmarks.common import header
from probe.config import load_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import run_log
from tests.service_process import ProbeProcess, free_port

TICK = """
import time

from probe.api import EvaluationTest, Measurement


class Tick(EvaluationTest):
    name = "TICK"
    description = "Takes a fixed time: the benchmark's clock"
    interval_minutes = 1

    def run(self, ctx):
        time.sleep({seconds})
        return [Measurement("Минут в интервале", (ctx.window.end - ctx.window.start).total_seconds() / 60)]
"""

CONFIG = """
name = "probe-takeover"
timezone = "UTC"
[database]
url = "{url}"
[ha]
lease_seconds = {lease}
[tests]
builtin = false
dirs = ["tests"]
grace_seconds = 0
catch_up_intervals = 1000
follow_seconds = 1.0
[snmp]
enabled = false
[ingest]
spool_dir = "spool{instance}"
[ingest.tcp]
listen = "127.0.0.1:{tcp_port}"
"""

GAP_MINUTES = 400  # history this far behind: catching up lasts the whole benchmark


def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit(f"not within {timeout:g} s: {what}")


def committed(engine: Engine) -> list[tuple[dt.datetime, int, dt.datetime]]:
    """(interval end, pid of the storing process, committed at) in commit order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(run_log.c.at, run_log.c.origin, run_log.c.committed_at).order_by(run_log.c.seq)
        )
        return [(row.at, int(row.origin.split(":")[-2]), row.committed_at) for row in rows]


def runs_by(engine: Engine, pid: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(run_log).where(run_log.c.origin.like(f"%:{pid}:%"))
            ).scalar_one()
        )


def first_commit_by(engine: Engine, pid: int, after: float) -> float | None:
    """When `pid` first committed an interval after `after` (epoch seconds), if it did."""
    times = [
        when.timestamp() for _at, who, when in committed(engine) if who == pid and when.timestamp() >= after
    ]
    return min(times) if times else None


class Bench:
    def __init__(self, folder: Path, url: str, lease: float, evaluation_seconds: float) -> None:
        self.folder = folder
        self.url = url
        (folder / "tests").mkdir(exist_ok=True)
        (folder / "tests" / "tick.py").write_text(TICK.format(seconds=evaluation_seconds), encoding="utf-8")
        self.configs: list[Path] = []
        self.ports: list[int] = []
        for i in range(2):
            port = free_port()
            path = folder / f"probe{i}.toml"
            path.write_text(
                textwrap.dedent(CONFIG).format(url=url, lease=lease, instance=i, tcp_port=port),
                encoding="utf-8",
            )
            self.configs.append(path)
            self.ports.append(port)
        self.engine = open_engine(url)
        init_db(self.engine)
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        self.start = now - dt.timedelta(minutes=GAP_MINUTES)
        Evaluator(load_config(self.configs[0]), self.engine, SnapshotHub()).evaluate("TICK", self.start)
        self.processes: list[ProbeProcess | None] = [None, None]
        self.starts = 0

    def launch(self, i: int) -> ProbeProcess:
        self.starts += 1
        process = ProbeProcess(self.configs[i], self.ports[i], self.folder / f"probe{i}.{self.starts}.log")
        self.processes[i] = process
        return process

    def plain_restart(self) -> float:
        """One instance alone, restarted by hand: SIGTERM (a clean stop releases the lease), started
        again at once, until its first committed interval — the outage of a plain restart."""
        process = self.launch(0)
        wait(lambda: runs_by(self.engine, process.process.pid) >= 2, 120, "the single instance evaluates")
        killed = time.time()
        process.stop()
        again = self.launch(0)
        wait(lambda: runs_by(self.engine, again.process.pid) >= 1, 120, "the restarted instance evaluates")
        first = first_commit_by(self.engine, again.process.pid, killed)
        assert first is not None
        again.kill()
        return first - killed

    def takeovers(self, kills: int) -> list[float]:
        active = self.launch(0)
        wait(lambda: runs_by(self.engine, active.process.pid) >= 1, 120, "the first instance evaluates")
        standby_index = 1
        standby = self.launch(standby_index)
        self._until_standby(standby)
        seconds: list[float] = []
        for _round in range(kills):
            seconds.append(self._one_kill(active, standby))
            print(f"  kill {len(seconds)}: takeover {seconds[-1]:.2f} s", flush=True)
            killed_index = 1 - standby_index
            active, standby_index = standby, killed_index
            standby = self.launch(standby_index)  # the killed one comes back as the standby
            self._until_standby(standby)
        for process in self.processes:
            if process is not None:
                process.kill()
        return seconds

    def _one_kill(self, active: ProbeProcess, standby: ProbeProcess) -> float:
        pid, target = active.process.pid, runs_by(self.engine, active.process.pid) + 3
        wait(lambda: runs_by(self.engine, pid) >= target, 120, "the active one evaluates")
        killed = time.time()
        active.kill()
        taker = standby.process.pid
        wait(lambda: first_commit_by(self.engine, taker, killed) is not None, 120, "the takeover")
        first = first_commit_by(self.engine, taker, killed)
        assert first is not None
        return first - killed

    @staticmethod
    def _until_standby(process: ProbeProcess) -> None:
        wait(lambda: "this service is a standby" in process.log_text(), 60, "a standby")

    def integrity(self) -> tuple[int, int, int]:
        """(interval ends stored, lost, duplicated) over the stored range."""
        ends = [at for at, _pid, _when in committed(self.engine)]
        distinct = sorted(set(ends))
        span = int((distinct[-1] - distinct[0]).total_seconds() // 60) + 1
        return len(distinct), span - len(distinct), len(ends) - len(distinct)

    def close(self) -> None:
        for process in self.processes:
            if process is not None:
                process.kill()
        self.engine.dispose()


def run(name: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    reference = Bench(
        folder / "reference", url_for(url, folder, "reference"), args.lease, args.evaluation_seconds
    )
    try:
        restarts = [reference.plain_restart() for _ in range(3)]
    finally:
        reference.close()
    bench = Bench(folder / "takeover", url_for(url, folder, "takeover"), args.lease, args.evaluation_seconds)
    load_before = os.getloadavg()[0]
    try:
        seconds = bench.takeovers(args.kills)
        stored, lost, duplicated = bench.integrity()
    finally:
        bench.close()
    load_after = os.getloadavg()[0]
    print(
        f"{name}: {args.kills} kills -9 (alternating), lease {args.lease:g} s, evaluation {args.evaluation_seconds:g} s"
    )
    print(
        f"  takeover (kill → first interval committed by the other instance): median {statistics.median(seconds):.2f} s, "
        f"min {min(seconds):.2f} s, max {max(seconds):.2f} s (goal < 30 s)"
    )
    print(f"  intervals stored {stored}, lost {lost}, duplicated {duplicated} (goal 0 and 0)")
    print(
        f"  reference: plain restart (SIGTERM, start again) → first interval: median {statistics.median(restarts):.2f} s "
        f"({', '.join(f'{s:.2f}' for s in restarts)}); lease {args.lease:g} s"
    )
    print(f"  load average {load_before:.1f} → {load_after:.1f}")


_databases: list[str] = []


def url_for(url: str, folder: Path, name: str) -> str:
    if url == "sqlite":
        (folder / name).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / name / 'aggregator.sqlite'}"
    database = f"prolan_takeover_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    _databases.append(database)
    (folder / name).mkdir(parents=True, exist_ok=True)
    return url.rsplit("/", 1)[0] + f"/{database}"


def drop_databases(url: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for database in _databases:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--lease", type=float, default=15.0, help="[ha] lease_seconds (default: the shipped 15)"
    )
    parser.add_argument("--evaluation-seconds", type=float, default=0.2)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--keep", help="a folder to keep the configs and the instances' logs in")
    args = parser.parse_args()
    print(header("Takeover after kill -9 of the active probe"), f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="prolan-takeover-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        try:
            if not args.skip_pg:
                run("PostgreSQL", args.pg, args, folder / "pg")
            if not args.skip_sqlite:
                run("SQLite", "sqlite", args, folder / "sqlite")
        finally:
            if _databases:
                drop_databases(args.pg)


if __name__ == "__main__":
    main()
