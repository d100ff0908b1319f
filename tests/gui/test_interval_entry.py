"""The interval panel opens from every view: a Cockpit rectangle, a Plan icon (its context
menu) and a Dashboard tile (the lamp or a rectangle), each for the right metric and interval."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.cockpit import Cockpit, CockpitLayout
from console.dashboard import DashboardView
from console.live import LiveMetric, LiveState
from console.plan.view import PlanView
from console.timeline_data import Scope
from console.worker import settle
from probe.levels import Level
from tests.gui.test_interval_panel import END, MSK, NEG, POINT, build, built, metric_id  # noqa: F401

__all__ = ["built"]


class Context:
    """What PlanView needs of the application's context."""

    def __init__(self, engine: Engine) -> None:
        from console.views import LiveHub

        self.engine = engine
        self.tz = MSK
        self.live = LiveHub()

        class Settings:
            history_hours = 6.0

        self.settings = Settings()


def live(engine: Engine) -> LiveState:
    neg = metric_id(engine, NEG)
    rows = [
        LiveMetric(neg, NEG, "k1", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 66.7, "", "%", Level.EDGE, None, END),
        LiveMetric(9999, "other", "k2", "LOYALTY_MON", POINT, "Москва/ЮЗАО", 1.0, "", "", Level.GOOD, None, END),
    ]  # fmt: skip
    return LiveState(True, "x", END, metrics={m.id: m for m in rows})


@pytest.fixture
def plan(qtbot: QtBot, built: Engine, tmp_path: Path) -> PlanView:
    path = tmp_path / "map.json"
    path.write_text(
        json.dumps(
            {
                "format": "prolan-map/1",
                "title": "Карта",
                "elements": [
                    {"id": "e1", "kind": "point", "target": POINT, "x": 100, "y": 100},
                    {"id": "e2", "kind": "metric", "target": NEG, "x": 300, "y": 100},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    view = PlanView(path, Context(built), live_state=live(built))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    return view


def test_from_a_plan_icon(qtbot: QtBot, plan: PlanView, built: Engine) -> None:
    for element in ("e1", "e2"):  # the point's worst metric, the metric's own
        dialog = plan.open_interval(element)
        assert dialog is not None
        assert settle()
        detail = dialog.panel.detail
        assert detail is not None and detail.info.id == metric_id(built, NEG) and detail.end == END
        assert len(detail.presses) == 13 and len(detail.fragments) == 3
    # Through the icon's context menu.
    plan.interval_dialog = None
    plan.scene.context_requested.emit("e1", QPoint(10, 10))
    menus = [m for m in plan.findChildren(QMenu) if m.isVisible()]
    assert menus, "no context menu"
    action = menus[-1].actions()[0]
    assert action.text() == "Открыть интервал…" and action.isEnabled()
    action.trigger()
    assert settle()
    assert plan.interval_dialog is not None and plan.interval_dialog.isVisible()
    assert plan.interval_dialog.panel.detail is not None


def test_from_a_dashboard_tile(qtbot: QtBot, built: Engine) -> None:
    view = DashboardView(
        built, MSK, [Scope("point", POINT)], hours=2, clock=lambda: END + dt.timedelta(minutes=2)
    )
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    assert settle()
    tile = view.tiles[0]
    assert tile.state.current is Level.EDGE and tile.state.current_at == END
    lamp = tile.lamp_rect().center().toPoint()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=lamp)
    assert settle()
    dialog = view.interval_dialog
    assert dialog is not None and dialog.isVisible()
    detail = dialog.panel.detail
    # The lamp's colour comes from the point's worst metric then: the negative answers (edge).
    assert detail is not None and detail.info.id == metric_id(built, NEG) and detail.end == END
    # A rectangle of the strip: the earlier interval.
    rects = tile.recent_rects()
    assert len(rects) == 2
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=rects[0].center().toPoint())
    assert settle()
    assert dialog.panel.detail is not None and dialog.panel.detail.end == END - dt.timedelta(minutes=10)


def test_from_a_cockpit_rectangle(qtbot: QtBot, built: Engine) -> None:
    cockpit = Cockpit(built, MSK, CockpitLayout(hours=2), clock=lambda: END + dt.timedelta(minutes=2))
    qtbot.addWidget(cockpit)
    cockpit.resize(1400, 900)
    cockpit.show()
    assert settle()
    index = next(i for i, h in enumerate(cockpit.histories) if h.info.name == NEG)
    cockpit.select(index, END - dt.timedelta(minutes=4))
    assert settle()
    detail = cockpit.panel.detail
    assert detail is not None and detail.end == END and len(detail.presses) == 13
