"""Evaluation windows on the probe's local clock (SPEC §3), pure and DST-aware.

Boundaries of a test with interval X minutes are local midnight + k·X minutes of elapsed time,
for every k whose whole interval still fits before the next local midnight; the next midnight is
always a boundary. So a 10-minute test runs at :00, :10, … in local time on every day, and on a
23- or 25-hour day (DST change) the last interval of the day simply ends at midnight (for X that
divides 60 nothing changes at all, since DST shifts are whole hours)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from probe.api import Window

_EPSILON = dt.timedelta(microseconds=1)


def _aware(at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A naive time is read as local time in `tz`; the result is aware UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(dt.UTC)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a local calendar day, as aware UTC (the UTC round trip resolves a
    midnight that does not exist in zones that change their clocks at 00:00)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def day_start_of(at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Local midnight at or before `at` (aware UTC)."""
    local_day = _aware(at, tz).astimezone(tz).date()
    start = local_midnight(local_day, tz)
    if start > _aware(at, tz):  # a midnight that was skipped resolves after `at`
        start = local_midnight(local_day - dt.timedelta(days=1), tz)
    return start


def boundaries_of_day(day: dt.date, interval_minutes: int, tz: ZoneInfo) -> list[dt.datetime]:
    """Every boundary of one local day, from its midnight up to and including the next midnight."""
    start = local_midnight(day, tz)
    end = local_midnight(day + dt.timedelta(days=1), tz)
    step = dt.timedelta(minutes=interval_minutes)
    result = [start]
    while result[-1] + 2 * step <= end:
        result.append(result[-1] + step)
    result.append(end)
    return result


def boundary_at_or_before(at: dt.datetime, interval_minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The latest boundary not after `at` (aware UTC)."""
    moment = _aware(at, tz)
    day = day_start_of(moment, tz).astimezone(tz).date()
    best = None
    for boundary in boundaries_of_day(day, interval_minutes, tz):
        if boundary > moment:
            break
        best = boundary
    assert best is not None  # the day's midnight is <= moment by construction
    return best


def previous_boundary(end: dt.datetime, interval_minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The boundary before the boundary `end`."""
    return boundary_at_or_before(_aware(end, tz) - _EPSILON, interval_minutes, tz)


def next_boundary(at: dt.datetime, interval_minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The first boundary strictly after `at`."""
    moment = _aware(at, tz)
    day = day_start_of(moment, tz).astimezone(tz).date()
    for boundary in boundaries_of_day(day, interval_minutes, tz):
        if boundary > moment:
            return boundary
    raise AssertionError("the next midnight is always a later boundary")  # pragma: no cover


def window_ending(end: dt.datetime, interval_minutes: int, tz: ZoneInfo) -> Window:
    """The window of the interval that ends at the boundary at or before `end`: [start, end), and
    the current day from the local midnight of the interval's last instant (so the interval that
    ends at midnight belongs to the day it closes)."""
    boundary = boundary_at_or_before(end, interval_minutes, tz)
    start = previous_boundary(boundary, interval_minutes, tz)
    return Window(
        start=start,
        end=boundary,
        day_start=day_start_of(boundary - _EPSILON, tz),
        tz=tz,
        interval_minutes=interval_minutes,
    )


def boundaries_between(
    first: dt.datetime, last: dt.datetime, interval_minutes: int, tz: ZoneInfo
) -> list[dt.datetime]:
    """Interval ends in (first, last], in order: the runs that cover that span (backfill)."""
    result: list[dt.datetime] = []
    current = boundary_at_or_before(first, interval_minutes, tz)
    stop = _aware(last, tz)
    while True:
        current = next_boundary(current, interval_minutes, tz)
        if current > stop:
            return result
        result.append(current)


def hour_of_week(window: Window) -> int:
    """Local hour of the week (Monday 00:00-01:00 = 0) of the interval's last instant."""
    local = (window.end - _EPSILON).astimezone(window.tz)
    return local.weekday() * 24 + local.hour
