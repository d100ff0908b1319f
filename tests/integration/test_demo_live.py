"""The living demo (issue 18, point 1): the simulator presses through a running probe's real TCP
ingest, queue samples go in through `prolan-probe queue import`, the degrading point's level
changes within simulated minutes and its notification reaches the demo's mail folder; and
`prolan-probe demo --live` runs everything under one supervisor that Ctrl-C stops completely."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from probe.demo.chain import DEGRADING_POINT, LIVE_TROUBLES, Chain, demo_topology, live_degradation
from probe.demo.live import DEMO_RULE, LiveDemoSettings, demo_config_text
from probe.demo.mailsink import MailSink
from probe.store.db import open_engine
from probe.store.schema import presses, queue_samples
from tests.helpers import ROOT, run_cli

TZ = ZoneInfo("Europe/Moscow")
NEGATIVE = f"LOYALTY_MON. УСОКОК. {DEGRADING_POINT}. % негативных ответов. Интервал 10 мин"

pytestmark = pytest.mark.slow


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def env_for(data: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PROLAN_DATA_DIR": str(data), "LANG": "C.UTF-8"}


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_live_troubles_make_some_interval_bad_whenever_one_looks() -> None:
    degradation = live_degradation(TZ)

    def mean(point: str, start: dt.datetime) -> float:
        return sum(degradation(point, start + dt.timedelta(minutes=m)) for m in range(10)) / 10

    for hour in (8, 12, 21):  # every interval of an hour in the opening hours has a bad point
        for minute in range(0, 60, 10):
            start = dt.datetime(2026, 11, 20, hour, minute, tzinfo=TZ)
            assert max(mean(point, start) for point in LIVE_TROUBLES) >= 0.9, start
    # and recovers: each troubled point is as usual for most of the hour
    for point in LIVE_TROUBLES:
        usual = [m for m in range(60) if degradation(point, dt.datetime(2026, 11, 20, 12, m, tzinfo=TZ)) == 0]
        assert len(usual) >= 30, point
    night = dt.datetime(2026, 11, 20, 3, 10, tzinfo=TZ)
    assert degradation(DEGRADING_POINT, night) == 1.0  # the 24-hour station has troubles at night too
    assert degradation(DEGRADING_POINT, night.replace(minute=45)) == 0.0
    assert degradation("Калужская", night) == 0.0


def test_chain_respects_opening_hours_and_rush_hours() -> None:
    import random

    chain = Chain(demo_topology(), TZ, live_degradation(TZ))
    rng = random.Random(5)

    def pads_pressed(hour: int) -> tuple[set[str], int]:
        """Pads pressed and presses in 60 draws of the trouble-free minutes hh:35-hh:45 of a Wednesday."""
        seen: set[str] = set()
        count = 0
        for draw in range(60):
            minute = dt.datetime(2026, 11, 18, hour, 35 + draw % 10, tzinfo=TZ)
            for press in chain.minute(rng, minute):
                seen.add(press.pad_id)
                count += 1
        return seen, count

    night, _count = pads_pressed(3)
    assert night <= {"P-103", "P-106", "P-112"}  # only the petrol stations are open at 03:00
    _seen, morning = pads_pressed(10)
    _seen, rush = pads_pressed(18)
    assert rush > 1.5 * morning


def _probe_config(tmp_path: Path, *, ingest: int, smtp: int, snmp: int, token: str) -> Path:
    settings = LiveDemoSettings(
        folder=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'demo.sqlite'}",
        timezone="Europe/Moscow",
        ingest=f"127.0.0.1:{ingest}",
        smtp=f"127.0.0.1:{smtp}",
        snmp=f"127.0.0.1:{snmp}",
        token=token,
    )
    path = tmp_path / "demo.toml"
    path.write_text(demo_config_text(settings), encoding="utf-8")
    return path


def test_simulator_presses_through_the_real_ingest_and_the_degrading_point_turns_bad(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    ingest, smtp, snmp = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    config = _probe_config(tmp_path, ingest=ingest, smtp=smtp, snmp=snmp, token="s3cret-token")
    sink = MailSink("127.0.0.1", smtp, tmp_path / "mail")
    sink.start()
    try:
        # the topology only: the chain's pads exist, no history
        result = run_cli("demo", "--days", "0", config=config, check=True)
        assert "12 pads, 0 presses" in result.stdout
        probe = subprocess.Popen(
            [sys.executable, "-m", "probe", "--config", str(config), "run"],
            cwd=ROOT,
            env=env_for(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(probe)
        wait_until(lambda: port_open(ingest), "the probe's ingest")

        # Yesterday 11:40-12:30 local time at 60 simulated minutes per real minute: the degrading
        # point is as usual until 11:55, worsens to 12:00 and is plainly bad until 12:20.
        # The simulator's presses depend on its seed and the local times of a weekday only, so the
        # last Wednesday gives the same presses every week.
        day = (dt.datetime.now(TZ) - dt.timedelta(days=1)).date()
        day -= dt.timedelta(days=(day.weekday() - 2) % 7)
        start = dt.datetime.combine(day, dt.time(11, 40), TZ)
        simulated = run_cli(
            "simulate", "--start", start.isoformat(), "--speed", "60", "--minutes", "50",
            config=config, check=True, timeout=300, env={"PROLAN_DATA_DIR": str(tmp_path)},
        )  # fmt: skip
        summary = re.search(
            r"(\d+) presses sent \((\d+) OK, (\d+) refused\), (\d+) queue samples", simulated.stdout
        )
        assert summary is not None, simulated.stdout + simulated.stderr
        sent, ok, refused, samples = map(int, summary.groups())
        assert sent > 100 and ok == sent and refused == 0
        assert samples >= 12 * 9  # every open point every 5 simulated minutes, through `queue import`

        engine = open_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
        since = start.astimezone(dt.UTC).replace(tzinfo=None)
        with engine.connect() as conn:
            through_tcp = conn.execute(
                select(func.count()).where(presses.c.source == "tcp:127.0.0.1", presses.c.pressed_at >= since)
            ).scalar_one()
            sampled = conn.execute(
                select(func.count()).where(queue_samples.c.sampled_at >= since)
            ).scalar_one()
        engine.dispose()
        assert through_tcp == sent
        assert sampled == samples

        def level_at(local: str) -> str:
            at = dt.datetime.combine(day, dt.time.fromisoformat(local), TZ).isoformat()
            out = run_cli("evaluate", "--test", "LOYALTY_MON", "--at", at, "--format", "json", config=config)
            assert out.returncode == 0, out.stderr
            return str({m["name"]: m for m in json.loads(out.stdout)}[NEGATIVE]["level"])

        assert level_at("11:50") in ("good", "acceptable")
        assert level_at("12:10") == "bad"
        # the second interval in a row at "edge" or worse opens the demo rule's incident
        assert level_at("12:20") in ("edge", "bad")

        # The running probe's notifier sends it to the demo's mail server: an .eml file.
        wait_until(lambda: any((tmp_path / "mail").glob("*.eml")), "the demo rule's mail", timeout=90)
        mail = message_from_bytes(next((tmp_path / "mail").glob("*.eml")).read_bytes(), policy=default_policy)
        assert "quality@demo.example" in mail["To"]
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None and DEGRADING_POINT in body.get_content()
    finally:
        sink.stop()
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(20)
    log = processes[0].stdout.read() if processes[0].stdout else ""
    assert "Traceback" not in log, log


def _children_of(pid: int) -> set[int]:
    """Every process whose parent is `pid`, and theirs (from /proc)."""
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent and int(entry.name) not in found:
                found.add(int(entry.name))
                frontier.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start_live_demo(
    data: Path, processes: list[subprocess.Popen[str]], output: int
) -> tuple[subprocess.Popen[str], int, int]:
    """`prolan-probe demo --live` without history on free ports; returns it, its ingest and SNMP ports."""
    ingest, smtp, snmp = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "probe", "demo", "--live", "--days", "0", "--no-console",
            "--ingest", f"127.0.0.1:{ingest}", "--smtp", f"127.0.0.1:{smtp}", "--snmp", f"127.0.0.1:{snmp}",
        ],
        cwd=ROOT,
        env=env_for(data),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    processes.append(demo)
    return demo, ingest, snmp


def test_live_demo_runs_probe_simulator_and_mail_server_and_ctrl_c_stops_them_all(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    data = tmp_path / "data"
    demo, ingest, snmp = start_live_demo(data, processes, subprocess.PIPE)
    lines: list[str] = []
    assert demo.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "mails:" in line:
            break
    output = "".join(lines)
    assert "configuration:" in output and "snmptable" in output, output
    config = data / "demo" / "demo.toml"
    assert config.exists() and f"127.0.0.1:{ingest}" in config.read_text(encoding="utf-8")
    children = _children_of(demo.pid)
    commands = {
        pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children
    }
    assert any(" run" in c for c in commands.values()) and any(" simulate " in c for c in commands.values())

    # The mail server is the demo's: a message of its rule lands as an .eml file in the data folder.
    sent = run_cli("notify", "test", "--rule", DEMO_RULE, config=config, env={"PROLAN_DATA_DIR": str(data)})
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert len(list((data / "demo" / "mail").glob("*.eml"))) == 1
    # SNMP answers on the demo's port.
    snmp_out = subprocess.run(
        ["snmpget", "-v2c", "-c", "public", "-On", f"127.0.0.1:{snmp}", "1.3.6.1.2.1.1.3.0"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "Timeticks" in snmp_out.stdout, snmp_out.stdout + snmp_out.stderr

    demo.send_signal(signal.SIGINT)
    rest, _unused = demo.communicate(timeout=30)
    output += rest
    assert demo.returncode == 0, output
    assert "demo: stopped (1 mails" in output
    assert "Traceback" not in output, output
    wait_until(lambda: not any(_alive(pid) for pid in children), "every child of the demo to exit", 10)
    assert not port_open(ingest)


def test_a_killed_supervisor_leaves_nothing_running(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    demo, ingest, _snmp = start_live_demo(tmp_path / "data", processes, subprocess.DEVNULL)
    wait_until(lambda: port_open(ingest), "the demo's probe", timeout=120)
    wait_until(lambda: len(_children_of(demo.pid)) >= 2, "the probe and the simulator", timeout=30)
    children = _children_of(demo.pid)
    demo.kill()
    demo.wait(10)
    wait_until(lambda: not any(_alive(pid) for pid in children), "the orphans to exit", 20)
