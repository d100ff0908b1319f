"""The Plan map on screen: a QGraphicsScene that mirrors one `MapDocument` (background picture and
icons) and shows the states it is given. Edits are not done here: the scene reports drops, moves
and clicks as signals, the view turns them into undo commands on the document, and the document's
notifications come back here."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QMimeData, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QLinearGradient, QPainter, QPixmap
from PyQt6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneDragDropEvent,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from console.plan.backgrounds import load_background
from console.plan.icons import MARGIN, IconCache, quantise_scale
from console.plan.model import Element, MapDocument
from probe.levels import Level

MIME_ELEMENT = "application/x-prolan-map-element"
BLINK_SECONDS = 60.0
BLINK_PERIOD_MS = 450
EMPTY_MAP_SIZE = (1200, 800)
BULK_UPDATE = 64  # more changed icons than this: repaint the map once rather than icon by icon


def element_mime(kind: str, target: str, label: str = "") -> QMimeData:
    """What the palette drags: which element to create."""
    data = QMimeData()
    payload = json.dumps({"kind": kind, "target": target, "label": label}, ensure_ascii=False)
    data.setData(MIME_ELEMENT, payload.encode("utf-8"))
    data.setText(label or target)
    return data


def parse_element_mime(data: QMimeData | None) -> dict[str, str] | None:
    if data is None or not data.hasFormat(MIME_ELEMENT):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME_ELEMENT).data()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("kind") not in ("metric", "point", "map"):
        return None
    return {k: str(payload.get(k, "")) for k in ("kind", "target", "label")}


class IconItem(QGraphicsItem):
    """One element's icon and caption, drawn from cached pixmaps."""

    def __init__(self, element: Element, cache: IconCache, size: int) -> None:
        super().__init__()
        self.element_id = element.id
        self.kind = element.kind
        self.cache = cache
        self.size = size
        self.level = Level.UNKNOWN
        self.stale = True
        self.blink_until = 0.0
        self.blink_on = False
        self.tooltip_source: Callable[[str], str] | None = None
        self._paint_key: tuple[object, ...] = ()
        self._pixmaps: tuple[QPixmap, QPixmap] = (QPixmap(), QPixmap())
        self._offsets = (0.0, 0.0, 0.0, 0.0)
        self.set_caption(element.caption)
        self.setPos(element.x, element.y)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)

    def set_caption(self, caption: str) -> None:
        self.prepareGeometryChange()
        self.caption = caption
        self._paint_key = ()
        self.label = self.cache.label(caption)
        half = self.size / 2 + MARGIN
        width = max(2 * half, self.label.width())
        self._bounds = QRectF(-width / 2, -half, width, 2 * half + self.label.height())

    @property
    def blinking(self) -> bool:
        return self.blink_until > time.monotonic()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(
        self, painter: QPainter | None, option: QStyleOptionGraphicsItem | None, widget: QWidget | None = None
    ) -> None:
        if painter is None:
            return
        # Hot path: a full map repaints a thousand of these; keep the Python work minimal.
        transform = painter.worldTransform()
        raw_scale = transform.m11()
        halo = self.blink_on and self.blink_until > time.monotonic()
        key = (self.level, self.stale, halo, self.isSelected(), raw_scale)
        if key != self._paint_key:
            self._prepare(key)
        body, label = self._pixmaps
        bx, by, lx, ly = self._offsets
        # Items are only translated and scaled: the centre in device pixels is (dx, dy).
        dx, dy = transform.dx(), transform.dy()
        painter.resetTransform()
        painter.drawPixmap(int(dx + bx), int(dy + by), body)
        painter.drawPixmap(int(dx + lx), int(dy + ly), label)
        painter.setWorldTransform(transform)

    def _prepare(self, key: tuple[Level, bool, bool, bool, float]) -> None:
        """Pictures at the view's scale (drawn 1:1) and their offsets from the centre."""
        level, stale, halo, selected, raw_scale = key
        scale = quantise_scale(raw_scale)
        body = self.cache.body(self.kind, level, stale, self.size, halo, selected, scale)
        label = self.cache.label(self.caption, scale)
        half = body.width() / 2
        self._paint_key = key
        self._pixmaps = (body, label)
        # +0.5: int() then rounds to the nearest pixel (coordinates are positive on the map).
        self._offsets = (-half + 0.5, -half + 0.5, -label.width() / 2 + 0.5, half - MARGIN * scale + 1.5)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent | None) -> None:
        # The tooltip is built when the pointer arrives, not on every data update.
        if self.tooltip_source is not None:
            self.setToolTip(self.tooltip_source(self.element_id))
        super().hoverEnterEvent(event)


class PlanScene(QGraphicsScene):
    element_dropped = pyqtSignal(str, str, str, float, float)  # kind, target, label, x, y
    elements_moved = pyqtSignal(list)  # [(id, (old x, y), (new x, y))]
    activated = pyqtSignal(str)  # element id clicked in view mode
    context_requested = pyqtSignal(str, object)  # element id right-clicked in view mode, screen QPoint

    def __init__(self, cache: IconCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = cache or IconCache()
        self.document: MapDocument | None = None
        self.items_by_id: dict[str, IconItem] = {}
        self.background = QPixmap()
        # Where backgrounds may be read from (console/plan/backgrounds.py), and why the current
        # map's is not shown (for the view's banner).
        self.background_folders: list[Path] = []
        self.background_problem: str | None = None
        self.edit_mode = False
        self.tooltip_source: Callable[[str], str] | None = None
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._press_item: str | None = None
        self.blink_timer = QTimer(self)
        self.blink_timer.setInterval(BLINK_PERIOD_MS)
        self.blink_timer.timeout.connect(self._blink)

    # -- the document ------------------------------------------------------------------------
    def set_document(self, document: MapDocument) -> None:
        if self.document is not None and self._on_document in self.document.listeners:
            self.document.listeners.remove(self._on_document)
        self.clear()
        self.items_by_id = {}
        self.document = document
        document.listeners.append(self._on_document)
        self._load_background()
        for element in document.elements:
            self._add_item(element)

    def _load_background(self) -> None:
        assert self.document is not None
        loaded = load_background(self.document, self.background_folders or [self.document.path.parent])
        self.background_problem = loaded.problem
        pixmap = loaded.pixmap
        if pixmap.isNull():
            pixmap = self._placeholder_background()
        self.background = pixmap
        self.setSceneRect(QRectF(pixmap.rect()))
        for view in self.views():
            view.resetCachedContent()
        self.update()

    def drawBackground(self, painter: QPainter | None, rect: QRectF) -> None:
        """The map picture, drawn as the scene background so that the views cache it (scaled
        once per zoom, not on every repaint)."""
        if painter is None:
            return
        painter.fillRect(rect, QColor("#d7dde4"))
        if not self.background.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(self.sceneRect(), self.background, QRectF(self.background.rect()))

    @staticmethod
    def _placeholder_background() -> QPixmap:
        pixmap = QPixmap(*EMPTY_MAP_SIZE)
        painter = QPainter(pixmap)
        gradient = QLinearGradient(0, 0, 0, EMPTY_MAP_SIZE[1])
        gradient.setColorAt(0, QColor("#f4f6f8"))
        gradient.setColorAt(1, QColor("#dde3ea"))
        painter.fillRect(pixmap.rect(), gradient)
        painter.setPen(QColor("#c5ced8"))
        for x in range(0, EMPTY_MAP_SIZE[0], 40):
            painter.drawLine(x, 0, x, EMPTY_MAP_SIZE[1])
        for y in range(0, EMPTY_MAP_SIZE[1], 40):
            painter.drawLine(0, y, EMPTY_MAP_SIZE[0], y)
        painter.end()
        return pixmap

    def _add_item(self, element: Element) -> IconItem:
        assert self.document is not None
        item = IconItem(element, self.cache, self.document.icon_size)
        item.tooltip_source = self.tooltip_source
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, self.edit_mode)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, self.edit_mode)
        item.setCursor(Qt.CursorShape.SizeAllCursor if self.edit_mode else Qt.CursorShape.PointingHandCursor)
        self.addItem(item)
        self.items_by_id[element.id] = item
        return item

    def _on_document(self, event: str, element: Element | None) -> None:
        if event == "background":
            self._load_background()
            return
        assert element is not None
        if event == "added":
            self._add_item(element)
        elif event == "removed":
            item = self.items_by_id.pop(element.id)
            self.removeItem(item)
        elif event == "changed":
            item = self.items_by_id[element.id]
            item.setPos(element.x, element.y)
            if item.caption != element.caption:
                item.set_caption(element.caption)

    # -- modes and states --------------------------------------------------------------------
    def set_edit_mode(self, editing: bool) -> None:
        self.edit_mode = editing
        for item in self.items_by_id.values():
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, editing)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, editing)
            item.setCursor(Qt.CursorShape.SizeAllCursor if editing else Qt.CursorShape.PointingHandCursor)
        if not editing:
            self.clearSelection()

    def apply_levels(self, levels: dict[str, Level], stale: bool, *, first: bool = False) -> None:
        """Show new states; an icon that turns bad (from a known better level) starts blinking."""
        now = time.monotonic()
        changed: list[IconItem] = []
        for element_id, item in self.items_by_id.items():
            level = levels.get(element_id, Level.UNKNOWN)
            if level is item.level and stale == item.stale:
                continue
            changed.append(item)
            if (
                not first
                and not stale
                and level is Level.BAD
                and item.level is not Level.BAD
                and item.level is not Level.UNKNOWN
            ):
                item.blink_until = now + BLINK_SECONDS
            item.level = level
            item.stale = stale
        if len(changed) > BULK_UPDATE:
            # One invalidation of the whole map instead of merging hundreds of item rectangles.
            self.update()
        else:
            for item in changed:
                item.update()
        blinking = any(item.blink_until > now for item in self.items_by_id.values())
        if blinking and not self.blink_timer.isActive():
            self.blink_timer.start()

    def _blink(self) -> None:
        now = time.monotonic()
        active = False
        for item in self.items_by_id.values():
            if item.blink_until > now:
                item.blink_on = not item.blink_on
                item.update()
                active = True
            elif item.blink_on:
                item.blink_on = False
                item.update()
        if not active:
            self.blink_timer.stop()

    # -- editing gestures --------------------------------------------------------------------
    def dragEnterEvent(self, event: QGraphicsSceneDragDropEvent | None) -> None:
        if event is not None and self.edit_mode and parse_element_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
        elif event is not None:
            event.ignore()

    def dragMoveEvent(self, event: QGraphicsSceneDragDropEvent | None) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QGraphicsSceneDragDropEvent | None) -> None:
        if event is None:
            return
        payload = parse_element_mime(event.mimeData())
        if not self.edit_mode or payload is None:
            event.ignore()
            return
        pos = event.scenePos()
        event.acceptProposedAction()
        self.element_dropped.emit(payload["kind"], payload["target"], payload["label"], pos.x(), pos.y())

    def _item_at(self, pos: QPointF) -> IconItem | None:
        for item in self.items(pos):
            if isinstance(item, IconItem):
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent | None) -> None:
        super().mousePressEvent(event)
        if event is None:
            return
        item = self._item_at(event.scenePos())
        self._press_item = item.element_id if item is not None else None
        self._press_positions = {
            i.element_id: (i.pos().x(), i.pos().y()) for i in self.items_by_id.values() if i.isSelected()
        }

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent | None) -> None:
        super().mouseReleaseEvent(event)
        if event is None:
            return
        if self.edit_mode:
            moves = []
            for element_id, old in self._press_positions.items():
                item = self.items_by_id.get(element_id)
                if item is None:
                    continue
                new = (round(item.pos().x(), 1), round(item.pos().y(), 1))
                if new != old:
                    moves.append((element_id, old, new))
            self._press_positions = {}
            if moves:
                self.elements_moved.emit(moves)
        elif event.button() == Qt.MouseButton.LeftButton and self._press_item is not None:
            item = self._item_at(event.scenePos())
            if item is not None and item.element_id == self._press_item:
                self.activated.emit(item.element_id)
        self._press_item = None

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent | None) -> None:
        if event is None or self.edit_mode:
            return
        item = self._item_at(event.scenePos())
        if item is not None:
            self.context_requested.emit(item.element_id, event.screenPos())
            event.accept()


class PlanGraphicsView(QGraphicsView):
    """Shows the whole map, scaled to the widget, smooth."""

    def __init__(self, scene: PlanScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        # Icons restore the painter themselves; saving it around each of a thousand items costs.
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )

    def fit(self) -> None:
        scene = self.scene()
        if scene is not None:
            self.fitInView(scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.fit()
