"""Ingest under hostile peers (issue 17, point 8): a global connection cap below the descriptor
limit (and LimitNOFILE in the unit), idle connections closed however slowly they trickle, refused
connections logged once a minute, wrong tokens answered ever later per source address."""

from __future__ import annotations

import asyncio
import configparser
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from probe.ingest.config import TcpIngestConfig
from probe.ingest.tcp import DESCRIPTOR_RESERVE, AuthThrottle, connection_cap
from probe.store.db import init_db, open_engine
from tests.helpers import ROOT
from tests.integration.ingest_helpers import Client, ingest_config, running, setup_topology, stored
from tests.integration.test_poison_presses import recent


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'agg.sqlite'}")
    init_db(engine)
    setup_topology(engine)
    return engine


def port_of(service: object) -> int:
    return int(service.tcp.address[1])  # type: ignore[attr-defined]


async def test_the_global_cap_refuses_new_connections_and_logs_once(
    sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tcp = {"max_connections": 5, "max_connections_per_address": 100}
    async with running(
        ingest_config(str(sqlite_engine.url), tmp_path / "spool", tcp=tcp), sqlite_engine
    ) as service:
        port = port_of(service)
        held = [await Client.connect(port) for _ in range(5)]
        assert await held[0].send(f"P-1,1,{recent(0)},") == ["OK"]
        with caplog.at_level(logging.WARNING, logger="probe.ingest.tcp"):
            for _ in range(40):
                extra = await Client.connect(port)
                assert await extra.answer() == "ERR too many connections (limit 5), try again later"
                assert await extra.reader.read() == b""
        refusals = [r for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == 1 and "max_connections" in refusals[0].getMessage()
        await held[1].close()
        await asyncio.sleep(0.1)
        again = await Client.connect(port)
        assert await again.send(f"P-1,1,{recent(1)},") == ["OK"]
        for client in [again, *held[2:], held[0]]:
            await client.close()
    assert stored(sqlite_engine) == 2


def test_the_cap_stays_below_the_descriptor_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda _kind: (1024, 4096))
    assert connection_cap(1024) == 1024 - DESCRIPTOR_RESERVE
    assert connection_cap(100) == 100
    assert TcpIngestConfig().max_connections == 1024
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "prolan-probe.service", encoding="utf-8")
    limit = int(unit["Service"]["LimitNOFILE"])
    assert limit >= TcpIngestConfig().max_connections + DESCRIPTOR_RESERVE


async def test_a_connection_that_trickles_bytes_without_a_line_is_closed(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    tcp = {"idle_timeout_seconds": 0.6}
    async with running(
        ingest_config(str(sqlite_engine.url), tmp_path / "spool", tcp=tcp), sqlite_engine
    ) as service:
        slow = await Client.connect(port_of(service))
        started = time.monotonic()
        for _ in range(40):  # one byte every 0.1 s, never a line end
            slow.writer.write(b"x")
            await slow.writer.drain()
            await asyncio.sleep(0.1)
            if slow.reader.at_eof() or slow.reader._buffer:  # type: ignore[attr-defined]
                break
        assert await slow.answer() == "ERR idle for 0.6 s, closing"
        assert time.monotonic() - started < 2.5


async def test_wrong_tokens_are_answered_ever_later_per_address(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    tcp = {"tokens": ["s3cret"], "auth_failure_delay_seconds": 0.2}
    async with running(
        ingest_config(str(sqlite_engine.url), tmp_path / "spool", tcp=tcp), sqlite_engine
    ) as service:
        port = port_of(service)
        first, second = await Client.connect(port), await Client.connect(port)
        started = time.monotonic()
        assert await first.send("AUTH a", "AUTH b") == ["ERR bad token", "ERR bad token"]  # 0.2 + 0.4 s
        assert await second.send("AUTH c") == ["ERR bad token"]  # the same address: 0.8 s
        assert time.monotonic() - started >= 1.3
        started = time.monotonic()
        assert await second.send("AUTH s3cret", f"P-1,1,{recent(0)},") == ["OK", "OK"]
        assert time.monotonic() - started < 0.5  # a good token is answered at once ...
        third = await Client.connect(port)
        started = time.monotonic()
        assert await third.send("AUTH d") == ["ERR bad token"]  # ... and resets the delay
        assert 0.15 <= time.monotonic() - started < 0.6
        for client in (first, second, third):
            await client.close()
    throttle = AuthThrottle(1.0)
    assert [throttle.failed("10.0.0.5") for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert throttle.failed("10.0.0.6") == 1


def test_many_addresses_cannot_exhaust_the_descriptors(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The probe's gateway with a descriptor limit of 256: 30 loopback addresses × 16 connections
    would exhaust it; with the cap, the excess is refused, a sender still gets through when one
    leaves, and the log stays short."""
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_engine.url}"\n[ingest]\nspool_dir = "{tmp_path / "spool"}"\n'
        '[ingest.tcp]\nlisten = "127.0.0.1:0"\n',
        encoding="utf-8",
    )
    log_path = tmp_path / "gateway.log"

    def limit_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "probe.ingest", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=log_file,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            preexec_fn=limit_descriptors,
        )
    sockets: list[socket.socket] = []
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        port = int(first.rsplit(":", 1)[1])
        answers: dict[str, int] = {}
        for host in range(2, 32):
            for _ in range(16):
                sock = socket.socket()
                sock.bind((f"127.0.0.{host}", 0))
                sock.settimeout(5)
                sock.connect(("127.0.0.1", port))
                sockets.append(sock)
        time.sleep(1.0)
        for sock in sockets:
            sock.setblocking(False)
            try:
                data = sock.recv(200)
            except BlockingIOError:
                data = b"(open)"
            key = data.decode(errors="replace").strip().split(" (")[0]
            answers[key] = answers.get(key, 0) + 1
        assert answers.get("(open)", 0) == 256 - DESCRIPTOR_RESERVE, answers
        assert answers.get("ERR too many connections", 0) == len(sockets) - (256 - DESCRIPTOR_RESERVE), (
            answers
        )
        for sock in sockets[:5]:
            sock.close()
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"P-1,1,{recent(3)},\n".encode())
            assert sock.makefile("rb").readline() == b"OK\n"
        assert process.poll() is None
    finally:
        for sock in sockets:
            sock.close()
        process.terminate()
        process.wait(timeout=20)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert len(text.splitlines()) < 20, text[-3000:]
    assert "Traceback" not in text and "Too many open files" not in text
    assert stored(sqlite_engine) == 1


async def test_a_connection_that_never_authenticates_is_closed_early(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    tcp = {"tokens": ["s3cret"], "auth_timeout_seconds": 0.5, "idle_timeout_seconds": 60}
    async with running(
        ingest_config(str(sqlite_engine.url), tmp_path / "spool", tcp=tcp), sqlite_engine
    ) as service:
        port = port_of(service)
        lurker, sender = await Client.connect(port), await Client.connect(port)
        assert await sender.send("AUTH s3cret") == ["OK"]
        started = time.monotonic()
        assert await lurker.answer() == "ERR not authenticated within 0.5 s, closing"
        assert time.monotonic() - started < 2
        await asyncio.sleep(0.7)  # the authenticated one stays (its idle time is 60 s)
        assert await sender.send(f"P-1,1,{recent(0)},") == ["OK"]
        await sender.close()
