"""Live states for console tests: the demo's service points with chosen assessments, as served
over SNMP by `tests.snmp_responder` or handed to the views directly."""

from __future__ import annotations

import datetime as dt

from console.live import LiveMetric, LiveState
from probe.assess import ThresholdTable
from probe.demo import _POINTS
from probe.levels import Level
from tests.snmp_responder import ServedMetric

NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
WORKS = ThresholdTable.equal_to(1)
DB = ThresholdTable.equal_to(100)
# The worst level each demo point shows in these tests.
POINT_LEVELS: dict[str, Level] = {
    "Калужская": Level.ACCEPTABLE,
    "Профсоюзная": Level.GOOD,
    "АЗС Тёплый Стан": Level.BAD,
    "Войковская": Level.GOOD,
    "Речной вокзал": Level.ATTENTION,
    "АЗС Ленинградское шоссе": Level.GOOD,
    "Невский": Level.EDGE,
    "Литейный": Level.GOOD,
    "Садовая": Level.ACCEPTABLE,
    "Баумана": Level.GOOD,
    "Кремлёвская": Level.GOOD,
    "АЗС Горки": Level.ATTENTION,
}
_VALUE = {Level.GOOD: 8.0, Level.ACCEPTABLE: 27.0, Level.ATTENTION: 45.0, Level.EDGE: 66.0, Level.BAD: 86.0}
AT = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)


def point_metric_name(point: str, methodology: str, short: str, period: str = "Интервал 10 мин") -> str:
    return f"LOYALTY_MON. {methodology}. {point}. {short}. {period}"


def demo_served(levels: dict[str, Level] | None = None, at: dt.datetime = AT) -> list[ServedMetric]:
    levels = {**POINT_LEVELS, **(levels or {})}
    served = [
        ServedMetric(1, "LOYALTY_MON. Тест работает", Level.GOOD, 1.0, key="loyalty_mon.test_works", thresholds=WORKS, updated=at),
        ServedMetric(2, "LOYALTY_MON. Доступность базы данных (%)", Level.GOOD, 100.0, key="loyalty_mon.db", unit="%", thresholds=DB, updated=at),
    ]  # fmt: skip
    next_id = 10
    for name, region, methodology, _hours, _rate in _POINTS:
        level = levels[name]
        rows = [
            ("% негативных ответов", _VALUE[level], level, NEG, "%"),
            ("% негативных ответов", 12.0, Level.GOOD, NEG, "%") if level is not Level.BAD else ("% негативных ответов", 70.0, Level.BAD, NEG, "%"),
            ("Число голосований", 42.0, None, None, ""),
        ]  # fmt: skip
        for index, (short, value, lv, table, unit) in enumerate(rows):
            period = "Интервал 10 мин" if index != 1 else "Текущие сутки"
            served.append(
                ServedMetric(
                    next_id,
                    point_metric_name(name, methodology, short, period),
                    lv,
                    value,
                    point=name,
                    region=region,
                    key=f"loyalty_mon.p{next_id}",
                    unit=unit,
                    thresholds=table,
                    updated=at,
                )
            )
            next_id += 1
    return served


def live_state(served: list[ServedMetric], connected: bool = True) -> LiveState:
    metrics = {
        m.id: LiveMetric(
            m.id,
            m.name,
            m.key,
            m.test,
            m.point,
            m.region,
            m.value,
            "",
            m.unit,
            m.level,
            m.thresholds,
            m.updated,
        )
        for m in served
    }
    return LiveState(
        connected, "127.0.0.1:1161", AT if connected else None, "test-probe", "0.1", True, metrics
    )
