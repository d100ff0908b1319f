"""End to end: the demo chain, the real Evaluator publishing to the hub, the notifier service
subscribed to it as in `run`, and an SMTP server receiving the messages."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from notifier import service
from probe.config import load_config
from probe.demo import DEGRADING_POINT, install_demo
from probe.engine import Evaluator
from probe.service import Runtime
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from tests.smtp_server import Recorder, free_port, start_smtp

CONFIG = """
name = "probe-e2e"
timezone = "Europe/Moscow"
[database]
url = "{url}"
[notifier.smtp]
host = "127.0.0.1"
port = {port}
sender = "probe@example.org"
[notifier.outbox]
poll_seconds = 0.1
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. {point}. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 4
recipients = ["quality"]
"""


async def run_probe(config_path: Path, ends: list[dt.datetime]) -> None:
    """One probe process: evaluate these intervals as the scheduler does, then stop."""
    config = load_config(config_path)
    engine = open_engine(config.database.url)
    hub = SnapshotHub()
    component = await service.start(Runtime(config, engine, hub))
    assert component is not None
    evaluator = Evaluator(config, engine, hub)
    try:
        for end in ends:
            await asyncio.to_thread(evaluator.evaluate, "LOYALTY_MON", end)
        await asyncio.sleep(1.0)  # let the outbox loop deliver
    finally:
        await component.stop()
        engine.dispose()


@pytest.mark.slow
async def test_degrading_point_fires_once_and_recovers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    port = free_port()
    config_path = tmp_path / "probe.toml"
    config_path.write_text(CONFIG.format(url=url, port=port, point=DEGRADING_POINT), encoding="utf-8")
    config = load_config(config_path)
    end = dt.datetime(2026, 3, 2, 20, 0, tzinfo=config.tz)
    engine = open_engine(url)
    init_db(engine)
    install_demo(engine, config.tz, days=0.25, seed=1, end=end)
    engine.dispose()
    # seed 1: 75 edge, 50 attention, 75 edge, 100 bad, 33 acceptable, 100 bad, 33 acceptable, 50 attention
    ends = [end - dt.timedelta(minutes=10 * k) for k in range(7, -1, -1)]
    recorder = Recorder()
    server = start_smtp(port, recorder)
    try:
        await run_probe(config_path, ends)
        subjects = [m["Subject"] for m in recorder.messages]
        assert subjects == [
            f"[probe-e2e] Плохо: {DEGRADING_POINT} — % негативных ответов",
            f"[probe-e2e] Восстановлено: {DEGRADING_POINT} — % негативных ответов",
        ]
        body = recorder.messages[0].get_payload()[0].get_payload(decode=True).decode()
        assert "Начало:       2026-03-02 18:50" in body and "Значение:     100 %" in body
        # a restart that evaluates the same intervals again sends nothing
        await run_probe(config_path, ends[-3:])
        assert len(recorder.messages) == 2
    finally:
        server.stop()


@pytest.mark.slow
def test_evaluate_command_feeds_the_notifier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`prolan-probe evaluate --at` drives the same incidents (and queues, not sends)."""
    import json

    from tests.helpers import run_cli

    url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    config_path = tmp_path / "probe.toml"
    text = CONFIG.format(url=url, port=free_port(), point=DEGRADING_POINT).replace(
        "consecutive = 4", "consecutive = 2"
    )
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    engine = open_engine(url)
    init_db(engine)
    install_demo(engine, config.tz, days=0.25, seed=1, end=dt.datetime(2026, 3, 2, 20, 0, tzinfo=config.tz))
    engine.dispose()
    for at in ("2026-03-02T19:10:00+03:00", "2026-03-02T19:20:00+03:00", "2026-03-02T19:20:00+03:00"):
        result = run_cli(
            "evaluate", "--test", "LOYALTY_MON", "--at", at, "--format", "json", config=config_path
        )
        assert result.returncode == 0, result.stderr
    rows = json.loads(run_cli("outbox", "list", "--format", "json", config=config_path, check=True).stdout)
    assert [(r["kind"], r["status"], r["address"]) for r in rows] == [("fire", "pending", "anna@example.org")]
    assert DEGRADING_POINT in rows[0]["subject"]
