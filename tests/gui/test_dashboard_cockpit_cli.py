"""`prolan-console --view dashboard|cockpit --screenshot` renders the stored history offscreen,
and F11 switches the Dashboard to full screen and back."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QImage
from PyQt6.QtWidgets import QMainWindow
from sqlalchemy import Engine

from console.dashboard import DashboardView
from console.timeline_data import Scope
from probe.levels import LEVEL_COLOURS, Level
from tests.gui.test_dashboard import COMPANY_NEG, MSK, NEG, seed
from tests.helpers import ROOT
from tests.history_builder import add_metric


@pytest.mark.parametrize("view", ["dashboard", "cockpit"])
def test_screenshot_of_each_view(
    engine: Engine, write_config: Callable[..., Path], tmp_path: Path, view: str
) -> None:
    # History of the last two hours (the app draws "now"): the latest interval acceptable, one bad.
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    last = now - dt.timedelta(minutes=now.minute % 10)
    levels = ["good"] * 8 + ["bad", "good", "good", "acceptable"]
    add_metric(
        engine,
        1,
        COMPANY_NEG,
        table=NEG,
        values=[(last - dt.timedelta(minutes=10 * (11 - i)), 10.0, lv) for i, lv in enumerate(levels)],
    )
    # A probe address where nothing answers: the views draw from the aggregator anyway.
    config = write_config(
        '[console]\nprobe = "127.0.0.1:9"\npoll_seconds = 1\n[console.dashboard]\ntiles = ["company"]\n'
    )
    out = tmp_path / f"{view}.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from console.app import main; raise SystemExit(main())"]
    result = subprocess.run(
        [*cmd, "--config", str(config), "--view", view, "--screenshot", str(out), "--size", "1200x800"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() == 1200 and image.height() == 800
    colours = {QColor(image.pixel(x, y)).name() for x in range(0, 1200, 7) for y in range(0, 800, 7)}
    if view == "dashboard":
        # The company tile: the seeded history ends acceptable (yellow over green), one bad interval.
        assert LEVEL_COLOURS[Level.ACCEPTABLE][0] in colours and LEVEL_COLOURS[Level.BAD][0] in colours


def test_f11_toggles_full_screen(qtbot, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    window = QMainWindow()
    qtbot.addWidget(window)
    view = DashboardView(engine, MSK, [Scope()], clock=lambda: dt.datetime(2026, 11, 18, 9, 5, tzinfo=dt.UTC))
    window.setCentralWidget(view)
    window.show()
    qtbot.keyClick(view, Qt.Key.Key_F11)
    assert window.isFullScreen()
    qtbot.keyClick(view, Qt.Key.Key_F11)
    assert not window.isFullScreen()
