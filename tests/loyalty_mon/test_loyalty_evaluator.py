"""LOYALTY_MON through the engine's Evaluator: the full names are exactly SPEC §3's examples, the
default assessments of SPEC §4 apply, and the run is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from probe.config import load_config
from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import SnapshotHub
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain

MSK = ZoneInfo("Europe/Moscow")
CHAIN = {
    "points": [{"name": "Калужская"}, {"name": "Тверская"}],
    "questions": [{"id": "q1", "text": "Как Вам у нас понравилось?"}],
    "pads": [pad("K-OPR", "Калужская", "Опросы"), pad("T-US", "Тверская", "УСОКОК")],
}


def test_full_names_and_levels(engine: Engine, write_config: Callable[..., Path]) -> None:
    config = load_config(write_config("[tests.LOYALTY_MON]\ninterval_minutes = 30\n"))
    topology = setup_chain(engine, CHAIN)
    at = dt.datetime(2026, 11, 20, 7, 5)  # 10:05 MSK
    insert_presses(
        engine,
        topology,
        [
            P("K-OPR", "negative", at, "q1"),
            P("K-OPR", "positive", at + dt.timedelta(seconds=1), "q1"),
            P("T-US", "seller", at),
            P("T-US", "seller", at + dt.timedelta(minutes=1)),  # the first window closes silent
            P("T-US", "positive", at + dt.timedelta(minutes=1, seconds=5)),
        ],
    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    evaluation = evaluator.evaluate("LOYALTY_MON", dt.datetime(2026, 11, 20, 10, 30, tzinfo=MSK))
    assert evaluation.test_ok and evaluation.database_ok
    by_name = {m.name: m for m in evaluation.metrics}
    negative = by_name[
        "LOYALTY_MON. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 30 мин"
    ]
    assert negative.value == 50 and negative.level == Level.ATTENTION  # 40 ≤ 50 < 60
    day_negative = by_name[
        "LOYALTY_MON. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Текущие сутки"
    ]
    assert day_negative.level == Level.EDGE  # 50 ≤ 50 < 60 for the day
    assert by_name["LOYALTY_MON. Тест работает"].value == 1
    assert by_name["LOYALTY_MON. Доступность базы данных (%)"].value == 100
    silent = by_name["LOYALTY_MON. УСОКОК. Итого по компании. % 'молчунов'. Интервал 30 мин"]
    assert silent.value == 50 and silent.level == Level.ATTENTION
    assert by_name["LOYALTY_MON. УСОКОК. Тверская. Ответы вне 'Окна'. Текущие сутки"].value == 0
    assert by_name["LOYALTY_MON. Опросы. Итого по компании. Число опросов. Интервал 30 мин"].value == 0
    assert by_name["LOYALTY_MON. Опросы. Калужская. Форс-мажоры. Текущие сутки"].level is None
    # Stable ids: a second evaluation gives every metric the same id.
    again = evaluator.evaluate("LOYALTY_MON", dt.datetime(2026, 11, 20, 11, 0, tzinfo=MSK))
    assert {m.name: m.id for m in again.metrics} == {m.name: m.id for m in evaluation.metrics}
