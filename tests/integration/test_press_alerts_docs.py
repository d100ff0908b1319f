"""docs/notifications.md's worked force-majeure example, run as written: its configuration block,
its presses, and the messages and acknowledgement it shows (SQLite)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from sqlalchemy import Engine

from notifier.messages import Assessment
from notifier.outbox import outbox_rows
from notifier.pipeline import Templates
from notifier.press_alerts import PressAnnouncer
from probe.config import parse_config
from probe.levels import Level
from probe.presses import Press
from probe.store import alerts
from probe.store.db import init_db, open_engine
from probe.topology import Point, import_topology, load_topology, parse_topology
from tests.doc_commands import code_blocks
from tests.press_alert_helpers import store_live

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "notifications.md"
MSK = dt.timezone(dt.timedelta(hours=3))


def example_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("### Worked example: force majeure at a petrol station", 1)[1].split("\n## ", 1)[0]


def example_blocks() -> list[str]:
    return code_blocks(example_section())


def run_example(tmp_path: Path) -> tuple[Engine, list[dict[str, object]]]:
    config_block = example_blocks()[0]
    config = parse_config(
        tomllib.loads(
            f'timezone = "Europe/Moscow"\n[database]\nurl = "sqlite:///{tmp_path / "a.sqlite"}"\n'
            f'[notifier.smtp]\nhost = "127.0.0.1"\n[notifier.sms]\nport = "/dev/null"\n{config_block}'
        )
    )
    engine = open_engine(config.database.url)
    init_db(engine)
    import_topology(
        engine,
        parse_topology(
            {
                "points": [{"name": "АЗС Тёплый Стан", "region": "Москва/ЮЗАО"}],
                "questions": [],
                "pads": [
                    {
                        "id": "АЗС-ТС-1",
                        "point": "АЗС Тёплый Стан",
                        "methodology": "СОКОК",
                        "buttons": {"1": "positive", "2": "passive", "3": "negative", "4": "force_majeure"},
                    }
                ],
            }
        ),
    )
    topology = load_topology(engine)
    point_id = topology.points["АЗС Тёплый Стан"].id
    assert point_id is not None

    def assessments(_conn: object, point: Point) -> list[Assessment]:
        at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
        name = f"LOYALTY_MON. СОКОК. {point.name}. % негативных ответов"
        return [
            Assessment(
                f"{name}. Интервал 10 мин",
                "% негативных ответов",
                None,
                "interval",
                62.5,
                "%",
                Level.EDGE,
                at,
            ),
            Assessment(
                f"{name}. Текущие сутки", "% негативных ответов", None, "day", 18.0, "%", Level.GOOD, at
            ),
        ]

    templates = Templates(config)
    announcer = PressAnnouncer(config, engine, templates, assessments=assessments)  # type: ignore[arg-type]
    try:
        for clock in ("10:02:15", "10:04:40", "10:05:05", "10:07:30"):
            at = dt.datetime.fromisoformat(f"2026-03-02T{clock}+03:00")
            store_live(
                engine,
                config,
                topology,
                [Press("АЗС-ТС-1", point_id, 4, "force_majeure", at, None)],
                stored_at=at,
            )
            announcer.process(now=at)
        announcer.process(now=dt.datetime.fromisoformat("2026-03-02T10:12:15+03:00"))
    finally:
        templates.close()
    return engine, sorted(outbox_rows(engine), key=lambda r: int(r["id"]))  # type: ignore[arg-type]


def test_the_worked_example_sends_what_the_documentation_shows(tmp_path: Path) -> None:
    engine, rows = run_example(tmp_path)
    section = example_section()
    try:
        assert [(r["channel"], r["subject"]) for r in rows if r["channel"] == "email"] == [
            ("email", subject) for subject in re.findall(r"^Subject: (.*)$", section, re.M)
        ]
        sms = [str(r["body_text"]).strip() for r in rows if r["channel"] == "sms"]
        assert sms == re.findall(r"^SMS: (.*)$", section, re.M)
        second_mail = [r for r in rows if r["channel"] == "email"][1]
        shown = next(b for b in example_blocks() if b.startswith("Форс-мажор: АЗС Тёплый Стан"))
        assert str(second_mail["body_text"]).strip() == shown.strip()
        # the acknowledgement the example gives, and what `alerts list` then says
        (command,) = [line for line in section.splitlines() if line.startswith("prolan-probe alerts ack")]
        alert_id = int(command.split()[3])
        comment = command.split('--comment "', 1)[1].rstrip('"')
        done = alerts.acknowledge(engine, alert_id, by="o.petrova", comment=comment)
        assert (done.presses, done.status, done.ack_comment) == (3, "acknowledged", comment)
    finally:
        engine.dispose()
