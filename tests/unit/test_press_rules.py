"""Press rules, pure: which presses match, when a message may go, what it says; the config's
checks; every new statement compiled for SQL Server."""

from __future__ import annotations

import datetime as dt
import tomllib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.dialects import mssql

from notifier.config import NotifierConfig, PressRule
from notifier.messages import TemplateSet, more_presses_text, press_sample_context
from notifier.press_alerts import last_hour_counts
from notifier.press_hook import insert_matches_statement
from notifier.press_rules import (
    PressFacts,
    PressRuleMatcher,
    announce_at,
    headline,
    point_open,
    press_rule_matches,
    silence_covers_press,
    too_old,
)
from notifier.rules import Silence
from notifier.sandbox import SandboxRenderer
from probe.config import ConfigError, parse_config
from probe.presses import Press
from probe.topology import Pad, Point, Topology

MSK = ZoneInfo("Europe/Moscow")
T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow


def rule(**criteria: object) -> PressRule:
    return PressRule.model_validate({"name": "r", "recipients": ["quality"], **criteria})


FM = PressFacts("P-101", 4, "force_majeure", "Калужская", "Москва/ЮЗАО", None)


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        ({"kinds": ["force_majeure"]}, True),
        ({"kinds": ["negative", "force_majeure"]}, True),
        ({"kinds": ["negative"]}, False),
        ({"pads": ["P-101"]}, True),
        ({"pads": ["P-1*"]}, True),
        ({"pads": ["P-2*"]}, False),
        ({"buttons": [4]}, True),
        ({"buttons": [1, 2]}, False),
        ({"point": "Калуж*"}, True),
        ({"point": "калуж*"}, False),  # case-sensitive, as the evaluation rules' globs
        ({"region": "Москва/*"}, True),
        ({"region": "Казань*"}, False),
        ({"questions": ["Q1"]}, False),  # the press answers no question
        ({"kinds": ["force_majeure"], "point": "Невский"}, False),  # every criterion must hold
        ({"kinds": ["force_majeure"], "region": "Москва*", "buttons": [4], "pads": ["P-101"]}, True),
    ],
)
def test_every_given_criterion_must_hold(criteria: dict[str, object], matches: bool) -> None:
    assert press_rule_matches(rule(**criteria), FM) is matches


def test_questions_match_the_answers_of_a_survey() -> None:
    answer = PressFacts("P-7", 3, "negative", "Невский", "СПб", "Q1")
    assert press_rule_matches(rule(questions=["Q1"], kinds=["negative"]), answer)
    assert not press_rule_matches(rule(questions=["Q2"]), answer)


def test_the_matcher_follows_a_new_topology() -> None:
    pad = Pad("P-1", "Калужская", "СОКОК", buttons={4: "force_majeure"})
    first = Topology({"Калужская": Point("Калужская", "Москва/ЮЗАО", id=1)}, {}, {"P-1": pad})
    moved = Topology(
        {"Невский": Point("Невский", "Санкт-Петербург", id=2)}, {}, {"P-1": Pad("P-1", "Невский", "СОКОК")}
    )
    matcher = PressRuleMatcher(
        [rule(name="moscow", region="Москва*"), rule(name="fm", kinds=["force_majeure"])]
    )
    press = Press("P-1", 1, 4, "force_majeure", T0, None)
    assert [r.name for r in matcher.rules_for(press, first)] == ["moscow", "fm"]
    assert [r.name for r in matcher.rules_for(press, moved)] == ["fm"]
    unknown_pad = Press("P-404", 1, 4, "force_majeure", T0, None)
    assert [r.name for r in matcher.rules_for(unknown_pad, first)] == ["fm"]


def test_age_limit() -> None:
    assert too_old(T0 - dt.timedelta(minutes=31), T0, 30)
    assert not too_old(T0 - dt.timedelta(minutes=30), T0, 30)
    assert not too_old(T0 - dt.timedelta(days=30), T0, 0)  # 0: any age


def test_opening_hours_of_a_press_moment() -> None:
    assert point_open("", T0.astimezone(MSK))
    assert point_open("09:00-21:00", dt.datetime(2026, 3, 2, 9, 0, tzinfo=MSK))
    assert not point_open("09:00-21:00", dt.datetime(2026, 3, 2, 8, 59, 59, tzinfo=MSK))
    assert not point_open("09:00-21:00", dt.datetime(2026, 3, 2, 21, 0, tzinfo=MSK))
    assert point_open("08:00-13:00,14:00-20:00", dt.datetime(2026, 3, 2, 15, 0, tzinfo=MSK))


def test_silences_cover_presses_unless_limited_to_metrics() -> None:
    hour = Silence(1, T0, T0 + dt.timedelta(hours=1))
    assert silence_covers_press(hour, "fm", "Калужская", T0)
    assert not silence_covers_press(hour, "fm", "Калужская", T0 + dt.timedelta(hours=1))
    assert not silence_covers_press(
        Silence(2, T0, T0 + dt.timedelta(hours=1), metrics="*"), "fm", "Калужская", T0
    )
    assert not silence_covers_press(
        Silence(3, T0, T0 + dt.timedelta(hours=1), rule="other"), "fm", "Калужская", T0
    )
    assert silence_covers_press(
        Silence(4, T0, T0 + dt.timedelta(hours=1), point="Калуж*"), "fm", "Калужская", T0
    )
    assert not silence_covers_press(
        Silence(5, T0, T0 + dt.timedelta(hours=1), point="Невский"), "fm", "Калужская", T0
    )


def test_when_the_next_message_may_go() -> None:
    assert announce_at(T0, None, 10, None, MSK) == T0  # the first press: at once
    last = T0 - dt.timedelta(minutes=4)
    assert announce_at(T0, last, 10, None, MSK) == last + dt.timedelta(minutes=10)
    assert announce_at(T0, last, 0, None, MSK) == T0  # no throttle
    assert announce_at(T0, T0 - dt.timedelta(minutes=11), 10, None, MSK) == T0
    night = dt.datetime(2026, 3, 2, 23, 30, tzinfo=MSK)
    morning = dt.datetime(2026, 3, 3, 8, 0, tzinfo=MSK)
    assert announce_at(night, None, 10, "22:00-08:00", MSK) == morning
    # the throttle window ends inside quiet hours: the quiet hours end decides
    assert (
        announce_at(
            dt.datetime(2026, 3, 2, 21, 55, tzinfo=MSK),
            dt.datetime(2026, 3, 2, 21, 50, tzinfo=MSK),
            10,
            "22:00-08:00",
            MSK,
        )
        == morning
    )
    assert announce_at(T0, None, 10, "22:00-08:00", MSK) == T0


def test_the_headline_is_the_latest_press() -> None:
    class M:
        def __init__(self, id: int, minute: int) -> None:
            self.id = id
            self.pressed_at = T0 + dt.timedelta(minutes=minute)

    latest, others = headline([M(1, 5), M(2, 2), M(3, 9), M(4, 2)])
    assert latest.id == 3 and [o.id for o in others] == [2, 4, 1]


@pytest.mark.parametrize(
    ("count", "ru", "en"),
    [
        (1, "и ещё 1 нажатие с 10:02", "and 1 more press since 10:02"),
        (4, "и ещё 4 нажатия с 10:02", "and 4 more presses since 10:02"),
        (5, "и ещё 5 нажатий с 10:02", "and 5 more presses since 10:02"),
        (11, "и ещё 11 нажатий с 10:02", "and 11 more presses since 10:02"),
        (21, "и ещё 21 нажатие с 10:02", "and 21 more presses since 10:02"),
        (112, "и ещё 112 нажатий с 10:02", "and 112 more presses since 10:02"),
    ],
)
def test_gathered_presses_are_counted_in_words(count: int, ru: str, en: str) -> None:
    assert more_presses_text(count, "10:02", "ru") == ru
    assert more_presses_text(count, "10:02", "en") == en


def test_press_templates_render_every_variable() -> None:
    renderer = SandboxRenderer()
    try:
        for language in ("ru", "en"):
            templates = TemplateSet(language, press=True, renderer=renderer)  # type: ignore[arg-type]
            templates.check()
            context = press_sample_context(language, gathered=2)  # type: ignore[arg-type]
            html = templates.render("html", context)
            assert '<td style="background: #f2c230">' in html  # the point's attention assessment
            assert context["presses"][-1] == context["press"] and context["count"] == 3
    finally:
        renderer.close()


CONFIG = """
[database]
url = "sqlite:///x.sqlite"
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "quality"
members = [{ name = "Анна", email = "anna@example.org" }]
"""


def config_error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(tomllib.loads(CONFIG + text), "probe.toml")
    return str(info.value)


def test_config_refuses_unclear_press_rules() -> None:
    assert "needs at least one of kinds, pads, buttons" in config_error(
        '[[notifier.press_rules]]\nname = "all"\nrecipients = ["quality"]\n'
    )
    assert "key 'notifier.press_rules[0].kinds[0]'" in config_error(
        '[[notifier.press_rules]]\nname = "x"\nkinds = ["forcemajeure"]\nrecipients = ["quality"]\n'
    )
    assert "two rules are named 'fm'" in config_error(
        '[[notifier.rules]]\nname = "fm"\nrecipients = ["quality"]\n'
        '[[notifier.press_rules]]\nname = "fm"\nkinds = ["force_majeure"]\nrecipients = ["quality"]\n'
    )
    assert "press_rules[0] ('fm') sends sms but [notifier.sms] is missing" in config_error(
        '[[notifier.press_rules]]\nname = "fm"\nkinds = ["force_majeure"]\nrecipients = ["quality"]\nchannels = ["sms"]\n'
    )
    assert "unknown key" in config_error(
        '[[notifier.press_rules]]\nname = "fm"\nkinds = ["force_majeure"]\nrecipients = ["quality"]\nthrottle = 5\n'
    )
    assert "key 'notifier.press_rules[0].quiet_hours'" in config_error(
        '[[notifier.press_rules]]\nname = "fm"\nkinds = ["force_majeure"]\nrecipients = ["quality"]\nquiet_hours = "late"\n'
    )
    good = parse_config(
        tomllib.loads(
            CONFIG
            + '[[notifier.press_rules]]\nname = "fm"\nkinds = ["force_majeure"]\nrecipients = ["quality"]\n'
        )
    ).section(NotifierConfig)
    (press_rule,) = good.press_rules
    assert (press_rule.at_most_every_minutes, press_rule.max_age_minutes, press_rule.channels) == (
        5.0,
        30.0,
        ["email"],
    )


def test_new_statements_compile_for_mssql() -> None:
    from notifier.press_alerts import assessments_from_db  # noqa: F401  (its query is compiled below)
    from probe.store.schema import notifier_press_matches, presses

    dialect = mssql.dialect()
    sql = str(insert_matches_statement("mssql").compile(dialect=dialect))
    assert sql.startswith("INSERT INTO notifier_press_matches") and "NOT (EXISTS" in sql
    press_id = (
        presses.select()
        .with_only_columns(presses.c.id)
        .where(
            presses.c.pad_id == notifier_press_matches.c.pad_id,
            presses.c.pressed_at == notifier_press_matches.c.pressed_at,
            presses.c.button == notifier_press_matches.c.button,
        )
        .scalar_subquery()
    )
    moved = (
        update(notifier_press_matches)
        .where(notifier_press_matches.c.id.in_([1, 2]))
        .values(press_id=press_id)
    )
    assert "UPDATE notifier_press_matches SET" in str(moved.compile(dialect=dialect))


class _Recorder:
    """A Connection stand-in that compiles every statement for SQL Server instead of running it."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.dialect = mssql.dialect()

    def execute(self, statement: object, *args: object) -> object:
        self.sql.append(str(statement.compile(dialect=self.dialect)))  # type: ignore[attr-defined]

        class _Empty:
            def all(self) -> list[object]:
                return []

            def __iter__(self):  # type: ignore[no-untyped-def]
                return iter([])

        return _Empty()


def test_announcer_and_alert_queries_compile_for_mssql() -> None:
    from notifier.press_alerts import PressAnnouncer, assessments_from_db
    from notifier.press_hook import _not_stored
    from probe.store.alerts import _deliveries, list_alerts
    from probe.store.schema import notifier_alerts

    recorder = _Recorder()
    assessments_from_db(recorder, Point("Калужская", id=1))  # type: ignore[arg-type]
    last_hour_counts(recorder, 1, T0)  # type: ignore[arg-type]
    PressAnnouncer.last_alerts(recorder, [("fm", 1)])  # type: ignore[arg-type]
    list_alerts(recorder, open_only=True, point="Калужская")  # type: ignore[arg-type]
    row = {"rule": "fm", "pad_id": "P-1", "pressed_at": T0, "button": 4}
    _not_stored(recorder, [row])  # type: ignore[arg-type]
    PressAnnouncer.waiting(recorder)  # type: ignore[arg-type]
    _deliveries(recorder, [SimpleNamespace(id=1)])  # type: ignore[arg-type]
    assert len(recorder.sql) == 7
    assert "TOP" in recorder.sql[3] and "max(metric_values.at)" in recorder.sql[0]
    assert "JOIN notifier_outbox" in recorder.sql[6]
    acknowledge = (
        update(notifier_alerts)
        .where(notifier_alerts.c.id == 1, notifier_alerts.c.status == "open")
        .values(status="acknowledged", acknowledged_by="Анна", ack_comment="x")
    )
    assert str(acknowledge.compile(dialect=mssql.dialect())).startswith("UPDATE notifier_alerts SET")
