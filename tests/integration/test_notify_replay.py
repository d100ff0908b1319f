"""Try a rule or a threshold table on history before it goes live (issue 21, point 3).

A constructed chain is evaluated interval by interval by the real Evaluator, and every evaluation
is fed to the live notifier (as `evaluate` and `run` do): that is the history. `notify replay`
over the same range then opens, escalates and closes exactly the incidents the live notifier did,
with the same messages, and writes nothing; with proposed thresholds it gives what those would
have done (hand-computed). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from notifier.config import NotifierConfig
from notifier.incidents import EventKind
from notifier.pipeline import feed
from notifier.replay import ReplayError, count_notifications, parse_thresholds, replay
from notifier.rules import Silence
from notifier.store import add_silence
from probe.config import ProbeConfig, parse_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.schema import metrics, notifier_incidents, notifier_outbox
from tests.helpers import ROOT
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain
from tests.notifier_helpers import cli

MSK = ZoneInfo("Europe/Moscow")
CHAIN = {
    "points": [
        {"name": "Калужская", "opening_hours": "08:00-22:00"},
        {"name": "Тверская"},
    ],
    "pads": [pad("K", "Калужская", "СОКОК"), pad("T", "Тверская", "СОКОК")],
}
FIRST_END = dt.datetime(2026, 11, 20, 20, 10, tzinfo=MSK)
# Per interval (20:00–20:10 … 22:50–23:00 local): B = 3 negative of 4 (75 %: edge), G = 4
# positive (0 %: good), Q = 1 negative of 1 (100 %, bad, but 1 vote), . = nothing (unknown).
PATTERNS = {
    "K": "BBBGGBBBBBGGBBQB..",  # closed from 22:00 (the last six intervals do not count)
    "T": "GBBBBGGBQQBBBGGGBB",
}
ENDS = [FIRST_END + dt.timedelta(minutes=10 * i) for i in range(len(PATTERNS["K"]))]
RULES = """
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. СОКОК. *. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 2
recovery_after = 2
escalate_after = 3
escalate_to = ["directors"]
recipients = ["quality"]
channels = ["email", "sms"]

[[notifier.rules]]
name = "negative-sure"
metrics = "LOYALTY_MON. СОКОК. *. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 2
min_votes = 2
evidence = true
recipients = ["quality"]
channels = ["email"]

[[notifier.rules]]
name = "negative-now"
metrics = "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 1
recipients = ["quality"]
channels = ["email"]
"""


def config_text(db_url: str) -> str:
    return f'''
name = "probe-replay"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
port = 25
[notifier.sms]
port = "/dev/null"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org", phone = "+79990000000" }}]
[[notifier.recipients]]
name = "directors"
members = [{{ name = "Boss", email = "boss@example.org", language = "en" }}]
{RULES}
'''


def presses() -> list[P]:
    out: list[P] = []
    for pad_id, pattern in PATTERNS.items():
        for end, kind in zip(ENDS, pattern, strict=True):
            start = (end - dt.timedelta(minutes=10)).astimezone(dt.UTC).replace(tzinfo=None)
            if kind == "B":
                out += [P(pad_id, "negative", start + dt.timedelta(minutes=1, seconds=s)) for s in range(3)]
                out.append(P(pad_id, "positive", start + dt.timedelta(minutes=2)))
            elif kind == "G":
                out += [P(pad_id, "positive", start + dt.timedelta(minutes=1, seconds=s)) for s in range(4)]
            elif kind == "Q":
                out.append(P(pad_id, "negative", start + dt.timedelta(minutes=3)))
    return out


LiveEvent = tuple[str, str, str, dt.datetime]  # rule, metric, kind, at


def live_history(config: ProbeConfig, engine: Engine) -> list[LiveEvent]:
    """Evaluate every interval and feed it to the live notifier; what it announced."""
    topology = setup_chain(engine, CHAIN)
    insert_presses(engine, topology, presses())
    # A maintenance window over two intervals of Тверская (they are not counted).
    add_silence(
        engine,
        Silence(
            0,
            (ENDS[10] - dt.timedelta(minutes=1)).astimezone(dt.UTC),
            (ENDS[11] + dt.timedelta(minutes=1)).astimezone(dt.UTC),
            point="Тверская",
            reason="ремонт",
        ),
    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    events: list[LiveEvent] = []
    for end in ENDS:
        evaluation = evaluator.evaluate("LOYALTY_MON", end)
        summary = feed(config, engine, evaluation, now=end.astimezone(dt.UTC))
        events += [(rule, name, kind.value, end.astimezone(dt.UTC)) for rule, name, kind in summary.events]
    return events


def stored_counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(notifier_outbox)).scalar_one(),
            conn.execute(select(func.count()).select_from(notifier_incidents)).scalar_one(),
            conn.execute(select(func.max(notifier_incidents.c.updated_at))).scalar_one(),
        )


def test_replay_reproduces_the_live_notifier(engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    config = parse_config(tomllib.loads(config_text(db_url)))
    live = live_history(config, engine)
    kinds = {(rule, kind) for rule, _, kind, _ in live}
    # The history has every kind of announcement, for both rules.
    assert {
        ("negative", "fire"),
        ("negative", "escalate"),
        ("negative", "recover"),
        ("negative-sure", "fire"),
    } <= kinds
    # A metric's first assessment opens nothing by itself, even for a rule of one evaluation:
    # Калужская is bad from its first interval (20:10) but "negative-now" fires at the second.
    now_fires = [at for rule, _, kind, at in live if rule == "negative-now" and kind == "fire"]
    assert now_fires[0] == ENDS[1].astimezone(dt.UTC)
    before = stored_counts(engine)
    with engine.connect() as conn:
        outbox = conn.execute(select(notifier_outbox).order_by(notifier_outbox.c.id)).all()

    since = (ENDS[0] - dt.timedelta(minutes=10)).astimezone(dt.UTC)
    until = ENDS[-1].astimezone(dt.UTC)
    for rule in config.section(NotifierConfig).rules:
        report = replay(config, engine, rule, since, until)
        replayed = [(rule.name, e.metric, e.kind.value, e.at) for e in report.events]
        assert sorted(replayed) == sorted(e for e in live if e[0] == rule.name), rule.name
        assert report.metrics == (1 if rule.name == "negative-now" else 3)  # points and the company
        # The very messages the live notifier queued: recipients, channels, subjects and texts.
        would_send = sorted(
            (m.channel, m.address, m.subject, m.body) for e in report.events for m in e.messages
        )
        sent = sorted((r.channel, r.address, r.subject, r.body_text) for r in outbox if r.rule == rule.name)
        assert would_send == sent, rule.name
    # Replaying wrote nothing and sent nothing.
    assert stored_counts(engine) == before

    # The closed hours of Калужская and the silence of Тверская were not counted, as live.
    report = replay(config, engine, config.section(NotifierConfig).rules[0], since, until)
    assert report.skipped["closed"] == 6 and report.skipped["silenced"] == 2
    points = report.per_point()
    assert set(points) >= {"Калужская", "Тверская"}

    # The command line: per point, what it would have opened, escalated, closed, and sent.
    path = tmp_path / "probe.toml"
    path.write_text(config_text(db_url), encoding="utf-8")
    result = cli(capsys, "notify", "replay", "--rule", "negative", "--from", "2026-11-20T20:00", "--to", "2026-11-20T23:00", "--format", "json", config=path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    by_point = {p["point"]: p for p in printed["points"]}
    for point, counts in points.items():
        assert (by_point[point]["opened"], by_point[point]["escalated"], by_point[point]["closed"]) == (
            counts[EventKind.FIRE],
            counts[EventKind.ESCALATE],
            counts[EventKind.RECOVER],
        )
    first = by_point["Тверская"]["events"][0]
    assert first["kind"] == "fire" and {m["channel"] for m in first["messages"]} == {"email", "sms"}
    assert printed["notifications"] == report.notifications
    table = cli(capsys, "notify", "replay", "--rule", "negative", "--from", "2026-11-20T20:00", "--to", "2026-11-20T23:00", config=path)  # fmt: skip
    assert table.returncode == 0 and "Тверская" in table.stdout and "nothing sent" in table.stdout
    # docs/notifications.md shows this very run: its summary and per-point table are what it prints.
    docs = (ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
    shown = docs.split(
        "$ prolan-probe notify replay --rule negative --from 2026-11-20T20:00 --to 2026-11-20T23:00\n", 1
    )[1]
    summary = shown.split("\n\ntime ", 1)[0]
    assert summary in table.stdout, (summary, table.stdout)
    assert stored_counts(engine) == before
    # Russian first: the same report in Russian, and a wrong rule named in Russian, no traceback.
    ru = cli(capsys, "--lang", "ru", "notify", "replay", "--rule", "negative", "--from", "2026-11-20T20:00", "--to", "2026-11-20T23:00", config=path)  # fmt: skip
    assert ru.returncode == 0 and "(ничего не отправлено)" in ru.stdout
    assert "не учтено: точка закрыта (часы работы) 6, под тишиной (обслуживание) 2" in ru.stdout
    assert all(word in ru.stdout for word in ("точка", "открыто", "эскалировано", "закрыто", "отправило бы"))
    wrong = cli(capsys, "--lang", "ru", "notify", "replay", "--rule", "нет", "--from", "2026-11-20T20:00", "--to", "2026-11-20T23:00", config=path)  # fmt: skip
    assert wrong.returncode != 0 and "нет правила" in wrong.stderr.lower() and "Traceback" not in wrong.stderr


def test_replay_with_proposed_thresholds(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config(tomllib.loads(config_text(db_url)))
    live_history(config, engine)
    rule = config.section(NotifierConfig).rules[0]
    since = (ENDS[0] - dt.timedelta(minutes=10)).astimezone(dt.UTC)
    until = ENDS[-1].astimezone(dt.UTC)

    # Bounded memory: the history is read a chunk at a time, from its first evaluation on (a
    # range starting years earlier costs no more); the result is the same as read at once.
    import notifier.replay as replay_module

    whole = replay(config, engine, rule, since, until)
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    read = replay_module.stored_states

    def recording(conn, ids, start, end):  # type: ignore[no-untyped-def]
        spans.append((start, end))
        return read(conn, ids, start, end)

    monkeypatch.setattr(replay_module, "stored_states", recording)
    monkeypatch.setattr(replay_module, "HISTORY_CHUNK", dt.timedelta(minutes=25))
    chunked = replay(config, engine, rule, since - dt.timedelta(days=3650), until)
    assert [(e.kind, e.metric, e.at, e.messages) for e in chunked.events] == [
        (e.kind, e.metric, e.at, e.messages) for e in whole.events
    ]
    assert chunked.evaluations == whole.evaluations and chunked.skipped == whole.skipped
    # From the first evaluation (20:10) to 23:00: 2 h 50 min, seven reads of at most 25 minutes.
    assert len(spans) == 7 and all(end - start <= dt.timedelta(minutes=25) for start, end in spans)
    monkeypatch.undo()
    # With 80 / 90 / 95 / 99 the 75 % intervals are good and only the one-vote 100 % ones bad:
    # Калужская's one Q is after closing time; Тверская's Q Q (ends 21:30, 21:40) open an incident
    # at 21:40; 21:50 and 22:00 are silenced; B (75 %, good now) at 22:10 and G at 22:20 recover it.
    strict = parse_thresholds("80,90,95,99")
    report = replay(config, engine, rule, since, until, thresholds=strict)
    fires = [
        (e.point, e.at.astimezone(MSK).strftime("%H:%M")) for e in report.events if e.kind is EventKind.FIRE
    ]
    assert fires == [("Тверская", "21:40")]
    recovers = [
        (e.point, e.at.astimezone(MSK).strftime("%H:%M"))
        for e in report.events
        if e.kind is EventKind.RECOVER
    ]
    assert recovers == [("Тверская", "22:20")]
    assert report.thresholds == strict
    # The messages show the proposed table.
    assert all(
        "80 / 90 / 95 / 99" in m.body for e in report.events for m in e.messages if m.channel == "email"
    )
    # A falling table is higher-is-better; nonsense is refused with the option named.
    assert parse_thresholds("80,60,40,20").direction == "higher_better"
    with pytest.raises(ReplayError, match=r"--thresholds: .* four are needed"):
        parse_thresholds("1,2,3")
    with pytest.raises(ReplayError, match="--thresholds"):
        parse_thresholds("10,30,20,40")
    with pytest.raises(ReplayError, match=r"--thresholds: 'a,b' must be four numbers"):
        parse_thresholds("a,b")

    # What the console's threshold dialog asks: per rule watching the metric, notifications.
    with engine.connect() as conn:
        metric_id = conn.execute(
            select(metrics.c.id).where(metrics.c.name == "LOYALTY_MON. СОКОК. Тверская. % негативных ответов. Интервал 10 мин")
        ).scalar_one()  # fmt: skip
    counts = count_notifications(config, engine, metric_id, strict, since, until)
    assert counts["negative"] == 2  # the fire and its recovery
    current = count_notifications(config, engine, metric_id, None, since, until)
    assert current["negative"] == sum(
        1 for e in replay(config, engine, rule, since, until, metric_ids=[metric_id]).events if e.messages
    )
    assert current["negative"] > counts["negative"]


def test_the_threshold_dialog_says_how_often_the_rules_would_have_notified(qtbot, engine: Engine, db_url: str) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from console.baseline_dialog import BaselineDialog
    from console.worker import settle
    from probe.store.schema import threshold_overrides

    config = parse_config(tomllib.loads(config_text(db_url)))
    live_history(config, engine)
    name = "LOYALTY_MON. СОКОК. Тверская. % негативных ответов. Интервал 10 мин"
    now = ENDS[-1].astimezone(dt.UTC) + dt.timedelta(minutes=3)
    dialog = BaselineDialog(
        engine, "LOYALTY_MON", MSK, point="Тверская", preselect=name, config=config, clock=lambda: now
    )
    qtbot.addWidget(dialog)
    assert settle()
    assert dialog.metric_box.currentText() == name and dialog.proposal is not None
    proposal = dialog.proposal.thresholds
    with engine.connect() as conn:
        metric_id = conn.execute(select(metrics.c.id).where(metrics.c.name == name)).scalar_one()
    since = now - dt.timedelta(days=28)
    proposed = sum(count_notifications(config, engine, metric_id, proposal, since, now).values())
    current = sum(count_notifications(config, engine, metric_id, None, since, now).values())
    text = dialog.notifications.text()
    assert text.startswith(f"С предложенными порогами правила уведомили бы {proposed} ")
    assert f"за последние 28 дней (с текущими: {current}; правила: negative, negative-sure)" in text
    assert current == 5  # fire 20:30, recover 21:10, fire 21:30, recover 22:30, fire 23:00
    # Nothing applied yet: the dialog only tried the proposal.
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(threshold_overrides)).scalar_one() == 0
    # Another percentile: another proposal, tried again.
    dialog.percentile_box.setValue(100)
    assert settle()
    again = sum(
        count_notifications(config, engine, metric_id, dialog.proposal.thresholds, since, now).values()
    )  # type: ignore[union-attr]
    assert dialog.notifications.text().startswith(f"С предложенными порогами правила уведомили бы {again} ")
    # Without the probe's configuration (no rules known) the dialog says nothing about rules.
    bare = BaselineDialog(engine, "LOYALTY_MON", MSK, point="Тверская", preselect=name)
    qtbot.addWidget(bare)
    assert settle()
    assert bare.notifications.text() == ""
