"""The bottom level of a Plan: one service point. Current MKO/OKO values (live, from SNMP), the
history of the chosen metric's value and of every assessment of the point over the last hours
(pyqtgraph, from the aggregator through `console.history`), the threshold table that produces
the chosen metric's assessment, and the point's audio fragments (`console.clips_panel`)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from console.axes import LocalDateAxis, LocaleAxis
from console.evidence import interval_caption, interval_explanation
from console.history import MetricHistory, metrics_by_reference, recent_history
from console.i18n import format_value, level_text, local_text, number, translate
from console.level_paint import LevelDelegate, add_level_dots, interval_strip, set_level, threshold_pens
from console.live import LiveMetric, LiveState, caption
from console.worker import Loader, StaleBanner, describe
from probe.assess import ThresholdTable
from probe.levels import Level

log = logging.getLogger(__name__)

ORDER = (Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)
STRIP_HALF = 0.26  # half the height of a strip row (rows are 1 apart)


def threshold_rows(table: ThresholdTable) -> list[tuple[Level, str]]:
    """The table as the seed shows it: one row per level with its range of values."""
    if table.direction == "equal":
        return [
            (Level.GOOD, translate("PointPage", "= {value}").format(value=format_value(table.bounds[0]))),
            (Level.BAD, translate("PointPage", "otherwise")),
        ]
    b = [format_value(x) for x in table.bounds]
    if table.direction == "higher_worse":
        ranges = [f"< {b[0]}", f"{b[0]} … {b[1]}", f"{b[1]} … {b[2]}", f"{b[2]} … {b[3]}", f"≥ {b[3]}"]
    else:
        ranges = [f"> {b[0]}", f"{b[1]} … {b[0]}", f"{b[2]} … {b[1]}", f"{b[3]} … {b[2]}", f"≤ {b[3]}"]
    return list(zip(ORDER, ranges, strict=True))


def short_name(metric: LiveMetric) -> str:
    """What the point page has room for: question, short name and period."""
    return caption(metric)


def _level_item(level: Level | None, stale: bool) -> QTableWidgetItem:
    return set_level(QTableWidgetItem(level_text(level)), level, stale=stale)


SURE_COLUMN = 4  # how sure a percentage is (issue 21)


def _interval_item(metric: LiveMetric) -> QTableWidgetItem:
    """`21–100 %, 1 vote` (without the "95 %:" the header says), explained in its tooltip."""
    caption = interval_caption(metric.low, metric.high, metric.votes, metric.unit)
    item = QTableWidgetItem(caption.split(": ", 1)[-1] if caption else "")
    item.setToolTip(interval_explanation(metric.low, metric.high, metric.votes, metric.unit))
    return item


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSize(font.pointSize() + 1)
    label.setFont(font)
    label.setStyleSheet("color: #1d2733; padding: 4px 0;")
    return label


class ThresholdTableWidget(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(
            [translate("PointPage", "Assessment"), translate("PointPage", "Value")]
        )
        self.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # type: ignore[union-attr]
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setItemDelegate(LevelDelegate(self))
        self.caption = QLabel()

    def show_table(self, table: ThresholdTable | None, value: float | None, unit: str = "") -> None:
        self.setRowCount(0)
        if table is None:
            self.caption.setText(translate("PointPage", "The metric has no threshold table"))
            self.fit_rows()
            return
        current = table.assess(value) if value is not None else None
        self.caption.setText(
            {
                "higher_worse": translate("PointPage", "higher is worse"),
                "higher_better": translate("PointPage", "higher is better"),
                "equal": translate("PointPage", "good only when equal"),
            }[table.direction]
        )
        for row, (level, text) in enumerate(threshold_rows(table)):
            self.insertRow(row)
            level_item = _level_item(level, False)
            value_item = QTableWidgetItem(text)
            if level is current:
                font = QFont(value_item.font())
                font.setBold(True)
                value_item.setFont(font)
                value_item.setText(f"{text}   ◀ {format_value(value, unit)}")
            self.setItem(row, 0, level_item)
            self.setItem(row, 1, value_item)
        self.fit_rows()

    def fit_rows(self) -> None:
        """Exactly as tall as its rows: five levels never need a scroll bar."""
        header = self.horizontalHeader()
        rows = max(self.rowCount(), 2)
        head = header.sizeHint().height() if header is not None else 0
        row = self.verticalHeader().defaultSectionSize()  # type: ignore[union-attr]
        self.setFixedHeight(head + rows * row + 2 * self.frameWidth() + 2)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


def read_point_history(
    engine: Engine, keys: list[str], hours: float, until: dt.datetime
) -> dict[str, MetricHistory]:
    """The history of the point's metrics over the last `hours` (runs off the GUI thread)."""
    infos = metrics_by_reference(engine, keys)
    return {h.info.key: h for h in recent_history(engine, infos, hours=hours, until=until)}


def trends_title(history: MetricHistory, tz: dt.tzinfo) -> str:
    """What the plot says when its older part is hourly trends (empty: raw values only)."""
    if history.trend_until is None or not len(history) or history.ends[0] > history.trend_until:
        return ""
    moment = dt.datetime.fromtimestamp(history.trend_until, dt.UTC).astimezone(tz)
    return translate("PointPage", "hourly trends before {time}").format(time=moment.strftime("%d.%m %H:%M"))


class PointPage(QWidget):
    """Shows one point; `set_state` refreshes the live part, `load_history` the stored part."""

    def __init__(
        self,
        point: str,
        engine_source: Callable[[], Engine] | None,
        tz: ZoneInfo,
        hours: float = 6.0,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.point = point
        self.engine_source = engine_source
        self.tz = tz
        self.hours = hours
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.metrics: list[LiveMetric] = []
        self.selected: LiveMetric | None = None
        self.histories: dict[str, MetricHistory] = {}
        self.strip_rows: list[MetricHistory] = []
        self.strip_labels: list[str] = []
        self._label_items: list[pg.TextItem] = []
        self.history_error = ""
        self.stale = False

        self.title = QLabel(translate("PointPage", "Service point: {name}").format(name=point))
        title_font = self.title.font()
        title_font.setPointSize(title_font.pointSize() + 5)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #5b6673;")

        self.values = QTableWidget(0, 5)
        self.values.setHorizontalHeaderLabels(
            [
                translate("PointPage", "Metric"),
                translate("PointPage", "Value"),
                translate("PointPage", "Assessment"),
                translate("PointPage", "Time"),
                translate("PointPage", "How sure (95 %)"),
            ]
        )
        header = self.values.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.values.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        self.values.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.values.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.values.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.values.setAlternatingRowColors(True)
        self.values.itemSelectionChanged.connect(self._selection_changed)
        self.values.setItemDelegate(LevelDelegate(self.values))

        pg.setConfigOptions(antialias=True, background="w", foreground="#33404d")
        # DateAxisItem wants seconds west of UTC (time.timezone's sign): local times on the axis.
        offset = tz.utcoffset(self.clock().replace(tzinfo=None)) or dt.timedelta(0)
        west = -offset.total_seconds()
        self.plot = pg.PlotWidget(
            axisItems={"bottom": LocalDateAxis(utcOffset=west), "left": LocaleAxis("left")}
        )
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMinimumHeight(180)
        self.strip = pg.PlotWidget(axisItems={"bottom": LocalDateAxis(utcOffset=west)})
        self.strip.setMinimumHeight(120)
        self.strip.setXLink(self.plot)
        self.strip.getAxis("left").setWidth(self.plot.getAxis("left").width())
        self.strip.getAxis("left").setStyle(showValues=False)
        self.strip.getAxis("left").setPen(pg.mkPen(None))
        self.strip.setMouseEnabled(x=True, y=False)
        self.strip.getViewBox().sigXRangeChanged.connect(self._place_labels)
        self.history_title = _heading(
            translate("PointPage", "History over the last {hours} h").format(hours=number(hours))
        )
        self.history_note = StaleBanner(tz)
        self.history_loader = Loader(self)
        self.history_loader.loaded.connect(self._history_loaded)
        self.history_loader.failed.connect(self._history_failed)

        self.thresholds = ThresholdTableWidget()

        self.clips_slot = self._clips_widget()
        self.alerts_slot = self._alerts_widget()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(_heading(translate("PointPage", "Current MKO and OKO values")))
        left_layout.addWidget(self.values, 3)
        left_layout.addWidget(_heading(translate("PointPage", "Threshold table of the test")))
        left_layout.addWidget(self.thresholds.caption)
        left_layout.addWidget(self.thresholds, 1)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.history_title)
        right_layout.addWidget(self.history_note)
        right_layout.addWidget(self.plot, 3)
        right_layout.addWidget(self.strip, 2)
        right_layout.addWidget(self.clips_slot, 1)
        right_layout.addWidget(self.alerts_slot, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([560, 760])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        header_row = QHBoxLayout()
        header_row.addWidget(self.title)
        header_row.addStretch(1)
        header_row.addWidget(self.subtitle)
        layout.addLayout(header_row)
        layout.addWidget(splitter, 1)

    def _clips_widget(self) -> QWidget:
        """The clips helper's panel when it is installed; a labelled slot otherwise."""
        try:
            module = importlib.import_module("console.clips_panel")
        except ImportError:
            module = None
        if module is not None and self.engine_source is not None:
            try:
                engine = self.engine_source()
                panel: QWidget = module.ClipsPanel(engine, self.point, tz=self.tz)
                return panel
            except Exception as exc:  # the panel must not take the point page down with it
                log.warning("clips panel for %s failed: %s", self.point, exc)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        slot = QVBoxLayout(frame)
        slot.addWidget(_heading(translate("PointPage", "Audio fragments")))
        missing = QLabel(
            translate("PointPage", "Audio fragments: module console.clips_panel is not installed yet")
        )
        missing.setStyleSheet("color: #5b6673;")
        slot.addWidget(missing)
        frame.setObjectName("clips-slot")
        return frame

    def _alerts_widget(self) -> QWidget:
        """The point's press alerts beside their presses and fragments (plays through the clips
        panel); an empty frame when there is no database."""
        if self.engine_source is not None:
            try:
                from console.alerts_panel import AlertsPanel

                player = self.clips_slot if hasattr(self.clips_slot, "play_press") else None
                return AlertsPanel(self.engine_source(), self.point, tz=self.tz, player=player)
            except Exception as exc:  # the panel must not take the point page down with it
                log.warning("alerts panel for %s failed: %s", self.point, exc)
        frame = QFrame()
        frame.setObjectName("alerts-slot")
        return frame

    # -- live values -------------------------------------------------------------------------
    def newest_update(self) -> dt.datetime | None:
        times = [m.updated for m in self.metrics if m.updated is not None]
        return max(times) if times else None

    def set_state(self, state: LiveState) -> None:
        """Show new live values; when the probe has evaluated a new interval, read the history again."""
        before = self.newest_update()
        self.stale = not state.connected
        self.metrics = state.point_metrics(self.point)
        region = next((m.region for m in self.metrics if m.region), "")
        if not region and self.point in state.points:
            region = state.points[self.point].region
        worst = state.point_worst(self.point)
        self.subtitle.setText(f"{region}   ·   {translate('PointPage', 'Assessment')}: {level_text(worst)}")
        previous = self.selected.key if self.selected else None
        self.values.blockSignals(True)
        self.values.setRowCount(len(self.metrics))
        select_row = None
        for row, metric in enumerate(self.metrics):
            self.values.setItem(row, 0, QTableWidgetItem(short_name(metric)))
            value_item = QTableWidgetItem(format_value(metric.value, metric.unit))
            value_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values.setItem(row, 1, value_item)
            self.values.setItem(row, 2, _level_item(metric.level, self.stale))
            when = local_text(metric.updated, self.tz, "HH:mm") if metric.updated else "—"
            self.values.setItem(row, 3, QTableWidgetItem(when))
            self.values.setItem(row, SURE_COLUMN, _interval_item(metric))
            if metric.key == previous:
                select_row = row
        if select_row is None:
            select_row = self._default_row()
        self.values.blockSignals(False)
        if select_row is not None:
            self.values.selectRow(select_row)
            self._selection_changed()
        newest = self.newest_update()
        if before is not None and newest is not None and newest > before:
            self.load_history()

    def _default_row(self) -> int | None:
        """The first assessed interval metric: the one an analyst looks at first."""
        for row, metric in enumerate(self.metrics):
            if metric.level is not None and metric.period == "interval" and metric.thresholds is not None:
                return row
        for row, metric in enumerate(self.metrics):
            if metric.level is not None:
                return row
        return 0 if self.metrics else None

    def _selection_changed(self) -> None:
        rows = self.values.selectionModel().selectedRows() if self.values.selectionModel() else []  # type: ignore[union-attr]
        if not rows:
            return
        metric = self.metrics[rows[0].row()]
        self.selected = metric
        thresholds = metric.thresholds
        history = self.histories.get(metric.key)
        if thresholds is None and history is not None and history.points:
            thresholds = history.points[-1].thresholds
        self.thresholds.show_table(thresholds, metric.value, metric.unit)
        self._draw_value_history()

    # -- stored history ----------------------------------------------------------------------
    def load_history(self) -> None:
        """Read the point's history off the GUI thread; drawn when it arrives. A database outage
        leaves the live part working and the banner says why the history is old or missing."""
        if self.engine_source is None:
            return
        try:
            engine = self.engine_source()
        except Exception as exc:  # the aggregator cannot even be opened
            self._history_failed(describe(exc))
            return
        keys = [m.key for m in self.metrics if m.key]
        self.history_loader.start(read_point_history, engine, keys, self.hours, self.clock())

    def _history_loaded(self, histories: object) -> None:
        assert isinstance(histories, dict)
        self.histories = histories
        self.history_error = ""
        self.history_note.mark_good()
        self._draw_levels()
        if self.selected is not None:
            self._selection_changed()  # the stored thresholds may fill in what SNMP did not give

    def _history_failed(self, reason: str) -> None:
        self.history_error = translate("PointPage", "History unavailable: {error}").format(error=reason)
        log.warning("history for %s: %s", self.point, reason)
        self.history_note.mark_failed(self.history_error)

    def _show_window(self) -> None:
        """The x axis always spans the last `hours`, however much history there is."""
        end = self.clock()
        self.plot.setXRange((end - dt.timedelta(hours=self.hours)).timestamp(), end.timestamp(), padding=0.01)

    def _draw_value_history(self) -> None:
        self.plot.clear()
        self._show_window()
        metric = self.selected
        if metric is None:
            return
        self.plot.setTitle(short_name(metric), color="#1d2733", size="10pt")
        history = self.histories.get(metric.key)
        if history is None or not history.points:
            return
        note = trends_title(history, self.tz)
        if note:  # issue 16: the older part is hourly trends (raw values pruned)
            self.plot.setTitle(f"{short_name(metric)} · {note}", color="#1d2733", size="10pt")
        xs = [p.at.timestamp() for p in history.points if p.value is not None]
        ys = [p.value for p in history.points if p.value is not None]
        table = metric.thresholds or history.points[-1].thresholds
        if table is not None and table.direction != "equal":
            for level, bound in zip(ORDER[1:], table.bounds, strict=False):
                for pen in threshold_pens(level):
                    self.plot.addItem(pg.InfiniteLine(pos=bound, angle=0, pen=pen))
        self.plot.plot(xs, ys, pen=pg.mkPen("#2b6cb0", width=2))
        levels = [p.level for p in history.points if p.value is not None]
        self.dots = add_level_dots(self.plot, xs, ys, levels)

    def _draw_levels(self) -> None:
        """One row of coloured rectangles per assessed metric: the OKO history of the point."""
        self.strip.clear()
        assessed = [h for h in self.histories.values() if (h.levels >= 0).any()]
        assessed.sort(key=lambda h: h.info.name)
        self.strip_labels = []
        self.strip_rows = assessed
        self._label_items = []
        for row, history in enumerate(assessed):
            strip = interval_strip(
                history.ends,
                history.levels,
                history.slot_seconds(),
                row - STRIP_HALF,
                2 * STRIP_HALF,
                gaps=True,
            )
            if strip is not None:
                self.strip.addItem(strip)
            # The row's name just above its rectangles, kept at the left edge of the visible window.
            text = self._short_label(history)
            label = pg.TextItem(text, color="#33404d", anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 190))
            label.setZValue(10)
            self.strip.addItem(label)
            self._label_items.append(label)
            self.strip_labels.append(text)
        self.strip.setMinimumHeight(min(420, 50 + 34 * len(assessed)))
        self.strip.setYRange(-0.4, max(0.6, len(assessed) - 0.15), padding=0)
        self._place_labels()

    def _place_labels(self) -> None:
        """Row names sit at the left edge of what is shown, whatever the range (pan, zoom, first
        layout): never half outside the view."""
        left = self.strip.getViewBox().viewRange()[0][0]
        for row, label in enumerate(self._label_items):
            label.setPos(left, row + STRIP_HALF + 0.02)

    @staticmethod
    def _short_label(history: MetricHistory) -> str:
        """Short name and period ("… 10 мин" from the spacing of the intervals, "… сутки")."""
        info = history.info
        if info.period == "interval":
            period = f"{round(history.slot_seconds() / 60)} мин"
        else:
            period = "сутки" if info.period == "day" else ""
        return ". ".join(part for part in (info.short_name or info.name, period) if part)
