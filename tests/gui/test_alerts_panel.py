"""The point page's press alerts, offscreen: each alert beside its press and the press's audio
fragment (cut by the real cutter), acknowledged and closed with a comment from the console, as
`prolan-probe alerts` shows them; a stale button says who was first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.alerts_panel import AlertsPanel
from console.clips_panel import ClipsPanel
from console.plan.point_page import PointPage
from console.worker import settle
from notifier.pipeline import Templates
from notifier.press_alerts import PressAnnouncer
from probe.clips.runner import ClipCutter
from probe.presses import Press
from probe.store import alerts
from probe.topology import import_topology, load_topology, parse_topology
from tests.clips_audio import make_recording, recording_name, utc_of
from tests.integration.test_clips import BASE, POINT, TOPOLOGY, later, make_config
from tests.press_alert_helpers import press_config, store_live

MSK = ZoneInfo("Europe/Moscow")


def announce_two(engine: Engine, tmp_path: Path, db_url: str) -> list[int]:
    """Two force-majeure alerts at the point: the first press has a cut fragment, the second none
    (no recording covers it)."""
    import_topology(engine, parse_topology(TOPOLOGY))
    topology = load_topology(engine)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 120, [(80.0, 1.0)])
    config = press_config(db_url, throttle=0)
    point_id = topology.points[POINT].id
    assert point_id is not None
    templates = Templates(config)
    try:
        announcer = PressAnnouncer(config, engine, templates)
        for seconds in (80, 3 * 3600):
            at = utc_of(BASE + dt.timedelta(seconds=seconds))
            store_live(
                engine, config, topology, [Press("P-1", point_id, 4, "force_majeure", at, None)], stored_at=at
            )
            announcer.process(now=at)
    finally:
        templates.close()
    ClipCutter(make_config(tmp_path, db_url), engine).run_once(now=later(BASE, hours=4))
    return sorted(a.id for a in alerts.list_alerts(engine))


def cells(panel: AlertsPanel, row: int) -> list[str]:
    return [panel.table.item(row, c).text() for c in range(8)]  # type: ignore[union-attr]


def test_alerts_beside_their_fragments_acknowledged_and_closed_with_a_comment(
    qtbot: QtBot, engine: Engine, tmp_path: Path, db_url: str
) -> None:
    first, second = announce_two(engine, tmp_path, db_url)
    clips = ClipsPanel(engine, POINT, tz=MSK, player_command=["true"])
    comments = ["кондиционер перезапущен"]
    panel = AlertsPanel(
        engine,
        POINT,
        tz=MSK,
        user="Анна",
        player=clips,
        ask_comment=lambda *_: comments.pop(0) if comments else None,
    )
    qtbot.addWidget(clips)
    qtbot.addWidget(panel)
    assert settle()
    assert panel.table.rowCount() == 2
    assert cells(panel, 0) == [
        "22.11.2026 13:00:00",
        "Форс-мажор",
        "форс-мажор",
        "1",
        "открыто",
        "",
        "",
        "ждёт запись",
    ]
    assert cells(panel, 1) == [
        "22.11.2026 10:01:20",
        "Форс-мажор",
        "форс-мажор",
        "1",
        "открыто",
        "",
        "",
        "вырезан",
    ]
    assert panel.status.text() == "Уведомлений: 2, не подтверждено: 2"
    assert not panel.play_button(0).isEnabled() and panel.play_button(1).isEnabled()

    # beside its fragment: play it from the alert's row
    qtbot.mouseClick(panel.play_button(1), Qt.MouseButton.LeftButton)
    assert clips.playing is not None and clips.fragments[clips.playing].press_id == panel.alerts[1].press_id
    clips.stop()

    # acknowledge the older one with a comment
    button = panel.action_button(1)
    assert button is not None and button.text() == "Подтвердить…"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert settle()
    acknowledged = cells(panel, 1)
    assert acknowledged[4] == "подтверждено" and acknowledged[6] == "кондиционер перезапущен"
    assert acknowledged[5].startswith("Анна, ")
    assert panel.notice.text() == f"Уведомление № {first}: подтверждено"
    stored = alerts.get_alert(engine, first)
    assert stored is not None and (stored.acknowledged_by, stored.ack_comment) == (
        "Анна",
        "кондиционер перезапущен",
    )

    # cancelling the comment dialog changes nothing
    closing = panel.action_button(1)
    assert closing is not None and closing.text() == "Закрыть…"
    qtbot.mouseClick(closing, Qt.MouseButton.LeftButton)
    assert settle() and cells(panel, 1)[4] == "подтверждено"

    # somebody acknowledged the other one from the command line meanwhile: the stale button says so
    alerts.acknowledge(engine, second, by="Борис", comment="проверено")
    comments.append("тоже проверила")
    stale = panel.action_button(0)
    assert stale is not None and stale.text() == "Подтвердить…"
    qtbot.mouseClick(stale, Qt.MouseButton.LeftButton)
    assert settle()
    assert panel.notice.text().startswith(f"alert {second} is already acknowledged (by Борис at ")
    assert cells(panel, 0)[4:7][0] == "подтверждено" and cells(panel, 0)[6] == "проверено"

    # closing with a comment: both comments beside the press, no button left
    comments.append("мастер приезжал")
    qtbot.mouseClick(panel.action_button(1), Qt.MouseButton.LeftButton)  # type: ignore[arg-type]
    assert settle()
    assert (
        cells(panel, 1)[4] == "закрыто" and cells(panel, 1)[6] == "кондиционер перезапущен — мастер приезжал"
    )
    assert panel.action_button(1) is None
    assert panel.status.text() == "Уведомлений: 2, не подтверждено: 0"


def test_the_point_page_shows_the_points_alerts(
    qtbot: QtBot, engine: Engine, tmp_path: Path, db_url: str
) -> None:
    announce_two(engine, tmp_path, db_url)
    page = PointPage(POINT, lambda: engine, MSK, clock=lambda: later(BASE, hours=4))
    qtbot.addWidget(page)
    assert settle()
    assert isinstance(page.alerts_slot, AlertsPanel) and page.alerts_slot.player is page.clips_slot
    assert page.alerts_slot.table.rowCount() == 2
    assert page.alerts_slot.title.text() == "Уведомления о нажатиях: Калужская"
