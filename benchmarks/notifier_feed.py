"""How long the notifier takes per evaluation (rules -> incidents -> outbox), next to the
engine's own write of the same evaluation's history rows (the reference).

    python -m benchmarks.notifier_feed            # 300 metrics, SQLite
    python -m benchmarks.notifier_feed --full     # 5,000 metrics (≈ 190 points of LOYALTY_MON)
    python -m benchmarks.notifier_feed --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Each run feeds 12 consecutive 10-minute evaluations; a fifth of the metrics are bad all along
(their incidents open at the fifth evaluation and queue messages), the rest are good.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import tomllib
import uuid
from pathlib import Path

from sqlalchemy import Engine, insert, text

from benchmarks.common import header
from notifier.pipeline import Templates, feed
from probe.assess import ThresholdTable
from probe.config import ProbeConfig, parse_config
from probe.levels import Level
from probe.snapshot import Evaluation, MetricState
from probe.store.db import init_db, open_engine
from probe.store.schema import metric_values

RULES = """
[notifier.smtp]
host = "127.0.0.1"
[[notifier.recipients]]
name = "quality"
members = [{ name = "Анна", email = "anna@example.org" }, { name = "Борис", email = "boris@example.org" }]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 5
recipients = ["quality"]
[[notifier.rules]]
name = "negative-day"
metrics = "LOYALTY_MON. *. % негативных ответов. Текущие сутки"
level = "edge"
consecutive = 3
recipients = ["quality"]
[[notifier.rules]]
name = "any-bad"
metrics = "LOYALTY_MON. *"
level = "bad"
consecutive = 2
recipients = ["quality"]
"""
SHORT = [
    "% негативных ответов. Интервал 10 мин",
    "% негативных ответов. Текущие сутки",
    "Число голосований. Интервал 10 мин",
]


def evaluations(count: int, metrics: int) -> list[Evaluation]:
    start = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
    table = ThresholdTable.higher_worse(20, 40, 60, 80)
    out = []
    for step in range(count):
        at = start + dt.timedelta(minutes=10 * step)
        states = []
        for i in range(metrics):
            bad = i % 5 == 0
            point = f"Точка {i // len(SHORT)}"
            states.append(
                MetricState(
                    id=i + 1,
                    key=f"m{i}",
                    name=f"LOYALTY_MON. СОКОК. {point}. {SHORT[i % len(SHORT)]}",
                    test="LOYALTY_MON",
                    short_name=SHORT[i % len(SHORT)],
                    value=90.0 if bad else 10.0,
                    level=Level.BAD if bad else Level.GOOD,
                    time=at,
                    unit="%",
                    point=point,
                    thresholds=table,
                )
            )
        out.append(Evaluation("LOYALTY_MON", at, tuple(states)))
    return out


def reference_write(engine: Engine, evaluation: Evaluation) -> None:
    """What the engine writes per evaluation anyway: one history row per metric, one transaction."""
    with engine.begin() as conn:
        conn.execute(
            insert(metric_values),
            [
                {
                    "metric_id": m.id,
                    "at": m.time.replace(tzinfo=None),
                    "value": m.value,
                    "level": m.level,
                }
                for m in evaluation.metrics
            ],
        )


def run(url: str, metrics: int) -> tuple[float, float, float, int]:
    engine = open_engine(url)
    init_db(engine)
    config: ProbeConfig = parse_config({**tomllib.loads(RULES), "database": {"url": url}})
    templates = Templates(config)
    feed_times, ref_times, queued = [], [], 0
    for ev in evaluations(12, metrics):
        started = time.perf_counter()
        queued += feed(config, engine, ev, templates=templates).queued
        feed_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference_write(engine, ev)
        ref_times.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(feed_times), max(feed_times), statistics.median(ref_times), queued


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="5,000 metrics per evaluation")
    parser.add_argument("--metrics", type=int, help="metrics per evaluation (default 300, --full 5000)")
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a throw-away schema is used)")
    args = parser.parse_args()
    metrics = args.metrics or (5000 if args.full else 300)
    print(header(f"notifier feed: {metrics} metrics × 3 rules, 12 evaluations"))
    targets: list[tuple[str, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-notifier-"))
    targets.append(("SQLite", f"sqlite:///{folder / 'bench.sqlite'}"))
    schema = None
    if args.pg:
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = open_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.pg else "?"
        targets.append(("PostgreSQL", f"{args.pg}{sep}options=-csearch_path%3D{schema}"))
    try:
        print(
            "| target | feed, median | feed, worst (incidents open) | history write (ref.) | ratio (median) | messages |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, url in targets:
            median, worst, ref_s, queued = run(url, metrics)
            print(
                f"| {name} | {median * 1000:.1f} ms | {worst * 1000:.1f} ms | {ref_s * 1000:.1f} ms "
                f"| {median / ref_s:.1f} | {queued} |"
            )
    finally:
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
