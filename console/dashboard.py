"""Dashboard (SPEC §7): one screen for a manager's wall panel. Each tile shows, for the company, a
point or a region: a big lamp with the current interval's assessment (the worst of the scope's
assessed interval metrics), small rectangles with the assessments of the last hours, and the day's
Index = (positive − negative) / votes × 100 with its change against the same time yesterday.

Everything is painted with QPainter in sizes relative to the tile, so it reads from across a room
on any screen, and full-screen mode (F11) is one key away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PyQt6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget
from sqlalchemy import Engine

from console import i18n
from console.config import ConsoleConfig
from console.evidence import LampEvidence, lamp_evidence
from console.i18n import QT_TRANSLATE_NOOP, translate
from console.interval_data import scope_interval
from console.interval_panel import IntervalDialog
from console.level_paint import LEGEND_ORDER, LevelLegend, fill_level
from console.timeline_data import (
    IndexReading,
    Scope,
    hourly_levels_until,
    index_change,
    interval_levels,
    interval_seconds,
)
from console.worker import Loader, StaleBanner
from probe.config import ProbeConfig
from probe.levels import Level

BACKGROUND = QColor("#1d2430")
PANEL = QColor("#27303e")
TEXT = QColor("#f1f3f6")
MUTED = QColor("#9aa6b8")
UP = QColor("#3cc15a")
DOWN = QColor("#ff5a4a")


@dataclass
class TileState:
    """What one tile shows; filled from the aggregator by `load_tile`."""

    scope: Scope
    current: Level | None = None
    current_at: dt.datetime | None = None
    recent: list[tuple[dt.datetime, Level]] = field(default_factory=list)
    today: IndexReading | None = None
    yesterday: IndexReading | None = None
    evidence: LampEvidence | None = None  # how sure the lamp is (issue 21)
    # Issue 16: the rectangles before this moment are hourly trends (raw values pruned).
    hourly_until: dt.datetime | None = None

    @property
    def change(self) -> float | None:
        if self.today is None or self.yesterday is None:
            return None
        if self.today.value is None or self.yesterday.value is None:
            return None
        return self.today.value - self.yesterday.value


def load_tile(
    engine: Engine,
    scope: Scope,
    now: dt.datetime,
    tz: ZoneInfo,
    hours: int,
    tests: Sequence[str] = (),
    index_tests: Sequence[str] = ("LOYALTY_MON",),
) -> TileState:
    """A tile's lamp and rectangles from the interval assessments of `tests` (empty: every test,
    as the Plan counts a point's worst level), its Index from the day counts of `index_tests`."""
    recent = interval_levels(engine, scope, now - dt.timedelta(hours=hours), now, tests)
    state = TileState(scope, recent=recent)
    state.hourly_until = hourly_levels_until(engine, now - dt.timedelta(hours=hours)) if recent else None
    if recent:
        state.current_at, state.current = recent[-1]
        state.evidence = lamp_evidence(engine, scope, state.current_at, tests)
    state.today, state.yesterday = index_change(engine, scope, now, tz, index_tests)
    return state


def load_tiles(
    engine: Engine,
    scopes: Sequence[Scope],
    now: dt.datetime,
    tz: ZoneInfo,
    hours: int,
    tests: Sequence[str],
    index_tests: Sequence[str],
) -> list[TileState]:
    """Every tile's state in one read (runs off the GUI thread)."""
    return [load_tile(engine, scope, now, tz, hours, tests, index_tests) for scope in scopes]


def _fit(painter: QPainter, font: QFont, text: str, width: float) -> None:
    """Shrink the font until the text fits the width (long point names, long words)."""
    size = font.pixelSize()
    while size > 10 and QFontMetricsF(font).horizontalAdvance(text) > width:
        size = int(size * 0.9)
        font.setPixelSize(size)
    painter.setFont(font)


class DashboardTile(QWidget):
    """One scope's lamp, last hours and Index. A click on the lamp or on a rectangle asks for
    that interval (`interval_requested(scope, end)`)."""

    interval_requested = pyqtSignal(object, object)

    def __init__(self, state: TileState, *, hours: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.hours = hours
        self.tz: ZoneInfo | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def interval_at(self, pos: QPointF) -> dt.datetime | None:
        """The interval end a point of the tile shows: the lamp's, or a rectangle's."""
        if self.lamp_rect().contains(pos):
            return self.state.current_at
        for rect, (end, _level) in zip(self.recent_rects(), self.state.recent, strict=True):
            if rect.adjusted(-1, -2, 1, 2).contains(pos):
                return end
        return None

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            end = self.interval_at(event.position())
            if end is not None:
                self.interval_requested.emit(self.state.scope, end)
                return
        super().mousePressEvent(event)

    def set_state(self, state: TileState) -> None:
        self.state = state
        self.setToolTip(self.trends_note())
        self.update()

    def trends_note(self) -> str:
        """Says when the older rectangles are hourly trends (empty otherwise)."""
        until = self.state.hourly_until
        if until is None:
            return ""
        moment = until.astimezone(self.tz) if self.tz is not None else until
        return translate("Dashboard", "Hourly trends (worst level of each hour) before {time}").format(
            time=moment.strftime("%d.%m %H:%M")
        )

    # Geometry is public so that tests can click and read exactly what is drawn.
    def lamp_rect(self) -> QRectF:
        w, h = self.width(), self.height()
        size = min(w * 0.4, h * 0.46)
        return QRectF(w * 0.05 + (w * 0.4 - size) / 2, h * 0.18, size, size)

    def lamp_core_rect(self) -> QRectF:
        """The lamp without its outer band (the band shows the level the evidence supports)."""
        lamp = self.lamp_rect()
        band = lamp.width() * 0.16
        return lamp.adjusted(band, band, -band, -band)

    def evidence_caption(self) -> str:
        """How sure the lamp is, under its level: `sure · 95 %: 67–89 %, 50 votes`."""
        evidence = self.state.evidence
        if evidence is None or self.state.current is not evidence.level:
            return ""
        return evidence.caption()

    def slot_minutes(self) -> float:
        """The interval length, from the spacing of the stored ends (10 minutes by default)."""
        return interval_seconds([at for at, _ in self.state.recent]) / 60

    def recent_rects(self) -> list[QRectF]:
        """One rectangle per stored interval, placed by its time on a strip of the last hours
        (a missing interval leaves a hole instead of shifting the others)."""
        recent = self.state.recent
        if not recent:
            return []
        w, h = self.width(), self.height()
        left, right = w * 0.05, w * 0.95
        top, height = h * 0.84, h * 0.1
        slot = self.slot_minutes()
        slots = max(1, round(self.hours * 60 / slot))
        last_end = recent[-1][0]
        pitch = (right - left) / slots
        gap = max(1.0, pitch * 0.12)
        rects = []
        for at, _ in recent:
            index = slots - 1 - round((last_end - at).total_seconds() / 60 / slot)
            rects.append(QRectF(left + index * pitch, top, pitch - gap, height))
        return rects

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        painter.fillRect(self.rect(), PANEL)
        state = self.state

        title = QFont(self.font())
        title.setPixelSize(max(12, int(h * 0.085)))
        title.setBold(True)
        caption = self.scope_caption()
        _fit(painter, title, caption, w * 0.9)
        painter.setPen(TEXT)
        painter.drawText(
            QRectF(w * 0.05, h * 0.03, w * 0.9, h * 0.13),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            caption,
        )

        lamp = self.lamp_rect()
        path = QPainterPath()
        path.addEllipse(lamp)
        fill_level(painter, path, state.current)
        painter.setPen(QPen(QColor("#0b0f15"), max(2.0, lamp.width() * 0.03)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(lamp)
        evidence = state.evidence
        if evidence is not None and state.current is evidence.level and not evidence.sure:
            # The outer band in the colour the evidence supports: a red lamp ringed yellow-green is
            # "bad by the value, but the counts only prove acceptable".
            ring = QPainterPath()
            ring.addEllipse(lamp)
            inner = self.lamp_core_rect()
            ring.addEllipse(inner)
            fill_level(painter, ring, evidence.supported)
            painter.setPen(QPen(QColor("#0b0f15"), max(1.0, lamp.width() * 0.015)))
            painter.drawEllipse(inner)
        small = QFont(self.font())
        small.setPixelSize(max(10, int(h * 0.05)))
        painter.setFont(small)
        painter.setPen(MUTED)
        level_text = i18n.level_text(state.current or Level.UNKNOWN)
        if state.current_at is not None and self.tz is not None:
            level_text += " · " + i18n.local_text(state.current_at, self.tz, "HH:mm")
        painter.drawText(
            QRectF(w * 0.02, lamp.bottom() + h * 0.01, w * 0.46, h * 0.07),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            level_text,
        )
        sureness = self.evidence_caption()
        if sureness:
            tiny = QFont(small)
            tiny.setPixelSize(max(9, int(h * 0.04)))
            _fit(painter, tiny, sureness, w * 0.46)
            painter.drawText(
                QRectF(w * 0.02, lamp.bottom() + h * 0.065, w * 0.46, h * 0.06),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                sureness,
            )

        self._paint_index(painter, QRectF(w * 0.52, h * 0.18, w * 0.45, h * 0.6))

        for rect, (_, level) in zip(self.recent_rects(), state.recent, strict=True):
            shape = QPainterPath()
            shape.addRoundedRect(rect, 2, 2)
            fill_level(painter, shape, level)
        painter.setFont(small)
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(w * 0.05, h * 0.755, w * 0.9, h * 0.07),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            self.recent_caption(),
        )
        painter.end()

    def recent_caption(self) -> str:
        """Under the rectangles: their span, and when the older ones are hourly trends."""
        caption = translate("Dashboard", "last {hours} h").format(hours=self.hours)
        if self.state.hourly_until is not None:
            caption += " · " + translate("Dashboard", "hourly trends")
        return caption

    def scope_caption(self) -> str:
        scope = self.state.scope
        return translate("Dashboard", "Company total") if scope.kind == "company" else scope.label

    def change_text(self) -> str:
        """The Index's change against the same time yesterday: "▼ 4,2 за сутки"."""
        change = self.state.change
        if change is None:
            return translate("Dashboard", "no data yesterday")
        arrow = "▲" if change > 0.05 else "▼" if change < -0.05 else "="
        return translate("Dashboard", "{arrow} {change} vs yesterday").format(
            arrow=arrow, change=i18n.number(abs(change), 1)
        )

    @staticmethod
    def index_caption() -> str:
        return translate("Dashboard", "Loyalty index")

    def _paint_index(self, painter: QPainter, area: QRectF) -> None:
        state = self.state
        h = self.height()
        label = QFont(self.font())
        label.setPixelSize(max(10, int(h * 0.055)))
        painter.setFont(label)
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(area.left(), area.top(), area.width(), area.height() * 0.18),
            Qt.AlignmentFlag.AlignLeft,
            self.index_caption(),
        )
        big = QFont(self.font())
        big.setPixelSize(max(18, int(h * 0.24)))
        big.setBold(True)
        value = None if state.today is None else state.today.value
        if value is None:
            big.setPixelSize(max(14, int(h * 0.1)))
            painter.setPen(MUTED)
        else:
            painter.setPen(TEXT)
        text = translate("Dashboard", "no data") if value is None else i18n.signed(value, 1)
        _fit(painter, big, text, area.width())
        painter.drawText(
            QRectF(area.left(), area.top() + area.height() * 0.15, area.width(), area.height() * 0.45),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        change = state.change
        medium = QFont(self.font())
        medium.setPixelSize(max(12, int(h * 0.09)))
        medium.setBold(True)
        box = QRectF(area.left(), area.top() + area.height() * 0.62, area.width(), area.height() * 0.3)
        if change is None:
            painter.setFont(label)
            painter.setPen(MUTED)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                translate("Dashboard", "no data yesterday"),
            )
            return
        painter.setPen(UP if change > 0.05 else DOWN if change < -0.05 else MUTED)
        text = self.change_text()
        _fit(painter, medium, text, area.width())
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


class DashboardView(QWidget):
    """A grid of tiles, refreshed from the aggregator every `refresh_seconds`."""

    def __init__(
        self,
        engine: Engine,
        tz: ZoneInfo,
        scopes: Sequence[Scope],
        *,
        hours: int = 6,
        columns: int = 2,
        tests: Sequence[str] = (),
        index_tests: Sequence[str] = ("LOYALTY_MON",),
        refresh_seconds: float = 30.0,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.tz = tz
        self.hours = hours
        self.tests = tuple(tests)  # whose assessments light the lamps (empty: every test)
        self.index_tests = tuple(index_tests)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), BACKGROUND)
        self.setPalette(palette)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 6)
        layout = QGridLayout()
        layout.setSpacing(12)
        layout.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(layout, 1)
        self.banner = StaleBanner(tz)
        outer.insertWidget(0, self.banner)
        self.legend = LevelLegend({level: i18n.level_text(level) for level in LEGEND_ORDER}, dark=True)
        outer.addWidget(self.legend)
        self.interval_dialog: IntervalDialog | None = None
        self.loader = Loader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self.banner.mark_failed)
        self.tiles: list[DashboardTile] = []
        for index, scope in enumerate(scopes):
            tile = DashboardTile(TileState(scope), hours=hours)
            tile.tz = tz
            tile.interval_requested.connect(self.open_interval)
            self.tiles.append(tile)
            layout.addWidget(tile, index // max(1, columns), index % max(1, columns))
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(int(refresh_seconds * 1000))
        self.refresh()

    def refresh(self) -> None:
        """Read every tile again, off the GUI thread. When the read fails the tiles keep their
        last picture and the banner says since when and why."""
        now = self.clock()
        scopes = [tile.state.scope for tile in self.tiles]
        self.loader.start(
            load_tiles, self.engine, scopes, now, self.tz, self.hours, self.tests, self.index_tests
        )

    def _loaded(self, states: object) -> None:
        assert isinstance(states, list)
        for tile, state in zip(self.tiles, states, strict=True):
            tile.set_state(state)
        self.banner.mark_good()

    def open_interval(self, scope: object, end: object) -> IntervalDialog:
        """The interval panel for a tile's lamp or rectangle: the scope's worst metric then."""
        assert isinstance(scope, Scope) and isinstance(end, dt.datetime)
        if self.interval_dialog is None:
            self.interval_dialog = IntervalDialog(self.engine, self.tz, self)
        self.interval_dialog.panel.load(scope_interval, self.engine, scope, end, self.tests)
        self.interval_dialog.show()
        self.interval_dialog.raise_()
        return self.interval_dialog

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and event.key() == Qt.Key.Key_F11:
            window = self.window()
            if window is not None:
                window.showNormal() if window.isFullScreen() else window.showFullScreen()
            return
        super().keyPressEvent(event)


class ViewContext(Protocol):
    """What the console application hands a view (console.views.ConsoleContext)."""

    config: ProbeConfig

    @property
    def engine(self) -> Engine: ...


TITLE_KEY = QT_TRANSLATE_NOOP("Views", "Dashboard")


def create_view(context: ViewContext) -> QWidget:
    """The Dashboard as a console view, from `[console.dashboard]` (defaults without it)."""
    console = context.config.explicit_section(ConsoleConfig) or ConsoleConfig()
    settings = console.dashboard
    return DashboardView(
        context.engine,
        context.config.tz,
        [Scope.parse(tile) for tile in settings.tiles],
        hours=settings.hours,
        columns=settings.columns,
        tests=console.level_tests,
        index_tests=settings.tests,
        refresh_seconds=settings.refresh_seconds,
    )
