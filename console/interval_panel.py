"""The interval panel: the whole of one evaluated interval, one click away (from a Cockpit
rectangle, a Plan icon or a Dashboard tile).

For one metric and interval it shows the threshold table with the row that assessed the value
marked; the interval's presses at the point by methodology and button kind, with the УСОКОК
windows as the evaluation saw them (answered, silent, still open, answers outside a window) and
the presses one by one; the audio fragments of those presses with play buttons; the loyalty
drivers of the point at the same time; and the notifications the evaluation triggered.
The data comes from `console.interval_data.load_interval`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
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

from console.clips_panel import ClipsPanel, kind_text
from console.i18n import format_value, level_text, local_text, translate
from console.interval_data import IntervalDetail, kinds_present, load_interval
from console.level_paint import LevelDelegate, LevelSwatch, set_level
from console.plan.point_page import ThresholdTableWidget
from console.worker import Loader
from probe.levels import Level


def window_text(status: str | None) -> str:
    names = {
        "answered": translate("IntervalPanel", "answered"),
        "silent": translate("IntervalPanel", "silent"),
        "open": translate("IntervalPanel", "window open"),
        "accepted": translate("IntervalPanel", "answer in the window"),
        "outside": translate("IntervalPanel", "outside a window"),
    }
    return names.get(status or "", "")


def event_text(kind: str) -> str:
    names = {
        "fire": translate("IntervalPanel", "incident"),
        "escalate": translate("IntervalPanel", "escalation"),
        "recover": translate("IntervalPanel", "recovery"),
        "test": translate("IntervalPanel", "test message"),
    }
    return names.get(kind, kind)


def outbox_status_text(status: str) -> str:
    names = {
        "pending": translate("IntervalPanel", "waiting"),
        "sending": translate("IntervalPanel", "sending"),
        "sent": translate("IntervalPanel", "sent"),
        "failed": translate("IntervalPanel", "failed"),
    }
    return names.get(status, status)


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setItemDelegate(LevelDelegate(table))
    header = table.horizontalHeader()
    if header is not None:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
    return table


def _item(text: str, *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class IntervalPanel(QWidget):
    """`show_detail(detail)` fills every part; `clear(text)` shows a hint instead."""

    def __init__(self, engine: Engine, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.tz = tz
        self.detail: IntervalDetail | None = None

        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSize(font.pointSize() + 1)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.swatch = LevelSwatch(Level.UNKNOWN, 16)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self.swatch)
        head.addWidget(self.summary, 1)
        self.head = head  # a view adds its own buttons here (the Cockpit's threshold advice)

        self.thresholds = ThresholdTableWidget()
        self.drivers = _table(
            [
                translate("IntervalPanel", "Driver"),
                translate("IntervalPanel", "Value"),
                translate("IntervalPanel", "Assessment"),
                translate("IntervalPanel", "Evaluated"),
            ]
        )
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(
            _group(translate("IntervalPanel", "Thresholds"), self.thresholds.caption, self.thresholds)
        )
        left_box.addWidget(
            _group(translate("IntervalPanel", "Loyalty drivers at the point, same time"), self.drivers), 1
        )

        self.counts = _table([translate("IntervalPanel", "Methodology")])
        self.windows = QLabel()
        self.windows.setWordWrap(True)
        self.press_list = _table(
            [
                translate("IntervalPanel", "Time"),
                translate("IntervalPanel", "Pad"),
                translate("IntervalPanel", "Methodology"),
                translate("IntervalPanel", "Button"),
                translate("IntervalPanel", "Window"),
                translate("IntervalPanel", "Question"),
            ]
        )
        self.presses_box = _group(
            translate("IntervalPanel", "Presses of the interval"), self.counts, self.windows, self.press_list
        )

        self.clips = ClipsPanel(engine, "", tz=tz, fragments=[])
        self.clips.time_pattern = "HH:mm:ss"
        self.notifications = _table(
            [
                translate("IntervalPanel", "Queued"),
                translate("IntervalPanel", "Rule"),
                translate("IntervalPanel", "Event"),
                translate("IntervalPanel", "Channel"),
                translate("IntervalPanel", "Recipient"),
                translate("IntervalPanel", "State"),
            ]
        )
        self.notifications_note = QLabel()
        self.notifications_note.setWordWrap(True)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(
            _group(translate("IntervalPanel", "Audio fragments of these presses"), self.clips), 1
        )
        right_box.addWidget(
            _group(
                translate("IntervalPanel", "Notifications the interval triggered"),
                self.notifications,
                self.notifications_note,
            ),
            1,
        )

        self.columns = QSplitter(Qt.Orientation.Horizontal)
        self.columns.addWidget(left)
        self.columns.addWidget(self.presses_box)
        self.columns.addWidget(right)
        self.columns.setSizes([440, 520, 480])
        for table in (self.drivers, self.notifications):
            header = table.horizontalHeader()
            if header is not None:
                header.setSectionResizeMode(0 if table is self.drivers else 1, QHeaderView.ResizeMode.Stretch)
                header.setStretchLastSection(False)

        self.loader = Loader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(head)
        layout.addWidget(self.columns, 1)
        self.clear(translate("IntervalPanel", "Click a rectangle to see its whole interval."))

    def open(self, metric_id: int, end: dt.datetime, interval_seconds: float | None = None) -> None:
        """Read and show the interval of `metric_id` ending at `end` (off the GUI thread)."""
        self.load(load_interval, self.engine, metric_id, end, interval_seconds)

    def load(self, function: Callable[..., IntervalDetail | None], *args: Any) -> None:
        """Read the interval with `function(*args)` off the GUI thread and show it."""
        self.clear(translate("IntervalPanel", "Reading the interval…"))
        self.loader.start(function, *args)

    def _loaded(self, detail: object) -> None:
        if isinstance(detail, IntervalDetail):
            self.show_detail(detail)
        else:
            self.clear(translate("IntervalPanel", "Nothing was evaluated there."))

    def _failed(self, reason: str) -> None:
        self.clear(translate("IntervalPanel", "The interval cannot be read: {reason}").format(reason=reason))

    def clear(self, text: str) -> None:
        self.detail = None
        self.title.setText(text)
        self.summary.setText("")
        self.swatch.level = Level.UNKNOWN
        self.swatch.update()
        self.thresholds.show_table(None, None)
        for table in (self.drivers, self.counts, self.press_list, self.notifications):
            table.setRowCount(0)
        self.windows.setText("")
        self.notifications_note.setText("")
        self.clips.show_fragments([])
        self.clips.title.setText("")

    def show_detail(self, detail: IntervalDetail) -> None:
        self.detail = detail
        info = detail.info
        self.title.setText(info.name)
        self.summary.setText(
            translate(
                "IntervalPanel", "Interval {start} – {end} · value {value} · assessment: {level}"
            ).format(
                start=local_text(detail.start, self.tz, "dd.MM.yyyy HH:mm"),
                end=local_text(detail.end, self.tz, "HH:mm"),
                value=format_value(detail.value, info.unit),
                level=level_text(detail.level),
            )
        )
        self.swatch.level = detail.level or Level.UNKNOWN
        self.swatch.update()
        self.thresholds.show_table(detail.thresholds, detail.value, info.unit)
        self._show_drivers(detail)
        self._show_presses(detail)
        self.clips.point_name = info.point or ""
        self.clips.since, self.clips.until = detail.start, detail.end
        self.clips.title.setText("")  # the group's title says what they are; the count is below
        self.clips.show_fragments(detail.fragments)
        self._show_notifications(detail)

    def _show_drivers(self, detail: IntervalDetail) -> None:
        self.drivers.setRowCount(len(detail.drivers))
        for row, driver in enumerate(detail.drivers):
            self.drivers.setItem(row, 0, _item(driver.info.label))
            self.drivers.item(row, 0).setToolTip(driver.info.name)  # type: ignore[union-attr]
            self.drivers.setItem(row, 1, _item(format_value(driver.value, driver.info.unit), right=True))
            self.drivers.setItem(row, 2, set_level(_item(level_text(driver.level)), driver.level))
            when = local_text(driver.at, self.tz, "HH:mm") if driver.at is not None else "—"
            self.drivers.setItem(row, 3, _item(when))

    def _show_presses(self, detail: IntervalDetail) -> None:
        kinds = kinds_present(detail)
        methodologies = sorted({m for m, _k in detail.counts})
        self.counts.setColumnCount(len(kinds) + 2)
        self.counts.setHorizontalHeaderLabels(
            [
                translate("IntervalPanel", "Methodology"),
                *[kind_text(k) for k in kinds],
                translate("IntervalPanel", "Total"),
            ]
        )
        self.counts.setRowCount(len(methodologies))
        for row, methodology in enumerate(methodologies):
            self.counts.setItem(row, 0, _item(methodology))
            for column, kind in enumerate(kinds, start=1):
                self.counts.setItem(
                    row, column, _item(str(detail.counts.get((methodology, kind), 0)), right=True)
                )
            total = sum(n for (m, _k), n in detail.counts.items() if m == methodology)
            self.counts.setItem(row, len(kinds) + 1, _item(str(total), right=True))
        self.counts.setFixedHeight(self._rows_height(self.counts, max(1, len(methodologies))))
        windows = detail.windows
        if any(p.methodology == "УСОКОК" for p in detail.presses):
            self.windows.setText(
                translate(
                    "IntervalPanel",
                    "УСОКОК windows: answered {answered}, silent {silent}, still open {open}; "
                    "answers outside a window {outside}",
                ).format(
                    answered=windows["answered"],
                    silent=windows["silent"],
                    open=windows["open"],
                    outside=windows["outside"],
                )
            )
        else:
            self.windows.setText("")
        shown = detail.presses
        self.press_list.setRowCount(len(shown))
        for row, press in enumerate(shown):
            self.press_list.setItem(row, 0, _item(local_text(press.at, self.tz, "HH:mm:ss.zzz")))
            self.press_list.setItem(row, 1, _item(press.pad))
            self.press_list.setItem(row, 2, _item(press.methodology))
            self.press_list.setItem(row, 3, _item(kind_text(press.kind)))
            window = window_text(press.window)
            if press.answer_at is not None:
                window += " " + local_text(press.answer_at, self.tz, "HH:mm:ss")
            self.press_list.setItem(row, 4, _item(window))
            self.press_list.setItem(row, 5, _item(press.question or ""))
        title = translate("IntervalPanel", "Presses of the interval: {n}").format(n=detail.press_total)
        if detail.press_total > len(shown):
            title += " " + translate("IntervalPanel", "(the first {n} listed)").format(n=len(shown))
        self.presses_box.setTitle(title)

    def _show_notifications(self, detail: IntervalDetail) -> None:
        self.notifications.setRowCount(len(detail.notifications))
        for row, note in enumerate(detail.notifications):
            values = (
                local_text(note.created_at, self.tz, "HH:mm:ss"),
                note.rule,
                event_text(note.kind),
                note.channel,
                note.recipient,
                outbox_status_text(note.status),
            )
            for column, value in enumerate(values):
                item = _item(value)
                item.setToolTip(f"{note.subject}\n{note.recipient} <{note.address}>")
                self.notifications.setItem(row, column, item)
        if detail.notifications_problem:
            self.notifications_note.setText(
                translate(
                    "IntervalPanel", "Notifications cannot be read: {error} (run prolan-probe db init)"
                ).format(error=detail.notifications_problem)
            )
        elif not detail.notifications:
            self.notifications_note.setText(translate("IntervalPanel", "None"))
        else:
            self.notifications_note.setText("")

    @staticmethod
    def _rows_height(table: QTableWidget, rows: int) -> int:
        header = table.horizontalHeader()
        head = header.height() if header is not None and header.isVisible() else 0
        return head + rows * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth() + 2  # type: ignore[union-attr]


class IntervalDialog(QDialog):
    """The panel in a window of its own (from the Plan and the Dashboard)."""

    def __init__(self, engine: Engine, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("IntervalPanel", "Interval"))
        self.panel = IntervalPanel(engine, tz, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.resize(1400, 700)
