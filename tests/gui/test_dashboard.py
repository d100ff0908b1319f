"""Dashboard tiles on hand-computed history: lamp, last hours, Index and its change."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PyQt6.QtGui import QColor, QImage
from sqlalchemy import Engine

from console.dashboard import DashboardView
from console.timeline_data import Scope, index_change, interval_levels
from console.worker import settle
from probe.assess import ThresholdTable
from probe.levels import LEVEL_COLOURS, Level
from tests.history_builder import add_metric, add_points

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 18, 12, 5, tzinfo=MSK)
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
COMPANY_NEG = "LOYALTY_MON. СОКОК. Итого по компании. % негативных ответов. Интервал 10 мин"
COMPANY_SILENT = "LOYALTY_MON. УСОКОК. Итого по компании. % 'молчунов'. Интервал 10 мин"
# Twelve intervals ending 10:10 … 12:00 today; levels of the two interval metrics.
ENDS = [dt.datetime(2026, 11, 18, 10, 10, tzinfo=MSK) + dt.timedelta(minutes=10 * i) for i in range(12)]
NEG_LEVELS = ["good"] * 6 + ["acceptable", "attention", "good", "good", "edge", "good"]
SILENT_LEVELS = ["good"] * 9 + ["bad", "good", "acceptable"]
EXPECTED_WORST = [
    Level.GOOD, Level.GOOD, Level.GOOD, Level.GOOD, Level.GOOD, Level.GOOD,
    Level.ACCEPTABLE, Level.ATTENTION, Level.GOOD, Level.BAD, Level.EDGE, Level.ACCEPTABLE,
]  # fmt: skip


def day_counts(
    engine: Engine, first_id: int, methodology: str, at: dt.datetime, pos: int, neg: int, votes: int
) -> None:
    for offset, (short, value) in enumerate(
        (("Позитивные ответы", pos), ("Негативные ответы", neg), ("Число голосований", votes))
    ):
        name = f"LOYALTY_MON. {methodology}. Итого по компании. {short}. Текущие сутки"
        add_metric(engine, first_id + offset, name, values=[(at, value, None)])


def seed(engine: Engine) -> None:
    add_points(engine, [(1, "Калужская", "Москва/ЮЗАО"), (2, "Невский", "Санкт-Петербург/Центральный")])
    add_metric(
        engine,
        1,
        COMPANY_NEG,
        table=NEG,
        values=[(at, 10.0, lv) for at, lv in zip(ENDS, NEG_LEVELS, strict=True)],
    )
    add_metric(
        engine,
        2,
        COMPANY_SILENT,
        table=NEG,
        values=[(at, 5.0, lv) for at, lv in zip(ENDS, SILENT_LEVELS, strict=True)],
    )
    noon = dt.datetime(2026, 11, 18, 12, 0, tzinfo=MSK)
    noon_yesterday = noon - dt.timedelta(days=1)
    # Today:     (60 + 30 − 10 − 20) / (100 + 60) × 100 = 37.5
    # Yesterday: (50 + 20 − 10 − 10) / (80 + 40) × 100 = 41.67 → change −4.17
    day_counts(engine, 10, "СОКОК", noon, 60, 10, 100)
    day_counts(engine, 20, "УСОКОК", noon, 30, 20, 60)
    day_counts(engine, 30, "СОКОК", noon_yesterday, 50, 10, 80)
    day_counts(engine, 40, "УСОКОК", noon_yesterday, 20, 10, 40)
    # A point with one bad interval now; its day Index has no votes.
    add_metric(
        engine,
        50,
        "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин",
        point_id=1,
        table=NEG,
        values=[(ENDS[-1], 85.0, "bad")],
    )


def test_interval_levels_are_the_worst_of_the_scope(engine: Engine) -> None:
    seed(engine)
    levels = interval_levels(engine, Scope(), NOW - dt.timedelta(hours=2), NOW)
    assert [at for at, _ in levels] == [at.astimezone(dt.UTC) for at in ENDS]
    assert [lv for _, lv in levels] == EXPECTED_WORST
    assert interval_levels(engine, Scope("point", "Калужская"), NOW - dt.timedelta(hours=2), NOW) == [
        (ENDS[-1].astimezone(dt.UTC), Level.BAD)
    ]
    assert (
        interval_levels(engine, Scope("region", "Москва"), NOW - dt.timedelta(hours=2), NOW)[-1][1]
        is Level.BAD
    )
    assert interval_levels(engine, Scope("region", "Санкт-Петербург"), NOW - dt.timedelta(hours=2), NOW) == []


def test_index_and_change_against_yesterday(engine: Engine) -> None:
    seed(engine)
    today, yesterday = index_change(engine, Scope(), NOW, MSK)
    assert today.value == pytest.approx(37.5)
    assert yesterday.value == pytest.approx(50 / 120 * 100)
    assert today.at == dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
    # Early in the morning there is no reading yet from yesterday at that time: no comparison.
    early = dt.datetime(2026, 11, 18, 9, 0, tzinfo=MSK)
    _, none_yet = index_change(engine, Scope(), early, MSK)
    assert none_yet.value is None


def colour_at(image: QImage, x: float, y: float) -> str:
    return QColor(image.pixel(int(x), int(y))).name()


def test_tiles_draw_the_stored_assessments(qtbot, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    view = DashboardView(
        engine,
        MSK,
        [Scope(), Scope("point", "Калужская")],
        hours=2,
        columns=2,
        clock=lambda: NOW.astimezone(dt.UTC),
    )
    qtbot.addWidget(view)
    view.resize(1400, 520)
    view.show()
    qtbot.waitExposed(view)
    assert settle()  # the tiles are read off the GUI thread
    company, point = view.tiles
    assert company.change_text() == "▼ 4,2 за сутки"  # −4.17 index points against yesterday
    assert point.change_text() == "вчера нет данных"
    assert company.state.current is Level.ACCEPTABLE
    assert company.state.change == pytest.approx(37.5 - 50 / 120 * 100)
    assert (
        point.state.current is Level.BAD and point.state.today is not None and point.state.today.value is None
    )

    image = company.grab().toImage()
    lamp = company.lamp_rect()
    # Acceptable is two-coloured: yellow above the middle, green below.
    assert (
        colour_at(image, lamp.center().x(), lamp.top() + lamp.height() * 0.3)
        == LEVEL_COLOURS[Level.ACCEPTABLE][0]
    )
    assert (
        colour_at(image, lamp.center().x(), lamp.top() + lamp.height() * 0.7)
        == LEVEL_COLOURS[Level.ACCEPTABLE][1]
    )
    rects = company.recent_rects()
    assert len(rects) == 12
    for rect, level in zip(rects, EXPECTED_WORST, strict=True):
        assert colour_at(image, rect.center().x(), rect.top() + 2) == LEVEL_COLOURS[level][0], level
    point_image = point.grab().toImage()
    plamp = point.lamp_rect()
    assert colour_at(point_image, plamp.center().x(), plamp.center().y()) == LEVEL_COLOURS[Level.BAD][0]

    shot = Path(os.environ.get("PROLAN_SHOT_DIR", str(tmp_path))) / "dashboard.png"
    assert view.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
