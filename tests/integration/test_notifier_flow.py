"""Evaluations -> incidents -> outbox -> a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, update

from notifier.config import NotifierConfig
from notifier.incidents import EventKind
from notifier.outbox import Deliverer, outbox_rows
from notifier.pipeline import feed
from notifier.rules import Silence
from notifier.store import add_silence, load_state
from probe.config import ProbeConfig
from probe.levels import Level
from probe.store.db import open_engine, utcnow
from probe.store.schema import notifier_outbox, points
from tests.notifier_helpers import T0, evaluation, levels_series, metric, notifier_config
from tests.smtp_server import Recorder, free_port, self_signed, start_smtp

A, G, B = Level.ATTENTION, Level.GOOD, Level.BAD
LATER = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # "everything is due"


def feed_all(
    config: ProbeConfig, engine: Engine, levels: list[Level | None], **kwargs: object
) -> list[EventKind]:
    kinds: list[EventKind] = []
    for ev in levels_series(levels, **kwargs):  # type: ignore[arg-type]
        kinds += [k for _, _, k in feed(config, engine, ev).events]
    return kinds


def count_rows(engine: Engine, **where: str) -> int:
    query = select(func.count()).select_from(notifier_outbox)
    for key, value in where.items():
        query = query.where(notifier_outbox.c[key] == value)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_five_in_a_row_escalation_recovery(engine: Engine, db_url: str) -> None:
    config = notifier_config(
        db_url, rule='escalate_after = 3\nescalate_to = ["directors"]\nrecovery_after = 2'
    )
    kinds = feed_all(config, engine, [A, A, A, A, G])  # four in a row, then good: nothing
    assert kinds == [] and count_rows(engine) == 0
    kinds = feed_all(config, engine, [A, A, A, A, A, B, B, B, G, A, G, G], start=T0 + dt.timedelta(hours=1))
    assert kinds == [EventKind.FIRE, EventKind.ESCALATE, EventKind.RECOVER]
    rows = sorted(outbox_rows(engine), key=lambda r: r["id"])
    assert [(r["kind"], r["address"]) for r in rows] == [
        ("fire", "anna@example.org"),
        ("escalate", "boss@example.org"),
        ("recover", "anna@example.org"),
        ("recover", "boss@example.org"),
    ]
    assert "Эскалация" in rows[1]["body_text"] or "Escalation" in rows[1]["body_text"]
    assert rows[1]["subject"].startswith("[probe-test] ESCALATION")  # the director reads English
    assert rows[0]["subject"] == "[probe-test] Внимание: Калужская — % негативных ответов"
    assert "Начало:       2026-03-02 11:00" in rows[0]["body_text"]  # incident start, Moscow time
    # a restart that feeds the same evaluations again neither re-fires nor forgets
    assert (
        feed_all(config, engine, [A, A, A, A, A, B, B, B, G, A, G, G], start=T0 + dt.timedelta(hours=1)) == []
    )
    assert count_rows(engine) == 4
    with engine.connect() as conn:
        state = load_state(conn, "negative", 7)
    assert state is not None and state.number == 1 and state.status == "idle"


def test_state_survives_a_restart_mid_streak(engine: Engine, db_url: str) -> None:
    config = notifier_config(db_url)
    assert feed_all(config, engine, [A, A, A]) == []
    reopened = open_engine(db_url)  # a new process: nothing in memory
    try:
        start = T0 + dt.timedelta(minutes=30)
        assert feed_all(config, reopened, [A, A], start=start) == [EventKind.FIRE]
        assert feed_all(config, reopened, [A, A, A], start=start + dt.timedelta(minutes=20)) == []
    finally:
        reopened.dispose()
    assert count_rows(engine) == 1


def test_historical_and_unmatched_metrics_are_ignored(engine: Engine, db_url: str) -> None:
    config = notifier_config(db_url, consecutive=1)
    at = T0
    assert feed(config, engine, evaluation(at, metric(90, B, at), historical=True)).events == []
    other = metric(
        90, B, at, name="LOYALTY_MON. СОКОК. Калужская. % 'молчунов'. Интервал 10 мин", metric_id=8
    )
    assert feed(config, engine, evaluation(at, other)).events == []
    assert feed(config, engine, evaluation(at, metric(90, B, at))).events[0][2] is EventKind.FIRE


def test_quiet_hours_hold_messages_until_morning(engine: Engine, db_url: str) -> None:
    config = notifier_config(db_url, consecutive=1, rule='quiet_hours = "22:00-08:00"')
    night = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)  # 23:00 Moscow
    feed(config, engine, evaluation(night, metric(90, B, night)), now=night)
    (row,) = outbox_rows(engine)
    assert row["due_at"] == dt.datetime(2026, 3, 3, 5, 0, tzinfo=dt.UTC)  # 08:00 Moscow
    day = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
    feed(config, engine, evaluation(day, metric(10, G, day)), now=day)
    recover = [r for r in outbox_rows(engine) if r["kind"] == "recover"]
    assert recover[0]["due_at"] == day


def test_closed_points_and_silences_do_not_count(engine: Engine, db_url: str) -> None:
    config = notifier_config(db_url, consecutive=2)
    with engine.begin() as conn:
        conn.execute(
            insert(points).values(name="Калужская", region="Москва/ЮЗАО", opening_hours="09:00-21:00")
        )
    early = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # 07:00-07:10 Moscow: closed
    summaries = [feed(config, engine, ev) for ev in levels_series([A, A, A], start=early)]
    assert [s.skipped_closed for s in summaries] == [1, 1, 1] and count_rows(engine) == 0
    add_silence(
        engine,
        Silence(0, T0, T0 + dt.timedelta(hours=1), rule="negative"),
    )
    summaries = [feed(config, engine, ev) for ev in levels_series([A] * 6, start=T0)]
    assert [s.skipped_silenced for s in summaries] == [1] * 6 and count_rows(engine) == 0
    # the silence ends: counting starts from zero, two in a row fire
    kinds = feed_all(config, engine, [A, A], start=T0 + dt.timedelta(hours=1, minutes=10))
    assert kinds == [EventKind.FIRE]


def test_smtp_down_then_delivered_once_after_restart(engine: Engine, db_url: str, tmp_path: Path) -> None:
    port = free_port()
    config = notifier_config(db_url, consecutive=1, smtp_port=port)
    feed_all(config, engine, [B])
    summary = asyncio.run(Deliverer(config, engine).deliver_due())
    assert (summary.sent, summary.retry, summary.failed) == (0, 1, 0)
    (row,) = outbox_rows(engine)
    assert row["status"] == "pending" and row["attempts"] == 1 and "Connect" in row["last_error"]
    assert row["due_at"] > utcnow()  # backoff

    recorder = Recorder()
    server = start_smtp(port, recorder)
    try:
        restarted = open_engine(db_url)  # a new process
        try:
            # not due yet: the backoff is respected
            assert asyncio.run(Deliverer(config, restarted).deliver_due()).sent == 0
            assert asyncio.run(Deliverer(config, restarted).deliver_due(now=LATER)).sent == 1
            assert asyncio.run(Deliverer(config, restarted).deliver_due(now=LATER)).sent == 0
            feed_all(config, restarted, [B])  # the same evaluation again after the restart
            assert asyncio.run(Deliverer(config, restarted).deliver_due(now=LATER)).sent == 0
        finally:
            restarted.dispose()
    finally:
        server.stop()
    assert len(recorder.messages) == 1
    message = recorder.messages[0]
    assert message["To"] == "Анна <anna@example.org>"
    assert message["Subject"] == "[probe-test] Плохо: Калужская — % негативных ответов"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Значение:     90 %" in text.get_content()
    assert html is not None and "<td>Калужская (Москва/ЮЗАО)</td>" in html.get_content()
    (row,) = outbox_rows(engine)
    assert row["status"] == "sent" and row["attempts"] == 2


def test_a_claimed_row_is_not_sent_by_another_process(engine: Engine, db_url: str) -> None:
    port = free_port()
    config = notifier_config(db_url, consecutive=1, smtp_port=port)
    feed_all(config, engine, [B])
    first, second = Deliverer(config, engine), Deliverer(config, engine)
    (row_id,) = first.due_ids(LATER)
    assert first.claim(row_id, utcnow()) is not None
    assert second.claim(row_id, utcnow()) is None
    assert asyncio.run(second.deliver_due(now=LATER)).sent == 0
    # the first process died: after the claim timeout the row is pending again
    with engine.begin() as conn:
        conn.execute(update(notifier_outbox).values(claimed_at=utcnow() - dt.timedelta(hours=1)))
    assert second.release_stale_claims(utcnow()) == 1


def test_permanent_failure_is_marked(engine: Engine, db_url: str) -> None:
    port = free_port()
    config = notifier_config(db_url, consecutive=1, smtp_port=port)
    feed_all(config, engine, [B])
    recorder = Recorder(refuse={"anna@example.org"})
    server = start_smtp(port, recorder)
    try:
        summary = asyncio.run(Deliverer(config, engine).deliver_due())
    finally:
        server.stop()
    assert (summary.sent, summary.failed) == (0, 1)
    (row,) = outbox_rows(engine)
    assert row["status"] == "failed" and "550" in row["last_error"]
    assert asyncio.run(Deliverer(config, engine).deliver_due(now=LATER)).failed == 0  # not retried


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_starttls_tls_and_auth(engine: Engine, db_url: str, tmp_path: Path, mode: str) -> None:
    port = free_port()
    cert = self_signed(tmp_path)
    extra = f'''
[notifier.smtp]
host = "localhost"
port = {port}
sender = "probe@example.org"
{mode} = true
user = "probe"
password_env = "TEST_SMTP_PASSWORD"
ca_file = "{cert[0]}"
'''
    config = notifier_config(db_url, consecutive=1).model_copy()
    import tomllib

    from notifier.config import SmtpConfig

    config.section(NotifierConfig).smtp = SmtpConfig.model_validate(tomllib.loads(extra)["notifier"]["smtp"])
    feed_all(config, engine, [B])
    recorder = Recorder()
    if mode == "starttls":
        server = start_smtp(port, recorder, cert=cert, auth=("probe", "s3cret"))
    else:
        import ssl

        from aiosmtpd.controller import Controller

        from tests.smtp_server import authenticator

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        server = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            ssl_context=context,
            authenticator=authenticator("probe", "s3cret"),
            auth_required=True,
            auth_require_tls=False,
        )
        server.start()
    try:
        import os

        os.environ["TEST_SMTP_PASSWORD"] = "wrong"
        summary = asyncio.run(Deliverer(config, engine).deliver_due())
        assert summary.retry == 1 and "authentication failed" in summary.errors[0]
        os.environ["TEST_SMTP_PASSWORD"] = "s3cret"
        assert asyncio.run(Deliverer(config, engine).deliver_due(now=LATER)).sent == 1
    finally:
        server.stop()
        os.environ.pop("TEST_SMTP_PASSWORD", None)
    assert len(recorder.messages) == 1


def test_out_of_attempts_is_failed_and_db_init_adds_the_tables(engine: Engine, db_url: str) -> None:
    port = free_port()
    config = notifier_config(db_url, consecutive=1, smtp_port=port, extra="")
    config.section(NotifierConfig).outbox.max_attempts = 2
    feed_all(config, engine, [B])
    assert asyncio.run(Deliverer(config, engine).deliver_due()).retry == 1
    second = asyncio.run(Deliverer(config, engine).deliver_due(now=LATER))
    assert (second.retry, second.failed) == (0, 1)
    (row,) = outbox_rows(engine)
    assert row["status"] == "failed" and row["attempts"] == 2
    # an aggregator created before the notifier existed gets its tables from `db init`
    from probe.store.db import init_db
    from probe.store.schema import notifier_incidents, notifier_recipients, notifier_silences

    for table in (notifier_outbox, notifier_incidents, notifier_silences, notifier_recipients):
        table.drop(engine)
    created = init_db(engine)
    assert {"notifier_outbox", "notifier_incidents", "notifier_silences", "notifier_recipients"} <= set(
        created
    )


def test_per_rule_templates_are_used(engine: Engine, db_url: str, tmp_path: Path) -> None:
    subject = tmp_path / "subject.j2"
    subject.write_text(
        "{{ rule }}: {{ point }} {{ level_text }} ({{ value_text }}{{ unit }})\n", encoding="utf-8"
    )
    text = tmp_path / "text.j2"
    text.write_text(
        "{% for v in last_values %}{{ v.at }}={{ v.value_text }};{% endfor %}\n{{ thresholds.bounds }}",
        encoding="utf-8",
    )
    rule = f'templates = {{ subject = "{subject}", text = "{text}" }}'
    config = notifier_config(db_url, consecutive=2, rule=rule)
    assert feed_all(config, engine, [A, B]) == [EventKind.FIRE]
    (row,) = outbox_rows(engine)
    assert row["subject"] == "negative: Калужская плохо (90%)"
    assert row["body_text"] == "10:00=50;10:10=90;\n[20.0, 40.0, 60.0, 80.0]\n"
    assert "<td>Калужская (Москва/ЮЗАО)</td>" in row["body_html"]  # the default HTML part
