"""Cockpit on hand-made history: rows, rectangle colours, clicked thresholds, crosshair, layouts."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QColor
from sqlalchemy import Engine

from console.cockpit import Cockpit, CockpitLayout, LayoutError
from console.cockpit_rows import STRIP, VALUES
from console.worker import settle
from probe.assess import ThresholdTable
from probe.levels import LEVEL_COLOURS, Level
from tests.history_builder import add_metric, add_points

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=MSK).astimezone(dt.UTC)
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
QUEUE = ThresholdTable.higher_worse(3, 5, 8, 12)
LEVELS = [Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD, Level.UNKNOWN]
# 6 hours of 10-minute intervals: 36 ends, levels cycling so every colour appears.
ENDS = [NOW - dt.timedelta(minutes=10 * i) for i in range(36)][::-1]


def level_for(i: int) -> Level:
    return LEVELS[(i // 3) % len(LEVELS)]


def value_for(level: Level) -> float | None:
    return {
        Level.GOOD: 10.0,
        Level.ACCEPTABLE: 30.0,
        Level.ATTENTION: 50.0,
        Level.EDGE: 70.0,
        Level.BAD: 90.0,
    }.get(level)


def seed(engine: Engine) -> None:
    add_points(engine, [(1, "АЗС Тёплый Стан", "Москва/ЮЗАО"), (2, "Калужская", "Москва/ЮЗАО")])
    add_metric(
        engine,
        1,
        "LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. % негативных ответов. Интервал 10 мин",
        point_id=1,
        unit="%",
        table=NEG,
        values=[(at, value_for(level_for(i)), level_for(i).value) for i, at in enumerate(ENDS)],
    )
    add_metric(
        engine,
        2,
        "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин",
        point_id=2,
        unit="%",
        table=NEG,
        values=[(at, 5.0, "good") for at in ENDS],
    )
    add_metric(
        engine,
        3,
        "QUEUE_LEN. АЗС Тёплый Стан. Средняя очередь. Интервал 10 мин",
        point_id=1,
        test="QUEUE_LEN",
        table=QUEUE,
        values=[(at, float(i % 10), "good" if i % 10 < 3 else "attention") for i, at in enumerate(ENDS)],
    )
    # An unassessed counter, a day metric, the company and the test's own metric.
    add_metric(engine, 4, "LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. Число голосований. Интервал 10 мин",
               point_id=1, values=[(at, 12.0, None) for at in ENDS])  # fmt: skip
    add_metric(engine, 5, "LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. % негативных ответов. Текущие сутки",
               point_id=1, unit="%", table=NEG, values=[(at, 30.0, "acceptable") for at in ENDS])  # fmt: skip
    add_metric(engine, 6, "LOYALTY_MON. СОКОК. Итого по компании. % негативных ответов. Интервал 10 мин",
               unit="%", table=NEG, values=[(at, 10.0, "good") for at in ENDS])  # fmt: skip
    add_metric(engine, 7, "LOYALTY_MON. Тест работает", table=ThresholdTable.equal_to(1),
               values=[(at, 1.0, "good") for at in ENDS])  # fmt: skip


# Default rows (assessed only), in display order: the point's LOYALTY_MON group (interval, day),
# its QUEUE_LEN group, the other point, the company, the test's own metric.
DEFAULT_ROWS = [1, 5, 3, 2, 6, 7]


@pytest.fixture
def cockpit(qtbot, engine: Engine):  # type: ignore[no-untyped-def]
    seed(engine)
    view = Cockpit(engine, MSK, CockpitLayout(hours=6), clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    assert settle()
    return view


def widget_point(view: Cockpit, at: dt.datetime, y: float) -> QPointF:
    scene = view.plot.getPlotItem().vb.mapViewToScene(QPointF(view.x_of(at), y))
    return QPointF(view.plot.mapFromScene(scene))


def test_rows_follow_the_filters(cockpit: Cockpit) -> None:
    assert [h.info.id for h in cockpit.histories] == DEFAULT_ROWS
    cockpit.tests_edit.setText("LOYALTY_MON")
    cockpit.points_edit.setText("АЗС Тёплый Стан")
    cockpit.apply_filters()
    assert settle()
    assert [h.info.id for h in cockpit.histories] == [1, 5]
    cockpit.unassessed_box.setChecked(True)  # the counters without thresholds, behind a filter
    cockpit.apply_filters()
    assert settle()
    assert [h.info.id for h in cockpit.histories] == [1, 5, 4]
    cockpit.tests_edit.setText("")
    cockpit.points_edit.setText("")
    cockpit.contains_edit.setText("ОЧЕРЕДЬ")  # case-insensitive, Cyrillic included
    cockpit.apply_filters()
    assert settle()
    assert [h.info.id for h in cockpit.histories] == [3]


def test_rows_are_grouped_point_test_metric_and_never_read_the_same(cockpit: Cockpit) -> None:
    cockpit.unassessed_box.setChecked(True)
    cockpit.apply_filters()
    assert settle()
    lines = [(e.kind, e.text) for e in cockpit.entries]
    assert lines == [
        ("point", "АЗС Тёплый Стан"),
        ("test", "LOYALTY_MON · УСОКОК"),
        ("metric", "% негативных ответов · 10 мин"),
        ("metric", "% негативных ответов · сутки"),
        ("metric", "Число голосований · 10 мин"),
        ("test", "QUEUE_LEN"),
        ("metric", "Средняя очередь · 10 мин"),
        ("point", "Калужская"),
        ("test", "LOYALTY_MON · СОКОК"),
        ("metric", "% негативных ответов · 10 мин"),
        ("point", "Итого по компании"),
        ("test", "LOYALTY_MON · СОКОК"),
        ("metric", "% негативных ответов · 10 мин"),
        ("point", "Сами тесты"),
        ("test", "LOYALTY_MON"),
        ("metric", "Тест работает"),
    ]
    # Within a group no two rows read the same, and no row repeats its group's names.
    group: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for kind, text in lines:
        if kind == "point":
            group = [text]
        elif kind == "test":
            group = [*group[:1], text]
        else:
            assert (*group, text) not in seen
            seen.add((*group, text))
            assert not any(name in text for name in ("АЗС", "Калужская", "LOYALTY_MON", "УСОКОК"))
    assert cockpit.entries[0].detail == "Москва/ЮЗАО"  # the region beside the point


def test_strips_are_tall_and_values_have_their_own_scale(cockpit: Cockpit) -> None:
    box = cockpit.view_box
    for index in range(len(cockpit.histories)):
        top, bottom = cockpit.strip_band(index)
        a = box.mapViewToScene(QPointF(0, top))
        b = box.mapViewToScene(QPointF(0, bottom))
        assert b.y() - a.y() >= 20, "a strip must read at a glance"
    queue = next(i for i, h in enumerate(cockpit.histories) if h.info.id == 3)
    scale = cockpit.scales[queue]
    assert (scale.low, scale.high) == (0.0, 9.0)  # the row's own range, not the plot's
    negatives = next(i for i, h in enumerate(cockpit.histories) if h.info.id == 1)
    assert (cockpit.scales[negatives].low, cockpit.scales[negatives].high) == (10.0, 90.0)
    # The values are drawn under the strip, inside the row, the highest value highest.
    _top, bottom = cockpit.strip_band(queue)
    history = cockpit.histories[queue]
    curve = cockpit._curve(history, queue, cockpit.row_top(queue))
    assert curve is not None
    _xs, ys = curve
    assert ((ys < bottom) & (ys > bottom - VALUES)).all()
    assert ys[int(np.argmax(history.values))] == ys.max() and ys[int(np.argmin(history.values))] == ys.min()
    # …and they are what the plot draws for that row.
    _drawn_x, drawn_y = cockpit.curves[queue].getData()
    assert np.array_equal(drawn_y, ys)


def test_labels_column_draws_headers_and_scales(qtbot, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    image = cockpit.labels.grab().toImage()
    header = cockpit.entries[0]
    y = int(cockpit.labels.y_of(-(header.top + header.height / 2)))
    assert QColor(image.pixel(cockpit.labels.width() - 20, y)).name() == "#e8edf3"


def test_hover_says_interval_value_level_and_thresholds(cockpit: Cockpit) -> None:
    target = cockpit.histories[0].points[10]  # an edge interval: value 70 %
    text = cockpit.hover_text(0, target.at - dt.timedelta(minutes=5))
    start = (target.at - dt.timedelta(minutes=10)).astimezone(MSK)
    assert f"{start:%d.%m %H:%M} – {target.at.astimezone(MSK):%H:%M}" in text
    assert "70 %" in text and "на грани" in text and "60 … 80" in text
    # The mouse over a rectangle shows it as a tooltip and moves the crosshair.
    pos = widget_point(cockpit, target.at - dt.timedelta(minutes=5), cockpit.row_top(0) - STRIP / 2)
    cockpit._mouse_moved([cockpit.plot.mapToScene(pos.toPoint())])
    assert cockpit.crosshair.value() == pytest.approx(
        cockpit.x_of(target.at - dt.timedelta(minutes=5)), abs=61
    )


def test_rectangle_colours_match_the_stored_history(cockpit: Cockpit, tmp_path: Path) -> None:
    image = cockpit.plot.grab().toImage()
    ratio = image.devicePixelRatio()
    history = cockpit.histories[0]
    assert len(history.points) == 36
    top, _bottom = cockpit.strip_band(0)
    for i, point in enumerate(history.points):
        middle = point.at - dt.timedelta(minutes=6)  # off the gap at the end of a rectangle
        # Upper quarter of the strip: the first colour; lower quarter: the second.
        for y, colour_index in ((top - STRIP * 0.2, 0), (top - STRIP * 0.8, 1)):
            pos = widget_point(cockpit, middle, y)
            colour = QColor(image.pixel(int(pos.x() * ratio), int(pos.y() * ratio))).name()
            expected = level_for(i)
            if expected is Level.UNKNOWN:
                # An interval without an assessment is unknown (grey).
                assert colour == LEVEL_COLOURS[Level.UNKNOWN][0], (i, point.at)
            else:
                assert colour == LEVEL_COLOURS[expected][colour_index], (i, point.at, y)
    shots = Path(os.environ.get("PROLAN_SHOT_DIR", str(tmp_path)))
    assert cockpit.grab().save(str(shots / "cockpit.png"))


def test_clicking_a_rectangle_shows_the_thresholds_that_assessed_it(qtbot, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    # The 11th interval (index 10) is an edge assessment (value 70) of the first row.
    target = cockpit.histories[0].points[10]
    assert target.level is Level.EDGE
    pos = widget_point(cockpit, target.at - dt.timedelta(minutes=5), cockpit.row_top(0) - STRIP / 2)
    qtbot.mouseClick(cockpit.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos.toPoint())
    assert cockpit.selected is not None and cockpit.selected[1] == target
    assert settle()
    table = cockpit.detail_table
    texts = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert texts[0] == "< 20" and texts[4] == "≥ 80"
    assert texts[3].startswith("60 … 80") and "◀ 70 %" in texts[3]
    assert table.item(3, 1).font().bold() and not table.item(0, 1).font().bold()
    assert "АЗС Тёплый Стан" in cockpit.detail_label.text()
    # A different row's table: QUEUE_LEN.
    queue = next(i for i, h in enumerate(cockpit.histories) if h.info.id == 3)
    point = cockpit.select(queue, NOW - dt.timedelta(minutes=1))
    assert point is not None and point.thresholds == QUEUE
    assert settle()
    assert cockpit.detail_table.item(0, 1).text() == "< 3"


def test_presets_and_custom_range(cockpit: Cockpit) -> None:
    cockpit.set_range_hours(1)
    assert settle()
    assert len(cockpit.histories[0].points) == 6
    cockpit.preset_buttons[24].click()
    assert settle()
    assert len(cockpit.histories[0].points) == 36
    cockpit.set_range(ENDS[0], ENDS[5])
    assert settle()
    assert [p.at for p in cockpit.histories[0].points] == ENDS[1:6]


def test_layout_round_trip_and_bad_files(cockpit: Cockpit, tmp_path: Path) -> None:
    cockpit.points_edit.setText("Калужская")
    cockpit.apply_filters()
    assert settle()
    path = tmp_path / "layout.json"
    cockpit.save_layout(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == "prolan-cockpit/1" and saved["points"] == ["Калужская"]
    cockpit.points_edit.setText("")
    cockpit.apply_filters()
    assert settle()
    assert len(cockpit.histories) == len(DEFAULT_ROWS)
    cockpit.load_layout(path)
    assert settle()
    assert [h.info.id for h in cockpit.histories] == [2]

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "prolan-cockpit/1", "hours": "many"}', encoding="utf-8")
    with pytest.raises(LayoutError, match=r"bad.json: key 'hours': expected a positive whole number"):
        CockpitLayout.from_file(bad)
    bad.write_text('{"format": "prolan-cockpit/1", "colour": 1}', encoding="utf-8")
    with pytest.raises(LayoutError, match="unknown key 'colour'"):
        CockpitLayout.from_file(bad)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(LayoutError, match="not JSON"):
        CockpitLayout.from_file(bad)


def test_threshold_advice_opens_for_the_clicked_metric_and_point(qtbot, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    assert not cockpit.advice_button.isEnabled()
    cockpit.select(0, ENDS[10] - dt.timedelta(minutes=3))
    assert cockpit.advice_button.isEnabled()
    dialog = cockpit.open_advice()
    assert settle()  # the view reads off the GUI thread
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.metric_box.currentText() == cockpit.histories[0].info.name
    # Only the clicked metric's point is offered (QUEUE_LEN is another test).
    assert all("АЗС Тёплый Стан" in dialog.metric_box.itemText(i) for i in range(dialog.metric_box.count()))


def test_threshold_advice_tries_the_proposal_on_the_probe_s_rules(
    qtbot, cockpit: Cockpit, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, point 3, from where the console opens the dialog: the Cockpit hands it the probe's
    configuration (create_view), so it says how often the rules would have notified."""
    import tomllib

    from probe.config import parse_config

    cockpit.probe_config = parse_config(
        tomllib.loads(
            f'''
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 2
recipients = ["quality"]
'''
        )
    )
    cockpit.select(0, ENDS[10] - dt.timedelta(minutes=3))
    dialog = cockpit.open_advice()
    assert settle()
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = dialog.notifications.text()
    assert text.startswith("С предложенными порогами правила уведомили бы "), text
    assert "за последние 28 дней" in text and "правила: negative" in text
