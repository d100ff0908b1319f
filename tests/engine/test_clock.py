"""Windows on the local clock, including the days when daylight-saving time starts and ends."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from probe.engine import clock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_ten_minute_boundaries_align_to_the_local_clock() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: local :00, :10 are not UTC :00, :10
    window = clock.window_ending(utc(2026, 3, 10, 6, 22), 10, kathmandu)
    assert window.end.astimezone(kathmandu).strftime("%H:%M") == "12:00"
    assert window.start.astimezone(kathmandu).strftime("%H:%M") == "11:50"
    assert window.day_start.astimezone(kathmandu) == dt.datetime(2026, 3, 10, tzinfo=kathmandu)
    assert window.period_label("interval") == "Интервал 10 мин"
    assert window.period_label("day") == "Текущие сутки"


def test_berlin_autumn_day_has_25_hours() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET; the local day lasts 25 hours.
    boundaries = clock.boundaries_of_day(dt.date(2026, 10, 25), 10, BERLIN)
    assert boundaries[0] == utc(2026, 10, 24, 22, 0)  # midnight CEST
    assert boundaries[-1] == utc(2026, 10, 25, 23, 0)  # next midnight CET
    assert len(boundaries) == 25 * 6 + 1
    assert all(b - a == dt.timedelta(minutes=10) for a, b in itertools.pairwise(boundaries))
    # The repeated hour 02:00-03:00 is evaluated twice, as two different intervals.
    first = clock.window_ending(utc(2026, 10, 25, 0, 30), 10, BERLIN)
    second = clock.window_ending(utc(2026, 10, 25, 1, 30), 10, BERLIN)
    assert first.local_end.strftime("%H:%M %Z") == "02:30 CEST"
    assert second.local_end.strftime("%H:%M %Z") == "02:30 CET"
    # Both belong to the same local day, which started at midnight CEST.
    assert first.day_start == second.day_start == utc(2026, 10, 24, 22, 0)
    # The last interval of the day ends at local midnight and still belongs to that day.
    last = clock.window_ending(utc(2026, 10, 25, 23, 0), 10, BERLIN)
    assert last.start == utc(2026, 10, 25, 22, 50) and last.day_start == utc(2026, 10, 24, 22, 0)
    after = clock.window_ending(utc(2026, 10, 25, 23, 10), 10, BERLIN)
    assert after.day_start == utc(2026, 10, 25, 23, 0)


def test_new_york_spring_day_has_23_hours() -> None:
    # 2026-03-08: 02:00 EST becomes 03:00 EDT.
    boundaries = clock.boundaries_of_day(dt.date(2026, 3, 8), 10, NEW_YORK)
    assert boundaries[0] == utc(2026, 3, 8, 5, 0) and boundaries[-1] == utc(2026, 3, 9, 4, 0)
    assert len(boundaries) == 23 * 6 + 1
    window = clock.window_ending(utc(2026, 3, 8, 7, 0), 10, NEW_YORK)  # 03:00 EDT
    assert window.start.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:50 EST"
    assert window.end - window.start == dt.timedelta(minutes=10)
    assert window.day_start == utc(2026, 3, 8, 5, 0)


@pytest.mark.parametrize(("day", "hours"), [(dt.date(2026, 10, 25), 25), (dt.date(2026, 3, 29), 23)])
def test_daily_interval_covers_the_whole_local_day(day: dt.date, hours: int) -> None:
    boundaries = clock.boundaries_of_day(day, 1440, BERLIN)
    assert len(boundaries) == 2 and boundaries[1] - boundaries[0] == dt.timedelta(hours=hours)


def test_boundaries_between_and_hour_of_week() -> None:
    ends = clock.boundaries_between(
        utc(2026, 3, 9, 21, 5), utc(2026, 3, 9, 22, 0), 30, ZoneInfo("Europe/Moscow")
    )
    assert [e.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M") for e in ends] == ["00:30", "01:00"]
    # Monday 2026-03-09 00:00-00:10 Moscow: its last instant is in hour 0 of the week.
    window = clock.window_ending(utc(2026, 3, 8, 21, 10), 10, ZoneInfo("Europe/Moscow"))
    assert clock.hour_of_week(window) == 0
    # The interval ending at Monday midnight belongs to Sunday 23:00, hour 167.
    window = clock.window_ending(utc(2026, 3, 8, 21, 0), 10, ZoneInfo("Europe/Moscow"))
    assert clock.hour_of_week(window) == 167
