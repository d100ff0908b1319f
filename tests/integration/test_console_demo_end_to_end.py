"""The whole chain the demo shows: simulated presses → the engine's LOYALTY_MON evaluation → the
probe's SNMP agent → the console's poller → the demo Plan maps. The degrading point
(`АЗС Тёплый Стан`) must colour its district, Moscow and the country map."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from console.plan.model import MapLibrary, load_map
from console.settings import DEMO_ROOT_MAP
from console.snmp_poller import ProbeTarget, poll_once
from probe.config import parse_config
from probe.demo import DEGRADING_POINT, install_demo
from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from tests.integration.test_console_real_agent import AgentThread

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 18, 19, 5, tzinfo=MSK)


def test_demo_chain_reaches_the_maps(tmp_path: Path) -> None:
    config = parse_config({"database": {"url": f"sqlite:///{tmp_path / 'demo.sqlite'}"}})
    engine = open_engine(config.database.url)
    init_db(engine)
    install_demo(engine, MSK, days=0.3, end=END)
    hub = SnapshotHub()
    evaluator = Evaluator(config, engine, hub)
    boundary = evaluator.boundary_at_or_before("LOYALTY_MON", END)
    evaluator.evaluate("LOYALTY_MON", boundary)
    assert hub.current.metrics, "the evaluation published metrics"

    with AgentThread(hub) as running:
        host, port = running.agent.address
        state = poll_once(ProbeTarget(host, port, community="ro-console"))
    engine.dispose()
    assert state.connected, state.error
    assert len(state.metrics) == len(hub.current.metrics)
    degrading = state.point_worst(DEGRADING_POINT)
    assert degrading.at_least(Level.EDGE), degrading

    library = MapLibrary()
    root = load_map(DEMO_ROOT_MAP)
    levels = {
        e.caption: lv for e, lv in zip(root.elements, library.levels(root, state).values(), strict=True)
    }
    assert levels["Москва"].at_least(degrading)  # the worst below it, through two map levels
    uzao = load_map(DEMO_ROOT_MAP.parent / "moscow_uzao.json")
    point = next(e for e in uzao.elements if e.target == DEGRADING_POINT)
    assert library.element_level(uzao, point, state) is degrading
    # Every demo point the maps name is served, and every map icon has a known colour.
    served_points = {m.point for m in state.metrics.values() if m.point}
    assert set(library.points_below(root)) <= served_points
    assert levels["Тест работает"] is Level.GOOD
