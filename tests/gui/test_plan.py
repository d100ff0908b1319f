"""The Plan view offscreen: drag and drop from the palette, moving, undo/redo, save and load,
drill down with breadcrumbs and back, blinking on a new bad state, broken map files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt6.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.plan.model import load_map
from console.plan.view import PlanView
from console.settings import DEMO_ROOT_MAP
from probe.levels import LEVEL_COLOURS, Level
from tests.console_fixtures import demo_served, live_state


@pytest.fixture
def maps(tmp_path: Path) -> Path:
    """A private copy of the demo map set (tests edit and save maps)."""
    target = tmp_path / "maps"
    shutil.copytree(DEMO_ROOT_MAP.parent, target)
    return target


@pytest.fixture
def view(qtbot: QtBot, maps: Path) -> PlanView:
    widget = PlanView(maps / "russia.json", live_state=live_state(demo_served()))
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    widget.graphics.fit()
    return widget


def viewport_point(view: PlanView, x: float, y: float) -> QPoint:
    return view.graphics.mapFromScene(QPointF(x, y))


def send_mouse(view: PlanView, kind: QEvent.Type, at: QPoint, buttons: Qt.MouseButton) -> None:
    viewport = view.graphics.viewport()
    assert viewport is not None
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind, QPointF(at), QPointF(viewport.mapToGlobal(at)), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)


def click(view: PlanView, x: float, y: float) -> None:
    at = viewport_point(view, x, y)
    send_mouse(view, QEvent.Type.MouseButtonPress, at, Qt.MouseButton.LeftButton)
    send_mouse(view, QEvent.Type.MouseButtonRelease, at, Qt.MouseButton.NoButton)


def drag_item(view: PlanView, start: tuple[float, float], end: tuple[float, float]) -> None:
    a, b = viewport_point(view, *start), viewport_point(view, *end)
    send_mouse(view, QEvent.Type.MouseButtonPress, a, Qt.MouseButton.LeftButton)
    for step in range(1, 6):
        p = a + (b - a) * (step / 5)
        send_mouse(view, QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
    send_mouse(view, QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton)


def drop_from_palette(view: PlanView, kind: str, target: str, x: float, y: float) -> None:
    """What a drag from the palette delivers: the palette's own mime data dropped on the map."""
    entry = view.element_palette.find_entry(kind, target)
    assert entry is not None, f"{kind} {target} is not in the palette"
    mime = view.element_palette.mimeData([entry])
    assert mime is not None
    viewport = view.graphics.viewport()
    at = QPointF(viewport_point(view, x, y))
    actions = Qt.DropAction.CopyAction
    for event in (
        QDragEnterEvent(
            at.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        ),
        QDragMoveEvent(
            at.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        ),
        QDropEvent(at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier),
    ):
        QApplication.sendEvent(viewport, event)


def shot(view: PlanView, folder: Path, name: str) -> Path:
    path = folder / name
    assert view.grab().save(str(path))
    return path


def pixel_level(view: PlanView, element_id: str) -> str:
    """The colour drawn at the upper left of an icon (the main colour of its level)."""
    item = view.scene.items_by_id[element_id]
    offset = view.scene.document.icon_size / 4  # type: ignore[union-attr]
    at = viewport_point(view, item.pos().x() - offset, item.pos().y() - offset)
    image = view.graphics.viewport().grab().toImage()  # type: ignore[union-attr]
    return image.pixelColor(at).name()


def test_icons_show_levels_in_oko_colours(view: PlanView, screenshots: Path) -> None:
    by_label = {e.caption: e.id for e in view.document.elements}  # type: ignore[union-attr]
    assert view.scene.items_by_id[by_label["Москва"]].level is Level.BAD
    assert view.scene.items_by_id[by_label["Санкт-Петербург"]].level is Level.EDGE
    # What is on screen: the colour under the icon is the level's colour, lightened by the gloss.
    drawn = pixel_level(view, by_label["Москва"])
    assert int(drawn[1:3], 16) > 0xB0 and int(drawn[3:5], 16) < 0xA0, drawn  # red
    tooltip = view.tooltip_for(by_label["Москва"])
    assert "плохо" in tooltip and "Москва" in tooltip
    shot(view, screenshots, "plan_country.png")


def test_drill_down_breadcrumbs_and_back(qtbot: QtBot, view: PlanView, screenshots: Path) -> None:
    moscow = next(e for e in view.document.elements if e.caption == "Москва")  # type: ignore[union-attr]
    click(view, moscow.x, moscow.y)
    assert view.crumb_titles() == ["Россия", "Москва"]
    uzao = next(e for e in view.document.elements if e.caption == "ЮЗАО")  # type: ignore[union-attr]
    click(view, uzao.x, uzao.y)
    assert view.crumb_titles() == ["Россия", "Москва", "ЮЗАО"]
    shot(view, screenshots, "plan_district.png")
    point = next(e for e in view.document.elements if e.target == "АЗС Тёплый Стан")  # type: ignore[union-attr]
    click(view, point.x, point.y)
    assert view.crumb_titles() == ["Россия", "Москва", "ЮЗАО", "АЗС Тёплый Стан"]
    page = view.point_page
    assert page is not None and view.pages.currentWidget() is page
    assert page.values.rowCount() == 3
    assert page.thresholds.rowCount() == 5  # the selected metric's table: good .. bad
    assert "◀ 86" in page.thresholds.item(4, 1).text()  # type: ignore[union-attr]
    view.back()
    assert view.crumb_titles() == ["Россия", "Москва", "ЮЗАО"]
    assert view.pages.currentWidget() is view.graphics
    view.go_to(0)
    assert view.crumb_titles() == ["Россия"] and view.document.title == "Россия"  # type: ignore[union-attr]


def test_place_by_drag_and_drop_move_undo_and_save(
    qtbot: QtBot, view: PlanView, maps: Path, screenshots: Path
) -> None:
    view.open_map(maps / "moscow_uzao.json")
    view.set_edit_mode(True)
    document = view.document
    assert document is not None
    before = len(document.elements)
    drop_from_palette(view, "point", "Войковская", 200, 600)
    drop_from_palette(view, "map", "spb.json", 1000, 200)
    assert len(document.elements) == before + 2
    added = document.elements[-2]
    assert (added.kind, added.target) == ("point", "Войковская")
    assert abs(added.x - 200) < 3 and abs(added.y - 600) < 3
    assert document.elements[-1].target == "spb.json"  # stored relative to the map file
    assert view.scene.items_by_id[added.id].level is Level.GOOD

    drag_item(view, (added.x, added.y), (400, 700))
    moved = document.element(added.id)
    assert abs(moved.x - 400) < 3 and abs(moved.y - 700) < 3
    assert view.undo_stack.count() == 3  # one command per edit

    view.undo_stack.undo()
    assert abs(document.element(added.id).x - 200) < 3
    assert abs(view.scene.items_by_id[added.id].pos().x() - 200) < 3
    view.undo_stack.redo()
    assert abs(document.element(added.id).x - 400) < 3

    view.scene.items_by_id[added.id].setSelected(True)
    view.delete_selected()
    assert added.id not in view.scene.items_by_id
    view.undo_stack.undo()
    assert added.id in view.scene.items_by_id
    assert view.scene.items_by_id[added.id].level is Level.GOOD  # back with its state, not grey
    qtbot.wait(50)
    shot(view, screenshots, "plan_editor.png")

    assert view.save()
    reloaded = load_map(maps / "moscow_uzao.json")
    assert reloaded.elements == document.elements
    view.undo_stack.undo()
    view.undo_stack.undo()
    view.undo_stack.undo()
    view.undo_stack.undo()
    assert len(document.elements) == before
    assert load_map(maps / "moscow_uzao.json").elements != document.elements  # not saved yet


def test_align_and_background_are_undoable(view: PlanView, maps: Path, tmp_path: Path) -> None:
    view.open_map(maps / "moscow_uzao.json")
    view.set_edit_mode(True)
    document = view.document
    assert document is not None
    points = [e for e in document.elements if e.kind == "point"]
    for element in points:
        view.scene.items_by_id[element.id].setSelected(True)
    view.align_selected("left")
    assert {document.element(e.id).x for e in points} == {min(e.x for e in points)}
    view.undo_stack.undo()
    assert [document.element(e.id).x for e in points] == [e.x for e in points]
    picture = tmp_path / "plain.png"
    shutil.copy(maps / "backgrounds" / "spb.png", picture)
    old_background = document.background
    view.set_background(picture)
    assert (
        document.background_path() is not None and document.background_path().resolve() == picture.resolve()
    )  # type: ignore[union-attr]
    assert view.scene.sceneRect().width() == 1200
    view.undo_stack.undo()
    assert document.background == old_background


def test_new_child_map_is_created_placed_and_opened(view: PlanView, maps: Path) -> None:
    view.open_map(maps / "spb_central.json")
    view.set_edit_mode(True)
    assert view.create_map(maps / "spb_nevsky", "Невский проспект")
    assert not view.create_map(maps / "spb.json")  # never overwrites
    assert "spb.json" in view.banner.text()
    drop_from_palette(view, "map", "spb_nevsky.json", 900, 600)
    link = view.document.elements[-1]  # type: ignore[union-attr]
    assert (link.kind, link.target) == ("map", "spb_nevsky.json")
    assert view.save()
    view.set_edit_mode(False)
    click(view, link.x, link.y)
    assert view.crumb_titles()[-1] == "Невский проспект" and view.document.elements == []  # type: ignore[union-attr]
    assert view.scene.sceneRect().width() == 1200  # the placeholder background until one is chosen


def test_new_bad_state_blinks(view: PlanView) -> None:
    by_label = {e.caption: e.id for e in view.document.elements}  # type: ignore[union-attr]
    kazan = view.scene.items_by_id[by_label["Казань"]]
    assert not kazan.blinking
    view.set_state(live_state(demo_served({"АЗС Горки": Level.BAD})))
    assert kazan.level is Level.BAD and kazan.blinking
    assert view.scene.blink_timer.isActive()
    assert not view.scene.items_by_id[by_label["Москва"]].blinking  # it was bad already


def test_probe_gone_greys_every_icon(view: PlanView, screenshots: Path) -> None:
    view.set_state(live_state(demo_served()).disconnected("no answer"))
    assert all(item.stale for item in view.scene.items_by_id.values())
    by_label = {e.caption: e.id for e in view.document.elements}  # type: ignore[union-attr]
    drawn = pixel_level(view, by_label["Москва"])
    red, green, blue = (int(drawn[i : i + 2], 16) for i in (1, 3, 5))
    assert max(red, green, blue) - min(red, green, blue) < 40, drawn  # grey, not red
    assert "нет связи" in view.tooltip_for(by_label["Москва"])
    shot(view, screenshots, "plan_disconnected.png")


def test_broken_map_file_is_reported_and_left_alone(qtbot: QtBot, view: PlanView, maps: Path) -> None:
    broken = maps / "broken.json"
    content = b'{"format": "prolan-map/1", "elements": [ {"kind": "point", "target": "X", "x": 1 ]}'
    broken.write_bytes(content)
    stamp = broken.stat().st_mtime_ns
    assert not view.open_map(broken)
    assert view.banner.isVisible()
    assert str(broken) in view.banner.text() and "line 1" in view.banner.text()
    assert view.document is not None and view.document.title == "Россия"  # still showing the last good map
    # A map that links to the broken one shows it as unknown and keeps working.
    view.set_edit_mode(True)
    drop_from_palette(view, "map", "broken.json", 600, 600)
    link = view.document.elements[-1]
    assert view.scene.items_by_id[link.id].level is Level.UNKNOWN
    view.undo_stack.undo()
    view.set_edit_mode(False)
    view.save()
    assert broken.read_bytes() == content and broken.stat().st_mtime_ns == stamp


def test_broken_root_map(qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "root.json"
    root.write_text("[]", encoding="utf-8")
    widget = PlanView(root, live_state=live_state(demo_served()))
    qtbot.addWidget(widget)
    assert widget.document is None and "one JSON object" in widget.banner.text()
    widget.set_edit_mode(True)
    assert not widget.edit_mode and not widget.save()
    assert root.read_text(encoding="utf-8") == "[]"


def test_level_colours_are_the_spec_colours() -> None:
    assert LEVEL_COLOURS[Level.ACCEPTABLE] == ("#f2c230", "#2e9e44")  # yellow + green
    assert LEVEL_COLOURS[Level.EDGE] == ("#d93a2b", "#f2c230")  # red + yellow
