"""Say the likely cause (issue 21, point 6): a notification about a bad assessment lists the
loyalty drivers at the same point (QUEUE_LEN here, any other test's metrics in general) that were
attention or worse in the incident's intervals, with their values — not those of other points,
not those outside the incident, not the test's own health metrics; recoveries list none. The
replay of the same history says the same. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import tomllib
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.dialects import mssql

from notifier.causes import causes_query, incident_window
from notifier.config import NotifierConfig
from notifier.pipeline import feed
from notifier.replay import replay
from probe.config import ProbeConfig, parse_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.schema import notifier_outbox, queue_samples
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain

MSK = ZoneInfo("Europe/Moscow")
CHAIN = {
    "points": [{"name": "Калужская"}, {"name": "Тверская"}],
    "pads": [pad("K", "Калужская", "СОКОК"), pad("T", "Тверская", "СОКОК")],
}
ENDS = [dt.datetime(2026, 11, 20, 10, 0, tzinfo=MSK) + dt.timedelta(minutes=10 * i) for i in range(1, 6)]
# 10:00–10:10 good, 10:10–10:30 bad (three negative votes of three), 10:30–10:50 good.
PATTERN = "GBBGG"
# Mean queue length per interval at Калужская (default thresholds 2 / 4 / 6 / 8, higher is worse):
# 10:00–10:10 5 (attention, but before the incident), 10:10–10:20 7 (edge), 10:20–10:30 3
# (acceptable: not listed), 10:30… 1. Тверская: 9 (bad) throughout — another point.
QUEUE = {"Калужская": [5, 7, 3, 1, 1], "Тверская": [9, 9, 9, 9, 9]}
MEAN = "QUEUE_LEN. Калужская. Средняя длина очереди. Интервал 10 мин"
MAXIMUM = "QUEUE_LEN. Калужская. Максимальная длина очереди. Интервал 10 мин"


def config_of(db_url: str) -> ProbeConfig:
    return parse_config(
        tomllib.loads(
            f'''
name = "probe-causes"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 2
recovery_after = 2
recipients = ["quality"]
'''
        )
    )


def history(engine: Engine, config: ProbeConfig) -> None:
    topology = setup_chain(engine, CHAIN)
    presses = []
    for end, kind in zip(ENDS, PATTERN, strict=True):
        start = (end - dt.timedelta(minutes=10)).astimezone(dt.UTC).replace(tzinfo=None)
        kinds = ["negative"] * 3 if kind == "B" else ["positive"] * 3
        presses += [P("K", k, start + dt.timedelta(minutes=1 + i)) for i, k in enumerate(kinds)]
    insert_presses(engine, topology, presses)
    ids = {name: point.id for name, point in topology.points.items()}
    with engine.begin() as conn:
        for point, lengths in QUEUE.items():
            for end, length in zip(ENDS, lengths, strict=True):
                for minute in (2, 7):
                    conn.execute(
                        queue_samples.insert().values(
                            point_id=ids[point],
                            sampled_at=(end - dt.timedelta(minutes=10 - minute)).astimezone(dt.UTC),
                            length=float(length),
                        )
                    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    for end in ENDS:
        # The driver first, as a scheduler that finishes QUEUE_LEN before LOYALTY_MON would.
        evaluator.evaluate("QUEUE_LEN", end)
        feed(config, engine, evaluator.evaluate("LOYALTY_MON", end), now=end.astimezone(dt.UTC))


def test_a_bad_assessment_names_the_drivers_that_were_bad_with_it(engine: Engine, db_url: str) -> None:
    config = config_of(db_url)
    history(engine, config)
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifier_outbox.c.kind, notifier_outbox.c.body_text, notifier_outbox.c.body_html).order_by(
                notifier_outbox.c.id
            )
        ).all()
    assert [row.kind for row in rows] == ["fire", "recover"]
    fire, recover = rows
    # The incident: 10:10–10:30 (opened by the interval ending 10:20, fired at 10:30). In it the
    # queue at Калужская was 7 in 10:10–10:20: the mean is on the edge (6 ≤ 7 < 8 of 2 / 4 / 6 / 8),
    # the longest at attention (6 ≤ 7 < 8 of 4 / 6 / 8 / 10); 10:20–10:30 (3) was not bad.
    assert "Возможные причины — драйверы лояльности на этой точке в те же интервалы:" in fire.body_text
    assert f"  {MEAN}: 10:20 7 чел. (на грани)\n" in fire.body_text
    assert f"  {MAXIMUM}: 10:20 7 чел. (внимание)\n" in fire.body_text
    # Not the queue of 10:00–10:10 (before the incident), not Тверская's, not the test's health.
    assert "10:10 5 чел." not in fire.body_text and "Тверская" not in fire.body_text
    assert "Тест работает" not in fire.body_text.split("Возможные причины")[1].split("Последние")[0]
    assert "Возможные причины" in (fire.body_html or "")
    assert "Возможные причины" not in recover.body_text

    # The replay of this history composes the same message, causes included.
    rule = config.section(NotifierConfig).rules[0]
    report = replay(config, engine, rule, ENDS[0] - dt.timedelta(minutes=10), ENDS[-1])
    replayed = [m.body for e in report.events for m in e.messages]
    assert replayed == [fire.body_text, recover.body_text]


def test_the_window_and_the_query() -> None:
    at = dt.datetime(2026, 11, 20, 7, 30, tzinfo=dt.UTC)
    opened = at - dt.timedelta(minutes=10)
    samples = [at - dt.timedelta(minutes=10 * i) for i in (2, 1, 0)]
    assert incident_window(opened, at, samples) == (opened - dt.timedelta(minutes=10), at)
    assert incident_window(None, at, [at]) == (at - dt.timedelta(minutes=10), at)
    sql = str(
        causes_query("Калужская", "LOYALTY_MON", at, at, ["QUEUE_LEN"]).compile(dialect=mssql.dialect())
    )
    assert "metrics.test != " in sql and "metric_values.level IN" in sql
