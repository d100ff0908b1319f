"""The history housekeeper (issue 16): hourly trends rolled up from raw values, then everything
older than its retention pruned, in short transactions.

* Rollup: every complete UTC hour (hour h holds the values of the intervals ending in (h, h + 1 h])
  not rolled yet (`history_marks` row `rolled`: the first hour
  not in `metric_trends`) becomes one `metric_trends` row per metric — min, mean, max and count of
  the non-null values, the worst level — in one transaction per hour (delete the hour's trends,
  insert them again: idempotent). An hour whose runs were stored again after it was rolled (a
  re-evaluation, a catch-up by a standby) is rolled again, while its raw values are still kept.
* Prune: raw values older than `keep_days` (whole UTC days), but never an hour that is not rolled
  up yet; the other per-run tables (`test_runs`, `run_log`, `ingest_counts`) after `keep_days`
  too; trends after `trend_days`. On PostgreSQL `metric_values` is partitioned by day: a pruned day
  is a dropped partition (probe.store.partitions); other tables and dialects delete in batches of
  `batch_rows` rows, one short transaction each, so an evaluation storing its run never waits
  long for them.

Several probes may run it against one aggregator at once: each transaction first takes the
`lock` row of `history_marks` (a row lock, or SQLite's write lock), re-reads the marks, and does
only what is still to do; every step is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, func, literal, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from probe.history.config import HistoryConfig
from probe.store import partitions
from probe.store.schema import (
    UtcDateTime,
    history_marks,
    ingest_counts,
    metric_trends,
    metric_values,
    run_log,
    test_runs,
)

log = logging.getLogger(__name__)

ROLLED = "rolled"  # history_marks: the first hour whose raw values are not rolled up yet
PASS = "pass"  # history_marks: when the last complete pass started (re-roll detection)
LOCK = "lock"  # history_marks: the row every housekeeping transaction locks first
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# A run that finished this long before the previous pass started may not have been seen by it.
RACE_MARGIN = dt.timedelta(minutes=2)
# An hour is rolled up this long after it ended (its last run, for the interval ending with the
# hour, is stored by then; a later one is re-rolled by `reroll_stale`).
ROLL_DELAY = dt.timedelta(minutes=5)

# Per-run tables bounded by keep_days besides metric_values, with their time column.
BOUNDED = (
    ("test_runs", test_runs.c.at),
    ("run_log", run_log.c.committed_at),
    ("ingest_counts", ingest_counts.c.minute),
)

_SEVERITY = {"good": 0, "acceptable": 1, "attention": 2, "edge": 3, "bad": 4, "unknown": -1}


@dataclass
class PruneReport:
    """What one pass did."""

    hours_rolled: int = 0
    trends_written: int = 0
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    partitions_dropped: list[str] = field(default_factory=list)
    partitions_created: list[str] = field(default_factory=list)
    raw_cutoff: dt.datetime | None = None
    trend_cutoff: dt.datetime | None = None
    seconds: float = 0.0

    def add(self, table: str, rows: int) -> None:
        self.deleted[table] = self.deleted.get(table, 0) + rows


def floor_hour(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def floor_day(moment: dt.datetime) -> dt.datetime:
    return floor_hour(moment).replace(hour=0)


def hour_of(at: dt.datetime) -> dt.datetime:
    """The trend hour of a value: `at` is the end of an evaluated interval, so a value at 11:00
    (10:50-11:00) belongs to the hour 10:00-11:00; hour h holds the values with h < at <= h + 1 h."""
    return floor_hour(at - dt.timedelta(microseconds=1))


def _mark(conn: Connection, name: str) -> dt.datetime | None:
    value: dt.datetime | None = conn.execute(
        select(history_marks.c.at).where(history_marks.c.name == name)
    ).scalar()
    return value


def _set_mark(conn: Connection, name: str, at: dt.datetime, now: dt.datetime) -> None:
    done = conn.execute(
        update(history_marks).where(history_marks.c.name == name).values(at=at, updated_at=now)
    ).rowcount
    if not done:
        conn.execute(history_marks.insert().values(name=name, at=at, updated_at=now))


def _ensure_lock_row(engine: Engine) -> None:
    try:
        with engine.begin() as conn:
            if _mark(conn, LOCK) is None:
                conn.execute(
                    history_marks.insert().values(
                        name=LOCK,
                        at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                        updated_at=dt.datetime.now(dt.UTC),
                    )
                )
    except IntegrityError:  # another probe inserted it meanwhile
        pass


def _lock(conn: Connection) -> None:
    """Take the housekeeping lock for this transaction (first statement: a write, so SQLite takes
    its write lock before reading anything, and another probe waits instead of failing)."""
    conn.execute(
        update(history_marks).where(history_marks.c.name == LOCK).values(updated_at=dt.datetime.now(dt.UTC))
    )


def _worst_level() -> Any:
    severity = case(*((metric_values.c.level == name, rank) for name, rank in _SEVERITY.items()), else_=None)
    worst = func.max(severity)
    return case(*((worst == rank, literal(name)) for name, rank in _SEVERITY.items()), else_=None)


def rollup_statement(hour: dt.datetime) -> Any:
    """INSERT … SELECT of one hour's trends (one GROUP BY in the database, every dialect)."""
    v = metric_values.c
    query = (
        select(
            v.metric_id,
            literal(hour, UtcDateTime()),
            func.min(v.value),
            func.avg(v.value),
            func.max(v.value),
            func.count(v.value),
            _worst_level(),
        )
        .where(v.at > hour, v.at <= hour + HOUR)
        .group_by(v.metric_id)
    )
    columns = ["metric_id", "hour", "value_min", "value_mean", "value_max", "count", "worst"]
    return metric_trends.insert().from_select(columns, query)


def roll_hour(conn: Connection, hour: dt.datetime) -> int:
    """Trends of one hour from its raw values (replacing any stored before). Returns the rows."""
    conn.execute(delete(metric_trends).where(metric_trends.c.hour == hour))
    conn.execute(rollup_statement(hour))
    # Counted, not taken from the cursor: drivers report no row count for INSERT … SELECT.
    return int(conn.execute(select(func.count()).where(metric_trends.c.hour == hour)).scalar() or 0)


def rollup(
    engine: Engine, now: dt.datetime, report: PruneReport, *, pause: Callable[[], None] = lambda: None
) -> None:
    """Roll up every complete hour not rolled yet, and re-roll hours stored again since the last
    pass (while their raw values are kept)."""
    # An hour is complete once its last interval (ending at the hour's end) had time to be stored.
    end = floor_hour(now - ROLL_DELAY)
    while True:
        with engine.begin() as conn:
            _lock(conn)
            mark = _mark(conn, ROLLED)
            if mark is None:
                oldest = conn.execute(select(func.min(metric_values.c.at))).scalar()
                mark = end if oldest is None else min(end, hour_of(oldest))
                _set_mark(conn, ROLLED, mark, now)
            if mark >= end:
                break
            # Skip hours without values (a probe that was down) in one step.
            following = conn.execute(
                select(func.min(metric_values.c.at)).where(
                    metric_values.c.at > mark, metric_values.c.at <= end
                )
            ).scalar()
            if following is None:
                _set_mark(conn, ROLLED, end, now)
                break
            hour = hour_of(following)
            report.trends_written += roll_hour(conn, hour)
            report.hours_rolled += 1
            _set_mark(conn, ROLLED, hour + HOUR, now)
        pause()


def reroll_stale(
    engine: Engine, now: dt.datetime, raw_floor: dt.datetime, report: PruneReport,
    *, pause: Callable[[], None] = lambda: None,
) -> None:  # fmt: skip
    """Hours already rolled whose runs were stored (again) after the previous pass started."""
    with engine.connect() as conn:
        previous = _mark(conn, PASS)
        rolled = _mark(conn, ROLLED)
        if previous is None or rolled is None:
            return
        finished = test_runs.c.started_at  # a stored run started at or after this moment
        ats = conn.execute(
            select(test_runs.c.at, test_runs.c.started_at, test_runs.c.duration_seconds).where(
                test_runs.c.at <= rolled, test_runs.c.at > raw_floor, finished >= previous - DAY
            )
        ).all()
    hours = sorted(
        {
            hour_of(row.at)
            for row in ats
            if row.started_at + dt.timedelta(seconds=row.duration_seconds) >= previous - RACE_MARGIN
            and raw_floor <= hour_of(row.at) < rolled
        }
    )
    for hour in hours:
        with engine.begin() as conn:
            _lock(conn)
            report.trends_written += roll_hour(conn, hour)
            report.hours_rolled += 1
        pause()


def _batch_delete_sql(conn: Connection, table: str, column: str, keys: list[str], batch: int) -> Any:
    dialect = conn.dialect.name
    stamp = bindparam("cutoff", type_=UtcDateTime())
    if dialect == "sqlite":
        sql = f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {column} < :cutoff LIMIT {batch})"
    elif dialect == "mssql":
        sql = f"DELETE TOP ({batch}) FROM {table} WHERE {column} < :cutoff"
    else:
        key = ", ".join(keys)
        sql = (
            f"DELETE FROM {table} WHERE ({key}) IN "
            f"(SELECT {key} FROM {table} WHERE {column} < :cutoff LIMIT {batch})"
        )
    return text(sql).bindparams(stamp)


def delete_before(
    engine: Engine, table: str, column: str, cutoff: dt.datetime, batch: int, report: PruneReport,
    *, pause: Callable[[], None] = lambda: None,
) -> None:  # fmt: skip
    """DELETE the rows of `table` older than `cutoff`, `batch` rows per transaction."""
    from probe.store.schema import metadata

    keys = [c.name for c in metadata.tables[table].primary_key.columns]
    while True:
        with engine.begin() as conn:
            _lock(conn)
            rows = int(
                conn.execute(_batch_delete_sql(conn, table, column, keys, batch), {"cutoff": cutoff}).rowcount
                or 0
            )
        report.add(table, rows)
        if rows < batch:
            return
        pause()


def prune(
    engine: Engine, settings: HistoryConfig, now: dt.datetime, report: PruneReport,
    *, pause: Callable[[], None] = lambda: None,
) -> None:  # fmt: skip
    """Raw values and per-run rows older than keep_days (never an hour not rolled up), trends
    older than trend_days."""
    with engine.connect() as conn:
        rolled = _mark(conn, ROLLED)
    day_cutoff = floor_day(now) - settings.keep_days * DAY
    # Nothing rolled yet means nothing may go; otherwise no hour at or after the mark.
    raw_cutoff = min(day_cutoff, rolled) if rolled is not None else None
    report.raw_cutoff = raw_cutoff
    if raw_cutoff is not None:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                _lock(conn)
                if partitions.is_partitioned(conn):
                    # Dropping a partition locks the whole table for a moment: never wait long
                    # behind an evaluation's transaction for it (the next pass tries again).
                    conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                    # Whole days before the cutoff (their end at or before it).
                    cutoff_day = floor_day(raw_cutoff).date()
                    for dropped in partitions.drop_before(conn, cutoff_day):
                        report.partitions_dropped.append(dropped.name)
        delete_before(engine, "metric_values", "at", raw_cutoff, settings.batch_rows, report, pause=pause)
        for table, column in BOUNDED:
            delete_before(engine, table, column.name, day_cutoff, settings.batch_rows, report, pause=pause)
    trend_cutoff = floor_day(now) - settings.trend_days * DAY
    report.trend_cutoff = trend_cutoff
    delete_before(engine, "metric_trends", "hour", trend_cutoff, settings.batch_rows, report, pause=pause)


def housekeep(
    engine: Engine, settings: HistoryConfig, now: dt.datetime | None = None,
    *, pause: Callable[[], None] = lambda: None,
) -> PruneReport:  # fmt: skip
    """One pass: partitions ahead (PostgreSQL), rollup, re-roll, prune. Safe to run in several
    processes at once."""
    started = time.monotonic()
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    report = PruneReport()
    _ensure_lock_row(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            if partitions.is_partitioned(conn):
                # Creating a partition locks the table for a moment: never queue an evaluation long.
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                report.partitions_created = partitions.ensure_ahead(
                    conn, now.date(), settings.partitions_ahead_days
                )
    raw_floor = floor_day(now) - settings.keep_days * DAY
    reroll_stale(engine, now, raw_floor, report, pause=pause)
    rollup(engine, now, report, pause=pause)
    prune(engine, settings, now, report, pause=pause)
    with engine.begin() as conn:
        _lock(conn)
        _set_mark(conn, PASS, now, now)
    report.seconds = time.monotonic() - started
    return report
