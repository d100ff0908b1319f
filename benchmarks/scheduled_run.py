"""One scheduled LOYALTY_MON run end to end on a big chain, with presses arriving as they do in a
day — 5 % of them late — against the storage floor measured in the same run.

A chain of N points (one pad each; УСОКОК, СОКОК and Опросы in turn) and M presses over one day.
Presses are stored in the order they *arrive*: 95 % within seconds of their time, 5 % between 10
minutes and 6 hours late (a concentrator's late batch, a spool draining). Before each evaluation
the presses that arrived in its interval are stored (COPY), then `Evaluator.evaluate` runs exactly
as the scheduler calls it: the test (on its day state), names and ids, assessment, the history
transaction (with the test's state and the run announcement) and the publish to the snapshot hub
(with the SNMP agent's index builder subscribed, on its own thread as in the service).

Measured per run, morning (08:10–09:40) and evening (20:10–21:40), each on top of the previous
run's state: the run's wall time, and the reference in the same run — one COPY of exactly the
run's rows into `metric_values` itself, with the history stored so far (the storage floor). Also
the first run of the day and the catch-up run after the jump to the evening, for context; after
each of them `VACUUM ANALYZE` and a `CHECKPOINT` do at once what a live database does in the
background (the first run created every metric; the jump stored ten hours of presses at once).
The process manages its garbage collector as `prolan-probe` does (`probe.memory`): the table counts
the collector's passes during each run, and the hourly full pass that the scheduler makes between
runs is made here after every sixth run (an hour of the runs' clock), timed apart.

    python -m benchmarks.scheduled_run                 # PostgreSQL, 500 points, 1,000,000 presses
    python -m benchmarks.scheduled_run --full          # PostgreSQL, 5,000 points, 10,000,000 presses
    options: --points N --presses M --pg URL --sqlite (also SQLite, 1/5 of the size)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, text

from benchmarks.common import header
from benchmarks.loyalty_mon import TZ, generate, store_chain
from probe import memory
from probe.config import parse_config
from probe.engine import Evaluator
from probe.memory import tune_garbage_collector
from probe.snapshot import SnapshotHub
from probe.snmp.index import IndexBuilder
from probe.snmp.oids import Layout
from probe.store.db import init_db, open_engine

LATE_SHARE = 0.05
RUNS = 10  # measured runs in the morning and in the evening (a single run's ratio varies by +-0.3)
PRESS_COLUMNS = "pad_id, point_id, button, kind, pressed_at, question_id, source"


def arrivals(chunks: Iterator[list[tuple[Any, ...]]], seed: int = 11) -> tuple[np.ndarray, list[str]]:
    """Every press as a COPY line, and its arrival time (datetime64[us]), sorted by arrival."""
    rng = np.random.default_rng(seed)
    times_parts: list[np.ndarray] = []
    lines: list[str] = []
    null = chr(92) + "N"
    for rows in chunks:
        times = np.array([r[4] for r in rows], dtype="datetime64[us]")
        late = rng.random(len(rows)) < LATE_SHARE
        delay_ms = np.where(
            late, rng.integers(10 * 60_000, 6 * 3_600_000, len(rows)), rng.integers(0, 5_000, len(rows))
        )
        times_parts.append(times + delay_ms.astype("timedelta64[ms]"))
        lines += [
            f"{pad}\t{point}\t{button}\t{kind}\t{stamp}\t{question or null}\tbench\n"
            for pad, point, button, kind, stamp, question in rows
        ]
    arrive = np.concatenate(times_parts)
    order = np.argsort(arrive, kind="stable")
    return arrive[order], [lines[i] for i in order.tolist()]


class Feed:
    """The presses in arrival order; `until(t)` stores those that arrived before t (COPY)."""

    def __init__(self, engine: Engine, items: tuple[np.ndarray, list[str]]) -> None:
        self.engine = engine
        self.times, self.lines = items
        self.done = 0

    def until(self, moment: dt.datetime) -> int:
        stop = int(np.searchsorted(self.times, np.datetime64(moment.replace(tzinfo=None), "us"), side="left"))
        batch = self.lines[self.done : stop]
        if batch:
            with self.engine.begin() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cur, cur.copy(f"COPY presses ({PRESS_COLUMNS}) FROM STDIN") as copy:
                    copy.write("".join(batch))
        self.done = stop
        return len(batch)


def copy_floor(engine: Engine, at: dt.datetime) -> tuple[float, int]:
    """COPY of exactly the rows the run stored into `metric_values` (every column, the same
    values), into the same table and day partition with its indexes and the history stored so far:
    the storage floor. They go in one second before the run's time (no run uses it) and are
    removed afterwards, with a VACUUM of what they left in the indexes; reading them out,
    deleting them and the VACUUM are outside the timing."""
    stamp = at.astimezone(dt.UTC).replace(tzinfo=None)
    columns = "metric_id, at, value, level, threshold_id, low, high, votes, expected"
    out = io.BytesIO()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        query = (
            f"COPY (SELECT metric_id, at - interval '1 second', value, level, threshold_id, low, high, "
            f"votes, expected FROM metric_values WHERE at = '{stamp.isoformat(' ')}') TO STDOUT"
        )
        with raw.cursor() as cur, cur.copy(query) as copy:
            for block in copy:
                out.write(block)
        conn.rollback()
    lines = out.getvalue()
    started = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY metric_values ({columns}) FROM STDIN") as copy:
            copy.write(lines)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM metric_values WHERE at = :at"), {"at": stamp - dt.timedelta(seconds=1)}
        )
    # The reference leaves no trace: its deleted rows would otherwise stay in the indexes, each
    # next to where the next run stores the same metric, and make every run after it pay for
    # its predecessor's floor (a live database never has those rows).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (INDEX_CLEANUP ON) metric_values"))
    return seconds, lines.count(b"\n")


def maintenance(engine: Engine) -> None:
    """What a live database has done long before a run after a bulk change (the first run of the
    day created every metric; the jump to the evening stored 4.3 million presses at once): autovacuum's
    VACUUM ANALYZE, and the checkpoints that the WAL of those writes triggers. Left to happen in
    the background, they would run in the middle of the measured runs and of their floors."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("CHECKPOINT"))


def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


def run(url: str, n_points: int, n_presses: int) -> list[str]:
    engine = open_engine(url)
    init_db(engine)
    topology = store_chain(engine, n_points)
    day = dt.date(2026, 11, 24)
    started = time.perf_counter()
    items = arrivals(generate(topology, n_presses, local(day, 0, 0)))
    feed = Feed(engine, items)
    print(f"  {len(items[1]):,} presses generated in {time.perf_counter() - started:.1f} s", flush=True)
    hub = SnapshotHub()
    builder = IndexBuilder(
        Layout(),
        probe_name="bench",
        version="bench",
        started_at=dt.datetime.now(dt.UTC),
        uptime_ticks=lambda: 0,
    )
    rebuilds: list[float] = []

    def snmp(_snapshot: Any, _evaluation: Any) -> None:  # the agent's subscriber, minus the socket
        t0 = time.perf_counter()
        builder.build(hub.current)
        rebuilds.append(time.perf_counter() - t0)

    hub.subscribe(snmp, "snmp")
    config = parse_config(
        {
            "timezone": "Europe/Moscow",
            "database": {"url": url},
            "tests": {
                "builtin": True,
                **{name: {"enabled": False} for name in ("QUEUE_LEN", "APP_RESPONSE", "INGEST", "CLIPS")},
            },
        }
    )
    evaluator = Evaluator(config, engine, hub)

    # The cyclic collector's passes while a run runs (on any thread), and how long they took.
    collector = {"passes": 0, "seconds": 0.0, "since": 0.0}

    def on_collection(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            collector["since"] = time.perf_counter()
        else:
            collector["passes"] += 1
            collector["seconds"] += time.perf_counter() - collector["since"]

    gc.callbacks.append(on_collection)

    def evaluate(end: dt.datetime) -> tuple[float, int, int]:
        stored = feed.until(end + dt.timedelta(seconds=20))  # the scheduler runs 20 s after the end
        collector.update(passes=0, seconds=0.0)
        t0 = time.perf_counter()
        evaluation = evaluator.evaluate("LOYALTY_MON", end)
        seconds = time.perf_counter() - t0
        in_run.append((int(collector["passes"]), collector["seconds"]))
        assert evaluation.test_ok and evaluation.database_ok
        state = next(t for t in hub.current.tests if t.name == "LOYALTY_MON")
        before_store.append(state.duration_seconds or 0.0)
        return seconds, len(evaluation.metrics), stored

    lines: list[str] = []
    in_run: list[tuple[int, float]] = []  # the collector's passes during each run, and their time
    before_store: list[float] = []  # prepare, the test and the assessment: the run before its store
    feed.until(local(day, 7, 50))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # what autovacuum does on a live database
    first_end = local(day, 8, 0)
    first_s, n_metrics, _ = evaluate(first_end)
    clock_start = time.monotonic()
    reclaims: list[float] = []
    # The first run ever created 120,066 metrics and their rows; on a live database that happened
    # once, long ago: the autovacuum it triggers would otherwise run during the morning runs.
    maintenance(engine)
    lines.append(
        f"* first run of the day at 08:00 (the day counted from its presses): {first_s:.2f} s, {n_metrics:,} metrics"
    )
    table = []
    for label, hour in (("morning", 8), ("evening", 20)):
        if hour == 20:
            catch_s, _, stored = evaluate(local(day, 20, 0))
            lines.append(
                f"* catch-up run at 20:00 after the jump ({stored:,} presses stored since the last morning run): {catch_s:.2f} s"
            )
            # The maintenance autovacuum spreads over those hours on a live database, done at
            # once: triggered by the jump's 4.3 million inserts, it would otherwise run in the
            # middle of the measured runs (and of their floors).
            maintenance(engine)
        for step in range(RUNS):
            end = local(day, hour, 10) + dt.timedelta(minutes=10 * step)
            seconds, count, stored = evaluate(end)
            floor, copied = copy_floor(engine, end)
            assert copied == count, (copied, count)
            # What the scheduler does after each run: the collector's full pass when an hour has
            # passed (probe.memory), on the run's clock; timed apart, as it runs between runs.
            t0 = time.perf_counter()
            if memory.reclaim_if_due(clock_start + (end - first_end).total_seconds()):
                reclaims.append(time.perf_counter() - t0)
            table.append(
                (
                    f"{label} {end.astimezone(TZ):%H:%M}",
                    stored,
                    count,
                    seconds,
                    floor,
                    before_store[-1],
                    in_run[-1],
                )
            )
            print(
                f"  {table[-1][0]}: run {seconds:.2f} s (before storing {before_store[-1]:.2f} s), COPY {floor:.2f} s",
                flush=True,
            )
    hub.wait_idle(120)
    lines.append("")
    lines.append(
        "| run | presses stored since the last run (5 % late) | metrics | run end to end | of which before storing | collections during the run | COPY of its metric_values rows | ratio |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, stored, count, seconds, floor, before, (passes, collecting) in table:
        lines.append(
            f"| {name} | {stored:,} | {count:,} | {seconds:.2f} s | {before:.2f} s | {passes}: {collecting * 1000:.0f} ms | {floor:.2f} s | {seconds / floor:.2f} |"
        )
    morning = statistics.median(r[3] / r[4] for r in table[:RUNS])
    evening = statistics.median(r[3] / r[4] for r in table[RUNS:])
    lines.append("")
    lines.append(
        f"Median ratio morning {morning:.2f}, evening {evening:.2f}; SNMP index rebuild on its own thread: median {statistics.median(rebuilds):.2f} s;"
        f" the collector's hourly full pass between runs: {', '.join(f'{s:.2f} s' for s in reclaims) or 'none'}."
    )
    gc.callbacks.remove(on_collection)
    hub.close()
    engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> None:
    tune_garbage_collector()  # as `prolan-probe` does at start
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="5,000 points, 10,000,000 presses")
    parser.add_argument("--points", type=int)
    parser.add_argument("--presses", type=int)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    n_points = args.points or (5000 if args.full else 500)
    n_presses = args.presses or (10_000_000 if args.full else 1_000_000)
    print(
        header(f"Scheduled LOYALTY_MON run end to end, {n_points:,} points, {n_presses:,} presses (5 % late)")
    )
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(args.pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.pg else "?"
    try:
        for line in run(f"{args.pg}{sep}options=-csearch_path%3D{schema}", n_points, n_presses):
            print(line)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
