"""The console against a real SNMP agent (tests.snmp_responder, pysnmp over UDP): decoding the
PROLAN-MIB tables, v2c and v3, the probe going away and coming back, the status bar, the
`--screenshot` mode and the language switch."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from console.app import MainWindow, make_context
from console.i18n import set_language
from console.plan.view import PlanView
from console.settings import DEMO_ROOT_MAP, console_settings
from console.snmp_poller import PollerThread, ProbeTarget, poll_once
from console.views import available_views
from probe.config import parse_config
from probe.levels import LEVEL_COLOURS, Level
from probe.snmp.config import SnmpV3User
from tests.conftest import ROOT
from tests.console_fixtures import NEG, demo_served
from tests.snmp_responder import SnmpResponder


@pytest.fixture
def responder() -> Iterator[SnmpResponder]:
    agent = SnmpResponder(community="secret-ro", v3_user=("console", "auth-key-123", "priv-key-456"))
    agent.serve(demo_served())
    agent.start()
    yield agent
    agent.stop()


def test_poll_decodes_the_metric_and_point_tables(responder: SnmpResponder) -> None:
    state = poll_once(ProbeTarget("127.0.0.1", responder.port, community="secret-ro"))
    assert state.connected and state.probe_name == "test-probe" and state.database_ok is True
    assert len(state.metrics) == len(demo_served())
    metric = state.metric("LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. % негативных ответов. Интервал 10 мин")
    assert metric is not None
    assert (metric.value, metric.level, metric.thresholds, metric.unit) == (86.0, Level.BAD, NEG, "%")
    assert metric.region == "Москва/ЮЗАО" and metric.updated is not None
    votes = state.metric("LOYALTY_MON. СОКОК. Войковская. Число голосований. Интервал 10 мин")
    assert votes is not None and votes.level is None and votes.thresholds is None and votes.value == 42.0
    assert state.points["Невский"].worst is Level.EDGE
    assert state.point_worst("АЗС Тёплый Стан") is Level.BAD


def test_snmp_v3_and_wrong_credentials(responder: SnmpResponder) -> None:
    user = SnmpV3User(name="console", auth_key="auth-key-123", priv_key="priv-key-456")
    state = poll_once(ProbeTarget("127.0.0.1", responder.port, version="v3", user=user))
    assert state.connected and len(state.metrics) == len(demo_served())
    wrong = poll_once(
        ProbeTarget("127.0.0.1", responder.port, community="wrong", timeout_seconds=0.5, retries=0)
    )
    assert not wrong.connected and "127.0.0.1" in wrong.error


def test_probe_goes_away_and_comes_back(
    qtbot: QtBot, responder: SnmpResponder, tmp_path: Path, screenshots: Path
) -> None:
    config = parse_config(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'none.sqlite'}"},
            "console": {
                "probe": f"127.0.0.1:{responder.port}",
                "community": "secret-ro",
                "timeout_seconds": 0.4,
            },
        }
    )
    context = make_context(config)
    specs = [s for s in available_views() if s.name == "plan"]
    window = MainWindow(context, specs, "plan")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    plan = window.views["plan"]
    assert isinstance(plan, PlanView)
    poller = PollerThread(console_settings(config).target, 0.3)
    poller.state_received.connect(context.live.set_state)
    poller.start()
    try:
        moscow = next(e.id for e in plan.document.elements if e.caption == "Москва")  # type: ignore[union-attr]
        item = plan.scene.items_by_id[moscow]
        qtbot.waitUntil(lambda: context.live.state.connected, timeout=10_000)
        assert item.level is Level.BAD and not item.stale
        assert "Подключено" in window.connection_label.text()
        assert f"127.0.0.1:{responder.port}" in window.connection_label.text()
        assert "данные:" in window.data_label.text()

        responder.stop()
        qtbot.waitUntil(lambda: not context.live.state.connected, timeout=10_000)
        assert item.stale and all(i.stale for i in plan.scene.items_by_id.values())
        assert "НЕТ СВЯЗИ" in window.connection_label.text()
        assert "Нет связи с зондом" in window.statusBar().currentMessage()  # type: ignore[union-attr]
        assert "нет ответа за 0.4 с" in window.statusBar().currentMessage()  # type: ignore[union-attr]
        window.grab().save(str(screenshots / "console_disconnected.png"))

        responder.serve(demo_served({"АЗС Тёплый Стан": Level.GOOD}))
        responder.start()  # same port: the console reconnects by itself
        qtbot.waitUntil(lambda: context.live.state.connected, timeout=10_000)
        assert not item.stale and item.level is Level.ATTENTION
        assert "Подключено" in window.connection_label.text()
    finally:
        poller.stop()
        context.close()


def test_screenshot_mode_renders_current_data(
    responder: SnmpResponder, tmp_path: Path, screenshots: Path
) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "none.sqlite"}"\n'
        f'[console]\nprobe = "127.0.0.1:{responder.port}"\ncommunity = "secret-ro"\n'
        f'root_map = "{DEMO_ROOT_MAP}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "plan.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "console.app", "--config", str(config), "--view", "plan"]
    result = subprocess.run(
        [*command, "--map", str(DEMO_ROOT_MAP.parent / "moscow_uzao.json"), "--screenshot", str(out), "--size", "1200x800"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    bad = QColor(LEVEL_COLOURS[Level.BAD][0])

    def reddish(x: int, y: int) -> bool:
        c = image.pixelColor(x, y)
        return (
            abs(c.red() - bad.red()) < 40
            and abs(c.green() - bad.green()) < 40
            and abs(c.blue() - bad.blue()) < 40
        )

    reds = sum(1 for x in range(0, 1200, 2) for y in range(0, 800, 2) if reddish(x, y))
    assert reds > 20, "the bad point of ЮЗАО is drawn red"
    (screenshots / "screenshot_mode.png").write_bytes(out.read_bytes())

    english = subprocess.run(
        [*command, "--point", "АЗС Тёплый Стан", "--lang", "en", "--screenshot", str(tmp_path / "point.png")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert english.returncode == 0, english.stderr
    (screenshots / "point_page_en.png").write_bytes((tmp_path / "point.png").read_bytes())

    responder.stop()
    gone = subprocess.run(
        [*command, "--screenshot", str(tmp_path / "gone.png")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode == 0 and "No connection" not in gone.stderr and "Нет связи с зондом" in gone.stderr
    assert QImage(str(tmp_path / "gone.png")).width() > 0


def test_defaults_without_console_section() -> None:
    config = parse_config({"snmp": {"listen": "0.0.0.0:1610", "v2c": {"communities": ["ro-one", "ro-two"]}}})
    settings = console_settings(config)
    assert (settings.target.host, settings.target.port, settings.target.community) == (
        "127.0.0.1",
        1610,
        "ro-one",
    )
    assert settings.root_map == DEMO_ROOT_MAP and DEMO_ROOT_MAP.is_file()


def test_view_registry_holds_every_map_kind() -> None:
    names = [spec.name for spec in available_views()]
    assert names[0] == "plan"
    assert {"plan", "dashboard", "cockpit"} <= set(names)


def test_english_interface(qtbot: QtBot, tmp_path: Path) -> None:
    set_language("en")
    try:
        config = parse_config({"database": {"url": f"sqlite:///{tmp_path / 'x.sqlite'}"}})
        context = make_context(config)
        window = MainWindow(context, [s for s in available_views() if s.name == "plan"], "plan")
        qtbot.addWidget(window)
        assert window.tabs.tabText(0) == "Plan"
        assert window.connection_label.text().startswith("Connecting")
        plan = window.views["plan"]
        assert isinstance(plan, PlanView) and plan.edit_action.text() == "Edit"
    finally:
        set_language("ru")
