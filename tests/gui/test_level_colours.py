"""SPEC §4 colours on every view, read back from the rendered pixels: an acceptable cell shows
yellow and green, an edge cell red and yellow, wherever a level is drawn (point page tables,
strips and chart dots; Cockpit strips and threshold table; Plan icons; Dashboard lamp, strip
and legend)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtCore import QPointF, QRectF
from PyQt6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.cockpit import STRIP, Cockpit, CockpitLayout
from console.dashboard import DashboardView
from console.level_paint import LEGEND_ORDER
from console.live import LiveMetric, LiveState
from console.plan.point_page import PointPage
from console.plan.view import PlanView
from console.settings import DEMO_ROOT_MAP
from console.timeline_data import Scope
from console.worker import settle
from probe.assess import ThresholdTable
from probe.levels import Level
from tests.console_fixtures import demo_served, live_state
from tests.gui.level_pixels import assert_level_drawn, assert_two_colour_halves
from tests.history_builder import add_metric, add_points

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
POINT = "Калужская"
INTERVAL = f"LOYALTY_MON. УСОКОК. {POINT}. % негативных ответов. Интервал 10 мин"
DAY = f"LOYALTY_MON. УСОКОК. {POINT}. % 'молчунов'. Текущие сутки"
# Values cycling through every level: 10 good, 30 acceptable, 50 attention, 70 edge, 90 bad.
CYCLE = [10.0, 30.0, 50.0, 70.0, 90.0]
ENDS = [NOW - dt.timedelta(minutes=10 * i) for i in range(30)][::-1]


def value_at(i: int) -> float:
    return CYCLE[(i + 4) % len(CYCLE)]  # the latest interval (29) is an edge one


def seed(engine: Engine) -> None:
    add_points(engine, [(1, POINT, "Москва/ЮЗАО")])
    add_metric(engine, 1, INTERVAL, point_id=1, unit="%", table=NEG,
               values=[(at, value_at(i), NEG.assess(value_at(i)).value) for i, at in enumerate(ENDS)])  # fmt: skip
    add_metric(engine, 2, DAY, point_id=1, unit="%", table=NEG, values=[(at, 70.0, "edge") for at in ENDS])


def live() -> LiveState:
    rows = [
        LiveMetric(1, INTERVAL, "test.metric1", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 30.0, "", "%", Level.ACCEPTABLE, NEG, NOW, period="interval"),
        LiveMetric(2, DAY, "test.metric2", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 70.0, "", "%", Level.EDGE, NEG, NOW, period="day"),
    ]  # fmt: skip
    return LiveState(True, "x", NOW, metrics={m.id: m for m in rows})


def cell_rect(table: QTableWidget, row: int, column: int) -> QRectF:
    item = table.item(row, column)
    assert item is not None
    return QRectF(table.visualItemRect(item))


def test_point_page_tables_strips_and_dots(qtbot: QtBot, engine: Engine) -> None:
    seed(engine)
    page = PointPage(POINT, lambda: engine, MSK, hours=6, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.resize(1500, 950)
    page.show()
    qtbot.waitExposed(page)
    page.set_state(live())
    page.load_history()
    assert settle()
    qtbot.wait(50)

    # The value table: the level column of each row.
    image = page.values.viewport().grab().toImage()  # type: ignore[union-attr]
    rows = {m.name: row for row, m in enumerate(page.metrics)}
    acceptable, edge = cell_rect(page.values, rows[INTERVAL], 2), cell_rect(page.values, rows[DAY], 2)
    assert_level_drawn(image, acceptable, Level.ACCEPTABLE, "value table, acceptable")
    assert_two_colour_halves(image, acceptable, Level.ACCEPTABLE, "value table")
    assert_level_drawn(image, edge, Level.EDGE, "value table, edge")
    assert_two_colour_halves(image, edge, Level.EDGE, "value table")

    # The threshold table: every level row in its colours.
    table = page.thresholds
    image = table.viewport().grab().toImage()  # type: ignore[union-attr]
    for row, level in enumerate((Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)):
        assert_level_drawn(image, cell_rect(table, row, 0), level, f"threshold table row {row}")
    assert_two_colour_halves(image, cell_rect(table, 3, 0), Level.EDGE, "threshold table")

    # History strips: the rectangle of every interval of the interval metric.
    row = next(i for i, h in enumerate(page.strip_rows) if h.info.name == INTERVAL)
    strip_image = page.strip.grab().toImage()
    box = page.strip.getViewBox()
    for i, end in enumerate(ENDS[-20:], start=len(ENDS) - 20):
        middle = end.timestamp() - 300
        top = page.strip.mapFromScene(box.mapViewToScene(QPointF(middle - 200, row + 0.2)))
        bottom = page.strip.mapFromScene(box.mapViewToScene(QPointF(middle + 200, row - 0.2)))
        area = QRectF(QPointF(top), QPointF(bottom))
        level = NEG.assess(value_at(i))
        assert_level_drawn(strip_image, area, level, f"strip at {end:%H:%M}")
        if level in (Level.ACCEPTABLE, Level.EDGE):
            assert_two_colour_halves(strip_image, area, level, f"strip at {end:%H:%M}")

    # Chart dots of the chosen metric (the interval one): a dot per value in its level's colours.
    chart = page.plot.grab().toImage()
    view = page.plot.getViewBox()
    for i, end in enumerate(ENDS[-12:], start=len(ENDS) - 12):
        centre = page.plot.mapFromScene(view.mapViewToScene(QPointF(end.timestamp(), value_at(i))))
        area = QRectF(centre.x() - 3, centre.y() - 3, 6, 6)
        assert_level_drawn(chart, area, NEG.assess(value_at(i)), f"chart dot at {end:%H:%M}")


@pytest.fixture
def cockpit(qtbot: QtBot, engine: Engine) -> Cockpit:
    seed(engine)
    view = Cockpit(engine, MSK, CockpitLayout(hours=6), clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    assert settle()
    return view


def test_cockpit_strips_and_threshold_table(cockpit: Cockpit) -> None:
    index = next(i for i, h in enumerate(cockpit.histories) if h.info.name == INTERVAL)
    image = cockpit.plot.grab().toImage()
    box = cockpit.plot.getPlotItem().vb
    top = cockpit.row_top(index)
    for i, end in enumerate(ENDS[-10:], start=len(ENDS) - 10):
        x = cockpit.x_of(end - dt.timedelta(minutes=5))
        a = cockpit.plot.mapFromScene(box.mapViewToScene(QPointF(x - 150, top - 0.02)))
        b = cockpit.plot.mapFromScene(box.mapViewToScene(QPointF(x + 150, top - STRIP * 0.9)))
        level = NEG.assess(value_at(i))
        assert_level_drawn(image, QRectF(QPointF(a), QPointF(b)), level, f"cockpit strip {end:%H:%M}")

    # Click an edge interval: its threshold table colours every row.
    edge_end = next(end for i, end in enumerate(ENDS) if NEG.assess(value_at(i)) is Level.EDGE)
    assert cockpit.select(index, edge_end - dt.timedelta(minutes=5)) is not None
    assert settle()
    table = cockpit.detail_table
    cockpit.show()
    image = table.viewport().grab().toImage()  # type: ignore[union-attr]
    for row, level in enumerate((Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)):
        assert_level_drawn(image, cell_rect(table, row, 0), level, f"cockpit threshold row {row}")
    assert_two_colour_halves(image, cell_rect(table, 1, 0), Level.ACCEPTABLE, "cockpit threshold table")


def test_plan_icons(qtbot: QtBot) -> None:
    state = live_state(demo_served())  # Калужская acceptable, Невский edge (tests.console_fixtures)
    view = PlanView(DEMO_ROOT_MAP, live_state=state)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    for map_name, point, level in (
        ("moscow_uzao.json", "Калужская", Level.ACCEPTABLE),
        ("spb_central.json", "Невский", Level.EDGE),
    ):
        view.open_map(DEMO_ROOT_MAP.parent / map_name)
        view.graphics.fit()
        qtbot.wait(20)
        element = next(e for e in view.document.elements if e.target == point)  # type: ignore[union-attr]
        item = view.scene.items_by_id[element.id]
        assert item.level is level
        size = view.document.icon_size * 0.3  # type: ignore[union-attr]
        a = view.graphics.mapFromScene(QPointF(item.pos().x() - size, item.pos().y() - size))
        b = view.graphics.mapFromScene(QPointF(item.pos().x() + size, item.pos().y() + size))
        image = view.graphics.viewport().grab().toImage()  # type: ignore[union-attr]
        area = QRectF(QPointF(a), QPointF(b))
        assert_two_colour_halves(image, area, level, f"Plan icon of {point}")


def test_dashboard_lamp_strip_and_legend(qtbot: QtBot, engine: Engine) -> None:
    seed(engine)
    view = DashboardView(engine, MSK, [Scope("point", POINT)], hours=6, clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    assert settle()
    tile = view.tiles[0]
    assert tile.state.current is Level.EDGE  # the worst of the point's interval metrics now
    image = tile.grab().toImage()
    lamp = tile.lamp_rect().adjusted(10, 10, -10, -10)
    assert_level_drawn(image, lamp, Level.EDGE, "dashboard lamp")
    assert_two_colour_halves(image, lamp, Level.EDGE, "dashboard lamp")
    levels = [level for _, level in tile.state.recent]
    for rect, level in zip(tile.recent_rects(), levels, strict=True):
        assert_level_drawn(image, rect.adjusted(1, 1, -1, -1), level, "dashboard strip")
    assert Level.ACCEPTABLE in levels
    for level in LEGEND_ORDER:
        swatch = view.legend.swatches[level]
        assert_level_drawn(
            swatch.grab().toImage(), QRectF(swatch.rect()).adjusted(1, 1, -1, -1), level, "legend"
        )


def test_strip_pixels_put_the_first_colour_above() -> None:
    from console.level_paint import FIRST_LUT, SECOND_LUT, strip_pixels

    acceptable = list(Level).index(Level.ACCEPTABLE)
    pixels = strip_pixels(np.array([0, 2]), np.array([acceptable, -1]), 3)
    assert (pixels[0, 1] == FIRST_LUT[acceptable]).all() and (pixels[0, 0] == SECOND_LUT[acceptable]).all()
    assert not pixels[1].any() and not pixels[2].any()  # no interval, no assessment: clear
    assert isinstance(pg.ImageItem(), pg.ImageItem)
