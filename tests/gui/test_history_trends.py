"""Where raw values were pruned (issue 16), the console reads hourly trends and says so: the
Cockpit's note, the point page's plot title, the Dashboard's rectangles."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from console.cockpit import Cockpit, CockpitLayout
from console.dashboard import DashboardTile, load_tile
from console.live import LiveMetric, LiveState
from console.plan.point_page import PointPage
from console.timeline_data import Scope, interval_levels, load_history, metric_catalog
from console.worker import settle
from probe.assess import ThresholdTable
from probe.history.config import HistoryConfig
from probe.history.housekeeper import hour_of, housekeep
from probe.levels import Level
from tests.history_builder import add_metric, add_points

MSK = ZoneInfo("Europe/Moscow")
NEG = ThresholdTable.higher_worse(20, 40, 60, 80)
NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
FLOOR = dt.datetime(2026, 11, 17, 0, 0, tzinfo=dt.UTC)  # keep_days = 1: raw values from here
POINT = "Калужская"
INTERVAL = f"LOYALTY_MON. СОКОК. {POINT}. % негативных ответов. Интервал 10 мин"
ENDS = [NOW - dt.timedelta(minutes=10 * i) for i in range(3 * 144)][::-1]  # three days


def value(i: int) -> float:
    return float((i * 37) % 90)


@pytest.fixture
def pruned(engine: Engine) -> Engine:
    add_points(engine, [(1, POINT, "Москва")])
    add_metric(engine, 1, INTERVAL, point_id=1, unit="%", table=NEG,
               values=[(at, value(i), NEG.assess(value(i)).value) for i, at in enumerate(ENDS)])  # fmt: skip
    housekeep(engine, HistoryConfig(keep_days=1), NOW)
    return engine


def expected_hours() -> dict[float, tuple[float, Level]]:
    """Hour end (epoch) -> mean and worst level of the raw values of the hours before FLOOR."""
    groups: dict[dt.datetime, list[int]] = {}
    for i, at in enumerate(ENDS):
        if at <= FLOOR:  # the value ending 00:00 is the last of the hour 23:00-24:00
            groups.setdefault(hour_of(at), []).append(i)
    return {
        (hour + dt.timedelta(hours=1)).timestamp(): (
            sum(value(i) for i in members) / len(members),
            Level.worst([NEG.assess(value(i)) for i in members]),
        )
        for hour, members in groups.items()
    }


def test_history_is_trends_before_the_oldest_raw_value(pruned: Engine) -> None:
    since = NOW - dt.timedelta(days=3)
    (history,) = load_history(pruned, metric_catalog(pruned), since, NOW)
    assert history.trend_until == FLOOR.timestamp()
    hours = expected_hours()
    older = history.ends <= FLOOR.timestamp()
    assert list(history.ends[older]) == sorted(h for h in hours if h > since.timestamp())
    for end, mean, code in zip(
        history.ends[older], history.values[older], history.levels[older], strict=True
    ):
        assert mean == pytest.approx(hours[end][0]) and Level(list(Level)[code]) is hours[end][1]
    # After the floor: every evaluation, as stored.
    raw = [at.timestamp() for at in ENDS if at > FLOOR]
    assert list(history.ends[~older]) == raw
    assert np.all(np.diff(history.ends) > 0)
    # A range inside the raw values reads no trends.
    (recent,) = load_history(pruned, metric_catalog(pruned), NOW - dt.timedelta(hours=6), NOW)
    assert recent.trend_until is None and len(recent) == 36


def test_cockpit_says_where_it_shows_trends(qtbot: QtBot, pruned: Engine) -> None:
    view = Cockpit(pruned, MSK, CockpitLayout(hours=72), clock=lambda: NOW)
    qtbot.addWidget(view)
    view.show()
    assert settle()
    assert view.trend_note.isVisible()
    assert "часовые тренды" in view.trend_note.text() and "17.11.2026 03:00" in view.trend_note.text()
    short = Cockpit(pruned, MSK, CockpitLayout(hours=6), clock=lambda: NOW)
    qtbot.addWidget(short)
    short.show()
    assert settle()
    assert not short.trend_note.isVisible() and short.trend_note.text() == ""


def test_point_page_title_says_hourly_trends(qtbot: QtBot, pruned: Engine) -> None:
    page = PointPage(POINT, lambda: pruned, MSK, hours=72, clock=lambda: NOW)
    qtbot.addWidget(page)
    metric = LiveMetric(1, INTERVAL, "test.metric1", "LOYALTY_MON", POINT, "Москва", 5.0, "", "%",
                        Level.GOOD, NEG, NOW, period="interval")  # fmt: skip
    page.set_state(LiveState(True, "x", NOW, metrics={1: metric}))
    page.load_history()
    assert settle()
    title = page.plot.getPlotItem().titleLabel.text
    assert "часовые тренды до 17.11 03:00" in title, title


def test_dashboard_rectangles_are_hourly_before_the_floor(qtbot: QtBot, pruned: Engine) -> None:
    scope = Scope("point", POINT)
    levels = interval_levels(pruned, scope, NOW - dt.timedelta(hours=48), NOW)
    hours = expected_hours()
    older = [(at, level) for at, level in levels if at <= FLOOR]
    assert [at for at, _ in levels if at > FLOOR] == [
        at for at in ENDS if at > FLOOR and at > NOW - dt.timedelta(hours=48)
    ]
    assert [at.timestamp() for at, _ in older] == sorted(
        h for h in hours if h > (NOW - dt.timedelta(hours=48)).timestamp()
    )
    assert all(level is hours[at.timestamp()][1] for at, level in older)
    state = load_tile(pruned, scope, NOW, MSK, hours=48)
    assert state.hourly_until == FLOOR
    tile = DashboardTile(state, hours=48)
    qtbot.addWidget(tile)
    tile.set_state(state)
    assert "часовые тренды" in tile.recent_caption() and "Часовые тренды" in tile.toolTip()
    assert load_tile(pruned, scope, NOW, MSK, hours=6).hourly_until is None
