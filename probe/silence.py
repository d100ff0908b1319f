"""A pad that falls silent (issue 21, point 5): its typical press rate for each hour of the week,
from its own history, and how many presses that rate expects between its last press and now.
Pure functions, no I/O; LOYALTY_MON reads the history and emits `Пульт … молчит, мин`.

The rate of hour-of-week h (0 = Monday 00:00–01:00 local, 167 = Sunday 23:00–24:00) is the presses
of the pad in the hours h of its history divided by the number of weeks that history covers: a pad
pressed 36 times on the last four Mondays between 12:00 and 13:00 typically gets 9 presses in that
hour. The expectation since the last press adds up, hour by hour of local time, the rate of each
hour times the part of it that has passed, so a silence over lunch expects many presses and one
over a quiet evening few.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

HOURS_PER_WEEK = 168
MAX_SILENCE = dt.timedelta(days=28)  # longer silences are not added up further (it is dead anyway)


def hour_of_week(local: dt.datetime) -> int:
    """0 for Monday 00:00–01:00 … 167 for Sunday 23:00–24:00 (an aware local time)."""
    return local.weekday() * 24 + local.hour


def typical_rates(hour_counts: Iterable[tuple[dt.datetime, int]], tz: ZoneInfo, weeks: float) -> list[float]:
    """Presses per hour for each hour of the week: `hour_counts` are (start of an hour, aware UTC;
    presses in it) of the pad's history, which covers `weeks` weeks."""
    totals = [0.0] * HOURS_PER_WEEK
    if weeks <= 0:
        return totals
    for start, count in hour_counts:
        # The middle of the hour decides its local hour (zones whose offset is not whole hours).
        totals[hour_of_week((start + dt.timedelta(minutes=30)).astimezone(tz))] += count
    return [total / weeks for total in totals]


def history_weeks(first: dt.datetime, last: dt.datetime, lookback: dt.timedelta) -> float:
    """How many weeks of history the rates rest on: the lookback, or less for a younger pad
    (whole weeks, at least one)."""
    span = min(lookback, max(last - first, dt.timedelta(0)))
    return float(max(1, math.ceil(span / dt.timedelta(weeks=1) - 1e-9)))


def expected_presses(rates: Sequence[float], since: dt.datetime, until: dt.datetime, tz: ZoneInfo) -> float:
    """Presses the rates expect in [since, until) (aware), hour by hour of local time; at most
    MAX_SILENCE is added up."""
    if until <= since:
        return 0.0
    since = max(since, until - MAX_SILENCE)
    total = 0.0
    moment = since
    while moment < until:
        local = moment.astimezone(tz)
        # The local hour's start in UTC plus one real hour (right across DST changes, too).
        next_hour = local.replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC) + dt.timedelta(
            hours=1
        )
        step_end = min(until, next_hour)
        total += rates[hour_of_week(local)] * (step_end - moment) / dt.timedelta(hours=1)
        moment = step_end
    return total


def silent_minutes(last: dt.datetime | None, now: dt.datetime, expected: float, enough: float) -> float:
    """`Пульт … молчит, мин`: the minutes since the last press when the pad's own rate expects at
    least `enough` presses in that time, else 0."""
    if last is None or expected < enough:
        return 0.0
    return max(0.0, (now - last).total_seconds() / 60.0)
