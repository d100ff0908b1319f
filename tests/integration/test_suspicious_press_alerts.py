"""Suspicious presses are not news (issue 21, point 4): on a pad with `min_seconds_between`, a
burst of presses that a press rule matches alerts once — for its first press; the rest are stored
and marked, but the press hook queues nothing for them and says why. Every way presses are stored
with the hooks in the transaction: ingest's write (COPY on PostgreSQL), the general insert and
`presses import --alert`. Force majeure is never suspicious. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from probe.ingest.sink import _store
from probe.press_hooks import HookRun, StoredPresses, press_hooks
from probe.presses import import_presses_csv, presses_to_csv
from probe.store.schema import notifier_press_matches, presses
from probe.topology import Topology, import_topology, load_topology, parse_topology
from tests.press_alert_helpers import TOPOLOGY, press, press_config, store_live

T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow
NEGATIVE_RULE = """
[[notifier.press_rules]]
name = "красная"
kinds = ["negative"]
recipients = ["quality"]
at_most_every_minutes = 0
"""
SUSPICIOUS = "suspicious (too soon after the pad's previous press)"


@pytest.fixture
def chain(engine: Engine) -> Topology:
    """P-1 with a minimum of 2 s between genuine presses; P-3 without one."""
    topology = copy.deepcopy(TOPOLOGY)
    topology["pads"][0]["min_seconds_between"] = 2  # type: ignore[index]
    import_topology(engine, parse_topology(topology))
    return load_topology(engine)


def seconds(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


def matched(engine: Engine) -> list[tuple[str, str, float]]:
    """(rule, pad, seconds after T0) of every queued press, in time order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifier_press_matches.c.rule, notifier_press_matches.c.pad_id, notifier_press_matches.c.pressed_at)
            .order_by(notifier_press_matches.c.pressed_at, notifier_press_matches.c.pad_id)
        ).all()  # fmt: skip
    return [(r.rule, r.pad_id, (r.pressed_at - T0).total_seconds()) for r in rows]


def suspicious_marks(engine: Engine) -> list[tuple[str, float, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(presses.c.pad_id, presses.c.pressed_at, presses.c.suspicious).order_by(
                presses.c.pressed_at, presses.c.pad_id, presses.c.id
            )
        ).all()
    return [(r.pad_id, (r.pressed_at - T0).total_seconds(), bool(r.suspicious)) for r in rows]


def test_a_burst_alerts_once_whatever_way_it_is_stored(
    engine: Engine, db_url: str, chain: Topology, caplog: pytest.LogCaptureFixture
) -> None:
    config = press_config(db_url, extra=NEGATIVE_RULE)
    # The general insert, in the batch's transaction (as `store_live` does it, like ingest):
    # three red presses within 2 s of each other on P-1 and a force majeure in the middle.
    burst = [
        press(chain, "P-1", 3, seconds(0)),
        press(chain, "P-1", 3, seconds(0.5)),
        press(chain, "P-1", 4, seconds(0.7)),  # force majeure: never suspicious
        press(chain, "P-1", 3, seconds(1.2)),
    ]
    with caplog.at_level(logging.INFO, logger="notifier.press"):
        report = store_live(engine, config, chain, burst, stored_at=seconds(2))
    assert report.queued == 2 and report.skipped == {SUSPICIOUS: 2}
    # An expected thing, not a warning (unlike presses too old to announce).
    assert "press rules: 2 matching presses suspicious" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "suspicious" in r.getMessage()]
    # The same burst on a pad without a minimum: every press is news.
    plain = [press(chain, "P-3", 3, seconds(s)) for s in (0, 0.5, 1.2)]
    assert store_live(engine, config, chain, plain, stored_at=seconds(2)).queued == 3

    # Ingest's own write (COPY on PostgreSQL, the general insert on SQLite): 10.0 is genuine, 10.4
    # is suspicious; and a press arriving late that falls in an earlier burst (1.6) is marked too.
    hooks = press_hooks(config)
    live = [press(chain, "P-1", 3, seconds(10)), press(chain, "P-1", 3, seconds(10.4))]
    run = HookRun(hooks, StoredPresses(live, chain, seconds(11), live=True, alert=True))
    assert _store(engine, live, run) == 2
    assert run.reports["notifier"].queued == 1 and run.reports["notifier"].skipped == {SUSPICIOUS: 1}
    late = [press(chain, "P-1", 3, seconds(1.6))]
    late_run = HookRun(hooks, StoredPresses(late, chain, seconds(12), live=True, alert=True))
    assert _store(engine, late, late_run) == 1
    assert late_run.reports["notifier"].queued == 0

    assert matched(engine) == [
        ("красная", "P-1", 0.0),
        ("красная", "P-3", 0.0),
        ("красная", "P-3", 0.5),
        ("форс-мажор", "P-1", 0.7),
        ("красная", "P-3", 1.2),
        ("красная", "P-1", 10.0),
    ]
    # Every press stored, the burst's followers marked: the alerts follow the marks exactly.
    marks = suspicious_marks(engine)
    assert [(pad, s) for pad, s, bad in marks if bad] == [
        ("P-1", 0.5),
        ("P-1", 1.2),
        ("P-1", 1.6),
        ("P-1", 10.4),
    ]
    queued_p1 = {s for rule, pad, s in matched(engine) if pad == "P-1" and rule == "красная"}
    assert queued_p1 == {s for pad, s, bad in marks if pad == "P-1" and not bad and s != 0.7}


def test_an_import_with_alert_skips_the_burst(
    engine: Engine, db_url: str, chain: Topology, tmp_path: Path
) -> None:
    config = press_config(db_url, extra=NEGATIVE_RULE)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    csv_path = tmp_path / "burst.csv"
    rows = [("P-1", 3, now - dt.timedelta(seconds=s), None) for s in (3.0, 2.5, 2.0, 1.5)]
    csv_path.write_text(presses_to_csv(rows), encoding="utf-8")
    report = import_presses_csv(engine, chain, csv_path, hooks=press_hooks(config), alert=True)
    assert report.stored == 4
    assert report.hooks["notifier"].queued == 1 and report.hooks["notifier"].skipped == {SUSPICIOUS: 3}
    # What `presses import` prints after "notifier: " (docs/notifications.md, "A burst is one press").
    assert report.hooks["notifier"].text() == f"1 queued, 3 {SUSPICIOUS}"
    assert [s for _rule, _pad, s in matched(engine)] == [(now - dt.timedelta(seconds=3) - T0).total_seconds()]


def test_the_message_s_hour_counts_leave_the_burst_out(engine: Engine, db_url: str, chain: Topology) -> None:
    from notifier.outbox import outbox_rows
    from notifier.pipeline import Templates
    from notifier.press_alerts import PressAnnouncer

    config = press_config(db_url, extra=NEGATIVE_RULE)
    # A burst of three red presses (two suspicious), each announced as it comes, then a genuine
    # one a minute later.
    templates = Templates(config)
    try:
        announcer = PressAnnouncer(config, engine, templates)
        burst = [press(chain, "P-1", 3, seconds(s)) for s in (0, 0.5, 1.0)]
        assert store_live(engine, config, chain, burst, stored_at=seconds(1.5)).queued == 1
        assert announcer.process(now=seconds(2)).alerts == 1
        later = [press(chain, "P-1", 3, seconds(60))]
        assert store_live(engine, config, chain, later, stored_at=seconds(61)).queued == 1
        assert announcer.process(now=seconds(62)).alerts == 1
    finally:
        templates.close()
    bodies = sorted(r["body_text"] for r in outbox_rows(engine) if r["rule"] == "красная")
    # The hour up to each announced press: as the metrics count it, 1 and then 2 negative answers.
    assert sum("За час:       негативная 1\n" in b for b in bodies) == 1
    assert sum("За час:       негативная 2\n" in b for b in bodies) == 1
