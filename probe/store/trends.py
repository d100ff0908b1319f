"""Reading history where raw values were pruned (issue 16): the hourly trends of
`metric_trends` stand in for the raw values of `metric_values` before the oldest one kept.

Trend hour h holds the values of the intervals ending in (h, h + 1 h]; a reader of (since, until]
takes trends for the whole hours ending at or before `trends_before_raw` and raw values after it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from probe.store.schema import metric_values


def raw_floor(conn: Connection) -> dt.datetime | None:
    """The oldest raw value kept (`metric_values` is pruned after `[history] keep_days`)."""
    oldest: dt.datetime | None = conn.execute(select(func.min(metric_values.c.at))).scalar()
    if oldest is None:
        return None
    return oldest.replace(tzinfo=dt.UTC) if oldest.tzinfo is None else oldest


def trends_before_raw(conn: Connection, since: dt.datetime, until: dt.datetime) -> dt.datetime | None:
    """Where a view of (since, until] switches from hourly trends to raw values: the end of the
    last whole hour at or before the oldest raw value kept, when that is after `since` (raw
    values before it were pruned); None when the view is raw values only."""
    floor = raw_floor(conn)
    if floor is not None and floor <= since:
        return None
    limit = until if floor is None else min(until, floor)
    end = limit.replace(minute=0, second=0, microsecond=0)
    return end if end > since else None
