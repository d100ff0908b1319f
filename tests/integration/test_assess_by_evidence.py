"""Assess by evidence, when asked (issue 21, point 2): `[tests.LOYALTY_MON] assess_by = "evidence"`
gives a higher-is-worse percentage the level of its interval's low end and a higher-is-better one
the level of its high end, while the default stays SPEC §4's; notification rules with
`min_votes` and `evidence = true`. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from notifier.config import NotifierConfig
from notifier.pipeline import feed
from probe.config import ConfigError, load_config, parse_config
from probe.engine import Evaluator
from probe.evidence import wilson_bounds
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.schema import metric_values, metrics, notifier_incidents, notifier_outbox
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain
from tests.notifier_helpers import T0, evaluation, metric, notifier_config

MSK = ZoneInfo("Europe/Moscow")
CHAIN = {"points": [{"name": "Калужская"}, {"name": "Тверская"}], "pads": [pad("K", "Калужская", "СОКОК"), pad("T", "Тверская", "СОКОК")]}  # fmt: skip
END = dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)
NEG = "LOYALTY_MON. СОКОК. {}. % негативных ответов. Интервал 10 мин"
POS = "LOYALTY_MON. СОКОК. {}. % позитивных ответов. Интервал 10 мин"


def utc(mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 20, 7, mm, ss)


def presses() -> list[P]:
    # Калужская: 1 negative of 1 vote. Тверская: 40 negative, 10 passive of 50.
    out = [P("K", "negative", utc(5))]
    out += [P("T", "negative", utc(1, s)) for s in range(40)]
    out += [P("T", "passive", utc(2, s)) for s in range(10)]
    return out


# Higher is better for % позитивных ответов: falling boundaries.
POSITIVE_TABLE = (
    '[tests.LOYALTY_MON.thresholds."*"]\n"% позитивных ответов. Интервал 10 мин" = [80.0, 60.0, 40.0, 20.0]\n'
)


def levels(engine: Engine, write_config: Callable[..., Path], settings: str) -> dict[str, Level | None]:
    config = load_config(write_config(f"[tests.LOYALTY_MON]\n{settings}\n{POSITIVE_TABLE}"))
    evaluation = Evaluator(config, engine, SnapshotHub()).evaluate("LOYALTY_MON", END)
    assert evaluation.test_ok
    return {m.name: m.level for m in evaluation.metrics}


def test_assess_by_evidence_and_the_default(engine: Engine, write_config: Callable[..., Path]) -> None:
    topology = setup_chain(engine, CHAIN)
    insert_presses(engine, topology, presses())
    by_value = levels(engine, write_config, "")
    # SPEC §4 unchanged by default: 100 % negative is bad, 80 % is bad, 0 % positive is bad.
    assert by_value[NEG.format("Калужская")] is Level.BAD
    assert by_value[NEG.format("Тверская")] is Level.BAD
    assert by_value[POS.format("Тверская")] is Level.BAD
    assert by_value[POS.format("Калужская")] is Level.BAD

    by_evidence = levels(engine, write_config, 'assess_by = "evidence"')
    # 1 of 1: low end 20.65 % → acceptable (20 ≤ v < 40).
    assert wilson_bounds(1, 1)[0] == pytest.approx(20.654, abs=1e-3)  # type: ignore[index]
    assert by_evidence[NEG.format("Калужская")] is Level.ACCEPTABLE
    # 40 of 50: low end 66.96 % → on the edge (60 ≤ v < 80).
    assert by_evidence[NEG.format("Тверская")] is Level.EDGE
    # Higher is better, 0 positive of 50: high end 7.13 % → still bad (≤ 20).
    assert wilson_bounds(0, 50)[1] < 20  # type: ignore[index]
    assert by_evidence[POS.format("Тверская")] is Level.BAD
    # Higher is better, 0 positive of 1: high end 79.35 % → acceptable (60 < v ≤ 80).
    assert by_evidence[POS.format("Калужская")] is Level.ACCEPTABLE
    # Metrics without an interval keep the level of their value.
    assert by_evidence["LOYALTY_MON. Тест работает"] is Level.GOOD
    # The stored history has the level that was published.
    with engine.connect() as conn:
        stored = conn.execute(
            select(metric_values.c.level)
            .join(metrics, metrics.c.id == metric_values.c.metric_id)
            .where(metrics.c.name == NEG.format("Калужская"))
        ).scalar_one()
    assert stored == "acceptable"


def test_assess_by_is_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="assess_by"):
        config = parse_config({"tests": {"LOYALTY_MON": {"assess_by": "votes"}}})
        config.tests.settings_for("LOYALTY_MON")


def sample(at: dt.datetime, value: float, part: int, whole: int, *, level: Level) -> object:
    low, high = wilson_bounds(part, whole)  # type: ignore[misc]
    base = metric(value, level, at)
    return base._replace(low=low, high=high, votes=whole)


def opened(engine: Engine, rule: str = "negative") -> tuple[int, int]:
    """(incidents opened, messages queued) of the rule so far."""
    with engine.connect() as conn:
        number = conn.execute(
            select(func.coalesce(func.max(notifier_incidents.c.number), 0)).where(
                notifier_incidents.c.rule == rule
            )
        ).scalar_one()
        queued = conn.execute(select(func.count()).select_from(notifier_outbox).where(notifier_outbox.c.rule == rule)).scalar_one()  # fmt: skip
    return int(number), int(queued)


def feed_all(config: object, engine: Engine, samples: list[object]) -> list[int]:
    skipped = []
    for s in samples:
        summary = feed(config, engine, evaluation(s.time, s))  # type: ignore[arg-type, attr-defined]
        skipped.append(summary.skipped_few_votes)
    return skipped


def quiet_hour(start: dt.datetime) -> list[object]:
    """Two intervals of one negative vote each (100 %, bad), then one of 50 votes at 80 %."""
    return [
        sample(start, 100.0, 1, 1, level=Level.BAD),
        sample(start + dt.timedelta(minutes=10), 100.0, 1, 1, level=Level.BAD),
        sample(start + dt.timedelta(minutes=20), 80.0, 40, 50, level=Level.BAD),
        sample(start + dt.timedelta(minutes=30), 80.0, 40, 50, level=Level.BAD),
    ]


def test_rules_with_min_votes_and_evidence(engine: Engine, db_url: str) -> None:
    # Without either: one-vote intervals open an incident at the second interval.
    plain = notifier_config(db_url, consecutive=2)
    feed_all(plain, engine, quiet_hour(T0))
    assert opened(engine) == (1, 1)
    with engine.begin() as conn:
        conn.execute(notifier_incidents.delete())
        conn.execute(notifier_outbox.delete())

    # min_votes = 5: the one-vote intervals are not counted at all; the two 50-vote ones open it.
    config = notifier_config(db_url, rule="min_votes = 5", consecutive=2)
    skipped = feed_all(config, engine, quiet_hour(T0)[:2])
    assert skipped == [1, 1] and opened(engine) == (0, 0)
    feed_all(config, engine, quiet_hour(T0)[2:3])
    assert opened(engine) == (0, 0)
    feed_all(config, engine, quiet_hour(T0)[3:])
    assert opened(engine) == (1, 1)
    with engine.begin() as conn:
        conn.execute(notifier_incidents.delete())
        conn.execute(notifier_outbox.delete())

    # evidence = true (level attention): the one-vote intervals prove only "acceptable"; 40 of 50
    # proves "edge" (low end 66.96 %). Two of those in a row open the incident.
    config = notifier_config(db_url, rule="evidence = true", consecutive=2)
    assert config.section(NotifierConfig).rules[0].evidence
    feed_all(config, engine, quiet_hour(T0)[:3])
    assert opened(engine) == (0, 0)
    feed_all(config, engine, quiet_hour(T0)[3:])
    assert opened(engine) == (1, 1)
    with engine.connect() as conn:
        body = conn.execute(select(notifier_outbox.c.body_text)).scalar_one()
    # The message says the level the rule counted and how sure the value is.
    assert "Оценка:       на грани" in body and "95 %:         67–89 %, 50 голосов" in body


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("min_votes = 0", "greater than or equal to 1"),
        ('min_votes = "5"', "valid integer"),
        ("min_votes = 2.5", "valid integer"),
        ('evidence = "yes"', "valid boolean"),
    ],
)
def test_a_rule_s_evidence_settings_are_checked_by_name(setting: str, complaint: str) -> None:
    import tomllib

    text = (
        '[notifier.smtp]\nhost = "h"\n[[notifier.recipients]]\nname = "q"\n'
        'members = [{ name = "A", email = "a@example.org" }]\n'
        '[[notifier.rules]]\nname = "r"\nmetrics = "*"\nlevel = "attention"\nrecipients = ["q"]\n'
        f"{setting}\n"
    )
    key = setting.split(" ")[0]
    with pytest.raises(ConfigError, match=rf"key 'notifier\.rules\[0\]\.{key}': .*{complaint}"):
        parse_config(tomllib.loads(text)).section(NotifierConfig)
