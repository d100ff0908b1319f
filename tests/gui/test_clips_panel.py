"""The point page's fragment list, offscreen, on fragments cut by the real cutter."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.clips_panel import ClipsPanel
from console.worker import settle
from probe.clips.runner import ClipCutter
from probe.topology import import_topology, parse_topology
from tests.clips_audio import make_recording, recording_name
from tests.integration.test_clips import BASE, POINT, TOPOLOGY, add_press, later, make_config

MSK = ZoneInfo("Europe/Moscow")


def cut_three(engine: Engine, tmp_path: Path, db_url: str) -> list[int]:
    """Two fragments cut (negative, force majeure) and one press still waiting for its recording."""
    import_topology(engine, parse_topology(TOPOLOGY))
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 120, [(20.0, 1.0), (80.0, 1.0)])
    ids = [
        add_press(engine, BASE + dt.timedelta(seconds=20)),
        add_press(engine, BASE + dt.timedelta(seconds=80), kind="force_majeure"),
        add_press(engine, BASE + dt.timedelta(hours=2)),
        add_press(engine, BASE + dt.timedelta(seconds=30), pad="P-2"),  # another point
    ]
    ClipCutter(make_config(tmp_path, db_url), engine).run_once(now=later(BASE, hours=3))
    return ids


def test_lists_the_points_fragments_and_plays_them(
    qtbot: QtBot, engine: Engine, tmp_path: Path, db_url: str
) -> None:
    cut_three(engine, tmp_path, db_url)
    panel = ClipsPanel(engine, POINT, tz=MSK)
    assert settle()  # the view reads off the GUI thread
    qtbot.addWidget(panel)
    table = panel.table
    assert table.rowCount() == 3
    cells = [[table.item(r, c).text() for c in range(4)] for r in range(3)]  # type: ignore[union-attr]
    assert cells == [
        ["22.11.2026 12:00:00", "Негативная", "", "ждёт запись"],
        ["22.11.2026 10:01:20", "Форс-мажор", "0:10", "вырезан"],
        ["22.11.2026 10:00:20", "Негативная", "0:10", "вырезан"],
    ]
    assert "no recording" in table.item(0, 3).toolTip()  # type: ignore[union-attr]
    assert not panel.play_button(0).isEnabled()
    assert panel.play_button(1).isEnabled() and panel.play_button(2).isEnabled()
    assert panel.status.text() == "Фрагментов: 3"

    qtbot.mouseClick(panel.play_button(2), Qt.MouseButton.LeftButton)
    assert panel.player is not None
    assert Path(panel.player.source().toLocalFile()) == panel.fragments[2].path
    assert panel.playing == 2 and panel.play_button(2).text() == "■ Стоп"
    qtbot.mouseClick(panel.play_button(2), Qt.MouseButton.LeftButton)
    assert panel.playing is None and panel.play_button(2).text() == "▶ Слушать"
    panel.stop()


def test_external_player_english_and_vanished_file(
    qtbot: QtBot, engine: Engine, tmp_path: Path, db_url: str, english: None
) -> None:
    cut_three(engine, tmp_path, db_url)
    played = tmp_path / "played.txt"
    script = tmp_path / "player.sh"
    script.write_text(f'#!/bin/sh\necho "$1" > {played}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    panel = ClipsPanel(engine, POINT, tz=MSK, player_command=[str(script)])
    assert settle()  # the view reads off the GUI thread
    qtbot.addWidget(panel)
    assert [panel.table.item(r, 1).text() for r in range(3)] == ["Negative", "Force majeure", "Negative"]  # type: ignore[union-attr]
    qtbot.mouseClick(panel.play_button(1), Qt.MouseButton.LeftButton)
    assert panel.external is not None
    panel.external.wait(timeout=10)
    assert played.read_text(encoding="utf-8").strip() == str(panel.fragments[1].path)

    assert panel.fragments[2].path is not None
    panel.fragments[2].path.unlink()
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert settle()  # the view reads off the GUI thread
    assert panel.table.item(2, 3).text().startswith("file not found")  # type: ignore[union-attr]
    assert not panel.play_button(2).isEnabled()
    assert panel.player is None


def test_a_point_without_fragments(qtbot: QtBot, engine: Engine, tmp_path: Path, db_url: str) -> None:
    cut_three(engine, tmp_path, db_url)
    panel = ClipsPanel(engine, "Нет такой")
    assert settle()  # the view reads off the GUI thread
    qtbot.addWidget(panel)
    assert panel.table.rowCount() == 0 and panel.status.text() == "Фрагментов нет"
