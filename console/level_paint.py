"""How an assessment (OKO) looks on screen: the one painter every console view uses.

SPEC §4: good green · acceptable yellow+green · attention yellow · edge red+yellow · bad red ·
unknown grey. A two-colour level is always painted the same way, whatever the shape: its first
colour above the middle, its second colour below (a lamp, an icon, a table cell, a rectangle of a
history strip, a chart dot, a legend swatch). So "допустимо" never reads as plain "внимание" and
"на грани" never as plain "плохо", on any screen.

Everything here draws through `fill_level` (QPainter shapes) or `strip_pixels` (the same two
halves as image rows, for strips of thousands of intervals drawn by pyqtgraph as one image).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPaintEvent,
    QPen,
)
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidgetItem,
    QWidget,
)

from probe.levels import LEVEL_COLOURS, Level

STALE_COLOUR = QColor("#8c8f94")
NOT_ASSESSED = None
# Item data role holding a level's value ("good", …) for table cells painted by `LevelDelegate`.
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 17
STALE_ROLE = Qt.ItemDataRole.UserRole + 18
TEXT_DARK = QColor("#1d2733")
HALO = QColor(255, 255, 255, 215)
# Level order for legends and threshold tables (unknown last).
LEGEND_ORDER = (Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD, Level.UNKNOWN)


def colours(level: Level | None, *, stale: bool = False) -> tuple[QColor, QColor]:
    """(first, second) colour of a level; the same twice for single-colour levels. Stale data
    and "not assessed" are grey."""
    if stale:
        return STALE_COLOUR, STALE_COLOUR
    first, second = LEVEL_COLOURS[level or Level.UNKNOWN]
    return QColor(first), QColor(second)


def is_two_colour(level: Level | None) -> bool:
    return level is not None and LEVEL_COLOURS[level][0] != LEVEL_COLOURS[level][1]


def fill_level(
    painter: QPainter, shape: QPainterPath | QRectF, level: Level | None, *, stale: bool = False
) -> None:
    """Fill `shape` in the level's colours: the first above the middle, the second below."""
    path = shape if isinstance(shape, QPainterPath) else _rect_path(shape)
    rect = path.boundingRect()
    first, second = colours(level, stale=stale)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(first)
    painter.drawPath(path)
    if second != first:
        lower = QRectF(rect.left() - 1, rect.center().y(), rect.width() + 2, rect.height() / 2 + 1)
        painter.setClipPath(path)
        painter.fillRect(lower, second)
    painter.restore()


def _rect_path(rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    path.addRect(rect)
    return path


def draw_haloed_text(
    painter: QPainter,
    rect: QRectF,
    text: str,
    font: QFont,
    align: Qt.AlignmentFlag,
    colour: QColor = TEXT_DARK,
) -> None:
    """Dark text with a light outline: readable across both halves of a two-colour fill."""
    if not text:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    metrics = QFontMetricsF(font)  # the units QPainterPath.addText uses
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0.0, rect.width()))
    width = metrics.horizontalAdvance(shown)
    if align & Qt.AlignmentFlag.AlignRight:
        x = rect.right() - width
    elif align & Qt.AlignmentFlag.AlignHCenter:
        x = rect.center().x() - width / 2
    else:
        x = rect.left()
    # Centre the letters' height (a capital's top to a descender's bottom) in the cell.
    reference = QPainterPath()
    reference.addText(QPointF(0, 0), font, "Ну")
    box = reference.boundingRect()
    y = rect.center().y() - (box.top() + box.height() / 2)
    path = QPainterPath()
    path.addText(QPointF(x, y), font, shown)
    stroker = QPainterPathStroker()
    stroker.setWidth(3.0)
    stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.fillPath(stroker.createStroke(path), HALO)
    painter.fillPath(path, colour)
    painter.restore()


# --- table cells ----------------------------------------------------------------------------------


def set_level(item: QTableWidgetItem, level: Level | None, *, stale: bool = False) -> QTableWidgetItem:
    """Mark a table item as showing `level`: `LevelDelegate` paints it in the level's colours."""
    item.setData(LEVEL_ROLE, None if level is None else level.value)
    item.setData(STALE_ROLE, stale)
    return item


def level_of(index: QModelIndex | QPersistentModelIndex) -> Level | None:
    value = index.data(LEVEL_ROLE)
    return Level(value) if isinstance(value, str) and value else None


class LevelDelegate(QStyledItemDelegate):
    """Paints cells carrying a level (`set_level`) in its colours, text haloed on top; other
    cells as usual. A selected level cell keeps its colours and gets a frame instead."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)  # type: ignore[arg-type]
        if level_of(index) is not None:
            hint.setWidth(hint.width() + 12)  # the margins the haloed text is drawn within
        return hint

    def paint(
        self,
        painter: QPainter | None,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        level = level_of(index)
        if painter is None or level is None:
            super().paint(painter, option, index)  # type: ignore[arg-type]
            return
        rect = QRectF(option.rect)
        stale = bool(index.data(STALE_ROLE))
        painter.save()
        fill_level(painter, rect, level, stale=stale)
        font = index.data(Qt.ItemDataRole.FontRole)
        if not isinstance(font, QFont):
            font = QFont(option.font)
        align = index.data(Qt.ItemDataRole.TextAlignmentRole)
        alignment = Qt.AlignmentFlag(align) if isinstance(align, int) else Qt.AlignmentFlag.AlignLeft
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        draw_haloed_text(painter, rect.adjusted(5, 0, -5, 0), text, font, alignment)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(QColor("#2b6cb0"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()


# --- strips of intervals (pyqtgraph images) -------------------------------------------------------


def _rgba(colour: str) -> tuple[int, int, int, int]:
    c = QColor(colour)
    return c.red(), c.green(), c.blue(), 255


# Level code i ↔ tuple(Level)[i] (console.timeline_data.LEVEL_CODES); -1 = not assessed.
_CODES = tuple(Level)
FIRST_LUT = np.array([_rgba(LEVEL_COLOURS[level][0]) for level in _CODES], dtype=np.uint8)
SECOND_LUT = np.array([_rgba(LEVEL_COLOURS[level][1]) for level in _CODES], dtype=np.uint8)


GAP_PIXELS = 8  # pixels per interval when intervals are drawn apart: 7 coloured, 1 clear


def strip_pixels(columns: np.ndarray, codes: np.ndarray, count: int, *, gaps: bool = False) -> np.ndarray:
    """A strip image for pyqtgraph (`axisOrder="col-major"`: [x, y, rgba], y 0 at the bottom):
    `count` interval slots, the level `codes[i]` in slot `columns[i]`, the first colour in the
    upper row and the second in the lower one; empty slots are transparent. With `gaps` each slot
    is `GAP_PIXELS` wide with a clear last column, so neighbouring intervals read apart (for a few
    dozen intervals; thousands are drawn edge to edge)."""
    inside = (columns >= 0) & (columns < count) & (codes >= 0)
    chosen = codes[inside].astype(np.intp)
    slots = columns[inside]
    if not gaps:
        pixels = np.zeros((count, 2, 4), dtype=np.uint8)
        pixels[slots, 1] = FIRST_LUT[chosen]
        pixels[slots, 0] = SECOND_LUT[chosen]
        return pixels
    pixels = np.zeros((count * GAP_PIXELS, 2, 4), dtype=np.uint8)
    for offset in range(GAP_PIXELS - 1):
        pixels[slots * GAP_PIXELS + offset, 1] = FIRST_LUT[chosen]
        pixels[slots * GAP_PIXELS + offset, 0] = SECOND_LUT[chosen]
    return pixels


def strip_item(
    columns: np.ndarray, codes: np.ndarray, count: int, rect: QRectF, *, gaps: bool = False
) -> pg.ImageItem:
    """The strip as one image item covering `rect` (view coordinates)."""
    image = pg.ImageItem(axisOrder="col-major")
    image.setImage(strip_pixels(columns, codes, count, gaps=gaps), autoLevels=False, levels=(0, 255))
    image.setRect(rect)
    return image


def interval_strip(
    ends: np.ndarray,
    codes: np.ndarray,
    slot: float,
    bottom: float,
    height: float,
    *,
    to_x: Callable[[np.ndarray], np.ndarray] | None = None,
    gaps: bool = False,
) -> pg.ImageItem | None:
    """One rectangle per evaluated interval (interval ends `ends` in epoch seconds, levels as
    codes), placed by time: a missing interval leaves a hole. `to_x` maps epoch seconds to the
    plot's x (default: as they are); the strip spans y from `bottom` to `bottom + height`."""
    if len(ends) == 0 or not (codes >= 0).any():
        return None
    first_start = float(ends[0]) - slot
    count = max(1, round((float(ends[-1]) - first_start) / slot))
    columns = np.rint((ends - first_start) / slot).astype(np.intp) - 1
    x0, x1 = (to_x or (lambda x: x))(np.array([first_start, float(ends[-1])]))
    rect = QRectF(float(x0), bottom, float(x1 - x0), height)
    return strip_item(columns, codes, count, rect, gaps=gaps)


def threshold_pens(level: Level, style: Qt.PenStyle = Qt.PenStyle.DashLine, width: float = 1.5) -> list[QPen]:
    """A threshold line in the colours of the level that starts at it: for a two-colour level a
    wider solid line in the second colour under the first colour's line (drawn in `style`)."""
    first, second = colours(level)
    line = pg.mkPen(first, width=width, style=style)
    if second == first:
        return [line]
    return [pg.mkPen(second, width=width * 2.4), line]


# --- chart dots (pyqtgraph scatter) ---------------------------------------------------------------


def _lower_half_disc() -> QPainterPath:
    # pyqtgraph draws symbols in a unit box centred on the point with y pointing down.
    path = QPainterPath()
    path.moveTo(-0.5, 0.0)
    path.arcTo(QRectF(-0.5, -0.5, 1.0, 1.0), 180.0, 180.0)
    path.closeSubpath()
    return path


LOWER_HALF_DISC = _lower_half_disc()


def add_level_dots(
    plot: pg.PlotItem | pg.PlotWidget,
    xs: list[float],
    ys: list[float],
    levels: list[Level | None],
    *,
    size: float = 9,
) -> list[pg.ScatterPlotItem]:
    """Dots in their levels' colours: a disc in the first colour and, for two-colour levels, its
    lower half in the second."""
    firsts = [pg.mkBrush(colours(level)[0]) for level in levels]
    whole = pg.ScatterPlotItem(xs, ys, symbol="o", size=size, brush=firsts, pen=pg.mkPen("w", width=1))
    items = [whole]
    halves = [(x, y, level) for x, y, level in zip(xs, ys, levels, strict=True) if is_two_colour(level)]
    if halves:
        lower = pg.ScatterPlotItem(
            [x for x, _, _ in halves],
            [y for _, y, _ in halves],
            symbol=LOWER_HALF_DISC,
            size=size - 2,
            brush=[pg.mkBrush(colours(level)[1]) for _, _, level in halves],
            pen=pg.mkPen(None),
        )
        items.append(lower)
    for item in items:
        plot.addItem(item)
    return items


# --- legend ---------------------------------------------------------------------------------------


class LevelSwatch(QWidget):
    """A small square in a level's colours (legends)."""

    def __init__(self, level: Level, size: int = 14, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = level
        self.setFixedSize(QSize(size, size))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        fill_level(painter, rect, self.level)
        painter.setPen(QPen(QColor(0, 0, 0, 70), 1))
        painter.drawRect(rect)
        painter.end()


class LevelLegend(QWidget):
    """One swatch and name per level, in a row: what the colours of the view mean."""

    def __init__(self, names: dict[Level, str], parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        from PyQt6.QtWidgets import QLabel  # local: only legends need it

        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(6)
        self.swatches: dict[Level, LevelSwatch] = {}
        for level in LEGEND_ORDER:
            swatch = LevelSwatch(level)
            self.swatches[level] = swatch
            label = QLabel(names[level])
            if dark:
                label.setStyleSheet("color: #c9d1dc;")
            row.addWidget(swatch)
            row.addWidget(label)
            row.addSpacing(8)
        row.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
