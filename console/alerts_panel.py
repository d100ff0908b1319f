"""The press alerts of one service point (issue 22), for the point page: each alert beside its
press and that press's audio fragment, with its acknowledgement and comment (open →
acknowledged → closed); "Acknowledge…" and "Close…" ask for a comment and record who.

Reads and writes go through `probe.store.alerts` (the same functions as `prolan-probe alerts`)
on the console's database threads (`console.worker`), never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from console.clips_panel import kind_text, list_table, status_text
from console.i18n import local_text, translate
from console.worker import Loader
from probe.store import alerts as store

DEFAULT_LIMIT = 100
REFRESH_MILLISECONDS = 15_000
OPEN_COLOUR = "#d93a2b"


class Player(Protocol):
    """What plays a press's fragment (the point page's ClipsPanel)."""

    def play_press(self, press_id: int) -> bool: ...


def read_alerts(engine: Engine, point: str, limit: int) -> list[store.Alert]:
    return store.list_alerts(engine, point=point, limit=limit, point_glob=False)


def step_alert(engine: Engine, alert_id: int, step: str, by: str, comment: str) -> store.Alert:
    """Acknowledge or close; an AlertError's message reaches the panel's status line."""
    action = store.acknowledge if step == "ack" else store.close
    return action(engine, alert_id, by=by, comment=comment)


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return f"uid {os.getuid()}"


def ask_comment_dialog(parent: QWidget, title: str, label: str) -> str | None:
    """A comment, or None when the dialog was cancelled."""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def state_text(status: str) -> str:
    names = {
        store.OPEN: translate("AlertsPanel", "open"),
        store.ACKNOWLEDGED: translate("AlertsPanel", "acknowledged"),
        store.CLOSED: translate("AlertsPanel", "closed"),
    }
    return names.get(status, status)


class AlertsPanel(QWidget):
    """`AlertsPanel(engine, point_name)`: the point's press alerts, newest first."""

    COLUMNS = (
        "time",
        "button",
        "rule",
        "presses",
        "state",
        "acknowledged",
        "comment",
        "fragment",
        "play",
        "action",
    )

    def __init__(
        self,
        engine: Engine,
        point_name: str,
        parent: QWidget | None = None,
        *,
        tz: ZoneInfo | None = None,
        limit: int = DEFAULT_LIMIT,
        user: str | None = None,
        player: Player | None = None,
        ask_comment: Callable[[QWidget, str, str], str | None] = ask_comment_dialog,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.point_name = point_name
        self.tz = tz
        self.limit = limit
        self.user = user or current_user()
        self.player = player
        self.ask_comment = ask_comment
        self.alerts: list[store.Alert] = []

        self.title = QLabel(translate("AlertsPanel", "Press alerts: {point}").format(point=point_name))
        self.status = QLabel()
        self.notice = QLabel()  # the outcome of the last acknowledgement (kept across refreshes)
        refresh = QPushButton(translate("AlertsPanel", "Refresh"))
        refresh.clicked.connect(self.refresh)
        self.table = list_table(
            [
                translate("AlertsPanel", "Pressed at"),
                translate("AlertsPanel", "Button"),
                translate("AlertsPanel", "Rule"),
                translate("AlertsPanel", "Presses"),
                translate("AlertsPanel", "State"),
                translate("AlertsPanel", "Acknowledged"),
                translate("AlertsPanel", "Comment"),
                translate("AlertsPanel", "Audio fragment"),
                "",
                "",
            ]
        )
        header = self.table.horizontalHeader()
        if header is not None:
            header.setSectionResizeMode(self.COLUMNS.index("comment"), QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status)
        bottom.addStretch(1)
        bottom.addWidget(self.notice)
        layout.addLayout(bottom)

        self.loader = Loader(self)
        self.loader.loaded.connect(self._alerts_loaded)
        self.loader.failed.connect(self._failed)
        self.writer = Loader(self)
        self.writer.loaded.connect(self._stepped)
        self.writer.failed.connect(self._step_failed)
        # New alerts appear while the page is open (an analyst keeps it open all day).
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MILLISECONDS)
        self.timer.timeout.connect(self._refresh_if_idle)
        self.timer.start()
        self.refresh()

    # --- data ------------------------------------------------------------------------------------

    def local_time(self, at: dt.datetime, pattern: str = "dd.MM.yyyy HH:mm:ss") -> str:
        return local_text(at, self.tz or at.astimezone().tzinfo or dt.UTC, pattern)

    def refresh(self) -> None:
        self.loader.start(read_alerts, self.engine, self.point_name, self.limit)

    def _refresh_if_idle(self) -> None:
        if not self.loader.busy and not self.writer.busy:
            self.refresh()

    def _alerts_loaded(self, alerts: object) -> None:
        assert isinstance(alerts, list)
        self.show_alerts(alerts)

    def _failed(self, reason: str) -> None:
        self.status.setText(translate("AlertsPanel", "Database unavailable: {error}").format(error=reason))

    def presses_text(self, alert: store.Alert) -> str:
        if alert.presses <= 1:
            return "1"
        return str(
            translate("AlertsPanel", "{n} since {time}").format(
                n=alert.presses, time=self.local_time(alert.first_pressed_at, "HH:mm")
            )
        )

    def acknowledged_text(self, alert: store.Alert) -> str:
        if alert.acknowledged_at is None:
            return ""
        return f"{alert.acknowledged_by}, {self.local_time(alert.acknowledged_at, 'dd.MM HH:mm')}"

    @staticmethod
    def comment_text(alert: store.Alert) -> str:
        return " — ".join(c for c in (alert.ack_comment, alert.close_comment) if c)

    @staticmethod
    def fragment_text(alert: store.Alert) -> str:
        return status_text(alert.clip_status) if alert.clip_status else "—"

    def show_alerts(self, alerts: Sequence[store.Alert]) -> None:
        self.alerts = list(alerts)
        self.table.setRowCount(len(self.alerts))
        for row, alert in enumerate(self.alerts):
            values = (
                self.local_time(alert.pressed_at),
                kind_text(alert.kind),
                alert.rule,
                self.presses_text(alert),
                state_text(alert.status),
                self.acknowledged_text(alert),
                self.comment_text(alert),
                self.fragment_text(alert),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if alert.status == store.OPEN and self.COLUMNS[column] == "state":
                    item.setForeground(QColor(OPEN_COLOUR))
                if self.COLUMNS[column] == "comment" and value:
                    item.setToolTip(value)
                self.table.setItem(row, column, item)
            play = QPushButton(translate("AlertsPanel", "▶ Play"))
            play.setEnabled(
                self.player is not None and alert.clip_status == "cut" and alert.press_id is not None
            )
            play.clicked.connect(lambda _checked=False, r=row: self.play(r))
            self.table.setCellWidget(row, self.COLUMNS.index("play"), play)
            if alert.status != store.CLOSED:
                label = (
                    translate("AlertsPanel", "Acknowledge…")
                    if alert.status == store.OPEN
                    else translate("AlertsPanel", "Close…")
                )
                action = QPushButton(label)
                action.clicked.connect(lambda _checked=False, r=row: self.act(r))
                self.table.setCellWidget(row, self.COLUMNS.index("action"), action)
            else:
                self.table.removeCellWidget(row, self.COLUMNS.index("action"))
        waiting = sum(1 for a in self.alerts if a.status == store.OPEN)
        self.status.setText(
            translate("AlertsPanel", "Alerts: {n}, not acknowledged: {open}").format(
                n=len(self.alerts), open=waiting
            )
            if self.alerts
            else translate("AlertsPanel", "No press alerts")
        )

    def action_button(self, row: int) -> QPushButton | None:
        widget = self.table.cellWidget(row, self.COLUMNS.index("action"))
        return widget if isinstance(widget, QPushButton) else None

    def play_button(self, row: int) -> QPushButton:
        widget = self.table.cellWidget(row, self.COLUMNS.index("play"))
        assert isinstance(widget, QPushButton)
        return widget

    # --- actions ---------------------------------------------------------------------------------

    def play(self, row: int) -> None:
        alert = self.alerts[row]
        if self.player is None or alert.press_id is None or not self.player.play_press(alert.press_id):
            self.notice.setText(translate("AlertsPanel", "The fragment of this press is not in the list"))

    def act(self, row: int) -> None:
        """Acknowledge an open alert, close an acknowledged one; asks for a comment first."""
        alert = self.alerts[row]
        step = "ack" if alert.status == store.OPEN else "close"
        title = (
            translate("AlertsPanel", "Acknowledge alert {id}")
            if step == "ack"
            else translate("AlertsPanel", "Close alert {id}")
        ).format(id=alert.id)
        label = translate("AlertsPanel", "{kind} at {time}. Comment (what was done):").format(
            kind=kind_text(alert.kind), time=self.local_time(alert.pressed_at, "HH:mm")
        )
        comment = self.ask_comment(self, title, label)
        if comment is None:
            return
        self.writer.start(step_alert, self.engine, alert.id, step, self.user, comment)

    def _stepped(self, alert: object) -> None:
        assert isinstance(alert, store.Alert)
        self.notice.setText(
            translate("AlertsPanel", "Alert {id}: {state}").format(
                id=alert.id, state=state_text(alert.status)
            )
        )
        self.refresh()

    def _step_failed(self, reason: str) -> None:
        self.notice.setText(reason)
        self.refresh()
