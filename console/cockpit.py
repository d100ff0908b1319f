"""Cockpit (SPEC §7), the analyst's tool: every assessment (OKO) and every loyalty driver on one
shared time axis. Each chosen metric is one row: a strip of coloured rectangles (one per evaluated
interval) with the metric's values plotted under it, scaled to the row. All rows live in one
pyqtgraph plot, so zoom and pan are linked by construction and cost one repaint; the strips are
small images (two pixels high: the two colours of acceptable and edge) that the GPU scales.

Clicking a rectangle shows, below, the threshold table that produced that assessment with the
value it had; a crosshair reads every row at one instant. Rows are chosen by test, point and a
name filter; the choice and the range are saved as a layout file (JSON, `prolan-cockpit/1`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QFont, QFontMetrics
from PyQt6.QtWidgets import (
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from console.axes import LocalDateAxis
from console.baseline_dialog import BaselineDialog
from console.config import ConsoleConfig
from console.dashboard import ViewContext
from console.i18n import QT_TRANSLATE_NOOP, format_value, level_text, local_text, translate
from console.level_paint import LevelDelegate, interval_strip, set_level
from console.plan.point_page import threshold_rows
from console.timeline_data import (
    HistoryPoint,
    MetricHistory,
    MetricInfo,
    load_history,
    metric_catalog,
)

LAYOUT_FORMAT = "prolan-cockpit/1"
ROW_HEIGHT = 1.0
STRIP = 0.34  # share of a row taken by the rectangles; the values use the rest
LABEL_WIDTH = 330  # pixels for row names on the left axis
PRESETS = (6, 24, 24 * 7)  # hours


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
    filter; `keys`, when given, adds those metrics whatever the filters say."""

    tests: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    name_contains: str = ""
    keys: list[str] = field(default_factory=list)
    hours: int = 24
    max_rows: int = 200

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
        known = {f for f in cls.__dataclass_fields__}
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


def select_rows(engine: Engine, layout: CockpitLayout) -> list[MetricInfo]:
    rows = metric_catalog(
        engine, tests=layout.tests, points_named=layout.points, name_contains=layout.name_contains
    )
    if layout.keys:
        chosen = {info.key for info in rows}
        extra = [
            info for info in metric_catalog(engine) if info.key in layout.keys and info.key not in chosen
        ]
        rows = rows + extra
    return rows[: layout.max_rows]


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
        self.layout_spec = layout or CockpitLayout()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.histories: list[MetricHistory] = []
        self.until = self.clock()
        self.since = self.until - dt.timedelta(hours=self.layout_spec.hours)
        self.strips: list[pg.ImageItem] = []
        # All rows' values are one curve (rows separated by NaN): one item to bound and paint
        # per pan or zoom step instead of one per row.
        self.values_curve = pg.PlotCurveItem(
            pen=pg.mkPen("#2b5fa6", width=1, cosmetic=True), connect="finite"
        )
        self.selected: tuple[int, HistoryPoint] | None = None
        self._offsets: dict[float, float] = {}

        # Filters and range.
        self.tests_edit = QLineEdit(", ".join(self.layout_spec.tests))
        self.points_edit = QLineEdit(", ".join(self.layout_spec.points))
        self.contains_edit = QLineEdit(self.layout_spec.name_contains)
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
        filters.addWidget(show)
        ranges = QHBoxLayout()
        ranges.addWidget(QLabel(translate("Cockpit", "Range")))
        self.preset_buttons: dict[int, QPushButton] = {}
        for hours in PRESETS:
            name = preset_caption(hours)
            button = QPushButton(name)
            button.clicked.connect(lambda _=False, h=hours: self.set_range_hours(h))
            self.preset_buttons[hours] = button
            ranges.addWidget(button)
        self.from_edit = QDateTimeEdit()
        self.to_edit = QDateTimeEdit()
        for date_edit in (self.from_edit, self.to_edit):
            date_edit.setDisplayFormat("dd.MM.yyyy HH:mm")
            date_edit.setCalendarPopup(True)
        custom = QPushButton(translate("Cockpit", "Range"))
        custom.clicked.connect(self.apply_custom_range)
        ranges.addWidget(self.from_edit)
        ranges.addWidget(self.to_edit)
        ranges.addWidget(custom)
        ranges.addStretch(1)
        save = QPushButton(translate("Cockpit", "Save layout…"))
        save.clicked.connect(self._save_dialog)
        load = QPushButton(translate("Cockpit", "Open layout…"))
        load.clicked.connect(self._load_dialog)
        ranges.addWidget(save)
        ranges.addWidget(load)

        # The shared time axis: x = local wall-clock seconds (so ticks read in the probe's zone).
        self.axis_left = pg.AxisItem("left")
        # Row names are the left axis' tick labels; a fixed width keeps them readable.
        self.axis_left.setWidth(LABEL_WIDTH + 16)
        self.axis_left.setStyle(tickLength=0, autoExpandTextSpace=False)
        label_font = QFont(self.font())
        label_font.setPointSize(8)
        self.axis_left.setTickFont(label_font)
        self.axis_left.setTextPen(pg.mkPen("#2a2f36"))
        self.label_metrics = QFontMetrics(label_font)
        self.plot = pg.PlotWidget(
            background="w", axisItems={"bottom": LocalDateAxis(utcOffset=0), "left": self.axis_left}
        )
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        self.plot.getPlotItem().getAxis("bottom").setTextPen(pg.mkPen("#2a2f36"))
        self.plot.setMouseEnabled(x=True, y=True)
        self.plot.getPlotItem().hideButtons()
        self.crosshair = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#555555", style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.crosshair, ignoreBounds=True)
        self.mouse_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved
        )
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)

        # Below: the crosshair readout and the threshold table of the clicked rectangle.
        self.readout = QTableWidget(0, 3)
        self.readout.setHorizontalHeaderLabels(
            [
                translate("Cockpit", "Metric"),
                translate("Cockpit", "Value"),
                translate("Cockpit", "Assessment"),
            ]
        )
        self.detail_label = QLabel(
            translate("Cockpit", "Click a rectangle to see the threshold table that assessed it.")
        )
        self.detail_label.setWordWrap(True)
        self.detail_table = QTableWidget(0, 2)
        self.detail_table.setHorizontalHeaderLabels(
            [translate("Cockpit", "Assessment"), translate("Cockpit", "Value")]
        )
        for table in (self.readout, self.detail_table):
            table.setItemDelegate(LevelDelegate(table))
            header = table.horizontalHeader()
            if header is not None:
                header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(self.detail_table)
        # Threshold advice for the clicked metric at its point (typical values from its history).
        self.advice_button = QPushButton(translate("Cockpit", "Suggest thresholds…"))
        self.advice_button.setEnabled(False)
        self.advice_button.clicked.connect(self.open_advice)
        detail_layout.addWidget(self.advice_button)
        self.advice: BaselineDialog | None = None
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.readout)
        bottom.addWidget(detail)
        bottom.setSizes([600, 400])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(bottom)
        split.setSizes([640, 220])

        layout_box = QVBoxLayout(self)
        layout_box.addLayout(filters)
        layout_box.addLayout(ranges)
        layout_box.addWidget(split, 1)
        self.reload()

    # --- time mapping -------------------------------------------------------------------------
    def x_of(self, at: dt.datetime) -> float:
        local = at.astimezone(self.tz).replace(tzinfo=dt.UTC)
        return local.timestamp()

    def time_of(self, x: float) -> dt.datetime:
        wall = dt.datetime.fromtimestamp(x, dt.UTC).replace(tzinfo=None)
        return wall.replace(tzinfo=self.tz).astimezone(dt.UTC)

    def row_top(self, index: int) -> float:
        return -index * ROW_HEIGHT

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
        self.reload()

    def reload(self) -> None:
        rows = select_rows(self.engine, self.layout_spec)
        self.histories = load_history(self.engine, rows, self.since, self.until)
        self.draw()

    def draw(self) -> None:
        for item in self.strips:
            self.plot.removeItem(item)
        self.strips = []
        xs_parts: list[np.ndarray] = []
        ys_parts: list[np.ndarray] = []
        ticks = []
        for index, history in enumerate(self.histories):
            top = self.row_top(index)
            label = self.label_metrics.elidedText(
                _short(history.info.name), Qt.TextElideMode.ElideMiddle, LABEL_WIDTH
            )
            ticks.append((top - STRIP * ROW_HEIGHT / 2, label))
            strip = self._strip(history, top)
            if strip is not None:
                self.plot.addItem(strip)
                self.strips.append(strip)
            curve = self._curve(history, top)
            if curve is not None:
                xs_parts += [curve[0], np.array([np.nan])]
                ys_parts += [curve[1], np.array([np.nan])]
        if self.values_curve.scene() is None:
            self.plot.addItem(self.values_curve)
        if xs_parts:
            self.values_curve.setData(np.concatenate(xs_parts), np.concatenate(ys_parts), connect="finite")
        else:
            self.values_curve.setData([], [])
        self.axis_left.setTicks([ticks, []])
        self.plot.setXRange(self.x_of(self.since), self.x_of(self.until), padding=0.01)
        self.plot.setYRange(-max(1, len(self.histories)) * ROW_HEIGHT, 0, padding=0.02)
        self.from_edit.setDateTime(self.since.astimezone(self.tz).replace(tzinfo=None))
        self.to_edit.setDateTime(self.until.astimezone(self.tz).replace(tzinfo=None))
        self.readout.setRowCount(len(self.histories))
        for index, history in enumerate(self.histories):
            self.readout.setItem(index, 0, QTableWidgetItem(history.info.name))

    @staticmethod
    def slot_seconds(history: MetricHistory) -> float:
        gaps = np.diff(history.ends)
        gaps = gaps[gaps > 0]
        return float(gaps.min()) if len(gaps) else 600.0

    def local_x(self, epoch: np.ndarray) -> np.ndarray:
        """`x_of` for an array of epoch seconds: the zone's offset is looked up once per hour."""
        if len(epoch) == 0:
            return epoch
        hours, inverse = np.unique(np.floor(epoch / 3600.0), return_inverse=True)
        offsets = np.array([self._hour_offset(float(h)) for h in hours])
        return epoch + offsets[inverse.reshape(-1)]

    def _hour_offset(self, hour: float) -> float:
        """The zone's UTC offset in seconds during one UTC hour (cached: rows share hours)."""
        offset = self._offsets.get(hour)
        if offset is None:
            local = dt.datetime.fromtimestamp(hour * 3600.0, dt.UTC).astimezone(self.tz)
            offset = self._offsets[hour] = (local.utcoffset() or dt.timedelta()).total_seconds()
        return offset

    def _strip(self, history: MetricHistory, top: float) -> pg.ImageItem | None:
        assessed = history.levels >= 0
        return interval_strip(
            history.ends[assessed],
            history.levels[assessed],
            self.slot_seconds(history),
            top - STRIP * ROW_HEIGHT,
            STRIP * ROW_HEIGHT * 0.92,
            to_x=self.local_x,
        )

    def _curve(self, history: MetricHistory, top: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The row's values as (x, y), scaled into the row's band under its strip."""
        values = history.values
        finite = values[~np.isnan(values)]
        if len(finite) == 0:
            return None
        low, high = float(finite.min()), float(finite.max())
        span = (high - low) or 1.0
        band_top = top - STRIP * ROW_HEIGHT - 0.05
        band = ROW_HEIGHT * (1 - STRIP) - 0.12
        # Values sit under the middle of their rectangle.
        xs = self.local_x(history.ends - self.slot_seconds(history) / 2)
        ys = band_top - band + (values - low) / span * band
        return xs, ys

    # --- interaction --------------------------------------------------------------------------
    def hit(self, scene_pos: QPointF) -> tuple[int, dt.datetime] | None:
        """Which row and instant a scene position points at (None outside the rows)."""
        view = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        index = math.floor(-point.y() / ROW_HEIGHT)
        if not 0 <= index < len(self.histories):
            return None
        return index, self.time_of(point.x())

    def _mouse_moved(self, event: Sequence[Any]) -> None:
        hit = self.hit(event[0])
        if hit is None:
            return
        self.read_at(hit[1])

    def read_at(self, instant: dt.datetime) -> None:
        """Move the crosshair to an instant and fill the readout with every row's value there."""
        self.crosshair.setPos(self.x_of(instant))
        for index, history in enumerate(self.histories):
            point = history.at(instant)
            value = (
                "" if point is None or point.value is None else format_value(point.value, history.info.unit)
            )
            level = "" if point is None or point.level is None else level_text(point.level)
            self.readout.setItem(index, 1, QTableWidgetItem(value))
            item = QTableWidgetItem(level)
            if point is not None and point.level is not None:
                set_level(item, point.level)
            self.readout.setItem(index, 2, item)

    def _mouse_clicked(self, event: Any) -> None:
        hit = self.hit(event.scenePos())
        if hit is not None:
            self.select(*hit)

    def select(self, index: int, instant: dt.datetime) -> HistoryPoint | None:
        """Show the threshold table that assessed row `index` at `instant`."""
        history = self.histories[index]
        point = history.at(instant)
        if point is None:
            return None
        self.selected = (index, point)
        self.advice_button.setEnabled(point.thresholds is not None and point.thresholds.direction != "equal")
        value = format_value(point.value, history.info.unit)
        level = "—" if point.level is None else level_text(point.level)
        stamp = local_text(point.at, self.tz, "dd.MM.yyyy HH:mm")
        self.detail_label.setText(f"{history.info.name}\n{stamp}: {value}, {level}")
        table = point.thresholds
        if table is None:
            self.detail_table.setRowCount(0)
            self.detail_label.setText(
                self.detail_label.text()
                + "\n"
                + translate("Cockpit", "The metric is not assessed (no threshold table).")
            )
            return point
        rows = threshold_rows(table)
        self.detail_table.setRowCount(len(rows))
        for row, (lv, text) in enumerate(rows):
            name = set_level(QTableWidgetItem(level_text(lv)), lv)
            cell = QTableWidgetItem(text)
            if lv is point.level:
                font = cell.font()
                font.setBold(True)
                cell.setFont(font)
                name.setFont(font)
                cell.setText(f"{text}   ◀ {value}")
            self.detail_table.setItem(row, 0, name)
            self.detail_table.setItem(row, 1, cell)
        return point

    def open_advice(self) -> BaselineDialog | None:
        """The threshold dialog for the selected row's metric, at its point, over the shown range."""
        if self.selected is None:
            return None
        info = self.histories[self.selected[0]].info
        dialog = BaselineDialog(
            self.engine,
            info.test,
            self.tz,
            point=info.point,
            since=self.since,
            until=self.until,
        )
        names = [dialog.metric_box.itemText(i) for i in range(dialog.metric_box.count())]
        if info.name in names:
            dialog.metric_box.setCurrentIndex(names.index(info.name))
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
                self.detail_label.setText(str(exc))


def _short(name: str) -> str:
    """Row label: the name without the LOYALTY_MON prefix (most rows have it); other tests keep
    their name, since it is what tells a loyalty driver from an assessment."""
    return name.removeprefix("LOYALTY_MON. ")


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
    )
    problem = ""
    if settings.layout is not None:
        try:
            spec = CockpitLayout.from_file(context.config.resolve_path(settings.layout))
        except LayoutError as exc:
            problem = str(exc)
    view = Cockpit(context.engine, context.config.tz, spec)
    if problem:
        view.detail_label.setText(problem)
    return view
