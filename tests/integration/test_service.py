"""`prolan-probe run` and the scheduler with the real engine: DST alignment, catch-up after a gap,
the whole service as a process (start, evaluate, SIGTERM, exit 0 within 5 s), a dead database at
start, logging to a rotating file, a component that fails to start."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from probe.config import ProbeConfig, load_config
from probe.engine import Evaluator

# Until the engine lands on main (remove then).
from probe.scheduler import AlignedTrigger, TestScheduler, next_boundary
from probe.snapshot import Evaluation, SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import test_runs
from tests.helpers import ROOT

BERLIN = ZoneInfo("Europe/Berlin")

TICK_TEST = """
from probe.api import EvaluationTest, Measurement, Param


class Tick(EvaluationTest):
    name = "TICK"
    description = "Counts nothing, reliably: a clock for the scheduler tests"
    interval_minutes = 10

    def run(self, ctx):
        return [Measurement("Минут в интервале", (ctx.window.end - ctx.window.start).total_seconds() / 60)]
"""


def write_probe(tmp_path: Path, db_url: str, extra: str = "", timezone: str = "Europe/Moscow") -> Path:
    tests_dir = tmp_path / "tests"
    tests_dir.mkdir(exist_ok=True)
    (tests_dir / "tick.py").write_text(TICK_TEST, encoding="utf-8")
    path = tmp_path / "probe.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            timezone = "{timezone}"
            [database]
            url = "{db_url}"
            [snmp]
            enabled = false
            [tests]
            builtin = false
            dirs = ["tests"]
            grace_seconds = 0
            """
        )
        + extra,
        encoding="utf-8",
    )
    return path


def evaluator_for(config: ProbeConfig, engine: Engine, hub: SnapshotHub | None = None) -> Evaluator:
    evaluator = Evaluator(config, engine, hub or SnapshotHub())
    assert evaluator.report.failed == [], evaluator.report.failed
    return evaluator


def stored_ends(engine: Engine, test: str = "TICK") -> list[dt.datetime]:
    with engine.connect() as conn:
        rows = conn.execute(select(test_runs.c.at).where(test_runs.c.test == test).order_by(test_runs.c.at))
        return [row.at.replace(tzinfo=dt.UTC) for row in rows]


# --- alignment with the engine's DST-aware boundaries ---------------------------------------------------


@pytest.mark.parametrize("minutes", [10, 60, 1440])
def test_fire_times_follow_the_local_clock_across_dst(tmp_path: Path, minutes: int) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config = load_config(
        write_probe(tmp_path, url, f"[tests.TICK]\ninterval_minutes = {minutes}\n", timezone="Europe/Berlin")
    )
    engine = open_engine(url)
    init_db(engine)
    evaluator = evaluator_for(config, engine)
    step = dt.timedelta(minutes=minutes)
    grace = dt.timedelta(seconds=20)
    trigger = AlignedTrigger(lambda at: evaluator.boundary_at_or_before("TICK", at), step, grace)
    # Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET (a 25-hour day).
    now = dt.datetime(2026, 10, 24, 22, 0, 5, tzinfo=dt.UTC)  # 00:00:05 CEST
    fires = []
    for _ in range({10: 36, 60: 30, 1440: 3}[minutes]):
        fire = trigger.get_next_fire_time(None, now)
        assert fire is not None
        fires.append(fire)
        now = fire
    ends = [fire - grace for fire in fires]
    for end in ends:
        assert evaluator.boundary_at_or_before("TICK", end) == end
        local = end.astimezone(BERLIN)
        assert local.minute == 0 if minutes >= 60 else local.minute % 10 == 0
        if minutes == 1440:
            assert (local.hour, local.minute) == (0, 0)
    gaps = {b - a for a, b in itertools.pairwise(ends)}
    if minutes == 1440:
        assert [e.astimezone(BERLIN).date() for e in ends] == [dt.date(2026, 10, d) for d in (25, 26, 27)]
        assert ends[1] - ends[0] == dt.timedelta(hours=25)
    else:
        assert gaps == {step}, "every interval is the same real length, also the night clocks go back"
    if minutes == 60:
        # the 25-hour day has 25 hourly boundaries: 00:00 .. 23:00 with 02:00 twice
        assert sum(e.astimezone(BERLIN).date() == dt.date(2026, 10, 25) for e in ends) == 25
    assert next_boundary(lambda at: evaluator.boundary_at_or_before("TICK", at), ends[0], step) == ends[1]
    engine.dispose()


# --- catch-up after a gap with the real engine ------------------------------------------------------


async def test_catch_up_after_a_gap_with_the_real_engine(tmp_path: Path, db_url: str) -> None:
    config = load_config(write_probe(tmp_path, db_url))
    engine = open_engine(db_url)
    init_db(engine)
    seen: list[Evaluation] = []
    hub = SnapshotHub()
    hub.subscribe(lambda _snapshot, evaluation: seen.append(evaluation) if evaluation else None)
    evaluator = evaluator_for(config, engine, hub)
    now = dt.datetime(2026, 11, 22, 9, 0, 7, tzinfo=dt.UTC)  # 12:00:07 Moscow
    noon = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    ten = dt.timedelta(minutes=10)
    evaluator.evaluate("TICK", noon - 6 * ten)  # the probe stopped after 11:00

    scheduler = TestScheduler(evaluator, config.tz, grace_seconds=5, catch_up_intervals=3, clock=lambda: now)
    done = await scheduler.run_due("TICK")
    assert [(e.at, e.historical) for e in done] == [
        (noon - 3 * ten, True),
        (noon - 2 * ten, True),
        (noon - ten, True),
        (noon, False),
    ]
    assert hub.wait_idle(10)  # subscribers get snapshots through their own queue
    assert [e.at for e in seen[-4:]] == [e.at for e in done]
    assert all(e.test_ok and e.database_ok for e in done)
    assert stored_ends(engine) == [noon - 6 * ten, noon - 3 * ten, noon - 2 * ten, noon - ten, noon]

    # A fresh scheduler (a restart) asks the database where history ends: no hole, no repeat.
    scheduler = TestScheduler(
        evaluator, config.tz, grace_seconds=5, catch_up_intervals=144, clock=lambda: now + 2 * ten
    )
    done = await scheduler.run_due("TICK")
    assert [(e.at, e.historical) for e in done] == [(noon + ten, True), (noon + 2 * ten, False)]
    assert stored_ends(engine)[-3:] == [noon, noon + ten, noon + 2 * ten]
    engine.dispose()


# --- the service as a process ---------------------------------------------------------------------


class Service:
    def __init__(self, config: Path, log_path: Path | None, notify_socket: Path | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("NOTIFY_SOCKET", None)
        if notify_socket is not None:
            env["NOTIFY_SOCKET"] = str(notify_socket)
        self.log_path = log_path
        self.stderr_path = config.parent / "stderr.txt"
        self._stderr = self.stderr_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "probe", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            cwd=ROOT,
        )

    def log(self) -> str:
        path = self.log_path or self.stderr_path
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the probe exited ({self.process.returncode}) before {what}:\n{self.log()}"
                )
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()}")

    def terminate(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=10)
        finally:
            self.close()
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.close()


def test_run_catches_up_evaluates_and_stops_on_sigterm(
    tmp_path: Path, db_url: str, services: list[Service]
) -> None:
    log_path = tmp_path / "logs" / "probe.log"
    config_path = write_probe(tmp_path, db_url, f'[logging]\nfile = "{log_path}"\nlevel = "INFO"\n')
    config = load_config(config_path)
    engine = open_engine(db_url)
    init_db(engine)
    evaluator = evaluator_for(config, engine)
    due = evaluator.boundary_at_or_before("TICK", dt.datetime.now(dt.UTC))
    gap_start = due - dt.timedelta(minutes=40)
    evaluator.evaluate("TICK", gap_start)

    service = Service(config_path, log_path)
    services.append(service)
    service.wait_for(lambda: "probe running" in service.log(), "the running state")
    service.wait_for(lambda: stored_ends(engine)[-1] >= due, "the catch-up")
    ends = stored_ends(engine)
    assert ends[:5] == [gap_start + dt.timedelta(minutes=10 * i) for i in range(5)], "a hole in history"
    code, seconds = service.terminate(signal.SIGTERM)
    assert code == 0, service.log()
    assert seconds < 5.0
    text = service.log()
    assert "SIGTERM received: stopping" in text and "component probe.scheduler stopped" in text
    assert "probe stopped" in text
    assert not service.stderr_path.read_text(encoding="utf-8").strip(), "logs go to the file, not stderr"
    engine.dispose()


def test_run_starts_with_a_dead_database_and_stops_on_sigint(tmp_path: Path, services: list[Service]) -> None:
    # Nothing listens on this port: the database is down from the start.
    config_path = write_probe(tmp_path, "postgresql+psycopg://prolan@127.0.0.1:9/aggregator")
    # systemd's side of Type=notify: a datagram socket the probe reports READY=1 and STOPPING=1 to.
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(30)
        service = Service(config_path, None, notify_socket=notify_path)  # logs to stderr
        services.append(service)
        assert notify.recv(1024).decode().startswith("READY=1")
        assert "probe running" in service.log()
        assert "is unavailable at start" in service.log()
        code, seconds = service.terminate(signal.SIGINT)
        assert notify.recv(1024).decode() == "STOPPING=1"
    assert code == 0 and seconds < 5.0, service.log()


def test_a_hanging_test_does_not_hold_the_stop(tmp_path: Path, services: list[Service]) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config_path = write_probe(tmp_path, url, "[tests.HANG]\ntimeout_seconds = 600\n")
    (tmp_path / "tests" / "hang.py").write_text(
        "import time\nfrom probe.api import EvaluationTest\n\n\nclass Hang(EvaluationTest):\n"
        '    name = "HANG"\n\n    def run(self, ctx):\n        time.sleep(600)\n        return []\n',
        encoding="utf-8",
    )
    engine = open_engine(url)
    init_db(engine)
    service = Service(config_path, None)
    services.append(service)
    service.wait_for(lambda: "probe running" in service.log(), "the running state")
    service.wait_for(lambda: len(stored_ends(engine)) >= 1, "TICK evaluated beside the hanging HANG")
    code, seconds = service.terminate()
    assert code == 0 and seconds < 5.0, service.log()
    engine.dispose()
