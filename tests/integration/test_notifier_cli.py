"""The notifier's commands as real processes, and the service inside `run`'s event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

import notifier
from notifier import service
from notifier.messages import TemplateProblem
from notifier.outbox import outbox_rows
from probe.config import load_config
from probe.levels import Level
from probe.service import Runtime
from probe.snapshot import SnapshotHub
from tests.helpers import run_cli
from tests.notifier_helpers import cli, levels_series
from tests.smtp_server import Recorder, free_port, start_smtp


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Processes start slowly on a shared machine: the CLI runs against SQLite only here (the
    same code paths run on PostgreSQL in test_notifier_flow.py)."""
    return f"sqlite:///{tmp_path / 'aggregator.sqlite'}"


RULES = """
[notifier.smtp]
host = "127.0.0.1"
port = {port}
sender = "probe@example.org"
timeout_seconds = 3
[notifier.outbox]
retry_base_seconds = 1
retry_max_seconds = 1
poll_seconds = 0.1
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}, {{ name = "Bad", email = "bad@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. *. % негативных ответов. Интервал 10 мин"
level = "edge"
consecutive = 2
recipients = ["quality"]
channels = ["email"]
{rule}
"""


def test_outbox_flush_list_and_notify_test(
    write_config, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    config_path = write_config(RULES.format(port=port, rule=""))
    config = load_config(config_path)
    for ev in levels_series([Level.BAD, Level.BAD]):
        assert notifier.feed(config, engine, ev).queued in (0, 2)
    down = run_cli("outbox", "flush", config=config_path)
    assert down.returncode == 1 and "0 sent, 2 to retry, 0 failed permanently" in down.stdout
    assert "Connect" in down.stderr
    recorder = Recorder(refuse={"bad@example.org"})
    server = start_smtp(port, recorder)
    try:
        import time

        time.sleep(1.1)  # the backoff of the first failure
        up = run_cli("outbox", "flush", config=config_path)
        assert "1 sent, 0 to retry, 1 failed permanently" in up.stdout, up.stdout + up.stderr
        again = cli(capsys, "outbox", "flush", config=config_path)
        assert "0 sent, 0 to retry, 0 failed permanently" in again.stdout
        test = cli(capsys, "notify", "test", "--rule", "negative", config=config_path)
        assert "2 test messages queued" in test.stdout and "1 sent" in test.stdout
    finally:
        server.stop()
    assert [m["Subject"] for m in recorder.messages] == [
        "[prolan-probe] Плохо: Калужская — % негативных ответов",
        "[prolan-probe] Проверка уведомлений: правило negative",
    ]
    listed = json.loads(cli(capsys, "outbox", "list", "--format", "json", config=config_path).stdout)
    assert sorted((r["kind"], r["status"]) for r in listed) == [
        ("fire", "failed"),
        ("fire", "sent"),
        ("test", "failed"),
        ("test", "sent"),
    ]
    table = cli(capsys, "outbox", "list", "--status", "failed", config=config_path).stdout
    assert "bad@example.org" in table and "550" in table
    unknown = cli(capsys, "notify", "test", "--rule", "nope", config=config_path)
    assert unknown.returncode == 2 and "no rule named 'nope'" in unknown.stderr


def test_silence_commands(write_config, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    config_path = write_config(RULES.format(port=25, rule=""))
    added = cli(
        capsys,
        "silence",
        "add",
        "--rule",
        "negative",
        "--point",
        "Калужская",
        "--for",
        "2h",
        "--reason",
        "ремонт",
        config=config_path,
    )
    assert added.stdout.startswith("silence 1: ")
    listed = cli(capsys, "silence", "list", config=config_path).stdout
    assert "ремонт" in listed and "Калужская" in listed
    config = load_config(config_path)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    summaries = [notifier.feed(config, engine, ev) for ev in levels_series([Level.BAD] * 3, start=now)]
    assert [s.skipped_silenced for s in summaries] == [1, 1, 1] and outbox_rows(engine) == []
    assert cli(capsys, "silence", "remove", "1", config=config_path).stdout.strip() == "silence 1 removed"
    missing = cli(capsys, "silence", "remove", "1", config=config_path)
    assert missing.returncode == 2 and "no silence with id 1" in missing.stderr
    bad = cli(capsys, "silence", "add", "--for", "soon", config=config_path)
    assert bad.returncode == 2 and "--for" in bad.stderr


def test_broken_template_is_reported_at_start(
    write_config, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "mail.j2"
    template.write_text("Привет\n{{ point }\n", encoding="utf-8")
    config_path = write_config(RULES.format(port=25, rule='templates = { text = "mail.j2" }'))
    checked = cli(capsys, "notify", "check", config=config_path)
    assert checked.returncode == 2 and f"{template}:2: text template" in checked.stderr
    runtime = Runtime(load_config(config_path), engine, SnapshotHub())
    try:
        asyncio.run(service.start(runtime))
    except TemplateProblem as exc:
        assert f"{template}:2" in str(exc)
    else:
        raise AssertionError("a broken template must stop the notifier at start-up")


async def test_service_delivers_published_evaluations(write_config, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    config = load_config(write_config(RULES.format(port=port, rule="")))
    recorder = Recorder()
    server = start_smtp(port, recorder)
    hub = SnapshotHub()
    component = await service.start(Runtime(config, engine, hub))
    assert component is not None
    try:
        evaluations = levels_series([Level.EDGE, Level.EDGE, Level.EDGE])
        hub.apply(evaluations[0])
        await asyncio.to_thread(hub.apply, evaluations[1])  # as the scheduler does: from a worker thread
        for _ in range(100):
            if len(recorder.messages) >= 2:
                break
            await asyncio.sleep(0.1)
        await asyncio.to_thread(hub.apply, evaluations[2])
        await asyncio.sleep(0.5)
    finally:
        await component.stop()
        server.stop()
    # two in a row fired once (to both members); the third evaluation sent nothing more
    assert sorted(m["To"] for m in recorder.messages) == ["Bad <bad@example.org>", "Анна <anna@example.org>"]
