"""Icon pictures for Plan maps, rendered once per (kind, level, stale, size, blink) and cached:
repainting a map of a thousand icons is then a thousand pixmap blits, not a thousand gradients.

Shapes say what an icon stands for: a map (drill down) is a rounded square with a stack mark, a
service point a round marker, a metric a small rounded square. Colours are the OKO colours of
`probe.levels.LEVEL_COLOURS` painted by `console.level_paint` (the two-colour levels, acceptable
and edge, in halves: the first colour above, the second below, as on every view).
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
)

from console.level_paint import fill_level
from probe.levels import LEVEL_COLOURS, Level

SHADOW = QColor(0, 0, 0, 70)
MARGIN = 9  # room for the shadow and the blink halo


def _shape(kind: str, rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    if kind == "point":
        path.addEllipse(rect)
    elif kind == "map":
        path.addRoundedRect(rect, rect.width() * 0.22, rect.width() * 0.22)
    else:
        inset = rect.adjusted(
            rect.width() * 0.12, rect.height() * 0.12, -rect.width() * 0.12, -rect.height() * 0.12
        )
        path.addRoundedRect(inset, inset.width() * 0.18, inset.width() * 0.18)
    return path


def _fill(painter: QPainter, path: QPainterPath, rect: QRectF, level: Level, stale: bool) -> None:
    fill_level(painter, path, level, stale=stale)  # "yellow+green", "red+yellow": halves
    painter.save()
    painter.setClipPath(path)
    # A soft top light makes the icon read as a lamp rather than a flat swatch.
    gloss = QLinearGradient(rect.topLeft(), rect.bottomLeft())
    gloss.setColorAt(0.0, QColor(255, 255, 255, 110))
    gloss.setColorAt(0.5, QColor(255, 255, 255, 10))
    gloss.setColorAt(1.0, QColor(0, 0, 0, 40))
    painter.fillRect(rect, QBrush(gloss))
    painter.restore()


def _glyph(painter: QPainter, kind: str, rect: QRectF, stale: bool) -> None:
    painter.save()
    pen = QPen(QColor(255, 255, 255, 235), max(1.5, rect.width() / 16))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    c = rect.center()
    w = rect.width()
    if kind == "map" and not stale:
        # Three stacked sheets: "there is more below".
        for i in (-1, 0, 1):
            y = c.y() + i * w * 0.14
            painter.drawLine(QPointF(c.x() - w * 0.22, y), QPointF(c.x() + w * 0.22, y))
    elif kind == "point" and not stale:
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(c, w * 0.12, w * 0.12)
    if stale:
        cross = QPen(QColor(60, 60, 60, 200), max(1.5, w / 14))
        painter.setPen(cross)
        d = w * 0.18
        painter.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
        painter.drawLine(QPointF(c.x() + d, c.y() - d), QPointF(c.x() - d, c.y() + d))
    painter.restore()


def quantise_scale(scale: float) -> float:
    """View scales are rounded so that zooming does not fill the cache with near-duplicates."""
    return max(0.1, round(scale * 20) / 20)


class IconCache:
    """Pixmaps of icon bodies and labels at the view's scale (drawn 1:1 on screen, so a repaint
    is a blit per icon, never a scaled, filtered draw); GUI thread only."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[str, Level, bool, int, bool, bool, float], QPixmap] = {}
        self._labels: dict[tuple[str, float], QPixmap] = {}
        self.renders = 0  # how many bodies were actually drawn (the benchmark checks the cache works)

    def body(
        self,
        kind: str,
        level: Level,
        stale: bool,
        size: int,
        halo: bool = False,
        selected: bool = False,
        scale: float = 1.0,
    ) -> QPixmap:
        key = (kind, level, stale, size, halo, selected, scale)
        pixmap = self._bodies.get(key)
        if pixmap is None:
            pixmap = self._render_body(*key)
            self._bodies[key] = pixmap
        return pixmap

    def _render_body(
        self, kind: str, level: Level, stale: bool, size: int, halo: bool, selected: bool, scale: float
    ) -> QPixmap:
        self.renders += 1
        full = size + 2 * MARGIN
        pixels = max(1, round(full * scale))
        image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        rect = QRectF(MARGIN, MARGIN, size, size)
        shape = _shape(kind, rect)
        if halo:
            # The blink: a thick red ring with a glow around the icon.
            painter.setPen(QPen(QColor(217, 58, 43, 90), MARGIN))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(_shape(kind, rect.adjusted(-MARGIN / 2, -MARGIN / 2, MARGIN / 2, MARGIN / 2)))
            painter.setPen(QPen(QColor(LEVEL_COLOURS[Level.BAD][0]), 3.5))
            painter.drawPath(_shape(kind, rect.adjusted(-MARGIN / 2, -MARGIN / 2, MARGIN / 2, MARGIN / 2)))
        painter.fillPath(shape.translated(1.5, 2.5), SHADOW)
        _fill(painter, shape, rect, level, stale)
        border = QColor("#2b6cb0") if selected else QColor(255, 255, 255)
        painter.setPen(QPen(border, 3.0 if selected else 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(shape)
        painter.setPen(QPen(QColor(0, 0, 0, 90), 1.0))
        painter.drawPath(_shape(kind, rect.adjusted(-1.5, -1.5, 1.5, 1.5)))
        _glyph(painter, kind, rect, stale)
        painter.end()
        return QPixmap.fromImage(image)

    def label(self, text: str, scale: float = 1.0, point_size: int = 9) -> QPixmap:
        """The caption under an icon: dark text with a white halo, readable on any background."""
        key = (text, scale)
        pixmap = self._labels.get(key)
        if pixmap is not None:
            return pixmap
        font = QFont("DejaVu Sans", point_size)
        font.setBold(True)
        path = QPainterPath()
        path.addText(0, 0, font, text)
        bounds = path.boundingRect().adjusted(-4, -3, 4, 3)
        image = QImage(
            max(1, int(bounds.width() * scale) + 1),
            max(1, int(bounds.height() * scale) + 1),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        painter.translate(-bounds.left(), -bounds.top())
        stroker = QPainterPathStroker()
        stroker.setWidth(4.0)
        stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.fillPath(stroker.createStroke(path), QColor(255, 255, 255, 230))
        painter.fillPath(path, QColor("#1d2733"))
        painter.end()
        pixmap = QPixmap.fromImage(image)
        self._labels[key] = pixmap
        return pixmap
