"""Bounded history at LOYALTY_MON scale (issue 16), on PostgreSQL.

5,000 points give ~120,000 metric rows per 10-minute run (24 per point), 144 runs a day. The
benchmark stores `--runs` runs of such a chain (default 12: two hours of a day, 1.44 M rows; 144
for a whole day) with COPY into one day partition of `metric_values`, rows as the engine writes
them (a value, a level, for percentages the 95 % interval and votes, a threshold table), and
measures:

* rows and bytes per day: the partition's size (table + indexes) per row, × 17.28 M rows a day,
  with threshold tables stored once (`threshold_id`, BIGINT) and, for comparison, as text in every
  row (the schema before issue 16: a `thresholds` column, same indexes);
* trend rollup: `roll_hour` (one INSERT … SELECT … GROUP BY per hour, as the housekeeper runs it)
  for every stored hour, per hour and × 24 for a day;
* prune of the stored rows: dropping the day partition (what the housekeeper does on PostgreSQL)
  against the batched DELETE it uses elsewhere (5,000 rows per transaction) of the same rows in an
  unpartitioned copy; the references in the same run: one plain DELETE of the same rows, and the
  COPY that stored them;
* the Cockpit's 7-day load (100 rows, as benchmarks/console_cockpit.py) when raw values are kept
  one day and the older six are hourly trends, against the same load of 7 days of raw values.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.history --pg postgresql+psycopg://postgres@127.0.0.1/bench_history [--runs 12]

The database named in --pg is dropped and created again (a scratch database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import header
from probe.history.config import HistoryConfig
from probe.history.housekeeper import _batch_delete_sql, hour_of, housekeep, roll_hour
from probe.store import partitions
from probe.store.db import init_db, open_engine
from probe.store.threshold_tables import store_tables, threshold_id

POINTS = 5000
PER_POINT = 24  # metric rows per point per run (LOYALTY_MON, СОКОК: ~24 with interval and day)
RUNS_PER_DAY = 144
DAY = dt.date(2026, 11, 20)
# The distinct threshold tables of such a chain: the defaults of each short name, a few per-point
# overrides (hour-of-week rows add more; still a few hundred at most).
TABLES = [
    json.dumps({"direction": "higher_worse", "bounds": [a, a * 2, a * 3, a * 4]})
    for a in (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)
] + [json.dumps({"direction": "higher_better", "bounds": [a, a - 10, a - 20, a - 30]}) for a in (90.0, 80.0)]
LEVELS = ("good", "acceptable", "attention", "edge", "bad")


def run_lines(at: dt.datetime, rng: random.Random, with_text: bool, points: int) -> str:
    """One run's rows in COPY text format (the engine's `_copy_values` layout)."""
    stamp = at.replace(tzinfo=None).isoformat(" ")
    out = []
    for metric in range(1, points * PER_POINT + 1):
        kind = metric % PER_POINT
        table = TABLES[kind % len(TABLES)] if kind % 3 else None
        value = round(rng.uniform(0, 60), 3)
        level = LEVELS[int(value // 12.5) % 5] if table else "\\N"
        if kind % 4 == 1:  # a percentage: its 95 % interval and the votes behind it
            low, high, votes = f"{max(0.0, value - 8):.3f}", f"{value + 8:.3f}", str(rng.randint(5, 60))
        else:
            low = high = votes = "\\N"
        ref = (table if with_text else str(threshold_id(table))) if table else "\\N"
        out.append(f"{metric}\t{stamp}\t{value}\t{level}\t{ref}\t{low}\t{high}\t{votes}\t\\N\n")
    return "".join(out)


def copy(engine: Engine, table: str, column: str, lines: str) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        columns = f"metric_id, at, value, level, {column}, low, high, votes, expected"
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
            stream.write(lines)
    return time.perf_counter() - started


def size(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT pg_total_relation_size(to_regclass(:t))"), {"t": table}).scalar() or 0
        )


def scale(engine: Engine, runs: int, points: int) -> list[str]:
    rng = random.Random(16)
    with engine.begin() as conn:
        store_tables(conn, {threshold_id(body): body for body in TABLES})
        partitions.lock(conn)
        partitions.create_day(conn, DAY)
        conn.execute(
            text(
                "CREATE TABLE metric_values_text (metric_id INTEGER NOT NULL, at TIMESTAMP NOT NULL, "
                "value FLOAT, level VARCHAR(12), thresholds VARCHAR(200), low FLOAT, high FLOAT, "
                "votes INTEGER, expected FLOAT, PRIMARY KEY (metric_id, at))"
            )
        )
        conn.execute(text("CREATE INDEX ix_metric_values_text_at ON metric_values_text (at)"))
    part = partitions.partition_name(DAY)
    copy_ids = copy_text = 0.0
    start = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=dt.UTC)
    for k in range(runs):
        at = start + dt.timedelta(minutes=10 * (k + 1))
        state = rng.getstate()
        copy_ids += copy(
            engine, "metric_values", "threshold_id", run_lines(at, rng, with_text=False, points=points)
        )
        rng.setstate(state)  # the same rows with the tables as text
        copy_text += copy(
            engine, "metric_values_text", "thresholds", run_lines(at, rng, with_text=True, points=points)
        )
        print(f"  run {k + 1}/{runs} stored", flush=True)
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE {part}"))
        conn.execute(text("ANALYZE metric_values_text"))
    rows = runs * points * PER_POINT
    per_day = RUNS_PER_DAY * points * PER_POINT
    bytes_ids, bytes_text = size(engine, part), size(engine, "metric_values_text")

    # Trend rollup of every stored hour (as the housekeeper: one transaction per hour).
    hours = sorted({hour_of(start + dt.timedelta(minutes=10 * (k + 1))) for k in range(runs)})
    started = time.perf_counter()
    trend_rows = 0
    for hour in hours:
        with engine.begin() as conn:
            trend_rows += roll_hour(conn, hour)
    rollup_s = time.perf_counter() - started

    # Prune: the same rows, three ways.
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE flat_batched (LIKE {part} INCLUDING ALL)"))
        conn.execute(text(f"INSERT INTO flat_batched SELECT * FROM {part}"))
        conn.execute(text(f"CREATE TABLE flat_plain (LIKE {part} INCLUDING ALL)"))
        conn.execute(text(f"INSERT INTO flat_plain SELECT * FROM {part}"))
        conn.execute(text("ANALYZE flat_batched"))
        conn.execute(text("ANALYZE flat_plain"))
    cutoff = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)
    started = time.perf_counter()
    with engine.begin() as conn:
        dropped = partitions.drop_before(conn, DAY + dt.timedelta(days=1))
    drop_s = time.perf_counter() - started
    assert [p.name for p in dropped] == [part]
    started = time.perf_counter()
    batches = 0
    while True:
        with engine.begin() as conn:
            statement = _batch_delete_sql(conn, "flat_batched", "at", ["metric_id", "at"], 5000)
            gone = int(conn.execute(statement, {"cutoff": cutoff}).rowcount or 0)
        batches += 1
        if gone < 5000:
            break
    batched_s = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        plain = int(conn.execute(text("DELETE FROM flat_plain WHERE at < :c"), {"c": cutoff}).rowcount or 0)
    plain_s = time.perf_counter() - started
    assert plain == rows

    scale_up = RUNS_PER_DAY / runs
    gib = 2**30
    return [
        f"Scale: {points:,} points × {PER_POINT} rows = {points * PER_POINT:,} rows per run; {runs} runs "
        f"stored ({rows:,} rows, {len(hours)} trend hours); a day is {per_day:,} rows (× {scale_up:g} below)",
        "",
        "| figure | measured | per day |",
        "|---|---|---|",
        f"| metric_values, threshold tables once (`threshold_id`) | {bytes_ids / rows:.1f} B/row | "
        f"{bytes_ids * scale_up / gib:.2f} GiB |",
        f"| the same rows with the table as text in every row (before issue 16) | {bytes_text / rows:.1f} B/row | "
        f"{bytes_text * scale_up / gib:.2f} GiB |",
        f"| trend rollup (`roll_hour`, one INSERT … SELECT … GROUP BY per hour) | {rollup_s / len(hours):.2f} s/hour, "
        f"{trend_rows / len(hours):,.0f} trend rows/hour | {rollup_s / len(hours) * 24:.1f} s |",
        f"| prune: DROP of the day partition ({rows:,} rows) | {drop_s * 1000:.0f} ms | {drop_s * 1000:.0f} ms (independent of rows) |",
        f"| prune: batched DELETE, 5,000 rows per transaction ({batches} transactions) | {batched_s:.1f} s | "
        f"{batched_s * scale_up:.0f} s |",
        f"| reference: one plain DELETE of the same rows | {plain_s:.1f} s | {plain_s * scale_up:.0f} s |",
        f"| reference: COPY of the same rows (ids / text) | {copy_ids:.1f} s / {copy_text:.1f} s | "
        f"{copy_ids * scale_up:.0f} s / {copy_text * scale_up:.0f} s |",
    ]


def cockpit(engine: Engine) -> list[str]:
    """The Cockpit's 7-day load before and after pruning to one day of raw values."""
    from PyQt6.QtCore import QEventLoop
    from PyQt6.QtWidgets import QApplication

    from benchmarks.console_cockpit import TZ, fill
    from console.cockpit import Cockpit, CockpitLayout

    app = QApplication.instance() or QApplication([])
    now = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
    rows, days = 100, 7
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM metric_values"))
        conn.execute(text("DELETE FROM metric_trends"))
        conn.execute(text("DELETE FROM history_marks"))
    fill(engine, rows, days, now)

    def load() -> tuple[float, int, float | None]:
        best = None
        for _ in range(3):
            started = time.perf_counter()
            view = Cockpit(engine, TZ, CockpitLayout(hours=days * 24, max_rows=rows), clock=lambda: now)
            view.resize(1600, 1000)
            view.show()
            while view.loader.busy or view.steps.busy:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            view.plot.grab()
            seconds = time.perf_counter() - started
            best = seconds if best is None else min(best, seconds)
            points = sum(len(h) for h in view.histories)
            trend_until = max((h.trend_until or 0.0 for h in view.histories), default=0.0)
            view.close()
        assert best is not None
        return best, points, trend_until or None

    raw_s, raw_points, _ = load()
    report = housekeep(engine, HistoryConfig(keep_days=1), now)
    trend_s, trend_points, until = load()
    assert until is not None, "the Cockpit read no trends"
    switch = dt.datetime.fromtimestamp(until, dt.UTC)
    return [
        "",
        f"Cockpit, {rows} rows × {days} days (load and draw, best of 3):",
        "",
        "| history | points drawn | load and draw |",
        "|---|---|---|",
        f"| 7 days of raw values (reference) | {raw_points:,} | {raw_s * 1000:.0f} ms |",
        f"| raw values kept 1 day, hourly trends before {switch:%Y-%m-%d %H:%M} UTC "
        f"({report.hours_rolled} hours rolled up) | {trend_points:,} | {trend_s * 1000:.0f} ms (goal < 1000 ms) |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--pg", required=True, help="URL of a scratch PostgreSQL database (dropped and created)"
    )
    parser.add_argument("--runs", type=int, default=12, help="runs stored (144 = a whole day)")
    parser.add_argument("--points", type=int, default=POINTS, help="service points (a smoke run: fewer)")
    args = parser.parse_args()
    url = make_url(args.pg)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    print(header(f"history at {args.points:,} points, {args.runs} runs"), flush=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    engine = open_engine(args.pg)
    init_db(engine)
    lines = scale(engine, args.runs, args.points)
    lines += cockpit(engine)
    print(f"load average after: {os.getloadavg()}")
    print("\n".join(lines))
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
    admin.dispose()


if __name__ == "__main__":
    main()
