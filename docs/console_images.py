"""Regenerate the editor and "probe unreachable" pictures of docs/console.md (offscreen):
`python docs/console_images.py`. The Plan is shown with the test fixtures' live state (the demo's
points with chosen levels). The `demo_*` pictures come from `prolan-console --screenshot` against
a running demo probe instead."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PyQt6.QtCore import Qt  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from console.plan.view import PlanView  # noqa: E402
from console.settings import DEMO_ROOT_MAP  # noqa: E402
from tests.console_fixtures import demo_served, live_state  # noqa: E402
from tools.demo_maps import save_png  # noqa: E402

OUT = ROOT / "docs" / "img"


def save(widget: QApplication | object, name: str, width: int = 1100) -> None:
    image = widget.grab().toImage()  # type: ignore[attr-defined]
    image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    save_png(image, OUT / name)
    print(OUT / name)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    state = live_state(demo_served())
    view = PlanView(DEMO_ROOT_MAP, live_state=state)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    view.open_map(DEMO_ROOT_MAP.parent / "moscow.json")
    view.open_map(DEMO_ROOT_MAP.parent / "moscow_uzao.json")
    app.processEvents()
    view.set_edit_mode(True)
    app.processEvents()
    view.graphics.fit()
    app.processEvents()
    save(view, "plan_editor.png")
    view.set_edit_mode(False)
    view.set_state(state.disconnected("no answer"))
    app.processEvents()
    save(view, "plan_disconnected.png")


if __name__ == "__main__":
    main()
