"""Cockpit (SPEC §7), the analyst's tool: every assessment (OKO) and every loyalty driver on one
shared time axis, as readable as a state timeline.

Rows are grouped point → test → metric under headers, so a row is labelled only by what tells it
apart ("% негативных ответов · 10 мин"). Each row is a tall strip of coloured rectangles (one per
evaluated interval, two-coloured for acceptable and edge) with the metric's values drawn under it
on the row's own scale, its minimum and maximum written beside it with the unit. By default the
rows are the assessed metrics of the chosen points; unassessed counters are one tick away.
Hovering shows the interval, value, level and thresholds; clicking a rectangle shows what
produced it.

All rows live in one pyqtgraph plot (one y unit = one screen pixel, scrolled by the bar on the
right), so zoom and pan in time are linked by construction and cost one repaint; each strip is a
small image the GPU scales. Labels and scales are painted beside the plot by `RowLabels`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPoint, QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QWheelEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFileDialog,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from console.axes import LocalDateAxis
from console.baseline_dialog import BaselineDialog
from console.cockpit_rows import (
    ROW,
    STRIP,
    VALUES,
    CockpitData,
    Entry,
    RowChoice,
    RowDrawing,
    WallClock,
    load_cockpit,
    row_drawing,
)
from console.config import ConsoleConfig
from console.dashboard import ViewContext
from console.i18n import QT_TRANSLATE_NOOP, format_value, level_text, local_text, translate
from console.interval_panel import IntervalPanel
from console.level_paint import LEGEND_ORDER, LevelLegend
from console.plan.point_page import ThresholdTableWidget, threshold_rows
from console.timeline_data import HistoryPoint, MetricHistory
from console.worker import Loader, StaleBanner, Steps
from probe.config import ProbeConfig

LAYOUT_FORMAT = "prolan-cockpit/1"
PRESETS = (6, 24, 24 * 7)  # hours
LABEL_WIDTH = 330  # pixels for group headers, row names and value scales left of the plot
ROWS_PER_STEP = 12  # rows put on the plot per turn of the event loop
HEADER_BAND = QColor("#e8edf3")
TEST_BAND = QColor("#f3f6f9")


def preset_caption(hours: int) -> str:
    """A range button: "6 ч", "24 ч", "7 д" (whole days in days)."""
    if hours % 24 == 0 and hours > 24:
        return translate("Cockpit", "{n} d").format(n=hours // 24)
    return translate("Cockpit", "{n} h").format(n=hours)


class LayoutError(ValueError):
    """A cockpit layout file that cannot be used; the message names the file and the key."""


@dataclass
class CockpitLayout:
    """Which rows to show and over what range. A metric is shown when it matches every given
    filter (and, unless `unassessed`, has assessments in the range); `keys`, when given, adds
    those metrics whatever the filters say."""

    tests: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    name_contains: str = ""
    keys: list[str] = field(default_factory=list)
    hours: int = 24
    max_rows: int = 200
    unassessed: bool = False

    def to_json(self) -> str:
        return json.dumps({"format": LAYOUT_FORMAT, **asdict(self)}, ensure_ascii=False, indent=1)

    @classmethod
    def from_file(cls, path: Path) -> CockpitLayout:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise LayoutError(f"{path}: cannot read: {exc.strerror}") from None
        except ValueError as exc:
            raise LayoutError(f"{path}: not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != LAYOUT_FORMAT:
            raise LayoutError(f"{path}: key 'format': expected {LAYOUT_FORMAT!r}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known - {"format"})
        if unknown:
            raise LayoutError(f"{path}: unknown key '{unknown[0]}'")
        layout = cls()
        for key in ("tests", "points", "keys"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise LayoutError(f"{path}: key '{key}': expected a list of strings")
            setattr(layout, key, value)
        if not isinstance(data.get("name_contains", ""), str):
            raise LayoutError(f"{path}: key 'name_contains': expected a string")
        layout.name_contains = data.get("name_contains", "")
        if not isinstance(data.get("unassessed", False), bool):
            raise LayoutError(f"{path}: key 'unassessed': expected true or false")
        layout.unassessed = data.get("unassessed", False)
        for key in ("hours", "max_rows"):
            value = data.get(key, getattr(layout, key))
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LayoutError(f"{path}: key '{key}': expected a positive whole number")
            setattr(layout, key, value)
        return layout

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.to_json() + "\n", encoding="utf-8")
        tmp.replace(path)  # never leave a half-written layout behind


def row_words() -> Callable[[str, int], str]:
    """The interface's words for group headers and periods, looked up now (on the GUI thread)
    for a load that may run elsewhere."""
    words = {
        "company": translate("Cockpit", "Company total"),
        "test": translate("Cockpit", "The tests themselves"),
        "interval": translate("Cockpit", "{n} min"),
        "day": translate("Cockpit", "day"),
    }
    return lambda kind, n: words[kind].format(n=n)


@dataclass(frozen=True)
class ValueScale:
    """A row's values mapped into its band: `low` at the band's bottom, `high` at its top."""

    low: float
    high: float


class RowLabels(QWidget):
    """Left of the plot: group headers, row names and each row's value scale (its maximum at the
    top of the values, its minimum at the bottom, with the unit), following the plot's scroll."""

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__(cockpit)
        self.cockpit = cockpit
        self.setFixedWidth(LABEL_WIDTH)
        self.setMouseTracking(True)
        self.header_font = QFont(self.font())
        self.header_font.setBold(True)
        self.header_font.setPointSize(self.font().pointSize() + 1)
        self.test_font = QFont(self.font())
        self.test_font.setBold(True)
        self.row_font = QFont(self.font())
        self.scale_font = QFont(self.font())
        self.scale_font.setPointSize(max(6, self.font().pointSize() - 1))

    def y_of(self, plot_y: float) -> float:
        """Where a plot y (pixels from the top of the list, negated) is on this widget."""
        cockpit = self.cockpit
        scene = cockpit.view_box.mapViewToScene(QPointF(0, plot_y))
        local = cockpit.plot.mapFromScene(scene)
        return float(self.mapFromGlobal(cockpit.plot.mapToGlobal(local)).y())

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        cockpit = self.cockpit
        width = self.width()
        for entry in cockpit.data.entries:
            top = self.y_of(-entry.top)
            bottom = self.y_of(-(entry.top + entry.height))
            if bottom < 0 or top > self.height():
                continue
            if entry.kind == "point":
                painter.fillRect(QRectF(0, top, width, bottom - top), HEADER_BAND)
                painter.setFont(self.header_font)
                painter.setPen(QColor("#1d2733"))
                text = f"{entry.text}   {entry.detail}".strip() if entry.detail else entry.text
                painter.drawText(
                    QRectF(8, top, width - 12, bottom - top),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    QFontMetrics(self.header_font).elidedText(text, Qt.TextElideMode.ElideRight, width - 16),
                )
            elif entry.kind == "test":
                painter.fillRect(QRectF(0, top, width, bottom - top), TEST_BAND)
                painter.setFont(self.test_font)
                painter.setPen(QColor("#33404d"))
                painter.drawText(
                    QRectF(20, top, width - 24, bottom - top),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    entry.text,
                )
            else:
                self._paint_row(painter, entry, top, width)
        painter.setPen(QPen(QColor("#c9d1dc"), 1))
        painter.drawLine(width - 1, 0, width - 1, self.height())
        painter.end()

    def _paint_row(self, painter: QPainter, entry: Entry, top: float, width: int) -> None:
        cockpit = self.cockpit
        strip_bottom = self.y_of(-(entry.top + STRIP))
        painter.setFont(self.row_font)
        painter.setPen(QColor("#1d2733"))
        metrics = QFontMetrics(self.row_font)
        painter.drawText(
            QRectF(32, top, width - 36, strip_bottom - top),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(entry.text, Qt.TextElideMode.ElideRight, width - 40),
        )
        scale = cockpit.scales.get(entry.index)
        if scale is None:
            return
        unit = cockpit.data.histories[entry.index].info.unit
        band_top = self.y_of(-(entry.top + STRIP + 4))
        band_bottom = self.y_of(-(entry.top + STRIP + VALUES - 2))
        painter.setFont(self.scale_font)
        painter.setPen(QColor("#5b6673"))
        right = QRectF(32, band_top - 2, width - 40, 14)
        painter.drawText(
            right, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, format_value(scale.high, unit)
        )
        low = QRectF(32, band_bottom - 12, width - 40, 14)
        painter.drawText(
            low, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, format_value(scale.low, unit)
        )
        painter.setPen(QPen(QColor("#d5dbe3"), 1))
        painter.drawLine(int(width - 6), int(band_top), int(width - 6), int(band_bottom))

    def wheelEvent(self, event: QWheelEvent | None) -> None:
        if event is not None:
            self.cockpit.scroll_bar.setValue(self.cockpit.scroll_bar.value() - event.angleDelta().y())

    def entry_at(self, y: float) -> Entry | None:
        for entry in self.cockpit.data.entries:
            if self.y_of(-entry.top) <= y < self.y_of(-(entry.top + entry.height)):
                return entry
        return None

    def event(self, event: Any) -> bool:
        if event.type() == event.Type.ToolTip:
            entry = self.entry_at(event.pos().y())
            if entry is not None and entry.kind == "metric":
                QToolTip.showText(event.globalPos(), entry.detail, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


def trend_note(data: CockpitData, tz: dt.tzinfo) -> str:
    """Where the rows show hourly trends rather than every evaluation (empty: nowhere)."""
    until = max((h.trend_until for h in data.histories if h.trend_until is not None), default=None)
    if until is None or data.since is None or until <= data.since.timestamp():
        return ""
    moment = dt.datetime.fromtimestamp(until, dt.UTC).astimezone(tz)
    return translate(
        "Cockpit", "Before {time}: hourly trends (mean value, worst level); raw values after it."
    ).format(time=moment.strftime("%d.%m.%Y %H:%M"))


class Cockpit(QWidget):
    def __init__(
        self,
        engine: Engine,
        tz: ZoneInfo,
        layout: CockpitLayout | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.tz = tz
        self.probe_config: ProbeConfig | None = None  # set by create_view: its rules, for the dialog
        self.layout_spec = layout or CockpitLayout()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.data = CockpitData()
        self.scales: dict[int, ValueScale] = {}
        self.until = self.clock()
        self.since = self.until - dt.timedelta(hours=self.layout_spec.hours)
        self.strips: list[pg.ImageItem] = []
        self.bands: list[QGraphicsRectItem] = []
        # One curve per row: Qt skips the rows scrolled out of view, so a pan or zoom step
        # paints only the visible rows' values.
        self.curves: dict[int, pg.PlotCurveItem] = {}
        self.curve_pen = pg.mkPen("#2b5fa6", width=1, cosmetic=True)
        self.selected: tuple[int, HistoryPoint] | None = None
        self.wall = WallClock(tz)
        self.steps = Steps(self)

        # Filters and range.
        self.tests_edit = QLineEdit(", ".join(self.layout_spec.tests))
        self.points_edit = QLineEdit(", ".join(self.layout_spec.points))
        self.contains_edit = QLineEdit(self.layout_spec.name_contains)
        self.unassessed_box = QCheckBox(translate("Cockpit", "Unassessed counters"))
        self.unassessed_box.setChecked(self.layout_spec.unassessed)
        self.unassessed_box.setToolTip(
            translate("Cockpit", "Also show metrics without a threshold table (counts, sums)")
        )
        show = QPushButton(translate("Cockpit", "Show"))
        show.clicked.connect(self.apply_filters)
        filters = QHBoxLayout()
        for label, edit in (
            (translate("Cockpit", "Tests"), self.tests_edit),
            (translate("Cockpit", "Points"), self.points_edit),
            (translate("Cockpit", "Name contains"), self.contains_edit),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(edit, 1)
        filters.addWidget(self.unassessed_box)
        filters.addWidget(show)
        ranges = QHBoxLayout()
        ranges.addWidget(QLabel(translate("Cockpit", "Range")))
        self.preset_buttons: dict[int, QPushButton] = {}
        for hours in PRESETS:
            button = QPushButton(preset_caption(hours))
            button.clicked.connect(lambda _=False, h=hours: self.set_range_hours(h))
            self.preset_buttons[hours] = button
            ranges.addWidget(button)
        self.from_edit = QDateTimeEdit()
        self.to_edit = QDateTimeEdit()
        for date_edit in (self.from_edit, self.to_edit):
            date_edit.setDisplayFormat("dd.MM.yyyy HH:mm")
            date_edit.setCalendarPopup(True)
        custom = QPushButton(translate("Cockpit", "Period"))
        custom.clicked.connect(self.apply_custom_range)
        ranges.addWidget(self.from_edit)
        ranges.addWidget(self.to_edit)
        ranges.addWidget(custom)
        ranges.addStretch(1)
        self.legend = LevelLegend({level: level_text(level) for level in LEGEND_ORDER})
        save = QPushButton(translate("Cockpit", "Save layout…"))
        save.clicked.connect(self._save_dialog)
        load = QPushButton(translate("Cockpit", "Open layout…"))
        load.clicked.connect(self._load_dialog)
        ranges.addWidget(save)
        ranges.addWidget(load)

        # The shared time axis: x = local wall-clock seconds (so ticks read in the probe's zone).
        self.plot = pg.PlotWidget(background="w", axisItems={"bottom": LocalDateAxis(utcOffset=0)})
        item = self.plot.getPlotItem()
        assert item is not None
        item.hideAxis("left")
        item.hideButtons()
        item.setContentsMargins(0, 4, 8, 0)
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        self.plot.getAxis("bottom").setTextPen(pg.mkPen("#2a2f36"))
        self.view_box: pg.ViewBox = item.getViewBox()
        self.view_box.setMouseEnabled(x=True, y=False)
        # The ranges are set here (time by the range, rows by the scroll bar): bounding every
        # item for an automatic range would cost more than drawing them.
        self.view_box.disableAutoRange()
        self.view_box.sigResized.connect(self._fit_rows)
        self.view_box.sigYRangeChanged.connect(self._labels_follow)
        self.crosshair = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#555555", style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.crosshair, ignoreBounds=True)
        scene = self.plot.scene()
        assert scene is not None
        self.mouse_proxy = pg.SignalProxy(scene.sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        scene.sigMouseClicked.connect(self._mouse_clicked)
        self.labels = RowLabels(self)
        self.scroll_bar = QScrollBar(Qt.Orientation.Vertical)
        self.scroll_bar.valueChanged.connect(self._fit_rows)
        rows_area = QWidget()
        rows_box = QHBoxLayout(rows_area)
        rows_box.setContentsMargins(0, 0, 0, 0)
        rows_box.setSpacing(0)
        rows_box.addWidget(self.labels)
        rows_box.addWidget(self.plot, 1)
        rows_box.addWidget(self.scroll_bar)

        # Below: the whole interval of the clicked rectangle.
        self.banner = StaleBanner(tz)
        self.panel = IntervalPanel(engine, tz)
        # Threshold advice for the clicked metric at its point (typical values from its history).
        self.advice_button = QPushButton(translate("Cockpit", "Suggest thresholds…"))
        self.advice_button.setEnabled(False)
        self.advice_button.clicked.connect(self.open_advice)
        self.panel.head.addWidget(self.advice_button)
        self.advice: BaselineDialog | None = None
        # The rows take the room until a rectangle is clicked; then the panel gets its share.
        self.hint = QLabel(translate("Cockpit", "Click a rectangle to see its whole interval below."))
        self.hint.setStyleSheet("color: #5b6673; padding: 2px 4px;")
        # Issue 16: says where the rows show hourly trends (raw values pruned) instead of every
        # evaluation; hidden when the whole range is raw values.
        self.trend_note = QLabel()
        self.trend_note.setStyleSheet("color: #5b6673; padding: 2px 4px;")
        self.trend_note.setVisible(False)
        self.panel.setVisible(False)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(rows_area)
        self.split.addWidget(self.panel)
        self.loader = Loader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self.banner.mark_failed)

        layout_box = QVBoxLayout(self)
        layout_box.addLayout(filters)
        layout_box.addLayout(ranges)
        layout_box.addWidget(self.banner)
        layout_box.addWidget(self.legend)
        layout_box.addWidget(self.split, 1)
        layout_box.addWidget(self.trend_note)
        layout_box.addWidget(self.hint)
        self.reload()

    # --- public view of the rows ----------------------------------------------------------------
    @property
    def histories(self) -> list[MetricHistory]:
        return self.data.histories

    @property
    def entries(self) -> list[Entry]:
        return self.data.entries

    def row_top(self, index: int) -> float:
        """The plot y of the upper edge of metric row `index`'s strip."""
        return -self.data.metric_entry(index).top

    def strip_band(self, index: int) -> tuple[float, float]:
        """(top, bottom) plot y of metric row `index`'s strip."""
        top = self.row_top(index)
        return top, top - STRIP

    def row_labels(self) -> list[str]:
        return [entry.text for entry in self.data.entries if entry.kind == "metric"]

    # --- time mapping -------------------------------------------------------------------------
    def x_of(self, at: dt.datetime) -> float:
        local = at.astimezone(self.tz).replace(tzinfo=dt.UTC)
        return local.timestamp()

    def time_of(self, x: float) -> dt.datetime:
        wall = dt.datetime.fromtimestamp(x, dt.UTC).replace(tzinfo=None)
        return wall.replace(tzinfo=self.tz).astimezone(dt.UTC)

    def local_x(self, epoch: np.ndarray) -> np.ndarray:
        """`x_of` for an array of epoch seconds."""
        return self.wall.x_of(epoch)

    # --- loading and drawing ------------------------------------------------------------------
    def set_range_hours(self, hours: int) -> None:
        self.layout_spec.hours = hours
        self.until = self.clock()
        self.since = self.until - dt.timedelta(hours=hours)
        self.reload()

    def set_range(self, since: dt.datetime, until: dt.datetime) -> None:
        self.since, self.until = since, until
        self.reload()

    def apply_custom_range(self) -> None:
        since = self.from_edit.dateTime().toPyDateTime().replace(tzinfo=self.tz)
        until = self.to_edit.dateTime().toPyDateTime().replace(tzinfo=self.tz)
        if since < until:
            self.set_range(since.astimezone(dt.UTC), until.astimezone(dt.UTC))

    def apply_filters(self) -> None:
        def split(text: str) -> list[str]:
            return [part.strip() for part in text.split(",") if part.strip()]

        self.layout_spec.tests = split(self.tests_edit.text())
        self.layout_spec.points = split(self.points_edit.text())
        self.layout_spec.name_contains = self.contains_edit.text().strip()
        self.layout_spec.unassessed = self.unassessed_box.isChecked()
        self.reload()

    def row_choice(self) -> RowChoice:
        spec = self.layout_spec
        return RowChoice(
            tuple(spec.tests),
            tuple(spec.points),
            spec.name_contains,
            tuple(spec.keys),
            spec.unassessed,
            spec.max_rows,
        )

    def reload(self) -> None:
        """Read the rows again, off the GUI thread; they are drawn when they arrive."""
        self.loader.start(
            load_cockpit, self.engine, self.row_choice(), self.since, self.until, row_words(), self.tz
        )

    def _loaded(self, data: object) -> None:
        assert isinstance(data, CockpitData)
        self.banner.mark_good()
        self.show_data(data)

    def show_data(self, data: CockpitData) -> None:
        self.data = data
        self.selected = None
        self.trend_note.setText(trend_note(data, self.tz))
        self.trend_note.setVisible(bool(self.trend_note.text()))
        self.draw()

    def draw(self) -> None:
        """Put the loaded rows on the plot: the bands of the headers at once, the rows a few at a
        time (the first ones, in view, at once) so that a hundred rows never freeze the window."""
        for item in [*self.strips, *self.bands, *self.curves.values()]:
            self.plot.removeItem(item)
        self.strips, self.bands, self.curves = [], [], {}
        self.scales = {d.index: ValueScale(d.low, d.high) for d in self.data.drawings if d.xs is not None}
        x0, x1 = self.x_of(self.since), self.x_of(self.until)
        for entry in self.data.entries:
            if entry.kind != "metric":
                band = QGraphicsRectItem(
                    QRectF(x0 - 1e9, -(entry.top + entry.height), 2e9 + x1 - x0, entry.height)
                )
                band.setBrush(HEADER_BAND if entry.kind == "point" else TEST_BAND)
                band.setPen(pg.mkPen(None))
                band.setZValue(-10)
                self.plot.addItem(band, ignoreBounds=True)
                self.bands.append(band)
        self.plot.setXRange(x0, x1, padding=0.01)
        self.scroll_bar.setValue(0)
        self._fit_rows()
        self.from_edit.setDateTime(self.since.astimezone(self.tz).replace(tzinfo=None))
        self.to_edit.setDateTime(self.until.astimezone(self.tz).replace(tzinfo=None))
        self.steps.run(self._add_rows(list(self.data.drawings)))

    def _add_rows(self, drawings: list[RowDrawing]) -> Iterator[None]:
        for start in range(0, len(drawings), ROWS_PER_STEP):
            for drawing in drawings[start : start + ROWS_PER_STEP]:
                if drawing.strip_pixels is not None and drawing.strip_rect is not None:
                    image = pg.ImageItem(axisOrder="col-major")
                    image.setImage(drawing.strip_pixels, autoLevels=False, levels=(0, 255))
                    image.setRect(QRectF(*drawing.strip_rect))
                    self.plot.addItem(image)
                    self.strips.append(image)
                if drawing.xs is not None and drawing.ys is not None:
                    curve = pg.PlotCurveItem(
                        drawing.xs, drawing.ys, pen=self.curve_pen, connect="finite", skipFiniteCheck=True
                    )
                    self.plot.addItem(curve)
                    self.curves[drawing.index] = curve
            yield

    def _fit_rows(self) -> None:
        """One y unit = one pixel: the plot shows the rows from the scroll position down."""
        height = max(1.0, self.view_box.height())
        total = self.data.height
        self.scroll_bar.setRange(0, max(0, int(total - height)))
        self.scroll_bar.setPageStep(int(height))
        self.scroll_bar.setSingleStep(ROW // 2)
        top = -float(self.scroll_bar.value())
        self.view_box.setYRange(top - height, top, padding=0)
        self.labels.update()

    def _labels_follow(self) -> None:
        self.labels.update()

    def _curve(self, history: MetricHistory, index: int, top: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The row's values as (x, y), on the row's own scale in the band under its strip."""
        drawing = row_drawing(index, history, top, self.wall, gaps=False)
        return None if drawing.xs is None or drawing.ys is None else (drawing.xs, drawing.ys)

    # --- interaction --------------------------------------------------------------------------
    def entry_at_y(self, y: float) -> Entry | None:
        depth = -y
        for entry in self.data.entries:
            if entry.top <= depth < entry.top + entry.height:
                return entry
        return None

    def hit(self, scene_pos: QPointF) -> tuple[int, dt.datetime] | None:
        """Which metric row and instant a scene position points at (None outside the rows)."""
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        entry = self.entry_at_y(point.y())
        if entry is None or entry.kind != "metric":
            return None
        return entry.index, self.time_of(point.x())

    def hover_text(self, index: int, instant: dt.datetime) -> str:
        """What the mouse over a row says: the metric, its interval, value, level, thresholds."""
        history = self.data.histories[index]
        point = history.at(instant)
        info = history.info
        lines = [info.name]
        if point is None:
            return "\n".join([*lines, translate("Cockpit", "no evaluation here")])
        slot = history.slot_seconds()
        start = point.at - dt.timedelta(seconds=slot)
        lines.append(
            translate("Cockpit", "Interval: {start} – {end}").format(
                start=local_text(start, self.tz, "dd.MM HH:mm"), end=local_text(point.at, self.tz, "HH:mm")
            )
        )
        lines.append(
            translate("Cockpit", "Value: {value}").format(value=format_value(point.value, info.unit))
        )
        lines.append(translate("Cockpit", "Assessment: {level}").format(level=level_text(point.level)))
        if point.thresholds is not None:
            rows = threshold_rows(point.thresholds)
            text = "; ".join(f"{level_text(level)} {span}" for level, span in rows)
            lines.append(translate("Cockpit", "Thresholds: {table}").format(table=text))
        return "\n".join(lines)

    def _mouse_moved(self, event: Sequence[Any]) -> None:
        hit = self.hit(event[0])
        if hit is None:
            QToolTip.hideText()
            return
        index, instant = hit
        self.crosshair.setPos(self.x_of(instant))
        view = self.plot.mapFromScene(event[0])
        QToolTip.showText(
            self.plot.mapToGlobal(QPoint(view.x() + 14, view.y() + 14)),
            self.hover_text(index, instant),
            self.plot,
        )

    def read_at(self, instant: dt.datetime) -> None:
        """Move the crosshair to an instant."""
        self.crosshair.setPos(self.x_of(instant))

    def _mouse_clicked(self, event: Any) -> None:
        hit = self.hit(event.scenePos())
        if hit is not None:
            self.select(*hit)

    @property
    def detail_table(self) -> ThresholdTableWidget:
        return self.panel.thresholds

    @property
    def detail_label(self) -> QLabel:
        return self.panel.title

    def select(self, index: int, instant: dt.datetime) -> HistoryPoint | None:
        """Open the interval of row `index`'s rectangle at `instant` in the panel below."""
        history = self.data.histories[index]
        point = history.at(instant)
        if point is None:
            return None
        self.selected = (index, point)
        self.advice_button.setEnabled(point.thresholds is not None and point.thresholds.direction != "equal")
        self.panel.open(history.info.id, point.at, history.slot_seconds())
        if not self.panel.isVisible():
            self.hint.setVisible(False)
            self.panel.setVisible(True)
            total = sum(self.split.sizes())
            self.split.setSizes([max(200, total - 440), 440])
        return point

    def open_advice(self) -> BaselineDialog | None:
        """The threshold dialog for the selected row's metric, at its point, over the shown range."""
        if self.selected is None:
            return None
        info = self.data.histories[self.selected[0]].info
        dialog = BaselineDialog(
            self.engine,
            info.test,
            self.tz,
            point=info.point,
            since=self.since,
            until=self.until,
            preselect=info.name,
            config=self.probe_config,
        )
        self.advice = dialog
        dialog.show()
        return dialog

    # --- layouts ------------------------------------------------------------------------------
    def save_layout(self, path: Path) -> None:
        self.layout_spec.save(path)

    def load_layout(self, path: Path) -> None:
        self.layout_spec = CockpitLayout.from_file(path)
        self.tests_edit.setText(", ".join(self.layout_spec.tests))
        self.points_edit.setText(", ".join(self.layout_spec.points))
        self.contains_edit.setText(self.layout_spec.name_contains)
        self.unassessed_box.setChecked(self.layout_spec.unassessed)
        self.set_range_hours(self.layout_spec.hours)

    def _save_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, translate("Cockpit", "Save layout…"), "cockpit.json", "JSON (*.json)"
        )
        if name:
            self.save_layout(Path(name))

    def _load_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, translate("Cockpit", "Open layout…"), "", "JSON (*.json)")
        if name:
            try:
                self.load_layout(Path(name))
            except LayoutError as exc:
                self.panel.clear(str(exc))
                self.panel.setVisible(True)


TITLE_KEY = QT_TRANSLATE_NOOP("Views", "Cockpit")


def create_view(context: ViewContext) -> QWidget:
    """The Cockpit as a console view: a saved layout from `[console.cockpit] layout`, else its
    filters (defaults without a `[console]` section). A bad layout file is reported in the view
    and the filters are used instead."""
    console = context.config.explicit_section(ConsoleConfig) or ConsoleConfig()
    settings = console.cockpit
    spec = CockpitLayout(
        tests=list(settings.tests),
        points=list(settings.points),
        name_contains=settings.name_contains,
        hours=settings.hours,
        unassessed=settings.unassessed,
    )
    problem = ""
    if settings.layout is not None:
        try:
            spec = CockpitLayout.from_file(context.config.resolve_path(settings.layout))
        except LayoutError as exc:
            problem = str(exc)
    view = Cockpit(context.engine, context.config.tz, spec)
    view.probe_config = context.config  # the threshold dialog tries proposals on its rules
    if problem:
        view.panel.clear(problem)
        view.panel.setVisible(True)
    return view
