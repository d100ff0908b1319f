"""Durability of accepted presses against the real PostgreSQL server: an outage during ingest
(a TCP proxy in front of the server is cut and restored; the server itself keeps running for
everybody else) and a `kill -9` of `prolan-probe run` in the middle of a stream."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from probe.store.db import init_db, open_engine
from probe.store.schema import ingest_counts, presses
from tests.integration.ingest_helpers import (
    T0,
    Client,
    CuttableProxy,
    ingest_config,
    press_line,
    running,
    setup_topology,
    stored,
    stored_times,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(("127.0.0.1", 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def direct(pg_schema_url: str) -> Iterator[Engine]:
    """An engine straight to the server (never cut), with the schema and topology."""
    engine = open_engine(pg_schema_url)
    init_db(engine)
    setup_topology(engine)
    yield engine
    engine.dispose()


def through(proxy: CuttableProxy, url: str) -> str:
    return url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


async def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_outage_spools_answers_ok_and_writes_in_order_when_the_database_returns(
    direct: Engine, pg_schema_url: str, proxy: CuttableProxy, tmp_path: Path
) -> None:
    url = through(proxy, pg_schema_url)
    engine = open_engine(url, connect_timeout=1)
    config = ingest_config(url, tmp_path / "spool", tcp={}, db_timeout_seconds=1.0)
    async with running(config, engine) as service:
        client = await Client.connect(service.tcp.address[1])  # type: ignore[union-attr]
        assert await client.send(*[press_line(i) for i in range(10)]) == ["OK"] * 10
        assert stored(direct) == 10 and not service.spool.pending
        proxy.cut()
        latencies = []
        for i in range(10, 30):
            started = time.monotonic()
            assert await client.send(press_line(i)) == ["OK"]
            latencies.append(time.monotonic() - started)
        # a retry of presses already stored and already spooled
        assert await client.send(press_line(3), press_line(15)) == ["OK", "OK"]
        assert max(latencies) < 2.5  # one slow first attempt at most, then straight to the spool
        assert stored(direct) == 10
        assert service.spool.pending_records() == 22
        await asyncio.sleep(0.5)  # retries fail while the database is away
        assert stored(direct) == 10
        proxy.restore()
        await wait_until(lambda: not service.spool.pending)
        assert stored(direct) == 30
        # written in the order they were accepted
        times = stored_times(direct)
        assert times == sorted(times) and times[-1] == T0 + dt.timedelta(milliseconds=250 * 29)
        # back to direct writes
        assert await client.send(press_line(30)) == ["OK"]
        assert stored(direct) == 31 and not service.spool.pending
        await client.close()
    engine.dispose()
    with direct.connect() as conn:
        counts = conn.execute(select(ingest_counts)).all()
    assert sum(r.spooled for r in counts) == 22 and sum(r.received for r in counts) == 33


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Probe:
    """`prolan-probe run` as a real process."""

    def __init__(self, tmp_path: Path, url: str, port: int, name: str) -> None:
        config = tmp_path / f"{name}.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\nconnect_timeout_seconds = 1\n[snmp]\nenabled = false\n'
            f'[tests]\nbuiltin = false\n[ingest]\nspool_dir = "{tmp_path / "spool"}"\n'
            f'db_timeout_seconds = 1.0\nretry_seconds = 0.2\n[ingest.tcp]\nlisten = "127.0.0.1:{port}"\n',
            encoding="utf-8",
        )
        self.stderr = (tmp_path / f"{name}.stderr").open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "probe", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            env=env,
            cwd=ROOT,
        )
        self.port = port
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (tmp_path / f"{name}.stderr").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the probe does not listen")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.stderr.close()


def stream(port: int, acknowledged: list[str], stop: threading.Event) -> None:
    """Send presses one after another, remembering each one answered OK, until the probe dies."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        reader = sock.makefile("rb")
        i = 1000
        while not stop.is_set():
            line = press_line(i)
            try:
                sock.sendall(line.encode() + b"\n")
                answer = reader.readline()
            except OSError:
                return
            if answer != b"OK\n":
                return
            acknowledged.append(line)
            i += 1


def test_kill_9_during_a_stream_loses_nothing_answered_ok(
    direct: Engine, pg_schema_url: str, proxy: CuttableProxy, tmp_path: Path
) -> None:
    url = through(proxy, pg_schema_url)
    port = free_port()
    probe = Probe(tmp_path, url, port, "first")
    acknowledged: list[str] = []
    stop = threading.Event()
    sender = threading.Thread(target=stream, args=(port, acknowledged, stop))
    try:
        sender.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        proxy.cut()  # the database goes away mid-stream: the rest is spooled
        mark = len(acknowledged)
        while len(acknowledged) < mark + 200 and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        probe.kill()  # kill -9 while presses are still arriving
        sender.join(10)
        assert not sender.is_alive()
        assert len(acknowledged) >= mark + 200
        assert stored(direct) < len(acknowledged)  # some answered OK only from the spool
        proxy.restore()
        probe = Probe(tmp_path, url, free_port(), "second")
        deadline = time.monotonic() + 60
        while stored(direct) < len(acknowledged) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        probe.kill()
    with direct.connect() as conn:
        times = set(conn.execute(select(presses.c.pressed_at)).scalars())
    wanted = {dt.datetime.fromisoformat(line.split(",")[2]) for line in acknowledged}
    assert wanted <= times
