"""A dead database and its recovery, per-point thresholds from the config, and the current day
across a daylight-saving change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from probe.config import parse_config
from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import Evaluation, Snapshot, SnapshotHub
from probe.store.db import init_db, open_engine
from probe.topology import import_topology
from tests.engine.conftest import COUNTING_TEST, TOPOLOGY, add_presses, write_tests
from tests.integration.ingest_helpers import CuttableProxy, proxied_url

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 18, 12, 0, tzinfo=MSK)
NEG = "COUNTING. СОКОК. {}. Негативные ответы. {}"


def values(evaluation: Evaluation) -> dict[str, tuple[float | None, Level | None]]:
    return {m.name: (m.value, m.level) for m in evaluation.metrics}


@pytest.mark.postgres
def test_dead_database_gives_zero_availability_and_the_probe_recovers(
    pg_schema_url: str, tmp_path: Path
) -> None:
    direct = open_engine(pg_schema_url)
    init_db(direct)
    import_topology(direct, TOPOLOGY)
    add_presses(direct, "P1", "negative", [END - dt.timedelta(minutes=2)])
    proxy = CuttableProxy(("127.0.0.1", 5432))
    engine = open_engine(proxied_url(pg_schema_url, proxy), connect_timeout=2)
    folder = write_tests(tmp_path / "scripts", {"counting.py": COUNTING_TEST})
    config = parse_config(
        {
            "timezone": "Europe/Moscow",
            "tests": {"dirs": [str(folder)], "builtin": False},
            "database": {"url": "sqlite://"},
        }
    )
    published: list[Snapshot] = []
    hub = SnapshotHub()
    hub.subscribe(lambda snapshot, _evaluation: published.append(snapshot))
    evaluator = Evaluator(config, engine, hub)
    try:
        ok = values(evaluator.evaluate("COUNTING", END))
        assert ok["COUNTING. Доступность базы данных (%)"] == (100.0, Level.GOOD)
        assert ok[NEG.format("Калужская", "Интервал 10 мин")][0] == 1.0

        proxy.cut()
        down = evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=10))
        assert not down.database_ok and not down.test_ok
        got = values(down)
        assert got["COUNTING. Доступность базы данных (%)"] == (0.0, Level.BAD)
        assert got["COUNTING. Тест работает"] == (0.0, Level.BAD)
        # The outage is published (SNMP and the notifier see it) although nothing could be stored.
        assert hub.wait_idle(10) and published[-1].database_ok is False
        with pytest.raises(SQLAlchemyError):  # unknown, not "never ran"
            evaluator.last_evaluated_end("COUNTING")

        proxy.restore()
        back = evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=20))
        assert back.database_ok and back.test_ok
        assert values(back)["COUNTING. Доступность базы данных (%)"] == (100.0, Level.GOOD)
        assert hub.wait_idle(10) and published[-1].database_ok is True
        assert evaluator.last_evaluated_end("COUNTING") == (END + dt.timedelta(minutes=20)).astimezone(dt.UTC)
    finally:
        proxy.close()
        engine.dispose()
        direct.dispose()


def test_per_point_thresholds_from_the_config(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    evaluator = make_evaluator(
        config={
            "COUNTING": {"thresholds": {"Калужская": {"Негативные ответы. Интервал 10 мин": [5, 6, 7, 8]}}}
        }
    )
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])
    add_presses(engine, "P2", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])
    got = values(evaluator.evaluate("COUNTING", END))
    # Three negative answers: good at Калужская (its own table), on the edge elsewhere (default 1/2/3/4).
    assert got[NEG.format("Калужская", "Интервал 10 мин")] == (3.0, Level.GOOD)
    assert got[NEG.format("АЗС Тёплый Стан", "Интервал 10 мин")] == (3.0, Level.EDGE)
    assert got[NEG.format("Калужская", "Текущие сутки")] == (3.0, Level.EDGE)


def test_current_day_across_a_daylight_saving_change(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    evaluator = make_evaluator(timezone="Europe/Berlin")
    # 2026-10-25 has 25 hours in Berlin (03:00 CEST -> 02:00 CET). Presses just after midnight
    # and late in the evening of that day, and one just before its midnight (the day before).
    add_presses(
        engine,
        "P1",
        "negative",
        [
            dt.datetime(2026, 10, 24, 23, 59, tzinfo=berlin),
            dt.datetime(2026, 10, 25, 0, 1, tzinfo=berlin),
            dt.datetime(2026, 10, 25, 2, 30, tzinfo=berlin).replace(fold=1),  # the second 02:30 (CET)
            dt.datetime(2026, 10, 25, 23, 55, tzinfo=berlin),
        ],
    )
    end = dt.datetime(2026, 10, 26, 0, 0, tzinfo=berlin)  # the interval 23:50-24:00 closes the 25-hour day
    window = evaluator.window_for("COUNTING", end)
    assert window.day_start == dt.datetime(2026, 10, 25, 0, 0, tzinfo=berlin)
    assert window.end - window.day_start == dt.timedelta(hours=25)
    got = values(evaluator.evaluate("COUNTING", end))
    assert got[NEG.format("Калужская", "Текущие сутки")][0] == 3.0
    assert got[NEG.format("Калужская", "Интервал 10 мин")][0] == 1.0
    # Boundaries stay on the local clock through the change: 02:00 CEST, 02:10 … 02:50, then 02:00 CET.
    ends = evaluator.boundaries_between(
        "COUNTING",
        dt.datetime(2026, 10, 25, 1, 50, tzinfo=berlin),
        dt.datetime(2026, 10, 25, 3, 0, tzinfo=berlin),
    )
    assert len(ends) == 13  # 1:50 -> 3:00 local is 2 h 10 min of real time on that night
