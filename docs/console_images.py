"""Regenerate pictures of docs/console.md (offscreen).

    python docs/console_images.py                      # the editor and "probe unreachable" pictures
    python docs/console_images.py --config probe.toml  # the interval panel, from that aggregator

The Plan pictures use the test fixtures' live state (the demo's points with chosen levels). The
interval panel pictures read a real aggregator (the demo's): the Cockpit with the degrading point's
latest assessed rectangle clicked, and the panel opened from its Dashboard tile. The `demo_*`,
`dashboard` and `cockpit` pictures come from `prolan-console --screenshot` against the demo."""

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


def interval_pictures(config_path: Path) -> None:
    """The interval panel below the Cockpit and in its own window from the Dashboard."""
    import datetime as dt

    from console.app import make_context
    from console.cockpit import Cockpit
    from console.cockpit import create_view as cockpit_view
    from console.dashboard import DashboardView
    from console.timeline_data import Scope
    from console.worker import settle
    from probe.config import load_config
    from probe.demo import DEGRADING_POINT

    app = QApplication.instance() or QApplication(sys.argv[:1])
    context = make_context(load_config(config_path))
    cockpit = cockpit_view(context)
    assert isinstance(cockpit, Cockpit)
    cockpit.resize(1600, 1100)
    cockpit.show()
    settle()
    index = next(
        i
        for i, h in enumerate(cockpit.histories)
        if h.info.point == DEGRADING_POINT
        and h.info.short_name == "% негативных ответов"
        and h.info.period == "interval"
    )
    history = cockpit.histories[index]
    assessed = [i for i in range(len(history)) if history.levels[i] >= 0 and history.levels[i] != 5]
    cockpit.select(index, history.point(assessed[-1]).at - dt.timedelta(minutes=5))
    settle()
    cockpit.split.setSizes([520, 560])
    app.processEvents()
    save(cockpit, "cockpit_interval.png", 1400)
    board = DashboardView(context.engine, context.tz, [Scope("point", DEGRADING_POINT)], hours=6)
    board.resize(900, 600)
    board.show()
    settle()
    tile = board.tiles[0]
    assert tile.state.current_at is not None
    dialog = board.open_interval(tile.state.scope, tile.state.current_at)
    dialog.resize(1500, 760)
    settle()
    app.processEvents()
    save(dialog, "interval_dialog.png", 1400)
    context.close()


def main() -> None:
    if "--config" in sys.argv:
        interval_pictures(Path(sys.argv[sys.argv.index("--config") + 1]))
        return
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
    view.set_state(
        state.disconnected("Нет связи с зондом 127.0.0.1:1161: нет ответа за 2 с. Повтор подключения…")
    )
    app.processEvents()
    save(view, "plan_disconnected.png")


if __name__ == "__main__":
    main()
