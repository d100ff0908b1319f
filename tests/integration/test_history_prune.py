"""Bounded history (issue 16): hourly trends rolled up from raw values before these are pruned,
raw values after keep_days, trends after trend_days, day partitions dropped on PostgreSQL; several
housekeepers at once on one aggregator."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from probe.history.config import HistoryConfig
from probe.history.housekeeper import PruneReport, floor_day, hour_of, housekeep, prune
from probe.levels import Level
from probe.store import partitions
from probe.store.baselines import load_histories
from probe.store.db import utcnow
from probe.store.schema import metric_trends, metric_values, metrics, test_runs
from probe.store.threshold_tables import stored_id

NOW = dt.datetime(2026, 11, 29, 12, 34, tzinfo=dt.UTC)
START = floor_day(NOW) - dt.timedelta(days=8)
ROLLED_UNTIL = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)  # hours ending by NOW - 5 min
LEVELS = ["good", "acceptable", "attention", "edge", "bad", "unknown", None]


def value_at(metric_id: int, step: int) -> tuple[float | None, str | None]:
    value = None if step % 11 == 5 else float((step * 7 + metric_id * 3) % 23) + 0.25 * metric_id
    return value, LEVELS[(step * 5 + metric_id) % len(LEVELS)]


def fill(engine: Engine) -> list[dict[str, Any]]:
    """Two metrics, a value every 10 minutes from START to NOW, a test_runs row per interval."""
    rows = []
    runs = []
    step = 0
    at = START
    while at <= NOW:
        for metric_id in (1, 2):
            value, level = value_at(metric_id, step)
            rows.append({"metric_id": metric_id, "at": at, "value": value, "level": level})
        runs.append(
            {"test": "T", "at": at, "started_at": at, "duration_seconds": 1.0, "ok": True, "error": None}
        )
        at += dt.timedelta(minutes=10)
        step += 1
    with engine.begin() as conn:
        for metric_id in (1, 2):
            conn.execute(
                metrics.insert().values(
                    id=metric_id, key=f"m{metric_id}", name=f"M{metric_id}", test="T",
                    short_name=f"M{metric_id}", created_at=utcnow(),
                )
            )  # fmt: skip
        if conn.dialect.name == "postgresql":
            partitions.lock(conn)
            day = START.date()
            while day <= NOW.date():
                partitions.create_day(conn, day)
                day += dt.timedelta(days=1)
        conn.execute(metric_values.insert(), rows)
        conn.execute(test_runs.insert(), runs)
        # A trend older than any trend_days here: must go.
        conn.execute(
            metric_trends.insert().values(
                metric_id=1, hour=START - dt.timedelta(days=400), count=1, value_min=1.0
            )
        )
    return rows


def recount(
    rows: list[dict[str, Any]], since: dt.datetime, until: dt.datetime
) -> dict[tuple[int, dt.datetime], tuple[Any, ...]]:
    """The trends of the raw rows, computed here in Python: (metric, hour) -> min, mean, max, count, worst."""
    groups: dict[tuple[int, dt.datetime], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        hour = hour_of(row["at"])  # the hour of the interval the value ends
        if since <= hour < until:
            groups[(row["metric_id"], hour)].append(row)
    out = {}
    for key, members in groups.items():
        values = [m["value"] for m in members if m["value"] is not None]
        levels = [Level(m["level"]) for m in members if m["level"] is not None]
        worst = None if not levels else Level.worst(levels).value
        mean = None if not values else sum(values) / len(values)
        out[key] = (min(values, default=None), mean, max(values, default=None), len(values), worst)
    return out


def stored_trends(engine: Engine) -> dict[tuple[int, dt.datetime], tuple[Any, ...]]:
    t = metric_trends.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.metric_id, t.hour, t.value_min, t.value_mean, t.value_max, t.count, t.worst)
        )
        return {
            (r.metric_id, r.hour): (r.value_min, r.value_mean, r.value_max, r.count, r.worst) for r in rows
        }


def assert_same(got: dict[Any, tuple[Any, ...]], expected: dict[Any, tuple[Any, ...]]) -> None:
    assert got.keys() == expected.keys()
    for key, (lo, mean, hi, count, worst) in expected.items():
        g = got[key]
        assert (g[0], g[2], g[3], g[4]) == (lo, hi, count, worst), key
        assert (g[1] is None and mean is None) or g[1] == pytest.approx(mean), key


def test_prune_keeps_trends_equal_to_a_recount(engine: Engine) -> None:
    rows = fill(engine)
    settings = HistoryConfig(keep_days=3, trend_days=5, batch_rows=100)
    report = housekeep(engine, settings, NOW)

    raw_cutoff = floor_day(NOW) - dt.timedelta(days=3)
    trend_cutoff = floor_day(NOW) - dt.timedelta(days=5)
    with engine.connect() as conn:
        oldest = conn.execute(select(func.min(metric_values.c.at))).scalar()
        kept = conn.execute(select(func.count()).select_from(metric_values)).scalar()
        oldest_run = conn.execute(select(func.min(test_runs.c.at))).scalar()
    assert oldest == raw_cutoff
    assert kept == sum(1 for r in rows if r["at"] >= raw_cutoff)
    assert oldest_run == raw_cutoff
    # Every complete hour is in the trends, equal to a recount of the raw values it was made of;
    # hours older than trend_days (and the old trend row) are gone; the current hour is not rolled.
    assert_same(stored_trends(engine), recount(rows, trend_cutoff, ROLLED_UNTIL))
    # START (00:00) ends the interval 23:50-00:00: the first hour is the one before START.
    assert report.hours_rolled == (ROLLED_UNTIL - START) // dt.timedelta(hours=1) + 1
    assert report.trends_written == len(recount(rows, START - dt.timedelta(hours=1), ROLLED_UNTIL))
    pruned_runs = sum(1 for r in rows if r["at"] < raw_cutoff) // 2
    assert report.deleted["test_runs"] == pruned_runs
    if engine.dialect.name == "postgresql":
        expected = [partitions.partition_name(START.date() + dt.timedelta(days=d)) for d in range(5)]
        assert report.partitions_dropped == expected
        with engine.connect() as conn:
            assert min(p.day for p in partitions.day_partitions(conn)) == raw_cutoff.date()
        assert report.deleted.get("metric_values", 0) == 0  # dropped whole, nothing deleted row by row
    else:
        assert report.deleted["metric_values"] == sum(1 for r in rows if r["at"] < raw_cutoff)
    # The old row and the hours of days -8..-6 (and the hour before START).
    assert report.deleted["metric_trends"] == 1 + 2 * (24 * 3 + 1)

    # Again: nothing left to do, nothing changes.
    again = housekeep(engine, settings, NOW)
    assert again.hours_rolled == 0 and not any(again.deleted.values()) and not again.partitions_dropped
    assert_same(stored_trends(engine), recount(rows, trend_cutoff, ROLLED_UNTIL))

    # An interval of a rolled hour evaluated again (a re-evaluation, a standby catching up):
    # the next pass rolls that hour again.
    hour = floor_day(NOW) - dt.timedelta(hours=19)
    changed = hour + dt.timedelta(minutes=30)
    with engine.begin() as conn:
        conn.execute(update(metric_values).where(metric_values.c.at == changed).values(value=1000.0))
        conn.execute(
            update(test_runs)
            .where(test_runs.c.at == changed)
            .values(started_at=NOW + dt.timedelta(minutes=5))
        )
    for row in rows:
        if row["at"] == changed:
            row["value"] = 1000.0
    rerolled = housekeep(engine, settings, NOW + dt.timedelta(minutes=10))
    assert rerolled.hours_rolled == 1, rerolled
    assert_same(stored_trends(engine), recount(rows, trend_cutoff, ROLLED_UNTIL))

    # An hour later the hour that was current is rolled too.
    later = housekeep(engine, settings, NOW + dt.timedelta(hours=1))
    assert later.hours_rolled == 1
    assert_same(stored_trends(engine), recount(rows, trend_cutoff, ROLLED_UNTIL + dt.timedelta(hours=1)))


def test_no_hour_is_pruned_before_it_is_rolled_up(engine: Engine) -> None:
    rows = fill(engine)
    settings = HistoryConfig(keep_days=1, trend_days=30, batch_rows=1000)
    # Nothing rolled up yet: nothing may go.
    report = PruneReport()
    prune(engine, settings, NOW, report)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(metric_values)).scalar() == len(rows)
    assert report.raw_cutoff is None
    # With the rollup stopped at START + 1 day 05:00, raw values from that hour on stay.
    from probe.history.housekeeper import ROLLED, _ensure_lock_row, _lock, _set_mark

    _ensure_lock_row(engine)
    mark = START + dt.timedelta(days=1, hours=5)
    with engine.begin() as conn:
        _lock(conn)
        _set_mark(conn, ROLLED, mark, NOW)
    prune(engine, settings, NOW, report)
    with engine.connect() as conn:
        assert conn.execute(select(func.min(metric_values.c.at))).scalar() == mark


def test_housekeepers_at_once(engine: Engine) -> None:
    """Two probes' housekeepers on one aggregator at the same moment: both finish, the result is
    the one a single pass gives."""
    rows = fill(engine)
    settings = HistoryConfig(keep_days=3, trend_days=5, batch_rows=200)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one() -> None:
        try:
            barrier.wait()
            housekeep(engine, settings, NOW)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert_same(stored_trends(engine), recount(rows, floor_day(NOW) - dt.timedelta(days=5), ROLLED_UNTIL))
    with engine.connect() as conn:
        assert conn.execute(select(func.min(metric_values.c.at))).scalar() == floor_day(NOW) - dt.timedelta(
            days=3
        )


def test_baseline_reads_trends_where_raw_values_were_pruned(engine: Engine) -> None:
    """`baseline` over a range partly pruned: each pruned hour's mean counts once per value it
    was made of; the kept part is the raw values."""
    rows = fill(engine)
    body = '{"direction": "higher_worse", "bounds": [5.0, 10.0, 15.0, 20.0]}'
    with engine.begin() as conn:
        conn.execute(update(metric_values).values(threshold_id=stored_id(conn, body)))
    housekeep(engine, HistoryConfig(keep_days=3, trend_days=30), NOW)
    cutoff = floor_day(NOW) - dt.timedelta(days=3)
    histories = {h.metric_id: h for h in load_histories(engine, "T", since=START, until=NOW)}
    for metric_id in (1, 2):
        trends = recount([r for r in rows if r["metric_id"] == metric_id], START, cutoff)
        expected = [
            mean for (lo, mean, hi, count, worst) in trends.values() if mean is not None for _ in range(count)
        ]
        expected += [
            r["value"]
            for r in rows
            if r["metric_id"] == metric_id and cutoff < r["at"] < NOW and r["value"] is not None
        ]
        got = sorted(value for _, value in histories[metric_id].samples)
        assert got == pytest.approx(sorted(expected))
        assert histories[metric_id].current is not None
