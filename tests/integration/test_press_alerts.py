"""Press rules from the stored press to the outbox (press hook -> matches -> announcer), on SQLite
and PostgreSQL: matching, the throttle that gathers, age, imports, closed points, silences, quiet
hours, two announcers racing, and acknowledgement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from notifier.outbox import outbox_rows
from notifier.pipeline import Templates
from notifier.press_alerts import PressAnnouncer
from notifier.rules import Silence
from notifier.store import add_silence
from probe.presses import import_presses_csv, presses_to_csv
from probe.store import alerts
from probe.store.schema import notifier_alerts, notifier_press_matches
from probe.topology import Topology
from tests.press_alert_helpers import match_statuses, press, press_config, setup_chain, store_live

T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.fixture
def chain(engine: Engine) -> Topology:
    return setup_chain(engine)


@pytest.fixture
def templates(db_url: str):  # type: ignore[no-untyped-def]
    made: list[Templates] = []

    def make(config):  # type: ignore[no-untyped-def]
        made.append(Templates(config))
        return made[-1]

    yield make
    for t in made:
        t.close()


def test_a_matching_press_gives_one_alert_and_its_messages(
    engine: Engine, db_url: str, chain: Topology, templates
) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url, channels='["email", "sms"]', sms_port="/dev/null")
    fm = press(chain, "P-1", 4, T0)
    report = store_live(engine, config, chain, [fm, press(chain, "P-1", 3, T0 + minutes(0.1))], stored_at=T0)
    assert report.queued == 1 and match_statuses(engine) == ["waiting"]  # the negative press matches nothing
    announcer = PressAnnouncer(config, engine, templates(config))
    summary = announcer.process(now=T0 + dt.timedelta(seconds=1))
    assert (summary.alerts, summary.queued) == (1, 2)
    rows = sorted(outbox_rows(engine), key=lambda r: r["channel"])
    assert [(r["channel"], r["address"], r["kind"]) for r in rows] == [
        ("email", "anna@example.org", "press"),
        ("sms", "+79990000000", "press"),
    ]
    assert rows[0]["subject"] == "[probe-test] Форс-мажор: Калужская, 10:00"
    assert "Пульт:        P-1, кнопка 4 (форс-мажор)" in rows[0]["body_text"]
    assert "За час:       негативная 1, форс-мажор 1" not in rows[0]["body_text"]  # the hour up to the press
    assert "За час:       форс-мажор 1" in rows[0]["body_text"]
    (alert,) = alerts.list_alerts(engine)
    assert (alert.point, alert.kind, alert.presses, alert.status) == ("Калужская", "force_majeure", 1, "open")
    assert alert.press_id is not None and rows[1]["body_text"].endswith(f"№ {alert.id}")
    # the same press delivered again (a retried line) and another round: nothing new
    assert store_live(engine, config, chain, [fm], stored_at=T0 + minutes(1)).queued == 0
    assert announcer.process(now=T0 + minutes(20)).alerts == 0
    assert len(outbox_rows(engine)) == 2


def test_throttle_gathers_presses_into_the_next_message(
    engine: Engine, db_url: str, chain: Topology, templates
) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url, throttle=10)
    announcer = PressAnnouncer(config, engine, templates(config))
    store_live(engine, config, chain, [press(chain, "P-1", 4, T0)], stored_at=T0)
    assert announcer.process(now=T0).alerts == 1
    for offset in (2, 3, 5, 7, 9):  # 10:02 ... 10:09, inside the window of the first message
        store_live(
            engine,
            config,
            chain,
            [press(chain, "P-1", 4, T0 + minutes(offset))],
            stored_at=T0 + minutes(offset),
        )
        summary = announcer.process(now=T0 + minutes(offset))
        assert summary.alerts == 0 and summary.next_due == T0 + minutes(10)
    assert summary.waiting == 5
    # a press at the other point is not held by this point's window
    store_live(
        engine, config, chain, [press(chain, "P-2", 4, T0 + minutes(9.5))], stored_at=T0 + minutes(9.5)
    )
    assert announcer.process(now=T0 + minutes(9.5)).alerts == 1
    summary = announcer.process(now=T0 + minutes(10))
    assert summary.alerts == 1 and summary.waiting == 0
    newest = alerts.list_alerts(engine, point="Калужская")[0]
    assert newest.presses == 5 and newest.first_pressed_at == T0 + minutes(2)
    assert newest.pressed_at == T0 + minutes(9)
    body = next(r for r in outbox_rows(engine) if f"№ {newest.id};" in r["body_text"])
    assert body["subject"] == "[probe-test] Форс-мажор: Калужская, 10:09 (+4 с 10:02)"
    assert "— и ещё 4 нажатия с 10:02." in body["body_text"]
    assert [p[4] for p in alerts.alert_presses(engine, newest.id)] == [
        T0 + minutes(m) for m in (2, 3, 5, 7, 9)
    ]
    assert set(match_statuses(engine)) == {"announced"}  # none dropped
    # the window restarts at the gathered message: 10:11 waits until 10:20
    store_live(engine, config, chain, [press(chain, "P-1", 4, T0 + minutes(11))], stored_at=T0 + minutes(11))
    assert announcer.process(now=T0 + minutes(11)).next_due == T0 + minutes(20)


def test_zero_throttle_announces_every_press(engine: Engine, db_url: str, chain: Topology, templates) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url, throttle=0)
    announcer = PressAnnouncer(config, engine, templates(config))
    for i in range(3):
        store_live(
            engine, config, chain, [press(chain, "P-1", 4, T0 + minutes(i))], stored_at=T0 + minutes(i)
        )
        assert announcer.process(now=T0 + minutes(i)).alerts == 1
    assert [a.presses for a in alerts.list_alerts(engine)] == [1, 1, 1]


def test_old_presses_are_stored_but_not_announced(
    engine: Engine, db_url: str, chain: Topology, caplog: pytest.LogCaptureFixture, templates
) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url)
    late = [press(chain, "P-1", 4, T0 - minutes(31)), press(chain, "P-1", 4, T0 - minutes(45))]
    fresh = press(chain, "P-1", 4, T0 - minutes(29))
    report = store_live(engine, config, chain, [*late, fresh], stored_at=T0)
    assert report.queued == 1 and report.skipped == {"older than 30 min when stored": 2}
    assert "press rules: 2 matching presses older than 30 min when stored were not announced" in caplog.text
    assert PressAnnouncer(config, engine, templates(config)).process(now=T0).alerts == 1
    (alert,) = alerts.list_alerts(engine)
    assert alert.pressed_at == fresh.pressed_at


def test_max_age_is_per_rule(engine: Engine, db_url: str, chain: Topology) -> None:
    config = press_config(db_url, rule_extra="max_age_minutes = 120")
    report = store_live(engine, config, chain, [press(chain, "P-1", 4, T0 - minutes(100))], stored_at=T0)
    assert report.queued == 1
    config = press_config(db_url, rule_extra="max_age_minutes = 0")  # any age
    report = store_live(
        engine, config, chain, [press(chain, "P-1", 4, T0 - dt.timedelta(days=3))], stored_at=T0
    )
    assert report.queued == 1


def test_an_import_alerts_only_with_alert(
    engine: Engine, db_url: str, chain: Topology, tmp_path: Path
) -> None:
    from probe.press_hooks import press_hooks

    config = press_config(db_url)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    csv_path = tmp_path / "p.csv"
    rows = [("P-1", 4, now - minutes(5), None), ("P-1", 4, now - minutes(50), None), ("P-1", 1, now, None)]
    csv_path.write_text(presses_to_csv(rows), encoding="utf-8")
    hooks = press_hooks(config)
    report = import_presses_csv(engine, chain, csv_path, hooks=hooks)
    assert report.stored == 3 and report.hooks["notifier"].skipped == {"imported without --alert": 2}
    assert match_statuses(engine) == []
    # again with --alert (the presses are stored already: only the alerts are new)
    report = import_presses_csv(engine, chain, csv_path, hooks=hooks, alert=True)
    assert report.stored == 0 and report.hooks["notifier"].queued == 1
    assert report.hooks["notifier"].skipped == {"older than 30 min when stored": 1}
    report = import_presses_csv(engine, chain, csv_path, hooks=hooks, alert=True, max_age_minutes=0)
    assert report.hooks["notifier"].queued == 1  # the 50-minute-old one; the fresh one was queued before
    assert match_statuses(engine) == ["waiting", "waiting"]


def test_closed_points_and_silences_set_presses_aside(
    engine: Engine, db_url: str, chain: Topology, caplog: pytest.LogCaptureFixture, templates
) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url)
    announcer = PressAnnouncer(config, engine, templates(config))
    early = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)  # 08:00 Moscow: Невский opens at 09:00
    store_live(engine, config, chain, [press(chain, "P-2", 4, early)], stored_at=early)
    summary = announcer.process(now=early)
    assert summary.alerts == 0 and summary.set_aside == {"closed": 1}
    assert "press rule 'форс-мажор': 1 presses not announced: the point was closed" in caplog.text
    add_silence(engine, Silence(0, T0, T0 + dt.timedelta(hours=1), point="Калуж*", reason="ремонт кассы"))
    # a silence limited to metrics does not cover presses
    add_silence(engine, Silence(0, T0, T0 + dt.timedelta(hours=1), point="Невский", metrics="*"))
    store_live(engine, config, chain, [press(chain, "P-1", 4, T0 + minutes(1))], stored_at=T0 + minutes(1))
    store_live(engine, config, chain, [press(chain, "P-2", 4, T0 + minutes(1))], stored_at=T0 + minutes(1))
    summary = announcer.process(now=T0 + minutes(1))
    assert summary.alerts == 1 and summary.set_aside == {"silenced": 1}
    assert match_statuses(engine) == ["closed", "silenced", "announced"]
    # opening hours can be ignored per rule
    config = press_config(db_url, rule_extra="respect_opening_hours = false")
    later = early + dt.timedelta(days=1)  # 08:00 the next morning, closed again
    store_live(engine, config, chain, [press(chain, "P-2", 4, later)], stored_at=later)
    assert PressAnnouncer(config, engine, templates(config)).process(now=later).alerts == 1


def test_quiet_hours_gather_the_night_into_one_morning_message(
    engine: Engine, db_url: str, chain: Topology, templates
) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url, throttle=5, rule_extra='quiet_hours = "22:00-08:00"')
    announcer = PressAnnouncer(config, engine, templates(config))
    night = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)  # 23:00 Moscow
    morning = dt.datetime(2026, 3, 3, 5, 0, tzinfo=dt.UTC)  # 08:00 Moscow
    for hours in (0, 1.5, 3, 7.5):
        at = night + dt.timedelta(hours=hours)
        store_live(engine, config, chain, [press(chain, "P-1", 4, at)], stored_at=at)
        summary = announcer.process(now=at)
        assert summary.alerts == 0 and summary.next_due == morning
    summary = announcer.process(now=morning)
    assert summary.alerts == 1
    (alert,) = alerts.list_alerts(engine)
    assert alert.presses == 4 and alert.first_pressed_at == night


def test_of_two_announcers_one_announces(engine: Engine, db_url: str, chain: Topology, templates) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url)
    first = PressAnnouncer(config, engine, templates(config))
    second = PressAnnouncer(config, engine, templates(config))
    store_live(engine, config, chain, [press(chain, "P-1", 4, T0)], stored_at=T0)
    with engine.connect() as conn:
        waiting = first.waiting(conn)
    (point,) = [p for p in chain.points.values() if p.name == "Калужская"]
    rule = config.section(__import__("notifier.config").config.NotifierConfig).press_rules[0]
    assert first.announce(rule, point, waiting, T0) == 1
    with pytest.raises(Exception, match="форс-мажор"):
        second.announce(rule, point, waiting, T0)  # Raced: rolled back, nothing written
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(notifier_alerts)).scalar_one() == 1
    assert len(outbox_rows(engine)) == 1


def test_a_broken_rule_template_falls_back_to_the_built_in_one(
    engine: Engine, db_url: str, chain: Topology, tmp_path: Path, templates, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "fm.subject.j2"
    broken.write_text("{{ press.time_short / 0 }}", encoding="utf-8")
    config = press_config(db_url, rule_extra=f'templates = {{ subject = "{broken}" }}')
    store_live(engine, config, chain, [press(chain, "P-1", 4, T0)], stored_at=T0)
    assert PressAnnouncer(config, engine, templates(config)).process(now=T0).queued == 1
    (row,) = outbox_rows(engine)
    assert row["subject"] == "[probe-test] Форс-мажор: Калужская, 10:00"
    assert "this message uses the built-in template" in caplog.text


def test_acknowledge_and_close(engine: Engine, db_url: str, chain: Topology, templates) -> None:  # type: ignore[no-untyped-def]
    config = press_config(db_url, throttle=0)
    announcer = PressAnnouncer(config, engine, templates(config))
    for i in range(2):
        store_live(
            engine, config, chain, [press(chain, "P-1", 4, T0 + minutes(i))], stored_at=T0 + minutes(i)
        )
        announcer.process(now=T0 + minutes(i))
    first, second = sorted(a.id for a in alerts.list_alerts(engine))
    assert [a.id for a in alerts.list_alerts(engine, open_only=True)] == [second, first]
    done = alerts.acknowledge(engine, first, by="Анна", comment="кондиционер перезапущен")
    assert (done.status, done.acknowledged_by, done.ack_comment) == (
        "acknowledged",
        "Анна",
        "кондиционер перезапущен",
    )
    assert [a.id for a in alerts.list_alerts(engine, open_only=True)] == [second]
    with pytest.raises(alerts.AlertError, match=f"alert {first} is already acknowledged \\(by Анна at "):
        alerts.acknowledge(engine, first, by="Борис")
    with pytest.raises(alerts.AlertError, match="no alert 999"):
        alerts.acknowledge(engine, 999, by="Анна")
    closed = alerts.close(engine, second, by="Борис", comment="ложное нажатие")
    assert (closed.status, closed.acknowledged_by, closed.closed_by) == ("closed", "Борис", "Борис")
    assert alerts.list_alerts(engine, open_only=True) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(notifier_press_matches)).scalar_one() == 2


class _Broken:
    name = "broken"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def stored(self, conn, batch):  # type: ignore[no-untyped-def]
        raise self.error

    def committed(self, report) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("not reached")


def test_a_hook_fault_never_costs_a_press_but_a_database_error_fails_the_batch(
    engine: Engine, chain: Topology, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.exc import OperationalError

    from probe.press_hooks import HookRun, StoredPresses
    from probe.presses import store_presses
    from probe.store.schema import presses as presses_table

    fm = press(chain, "P-1", 4, T0)
    run = HookRun([_Broken(ValueError("a bug"))], StoredPresses([fm], chain, T0, True, True))
    with engine.begin() as conn:
        store_presses(conn, [fm])
        run.run(conn)
    run.committed()
    assert "press hook 'broken' failed: 1 presses are stored without it" in caplog.text
    other = press(chain, "P-1", 4, T0 + minutes(1))
    failing = HookRun(
        [_Broken(OperationalError("INSERT", {}, Exception("gone")))],
        StoredPresses([other], chain, T0, True, True),
    )
    with pytest.raises(OperationalError), engine.begin() as conn:
        store_presses(conn, [other])
        failing.run(conn)  # ingest then spools the batch and tries again
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(presses_table)).scalar_one() == 1


def test_match_rows_keep_names_with_quotes_commas_and_braces(
    engine: Engine, db_url: str, chain: Topology
) -> None:
    """The rule name travels in the fast insert's array text: it must come back as written."""
    import tomllib

    from probe.config import parse_config

    name = 'форс "мажор", {срочно} \\ NULL'
    base = press_config(db_url)
    section = base.section(__import__("notifier.config").config.NotifierConfig)
    config = parse_config(
        tomllib.loads(
            f'[database]\nurl = "{db_url}"\n[notifier.smtp]\nhost = "127.0.0.1"\n'
            '[[notifier.recipients]]\nname = "quality"\nmembers = [{ name = "Анна", email = "a@example.org" }]\n'
            f'[[notifier.press_rules]]\nname = \'{name}\'\nkinds = ["force_majeure"]\nrecipients = ["quality"]\n'
        )
    )
    assert section.press_rules  # the helper's config is valid too
    fm = press(chain, "P-1", 4, T0)
    assert store_live(engine, config, chain, [fm, fm], stored_at=T0).queued == 1  # the same press twice: once
    with engine.connect() as conn:
        row = conn.execute(select(notifier_press_matches)).one()
    assert (row.rule, row.pad_id, row.pressed_at, row.stored_at, row.question_id) == (
        name,
        "P-1",
        T0,
        T0,
        None,
    )
