"""End to end: a chain with controlled presses, the real Evaluator publishing to the hub, the
notifier service subscribed to it as in `run`, and an SMTP server receiving the messages."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from notifier import service
from notifier.outbox import outbox_rows
from probe.config import load_config
from probe.engine import Evaluator
from probe.service import Runtime
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain
from tests.smtp_server import Recorder, free_port, start_smtp

POINT = "Калужская"
CHAIN = {"points": [{"name": POINT}], "pads": [pad("K-1", POINT, "СОКОК")]}
# 18:50 .. 20:00 Moscow: one press per interval, negative (100 % = bad) or positive (0 % = good)
PATTERN = "BBBBGBGB"
END = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)  # 20:00 Moscow


def install_chain(url: str) -> list[dt.datetime]:
    """The chain and its presses; returns the interval ends to evaluate, oldest first."""
    engine = open_engine(url)
    init_db(engine)
    topology = setup_chain(engine, CHAIN)
    ends = [END - dt.timedelta(minutes=10 * k) for k in range(len(PATTERN) - 1, -1, -1)]
    presses = [
        P(
            "K-1",
            "negative" if kind == "B" else "positive",
            (end - dt.timedelta(minutes=5)).replace(tzinfo=None),
        )
        for end, kind in zip(ends, PATTERN, strict=True)
    ]
    insert_presses(engine, topology, presses)
    engine.dispose()
    return ends


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
        for _ in range(600):  # let the outbox loop deliver what the evaluations queued (slow CI: 60 s)
            if not await asyncio.to_thread(outbox_rows, engine, status="pending"):
                break
            await asyncio.sleep(0.1)
    finally:
        await component.stop()
        engine.dispose()


@pytest.mark.slow
async def test_degrading_point_fires_once_and_recovers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    port = free_port()
    config_path = tmp_path / "probe.toml"
    config_path.write_text(CONFIG.format(url=url, port=port, point=POINT), encoding="utf-8")
    ends = install_chain(url)
    recorder = Recorder()
    server = start_smtp(port, recorder)
    try:
        await run_probe(config_path, ends)
        subjects = [m["Subject"] for m in recorder.messages]
        assert subjects == [
            f"[probe-e2e] Плохо: {POINT} — % негативных ответов",
            f"[probe-e2e] Восстановлено: {POINT} — % негативных ответов",
        ]
        body = recorder.messages[0].get_payload()[0].get_payload(decode=True).decode()
        assert "Начало:       2026-03-02 18:50" in body and "Значение:     100 %" in body
        # a restart that evaluates the same intervals again sends nothing
        await run_probe(config_path, ends[-3:])
        assert len(recorder.messages) == 2
    finally:
        server.stop()


@pytest.mark.slow
def test_evaluate_command_leaves_notifications_to_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prolan-probe evaluate --at` only stores: what a result triggers is queued (and sent) once,
    by the running service that follows the stored runs (tests/integration/test_one_source_of_truth.py)."""
    import json

    from tests.helpers import run_cli
    from tests.notifier_helpers import cli

    url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    config_path = tmp_path / "probe.toml"
    text = CONFIG.format(url=url, port=free_port(), point=POINT).replace("consecutive = 4", "consecutive = 2")
    config_path.write_text(text, encoding="utf-8")
    install_chain(url)
    for at in ("2026-03-02T19:10:00+03:00", "2026-03-02T19:20:00+03:00"):
        result = run_cli(
            "evaluate", "--test", "LOYALTY_MON", "--at", at, "--format", "json", config=config_path
        )
        assert result.returncode == 0, result.stderr
    rows = json.loads(cli(capsys, "outbox", "list", "--format", "json", config=config_path).stdout)
    assert rows == []
