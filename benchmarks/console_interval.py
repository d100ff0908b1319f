"""Opening the interval panel: from the click to the panel filled (its read on the worker thread,
then the tables drawn), on the demo aggregator (SQLite) and on a 5,000-point PostgreSQL one.

* demo: `prolan-probe demo --days 1` into a scratch SQLite file (its own chain, presses, clips,
  evaluations), then 20 intervals of the degrading point's and others' assessed interval metrics;
* PostgreSQL: 5,000 points (УСОКОК, СОКОК and Опросы in turn, benchmarks.loyalty_mon's chain),
  `--presses` presses of the day by COPY, LOYALTY_MON and QUEUE_LEN evaluated by the real Evaluator
  for the last three intervals before noon (≈ 135,000 metrics), a notifier rule that fires on them
  (its outbox rows), a queue sample per point and interval, a clip row per negative press; then 20
  random point metrics' intervals.

Reported per database: the median and the slowest opening (goal < 300 ms) and, as the reference
from the same run, one plain query of the interval's presses at the point.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.console_interval [--pg URL] [--points 5000] [--presses 2000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import QEventLoop
from PyQt6.QtWidgets import QApplication
from sqlalchemy import Engine, and_, create_engine, func, select, text

import notifier
from benchmarks.common import header
from benchmarks.loyalty_mon import generate, load_postgresql, store_chain
from console.interval_data import load_interval
from console.interval_panel import IntervalPanel
from probe.config import parse_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import metric_values, metrics, presses

TZ = ZoneInfo("Europe/Moscow")
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 20


def open_panel(app: QApplication, panel: IntervalPanel, metric_id: int, end: dt.datetime) -> float:
    """Seconds from the request to the panel showing the interval."""
    started = time.perf_counter()
    panel.open(metric_id, end)
    while panel.loader.busy:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    app.processEvents()
    elapsed = time.perf_counter() - started
    assert panel.detail is not None and panel.detail.info.id == metric_id
    return elapsed


def reference_query(engine: Engine, point_id: int, start: dt.datetime, end: dt.datetime) -> float:
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(
            select(presses.c.id, presses.c.kind, presses.c.pressed_at).where(
                and_(
                    presses.c.point_id == point_id, presses.c.pressed_at >= start, presses.c.pressed_at < end
                )
            )
        ).all()
    return time.perf_counter() - started


def measure(label: str, engine: Engine, choices: list[tuple[int, int, dt.datetime]]) -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    panel = IntervalPanel(engine, TZ)
    panel.resize(1500, 700)
    panel.show()
    open_panel(app, panel, choices[0][0], choices[0][2])  # warm the connection pool and caches
    openings, reads, references, presses_shown = [], [], [], []
    parts: dict[str, float] = {}
    for metric_id, point_id, end in choices:
        openings.append(open_panel(app, panel, metric_id, end))
        assert panel.detail is not None
        presses_shown.append(panel.detail.press_total)
        started = time.perf_counter()
        load_interval(engine, metric_id, end, timings=parts)
        reads.append(time.perf_counter() - started)
        references.append(reference_query(engine, point_id, end - dt.timedelta(minutes=10), end))
    print(f"{label}: {len(choices)} intervals, {statistics.median(presses_shown):.0f} presses each (median)")
    print(f"  open the panel, median:  {statistics.median(openings) * 1000:8.1f} ms   (goal < 300 ms)")
    print(f"  open the panel, slowest: {max(openings) * 1000:8.1f} ms")
    print(f"  the read alone, median:  {statistics.median(reads) * 1000:8.1f} ms   (worker thread)")
    share = ", ".join(f"{name} {seconds / len(choices) * 1000:.1f}" for name, seconds in parts.items())
    print(f"  the read's parts, mean ms: {share}")
    print(f"  presses query (ref.):    {statistics.median(references) * 1000:8.1f} ms   (median)")
    panel.close()


def interval_choices(engine: Engine, limit: int, seed: int = 3) -> list[tuple[int, int, dt.datetime]]:
    """(metric, point, end) of assessed point interval metrics at their stored evaluations."""
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(metric_values.c.at))).scalar()
        assert latest is not None, "nothing was evaluated"
        rows = conn.execute(
            select(metric_values.c.metric_id, metrics.c.point_id, metric_values.c.at)
            .select_from(metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id))
            .where(
                and_(
                    metrics.c.point_id.is_not(None),
                    metrics.c.period == "interval",
                    metric_values.c.level.is_not(None),
                    metric_values.c.at >= latest - dt.timedelta(hours=6),
                )
            )
            .limit(200_000)
        ).all()
    rng = random.Random(seed)
    return [(int(r.metric_id), int(r.point_id), r.at) for r in rng.sample(rows, min(limit, len(rows)))]


def bench_demo() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "probe.toml"
        database = Path(tmp) / "demo.sqlite"
        config.write_text(
            f'timezone = "Europe/Moscow"\n[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8"
        )
        started = time.perf_counter()
        for command in (["db", "init"], ["demo", "--days", "1"]):
            subprocess.run(
                [sys.executable, "-m", "probe", "--config", str(config), *command],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        print(f"demo aggregator built in {time.perf_counter() - started:.0f} s", flush=True)
        engine = open_engine(f"sqlite:///{database}")
        measure("demo (SQLite)", engine, interval_choices(engine, SAMPLES))
        engine.dispose()


RULE = """
timezone = "Europe/Moscow"
[database]
url = "{url}"
[notifier.smtp]
host = "127.0.0.1"
port = 9
sender = "probe@example.org"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. *. % негативных ответов. Интервал 10 мин"
level = "edge"
consecutive = 1
recipients = ["quality"]
"""


def bench_postgresql(url: str, n_points: int, n_presses: int) -> None:
    import tomllib

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options=-csearch_path%3D{schema}"
    engine = open_engine(scoped)
    try:
        init_db(engine)
        started = time.perf_counter()
        topology = store_chain(engine, n_points)
        day = dt.date(2026, 11, 18)
        day_start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(dt.UTC)
        count = load_postgresql(engine, generate(topology, n_presses, day_start))
        noon = dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ).astimezone(dt.UTC)
        ends = [noon - dt.timedelta(minutes=10 * k) for k in (2, 1, 0)]
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO queue_samples (point_id, sampled_at, length) "
                    "SELECT p.id, CAST(:start AS timestamp) + make_interval(mins => m), (p.id * 7 + m) % 12 "
                    "FROM points p CROSS JOIN generate_series(0, 29) AS m"
                ),
                {"start": (ends[0] - dt.timedelta(minutes=10)).replace(tzinfo=None)},
            )
            conn.execute(
                text(
                    "INSERT INTO clips (press_id, point_id, kind, pressed_at, status, starts_at, ends_at, "
                    "gap_seconds, attempts, created_at, updated_at) "
                    "SELECT id, point_id, kind, pressed_at, 'missing', pressed_at - interval '60 seconds', "
                    "pressed_at + interval '60 seconds', 0, 1, now(), now() FROM presses "
                    "WHERE kind = 'negative' AND pressed_at >= :lo AND pressed_at < :hi"
                ),
                {
                    "lo": (ends[0] - dt.timedelta(minutes=10)).replace(tzinfo=None),
                    "hi": noon.replace(tzinfo=None),
                },
            )
        config = parse_config(tomllib.loads(RULE.format(url=scoped)))
        evaluator = Evaluator(config, engine, SnapshotHub())
        for end in ends:
            for test in ("LOYALTY_MON", "QUEUE_LEN"):
                notifier.feed(config, engine, evaluator.evaluate(test, end))
        with engine.connect() as conn:
            n_metrics = conn.execute(select(func.count()).select_from(metrics)).scalar()
            n_outbox = conn.execute(text("SELECT count(*) FROM notifier_outbox")).scalar()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        print(
            f"PostgreSQL aggregator: {n_points:,} points, {count:,} presses, {n_metrics:,} metrics, "
            f"{n_outbox:,} queued messages, built in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        measure("PostgreSQL", engine, interval_choices(engine, SAMPLES))
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", help="a PostgreSQL URL (a scratch schema is created and dropped)")
    parser.add_argument("--points", type=int, default=5000)
    parser.add_argument("--presses", type=int, default=2_000_000)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    print(header("console interval panel"))
    if not args.skip_demo:
        bench_demo()
    if args.pg:
        bench_postgresql(args.pg, args.points, args.presses)


if __name__ == "__main__":
    main()
