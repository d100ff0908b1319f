"""Cockpit with N rows × D days of 10-minute history (default 100 × 7, the issue's size): time to
load and draw, and time per pan and per zoom step, offscreen. The rows are grouped as in real use:
4 metrics per point (two LOYALTY_MON interval metrics, a day metric, a QUEUE_LEN driver), so 25
points, 25 point headers and 50 test headers, each row with its own value scale. Side by side in
the same run: the one SQL query that fetches the same rows (the floor for loading) and a repaint
of an empty plot of the same size (the floor for a step).

    QT_QPA_PLATFORM=offscreen python -m benchmarks.console_cockpit [--rows 100] [--days 7] [--pg URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg
from PyQt6.QtCore import QEventLoop, QTimer
from PyQt6.QtWidgets import QApplication
from sqlalchemy import Engine, select

from benchmarks.common import header
from console.cockpit import Cockpit, CockpitLayout
from probe.assess import ThresholdTable
from probe.store.db import init_db, open_engine, utcnow
from probe.store.schema import metric_values, metrics, points
from probe.store.threshold_tables import stored_id

TZ = ZoneInfo("Europe/Moscow")
TABLE = ThresholdTable.higher_worse(20, 40, 60, 80)


PER_POINT = (  # (test, methodology, short name, period, unit) of each point's rows
    ("LOYALTY_MON", "УСОКОК", "% негативных ответов", "interval", "%"),
    ("LOYALTY_MON", "УСОКОК", "% 'молчунов'", "interval", "%"),
    ("LOYALTY_MON", "УСОКОК", "% негативных ответов", "day", "%"),
    ("QUEUE_LEN", None, "Средняя длина очереди", "interval", "чел."),
)


def fill(engine: Engine, rows: int, days: int, now: dt.datetime) -> None:
    rng = random.Random(7)
    thresholds = '{"direction": "higher_worse", "bounds": [20, 40, 60, 80]}'
    ends = [now - dt.timedelta(minutes=10 * i) for i in range(days * 144)][::-1]
    point_count = (rows + len(PER_POINT) - 1) // len(PER_POINT)
    with engine.begin() as conn:
        conn.execute(
            points.insert(),
            [{"id": i + 1, "name": f"Точка {i + 1:03d}", "region": "Регион"} for i in range(point_count)],
        )
        specs = []
        for i in range(rows):
            point, (test, methodology, short, period, unit) = (
                i // len(PER_POINT) + 1,
                PER_POINT[i % len(PER_POINT)],
            )
            label = "Интервал 10 мин" if period == "interval" else "Текущие сутки"
            parts = [test, methodology, f"Точка {point:03d}", short, label]
            specs.append(
                {
                    "id": i + 1,
                    "key": f"bench.m{i + 1}",
                    "name": ". ".join(p for p in parts if p),
                    "test": test,
                    "methodology": methodology,
                    "point_id": point,
                    "short_name": short,
                    "period": period,
                    "unit": unit,
                    "created_at": utcnow(),
                }
            )
        conn.execute(metrics.insert(), specs)
        table_id = stored_id(conn, thresholds)
        batch = []
        for metric_id in range(1, rows + 1):
            value = rng.uniform(5, 30)
            for end in ends:
                value = min(100.0, max(0.0, value + rng.gauss(0, 4)))
                batch.append(
                    {
                        "metric_id": metric_id,
                        "at": end.replace(tzinfo=None),
                        "value": value,
                        "level": TABLE.assess(value).value,
                        "threshold_id": table_id,
                    }
                )
            if len(batch) > 50_000:
                conn.execute(metric_values.insert(), batch)
                batch = []
        if batch:
            conn.execute(metric_values.insert(), batch)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(engine: Engine, rows: int, days: int, now: dt.datetime, label: str) -> None:
    app = QApplication.instance() or QApplication([])
    since = now - dt.timedelta(days=days)

    started = time.perf_counter()
    with engine.connect() as conn:
        fetched = conn.execute(
            select(
                metric_values.c.metric_id, metric_values.c.at, metric_values.c.value, metric_values.c.level
            ).where(metric_values.c.at > since.replace(tzinfo=None))
        ).all()
    query_s = time.perf_counter() - started

    # The event loop's longest stall while the Cockpit loads and draws: a 5 ms timer that records
    # the gaps between its ticks (the read runs on a worker thread, the rows are drawn in steps).
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    started = time.perf_counter()
    cockpit = Cockpit(engine, TZ, CockpitLayout(hours=days * 24, max_rows=rows), clock=lambda: now)
    cockpit.resize(1600, 1000)
    cockpit.show()
    ticks.append(time.perf_counter())
    # Wait as the application does, in Qt's event loop (which sleeps between events), not by
    # spinning processEvents(): a spinning GUI thread competes for the GIL with the reading worker
    # and measures the spinning (on SQLite it doubled the load time).
    loop = QEventLoop()
    done = QTimer()
    done.timeout.connect(lambda: None if (cockpit.loader.busy or cockpit.steps.busy) else loop.quit())
    done.start(2)
    loop.exec()
    done.stop()
    cockpit.plot.grab()  # force a full paint of the plot
    load_s = time.perf_counter() - started
    timer.stop()
    stall_ms = max(b - a for a, b in itertools.pairwise(ticks)) * 1000 if len(ticks) > 1 else 0.0
    assert len(cockpit.histories) == rows and sum(len(h) for h in cockpit.histories) == len(fetched)
    assert len(cockpit.scales) == rows  # every row drawn with its own value scale

    view = cockpit.plot.getPlotItem().vb
    pans, zooms = [], []
    for step in range(20):
        started = time.perf_counter()
        view.translateBy(x=(3600 if step % 2 else -3600))
        cockpit.plot.grab()
        pans.append(time.perf_counter() - started)
        started = time.perf_counter()
        view.scaleBy(x=0.8 if step % 2 else 1.25)
        cockpit.plot.grab()
        zooms.append(time.perf_counter() - started)

    empty = pg.PlotWidget()
    empty.resize(cockpit.plot.size())
    empty.show()
    app.processEvents()
    repaints = []
    for _ in range(20):
        started = time.perf_counter()
        empty.grab()
        repaints.append(time.perf_counter() - started)

    groups = sum(1 for e in cockpit.entries if e.kind != "metric")
    print(f"{label}: {rows} rows ({groups} group headers) × {days} days = {len(fetched):,} intervals")
    print(f"  load and draw:      {load_s * 1000:8.1f} ms   (goal < 1000 ms)")
    print(f"  longest stall:      {stall_ms:8.1f} ms   (event loop while loading; goal < 100 ms)")
    print(f"  one SQL query:      {query_s * 1000:8.1f} ms   (reference: the same rows fetched)")
    print(f"  pan step, median:   {median_ms(pans):8.1f} ms   (goal < 50 ms)")
    print(f"  zoom step, median:  {median_ms(zooms):8.1f} ms   (goal < 50 ms)")
    print(f"  empty plot repaint: {median_ms(repaints):8.1f} ms   (reference)")
    cockpit.close()
    empty.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a scratch database)")
    args = parser.parse_args()
    print(header(f"cockpit, {args.rows} rows × {args.days} days"))
    now = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        init_db(engine)
        fill(engine, args.rows, args.days, now)
        run(engine, args.rows, args.days, now, "SQLite")
        engine.dispose()
    if args.pg:
        engine = open_engine(args.pg)
        init_db(engine)
        with engine.begin() as conn:
            for table in (metric_values, metrics, points):
                conn.execute(table.delete())
        fill(engine, args.rows, args.days, now)
        run(engine, args.rows, args.days, now, "PostgreSQL")
        engine.dispose()


if __name__ == "__main__":
    main()
