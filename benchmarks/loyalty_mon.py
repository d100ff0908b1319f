"""LOYALTY_MON on a big chain, side by side with one hand-written GROUP BY in the same run.

A chain of N points (one pad each; УСОКОК, СОКОК and Опросы in turn, Опросы with two questions)
with M presses spread over the current day (УСОКОК: seller press and, mostly, an answer up to 40 s
later; Опросы: red press and answers per question). Measured, per database:

* one LOYALTY_MON run (interval and current-day metrics, measurements built) at a morning and at an
  evening interval, each on top of the previous interval's stored day totals (the scheduler's case);
* the reference: one GROUP BY counting the day's presses (up to the evaluated end) by point and kind,
  and the same over just the interval;
* for context: the first run of a day (day totals recounted from the presses), a catch-up run
  after a 12-hour gap, and a run with `keep_day_totals = false` (recount every time).

    python -m benchmarks.loyalty_mon             # PostgreSQL 500 points / 1,000,000 presses, SQLite 200 / 200,000
    python -m benchmarks.loyalty_mon --full      # PostgreSQL 5,000 / 10,000,000, SQLite 1,000 / 1,000,000
    options: --points N --presses M (PostgreSQL), --skip-sqlite, --skip-pg, --pg URL
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, create_engine, func, select, text

from benchmarks.common import header
from probe.api import Window
from probe.engine.context import run_storing_state
from probe.store.db import init_db, open_engine
from probe.store.schema import buttons, pads, points, presses, questions
from probe.topology import Topology, load_topology

TZ = ZoneInfo("Europe/Moscow")
METHODOLOGIES = ("УСОКОК", "СОКОК", "Опросы")
BUTTONS = {"positive": 1, "negative": 2, "passive": 3, "force_majeure": 4, "seller": 5, "red": 5}
DAY_MS = 86_400_000
ROOT = Path(__file__).resolve().parent.parent


def load_test_module() -> ModuleType:
    path = ROOT / "tests_scripts" / "loyalty_mon.py"
    spec = importlib.util.spec_from_file_location("loyalty_mon_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


LM = load_test_module()


# --- the chain --------------------------------------------------------------------------------


def store_chain(engine: Engine, n_points: int) -> Topology:
    """Points, pads and buttons in bulk (the topology importer goes row by row)."""
    with engine.begin() as conn:
        conn.execute(
            points.insert(),
            [
                {"name": f"Точка {i:05d}", "region": f"Регион {i % 50}", "opening_hours": ""}
                for i in range(n_points)
            ],
        )
        ids = dict(conn.execute(select(points.c.name, points.c.id)).tuples().all())
        conn.execute(
            questions.insert(),
            [
                {"id": "q1", "text": "Как Вам у нас понравилось?"},
                {"id": "q2", "text": "Вы порекомендуете нас?"},
            ],
        )
        conn.execute(
            pads.insert(),
            [
                {
                    "id": f"P{i:05d}",
                    "point_id": ids[f"Точка {i:05d}"],
                    "methodology": METHODOLOGIES[i % 3],
                    "window_seconds": 30.0,
                }
                for i in range(n_points)
            ],
        )
        rows = []
        for i in range(n_points):
            kinds = ["positive", "negative", "passive", "force_majeure"]
            kinds += {"УСОКОК": ["seller"], "Опросы": ["red"], "СОКОК": []}[METHODOLOGIES[i % 3]]
            rows += [{"pad_id": f"P{i:05d}", "number": BUTTONS[k], "kind": k} for k in kinds]
        conn.execute(buttons.insert(), rows)
    return load_topology(engine)


def generate(
    topology: Topology, total: int, day_start: dt.datetime, seed: int = 7
) -> Iterator[list[tuple[Any, ...]]]:
    """Presses of the day in chunks of pads: (pad, point id, button, kind, time text, question)."""
    rng = np.random.default_rng(seed)
    point_ids = {p.name: p.id for p in topology.points.values()}
    pad_list = sorted(topology.pads.values(), key=lambda p: p.id)
    per_pad = max(2, total // len(pad_list))
    base = np.datetime64(day_start.replace(tzinfo=None), "ms")
    answer_kinds = np.array(["positive", "negative", "passive"])
    for chunk_start in range(0, len(pad_list), 250):
        rows: list[tuple[Any, ...]] = []
        for pad in pad_list[chunk_start : chunk_start + 250]:
            point_id = point_ids[pad.point]
            if pad.methodology == "СОКОК":
                times = np.sort(rng.integers(0, DAY_MS, per_pad))
                kinds = rng.choice(
                    ["positive", "negative", "passive", "force_majeure"], per_pad, p=[0.6, 0.2, 0.17, 0.03]
                )
                qs: list[str | None] = [None] * per_pad
            else:
                events = per_pad * 10 // 19  # ~1.9 presses per event
                opened = np.sort(rng.integers(0, DAY_MS - 60_000, events))
                delay = rng.integers(1_000, 40_000, events)  # some answers fall after the 30 s window
                answered = rng.random(events) < 0.9
                prompt = "seller" if pad.methodology == "УСОКОК" else "red"
                times = np.concatenate([opened, opened[answered] + delay[answered]])
                kinds = np.concatenate(
                    [
                        np.full(events, prompt),
                        rng.choice(answer_kinds, int(answered.sum()), p=[0.6, 0.25, 0.15]),
                    ]
                )
                n_answers = int(answered.sum())
                qs = [None] * (events + n_answers)
                if pad.methodology == "Опросы":
                    qs[events:] = [str(q) for q in rng.choice(["q1", "q2"], n_answers)]
            # One press per pad, millisecond and button (the aggregator's unique key).
            numbers = np.array([BUTTONS[k] for k in kinds])
            _, keep = np.unique(times * 8 + numbers, return_index=True)
            stamps = np.datetime_as_string(base + times[keep].astype("timedelta64[ms]"), unit="us")
            for index, stamp in zip(keep.tolist(), stamps.tolist(), strict=True):
                kind = str(kinds[index])
                question = qs[index]
                rows.append(
                    (
                        pad.id,
                        point_id,
                        BUTTONS[kind],
                        kind,
                        stamp.replace("T", " "),
                        None if question is None else str(question),
                    )
                )
        yield rows


def load_postgresql(engine: Engine, chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    """COPY with the presses indexes dropped and built afterwards (the fast way to bulk-load)."""
    count = 0
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE presses DROP CONSTRAINT uq_presses_pad_time_button"))
        conn.execute(text("DROP INDEX ix_presses_time_point_kind"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY presses (pad_id, point_id, button, kind, pressed_at, question_id, source) FROM STDIN"
            ) as copy,
        ):
            for rows in chunks:
                lines = [
                    f"{p}\t{pt}\t{b}\t{k}\t{t}\t{q or chr(92) + 'N'}\tbench\n" for p, pt, b, k, t, q in rows
                ]
                copy.write("".join(lines))
                count += len(rows)
        conn.execute(
            text(
                "ALTER TABLE presses ADD CONSTRAINT uq_presses_pad_time_button UNIQUE (pad_id, pressed_at, button)"
            )
        )
        conn.execute(text("CREATE INDEX ix_presses_time_point_kind ON presses (pressed_at, point_id, kind)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE presses"))
    return count


def load_sqlite(path: Path, chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    count = 0
    raw = sqlite3.connect(path)
    with raw:
        for rows in chunks:
            raw.executemany(
                "INSERT INTO presses (pad_id, point_id, button, kind, pressed_at, question_id, source) "
                "VALUES (?, ?, ?, ?, ?, ?, 'bench')",
                rows,
            )
            count += len(rows)
    raw.execute("ANALYZE")
    raw.close()
    return count


# --- timing -------------------------------------------------------------------------------------


def window_at(day: dt.date, hour: int, minute: int) -> Window:
    end = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)
    day_start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(dt.UTC)
    return Window(end - dt.timedelta(minutes=10), end, day_start, TZ, 10)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def run_test(engine: Engine, topology: Topology, win: Window, **params: Any) -> tuple[float, int]:
    """One run as the engine makes it: read-only engine, ingestion mark, the day state in the
    state store (written after the run)."""
    test = LM.LOYALTY_MON(params)
    seconds, result = timed(lambda: run_storing_state(test, win, engine, topology))
    return seconds, len(result)  # type: ignore[arg-type]


def group_by(engine: Engine, lo: dt.datetime, hi: dt.datetime) -> tuple[float, int]:
    query = (
        select(presses.c.point_id, presses.c.kind, func.count())
        .where(presses.c.pressed_at >= lo, presses.c.pressed_at < hi)
        .group_by(presses.c.point_id, presses.c.kind)
    )

    def work() -> int:
        with engine.connect() as conn:
            return len(conn.execute(query).all())

    seconds, rows = timed(work)
    return seconds, rows  # type: ignore[return-value]


def best(samples: list[float]) -> float:
    return statistics.median(samples)


def measure(label: str, engine: Engine, topology: Topology, day: dt.date, n_presses: int) -> list[str]:
    lines = [f"### {label}: {len(topology.points):,} points, {n_presses:,} presses in the day"]
    first_s, n_metrics = run_test(engine, topology, window_at(day, 8, 0))
    lines.append(
        f"* first run of the day at 08:00 (day totals recounted from presses): {first_s:.3f} s, {n_metrics:,} measurements"
    )
    results: dict[str, tuple[float, float, float, float]] = {}
    for name, hour in (("morning 08:10–08:40", 8), ("evening 20:10–20:40", 20)):
        if hour == 20:
            catch_s, _ = run_test(engine, topology, window_at(day, 20, 0))
            lines.append(
                f"* catch-up run at 20:00 after a 12-hour gap (adds 08:00–20:00 to the day totals): {catch_s:.3f} s"
            )
        runs, days, intervals, recounts = [], [], [], []
        for minute in (10, 20, 30):
            win = window_at(day, hour, minute)
            runs.append(run_test(engine, topology, win)[0])
            days.append(group_by(engine, win.day_start_naive, win.end_naive)[0])
            intervals.append(group_by(engine, win.start_naive, win.end_naive)[0])
        recount_win = window_at(day, hour, 40)
        recounts.append(run_test(engine, topology, recount_win, keep_day_totals=False)[0])
        results[name] = (best(runs), best(days), best(intervals), recounts[0])
    lines.append("")
    lines.append(
        "| interval (median of 3 runs) | LOYALTY_MON run | GROUP BY day's presses | ratio | GROUP BY interval's presses | run without day totals |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, (run_s, day_s, interval_s, recount_s) in results.items():
        lines.append(
            f"| {name} | {run_s:.3f} s | {day_s:.3f} s | {run_s / day_s:.2f} | {interval_s:.3f} s | {recount_s:.3f} s |"
        )
    return lines


def bench_postgresql(url: str, n_points: int, n_presses: int, day: dt.date) -> list[str]:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    engine = open_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        init_db(engine)
        topology = store_chain(engine, n_points)
        day_start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(dt.UTC)
        load_s, count = timed(lambda: load_postgresql(engine, generate(topology, n_presses, day_start)))
        print(f"PostgreSQL: generated and loaded {count:,} presses in {load_s:.1f} s (COPY)", flush=True)
        return measure("PostgreSQL", engine, topology, day, int(count))  # type: ignore[call-overload]
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_sqlite(n_points: int, n_presses: int, day: dt.date) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        engine = open_engine(f"sqlite:///{path}")
        init_db(engine)
        topology = store_chain(engine, n_points)
        day_start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(dt.UTC)
        load_s, count = timed(lambda: load_sqlite(path, generate(topology, n_presses, day_start)))
        print(f"SQLite: generated and loaded {count:,} presses in {load_s:.1f} s", flush=True)
        try:
            return measure("SQLite", engine, topology, day, int(count))  # type: ignore[call-overload]
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--full", action="store_true", help="the issue's size: 5,000 points, 10,000,000 presses"
    )
    parser.add_argument("--points", type=int, help="PostgreSQL chain size")
    parser.add_argument("--presses", type=int, help="PostgreSQL presses in the day")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args(argv)
    pg_points = args.points or (5_000 if args.full else 500)
    pg_presses = args.presses or (10_000_000 if args.full else 1_000_000)
    lite_points, lite_presses = (1_000, 1_000_000) if args.full else (200, 200_000)
    day = dt.datetime.now(TZ).date()
    out = [header("LOYALTY_MON benchmark"), ""]
    if not args.skip_pg:
        out += [*bench_postgresql(args.pg, pg_points, pg_presses, day), ""]
    if not args.skip_sqlite:
        out += [*bench_sqlite(lite_points, lite_presses, day), ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
