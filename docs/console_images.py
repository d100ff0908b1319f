"""Regenerate the pictures of docs/console.md (offscreen): `python docs/console_images.py`.

The views are shown with the test fixtures' live states (the demo's points with chosen levels)
and, for the point page, six hours of constructed history in a throw-away SQLite database."""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PyQt6.QtCore import Qt  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from console.demo_maps import save_png  # noqa: E402
from console.plan.point_page import PointPage  # noqa: E402
from console.plan.view import PlanView  # noqa: E402
from console.settings import DEMO_ROOT_MAP  # noqa: E402
from probe.store.db import init_db, open_engine  # noqa: E402
from tests.console_fixtures import NEG, demo_served, live_state  # noqa: E402
from tests.history_builder import add_metric, add_points  # noqa: E402

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
    save(view, "plan_country.png")
    view.open_map(DEMO_ROOT_MAP.parent / "moscow.json")
    view.open_map(DEMO_ROOT_MAP.parent / "moscow_uzao.json")
    app.processEvents()
    save(view, "plan_district.png")
    view.set_edit_mode(True)
    app.processEvents()
    view.graphics.fit()
    app.processEvents()
    save(view, "plan_editor.png")
    view.set_edit_mode(False)
    view.set_state(state.disconnected("no answer"))
    app.processEvents()
    save(view, "plan_disconnected.png")

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite:///{tmp}/history.sqlite")
        init_db(engine)
        served = [m for m in demo_served() if m.point == "АЗС Тёплый Стан"]
        add_points(engine, [(1, "АЗС Тёплый Стан", "Москва/ЮЗАО")])
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        now -= dt.timedelta(minutes=now.minute % 10)
        ends = [now - dt.timedelta(minutes=10 * i) for i in range(36)][::-1]
        for m in served:
            rows = []
            for i, at in enumerate(ends):
                if m.thresholds is None:
                    value = 30 + 10 * math.sin(i / 4)
                    rows.append((at, value, None))
                else:
                    # The degrading point: negative answers climb over the last hours.
                    value = (
                        min(95.0, 8 + 2.2 * i + 6 * math.sin(i / 2))
                        if "Интервал" in m.name
                        else min(75.0, 10 + 1.6 * i)
                    )
                    rows.append((at, value, NEG.assess(value).value))
            add_metric(engine, m.id, m.name, point_id=1, unit=m.unit, values=rows, table=m.thresholds)
            # history_builder keys metrics as test.metricN; the live rows must match them.
            m.key = f"test.metric{m.id}"
        page = PointPage("АЗС Тёплый Стан", lambda: engine, ZoneInfo("Europe/Moscow"), 6)
        page.resize(1400, 900)
        page.show()
        for m in served:
            m.updated = now
        page.set_state(live_state(served))
        page.load_history()
        app.processEvents()
        save(page, "point_page.png")
        engine.dispose()


if __name__ == "__main__":
    main()
