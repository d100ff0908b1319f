"""The demo-map generator lives outside the runtime packages (`tools/`) and still draws the map set
that `maps/demo` holds: `python -m tools.demo_maps --out DIR` (issue 14, point 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PyQt6.QtGui import QImage

from tests.helpers import ROOT

DEMO = ROOT / "maps" / "demo"


def test_the_generator_is_not_in_a_runtime_package() -> None:
    assert not (ROOT / "console" / "demo_maps.py").exists()
    for package in ("probe", "notifier", "console"):
        sources = (p.read_text(encoding="utf-8") for p in (ROOT / package).rglob("*.py"))
        assert not any("demo_maps" in text for text in sources), package


def test_python_m_tools_demo_maps_redraws_the_committed_map_set(tmp_path: Path) -> None:
    out = tmp_path / "maps"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "tools.demo_maps", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    committed = sorted(p.relative_to(DEMO) for p in DEMO.rglob("*") if p.is_file())
    drawn = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert drawn == committed
    for name in committed:
        if name.suffix == ".json":
            # The map files (icon positions, links) are exactly the committed ones.
            assert (out / name).read_text(encoding="utf-8") == (DEMO / name).read_text(encoding="utf-8")
        else:
            # Backgrounds: same picture size (pixels differ with the fonts of the machine).
            assert QImage(str(out / name)).size() == QImage(str(DEMO / name)).size(), name
