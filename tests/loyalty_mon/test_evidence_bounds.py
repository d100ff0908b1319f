"""How sure each percentage of LOYALTY_MON is (issue 21, point 1): every percentage carries the
95 % Wilson interval of its own counts (per point, question and company, interval and day; for
`% 'молчунов'` SPEC §3's denominator), stored with the value, printed by `--format json` as
`low`/`high` (null when the denominator is 0) and served in the SNMP metric table. SQLite and
PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from probe.api import COMPANY
from probe.config import load_config
from probe.engine import Evaluator
from probe.evidence import wilson_bounds
from probe.snapshot import SnapshotHub
from probe.snmp.index import metric_values as snmp_row
from probe.snmp.oids import METRIC_COLUMNS, MetricColumn
from probe.store.current import load_snapshot
from probe.store.schema import metric_values, metrics
from tests.helpers import run_cli
from tests.loyalty_mon.support import P, by_key, insert_presses, pad, run, setup_chain, window

MSK = ZoneInfo("Europe/Moscow")
CHAIN = {
    "points": [{"name": "Калужская"}, {"name": "Тверская"}, {"name": "Арбат"}, {"name": "Пустая"}],
    "questions": [{"id": "q1", "text": "Как Вам у нас понравилось?"}],
    "pads": [
        pad("K", "Калужская", "СОКОК"),
        pad("T", "Тверская", "УСОКОК", 30),
        pad("A", "Арбат", "Опросы"),
        pad("E", "Пустая", "СОКОК"),
    ],
}
END = dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)


def utc(hh: int, mm: int, ss: float = 0.0) -> dt.datetime:
    return dt.datetime(2026, 11, 20, hh, mm) + dt.timedelta(seconds=ss)


PRESSES = [
    # Калужская: one negative vote in the interval (100 %: the quiet-hour case), two positive
    # earlier in the day.
    P("K", "positive", utc(5, 0)),
    P("K", "positive", utc(5, 1)),
    P("K", "negative", utc(7, 5)),
    # Тверская (УСОКОК): three windows closed in the interval, one answered, two silent, one
    # still open at the end (pending: not in the denominator).
    P("T", "seller", utc(7, 1)),
    P("T", "positive", utc(7, 1, 10)),
    P("T", "seller", utc(7, 3)),
    P("T", "seller", utc(7, 5)),
    P("T", "seller", utc(7, 9, 50)),
    # Арбат (Опросы): per question.
    P("A", "negative", utc(7, 2), "q1"),
    P("A", "passive", utc(7, 3), "q1"),
    P("A", "negative", utc(7, 4), "q1"),
]


def bounds_of(measurement: object) -> tuple[float | None, float | None, int | None]:
    return (measurement.low, measurement.high, measurement.votes)  # type: ignore[attr-defined]


def expected(part: int, whole: int) -> tuple[object, object, int]:
    b = wilson_bounds(part, whole)
    if b is None:
        return (None, None, whole)
    return (pytest.approx(b[0]), pytest.approx(b[1]), whole)


def test_every_percentage_carries_the_interval_of_its_own_counts(engine: Engine) -> None:
    topology = setup_chain(engine, CHAIN)
    insert_presses(engine, topology, PRESSES)
    got = {
        (m.methodology, m.point, m.question, m.short_name, m.period): m
        for m in run(engine, topology, window(END))
    }
    by_key(list(got.values()))  # one measurement per metric

    def check(methodology: str, point: str, short: str, period: str, part: int, whole: int, question: str | None = None) -> None:  # fmt: skip
        m = got[(methodology, point, question, short, period)]
        assert bounds_of(m) == expected(part, whole), (point, short, period)
        if whole:
            assert m.low <= m.value <= m.high  # type: ignore[operator]

    # One negative of one vote: 100 %, but only "at least 20.65 %".
    check("СОКОК", "Калужская", "% негативных ответов", "interval", 1, 1)
    assert got[("СОКОК", "Калужская", None, "% негативных ответов", "interval")].low == pytest.approx(
        20.654, abs=1e-3
    )
    check("СОКОК", "Калужская", "% позитивных ответов", "interval", 0, 1)
    check("СОКОК", "Калужская", "% пассивных ответов", "interval", 0, 1)
    check("СОКОК", "Калужская", "% негативных ответов", "day", 1, 3)
    check("СОКОК", "Калужская", "% позитивных ответов", "day", 2, 3)
    # No votes: no value and no interval, the denominator 0.
    check("СОКОК", "Пустая", "% негативных ответов", "interval", 0, 0)
    # Company: from summed counts (Калужская + Пустая).
    check("СОКОК", COMPANY, "% негативных ответов", "day", 1, 3)
    # УСОКОК: silent / (silent + answered); the pending window is not counted.
    check("УСОКОК", "Тверская", "% 'молчунов'", "interval", 2, 3)
    check("УСОКОК", "Тверская", "% позитивных ответов", "interval", 1, 1)
    check("УСОКОК", COMPANY, "% 'молчунов'", "day", 2, 3)
    # Опросы: per question.
    check("Опросы", "Арбат", "% негативных ответов", "interval", 2, 3, "q1")
    check("Опросы", "Арбат", "% пассивных ответов", "day", 1, 3, "q1")
    check("Опросы", COMPANY, "% позитивных ответов", "interval", 0, 3, "q1")
    # Counts carry no interval.
    for key, m in got.items():
        if m.unit != "%":
            assert bounds_of(m) == (None, None, None), key
        else:
            assert m.votes is not None, key


def test_stored_with_the_value_printed_as_json_and_served_over_snmp(
    engine: Engine, write_config: Callable[..., Path]
) -> None:
    config_path = write_config()
    topology = setup_chain(engine, CHAIN)
    insert_presses(engine, topology, PRESSES)
    evaluation = Evaluator(load_config(config_path), engine, SnapshotHub()).evaluate("LOYALTY_MON", END)
    name = "LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин"
    published = next(m for m in evaluation.metrics if m.name == name)
    low, high = wilson_bounds(1, 1)  # type: ignore[misc]
    assert (published.value, published.low, published.high, published.votes) == (100.0, low, high, 1)

    # History: in metric_values next to the value, for every percentage.
    with engine.connect() as conn:
        rows = conn.execute(
            select(metrics.c.name, metrics.c.short_name, metric_values.c.low, metric_values.c.high, metric_values.c.votes)
            .join(metric_values, metric_values.c.metric_id == metrics.c.id)
        ).all()  # fmt: skip
    stored = {row.name: row for row in rows}
    assert (stored[name].low, stored[name].high, stored[name].votes) == (pytest.approx(low), 100.0, 1)
    empty = stored["LOYALTY_MON. СОКОК. Пустая. % негативных ответов. Интервал 10 мин"]
    assert (empty.low, empty.high, empty.votes) == (None, None, 0)
    assert all((r.votes is not None) == r.short_name.startswith("% ") for r in rows)
    # The snapshot a restarted probe starts from has them too.
    reloaded = {m.name: m for m in load_snapshot(engine).metrics}
    assert (reloaded[name].low, reloaded[name].high, reloaded[name].votes) == (pytest.approx(low), 100.0, 1)

    # --format json: low/high in percent, null without a denominator.
    printed = json.loads(run_cli("metrics", "--format", "json", config=config_path, check=True).stdout)
    by_name = {row["name"]: row for row in printed}
    assert by_name[name]["low"] == pytest.approx(20.654, abs=1e-3) and by_name[name]["high"] == 100
    assert by_name[name]["votes"] == 1
    silent = by_name["LOYALTY_MON. УСОКОК. Тверская. % 'молчунов'. Интервал 10 мин"]
    s_low, s_high = wilson_bounds(2, 3)  # type: ignore[misc]
    assert (silent["low"], silent["high"], silent["votes"]) == (
        pytest.approx(s_low),
        pytest.approx(s_high),
        3,
    )
    nothing = by_name["LOYALTY_MON. СОКОК. Пустая. % позитивных ответов. Интервал 10 мин"]
    assert (nothing["value"], nothing["low"], nothing["high"]) == (None, None, None)
    count = by_name["LOYALTY_MON. СОКОК. Калужская. Негативные ответы. Интервал 10 мин"]
    assert (count["low"], count["high"], count["votes"]) == (None, None, None)
    table = run_cli("metrics", "--point", "Калужская", config=config_path, check=True).stdout
    assert "100 % (95 %: 20.7–100)" in table

    # SNMP: prolanMetricLow/High (× 100), IntervalValid, Votes.
    def column(values: tuple[bytes, ...], number: int) -> bytes:
        return values[METRIC_COLUMNS.index(number)]

    row = snmp_row(published)
    assert column(row, MetricColumn.LOW) == b"\x02\x02\x08\x11"  # INTEGER 2065
    assert column(row, MetricColumn.HIGH) == b"\x02\x02\x27\x10"  # INTEGER 10000
    assert column(row, MetricColumn.INTERVAL_VALID) == b"\x02\x01\x01"  # true(1)
    assert column(row, MetricColumn.VOTES) == b"\x42\x01\x01"  # Gauge32 1
    none = snmp_row(next(m for m in evaluation.metrics if m.name == empty_name()))
    assert column(none, MetricColumn.INTERVAL_VALID) == b"\x02\x01\x02"  # false(2)
    assert column(none, MetricColumn.LOW) == b"\x02\x01\x00"


def empty_name() -> str:
    return "LOYALTY_MON. СОКОК. Пустая. % негативных ответов. Интервал 10 мин"


def test_db_init_adds_the_columns_to_an_older_history(db_url: str) -> None:
    """A database created before issue 21 gets metric_values.low/high/votes from `db init`; its
    stored rows keep their values (and have no interval)."""
    from sqlalchemy import inspect, text

    from probe.store.db import init_db, open_engine

    engine = open_engine(db_url)
    try:
        init_db(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE metric_values"))
            conn.execute(
                text(
                    "CREATE TABLE metric_values (metric_id INTEGER NOT NULL, at TIMESTAMP NOT NULL, "
                    "value FLOAT, level VARCHAR(12), thresholds VARCHAR(200), PRIMARY KEY (metric_id, at))"
                )
            )
            conn.execute(
                text("INSERT INTO metric_values VALUES (1, '2026-11-20 07:10:00', 50.0, 'attention', NULL)")
            )
        init_db(engine)
        init_db(engine)  # idempotent
        with engine.connect() as conn:
            names = {c["name"] for c in inspect(conn).get_columns("metric_values")}
            assert {"low", "high", "votes"} <= names
            row = conn.execute(select(metric_values)).one()
        assert (row.value, row.low, row.high, row.votes) == (50.0, None, None, None)
    finally:
        engine.dispose()


def test_the_added_columns_compile_for_sql_server() -> None:
    from sqlalchemy.dialects import mssql

    from probe.store.db import add_column_ddl

    dialect = mssql.dialect()
    assert add_column_ddl("metric_values", "low", dialect) == "ALTER TABLE metric_values ADD low FLOAT"
    assert add_column_ddl("metric_values", "votes", dialect) == "ALTER TABLE metric_values ADD votes INTEGER"
