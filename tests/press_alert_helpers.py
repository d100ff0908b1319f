"""Shared pieces of the press-alert tests: a chain with a force-majeure button, a config with a
press rule, and storing presses the way ingest does (the press hook in the storing transaction)."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence

from sqlalchemy import Engine, select

from probe.config import ProbeConfig, parse_config
from probe.press_hooks import HookReport, HookRun, StoredPresses, press_hooks
from probe.presses import Press, store_marked_presses
from probe.store.schema import notifier_press_matches
from probe.topology import Topology, import_topology, load_topology, parse_topology

TOPOLOGY = {
    "points": [
        {"name": "Калужская", "region": "Москва/ЮЗАО"},
        {"name": "Невский", "region": "Санкт-Петербург/Центр", "opening_hours": "09:00-21:00"},
        {"name": "Войковская", "region": "Москва/САО"},
    ],
    "questions": [{"id": "Q1", "text": "Как Вам у нас понравилось?"}],
    "pads": [
        {
            "id": "P-1",
            "point": "Калужская",
            "methodology": "СОКОК",
            "buttons": {"1": "positive", "2": "passive", "3": "negative", "4": "force_majeure"},
        },
        {
            "id": "P-2",
            "point": "Невский",
            "methodology": "СОКОК",
            "buttons": {"1": "positive", "3": "negative", "4": "force_majeure"},
        },
        {
            "id": "P-3",
            "point": "Войковская",
            "methodology": "СОКОК",
            "buttons": {"1": "positive", "3": "negative", "4": "force_majeure"},
        },
    ],
}

PRESS_RULE = """
[[notifier.press_rules]]
name = "форс-мажор"
kinds = ["force_majeure"]
recipients = ["quality"]
channels = {channels}
at_most_every_minutes = {throttle}
{extra}
"""


def press_config(
    db_url: str,
    *,
    smtp_port: int = 25,
    channels: str = '["email"]',
    throttle: float = 10,
    rule_extra: str = "",
    extra: str = "",
    sms_port: str | None = None,
) -> ProbeConfig:
    sms = f'[notifier.sms]\nport = "{sms_port}"\ntimeout_seconds = 5\n' if sms_port else ""
    text = f"""
name = "probe-test"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "probe@example.org"
timeout_seconds = 5
{sms}[notifier.outbox]
retry_base_seconds = 1
retry_max_seconds = 2
poll_seconds = 0.2
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org", phone = "+79990000000" }}]
{extra}
{PRESS_RULE.format(channels=channels, throttle=throttle, extra=rule_extra)}
"""
    return parse_config(tomllib.loads(text))


def setup_chain(engine: Engine) -> Topology:
    import_topology(engine, parse_topology(TOPOLOGY))
    return load_topology(engine)


def press(topology: Topology, pad: str, button: int, at: dt.datetime) -> Press:
    pad_info = topology.pads[pad]
    point = topology.points[pad_info.point]
    assert point.id is not None
    return Press(pad, point.id, button, pad_info.buttons[button], at, None, "tcp:127.0.0.1")


def store_live(
    engine: Engine,
    config: ProbeConfig,
    topology: Topology,
    batch: Sequence[Press],
    *,
    stored_at: dt.datetime,
    live: bool = True,
    alert: bool = True,
    max_age_minutes: float | None = None,
) -> HookReport:
    """Store presses with the installed press hooks in their transaction, as ingest does."""
    run = HookRun(
        press_hooks(config), StoredPresses(batch, topology, stored_at, live, alert, max_age_minutes)
    )
    with engine.begin() as conn:
        _stored, marked = store_marked_presses(conn, batch)
        run.run(conn, marked)
    run.committed()
    return run.reports.get("notifier", HookReport())


def match_statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(notifier_press_matches.c.status).order_by(notifier_press_matches.c.id)
            ).scalars()
        )
