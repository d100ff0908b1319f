"""console.history on SQLite and PostgreSQL: by point, by key or name, last hours, latest values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from console.history import latest_values, metrics_by_reference, point_metrics, recent_history
from probe.assess import ThresholdTable
from probe.levels import Level
from tests.history_builder import add_metric, add_points

NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
KAL = "LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин"
NEV = "LOYALTY_MON. СОКОК. Невский. % негативных ответов. Интервал 10 мин"


def seed(engine: Engine) -> None:
    add_points(engine, [(1, "Калужская", "Москва/ЮЗАО"), (2, "Невский", "Санкт-Петербург/Центральный")])
    ends = [NOW - dt.timedelta(minutes=10 * i) for i in range(48)]  # 8 hours back
    add_metric(
        engine,
        1,
        KAL,
        point_id=1,
        unit="%",
        table=NEG,
        values=[(at, float(i), NEG.assess(float(i)).value) for i, at in enumerate(ends)],
    )
    add_metric(engine, 2, NEV, point_id=2, table=NEG, values=[(NOW, 85.0, "bad")])
    add_metric(engine, 3, "LOYALTY_MON. Тест работает", values=[(NOW, 1.0, "good")])


def test_point_metrics_and_references(engine: Engine) -> None:
    seed(engine)
    assert [m.name for m in point_metrics(engine, "Калужская")] == [KAL]
    assert point_metrics(engine, "Калужская")[0].region == "Москва/ЮЗАО"
    found = metrics_by_reference(engine, ["test.metric2", "LOYALTY_MON. Тест работает", "nothing"])
    assert [m.id for m in found] == [2, 3]


def test_recent_history_covers_the_last_hours_only(engine: Engine) -> None:
    seed(engine)
    (history,) = recent_history(engine, point_metrics(engine, "Калужская"), hours=2, until=NOW)
    # Interval ends in (NOW-2h, NOW]: 12 of them, oldest first, values 11 .. 0.
    assert [p.value for p in history.points] == [float(v) for v in range(11, -1, -1)]
    assert history.points[-1].at == NOW
    assert history.points[0].thresholds == NEG
    assert history.points[-1].level is Level.GOOD


def test_latest_values(engine: Engine) -> None:
    seed(engine)
    latest = latest_values(engine, metrics_by_reference(engine, [KAL, NEV]))
    assert latest[1].value == 0.0 and latest[1].at == NOW
    assert latest[2].level is Level.BAD and latest[2].thresholds == NEG
