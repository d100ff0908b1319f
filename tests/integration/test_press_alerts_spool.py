"""Presses through ingest's other ways into the database. The spool (the database was away): the
press hook runs in the drainer's transaction, with the time they are stored, so a press that is
fresh when stored is announced and one older than `max_age_minutes` then is counted, not news.
A serial port: the same sink, the same hook."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from probe.config import parse_config
from probe.store.db import init_db, open_engine
from probe.store.schema import notifier_press_matches
from tests.integration.ingest_helpers import Client, CuttableProxy, running, stored
from tests.press_alert_helpers import setup_chain
from tests.service_process import utc_text


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(("127.0.0.1", 5432))
    yield proxy
    proxy.close()


@pytest.mark.postgres
async def test_spooled_presses_are_matched_when_drained_by_their_age_then(
    pg_schema_url: str, proxy: CuttableProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    direct = open_engine(pg_schema_url)
    init_db(direct)
    setup_chain(direct)
    url = pg_schema_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    engine: Engine = open_engine(url, connect_timeout=1)
    config = parse_config(
        {
            "database": {"url": url},
            "ingest": {
                "spool_dir": str(tmp_path / "spool"),
                "retry_seconds": 0.2,
                "db_timeout_seconds": 1.0,
                "tcp": {"listen": "127.0.0.1:0"},
            },
            "notifier": {
                "smtp": {"host": "127.0.0.1"},
                "recipients": [{"name": "smena", "members": [{"name": "Анна", "email": "anna@example.org"}]}],
                "press_rules": [{"name": "fm", "kinds": ["force_majeure"], "recipients": ["smena"]}],
            },
        }
    )
    now = dt.datetime.now(dt.UTC)
    try:
        async with running(config, engine) as service:
            client = await Client.connect(service.tcp.address[1])  # type: ignore[union-attr]
            proxy.cut()
            fresh, late = now, now - dt.timedelta(minutes=45)
            assert await client.send(f"P-1,4,{utc_text(fresh)},", f"P-3,4,{utc_text(late)},") == ["OK", "OK"]
            assert service.spool.pending_records() == 2 and stored(direct) == 0
            proxy.restore()
            deadline = time.monotonic() + 30
            while service.spool.pending and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert stored(direct) == 2
            await client.close()
    finally:
        engine.dispose()
    with direct.connect() as conn:
        rows = conn.execute(select(notifier_press_matches.c.pad_id, notifier_press_matches.c.status)).all()
    direct.dispose()
    assert [(r.pad_id, r.status) for r in rows] == [("P-1", "waiting")]
    assert "press rules: 1 matching presses older than 30 min when stored were not announced" in caplog.text


async def test_a_press_over_a_serial_port_is_matched_in_its_transaction(
    tmp_path: Path, engine: Engine
) -> None:
    """The serial sources share the TCP listener's sink: the same hook, the same transaction."""
    from tests.integration.test_ingest import serial_exchange, socat_pair

    setup_chain(engine)
    proc, a, b = socat_pair(tmp_path)
    config = parse_config(
        {
            "database": {"url": str(engine.url)},
            "ingest": {
                "spool_dir": str(tmp_path / "spool"),
                "serial": [{"port": str(b), "reopen_seconds": 0.2}],
            },
            "notifier": {
                "smtp": {"host": "127.0.0.1"},
                "recipients": [{"name": "smena", "members": [{"name": "Анна", "email": "anna@example.org"}]}],
                "press_rules": [{"name": "fm", "kinds": ["force_majeure"], "recipients": ["smena"]}],
            },
        }
    )
    now = dt.datetime.now(dt.UTC)
    try:
        async with running(config, engine) as service:
            assert await asyncio.to_thread(service.serial[0].opened.wait, 10)
            answers = await serial_exchange(a, [f"P-1,4,{utc_text(now)},", f"P-1,1,{utc_text(now)},"])
            assert answers == ["OK", "OK"]
    finally:
        proc.kill()
        proc.wait()
    with engine.connect() as conn:
        rows = conn.execute(select(notifier_press_matches.c.pad_id, notifier_press_matches.c.kind)).all()
    assert [(r.pad_id, r.kind) for r in rows] == [("P-1", "force_majeure")]
