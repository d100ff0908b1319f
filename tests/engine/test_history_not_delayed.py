"""The history housekeeper never holds up an evaluation (issue 16): while the service component
prunes a large backlog in small batches on its own thread, evaluations keep their usual pace."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select, text

from probe.engine import Evaluator
from probe.history.config import HistoryConfig
from probe.history.service import Housekeeper
from probe.service import Runtime
from probe.snapshot import SnapshotHub
from probe.store.schema import metric_values

# Timing-bound (a CPU or wall-clock budget): run by `make test` after the parallel part, alone.
pytestmark = pytest.mark.serial

MSK = dt.timezone(dt.timedelta(hours=3))
# Evaluated intervals of yesterday (the housekeeper prunes by the real clock).
END = (dt.datetime.now(MSK) - dt.timedelta(days=1)).replace(hour=12, minute=20, second=0, microsecond=0)
OLD = (END - dt.timedelta(days=90)).astimezone(dt.UTC).strftime("%Y-%m-%d 00:00:00")  # past keep_days
METRICS, STEPS = 300, 150  # 45,000 old raw values over 25 hours


def add_backlog(engine: Engine) -> None:
    """The old values, generated in the database (fake metric ids far above the real ones)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "INSERT INTO metric_values (metric_id, at, value, level) "
                    "SELECT 100000 + m, TIMESTAMP '" + OLD + "' + s * INTERVAL '10 minutes', m % 7, 'good' "
                    f"FROM generate_series(1, {METRICS}) m, generate_series(1, {STEPS}) s"
                )
            )
        else:
            conn.execute(
                text(
                    f"WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < {METRICS}), "
                    f"s(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM s WHERE j < {STEPS}) "
                    "INSERT INTO metric_values (metric_id, at, value, level) "
                    "SELECT 100000 + i, strftime('%Y-%m-%d %H:%M:%S.000000', '"
                    + OLD
                    + "', '+' || (j * 10) || ' minutes'), "
                    "i % 7, 'good' FROM m, s"
                )
            )


async def test_evaluations_keep_their_pace_during_a_big_prune(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    hub = SnapshotHub()
    evaluator = make_evaluator(hub=hub)
    # The usual duration of an evaluation, before anything else runs.
    quiet = []
    for k in range(3):
        started = time.monotonic()
        await asyncio.to_thread(evaluator.evaluate, "COUNTING", END + dt.timedelta(minutes=10 * k))
        quiet.append(time.monotonic() - started)
    add_backlog(engine)

    settings = HistoryConfig(batch_rows=1000, keep_days=31, interval_seconds=3600)
    runtime = Runtime(evaluator.config, engine, hub)
    housekeeper = Housekeeper(runtime, settings)
    durations = []
    try:
        k = 3
        while housekeeper.passes == 0:
            started = time.monotonic()
            await asyncio.to_thread(evaluator.evaluate, "COUNTING", END + dt.timedelta(minutes=10 * k))
            durations.append(time.monotonic() - started)
            k += 1
            await asyncio.sleep(0.05)
            assert k < 2000, "the prune never finished"
    finally:
        await housekeeper.stop()
    report = housekeeper.last_report
    assert report is not None and report.deleted["metric_values"] == METRICS * STEPS
    assert report.hours_rolled >= 25 and report.seconds > 1.0  # a prune long enough to overlap
    assert report.deleted["test_runs"] == 0  # the evaluations of yesterday are kept
    # Evaluations ran all along (not queued behind the prune), each about as fast as when quiet.
    assert len(durations) >= 3, (durations, report.seconds)
    limit = max(1.0, 5 * max(quiet))
    assert max(durations) < limit, (durations, quiet, report.seconds)
    with engine.connect() as conn:
        assert conn.execute(select(func.min(metric_values.c.metric_id))).scalar() < 100000
