"""Fixtures of the GUI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where a GUI test saves the pictures it draws: the test's own temporary folder, or
    `$PROLAN_SCREENSHOTS` when a developer asks to keep them for review."""
    chosen = os.environ.get("PROLAN_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
