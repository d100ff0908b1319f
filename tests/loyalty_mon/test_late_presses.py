"""Late presses (SPEC §3, issue 15 point 1): a press stored after its interval was evaluated counts
in every later `Текущие сутки` metric — a CSV import of today, a concentrator's late batch, the
ingest spool draining after an outage — and УСОКОК windows it touches are classified again. On
SQLite and PostgreSQL; the spool case end to end through the real ingest service and the engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, select

from probe.commands.evaluate import backfill
from probe.config import parse_config
from probe.engine import Evaluator
from probe.snapshot import Evaluation, SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import metric_values, metrics, points
from tests.engine.conftest import add_presses
from tests.integration.ingest_helpers import Client, CuttableProxy, ingest_config, running, setup_topology
from tests.loyalty_mon.support import (
    P,
    by_key,
    expected_measurements,
    insert_presses,
    run,
    setup_chain,
    window,
)

MSK = ZoneInfo("Europe/Moscow")


def utc(hh: int, mm: int, ss: float = 0.0) -> dt.datetime:
    """A naive UTC time on 2026-11-20 (MSK = UTC+3)."""
    return dt.datetime(2026, 11, 20, hh, mm) + dt.timedelta(seconds=ss)


def at_msk(hh: int, mm: int) -> dt.datetime:
    return dt.datetime(2026, 11, 20, hh, mm, tzinfo=MSK)


def test_a_negative_press_stored_late_counts_in_the_day(engine: Engine) -> None:
    """The issue's reproduction: three positive presses counted by 10:20, one negative press for
    10:05 stored at 10:25; the 10:30 run must say 4 votes for the day, as a recount does."""
    topology = setup_chain(engine)
    on_time = [
        P("T1", "positive", utc(7, 1)),
        P("T1", "positive", utc(7, 8)),
        P("T1", "positive", utc(7, 14)),
    ]
    insert_presses(engine, topology, on_time)
    day = ("СОКОК", "Тверская", None)
    assert by_key(run(engine, topology, window(at_msk(10, 10))))[(*day, "Число голосований", "day")] == 2
    assert by_key(run(engine, topology, window(at_msk(10, 20))))[(*day, "Число голосований", "day")] == 3
    late = [P("T1", "negative", utc(7, 5))]
    insert_presses(engine, topology, late)  # "stored at 10:25"
    win = window(at_msk(10, 30))
    got = by_key(run(engine, topology, win))
    assert got[(*day, "Число голосований", "day")] == 4
    assert got[(*day, "Негативные ответы", "day")] == 1
    assert got[(*day, "% негативных ответов", "day")] == pytest.approx(25.0)
    assert got[(*day, "Число голосований", "interval")] == 0  # 10:20–10:30 had nothing
    assert got == expected_measurements(topology, on_time + late, win)
    # Past history is not rewritten by itself: the 10:20 result stored earlier stays what it was
    # (the engine does not re-run it); `backfill` would recount it on demand.


def test_late_usokok_presses_reclassify_the_windows_they_touch(engine: Engine) -> None:
    """УСОКОК: a seller press stored late closes an earlier window early (its answer moves to the
    new window, the old seller press becomes silent); a late answer inside a silent window turns
    it answered and the answer that was accepted after it into one outside the window."""
    topology = setup_chain(engine)
    first = [
        P("K1", "seller", utc(6, 0, 0)),
        P("K1", "positive", utc(6, 0, 10)),  # accepted by the 06:00:00 window (30 s)
        P("K2", "seller", utc(6, 30, 0)),  # 10 s window, no answer: silent
        P("K2", "negative", utc(6, 30, 20)),  # outside
    ]
    insert_presses(engine, topology, first)
    usokok = ("УСОКОК", "Калужская", None)
    got = by_key(run(engine, topology, window(at_msk(10, 20))))
    assert [
        got[(*usokok, name, "day")] for name in ("Число опросов", "Число 'молчунов'", "Ответы вне 'Окна'")
    ] == [
        2,
        1,
        1,
    ]
    late = [
        P("K1", "seller", utc(6, 0, 5)),  # closes the 06:00:00 window; the answer at :10 is the new one's
        P("K2", "positive", utc(6, 30, 5)),  # inside the silent K2 window: now its answer
    ]
    insert_presses(engine, topology, late)
    win = window(at_msk(10, 30))
    got = by_key(run(engine, topology, win))
    assert got == expected_measurements(topology, first + late, win)
    day = {
        name: got[(*usokok, name, "day")]
        for name in ("Число опросов", "Число 'молчунов'", "Ответы вне 'Окна'")
    }
    assert day == {"Число опросов": 3, "Число 'молчунов'": 1, "Ответы вне 'Окна'": 1}
    assert got[(*usokok, "Число голосований", "day")] == 2  # the K1 positive and the late K2 positive


def test_late_presses_from_another_day_change_only_that_day(engine: Engine) -> None:
    topology = setup_chain(engine)
    insert_presses(engine, topology, [P("T1", "positive", utc(7, 1))])
    assert (
        by_key(run(engine, topology, window(at_msk(10, 10))))[
            ("СОКОК", "Тверская", None, "Число голосований", "day")
        ]
        == 1
    )
    yesterday = [P("T1", "negative", utc(7, 1) - dt.timedelta(days=1))]
    insert_presses(engine, topology, yesterday)
    win = window(at_msk(10, 20))
    got = by_key(run(engine, topology, win))
    assert got[("СОКОК", "Тверская", None, "Число голосований", "day")] == 1
    assert got == expected_measurements(topology, [P("T1", "positive", utc(7, 1)), *yesterday], win)


# --- the ingest spool draining after an outage, end to end -----------------------------------


def _day_votes(evaluation: Evaluation) -> dict[str, float | None]:
    return {
        m.period or "": m.value
        for m in evaluation.metrics
        if m.point == "Калужская" and m.short_name == "Число голосований"
    }


def _lines(start: dt.datetime, count: int, button: str = "1") -> list[str]:
    stamps = [(start + dt.timedelta(seconds=20 * i)).isoformat(timespec="milliseconds") for i in range(count)]
    return [f"P-1,{button},{stamp.replace('+00:00', 'Z')}," for stamp in stamps]


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_presses_spooled_during_an_outage_count_in_the_next_run(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The database goes away for the ingest service; presses answered OK go to the spool; the
    10:20 run cannot see them; the database returns, the spool drains (their interval is long
    evaluated), and the next run counts every one of them in the day."""
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    direct = open_engine(url)
    init_db(direct)
    setup_topology(direct)
    config = parse_config({"timezone": "Europe/Moscow", "database": {"url": url}})
    evaluator = Evaluator(config, direct, SnapshotHub())
    tz = config.tz
    now = dt.datetime.now(tz)
    # Three 10-minute intervals ending an hour ago (presses must be in the ingest's plausible past).
    base = (now - dt.timedelta(hours=1)).replace(minute=(now.minute // 10) * 10, second=0, microsecond=0)
    base = base - dt.timedelta(minutes=30)
    if base.date() != (base + dt.timedelta(minutes=30)).date():
        base -= dt.timedelta(hours=1)  # keep the three intervals in one local day
    ends = [base + dt.timedelta(minutes=10 * k) for k in (1, 2, 3)]
    spool = tmp_path / "spool"

    async def scenario() -> None:
        proxy: CuttableProxy | None = None
        blocker: sqlite3.Connection | None = None
        if dialect == "postgresql":
            proxy = CuttableProxy(("127.0.0.1", 5432))
            ingest_url = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            ingest_engine = open_engine(ingest_url, connect_timeout=1)
        else:
            # SQLite is "down" for the ingest service while another process holds the write lock
            # (a long backup, say); the service's connections give up after 0.2 s.
            ingest_url = url
            ingest_engine = create_engine(url, connect_args={"timeout": 0.2, "check_same_thread": False})
        ingest = ingest_config(ingest_url, spool, tcp={}, db_timeout_seconds=1.0)
        try:
            async with running(ingest, ingest_engine) as service:
                client = await Client.connect(service.tcp.address[1])  # type: ignore[union-attr]
                on_time = _lines(base.astimezone(dt.UTC) + dt.timedelta(minutes=1), 5)
                assert await client.send(*on_time) == ["OK"] * 5
                assert not service.spool.pending
                first = await asyncio.to_thread(evaluator.evaluate, "LOYALTY_MON", ends[0])
                assert _day_votes(first) == {"interval": 5.0, "day": 5.0}
                # The outage: seven presses of the second interval are answered OK from the spool.
                if proxy is not None:
                    proxy.cut()
                else:
                    blocker = sqlite3.connect(
                        str(tmp_path / "aggregator.sqlite"), isolation_level=None, check_same_thread=False
                    )
                    blocker.execute("BEGIN EXCLUSIVE")
                    release = blocker
                    store = evaluator._store

                    def store_after_release(*args: Any, **kwargs: Any) -> Any:
                        # The run has read the presses; the lock goes before it writes its results.
                        release.execute("ROLLBACK")
                        evaluator._store = store  # type: ignore[method-assign]
                        return store(*args, **kwargs)

                    evaluator._store = store_after_release  # type: ignore[method-assign]
                spooled = _lines(base.astimezone(dt.UTC) + dt.timedelta(minutes=12), 7, button="3")
                assert await client.send(*spooled) == ["OK"] * 7
                assert service.spool.pending_records() == 7
                second = await asyncio.to_thread(evaluator.evaluate, "LOYALTY_MON", ends[1])
                assert _day_votes(second) == {"interval": 0.0, "day": 5.0}  # not stored yet
                await client.close()
                if proxy is not None:
                    proxy.restore()
                # The database is back: the running service drains its spool; the presses are
                # stored now, long after their interval was evaluated.
                for _ in range(300):
                    if not service.spool.pending:
                        break
                    await asyncio.sleep(0.1)
                assert not service.spool.pending
        finally:
            ingest_engine.dispose()
            if proxy is not None:
                proxy.close()
            if blocker is not None:
                blocker.close()
        third = await asyncio.to_thread(evaluator.evaluate, "LOYALTY_MON", ends[2])
        assert _day_votes(third) == {"interval": 0.0, "day": 12.0}
        negative = {
            m.period: m.value
            for m in third.metrics
            if m.point == "Калужская" and m.short_name == "Негативные ответы"
        }
        assert negative == {"interval": 0.0, "day": 7.0}

    try:
        asyncio.run(scenario())
    finally:
        direct.dispose()


# --- stored history: not rewritten by itself, rewritten by `backfill` -------------------------


def _stored_votes(engine: Engine) -> dict[tuple[str, str], float | None]:
    """The stored `Число голосований` of Калужская by (local end time, period)."""
    query = (
        select(metric_values.c.at, metrics.c.period, metric_values.c.value)
        .join(metrics, metrics.c.id == metric_values.c.metric_id)
        .join(points, points.c.id == metrics.c.point_id)
        .where(
            metrics.c.test == "LOYALTY_MON",
            points.c.name == "Калужская",
            metrics.c.short_name == "Число голосований",
        )
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {
        (row.at.replace(tzinfo=dt.UTC).astimezone(MSK).strftime("%H:%M"), row.period): row.value
        for row in rows
    }


def test_stored_history_stays_until_backfill_recounts_it(engine: Engine, db_url: str) -> None:
    """A late press counts in the next run's day totals, but the intervals already stored keep the
    values the NMS and the notifier saw; `backfill` of those intervals rewrites them on demand
    (and leaves the newer, current result as it is). On SQLite and PostgreSQL."""
    setup_topology(engine)
    config = parse_config({"timezone": "Europe/Moscow", "database": {"url": db_url}})
    evaluator = Evaluator(config, engine, SnapshotHub())
    add_presses(engine, "P-1", "positive", [at_msk(10, 1), at_msk(10, 12)])
    for minute in (10, 20):
        evaluator.evaluate("LOYALTY_MON", at_msk(10, minute))
    before = _stored_votes(engine)
    assert before == {
        ("10:10", "interval"): 1,
        ("10:10", "day"): 1,
        ("10:20", "interval"): 1,
        ("10:20", "day"): 2,
    }
    add_presses(engine, "P-1", "negative", [at_msk(10, 5)])  # stored after 10:10 and 10:20 were evaluated
    evaluator.evaluate("LOYALTY_MON", at_msk(10, 30))
    after = _stored_votes(engine)
    assert after[("10:30", "day")] == 3 and after[("10:30", "interval")] == 0  # counted from now on
    assert {k: v for k, v in after.items() if k[0] != "10:30"} == before  # the past is not rewritten
    done, failed = backfill(evaluator, ["LOYALTY_MON"], at_msk(10, 0), at_msk(10, 20), out=io.StringIO())
    assert (done, failed) == (2, 0)
    assert _stored_votes(engine) == {
        ("10:10", "interval"): 2,  # the late press is in its own interval now
        ("10:10", "day"): 2,
        ("10:20", "interval"): 1,
        ("10:20", "day"): 3,
        ("10:30", "interval"): 0,
        ("10:30", "day"): 3,
    }
