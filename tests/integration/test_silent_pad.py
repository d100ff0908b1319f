"""A pad that falls silent is an incident (issue 21, point 5): the shipped test PAD_SILENCE, per
pad, while its point is open: `Пульт <pad> молчит, мин` gives the minutes since its last press once the pad's own typical press
rate for these hours of the week expects at least `expected_presses` presses in that time (0
otherwise), assessed higher-is-worse, with the expectation for the message ("usually 7 presses in
that time"). Hand-computed on a constructed history; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.dialects import mssql, postgresql, sqlite

from notifier.pipeline import feed
from probe import api
from probe.config import load_config, parse_config
from probe.engine import Evaluator
from probe.levels import Level
from probe.presses import Press, store_presses
from probe.silence import expected_presses, history_weeks, hour_of_week, silent_minutes, typical_rates
from probe.snapshot import SnapshotHub
from probe.store.schema import notifier_outbox
from probe.topology import Topology
from tests.conftest import ROOT
from tests.loyalty_mon.support import pad, setup_chain, window

MSK = ZoneInfo("Europe/Moscow")
TODAY = dt.date(2026, 11, 20)  # a Friday
CHAIN = {
    "points": [
        {"name": "Калужская", "opening_hours": "08:00-22:00"},
        {"name": "Тверская"},
    ],
    "pads": [
        pad("K", "Калужская", "СОКОК"),
        {**pad("N", "Калужская", "СОКОК"), "expected_presses": 20},  # a higher bar
        pad("Y", "Тверская", "СОКОК"),  # a young pad: one week of history
        pad("Z", "Тверская", "СОКОК"),  # never pressed
    ],
}
K = "PAD_SILENCE. Калужская. Пульт K молчит, мин"


def load_module() -> ModuleType:
    path = ROOT / "tests_scripts" / "pad_silence.py"
    spec = importlib.util.spec_from_file_location("pad_silence_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


PS = load_module()


def local(day: dt.date, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), tzinfo=MSK)


def history(topology: Topology) -> list[Press]:
    """Four weeks before today: every day 12 presses between 12:00 and 13:00 and 2 between 18:00
    and 19:00 local, on K and N; Y only the last week. Today: K and N last pressed at 12:05,
    Y at 18:05."""
    out: list[Press] = []

    def add(pad_id: str, when: dt.datetime, kind: str = "positive") -> None:
        the_pad = topology.pads[pad_id]
        number = the_pad.number_of(kind)
        assert number is not None
        point_id = topology.points[the_pad.point].id
        assert point_id is not None
        out.append(Press(pad_id, point_id, number, kind, when.astimezone(dt.UTC), None, "test"))

    for back in range(1, 29):
        day = TODAY - dt.timedelta(days=back)
        for pad_id in ("K", "N") + (("Y",) if back <= 7 else ()):
            for i in range(12):
                add(pad_id, local(day, 12, 2 + 5 * i), "negative" if i % 3 == 0 else "positive")
            add(pad_id, local(day, 18, 10))
            add(pad_id, local(day, 18, 40), "force_majeure")  # any kind shows the pad works
    add("K", local(TODAY, 12, 5))
    add("N", local(TODAY, 12, 5))
    add("Y", local(TODAY, 18, 5))
    return out


@pytest.fixture
def chain(engine: Engine) -> Topology:
    topology = setup_chain(engine, CHAIN)
    with engine.begin() as conn:
        store_presses(conn, history(topology))
    return topology


def silent(
    engine: Engine, topology: Topology, end: dt.datetime
) -> dict[str, tuple[float | None, float | None]]:
    test = PS.PadSilence()
    win = window(end)
    got = test.run(api.TestContext(win, engine, topology, test.params, logging.getLogger("test.pad_silence")))
    assert all(PS.is_silent_pad(m.short_name) for m in got)
    return {m.short_name: (m.value, m.expected) for m in got}


def test_minutes_of_silence_by_hand(engine: Engine, chain: Topology) -> None:
    # 12:40: 35 minutes since 12:05; the pad usually gets 12 presses in Friday's 12:00–13:00
    # (48 in four weeks / 4): 35/60 × 12 = 7 ≥ 5 → 35 minutes. N needs 20: 0.
    at_1240 = silent(engine, chain, local(TODAY, 12, 40))
    assert at_1240["Пульт K молчит, мин"] == (35.0, 7.0)
    assert at_1240["Пульт N молчит, мин"] == (0.0, 7.0)
    # Never pressed: nothing expected, not silent.
    assert at_1240["Пульт Z молчит, мин"] == (0.0, None)
    # Y (one week of history: its rate is not diluted by four) was last pressed yesterday, Thursday,
    # at 18:40; its history has no Thursday (the day of the last press is not in it), and today's
    # lunch hour usually brings 12 presses: 40/60 × 12 = 8 ≥ 5 → silent for 18 hours.
    assert at_1240["Пульт Y молчит, мин"] == (1080.0, 8.0)
    # 12:20: 15 minutes, 3 expected < 5 → 0.
    assert silent(engine, chain, local(TODAY, 12, 20))["Пульт K молчит, мин"] == (0.0, 3.0)
    # 13:30: 12:05–13:00 is 55/60 × 12 = 11, 13:00–13:30 adds nothing → 85 minutes; N (20): 0.
    at_1330 = silent(engine, chain, local(TODAY, 13, 30))
    assert at_1330["Пульт K молчит, мин"] == (85.0, 11.0)
    assert at_1330["Пульт N молчит, мин"] == (0.0, 11.0)
    # 18:40: the 18:00 hour adds 40/60 × 2: 11 + 1.33 = 12.3 (rounded) < 20 → N still 0.
    assert silent(engine, chain, local(TODAY, 18, 40))["Пульт N молчит, мин"] == (0.0, 12.3)
    # Y pressed again today at 18:05: at 18:50 it has missed 45/60 × 2 = 1.5 < 5 → 0.
    assert silent(engine, chain, local(TODAY, 18, 50))["Пульт Y молчит, мин"] == (0.0, 1.5)
    # Closed (Калужская shuts at 22:00): 0 and no expectation; at 22:00 itself still open.
    assert silent(engine, chain, local(TODAY, 22, 30))["Пульт K молчит, мин"] == (0.0, None)
    assert silent(engine, chain, local(TODAY, 22, 0))["Пульт K молчит, мин"][0] == 595.0


def test_the_pure_pieces() -> None:
    monday_noon = dt.datetime(2026, 11, 16, 12, 30, tzinfo=MSK)
    assert (
        hour_of_week(monday_noon) == 12 and hour_of_week(monday_noon + dt.timedelta(days=6, hours=11)) == 167
    )
    hours = [(dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC), 8)]  # 12:00 Moscow on a Monday
    rates = typical_rates(hours, MSK, 2.0)
    assert rates[12] == 4.0 and sum(rates) == 4.0
    # Half an hour at 4 per hour, across the hour boundary: 11:45–12:15 → 0 + 1.
    start = dt.datetime(2026, 11, 23, 11, 45, tzinfo=MSK)
    assert expected_presses(rates, start, start + dt.timedelta(minutes=30), MSK) == pytest.approx(1.0)
    assert expected_presses(rates, start, start, MSK) == 0.0
    assert silent_minutes(start, start + dt.timedelta(minutes=40), 5.0, 5.0) == 40.0
    assert silent_minutes(start, start + dt.timedelta(minutes=40), 4.9, 5.0) == 0.0
    assert silent_minutes(None, start, 100.0, 5.0) == 0.0
    week = dt.timedelta(weeks=1)
    assert history_weeks(start - 10 * week, start, 4 * week) == 4.0
    assert history_weeks(start - dt.timedelta(days=3), start, 4 * week) == 1.0
    assert history_weeks(start - dt.timedelta(days=9), start, 4 * week) == 2.0


def test_assessed_stored_and_notified(engine: Engine, chain: Topology, db_url: str) -> None:
    config = parse_config(
        tomllib.loads(
            f'''
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "silent pads"
metrics = "PAD_SILENCE. *. Пульт * молчит, мин"
level = "attention"
recipients = ["quality"]
'''
        )
    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    # A metric's first assessment opens nothing by itself: 12:20 first (nobody silent yet).
    first = evaluator.evaluate("PAD_SILENCE", local(TODAY, 12, 20))
    assert feed(config, engine, first, now=local(TODAY, 12, 20).astimezone(dt.UTC)).events == []
    evaluation = evaluator.evaluate("PAD_SILENCE", local(TODAY, 12, 40))
    by_name = {m.name: m for m in evaluation.metrics}
    k = by_name[K]
    # Default table 10 / 20 / 40 / 60 minutes, higher is worse: 35 minutes is attention.
    assert (k.value, k.level, k.unit, k.expected) == (35.0, Level.ATTENTION, "мин", 7.0)
    assert k.thresholds is not None and k.thresholds.bounds == (10.0, 20.0, 40.0, 60.0)
    # As docs/thresholds.md and docs/loyalty-mon.md say.
    for doc in ("thresholds.md", "loyalty-mon.md"):
        assert "10 / 20 / 40 / 60 minutes" in (ROOT / "docs" / doc).read_text(encoding="utf-8"), doc
    summary = feed(config, engine, evaluation, now=local(TODAY, 12, 40).astimezone(dt.UTC))
    y = "PAD_SILENCE. Тверская. Пульт Y молчит, мин"
    assert sorted((rule, name, kind.value) for rule, name, kind in summary.events) == [
        ("silent pads", K, "fire"),
        ("silent pads", y, "fire"),
    ]
    with engine.connect() as conn:
        body, subject = conn.execute(
            select(notifier_outbox.c.body_text, notifier_outbox.c.subject).where(
                notifier_outbox.c.subject.contains("Пульт K ")
            )
        ).one()
    assert "Калужская" in subject and "Пульт K молчит, мин" in subject
    assert "Значение:     35 мин" in body and "Обычно за это время: 7" in body
    # Stored with the value: what a restarted probe, replay and the console read.
    from probe.store.current import load_snapshot

    stored = {m.name: m for m in load_snapshot(engine).metrics}[K]
    assert (stored.value, stored.expected, stored.level) == (35.0, 7.0, Level.ATTENTION)


def test_the_queries_compile_for_every_dialect(engine: Engine, write_config: Callable[..., Path]) -> None:
    at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    for dialect, needle in ((mssql.dialect(), "DATEADD(hour, DATEDIFF(hour, 0,"), (postgresql.dialect(), "date_trunc('hour',"), (sqlite.dialect(), "strftime('%Y-%m-%d %H:00:00.000000',")):  # fmt: skip
        assert needle in str(PS.hour_counts_query("K", at, at).compile(dialect=dialect))
        str(PS.last_presses_query(at).compile(dialect=dialect))
    # An out-of-range parameter is refused by name.
    path = write_config("[tests.PAD_SILENCE.parameters]\nweeks = 0\n")
    failed = Evaluator(load_config(path), engine, SnapshotHub()).report.failed
    assert any("'weeks' must be 1..52" in f.error for f in failed)
