"""The threshold advice dialog, offscreen, on a constructed history."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from sqlalchemy import Engine, select

from console.baseline_dialog import BaselineDialog
from console.worker import settle
from probe.store.schema import threshold_overrides
from tests.integration.test_baseline_cli import NEG, seed

MSK = ZoneInfo("Europe/Moscow")
ROOT = Path(__file__).resolve().parents[2]


def test_dialog_shows_distribution_thresholds_and_applies(qtbot, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    dialog = BaselineDialog(engine, "LOYALTY_MON", MSK)
    assert settle()  # the view reads off the GUI thread
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.metric_box.itemText(i) for i in range(dialog.metric_box.count())]
    assert f"LOYALTY_MON. СОКОК. Калужская. {NEG}" in names
    assert "LOYALTY_MON. Тест работает" not in names  # equality metrics have no typical value
    dialog.metric_box.setCurrentIndex(names.index(f"LOYALTY_MON. СОКОК. Калужская. {NEG}"))

    # The histogram holds every stored value (five with a value), the lines are the two tables.
    assert dialog.bars is not None
    assert sum(dialog.bars.opts["height"]) == 5
    positions = sorted({line.value() for line in dialog.lines})
    assert positions == sorted([20, 40, 60, 80, 12, 24, 36, 48])
    # In the colours of the level each boundary starts: acceptable and edge two-coloured.
    assert len(dialog.lines) == 2 * (2 + 1 + 2 + 1)
    assert dialog.table.item(0, 0).text() == "20" and dialog.table.item(1, 3).text() == "48"
    assert "12" in dialog.summary.text() and "5" in dialog.summary.text()

    # Another percentile changes the proposal at once.
    dialog.percentile_box.setValue(100)
    assert dialog.table.item(1, 0).text() == "30"
    dialog.percentile_box.setValue(50)

    shot = tmp_path / "baseline_dialog.png"
    assert dialog.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("PROLAN_UPDATE_DOC_IMAGES"):
        dialog.grab().save(str(ROOT / "docs" / "img" / "baseline_dialog.png"))

    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert settle()  # the view reads off the GUI thread
    with engine.connect() as conn:
        rows = conn.execute(select(threshold_overrides.c.metric_pattern, threshold_overrides.c.t1)).all()
    assert rows == [(f"LOYALTY_MON. СОКОК. Калужская. {NEG}", 12.0)]
    assert "применены" in dialog.status.text()


def test_dialog_without_history_says_so(qtbot, engine: Engine, english: None) -> None:  # type: ignore[no-untyped-def]
    dialog = BaselineDialog(engine, "LOYALTY_MON", MSK)
    assert settle()  # the view reads off the GUI thread
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == "No assessed history for this test."
    assert not dialog.apply_button.isEnabled()
