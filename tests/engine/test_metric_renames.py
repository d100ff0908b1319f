"""The engine's own metric names are Russian (`Доступность базы данных (%)`), and the SPEC's
English name `Database availability (%)` stays an alias: an existing database keeps the metric's
id and history, and configs, threshold overrides, notification rules and map files that name the
old spelling keep working (issue 18, point 5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update

from console.live import LiveMetric, LiveState
from notifier.rules import Silence, metric_matches
from probe.engine import Evaluator
from probe.levels import Level
from probe.metric_names import DATABASE_AVAILABILITY, canonical_name
from probe.store.schema import metric_values, metrics, threshold_overrides

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 18, 12, 0, tzinfo=MSK)
OLD = "COUNTING. Database availability (%)"
NEW = "COUNTING. Доступность базы данных (%)"


def test_the_engine_names_it_in_russian_and_an_old_database_keeps_its_id(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    first = {m.name: m for m in make_evaluator().evaluate("COUNTING", END).metrics}
    assert NEW in first and OLD not in first
    assert first[NEW].key == "counting.database_availability_pct"  # the key of every earlier version
    # An aggregator written by an earlier version: the same key, the English name.
    with engine.begin() as conn:
        conn.execute(update(metrics).where(metrics.c.id == first[NEW].id).values(name=OLD))
    again = {m.name: m for m in make_evaluator().evaluate("COUNTING", END + dt.timedelta(minutes=10)).metrics}
    assert again[NEW].id == first[NEW].id
    with engine.connect() as conn:
        assert conn.execute(select(metrics.c.name).where(metrics.c.id == first[NEW].id)).scalar_one() == NEW
        history = conn.execute(
            select(func.count()).select_from(metric_values).where(metric_values.c.metric_id == first[NEW].id)
        ).scalar_one()
    assert history == 2


def test_config_thresholds_named_by_the_old_spelling_still_apply(
    make_evaluator: Callable[..., Evaluator],
) -> None:
    # "good only when equal to 99": 100 is then bad, which shows the old-named table was used
    config = {"COUNTING": {"thresholds": {"*": {"Database availability (%)": [99.0]}}}}
    got = {m.name: m for m in make_evaluator(config=config).evaluate("COUNTING", END).metrics}
    assert got[NEW].value == 100.0 and got[NEW].level is Level.BAD
    config = {"COUNTING": {"thresholds": {"*": {OLD: [99.0]}}}}
    got = {m.name: m for m in make_evaluator(config=config).evaluate("COUNTING", END).metrics}
    assert got[NEW].level is Level.BAD


def test_a_stored_override_named_by_the_old_spelling_still_applies(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    with engine.begin() as conn:
        conn.execute(
            threshold_overrides.insert().values(
                test="COUNTING", point_id=None, metric_pattern=OLD, hour_of_week=None, direction="equal",
                t1=99.0, t2=99.0, t3=99.0, t4=99.0, created_at=dt.datetime(2026, 11, 1),
            )
        )  # fmt: skip
    got = {m.name: m for m in make_evaluator().evaluate("COUNTING", END).metrics}
    assert got[NEW].level is Level.BAD


def test_rules_silences_and_maps_naming_the_old_spelling_still_match() -> None:
    assert canonical_name("*. Database availability (%)") == f"*. {DATABASE_AVAILABILITY}"
    assert metric_matches(
        NEW, "COUNTING", None, metrics="*. Database availability (%)", test_glob=None, point_glob=None
    )
    assert not metric_matches(
        NEW, "COUNTING", None, metrics="*. Тест работает", test_glob=None, point_glob=None
    )
    silence = Silence(1, dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), metrics="*Database availability*")
    assert silence.covers("r", NEW, None, dt.datetime(2026, 6, 1))
    live = LiveState(
        connected=True, metrics={7: LiveMetric(7, NEW, key="counting.database_availability_pct")}
    )
    found = live.metric(OLD)
    assert found is not None and found.id == 7
