"""The Plan view: a map (background and icons in OKO colours) with drill-down, breadcrumbs and
back, an editor (palette, drag and drop, move, delete, align, background, undo/redo, save), and
the point page at the bottom of the hierarchy."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QPoint, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence, QUndoStack
from PyQt6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.config import ConsoleConfig
from console.evidence import interval_caption
from console.i18n import QT_TRANSLATE_NOOP, format_value, level_text, local_text, translate
from console.interval_panel import IntervalDialog
from console.live import LiveMetric, LiveState
from console.plan.commands import AddElement, DeleteElements, MoveElements, SetBackground, align_moves
from console.plan.icons import IconCache
from console.plan.model import Element, MapDocument, MapFormatError, MapLibrary, load_map, save_map
from console.plan.palette import Palette
from console.plan.point_page import PointPage
from console.plan.scene import PlanGraphicsView, PlanScene
from console.views import ConsoleContext
from console.worker import StaleBanner

TITLE_KEY = QT_TRANSLATE_NOOP("Views", "Plan")


@dataclass(frozen=True)
class Place:
    """One step of the breadcrumb trail: a map file, or a point page."""

    kind: str  # map | point
    target: str  # map path | point name
    title: str


class PlanView(QWidget):
    status_message = pyqtSignal(str)

    def __init__(
        self,
        root_map: Path,
        context: ConsoleContext | None = None,
        *,
        live_state: LiveState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.root_map = root_map
        self.library = MapLibrary()
        self.cache = IconCache()
        self.state = live_state or (context.live.state if context else LiveState())
        self.trail: list[Place] = []
        self.document: MapDocument | None = None
        self.point_page: PointPage | None = None
        self.undo_stack = QUndoStack(self)
        self.edit_mode = False
        self._first_levels = True

        self.scene = PlanScene(self.cache, self)
        self.scene.background_folders = background_folders(root_map, context)
        self.scene.tooltip_source = self.tooltip_for
        self.scene.element_dropped.connect(self._dropped)
        self.scene.elements_moved.connect(self._moved)
        self.scene.activated.connect(self.activate)
        self.scene.context_requested.connect(self._context_menu)
        self.interval_dialog: IntervalDialog | None = None
        self.graphics = PlanGraphicsView(self.scene)
        self.element_palette = Palette()
        self.element_palette.setVisible(False)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #fdecea; color: #8a1c12; border: 1px solid #e5a39b; padding: 8px; font-weight: bold;"
        )
        self.banner.setVisible(False)
        # When the probe stops answering: since when the colours are old, and why.
        self.stale_banner = StaleBanner(context.tz if context is not None else dt.UTC)
        self.breadcrumbs = QHBoxLayout()
        self.breadcrumbs.setSpacing(2)
        crumbs = QWidget()
        crumbs.setLayout(self.breadcrumbs)

        self.toolbar = QToolBar()
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.back_action = self._action(translate("Plan", "Back"), self.back, QKeySequence.StandardKey.Back)
        self.toolbar.addAction(self.back_action)
        self.toolbar.addWidget(crumbs)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy()
        )
        self.toolbar.addWidget(spacer)
        self.edit_action = self._action(translate("Plan", "Edit"), self.toggle_edit)
        self.edit_action.setCheckable(True)
        self.toolbar.addAction(self.edit_action)

        self.edit_bar = QToolBar()
        # Fixed captions (what would be undone goes to the tooltip): the bar must not jump about.
        self.undo_action = self._action(
            translate("Plan", "Undo"), self.undo_stack.undo, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            translate("Plan", "Redo"), self.undo_stack.redo, QKeySequence.StandardKey.Redo
        )
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(self.undo_action.setToolTip)
        self.undo_stack.redoTextChanged.connect(self.redo_action.setToolTip)
        self.save_action = self._action(translate("Plan", "Save"), self.save, QKeySequence.StandardKey.Save)
        self.delete_action = self._action(
            translate("Plan", "Delete"), self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.edit_bar.addAction(self.save_action)
        self.edit_bar.addAction(self.undo_action)
        self.edit_bar.addAction(self.redo_action)
        self.edit_bar.addSeparator()
        self.edit_bar.addAction(self.delete_action)
        for how, caption in (
            ("left", translate("Plan", "Align left")),
            ("top", translate("Plan", "Align top")),
            ("hcenter", translate("Plan", "In a row")),
            ("vcenter", translate("Plan", "In a column")),
        ):
            self.edit_bar.addAction(self._action(caption, lambda _=False, h=how: self.align_selected(h)))
        self.edit_bar.addSeparator()
        self.edit_bar.addAction(self._action(translate("Plan", "Background…"), self.choose_background))
        self.edit_bar.addAction(self._action(translate("Plan", "New map…"), self.choose_new_map))
        self.edit_bar.setVisible(False)
        self.undo_stack.cleanChanged.connect(self._update_title)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.graphics)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.element_palette)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1000])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.stale_banner)
        layout.addWidget(splitter, 1)

        if context is not None:
            context.live.state_changed.connect(self.set_state)
        self.show_staleness()
        self.open_map(root_map)

    def _action(self, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
        self.addAction(action)
        return action

    # -- navigation ----------------------------------------------------------------------------
    def open_map(self, path: Path | str, *, push: bool = True) -> bool:
        """Show a map; a broken file gives a clear message and leaves the current view as it was."""
        path = Path(path)
        if not self._leave_document():
            return False
        try:
            document = load_map(path)
        except MapFormatError as exc:
            self.show_error(
                translate(
                    "Plan", "The map {path} cannot be opened:\n{error}\n\nThe file was not changed."
                ).format(path=exc.path, error=exc.detail)
            )
            return False
        self.banner.setVisible(False)
        self._set_document(document)
        place = Place("map", str(path.resolve()), document.title)
        if push:
            self.trail.append(place)
        self.pages.setCurrentWidget(self.graphics)
        self._update_crumbs()
        return True

    def _set_document(self, document: MapDocument) -> None:
        if self.document is not None:
            self.library.forget(self.document.path)
        self.document = document
        self.library.put(document)
        self.undo_stack.clear()
        self.scene.set_document(document)
        if self.scene.background_problem:
            self.show_error(self.scene.background_problem)
        # After the scene's own listener: an element added (or re-added by undo) shows its state at once.
        document.listeners.append(self._document_changed)
        self.scene.set_edit_mode(self.edit_mode)
        self._first_levels = True
        self.refresh_levels()
        self.graphics.fit()
        self.element_palette.set_sources(self.state, document.path, self.root_map)

    def _document_changed(self, event: str, _element: Element | None) -> None:
        if event in ("added", "changed"):
            self.refresh_levels()
        elif event == "background" and self.scene.background_problem:
            self.show_error(self.scene.background_problem)

    def open_point(self, point: str, *, push: bool = True) -> None:
        if not self._leave_document():
            return
        if self.point_page is not None:
            self.pages.removeWidget(self.point_page)
            self.point_page.deleteLater()
        engine_source = (lambda: self.context.engine) if self.context is not None else None  # type: ignore[union-attr]
        tz = self.context.tz if self.context is not None else None
        hours = self.context.settings.history_hours if self.context is not None else 6.0
        from zoneinfo import ZoneInfo

        self.point_page = PointPage(point, engine_source, tz or ZoneInfo("Europe/Moscow"), hours)
        self.pages.addWidget(self.point_page)
        self.pages.setCurrentWidget(self.point_page)
        self.point_page.set_state(self.state)
        self.point_page.load_history()
        if push:
            self.trail.append(Place("point", point, point))
        self._update_crumbs()

    def activate(self, element_id: str) -> None:
        """A click on an icon in view mode: drill down."""
        if self.document is None:
            return
        element = self.document.element(element_id)
        if element.kind == "map":
            self.open_map(self.document.resolve(element.target))
        elif element.kind == "point":
            self.open_point(element.target)
        else:
            metric = self.state.metric(element.target)
            if metric is not None and metric.point:
                self.open_point(metric.point)

    def interval_metric(self, element_id: str) -> LiveMetric | None:
        """The metric whose latest interval an icon opens: a metric icon's own; a point's worst
        assessed metric (the one that colours the icon); none for a child map."""
        if self.document is None:
            return None
        element = self.document.element(element_id)
        if element.kind == "metric":
            return self.state.metric(element.target)
        if element.kind == "point":
            assessed = [m for m in self.state.point_metrics(element.target) if m.level is not None]
            if assessed:
                return max(assessed, key=lambda m: (m.level.severity if m.level else -1, -m.id))
        return None

    def open_interval(self, element_id: str) -> IntervalDialog | None:
        """The interval panel for an icon: its metric's latest evaluated interval."""
        metric = self.interval_metric(element_id)
        if metric is None or metric.updated is None or self.context is None:
            self.status_message.emit(translate("Plan", "No evaluated interval for this icon"))
            return None
        if self.interval_dialog is None:
            self.interval_dialog = IntervalDialog(self.context.engine, self.context.tz, self)
        self.interval_dialog.panel.open(metric.id, metric.updated)
        self.interval_dialog.show()
        self.interval_dialog.raise_()
        return self.interval_dialog

    def _context_menu(self, element_id: str, screen: object) -> None:
        menu = QMenu(self)
        interval = menu.addAction(translate("Plan", "Open the interval…"))
        assert interval is not None
        interval.setEnabled(self.interval_metric(element_id) is not None)
        interval.triggered.connect(lambda _=False, e=element_id: self.open_interval(e))
        menu.addAction(translate("Plan", "Open"), lambda e=element_id: self.activate(e))
        menu.popup(screen if isinstance(screen, QPoint) else QPoint())

    def back(self) -> None:
        if len(self.trail) > 1:
            self.go_to(len(self.trail) - 2)

    def go_to(self, index: int) -> None:
        """Jump to a breadcrumb."""
        if not 0 <= index < len(self.trail) or index == len(self.trail) - 1:
            return
        place = self.trail[index]
        if place.kind == "map":
            if self.open_map(place.target, push=False):
                del self.trail[index + 1 :]
        else:
            del self.trail[index + 1 :]
            self.open_point(place.target, push=False)
        self._update_crumbs()

    def _update_crumbs(self) -> None:
        while self.breadcrumbs.count():
            item = self.breadcrumbs.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone from the bar now; deleted when control returns to the loop
                widget.deleteLater()
        for index, place in enumerate(self.trail):
            if index:
                separator = QLabel("›")
                separator.setStyleSheet("color: #7a8694; font-size: 14px; padding: 0 4px;")
                self.breadcrumbs.addWidget(separator)
                separator.show()  # the bar is visible already: show now, not at the next event loop turn
            button = QToolButton()
            button.setText(place.title)
            button.setAutoRaise(True)
            last = index == len(self.trail) - 1
            button.setStyleSheet("font-weight: bold; color: #1d2733;" if last else "color: #2b6cb0;")
            button.clicked.connect(lambda _=False, i=index: self.go_to(i))
            self.breadcrumbs.addWidget(button)
            button.show()
        self.back_action.setEnabled(len(self.trail) > 1)
        self.edit_action.setEnabled(not self.trail or self.trail[-1].kind == "map")

    def crumb_titles(self) -> list[str]:
        return [place.title for place in self.trail]

    # -- live data -----------------------------------------------------------------------------
    def set_state(self, state: object) -> None:
        assert isinstance(state, LiveState)
        self.state = state
        self.show_staleness()
        self.refresh_levels()
        if self.point_page is not None and self.pages.currentWidget() is self.point_page:
            self.point_page.set_state(state)
        if self.edit_mode and self.document is not None:
            self.element_palette.set_sources(state, self.document.path, self.root_map)

    def show_staleness(self) -> None:
        state = self.state
        if state.connected:
            self.stale_banner.mark_good(state.received_at)
        elif state.error:
            self.stale_banner.last_good = state.received_at
            self.stale_banner.mark_failed(state.error)

    def refresh_levels(self) -> None:
        if self.document is None:
            return
        levels = self.library.levels(self.document, self.state)
        self.scene.apply_levels(levels, not self.state.connected, first=self._first_levels)
        self._first_levels = not self.state.connected and not self.state.metrics

    def tooltip_for(self, element_id: str) -> str:
        if self.document is None:
            return ""
        element = self.document.element(element_id)
        state = self.state
        if element.kind == "metric":
            metric = state.metric(element.target)
            if metric is None:
                text = translate("Plan", "{name}\nValue: {value}\nAssessment: {level}\nTime: {time}").format(
                    name=element.target, value="—", level=level_text(None), time="—"
                )
            else:
                when = local_text(metric.updated, self._tz(), "dd.MM HH:mm") if metric.updated else "—"
                value = (
                    format_value(metric.value, metric.unit)
                    if metric.value is not None
                    else translate("Plan", "no value")
                )
                text = translate("Plan", "{name}\nValue: {value}\nAssessment: {level}\nTime: {time}").format(
                    name=metric.name, value=value, level=level_text(metric.level), time=when
                )
                sure = interval_caption(metric.low, metric.high, metric.votes, metric.unit)
                if sure:  # how sure a percentage is (issue 21)
                    text += "\n" + sure
        elif element.kind == "point":
            text = translate("Plan", "Point: {name}\nWorst assessment: {level}\nMetrics: {count}").format(
                name=element.target,
                level=level_text(state.point_worst(element.target)),
                count=len(state.point_metrics(element.target)),
            )
        else:
            level = self.library.element_level(self.document, element, state)
            text = translate("Plan", "Map: {name}\nWorst assessment below: {level}").format(
                name=element.caption, level=level_text(level)
            )
        if not state.connected:
            text += translate("Plan", "\n(no connection to the probe — data is stale)")
        return text

    def _tz(self) -> Any:
        import datetime as dt

        return self.context.tz if self.context is not None else dt.UTC

    # -- editing -------------------------------------------------------------------------------
    def toggle_edit(self, checked: bool | None = None) -> None:
        self.set_edit_mode(bool(checked) if checked is not None else not self.edit_mode)

    def set_edit_mode(self, editing: bool) -> None:
        if editing and self.document is None:
            editing = False
        self.edit_mode = editing
        self.edit_action.setChecked(editing)
        self.edit_action.setText(translate("Plan", "View") if editing else translate("Plan", "Edit"))
        self.edit_bar.setVisible(editing)
        self.element_palette.setVisible(editing)
        self.scene.set_edit_mode(editing)
        if editing and self.document is not None:
            self.element_palette.set_sources(self.state, self.document.path, self.root_map)
        QTimer.singleShot(0, self.graphics.fit)

    def _dropped(self, kind: str, target: str, label: str, x: float, y: float) -> None:
        if self.document is None:
            return
        if kind == "map":
            target = os.path.relpath(Path(target).resolve(), self.document.path.parent.resolve())
        element = Element(self.document.new_id(), kind, target, round(x, 1), round(y, 1), label)  # type: ignore[arg-type]
        self.undo_stack.push(AddElement(self.document, element))
        self.refresh_levels()

    def _moved(self, moves: list[tuple[str, tuple[float, float], tuple[float, float]]]) -> None:
        if self.document is not None:
            self.undo_stack.push(MoveElements(self.document, moves))

    def selected_ids(self) -> list[str]:
        return [i.element_id for i in self.scene.items_by_id.values() if i.isSelected()]

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if self.edit_mode and self.document is not None and ids:
            self.undo_stack.push(DeleteElements(self.document, ids))

    def align_selected(self, how: str) -> None:
        if not self.edit_mode or self.document is None:
            return
        elements = [self.document.element(i) for i in self.selected_ids()]
        moves = align_moves(elements, how)
        if moves:
            self.undo_stack.push(MoveElements(self.document, moves, translate("Plan", "Align")))

    def set_background(self, picture: Path) -> None:
        if self.document is None:
            return
        try:
            text = os.path.relpath(picture.resolve(), self.document.path.parent.resolve())
        except ValueError:  # another drive on Windows
            text = str(picture.resolve())
        self.undo_stack.push(SetBackground(self.document, text))
        self.graphics.fit()

    def choose_background(self) -> None:
        if self.document is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self,
            translate("Plan", "Background…"),
            str(self.document.path.parent),
            translate("Plan", "Images (*.png *.jpg *.jpeg *.bmp *.gif)"),
        )
        if name:
            self.set_background(Path(name))

    def create_map(self, path: Path, title: str = "") -> bool:
        """A new, empty map file next to the others (it then appears in the palette, ready to be
        dropped onto this map); an existing file is never overwritten."""
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        if path.exists():
            self.show_error(translate("Plan", "{path} exists already: choose another name").format(path=path))
            return False
        try:
            save_map(MapDocument(path, title or path.stem))
        except OSError as exc:
            self.show_error(f"{path}: {exc}")
            return False
        if self.document is not None:
            self.element_palette.set_sources(self.state, self.document.path, self.root_map)
        self.status_message.emit(translate("Plan", "Map saved: {path}").format(path=path))
        return True

    def choose_new_map(self) -> None:
        folder = self.document.path.parent if self.document is not None else self.root_map.parent
        name, _ = QFileDialog.getSaveFileName(self, translate("Plan", "New map…"), str(folder), "*.json")
        if name:
            self.create_map(Path(name))

    def save(self) -> bool:
        if self.document is None:
            return False
        try:
            path = save_map(self.document)
        except OSError as exc:
            self.show_error(f"{self.document.path}: {exc}")
            return False
        self.undo_stack.setClean()
        self.library.put(self.document)
        self.status_message.emit(translate("Plan", "Map saved: {path}").format(path=path))
        return True

    def _leave_document(self) -> bool:
        """Unsaved edits are saved before leaving a map (the editor never drops work silently)."""
        if self.document is not None and not self.undo_stack.isClean():
            return self.save()
        return True

    def _update_title(self) -> None:
        if self.trail:
            self._update_crumbs()

    def show_error(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(True)
        self.status_message.emit(message.splitlines()[0])


def background_folders(root_map: Path, context: ConsoleContext | None) -> list[Path]:
    """The maps folder (the root map's) and `[console] background_folders`."""
    folders = [root_map.parent]
    config = getattr(context, "config", None)  # a context without a config reads no allow-list
    if config is not None:
        section = config.section(ConsoleConfig)
        folders += [config.resolve_path(folder) for folder in section.background_folders]
    return folders


def create_view(context: ConsoleContext) -> QWidget:
    return PlanView(context.settings.root_map, context)


def prepare_screenshot(widget: QWidget, args: Any) -> None:
    assert isinstance(widget, PlanView)
    map_path = getattr(args, "map", None)
    if map_path:
        widget.open_map(Path(map_path))
    point = getattr(args, "point", None)
    if point:
        widget.open_point(point)
