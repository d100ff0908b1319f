"""The point page: live values, history of MKO and OKO from the aggregator (SQLite and
PostgreSQL), the threshold table, and the clips slot."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.clips_panel import ClipsPanel
from console.live import LiveMetric, LiveState
from console.plan.point_page import PointPage, threshold_rows
from console.worker import settle
from probe.assess import ThresholdTable
from probe.levels import Level
from tests.history_builder import add_metric, add_points

NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
POINT = "Калужская"
INTERVAL = f"LOYALTY_MON. УСОКОК. {POINT}. % негативных ответов. Интервал 10 мин"
DAY = f"LOYALTY_MON. УСОКОК. {POINT}. % негативных ответов. Текущие сутки"
VOTES = f"LOYALTY_MON. УСОКОК. {POINT}. Число голосований. Интервал 10 мин"


def seed(engine: Engine) -> None:
    add_points(engine, [(1, POINT, "Москва/ЮЗАО")])
    ends = [NOW - dt.timedelta(minutes=10 * i) for i in range(60)]  # ten hours back
    add_metric(engine, 1, INTERVAL, point_id=1, table=NEG,
               values=[(at, 5.0 + i, NEG.assess(5.0 + i).value) for i, at in enumerate(ends)])  # fmt: skip
    add_metric(engine, 2, DAY, point_id=1, table=NEG, values=[(at, 30.0, "acceptable") for at in ends])
    add_metric(engine, 3, VOTES, point_id=1, values=[(at, 12.0, None) for at in ends])


def live() -> LiveState:
    rows = [
        LiveMetric(1, INTERVAL, "test.metric1", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 5.0, "", "%", Level.GOOD, None, NOW, period="interval"),
        LiveMetric(2, DAY, "test.metric2", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 30.0, "", "%", Level.ACCEPTABLE, NEG, NOW, period="day"),
        LiveMetric(3, VOTES, "test.metric3", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 12.0, "", "", None, None, NOW, period="interval"),
    ]  # fmt: skip
    return LiveState(True, "x", NOW, metrics={m.id: m for m in rows})


def test_point_page_shows_values_history_and_thresholds(qtbot: QtBot, engine: Engine) -> None:
    seed(engine)
    page = PointPage(POINT, lambda: engine, ZoneInfo("Europe/Moscow"), hours=6, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.set_state(live())
    page.load_history()
    assert settle()  # the view reads off the GUI thread
    assert page.history_error == ""
    assert page.values.rowCount() == 3
    assert page.values.item(0, 2).text() == "хорошо"  # type: ignore[union-attr]
    # The interval metric is chosen first; the live row has no thresholds, the stored ones are used.
    assert page.selected is not None and page.selected.name == INTERVAL
    assert page.thresholds.rowCount() == 5 and "◀ 5" in page.thresholds.item(0, 1).text()  # type: ignore[union-attr]
    curves = [i for i in page.plot.getPlotItem().listDataItems() if isinstance(i, pg.PlotDataItem)]  # type: ignore[union-attr]
    xs, ys = curves[0].getData()
    assert len(xs) == 36  # six hours of ten-minute intervals
    assert ys[-1] == 5.0 and ys[0] == 5.0 + 35
    strips = [i for i in page.strip.getPlotItem().items if isinstance(i, pg.ImageItem)]  # type: ignore[union-attr]
    assert len(strips) == 2  # the two assessed metrics; the vote count has no OKO
    assert page.strip_labels == ["% негативных ответов. 10 мин", "% негативных ответов. сутки"]
    page.values.selectRow(1)
    assert page.selected.name == DAY
    assert page.thresholds.rowCount() == 5 and "◀ 30" in page.thresholds.item(1, 1).text()  # type: ignore[union-attr]
    assert isinstance(page.clips_slot, ClipsPanel)  # the clips subsystem's panel, for this point
    assert page.clips_slot.point_name == POINT


def test_history_outage_keeps_the_live_part(qtbot: QtBot) -> None:
    def broken() -> Engine:
        raise OSError("database is down")

    page = PointPage(POINT, broken, ZoneInfo("Europe/Moscow"), clock=lambda: NOW)
    qtbot.addWidget(page)
    page.set_state(live())
    page.load_history()
    assert settle()  # the view reads off the GUI thread
    assert "database is down" in page.history_error
    assert page.values.rowCount() == 3


def test_threshold_rows_read_like_the_seed() -> None:
    assert [text for _level, text in threshold_rows(NEG)] == ["< 20", "20 … 40", "40 … 60", "60 … 80", "≥ 80"]
    better = ThresholdTable.higher_better(90, 80, 70, 60)
    assert threshold_rows(better)[0][1] == "> 90" and threshold_rows(better)[-1][1] == "≤ 60"
    equal = threshold_rows(ThresholdTable.equal_to(1))
    assert equal[0] == (Level.GOOD, "= 1") and equal[1][0] is Level.BAD


def test_new_interval_reloads_history(qtbot: QtBot, engine: Engine) -> None:
    seed(engine)
    clock = [NOW - dt.timedelta(minutes=10)]
    page = PointPage(POINT, lambda: engine, ZoneInfo("Europe/Moscow"), hours=6, clock=lambda: clock[0])
    qtbot.addWidget(page)
    earlier = {k: replace(m, updated=NOW - dt.timedelta(minutes=10)) for k, m in live().metrics.items()}
    page.set_state(LiveState(True, "x", NOW, metrics=earlier))
    page.load_history()
    assert settle()  # the view reads off the GUI thread
    assert page.histories["test.metric1"].points[-1].at == NOW - dt.timedelta(minutes=10)
    clock[0] = NOW
    page.set_state(live())  # the probe evaluated the next interval
    assert settle()  # the view reads off the GUI thread
    assert page.histories["test.metric1"].points[-1].at == NOW


def test_layout_labels_thresholds_and_numbers(qtbot: QtBot, engine: Engine) -> None:
    """The strip labels are inside the plot from the first render, the threshold table shows its
    five rows without a scroll bar, and numbers use the locale's decimal comma."""
    seed(engine)
    page = PointPage(POINT, lambda: engine, ZoneInfo("Europe/Moscow"), hours=6, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    rows = live()
    rows.metrics[1] = replace(rows.metrics[1], value=27.5)
    page.set_state(rows)
    page.load_history()
    assert settle()
    qtbot.wait(50)
    box = page.strip.getViewBox()
    visible = box.sceneBoundingRect()
    for label in page._label_items:
        assert label.sceneBoundingRect().left() >= visible.left() - 1, label.toPlainText()
        assert label.sceneBoundingRect().right() <= visible.right() + 1, label.toPlainText()
    table = page.thresholds
    assert table.rowCount() == 5
    assert not table.verticalScrollBar().isVisible()  # type: ignore[union-attr]
    viewport = table.viewport().rect()  # type: ignore[union-attr]
    for row in range(5):
        assert viewport.contains(table.visualItemRect(table.item(row, 1)))  # type: ignore[arg-type]
    assert page.values.item(0, 1).text() == "27,5 %"  # type: ignore[union-attr]
    assert "◀ 27,5 %" in table.item(1, 1).text()  # type: ignore[union-attr]
