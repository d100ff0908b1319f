"""`prolan-probe alerts list|show|ack|close` and `presses import --alert` as commands, on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notifier.pipeline import Templates
from notifier.press_alerts import PressAnnouncer
from probe.config import load_config
from probe.presses import presses_to_csv
from tests.notifier_helpers import cli
from tests.press_alert_helpers import match_statuses, press, setup_chain, store_live

RULES = """
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "smena"
members = [{ name = "Анна", email = "anna@example.org" }]
[[notifier.press_rules]]
name = "fm"
kinds = ["force_majeure"]
recipients = ["smena"]
at_most_every_minutes = 0
"""
T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow


def test_list_show_ack_close(
    engine: Engine,
    write_config,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    path = write_config(RULES)
    config = load_config(path)
    chain = setup_chain(engine)
    templates = Templates(config)
    try:
        announcer = PressAnnouncer(config, engine, templates)
        for minute in (0, 5):
            at = T0 + dt.timedelta(minutes=minute)
            store_live(engine, config, chain, [press(chain, "P-1", 4, at)], stored_at=at)
            announcer.process(now=at)
    finally:
        templates.close()
    listed = cli(capsys, "alerts", "list", config=path)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "id",
        "pressed",
        "(Europe/Moscow)",
        "point",
        "kind",
        "rule",
        "presses",
        "status",
        "by",
        "comment",
        "sent",
    ]
    assert lines[2].split()[:7] == ["2", "2026-03-02", "10:05:00", "Калужская", "force_majeure", "fm", "1"]
    assert cli(
        capsys, "alerts", "ack", "1", "--comment", "кондиционер перезапущен", "--by", "Анна", config=path
    ).stdout == ("alert 1 (force_majeure at Калужская, 2026-03-02 10:00:00): acknowledged by Анна\n")
    again = cli(capsys, "alerts", "ack", "1", config=path)
    assert again.returncode != 0 and "alert 1 is already acknowledged (by Анна at " in again.stderr
    missing = cli(capsys, "alerts", "ack", "42", config=path)
    assert missing.returncode != 0 and "no alert 42" in missing.stderr
    opened = json.loads(cli(capsys, "alerts", "list", "--open", "--format", "json", config=path).stdout)
    assert [a["id"] for a in opened] == [2]
    shown = cli(capsys, "alerts", "show", "1", config=path).stdout
    assert "acknowledged:  2026-" in shown and "comment:       кондиционер перезапущен" in shown
    assert "P-1" in shown and "force_majeure" in shown  # the press it announced
    assert (
        cli(capsys, "alerts", "close", "2", "--comment", "ложное", "--by", "Борис", config=path).returncode
        == 0
    )
    everything = json.loads(cli(capsys, "alerts", "list", "--format", "json", config=path).stdout)
    assert [(a["id"], a["status"], a["acknowledged_by"], a["close_comment"]) for a in everything] == [
        (2, "closed", "Борис", "ложное"),
        (1, "acknowledged", "Анна", None),
    ]
    assert everything[1]["ack_comment"] == "кондиционер перезапущен"
    assert everything[0]["messages"] == {"sent": 0, "pending": 1, "failed": 0}
    assert (
        cli(capsys, "alerts", "list", "--point", "Нев*", config=path).stdout.count("\n") == 2
    )  # header only


def test_import_alerts_only_when_asked(
    engine: Engine,
    write_config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    path = write_config(RULES)
    setup_chain(engine)
    now = dt.datetime.now(dt.UTC)
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(presses_to_csv([("P-1", 4, now - dt.timedelta(minutes=1), None)]), encoding="utf-8")
    plain = cli(capsys, "presses", "import", str(csv_path), config=path)
    assert plain.returncode == 0 and "notifier: 0 queued, 1 imported without --alert" in plain.stdout
    assert match_statuses(engine) == []
    refused = cli(capsys, "presses", "import", "--max-age-minutes", "5", str(csv_path), config=path)
    assert (
        refused.returncode != 0
        and "--max-age-minutes applies to alerts: give it with --alert" in refused.stderr
    )
    opted = cli(capsys, "presses", "import", "--alert", str(csv_path), config=path)
    assert opted.returncode == 0 and "notifier: 1 queued" in opted.stdout
    assert match_statuses(engine) == ["waiting"]
