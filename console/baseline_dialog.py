"""The threshold advice dialog: per metric and point, the distribution of past values (histogram)
with the current and the proposed thresholds, how often the notification rules would have notified
with the proposal over the last 28 days (the notifier's replay, through its entry point), and a
button that applies the proposal as a per-point override (the engine uses it from the next
evaluation). It reads the aggregator directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from console.axes import LocaleAxis
from console.i18n import level_text, number, translate
from console.level_paint import threshold_pens
from console.worker import Loader
from probe import plugins
from probe.assess import ThresholdTable
from probe.baseline import BaselineOptions, MetricHistory, Proposal, histogram, propose
from probe.config import ProbeConfig
from probe.levels import Level
from probe.store.baselines import apply_proposals, load_histories

# The level each boundary t1..t4 starts (its line is drawn in that level's colours, SPEC §4).
BOUNDARY_LEVELS = (Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)


def read_histories(
    engine: Engine, test: str, point: str | None, since: dt.datetime | None, until: dt.datetime | None
) -> list[MetricHistory]:
    """The test's assessed history at the point (runs off the GUI thread)."""
    histories = load_histories(engine, test, point=point, since=since, until=until)
    return [h for h in histories if h.direction != "equal"]


def _fmt(value: float) -> str:
    return number(value)


REPLAY_DAYS = 28  # how far back the dialog tries the thresholds on the rules (issue 21)


def would_notify(
    config: ProbeConfig, engine: Engine, metric_id: int, proposed: ThresholdTable, until: dt.datetime
) -> tuple[int, int, list[str]] | None:
    """How many times the notification rules watching the metric would have notified over the
    last REPLAY_DAYS days with the proposed thresholds, and with the thresholds that assessed it
    (runs off the GUI thread; the notifier answers through its entry point, `notify replay`'s
    code). None when no notifier is installed or no rule watches the metric."""
    replays = plugins.notification_replays()
    if not replays:
        return None
    since = until - dt.timedelta(days=REPLAY_DAYS)
    proposed_counts: dict[str, int] = {}
    current_counts: dict[str, int] = {}
    for replay in replays.values():
        proposed_counts.update(replay(config, engine, metric_id, proposed, since, until))
        current_counts.update(replay(config, engine, metric_id, None, since, until))
    if not proposed_counts:
        return None
    return sum(proposed_counts.values()), sum(current_counts.values()), sorted(proposed_counts)


class BaselineDialog(QDialog):
    def __init__(
        self,
        engine: Engine,
        test: str,
        tz: ZoneInfo,
        *,
        point: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        preselect: str | None = None,
        config: ProbeConfig | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.tz = tz
        self.config = config  # the probe's configuration: its notification rules (None: not asked)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        title = translate("BaselineDialog", "Typical values and thresholds")
        self.setWindowTitle(f"{title} — {test}")
        self.histories: list[MetricHistory] = []
        self.preselect = preselect
        self.proposal: Proposal | None = None

        self.metric_box = QComboBox()
        self.percentile_box = QDoubleSpinBox()
        self.percentile_box.setRange(0, 100)
        self.percentile_box.setValue(50)
        self.percentile_box.setSuffix(" %")
        form = QFormLayout()
        form.addRow(translate("BaselineDialog", "Metric"), self.metric_box)
        form.addRow(translate("BaselineDialog", "Typical value percentile"), self.percentile_box)

        self.plot = pg.PlotWidget(
            background="w", axisItems={"bottom": LocaleAxis("bottom"), "left": LocaleAxis("left")}
        )
        self.plot.setLabel("bottom", translate("BaselineDialog", "value"))
        self.plot.setLabel("left", translate("BaselineDialog", "intervals"))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.bars: pg.BarGraphItem | None = None
        self.lines: list[pg.InfiniteLine] = []

        self.summary = QLabel()
        self.table = QTableWidget(2, 4)
        self.table.setHorizontalHeaderLabels(["t1", "t2", "t3", "t4"])
        self.table.setVerticalHeaderLabels(
            [translate("BaselineDialog", "Current"), translate("BaselineDialog", "Proposed")]
        )
        self.table.setFixedHeight(90)
        header = self.table.horizontalHeader()
        if header is not None:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.notifications = QLabel()  # "would have notified N times in the last 28 days"
        self.notifications.setWordWrap(True)
        self.apply_button = QPushButton(translate("BaselineDialog", "Apply the proposed thresholds"))
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.apply_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.notifications)
        layout.addLayout(buttons)
        self.resize(820, 600)

        self.metric_box.currentIndexChanged.connect(self.refresh)
        self.percentile_box.valueChanged.connect(self.refresh)
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.setEnabled(False)
        self.summary.setText(translate("BaselineDialog", "Reading the history…"))
        # The history and the write of the proposal run off the GUI thread.
        self.loader = Loader(self)
        self.loader.loaded.connect(self._histories_loaded)
        self.loader.failed.connect(self._failed)
        self.writer = Loader(self)
        self.writer.loaded.connect(self._applied)
        self.writer.failed.connect(self._failed)
        self.replayer = Loader(self)
        self.replayer.loaded.connect(self._replayed)
        self.replayer.failed.connect(self._replay_failed)
        self.loader.start(read_histories, engine, test, point, since, until)

    def _histories_loaded(self, histories: object) -> None:
        assert isinstance(histories, list)
        self.histories = histories
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for history in self.histories:
            self.metric_box.addItem(history.name, history.metric_id)
        names = [h.name for h in self.histories]
        if self.preselect in names:
            self.metric_box.setCurrentIndex(names.index(self.preselect))
        self.metric_box.blockSignals(False)
        self.refresh()

    def _failed(self, reason: str) -> None:
        self.status.setText(translate("BaselineDialog", "Database unavailable: {error}").format(error=reason))

    def current_history(self) -> MetricHistory | None:
        index = self.metric_box.currentIndex()
        return self.histories[index] if 0 <= index < len(self.histories) else None

    def refresh(self) -> None:
        history = self.current_history()
        self.plot.clear()
        self.lines = []
        self.status.setText("")
        if history is None:
            self.summary.setText(translate("BaselineDialog", "No assessed history for this test."))
            self.apply_button.setEnabled(False)
            return
        values = [v for _, v in history.samples]
        edges, counts = histogram(values)
        width = edges[1] - edges[0]
        self.bars = pg.BarGraphItem(
            x0=edges[:-1],
            width=width * 0.95,
            height=counts,
            brush=pg.mkBrush("#7fa7d9"),
            pen=pg.mkPen("#4a78b0"),
        )
        self.plot.addItem(self.bars)
        options = BaselineOptions(percentile=self.percentile_box.value())
        proposals = propose(history, options, self.tz)
        self.proposal = proposals[0] if proposals else None
        if history.current is not None:
            self._draw_lines(history.current.bounds, Qt.PenStyle.DashLine)
        if self.proposal is not None:
            self._draw_lines(self.proposal.thresholds.bounds, Qt.PenStyle.SolidLine)
            self.summary.setText(
                translate(
                    "BaselineDialog",
                    "Typical value: {typical} (from {samples} intervals). Solid lines: proposed thresholds; dashed: current.",
                ).format(typical=_fmt(self.proposal.typical), samples=self.proposal.samples)
            )
        else:
            self.summary.setText(translate("BaselineDialog", "Too few values for a proposal."))
        self._fill_row(0, history.current)
        self._fill_row(1, None if self.proposal is None else self.proposal.thresholds)
        self.apply_button.setEnabled(self.proposal is not None)
        self._ask_rules(history)

    def _ask_rules(self, history: MetricHistory) -> None:
        """Before Apply: how often the rules would have notified with the proposal."""
        self.notifications.setText("")
        if self.config is None or self.proposal is None:
            return
        self.notifications.setText(
            translate("BaselineDialog", "Trying the proposal on the notification rules…")
        )
        self.replayer.start(
            would_notify, self.config, self.engine, history.metric_id, self.proposal.thresholds, self.clock()
        )

    def _replayed(self, result: object) -> None:
        if result is None:
            self.notifications.setText(
                translate("BaselineDialog", "No notification rule watches this metric.")
            )
            return
        assert isinstance(result, tuple)
        proposed, current, rules = result
        self.notifications.setText(
            translate(
                "BaselineDialog",
                "With the proposed thresholds the notification rules would have notified %n time(s) in the last {days} days (with the current ones: {current}; rules: {rules}).",
                n=proposed,
            ).format(days=REPLAY_DAYS, current=current, rules=", ".join(rules))
        )

    def _replay_failed(self, reason: str) -> None:
        self.notifications.setText(
            translate("BaselineDialog", "The rules could not be tried: {error}").format(error=reason)
        )

    def _draw_lines(self, bounds: Sequence[float], style: Qt.PenStyle) -> None:
        for bound, level in zip(bounds, BOUNDARY_LEVELS, strict=False):
            for pen in threshold_pens(level, style, width=2):
                line = pg.InfiniteLine(pos=bound, angle=90, pen=pen)
                self.plot.addItem(line)
                self.lines.append(line)

    def _fill_row(self, row: int, table: ThresholdTable | None) -> None:
        for column in range(4):
            text = "" if table is None or column >= len(table.bounds) else _fmt(table.bounds[column])
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            if table is not None and column < len(table.bounds):
                item.setToolTip(level_text(BOUNDARY_LEVELS[column]))
            self.table.setItem(row, column, item)

    def apply(self) -> None:
        if self.proposal is None:
            return
        self.apply_button.setEnabled(False)
        self.writer.start(apply_proposals, self.engine, [self.proposal])

    def _applied(self, _result: object) -> None:
        self.apply_button.setEnabled(True)
        self.status.setText(
            translate("BaselineDialog", "Thresholds applied: the engine uses them from the next evaluation.")
        )
