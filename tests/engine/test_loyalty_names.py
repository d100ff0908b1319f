"""End to end through the real engine: the built-in LOYALTY_MON's metric names are exactly SPEC §3's,
its default tables are SPEC §4's, and every built-in test file loads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from probe.config import parse_config
from probe.engine import Evaluator
from probe.levels import Level
from probe.presses import Press, store_presses
from probe.snapshot import SnapshotHub
from probe.topology import Pad, Point, Question, Topology, import_topology, load_topology

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 30, tzinfo=MSK)
INDICATIVE = ["Число голосований", "Позитивные ответы", "% позитивных ответов", "Негативные ответы",
              "% негативных ответов", "Пассивные ответы", "% пассивных ответов"]  # fmt: skip
USOKOK_EXTRA = ["Число опросов", "Число 'молчунов'", "% 'молчунов'", "Ответы вне 'Окна'"]
PERIODS = ["Интервал 30 мин", "Текущие сутки"]
CHAIN = Topology(
    points={"Калужская": Point("Калужская", "Москва/ЮЗАО"), "Тверская": Point("Тверская", "Москва/ЦАО")},
    questions={"Q1": Question("Q1", "Как Вам у нас понравилось?")},
    pads={
        "S1": Pad("S1", "Калужская", "Опросы", 30.0,
                  {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "red"}),
        "U1": Pad("U1", "Тверская", "УСОКОК", 30.0,
                  {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "seller"}),
    },
)  # fmt: skip


def test_loyalty_mon_names_and_default_levels(engine: Engine, tmp_path: Path) -> None:
    import_topology(engine, CHAIN)
    with engine.begin() as conn:
        ids = {name: point.id for name, point in load_topology(conn).points.items()}

        def press(
            pad: str, point: str, button: int, kind: str, minutes_before: float, q: str | None = None
        ) -> Press:
            at = (END - dt.timedelta(minutes=minutes_before)).astimezone(dt.UTC).replace(tzinfo=None)
            return Press(pad, ids[point] or 0, button, kind, at, q)

        store_presses(
            conn,
            [
                press("S1", "Калужская", 3, "negative", 5, "Q1"),
                press("S1", "Калужская", 1, "positive", 4, "Q1"),
                press("U1", "Тверская", 5, "seller", 10),
                press("U1", "Тверская", 1, "positive", 9.9),
            ],
        )
    config = parse_config(
        {
            "database": {"url": engine.url.render_as_string(hide_password=False)},
            "tests": {"LOYALTY_MON": {"interval_minutes": 30}},
        }
    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    assert evaluator.report.failed == [], evaluator.report.failed  # every shipped test loads
    assert "LOYALTY_MON" in evaluator.enabled_tests()
    evaluation = evaluator.evaluate("LOYALTY_MON", END)
    assert evaluation.test_ok
    got = {m.name: m for m in evaluation.metrics}

    expected = {"LOYALTY_MON. Тест работает", "LOYALTY_MON. Доступность базы данных (%)"}
    for point in ("Тверская", "Итого по компании"):
        for short in [*INDICATIVE, "Форс-мажоры", *USOKOK_EXTRA]:
            expected |= {f"LOYALTY_MON. УСОКОК. {point}. {short}. {period}" for period in PERIODS}
    for point in ("Калужская", "Итого по компании"):
        for short in INDICATIVE:
            expected |= {
                f"LOYALTY_MON. Опросы. {point}. Как Вам у нас понравилось. {short}. {period}"
                for period in PERIODS
            }
        for short in ("Форс-мажоры", "Число опросов"):
            expected |= {f"LOYALTY_MON. Опросы. {point}. {short}. {period}" for period in PERIODS}
    assert set(got) == expected
    # SPEC §3's own example name, with its value and SPEC §4's default interval table (50 % -> attention).
    example = got[
        "LOYALTY_MON. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 30 мин"
    ]
    assert (example.value, example.level) == (50.0, Level.ATTENTION)
    assert example.key == "loyalty_mon.oprosy.kaluzhskaia.q_q1.pct_negativnykh_otvetov.interval"
    day = got[
        "LOYALTY_MON. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Текущие сутки"
    ]
    assert day.thresholds is not None and day.thresholds.bounds == (20.0, 40.0, 50.0, 60.0)
    silent = got["LOYALTY_MON. УСОКОК. Тверская. % 'молчунов'. Интервал 30 мин"]
    assert (silent.value, silent.level) == (0.0, Level.GOOD)
    assert (
        got["LOYALTY_MON. УСОКОК. Тверская. Число голосований. Интервал 30 мин"].level is None
    )  # not assessed
    works = got["LOYALTY_MON. Тест работает"]
    assert (works.value, works.level, works.key) == (1.0, Level.GOOD, "loyalty_mon.test_rabotaet")
