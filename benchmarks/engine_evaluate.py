"""The engine's own cost per run: `Evaluator.evaluate` of a test that measures nothing (its run()
returns ready measurements, no SQL), so what is timed is naming, stable ids, assessment with a
baseline override for every point, one history transaction and the snapshot update. The reference,
in the same run, is the bare storage floor: one transaction inserting the same number of
`metric_values` rows and a `test_runs` row with `executemany`.

    python -m benchmarks.engine_evaluate          # 500 points (13,000+ metrics per run)
    python -m benchmarks.engine_evaluate --full   # 5,000 points (130,000+ metrics per run)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.common import header
from probe.config import parse_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import metric_values, points, test_runs, threshold_overrides
from probe.topology import Pad, Point, Topology, import_topology

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHORT_NAMES = ["Число голосований", "Позитивные ответы", "% позитивных ответов", "Негативные ответы",
               "% негативных ответов", "Пассивные ответы", "% пассивных ответов", "Форс-мажоры",
               "Число опросов", "Число 'молчунов'", "% 'молчунов'", "Ответы вне 'Окна'"]  # fmt: skip
SYNTHETIC = f"""
from probe.api import COMPANY, EvaluationTest, Measurement, ThresholdTable

SHORT = {SHORT_NAMES!r}
TABLE = ThresholdTable.higher_worse(20, 40, 60, 80)


class Synthetic(EvaluationTest):
    name = "SYNTH"

    def run(self, ctx):
        salt = ctx.window.end.minute
        out = []
        for index, point in enumerate([*ctx.topology.points, COMPANY]):
            for s, short in enumerate(SHORT):
                for period in ("interval", "day"):
                    value = float((index * 7 + s * 3 + salt) % 100)
                    table = TABLE if short.startswith("%") else None
                    out.append(Measurement(short, value, point=point, period=period, methodology="УСОКОК",
                                           thresholds=table))
        return out
"""


def setup(url: str, n_points: int, folder: Path) -> Evaluator:
    engine = open_engine(url)
    init_db(engine)
    names = [f"Точка {i:05d}" for i in range(n_points)]
    import_topology(
        engine,
        Topology(
            points={n: Point(n, "Регион") for n in names},
            pads={f"P{i}": Pad(f"P{i}", n, "УСОКОК", 30.0, {1: "positive"}) for i, n in enumerate(names)},
        ),
    )
    with engine.begin() as conn:
        ids = dict(conn.execute(points.select().with_only_columns(points.c.name, points.c.id)).all())
        conn.execute(
            threshold_overrides.insert(),
            [
                {"test": "SYNTH", "point_id": ids[n], "metric_pattern": f"SYNTH. УСОКОК. {n}. % негативных ответов. "
                 "Интервал 10 мин", "hour_of_week": None, "direction": "higher_worse", "t1": 5, "t2": 10, "t3": 15,
                 "t4": 20, "source": "baseline", "created_at": dt.datetime(2026, 1, 1)}
                for n in names
            ],
        )  # fmt: skip
    (folder / "synthetic.py").write_text(textwrap.dedent(SYNTHETIC), encoding="utf-8")
    config = parse_config({"database": {"url": url}, "tests": {"builtin": False, "dirs": [str(folder)]}})
    return Evaluator(config, engine, SnapshotHub())


def measure(label: str, url: str, n_points: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        evaluator = setup(url, n_points, Path(tmp))
        base = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
        started = time.perf_counter()
        first = evaluator.evaluate("SYNTH", base)
        first_seconds = time.perf_counter() - started
        assert first.test_ok and first.database_ok
        runs = []
        for k in range(1, 4):
            started = time.perf_counter()
            evaluation = evaluator.evaluate("SYNTH", base + dt.timedelta(minutes=10 * k))
            runs.append(time.perf_counter() - started)
            assert evaluation.test_ok
        count = len(first.metrics)
        ids = [m.id for m in first.metrics]
        floor = []
        for k in range(1, 4):
            at = dt.datetime(2026, 11, 24, 9, 10 * k)
            started = time.perf_counter()
            with evaluator.engine.begin() as conn:
                conn.execute(
                    metric_values.insert(),
                    [{"metric_id": i, "at": at, "value": 1.0, "level": "good"} for i in ids],
                )
                conn.execute(
                    test_runs.insert().values(test="REF", at=at, started_at=at, duration_seconds=0.0, ok=True)
                )
            floor.append(time.perf_counter() - started)
        evaluator.engine.dispose()
    engine_s, floor_s = statistics.median(runs), statistics.median(floor)
    return (
        f"| {label}, {n_points:,} points | {count:,} | {first_seconds:.2f} s | {engine_s:.2f} s | "
        f"{floor_s:.2f} s | {engine_s / floor_s:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="5,000 points instead of 500")
    args = parser.parse_args()
    n_points = 5000 if args.full else 500
    print(header("Engine: one evaluate() vs the bare history insert"))
    print(
        "| database, size | metrics per run | first run (creates ids) | evaluate() | insert floor | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        print(measure("SQLite", f"sqlite:///{tmp}/bench.sqlite", n_points), flush=True)
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        print(measure("PostgreSQL", f"{PG_URL}?options=-csearch_path%3D{schema}", n_points), flush=True)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
