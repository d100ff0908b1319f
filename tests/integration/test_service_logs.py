"""Logs an operator can read (issue 18, point 3), from a real `prolan-probe run`: one line at start
(components with their addresses, database, role), one INFO line per evaluation run (test,
interval, metrics, level changes, duration), level changes at DEBUG unless a trap target exists,
every time in the configured time zone with its offset."""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

pytestmark = pytest.mark.slow

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})([+-]\d\d:\d\d) (\w+) ([\w.]+): (.*)$")


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_probe_until(config: Path, pattern: str, count: int, timeout: float = 120) -> list[str]:
    """`prolan-probe run` until `count` log lines match `pattern`; then SIGINT; its log lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "probe", "--config", str(config), "run"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"},
    )
    assert process.stderr is not None
    stderr = process.stderr
    received: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [received.put(x) for x in stderr], daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                lines.append(received.get(timeout=0.5).rstrip("\n"))
            except queue.Empty:
                continue
            if sum(1 for x in lines if re.search(pattern, x)) >= count:
                break
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    time.sleep(0.3)
    while not received.empty():
        lines.append(received.get().rstrip("\n"))
    return lines


def _config(tmp_path: Path, timezone: str, history_end: dt.datetime, extra: str = "") -> Path:
    """A probe with demo history up to `history_end` (its first runs evaluate what is due since)."""
    config = tmp_path / "probe.toml"
    config.write_text(
        f'timezone = "{timezone}"\n[database]\nurl = "sqlite:///{tmp_path / "a.sqlite"}"\n'
        f'[snmp]\nlisten = "127.0.0.1:{free_port(socket.SOCK_DGRAM)}"\n'
        f'[ingest.tcp]\nlisten = "127.0.0.1:{free_port(socket.SOCK_STREAM)}"\ntokens = ["t0ken"]\n{extra}',
        encoding="utf-8",
    )
    run_cli(
        "demo", "--hours", "2", "--until", history_end.isoformat(), config=config, check=True, timeout=300
    )
    return config


def test_start_line_one_line_per_run_local_times_and_quiet_level_changes(tmp_path: Path) -> None:
    # history that ends an hour ago: the first runs catch up the missed intervals. Not in the first
    # minute after a boundary: the probe (started after the demo history is written) could then
    # still be in the grace period of the newest boundary, and one interval fewer be due.
    now = dt.datetime.now(dt.UTC)
    since_boundary = now - now.replace(minute=now.minute // 10 * 10, second=0, microsecond=0)
    if since_boundary < dt.timedelta(seconds=60):
        time.sleep((dt.timedelta(seconds=60) - since_boundary).total_seconds())
    config = _config(tmp_path, "Asia/Yekaterinburg", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    lines = run_probe_until(config, r"probe\.scheduler: LOYALTY_MON: interval", 1)
    parsed = [STAMP.match(line) for line in lines]
    assert all(parsed), [line for line, p in zip(lines, parsed, strict=True) if not p]
    assert {p.group(2) for p in parsed if p} == {"+05:00"}  # Asia/Yekaterinburg, not the machine's UTC
    info = [p for p in parsed if p and p.group(3) == "INFO"]
    assert info[0].group(5).startswith("PROLAN probe ") and " starting (config " in info[0].group(5)
    start = info[1].group(5)
    assert start.startswith("probe running (PROLAN ")
    assert re.search(r"SNMP v2c 127\.0\.0\.1:\d+", start) and re.search(
        r"ingest \(TCP 127\.0\.0\.1:\d+ AUTH\)", start
    )
    assert "scheduler (6 tests" in start and "database sqlite:///" in start and "role active" in start
    runs = [p.group(5) for p in info if p.group(4) == "probe.scheduler"]
    loyalty = next(r for r in runs if r.startswith("LOYALTY_MON:"))
    match = re.match(
        r"LOYALTY_MON: interval (\d{4}-\d\d-\d\d \d\d:\d\d)–(\d\d:\d\d) and (\d+) missed before it: "
        r"(\d+) metrics, (\d+) level changes, (\d+\.\d\d) s$",
        loyalty,
    )
    assert match is not None, loyalty
    local_now = dt.datetime.now(dt.timezone(dt.timedelta(hours=5)))
    assert abs(
        dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M") - local_now.replace(tzinfo=None)
    ) < dt.timedelta(minutes=25)
    assert int(match.group(3)) >= 5 and int(match.group(4)) > 100 and int(match.group(5)) > 0
    # every test has exactly one line for its run, the level changes themselves are not at INFO
    assert sorted(r.split(":")[0] for r in runs) == sorted({r.split(":")[0] for r in runs})
    assert not [p for p in info if "notification" in p.group(5).lower()]
    # From the signal on (a run that was under way may still finish and log its line meanwhile).
    signalled = next(i for i, p in enumerate(info) if p.group(5) == "SIGINT received: stopping")
    # The signal is sent when LOYALTY_MON's line appears: the two start lines and that line come
    # before it; the other tests' runs may finish on either side of it.
    before = [p.group(5) for p in info[:signalled]]
    assert signalled >= 3 and any(line.startswith("LOYALTY_MON:") for line in before), before
    stop = [p.group(5) for p in info[signalled:] if p.group(4) != "probe.scheduler"]
    assert stop[0] == "SIGINT received: stopping" and stop[-1] == "probe stopped", stop
    # the active probe gives its lease up on a clean stop once its scheduler and notifier stopped
    # (issue 16): a standby takes over at once
    released = stop.index("lease released (epoch 1): a standby takes over")
    assert stop[released - 1] == "component probe.scheduler stopped", stop
    rest = stop[1:released] + stop[released + 1 : -1]
    assert all(line.startswith("component ") and line.endswith(" stopped") for line in rest), stop


def test_level_changes_are_logged_when_a_trap_target_gets_them(tmp_path: Path) -> None:
    target = free_port(socket.SOCK_DGRAM)  # nobody listens: traps are fire-and-forget
    # history up to the interval before the last: the run evaluates the last one, which has no
    # presses, so levels change and are news (a catch-up of past intervals sends no traps)
    now = dt.datetime.now(dt.UTC)
    boundary = now.replace(minute=now.minute // 10 * 10, second=0, microsecond=0)
    if boundary + dt.timedelta(minutes=10) - now < dt.timedelta(seconds=150):
        # the next boundary would pass while the history is written: start after it instead
        time.sleep((boundary + dt.timedelta(minutes=10, seconds=30) - now).total_seconds())
        boundary += dt.timedelta(minutes=10)
    elif now - boundary < dt.timedelta(seconds=60):
        # the grace period of the last boundary (20 s) may end while the history is written, or
        # not: wait until it has, so that the run evaluates exactly that boundary's interval
        time.sleep((boundary + dt.timedelta(seconds=60) - now).total_seconds())
    extra = f'[[snmp.trap_targets]]\naddress = "127.0.0.1:{target}"\n'
    config = _config(tmp_path, "Europe/Moscow", boundary - dt.timedelta(minutes=10), extra)
    lines = run_probe_until(config, r"SNMP notification to 1 target", 1)
    assert any(
        re.search(r"\+03:00 INFO probe\.snmp\.agent: SNMP notification to 1 target\(s\): ", x) for x in lines
    )
