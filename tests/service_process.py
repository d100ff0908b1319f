"""`prolan-probe run` as a real process for end-to-end tests, with its TCP ingest and a line
client that sends presses and waits for their `OK`."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ProbeProcess:
    """`prolan-probe --config FILE run` with stderr kept in a file; ready when ingest listens."""

    def __init__(self, config: Path, tcp_port: int, log: Path) -> None:
        self.config = config
        self.port = tcp_port
        self.log = log
        self._stderr = log.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "probe", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(encoding="utf-8")
            try:
                socket.create_connection(("127.0.0.1", tcp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError(
            f"the probe does not listen on {tcp_port}:\n{self.log.read_text(encoding='utf-8')}"
        )

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait: a clean stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return int(self.process.returncode)

    def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self._stderr.close()


def send_presses(port: int, lines: list[str], timeout: float = 20) -> list[tuple[str, float]]:
    """Send lines one by one; the answer of each and the monotonic time it arrived."""
    answers: list[tuple[str, float]] = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        reader = sock.makefile("rb")
        for line in lines:
            sock.sendall(line.encode("utf-8") + b"\n")
            answer = reader.readline().decode("utf-8").rstrip("\n")
            answers.append((answer, time.monotonic()))
    return answers


def wait_for(condition: object, timeout: float, step: float = 0.02) -> float:
    """Poll `condition()` until true; the monotonic time it became true (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return time.monotonic()
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")
