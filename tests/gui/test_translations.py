"""One translation mechanism (Qt Linguist), complete in Russian and English.

* The `.ts` sources hold every text the code asks for (pylupdate6 finds nothing new), each with a
  finished translation keeping its placeholders, in both languages.
* The compiled `.qm` files are what `lrelease` makes of the `.ts` files today.
* Every view, rendered with data, shows no untranslated text: no text is missing from the
  translations, no English word is left in Russian and no Russian in English once the data
  (names from the database and the maps) is taken out.
* Numbers and dates follow the language: a decimal comma and "вс 29" in Russian.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PyQt6.QtCore import QPointF
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console import i18n
from console.app import MainWindow, make_context
from console.axes import LocalDateAxis
from console.cockpit import Cockpit, preset_caption
from console.dashboard import DashboardView
from console.live import LiveState
from console.plan.model import load_map, map_files
from console.plan.view import PlanView
from console.settings import DEMO_ROOT_MAP
from console.views import available_views
from console.worker import settle
from probe.assess import ThresholdTable
from probe.config import parse_config
from probe.store.db import init_db, open_engine
from probe.store.schema import metrics, points
from tests.conftest import ROOT, finish_console_reads
from tests.console_fixtures import demo_served, live_state
from tests.gui.visible_text import untranslated_english, untranslated_russian, visible_texts
from tests.history_builder import add_metric, add_points

TS = ROOT / "console" / "translations"
LANGUAGES = {"ru": "ru_RU", "en": "en_GB"}
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}|%n")
MSK = ZoneInfo("Europe/Moscow")
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
POINTS = [(1, "АЗС Тёплый Стан", "Москва/ЮЗАО"), (2, "Калужская", "Москва/ЮЗАО"), (3, "Невский", "Санкт-Петербург/Центральный")]  # fmt: skip


def messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(path).getroot()
    found = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def lrelease() -> str:
    for candidate in ("lrelease", "/usr/lib/qt6/bin/lrelease", "lrelease-qt6"):
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail("lrelease not found: install Debian's qt6-l10n-tools (make deps-test)")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_has_a_finished_translation(language: str) -> None:
    path = TS / f"console_{language}.ts"
    root = ET.parse(path).getroot()
    assert root.get("language") == LANGUAGES[language]
    found = messages(path)
    assert len(found) > 100
    for (context, source), message in found.items():
        where = f"{path.name}: {context}: {source!r}"
        translation = message.find("translation")
        assert translation is not None, where
        assert translation.get("type") is None, f"{where}: {translation.get('type')}"
        forms = [f.text or "" for f in translation.iter("numerusform")] or [translation.text or ""]
        if message.get("numerus") == "yes":
            assert len(forms) == (3 if language == "ru" else 2), where
        for form in forms:
            assert form.strip(), f"{where}: empty translation"
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(source)), where
        if language == "ru":
            letters = re.sub(PLACEHOLDER, "", forms[0])
            assert re.search("[А-Яа-яЁё]", letters) or not re.search("[a-z]{2}", letters), where


def test_the_sources_hold_every_text_the_code_asks_for(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    tool = ROOT / ".venv" / "bin" / "pylupdate6"
    command = str(tool) if tool.exists() else shutil.which("pylupdate6")
    assert command, "pylupdate6 (PyQt6) not found"
    subprocess.run([command, "--no-summary", str(ROOT / "console"), "--ts", str(fresh)], check=True)
    asked = set(messages(fresh))
    for language in LANGUAGES:
        translated = set(messages(TS / f"console_{language}.ts"))
        assert asked - translated == set(), f"not in console_{language}.ts: run make translations"
        assert translated - asked == set(), f"console_{language}.ts holds texts no code asks for"


def test_compiled_translations_are_up_to_date(tmp_path: Path) -> None:
    for language in LANGUAGES:
        out = tmp_path / f"console_{language}.qm"
        subprocess.run(
            [lrelease(), "-silent", str(TS / f"console_{language}.ts"), "-qm", str(out)], check=True
        )
        committed = TS / f"console_{language}.qm"
        assert out.read_bytes() == committed.read_bytes(), f"{committed.name} is stale: run make translations"


def test_numbers_and_dates_follow_the_language(qapp: object) -> None:
    at = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)  # Sunday 13:00 in Moscow
    try:
        i18n.set_language("ru")
        assert i18n.number(27.5) == "27,5" and i18n.format_value(75.0, "%") == "75 %"
        assert i18n.signed(-4.17, 1) == "−4,2" and i18n.signed(2.0, 1) == "+2"
        assert i18n.local_text(at, MSK, "ddd d") == "вс 29"
        assert [preset_caption(h) for h in (6, 24, 168)] == ["6 ч", "24 ч", "7 д"]
        axis = LocalDateAxis(utcOffset=0)
        sunday = dt.datetime(2026, 11, 29, tzinfo=dt.UTC).timestamp()
        assert axis.tickStrings([sunday], 1, 86400) == ["вс 29"]
        assert axis.tickStrings([sunday + 13 * 3600], 1, 3600) == ["13:00"]
        i18n.set_language("en")
        assert i18n.number(27.5) == "27.5" and i18n.local_text(at, MSK, "ddd d") == "Sun 29"
        assert [preset_caption(h) for h in (6, 24, 168)] == ["6 h", "24 h", "7 d"]
    finally:
        i18n.set_language("ru")


# --- every view, rendered -------------------------------------------------------------------------


def seed(engine: Engine, now: dt.datetime) -> None:
    add_points(engine, POINTS)
    ends = [now - dt.timedelta(minutes=10 * i) for i in range(36)][::-1]
    next_id = 1
    for point_id, name, _region in POINTS:
        for methodology in ("УСОКОК",):
            values = [
                (at, 10.0 + 20 * (i % 5), NEG.assess(10.0 + 20 * (i % 5)).value) for i, at in enumerate(ends)
            ]
            add_metric(engine, next_id, f"LOYALTY_MON. {methodology}. {name}. % негативных ответов. Интервал 10 мин",
                       point_id=point_id, unit="%", table=NEG, values=values)  # fmt: skip
            add_metric(engine, next_id + 1, f"LOYALTY_MON. {methodology}. {name}. Число голосований. Интервал 10 мин",
                       point_id=point_id, values=[(at, 12.0, None) for at in ends])  # fmt: skip
            for offset, (short, value) in enumerate(
                (("Позитивные ответы", 60), ("Негативные ответы", 10), ("Число голосований", 100))
            ):
                add_metric(engine, next_id + 2 + offset, f"LOYALTY_MON. {methodology}. {name}. {short}. Текущие сутки",
                           point_id=point_id, values=[(ends[-1], float(value), None), (ends[-1] - dt.timedelta(days=1), float(value - 5), None)])  # fmt: skip
            next_id += 10
    add_metric(engine, 900, "QUEUE_LEN. Калужская. Средняя длина очереди. Интервал 10 мин", point_id=2,
               test="QUEUE_LEN", table=ThresholdTable.higher_worse(3, 5, 8, 12),
               values=[(at, float(i % 9), ThresholdTable.higher_worse(3, 5, 8, 12).assess(float(i % 9)).value) for i, at in enumerate(ends)])  # fmt: skip


def data_strings(engine: Engine, state: LiveState) -> set[str]:
    """Everything the views show that comes from the data, not from the interface."""
    found: set[str] = set()
    with engine.connect() as conn:
        for row in conn.execute(metrics.select()):
            found |= {row.name, row.test, row.short_name, *row.name.split(". ")}
        for row in conn.execute(points.select()):
            found |= {row.name, row.region, *row.region.split("/")}
    for metric in state.metrics.values():
        found |= {metric.name, metric.test, metric.point, metric.region, *metric.name.split(". ")}
    found |= {state.probe_name, state.address}
    for path in map_files(DEMO_ROOT_MAP):
        document = load_map(path)
        found |= {document.title, path.name, path.stem}
        found |= {element.caption for element in document.elements}
        found |= {element.target for element in document.elements}
    return {text for text in found if text}


@pytest.fixture
def console_window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, Engine]]:
    url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    engine = open_engine(url)
    init_db(engine)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    now -= dt.timedelta(minutes=now.minute % 10)
    seed(engine, now)
    yield engine, now  # type: ignore[misc]
    finish_console_reads()
    engine.dispose()


def render_everything(qtbot: QtBot, engine: Engine, tmp_path: Path) -> tuple[list[str], set[str]]:
    """Open every view and the states an analyst reaches, return (texts seen, data strings)."""
    config = parse_config({"database": {"url": str(engine.url)}, "timezone": "Europe/Moscow"})
    state = live_state(demo_served())
    context = make_context(config, state)
    window = MainWindow(context, available_views())
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    qtbot.waitExposed(window)
    texts: list[str] = []
    assert settle()
    for name in ("plan", "dashboard", "cockpit"):
        window.tabs.setCurrentWidget(window.views[name])
        qtbot.wait(30)
        texts += visible_texts(window)
    plan = window.views["plan"]
    assert isinstance(plan, PlanView)
    window.tabs.setCurrentWidget(plan)
    plan.set_edit_mode(True)
    texts += visible_texts(window)
    plan.set_edit_mode(False)
    plan.open_point("Калужская")
    qtbot.wait(30)
    texts += visible_texts(window)
    texts.append(plan.tooltip_for(plan.document.elements[0].id) if plan.document else "")
    cockpit = window.views["cockpit"]
    assert isinstance(cockpit, Cockpit)
    window.tabs.setCurrentWidget(cockpit)
    history = cockpit.histories[0]
    instant = history.point(len(history) - 2).at - dt.timedelta(minutes=5)
    cockpit.select(0, instant)
    cockpit.read_at(instant)
    assert settle()
    assert cockpit.panel.detail is not None
    texts += visible_texts(window)
    texts.append(cockpit.hover_text(0, instant))
    board = window.views["dashboard"]
    assert isinstance(board, DashboardView)
    tile = next(t for t in board.tiles if t.state.current_at is not None)
    dialog = board.open_interval(tile.state.scope, tile.state.current_at)
    assert settle() and dialog.panel.detail is not None
    texts += visible_texts(dialog)
    plan.go_to(0)
    plan.open_map(DEMO_ROOT_MAP.parent / "moscow_uzao.json")
    dialog = cockpit.open_advice()
    if dialog is not None:
        qtbot.addWidget(dialog)
        texts += visible_texts(dialog)
    for preset in cockpit.preset_buttons.values():
        texts.append(preset.text())
    for element in plan.document.elements if plan.document else []:
        if plan.interval_metric(element.id) is not None:
            plan_dialog = plan.open_interval(element.id)
            assert plan_dialog is not None and settle()
            texts += visible_texts(plan_dialog)
            break
    else:
        pytest.fail("no icon with an interval on the district map")
    window.show_state(state.disconnected("no answer within 2 s"))
    texts += visible_texts(window)
    plan.set_state(state.disconnected("x"))
    _ = QPointF()
    data = data_strings(engine, state) | {"no answer within 2 s", "x", context.settings.target.describe()}
    return texts, data


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_view_shows_an_untranslated_text(
    qtbot: QtBot, console_window: tuple[Engine, dt.datetime], tmp_path: Path, language: str
) -> None:
    engine, _now = console_window
    i18n.set_language(language)
    i18n.forget_missing()
    try:
        texts, data = render_everything(qtbot, engine, tmp_path)
        assert len(texts) > 200
        assert i18n.missing() == set(), "texts without a translation"
        if language == "ru":
            assert untranslated_russian(texts, data) == [], "\n".join(untranslated_russian(texts, data))
            assert any("," in text and re.search(r"\d,\d", text) for text in texts), "no decimal comma seen"
        else:
            assert untranslated_english(texts, data) == [], "\n".join(untranslated_english(texts, data))
    finally:
        i18n.set_language("ru")
