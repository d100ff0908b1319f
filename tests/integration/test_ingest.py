"""Ingest over real sockets, a socat pty pair and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from probe.api import TestContext as Context
from probe.api import Window
from probe.store.db import init_db, open_engine
from probe.store.limits import fit_key
from probe.store.schema import ingest_counts, presses
from tests.integration.ingest_helpers import (
    T0,
    Client,
    ingest_config,
    press_line,
    running,
    setup_topology,
    stored,
)
from tests_scripts.ingest_stats import IngestStats


@pytest.fixture
def ready(engine: Engine) -> Engine:
    setup_topology(engine)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_engine(f"sqlite:///{tmp_path / 'agg.sqlite'}")
    init_db(eng)
    setup_topology(eng)
    yield eng
    eng.dispose()


def port_of(service: object) -> int:
    tcp = service.tcp  # type: ignore[attr-defined]
    return int(tcp.address[1])


async def test_lines_answered_in_order_bad_lines_refused_duplicates_stored_once(
    ready: Engine, db_url: str, tmp_path: Path
) -> None:
    config = ingest_config(db_url, tmp_path / "spool", tcp={"max_line_bytes": 200})
    async with running(config, ready) as service:
        client = await Client.connect(port_of(service))
        lines = [
            press_line(0),
            "P-9,1,2026-11-22T07:00:00Z,",  # unknown pad
            "P-1,7,2026-11-22T07:00:00Z,",  # unknown button
            "P-1,1,yesterday,",  # bad time
            "P-2,1,2026-11-22T07:00:00Z,Q9",  # unknown question
            "P-1,1",  # too few fields
            "x" * 5000,  # too long
            b"P-1,1,2026-11-22T07:00:00Z,\xff",  # not UTF-8
            "",  # empty
            press_line(1, "P-2", "1") + "Q1",
            press_line(0),  # the same press again (a retry after a lost OK)
            press_line(2) + "\r",  # CRLF
        ]
        answers = await client.send(*lines)
        assert answers[0] == "OK"
        assert answers[1] == "ERR unknown pad 'P-9'"
        assert answers[2].startswith("ERR unknown button '7' for pad P-1")
        assert answers[3].startswith("ERR bad time: 'yesterday' is not ISO 8601")
        assert answers[4] == "ERR unknown question 'Q9'"
        assert answers[5] == "ERR expected 4 fields pad,button,pressed_at,question, got 2"
        assert answers[6] == "ERR line too long (5000 bytes, limit 200)"
        assert answers[7].startswith("ERR not UTF-8 text")
        assert answers[8].startswith("ERR empty line")
        assert answers[9:] == ["OK", "OK", "OK"]
        # the connection still works after all that, and a duplicate on a second connection too
        other = await Client.connect(port_of(service))
        assert await other.send(press_line(0), press_line(3)) == ["OK", "OK"]
        # a last line without a newline before the sender closes is still answered
        other.writer.write(press_line(4).encode())
        other.writer.write_eof()
        assert await other.answer() == "OK"
        await client.close()
        await other.close()
    assert stored(ready) == 5
    with ready.connect() as conn:
        row = conn.execute(select(presses).where(presses.c.pad_id == "P-2")).one()
    assert (row.question_id, row.kind, row.source) == ("Q1", "positive", "tcp:127.0.0.1")
    # the service's own counters, and the INGEST test that turns them into metrics
    with ready.connect() as conn:
        counts = conn.execute(select(ingest_counts)).all()
    assert sum(r.received for r in counts) == 7 and sum(r.refused for r in counts) == 8
    now = dt.datetime.now(dt.UTC)
    end = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    window = Window(end - dt.timedelta(minutes=10), end, end - dt.timedelta(hours=5), dt.UTC, 10)  # type: ignore[arg-type]
    ctx = Context(window, ready, service.topology, {}, logging.getLogger("t"))
    test = IngestStats()
    metrics = {(m.short_name, m.period, m.point): m.value for m in test.run(ctx)}
    assert metrics[("Источник tcp:127.0.0.1. Принято нажатий", "interval", None)] == 7
    assert metrics[("Источник tcp:127.0.0.1. Отвергнуто строк", "day", None)] == 8
    assert metrics[("Источник tcp:127.0.0.1. Через буфер", "interval", None)] == 0
    last_p1 = T0 + dt.timedelta(milliseconds=1000)
    assert metrics[("Пульт P-1. Секунд с последнего нажатия", None, "Калужская")] == pytest.approx(
        (end - last_p1).total_seconds()
    )


async def test_limits_auth_addresses_and_slow_clients(sqlite_engine: Engine, tmp_path: Path) -> None:
    url = str(sqlite_engine.url)
    tcp = {
        "max_connections_per_address": 2,
        "idle_timeout_seconds": 0.6,
        "tokens": ["s3cret", "other"],
        "auth_failure_delay_seconds": 0.01,  # the delay itself: test_ingest_hostile.py
    }
    async with running(ingest_config(url, tmp_path / "spool", tcp=tcp), sqlite_engine) as service:
        port = port_of(service)
        a, b = await Client.connect(port), await Client.connect(port)
        assert await a.send(press_line(0)) == ["ERR not authenticated: send AUTH <token> first"]
        assert await a.send("AUTH wrong", "AUTH s3cret", press_line(0)) == ["ERR bad token", "OK", "OK"]
        assert await b.send("AUTH other", press_line(1)) == ["OK", "OK"]
        third = await Client.connect(port)
        assert await third.answer() == "ERR too many connections from 127.0.0.1 (limit 2)"
        assert await third.reader.read() == b""
        # three wrong tokens close the connection
        await a.close()
        for _ in range(100):  # the listener sees a's end (connections are counted when accepted)
            if service.tcp is not None and service.tcp.open_connections < 2:
                break
            await asyncio.sleep(0.01)
        c = await Client.connect(port)
        assert await c.send("AUTH x", "AUTH y", "AUTH z") == ["ERR bad token"] * 2 + [
            "ERR bad token, closing"
        ]
        assert await c.reader.read() == b""
        # a slow client: half a line, then nothing; it is closed after the idle time while the
        # other connection keeps working
        slow = await Client.connect(port)
        slow.writer.write(b"AUTH s3cret\nP-1,1,")
        assert await slow.answer() == "OK"
        for i in range(3):
            assert await b.send(press_line(10 + i)) == ["OK"]
            await asyncio.sleep(0.1)
        started = time.monotonic()
        assert await slow.answer() == "ERR idle for 0.6 s, closing"
        assert await slow.reader.read() == b""
        assert time.monotonic() - started < 2
        # a client that sends a line byte by byte, within the idle time, is served
        trickle = await Client.connect(port)
        for byte in b"AUTH s3cret\n" + press_line(20).encode() + b"\n":
            trickle.writer.write(bytes([byte]))
            await asyncio.sleep(0.005)
        assert [await trickle.answer(), await trickle.answer()] == ["OK", "OK"]
        for client in (b, trickle):
            await client.close()
    assert stored(sqlite_engine) == 6
    allowed = {"allowed_addresses": ["10.0.0.0/8"]}
    async with running(ingest_config(url, tmp_path / "spool", tcp=allowed), sqlite_engine) as service:
        refused = await Client.connect(port_of(service))
        assert await refused.answer() == "ERR address 127.0.0.1 is not allowed"
        assert await refused.reader.read() == b""
    async with running(
        ingest_config(url, tmp_path / "spool", tcp={"allowed_addresses": ["127.0.0.0/8"]}), sqlite_engine
    ) as service:
        client = await Client.connect(port_of(service))
        assert await client.send(press_line(30)) == ["OK"]
        await client.close()


def socat_pair(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"
    proc = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if a.exists() and b.exists():
            break
        time.sleep(0.05)
    return proc, a, b


async def serial_exchange(device: Path, lines: list[str]) -> list[str]:
    import serial

    def talk() -> list[str]:
        with serial.Serial(str(device), 9600, timeout=10) as port:
            port.write(b"".join(line.encode() + b"\r\n" for line in lines))
            return [port.readline().decode().rstrip("\n") for _ in lines]

    return await asyncio.to_thread(talk)


async def test_serial_port_via_socat_and_reopen_after_the_device_returns(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    proc, a, b = socat_pair(tmp_path)
    config = ingest_config(
        str(sqlite_engine.url), tmp_path / "spool", serial=[{"port": str(b), "reopen_seconds": 0.2}]
    )
    try:
        async with running(config, sqlite_engine) as service:
            source = service.serial[0]
            assert await asyncio.to_thread(source.opened.wait, 10)
            answers = await serial_exchange(a, [press_line(0), "P-1,9,2026-11-22T07:00:00Z,", press_line(1)])
            assert answers == [
                "OK",
                "ERR unknown button '9' for pad P-1 (known: 1=positive, 3=negative)",
                "OK",
            ]
            # the device disappears ...
            proc.kill()
            proc.wait()
            for _ in range(100):
                if not source.opened.is_set():
                    break
                await asyncio.sleep(0.05)
            assert not source.opened.is_set()
            # ... and comes back under the same name
            proc, a, b = socat_pair(tmp_path)
            for _ in range(200):
                if source.opened.is_set() and source.open_count >= 2:
                    break
                await asyncio.sleep(0.05)
            assert source.open_count >= 2
            assert await serial_exchange(a, [press_line(2), press_line(2)]) == ["OK", "OK"]
            # the source is fitted to its 64-character columns (this temporary path is longer)
            source = fit_key("serial:" + str(b), 64)
            assert service.counters.totals[source][:2] == [4, 1]
    finally:
        proc.kill()
        proc.wait()
    assert stored(sqlite_engine) == 3


def test_copy_text_format_keeps_awkward_characters(ready: Engine) -> None:
    from probe.presses import Press, store_presses

    when = dt.datetime(2026, 11, 22, 7, 0, 0, 123000, tzinfo=dt.UTC)
    odd = Press("P-1", 1, 1, "positive", when, None, "serial:C:\\dev\\tty\t1\nx")
    with ready.begin() as conn:
        assert store_presses(conn, [odd]) == 1
    with ready.begin() as conn:  # again, with a new one: the duplicate path
        assert store_presses(conn, [odd, Press("P-1", 1, 3, "negative", when, "Q1", "s")]) == 1
    with ready.connect() as conn:
        rows = conn.execute(select(presses.c.source, presses.c.question_id, presses.c.pressed_at)).all()
    assert sorted(rows, key=lambda r: r.source) == [
        ("s", "Q1", when),
        ("serial:C:\\dev\\tty\t1\nx", None, when),
    ]


async def test_ingest_metrics_through_the_engine(sqlite_engine: Engine, tmp_path: Path) -> None:
    """`prolan-probe evaluate --test INGEST` names, assesses and stores the ingest's own metrics."""
    import json

    from tests.helpers import run_cli

    url = str(sqlite_engine.url)
    async with running(ingest_config(url, tmp_path / "spool", tcp={}), sqlite_engine) as service:
        client = await Client.connect(port_of(service))
        assert await client.send(press_line(0), "P-9,1,2026-11-22T07:00:00Z,") == [
            "OK",
            "ERR unknown pad 'P-9'",
        ]
        await client.close()
    config = tmp_path / "probe.toml"
    config.write_text(
        f'timezone = "UTC"\n[database]\nurl = "{url}"\n'
        "[tests.INGEST.parameters]\nsilent_pad_bounds = [60, 120, 180, 240]\n",
        encoding="utf-8",
    )
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()
    result = run_cli(
        "evaluate", "--test", "INGEST", "--at", at, "--format", "json", config=config, check=True
    )
    metrics = {m["name"]: m for m in json.loads(result.stdout)}
    received = metrics["INGEST. Источник tcp:127.0.0.1. Принято нажатий. Интервал 10 мин"]
    assert received["value"] == 1 and received["key"].startswith("ingest.")
    assert metrics["INGEST. Источник tcp:127.0.0.1. Отвергнуто строк. Интервал 10 мин"]["value"] == 1
    silent = metrics["INGEST. Калужская. Пульт P-1. Секунд с последнего нажатия"]
    assert silent["value"] > 240 and silent["level"] == "bad"
    assert metrics["INGEST. Невский. Пульт P-2. Секунд с последнего нажатия"]["value"] is None
    assert metrics["INGEST. Тест работает"]["value"] == 1


async def test_a_taken_port_fails_the_start_and_releases_the_spool(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from probe.ingest import service as ingest_service
    from probe.service import ComponentStartError, Runtime
    from probe.snapshot import SnapshotHub

    url = str(sqlite_engine.url)
    async with running(ingest_config(url, tmp_path / "spool", tcp={}), sqlite_engine) as first:
        taken = port_of(first)
        config = ingest_config(url, tmp_path / "other", tcp={"listen": f"127.0.0.1:{taken}"})
        with pytest.raises(
            ComponentStartError, match=rf"\[ingest.tcp\] listen = '127.0.0.1:{taken}': cannot listen"
        ):
            await ingest_service.start(Runtime(config, sqlite_engine, SnapshotHub()))
    # the spool folder of the failed start is free again
    async with running(ingest_config(url, tmp_path / "other", tcp={}), sqlite_engine) as again:
        client = await Client.connect(port_of(again))
        assert await client.send(press_line(0)) == ["OK"]
        await client.close()
    empty = ingest_config(url, tmp_path / "x")
    assert await ingest_service.start(Runtime(empty, sqlite_engine, SnapshotHub())) is None


def test_ingest_alone_as_a_process(sqlite_engine: Engine, tmp_path: Path) -> None:
    """`python -m probe.ingest`: the gateway without evaluation; stops cleanly on SIGTERM."""
    import os
    import signal
    import socket
    import sys

    from tests.helpers import ROOT

    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_engine.url}"\n[ingest]\nspool_dir = "{tmp_path / "spool"}"\n'
        '[ingest.tcp]\nlisten = "127.0.0.1:0"\n',
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "probe.ingest", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        assert first.startswith("listening 127.0.0.1:"), first
        with socket.create_connection(("127.0.0.1", int(first.rsplit(":", 1)[1]))) as sock:
            sock.sendall(press_line(7).encode() + b"\n")
            assert sock.makefile("rb").readline() == b"OK\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert stored(sqlite_engine) == 1
