"""Structured metric identity (issue 15 point 5): `metrics` stores test, methodology, scope (point,
company or none), question, short name and period as columns; the engine writes them, `db init`
fills them for rows an older version wrote, and the store, the SNMP agent and the console select by
them. No product code reads a metric's name to find out what the metric is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect, select, text

from probe.config import load_config
from probe.engine import Evaluator
from probe.snapshot import SnapshotHub
from probe.store.current import load_snapshot
from probe.store.db import init_db
from probe.store.schema import metrics
from probe.topology import COMPANY
from tests.conftest import ROOT
from tests.loyalty_mon.support import P, insert_presses, setup_chain

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)


def identity(engine: Engine) -> dict[str, tuple[object, ...]]:
    query = select(
        metrics.c.name,
        metrics.c.test,
        metrics.c.methodology,
        metrics.c.scope,
        metrics.c.point_id,
        metrics.c.question_id,
        metrics.c.short_name,
        metrics.c.period,
    )
    with engine.connect() as conn:
        return {row.name: tuple(row)[1:] for row in conn.execute(query)}


def test_the_engine_stores_the_identity_as_columns(engine: Engine, write_config: Callable[..., Path]) -> None:
    topology = setup_chain(engine)
    insert_presses(engine, topology, [P("A1", "negative", dt.datetime(2026, 11, 20, 7, 5), "q1")])
    evaluator = Evaluator(load_config(write_config()), engine, SnapshotHub())
    evaluation = evaluator.evaluate("LOYALTY_MON", END)
    rows = identity(engine)
    arbat = topology.points["Арбат"].id
    name = "LOYALTY_MON. Опросы. Арбат. Как Вам у нас понравилось. % негативных ответов. Интервал 10 мин"
    assert rows[name] == ("LOYALTY_MON", "Опросы", "point", arbat, "q1", "% негативных ответов", "interval")
    company = f"LOYALTY_MON. СОКОК. {COMPANY}. Число голосований. Текущие сутки"
    assert rows[company] == ("LOYALTY_MON", "СОКОК", "company", None, None, "Число голосований", "day")
    assert rows["LOYALTY_MON. Тест работает"] == (
        "LOYALTY_MON",
        None,
        "none",
        None,
        None,
        "Тест работает",
        None,
    )
    # The published states and the snapshot loaded at start say the same.
    published = {m.name: m for m in evaluation.metrics}
    assert published[company].scope == "company" and published[company].point == COMPANY
    loaded = {m.name: m for m in load_snapshot(engine).metrics}
    assert loaded[company].scope == "company" and loaded[company].point == COMPANY
    assert loaded[name].scope == "point" and loaded[name].period == "interval"
    assert loaded["LOYALTY_MON. Тест работает"].point is None


def test_db_init_fills_the_identity_of_rows_written_by_an_older_version(engine: Engine) -> None:
    """A database from before the scope column: `db init` adds it, with its index, and fills it
    for every row; LOYALTY_MON's old day-total tables (now in the state store) are dropped."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_metrics_test_scope_period"))
        conn.execute(text("ALTER TABLE metrics DROP COLUMN scope"))
        conn.execute(text("CREATE TABLE loyalty_mon_day_totals (day_start TIMESTAMP, point_id INTEGER)"))
        conn.execute(text("CREATE TABLE loyalty_mon_day_marks (day_start TIMESTAMP, counted_to TIMESTAMP)"))
        conn.execute(
            text("INSERT INTO points (id, name, region, opening_hours) VALUES (7, 'Калужская', '', '')")
        )
        for key, name, point_id in (
            ("lm.sokok.p", "LOYALTY_MON. СОКОК. Калужская. Число голосований. Текущие сутки", 7),
            ("lm.sokok.c", f"LOYALTY_MON. СОКОК. {COMPANY}. Число голосований. Текущие сутки", None),
            ("ql.c", f"QUEUE_LEN. {COMPANY}. Средняя длина очереди. Интервал 10 мин", None),
            ("lm.works", "LOYALTY_MON. Тест работает", None),
        ):
            conn.execute(
                text(
                    "INSERT INTO metrics (key, name, test, point_id, short_name, unit, created_at) "
                    "VALUES (:key, :name, 'LOYALTY_MON', :point_id, 'x', '', '2026-11-01 00:00:00')"
                ),
                {"key": key, "name": name, "point_id": point_id},
            )
    init_db(engine)
    inspector = inspect(engine)
    assert "scope" in {c["name"] for c in inspector.get_columns("metrics")}
    assert "ix_metrics_test_scope_period" in {i["name"] for i in inspector.get_indexes("metrics")}
    assert not {"loyalty_mon_day_totals", "loyalty_mon_day_marks"} & set(inspector.get_table_names())
    with engine.connect() as conn:
        scopes = dict(conn.execute(select(metrics.c.key, metrics.c.scope)).tuples().all())
    assert scopes == {"lm.sokok.p": "point", "lm.sokok.c": "company", "ql.c": "company", "lm.works": "none"}
    init_db(engine)  # idempotent


def test_the_identity_statements_compile_for_mssql() -> None:
    from sqlalchemy.dialects import mssql

    from console.timeline_data import Scope, scope_metrics_query

    sql = str(scope_metrics_query(Scope(), "day").compile(dialect=mssql.dialect()))
    assert "metrics.scope = " in sql and "metrics.period = " in sql
    column = metrics.c.scope.type.compile(dialect=mssql.dialect())
    assert column == "NVARCHAR(8)"


# Reading a metric's name to find out what it is: splitting it, matching a part of it, or
# comparing its end or start. Patterns on names that users write (rule globs, the Cockpit's text
# filter) are not this; the one legacy fill in `db init` is named below.
_NAME_PARSING = re.compile(
    r"((?<![\w.])|(?<!path)(?<!\bp)\.)name\.(split|rsplit|partition|rpartition|endswith|startswith)\("
    r"|\bin (metric|m|row|info|state)\.name\b"
    r"|\.c\.name\.(contains|like|ilike|startswith|endswith)\("
    r"|target\.split\("
)
_ALLOWED = {("probe/store/db.py", "legacy_company = metrics.c.name.contains")}


def test_no_product_code_parses_a_metric_name() -> None:
    found = []
    for folder in ("probe", "notifier", "console", "tests_scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _NAME_PARSING.search(line) and not any(
                    relative == file and snippet in line for file, snippet in _ALLOWED
                ):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
