"""The audio fragments of one service point (issue 9): time, kind, length and a play button per
fragment, newest first, for the point page. Fragments are read from the aggregator's `clips`
table (written by the probe's cutter); playing uses QtMultimedia, or an external player command
when one is given or QtMultimedia is not available."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PyQt6.QtCore import QUrl
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine, select

from console.i18n import local_text, number, translate
from console.interval_data import Fragment, fragment_of
from console.worker import Loader
from probe.store.schema import clips, points

try:  # the PyQt6 wheels ship QtMultimedia, but a trimmed install may not have it
    from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer
except ImportError:  # pragma: no cover - depends on the installation
    QMediaPlayer = None  # type: ignore[assignment,misc]
    QAudioOutput = None  # type: ignore[assignment,misc]

DEFAULT_LIMIT = 200
DEFAULT_EXTERNAL_PLAYER = ("xdg-open",)


def load_fragments(
    engine: Engine,
    point_name: str,
    limit: int = DEFAULT_LIMIT,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[Fragment]:
    """The point's clip rows (of presses in [since, until) when given), newest press first."""
    query = select(clips).join(points, points.c.id == clips.c.point_id).where(points.c.name == point_name)
    if since is not None:
        query = query.where(clips.c.pressed_at >= since.astimezone(dt.UTC).replace(tzinfo=None))
    if until is not None:
        query = query.where(clips.c.pressed_at < until.astimezone(dt.UTC).replace(tzinfo=None))
    query = query.order_by(clips.c.pressed_at.desc(), clips.c.press_id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [fragment_of(row) for row in rows]


def read_fragments(
    engine: Engine, point_name: str, limit: int, since: dt.datetime | None, until: dt.datetime | None
) -> list[Fragment]:
    return load_fragments(engine, point_name, limit, since=since, until=until)


def _length_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def kind_text(kind: str) -> str:
    """A button kind as the interface names it."""
    names = {
        "negative": translate("ButtonKinds", "Negative"),
        "force_majeure": translate("ButtonKinds", "Force majeure"),
        "positive": translate("ButtonKinds", "Positive"),
        "passive": translate("ButtonKinds", "Passive"),
        "seller": translate("ButtonKinds", "Seller"),
        "red": translate("ButtonKinds", "Red"),
    }
    return names.get(kind, kind)


def status_text(status: str) -> str:
    names = {
        "cut": translate("ClipsPanel", "cut"),
        "waiting": translate("ClipsPanel", "waiting for the recording"),
        "missing": translate("ClipsPanel", "no recording"),
    }
    return names.get(status, status)


def list_table(labels: Sequence[str]) -> QTableWidget:
    """A read-only table of rows (one per press) with these column headers, sized to its content:
    the lists of the point page (fragments, press alerts)."""
    table = QTableWidget(0, len(labels))
    table.setHorizontalHeaderLabels(list(labels))
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    if header is not None:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class ClipsPanel(QWidget):
    """`ClipsPanel(engine, point_name)`: the fragments of one point with play buttons."""

    COLUMNS = ("time", "kind", "length", "state", "play")

    def __init__(
        self,
        engine: Engine,
        point_name: str,
        parent: QWidget | None = None,
        *,
        tz: ZoneInfo | None = None,
        limit: int = DEFAULT_LIMIT,
        player_command: Sequence[str] | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        fragments: Sequence[Fragment] | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.point_name = point_name
        self.tz = tz
        self.limit = limit
        self.since, self.until = since, until
        self.time_pattern = "dd.MM.yyyy HH:mm:ss"  # the interval panel shows times of one day
        self.fragments: list[Fragment] = []
        self.playing: int | None = None  # row being played
        self.external: subprocess.Popen[bytes] | None = None
        # QtMultimedia unless an external player is asked for (or QtMultimedia is missing).
        self.player_command: tuple[str, ...] | None = (
            tuple(player_command)
            if player_command
            else (None if QMediaPlayer is not None else DEFAULT_EXTERNAL_PLAYER)
        )
        self.player: Any = None
        self.audio_output: Any = None

        self.title = QLabel(translate("ClipsPanel", "Audio fragments: {point}").format(point=point_name))
        self.status = QLabel()
        refresh = QPushButton(translate("ClipsPanel", "Refresh"))
        refresh.clicked.connect(self.refresh)
        self.refresh_button = refresh
        self.table = list_table(
            [
                translate("ClipsPanel", "Pressed at"),
                translate("ClipsPanel", "Button"),
                translate("ClipsPanel", "Length"),
                translate("ClipsPanel", "State"),
                "",
            ]
        )
        header = self.table.horizontalHeader()
        if header is not None:
            header.setStretchLastSection(True)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.loader = Loader(self)
        self.loader.loaded.connect(self._fragments_loaded)
        self.loader.failed.connect(self._failed)
        if fragments is None:
            self.refresh()
        else:  # already read (the interval panel reads everything in one go)
            self.show_fragments(fragments)

    # --- data ------------------------------------------------------------------------------------

    def local_time(self, at: dt.datetime) -> str:
        return local_text(at, self.tz or at.astimezone().tzinfo or dt.UTC, self.time_pattern)

    def state_text(self, fragment: Fragment) -> str:
        if fragment.status == "cut":
            if fragment.path is not None and not fragment.path.exists():
                return str(translate("ClipsPanel", "file not found: {path}").format(path=fragment.path))
            if fragment.gap_seconds >= 1:
                return str(
                    translate("ClipsPanel", "cut, {gap} s not recorded").format(
                        gap=number(fragment.gap_seconds, 0)
                    )
                )
        return status_text(fragment.status)

    def refresh(self) -> None:
        """Read the fragments again, off the GUI thread."""
        self.stop()
        self.loader.start(read_fragments, self.engine, self.point_name, self.limit, self.since, self.until)

    def _fragments_loaded(self, fragments: object) -> None:
        assert isinstance(fragments, list)
        self.show_fragments(fragments)

    def _failed(self, reason: str) -> None:
        self.status.setText(translate("ClipsPanel", "Database unavailable: {error}").format(error=reason))

    def show_fragments(self, fragments: Sequence[Fragment]) -> None:
        self.stop()
        self.fragments = list(fragments)
        self.table.setRowCount(len(self.fragments))
        for row, fragment in enumerate(self.fragments):
            values = (
                self.local_time(fragment.pressed_at),
                kind_text(fragment.kind),
                _length_text(fragment.duration_seconds),
                self.state_text(fragment),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if fragment.reason:
                    item.setToolTip(fragment.reason)
                self.table.setItem(row, column, item)
            button = QPushButton(translate("ClipsPanel", "▶ Play"))
            button.setEnabled(self.playable(fragment))
            button.clicked.connect(lambda _checked=False, r=row: self.toggle(r))
            self.table.setCellWidget(row, len(self.COLUMNS) - 1, button)
        self.status.setText(
            translate("ClipsPanel", "Fragments: {n}").format(n=len(self.fragments))
            if self.fragments
            else translate("ClipsPanel", "No fragments")
        )

    @staticmethod
    def playable(fragment: Fragment) -> bool:
        return fragment.status == "cut" and fragment.path is not None and fragment.path.exists()

    def play_button(self, row: int) -> QPushButton:
        widget = self.table.cellWidget(row, len(self.COLUMNS) - 1)
        assert isinstance(widget, QPushButton)
        return widget

    # --- playing -----------------------------------------------------------------------------------

    def play_press(self, press_id: int) -> bool:
        """Play the fragment of this press if it is in the list (the alerts panel's play button)."""
        for row, fragment in enumerate(self.fragments):
            if fragment.press_id == press_id and self.playable(fragment):
                self.table.selectRow(row)
                self.play(row)
                return True
        return False

    def toggle(self, row: int) -> None:
        if self.playing == row:
            self.stop()
        else:
            self.play(row)

    def play(self, row: int) -> None:
        fragment = self.fragments[row]
        if not self.playable(fragment) or fragment.path is None:
            return
        self.stop()
        try:
            if self.player_command is not None:
                self.external = subprocess.Popen([*self.player_command, str(fragment.path)])
            else:
                self._qt_player().setSource(QUrl.fromLocalFile(str(fragment.path)))
                self._qt_player().play()
        except OSError as exc:
            self.status.setText(translate("ClipsPanel", "Cannot play: {error}").format(error=exc))
            return
        self.playing = row
        self.play_button(row).setText(translate("ClipsPanel", "■ Stop"))

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
        if self.external is not None and self.external.poll() is None:
            self.external.terminate()
            self.external.wait(timeout=5)
        self.external = None
        if self.playing is not None and self.playing < self.table.rowCount():
            self.play_button(self.playing).setText(translate("ClipsPanel", "▶ Play"))
        self.playing = None

    def _qt_player(self) -> Any:
        if self.player is None:
            assert QMediaPlayer is not None and QAudioOutput is not None
            self.player = QMediaPlayer(self)
            self.audio_output = QAudioOutput(self)
            self.player.setAudioOutput(self.audio_output)
            self.player.playbackStateChanged.connect(self._playback_changed)
            self.player.errorOccurred.connect(self._player_error)
        return self.player

    def _playback_changed(self, state: Any) -> None:
        if QMediaPlayer is not None and state == QMediaPlayer.PlaybackState.StoppedState:
            if self.playing is not None and self.playing < self.table.rowCount():
                self.play_button(self.playing).setText(translate("ClipsPanel", "▶ Play"))
            self.playing = None

    def _player_error(self, _error: Any, message: str) -> None:
        self.status.setText(translate("ClipsPanel", "Cannot play: {error}").format(error=message))
