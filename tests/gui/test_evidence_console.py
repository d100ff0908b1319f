"""The console shows how sure a percentage is (issue 21, point 1): the interval arrives over SNMP
from the probe's own agent, the point page has it in a column (explained in the tooltip), the Plan's
hover says it, and the Dashboard lamp shows how sure its colour is — a ring in the colour of the
level the counts support and a caption — on stored history (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, update

from console.dashboard import DashboardView
from console.evidence import lamp_evidence
from console.live import LiveMetric, LiveState
from console.plan.point_page import SURE_COLUMN, PointPage
from console.plan.view import PlanView
from console.settings import DEMO_ROOT_MAP
from console.snmp_poller import ProbeTarget, poll_once
from console.timeline_data import Scope
from console.worker import settle
from probe.assess import ThresholdTable
from probe.evidence import wilson_bounds
from probe.levels import LEVEL_COLOURS, Level
from probe.snapshot import SnapshotHub
from probe.store.schema import metric_values
from tests.console_fixtures import demo_served, live_state
from tests.history_builder import add_metric, add_points
from tests.integration.test_console_real_agent import AgentThread, snapshot_of

MSK = ZoneInfo("Europe/Moscow")
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
NOW = dt.datetime(2026, 11, 18, 12, 5, tzinfo=MSK)
END = dt.datetime(2026, 11, 18, 12, 0, tzinfo=MSK)
ONE_LOW, ONE_HIGH = wilson_bounds(1, 1)  # type: ignore[misc]
MANY_LOW, MANY_HIGH = wilson_bounds(200, 200)  # type: ignore[misc]


def test_the_interval_arrives_over_snmp_from_the_probe() -> None:
    snapshot = snapshot_of()
    chosen = next(m for m in snapshot.metrics if m.unit == "%" and m.point)
    with_interval = chosen._replace(low=ONE_LOW, high=ONE_HIGH, votes=1)
    hub = SnapshotHub(snapshot.with_metrics([with_interval]))
    with AgentThread(hub) as running:
        host, port = running.agent.address
        state = poll_once(ProbeTarget(host, port, community="ro-console"))
    assert state.connected, state.error
    live = state.metrics[chosen.id]
    assert (live.low, live.high, live.votes) == (pytest.approx(ONE_LOW, abs=0.005), 100.0, 1)
    others = [m for m in state.metrics.values() if m.id != chosen.id]
    assert others and all((m.low, m.high, m.votes) == (None, None, None) for m in others)


def test_point_page_and_plan_hover_say_how_sure(qtbot: QtBot, tmp_path: Path) -> None:
    point = "Калужская"
    name = f"LOYALTY_MON. УСОКОК. {point}. % негативных ответов. Интервал 10 мин"
    rows = [
        LiveMetric(
            1,
            name,
            "k1",
            "LOYALTY_MON",
            point,
            "Москва/ЮЗАО",
            100.0,
            "",
            "%",
            Level.BAD,
            NEG,
            END,
            period="interval",
            short_name="% негативных ответов",
            scope="point",
            methodology="УСОКОК",
            low=ONE_LOW,
            high=ONE_HIGH,
            votes=1,
        ),
        LiveMetric(
            2,
            f"LOYALTY_MON. УСОКОК. {point}. Число голосований. Интервал 10 мин",
            "k2",
            "LOYALTY_MON",
            point,
            "Москва/ЮЗАО",
            1.0,
            "",
            "",
            None,
            None,
            END,
            period="interval",
            short_name="Число голосований",
            scope="point",
            methodology="УСОКОК",
        ),
    ]
    page = PointPage(point, None, MSK, hours=6, clock=lambda: NOW.astimezone(dt.UTC))
    qtbot.addWidget(page)
    page.set_state(LiveState(True, "x", END, metrics={m.id: m for m in rows}))
    cells = [page.values.item(r, SURE_COLUMN) for r in range(page.values.rowCount())]
    assert sorted(c.text() for c in cells if c is not None) == ["", "21–100 %, 1 голос"]
    sure = next(c for c in cells if c is not None and c.text())
    assert "с вероятностью 95 % истинная доля в этих пределах" in sure.toolTip()
    header = page.values.horizontalHeaderItem(SURE_COLUMN)
    assert header is not None and header.text() == "Точность (95 %)"

    # The Plan: hovering the metric icon of a district map.
    maps = tmp_path / "maps"
    shutil.copytree(DEMO_ROOT_MAP.parent, maps)
    served = live_state(demo_served())
    target = "LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. % негативных ответов. Интервал 10 мин"
    metrics = dict(served.metrics)
    found = next(m for m in metrics.values() if m.name == target)
    metrics[found.id] = replace(found, low=ONE_LOW, high=ONE_HIGH, votes=1)
    view = PlanView(maps / "moscow_uzao.json", live_state=replace(served, metrics=metrics))
    qtbot.addWidget(view)
    element = next(e for e in view.document.elements if e.target == target)  # type: ignore[union-attr]
    assert view.tooltip_for(element.id).endswith("\n95 %: 21–100 %, 1 голос")
    counted = next(e for e in view.document.elements if e.kind == "point")  # type: ignore[union-attr]
    assert "95 %" not in view.tooltip_for(counted.id)


def seed(engine: Engine) -> None:
    """Two points, both bad now: Калужская on one vote (100 %), Невский on 200 votes."""
    add_points(engine, [(1, "Калужская", "Москва/ЮЗАО"), (2, "Невский", "Санкт-Петербург/Центральный")])
    for metric_id, point_id, point, low, high, votes in (
        (1, 1, "Калужская", ONE_LOW, ONE_HIGH, 1),
        (2, 2, "Невский", MANY_LOW, MANY_HIGH, 200),
    ):
        add_metric(
            engine,
            metric_id,
            f"LOYALTY_MON. СОКОК. {point}. % негативных ответов. Интервал 10 мин",
            point_id=point_id,
            unit="%",
            table=NEG,
            values=[(END - dt.timedelta(minutes=10), 10.0, "good"), (END, 100.0, "bad")],
        )
        with engine.begin() as conn:
            conn.execute(
                update(metric_values)
                .where(metric_values.c.metric_id == metric_id, metric_values.c.at == END)
                .values(low=low, high=high, votes=votes)
            )
    # A count beside them: assessed good, no interval; it does not decide the lamp.
    add_metric(
        engine,
        3,
        "LOYALTY_MON. СОКОК. Калужская. Форс-мажоры. Интервал 10 мин",
        point_id=1,
        table=ThresholdTable.higher_worse(1, 2, 3, 4),
        values=[(END, 0.0, "good")],
    )


def colour_at(image: QImage, x: float, y: float) -> str:
    return QColor(image.pixel(int(x), int(y))).name()


def test_dashboard_lamp_shows_how_sure_it_is(qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    unsure = lamp_evidence(engine, Scope("point", "Калужская"), END.astimezone(dt.UTC))
    assert unsure is not None and (unsure.level, unsure.supported, unsure.votes) == (
        Level.BAD,
        Level.ACCEPTABLE,
        1,
    )
    sure = lamp_evidence(engine, Scope("point", "Невский"), END.astimezone(dt.UTC))
    assert sure is not None and (sure.level, sure.supported, sure.votes) == (Level.BAD, Level.BAD, 200)
    # The company: the worst level is bad at both; the better-founded reason decides how sure.
    company = lamp_evidence(engine, Scope("region", "Москва"), END.astimezone(dt.UTC))
    assert company is not None and company.supported is Level.ACCEPTABLE

    view = DashboardView(
        engine,
        MSK,
        [Scope("point", "Калужская"), Scope("point", "Невский")],
        hours=2,
        columns=2,
        clock=lambda: NOW.astimezone(dt.UTC),
    )
    qtbot.addWidget(view)
    view.resize(1400, 520)
    view.show()
    qtbot.waitExposed(view)
    assert settle()  # the tiles are read off the GUI thread
    one_vote, many = view.tiles
    assert one_vote.state.current is Level.BAD and many.state.current is Level.BAD
    assert one_vote.evidence_caption() == "уверенно лишь: допустимо · 95 %: 21–100 %, 1 голос"
    assert many.evidence_caption() == "уверенно · 95 %: 98–100 %, 200 голосов"

    for tile, ring in ((one_vote, LEVEL_COLOURS[Level.ACCEPTABLE]), (many, LEVEL_COLOURS[Level.BAD])):
        image = tile.grab().toImage()
        lamp, core = tile.lamp_rect(), tile.lamp_core_rect()
        # The core: the value's level (bad, red).
        assert colour_at(image, core.center().x(), core.center().y()) == LEVEL_COLOURS[Level.BAD][0]
        # The band between core and rim: the level the counts support (acceptable: yellow above,
        # green below; for 200 votes the same red as the core).
        band = (lamp.top() + core.top()) / 2
        assert colour_at(image, lamp.center().x(), band) == ring[0]
        assert colour_at(image, lamp.center().x(), lamp.bottom() - (band - lamp.top())) == ring[1]
    shot = Path(os.environ.get("PROLAN_SHOT_DIR", str(tmp_path))) / "dashboard_evidence.png"
    assert view.grab().save(str(shot))
