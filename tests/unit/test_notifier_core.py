"""The notifier's pure core: incident state machine, hours, silences, templates, SMS PDUs, config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from notifier.channels import PermanentFailure
from notifier.channels.sms import PART_GSM7, encode_sms, gsm7_septets, pack_septets
from notifier.incidents import EventKind, IncidentState, RuleLimits, Sample, Status, step
from notifier.messages import PARTS, TemplateProblem, TemplateSet, sample_context
from notifier.rules import HoursError, Silence, is_open, parse_duration, parse_hours
from probe.config import ConfigError, parse_config
from probe.levels import Level

A, G, B, E, U = Level.ATTENTION, Level.GOOD, Level.BAD, Level.EDGE, Level.UNKNOWN
T0 = dt.datetime(2026, 3, 2, 7, 0)


def run(levels: list[Level | None], limits: RuleLimits, state: IncidentState | None = None):
    state = state or IncidentState()
    kinds: list[tuple[int, EventKind]] = []
    for i, level in enumerate(levels):
        state, events = step(state, Sample(T0 + dt.timedelta(minutes=10 * i), 1.0, level), limits)
        kinds += [(i, e.kind) for e in events]
    return state, kinds


def test_fires_once_after_five_in_a_row() -> None:
    limits = RuleLimits(level=A, consecutive=5)
    assert run([A, A, A, A], limits)[1] == []
    state, kinds = run([A, E, A, B, A, A, A, B], limits)
    assert kinds == [(4, EventKind.FIRE)]
    assert state.status is Status.OPEN and state.opened_at == T0 and state.peak is B


def test_a_better_or_unknown_value_breaks_the_streak() -> None:
    limits = RuleLimits(level=A, consecutive=5)
    assert run([A, A, A, A, G, A, A, A, A], limits)[1] == []
    assert run([A, A, A, A, U, A, A, A, A], limits)[1] == []
    assert run([A, A, A, A, None, A, A, A, A, A], limits)[1] == [(9, EventKind.FIRE)]


def test_escalates_once_after_more_matches() -> None:
    limits = RuleLimits(level=A, consecutive=2, escalate_after=3)
    _, kinds = run([A, A, A, A, A, A, A, A], limits)
    assert kinds == [(1, EventKind.FIRE), (4, EventKind.ESCALATE)]


def test_recovery_needs_consecutive_good_evaluations() -> None:
    limits = RuleLimits(level=A, consecutive=1, recovery_after=3)
    state, kinds = run([A, G, G, A, G, U, G, G, G], limits)
    # G G then A resets; then G, (unknown does not count), G, G -> recovered at index 7
    assert kinds == [(0, EventKind.FIRE), (7, EventKind.RECOVER)]
    assert state.status is Status.IDLE and state.number == 1
    _, kinds = run([A, G, G, G, A], limits, None)
    assert kinds == [(0, EventKind.FIRE), (3, EventKind.RECOVER), (4, EventKind.FIRE)]


def test_the_same_evaluation_twice_changes_nothing() -> None:
    limits = RuleLimits(level=A, consecutive=1)
    state, events = step(IncidentState(), Sample(T0, 50, A), limits)
    assert [e.kind for e in events] == [EventKind.FIRE]
    again, events = step(state, Sample(T0, 50, A), limits)
    assert again == state and events == []
    older, events = step(state, Sample(T0 - dt.timedelta(minutes=10), 50, A), limits)
    assert older == state and events == []


def test_last_values_are_kept_up_to_the_limit() -> None:
    state, _ = run([G, A, A, A, A, A, A, A], RuleLimits(level=A, consecutive=2, keep_values=3))
    assert [s.at for s in state.last_values] == [T0 + dt.timedelta(minutes=10 * i) for i in (5, 6, 7)]


def test_hours_and_opening() -> None:
    day = parse_hours("08:00-22:00")
    assert day.contains(dt.time(8, 0)) and not day.contains(dt.time(22, 0))
    night = parse_hours("22:00-08:00")
    assert (
        night.contains(dt.time(23, 30)) and night.contains(dt.time(7, 59)) and not night.contains(dt.time(12))
    )
    local = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    assert not is_open("08:00-22:00", local)  # the interval 07:50-08:00 was before opening
    assert is_open("08:00-22:00", local + dt.timedelta(minutes=10))
    assert is_open("08:00-22:00", local.replace(hour=22))  # 21:50-22:00 still open
    assert is_open("", local) and is_open("08:00-13:00,14:00-20:00", local.replace(hour=15))
    assert not is_open("08:00-13:00,14:00-20:00", local.replace(hour=13, minute=30))
    for bad in ("8-22", "25:00-26:00", "08:00"):
        with pytest.raises(HoursError):
            parse_hours(bad)
    end = night.next_end(dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC))
    assert end == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_silence_scope_and_durations() -> None:
    s = Silence(1, T0, T0 + dt.timedelta(hours=2), rule="negative", point="Калуж*")
    assert s.covers("negative", "X", "Калужская", T0 + dt.timedelta(minutes=30))
    assert not s.covers("other", "X", "Калужская", T0)
    assert not s.covers("negative", "X", "Тверская", T0)
    assert not s.covers("negative", "X", "Калужская", T0 + dt.timedelta(hours=2))
    assert parse_duration("1h30m") == dt.timedelta(minutes=90)
    with pytest.raises(ValueError):
        parse_duration("soon")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_default_templates_render_every_variable(language: str) -> None:
    templates = TemplateSet(language)  # type: ignore[arg-type]
    templates.check()
    context = {**sample_context(language, "probe-1"), "kind": "fire"}  # type: ignore[arg-type]
    text = templates.render("text", context)
    for needle in ("Калужская", "Москва/ЮЗАО", "LOYALTY_MON", "20 / 40 / 60 / 80", "probe-1", "08:10"):
        assert needle in text
    assert ("внимание" if language == "ru" else "attention") in text
    sms = templates.render("sms", context)
    assert "\n" not in sms and "45" in sms


def test_html_is_escaped_and_the_sandbox_holds(tmp_path: Path) -> None:
    context = {**sample_context("ru"), "point": "<script>x</script>"}
    html = TemplateSet("ru").render("html", context)
    assert "<script>" not in html and "&lt;script&gt;" in html
    evil = tmp_path / "evil.j2"
    evil.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match="unsafe"):
        TemplateSet("ru", {"sms": evil}).check()


def test_broken_templates_name_file_and_line(tmp_path: Path) -> None:
    syntax = tmp_path / "subject.j2"
    syntax.write_text("line one\n\n{% if kind %}never closed\n", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=rf"{syntax}:\d+: subject template"):
        TemplateSet("ru", {"subject": syntax})
    typo = tmp_path / "text.j2"
    typo.write_text("ok\nstill ok\n{{ metirc }}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=rf"{typo}:3: text template: 'metirc' is undefined"):
        TemplateSet("en", {"text": typo}).check()
    assert set(PARTS) == {"subject", "text", "html", "sms"}


def decode_gsm7(data: bytes, count: int, fill: int) -> list[int]:
    bits = int.from_bytes(data, "little")
    return [(bits >> (fill + 7 * i)) & 0x7F for i in range(count)]


def test_pdu_known_vector_and_gsm7_packing() -> None:
    # The textbook example (dreamfabric.com / GSM 03.40): "hellohello" to +46708251358, VP 4 days.
    (pdu,) = encode_sms("+46708251358", "hellohello", validity_hours=96)
    assert pdu.hex == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert pdu.tpdu_length == 23
    septets = [s for c in gsm7_septets("Price {5}€") or [] for s in c]
    assert decode_gsm7(pack_septets(septets), len(septets), 0) == septets
    assert len(septets) == len("Price {5}€") + 3  # {, } and € are escape sequences


def test_long_texts_are_split_with_udh() -> None:
    assert len(encode_sms("+7999", "x" * 160, validity_hours=0)) == 1
    parts = encode_sms("+7999", "x" * 161, validity_hours=0, reference=42)
    assert len(parts) == 2
    first = bytes.fromhex(parts[0].hex)
    # 00 SCA | 41 SUBMIT+UDHI | 00 MR | DA (04 91 9799 F9?) ...
    assert first[1] == 0x41
    assert bytes([0x05, 0x00, 0x03, 42, 2, 1]) in first
    cyr = encode_sms("+79990000000", "Ж" * 70, validity_hours=0)
    assert len(cyr) == 1 and bytes.fromhex(cyr[0].hex)[-141] == 140  # UDL = 140 octets
    assert len(encode_sms("+79990000000", "Ж" * 71, validity_hours=0)) == 2
    euros = encode_sms("+7999", "€" * 81, validity_hours=0)  # 162 septets: two parts
    assert len(euros) == 2
    # 153 septets would cut an escape sequence in half: the first part carries 76 euros (152)
    assert bytes.fromhex(euros[0].hex)[9] == 7 + (PART_GSM7 - 1)
    with pytest.raises(PermanentFailure):
        encode_sms("not a number", "x")


def test_config_errors_name_the_key() -> None:
    base = {"notifier": {"recipients": [{"name": "q", "members": [{"name": "a", "email": "a@b"}]}]}}
    with pytest.raises(ConfigError, match=r"notifier\.rules\[0\]\.level"):
        parse_config(
            {
                "notifier": {
                    **base["notifier"],
                    "rules": [{"name": "r", "recipients": ["q"], "level": "awful"}],
                }
            }
        )
    with pytest.raises(ConfigError, match=r"notifier\.rules\[0\]\.quiet_hours.*08:00-22:00"):
        parse_config(
            {"notifier": {"smtp": {}, "rules": [{"name": "r", "recipients": ["q"], "quiet_hours": "late"}]}}
        )
    with pytest.raises(ConfigError, match=r"\[notifier.sms\] is missing"):
        parse_config({"notifier": {"rules": [{"name": "r", "recipients": ["q"], "channels": ["sms"]}]}})
    with pytest.raises(ConfigError, match=r"notifier\.smtp\.tls.*either"):
        parse_config({"notifier": {"smtp": {"starttls": True, "tls": True}}})
    with pytest.raises(ConfigError, match=r"notifier\.recipients\[0\]\.members\[0\]\.phone"):
        parse_config(
            {"notifier": {"recipients": [{"name": "q", "members": [{"name": "a", "phone": "call me"}]}]}}
        )
    with pytest.raises(ConfigError, match=r"notifier\.rules\[0\]\.escalate_to"):
        parse_config(
            {"notifier": {"smtp": {}, "rules": [{"name": "r", "recipients": ["q"], "escalate_to": ["d"]}]}}
        )
    with pytest.raises(ConfigError, match=r"notifier\.rules\[0\]\.recipent.*unknown key"):
        parse_config({"notifier": {"smtp": {}, "rules": [{"name": "r", "recipients": ["q"], "recipent": 1}]}})


def test_long_cyrillic_subject_keeps_its_spaces() -> None:
    """The modern email policy's folding drops the space between encoded words; ours must not."""
    import email
    import email.policy

    from aiosmtplib.email import flatten_message

    from notifier.channels.email import build_message
    from notifier.config import SmtpConfig

    subject = (
        "[prolan-probe] Плохо: Калужская — % негативных ответов, длинный хвост для сворачивания заголовка"
    )
    message = build_message(
        SmtpConfig(),
        to_name="Анна",
        to_address="a@b.org",
        subject=subject,
        text="т",
        html="<b>т</b>",
        message_id="<1@x>",
    )
    parsed = email.message_from_bytes(flatten_message(message), policy=email.policy.default)
    assert parsed["Subject"] == subject and parsed["To"] == "Анна <a@b.org>"


def test_notifier_statements_compile_for_mssql() -> None:
    """SQL Server cannot run here: the notifier's own statements are compiled for it."""
    from sqlalchemy import select, update
    from sqlalchemy.dialects import mssql
    from sqlalchemy.schema import CreateTable

    from notifier.store import _UPDATE_STATE
    from probe.store.schema import notifier_incidents, notifier_outbox

    dialect = mssql.dialect()
    assert "NVARCHAR(400)" in str(CreateTable(notifier_outbox).compile(dialect=dialect))
    assert "DATETIME2(3)" in str(CreateTable(notifier_incidents).compile(dialect=dialect))
    due = (
        select(notifier_outbox.c.id)
        .where(notifier_outbox.c.status == "pending")
        .order_by(notifier_outbox.c.id)
        .limit(5)
    )
    assert "TOP" in str(due.compile(dialect=dialect))
    claim = update(notifier_outbox).where(notifier_outbox.c.id == 1, notifier_outbox.c.status == "pending")
    assert str(claim.values(status="sending").compile(dialect=dialect)).startswith(
        "UPDATE notifier_outbox SET status"
    )
    assert "UPDATE notifier_incidents SET" in str(_UPDATE_STATE.compile(dialect=dialect))
