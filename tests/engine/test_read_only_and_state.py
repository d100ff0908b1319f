"""Read-only tests and the engine-owned state store (issue 15 point 6), on SQLite and PostgreSQL
(statements compiled for SQL Server): a test gets a connection that refuses writes, and one that
tries fails with a message naming it; state put by a run is there for the next run, is written
only with the run's results, and two processes never mix their states."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects import mssql
from sqlalchemy.exc import OperationalError

from probe.engine import Evaluator
from probe.levels import Level
from probe.store.db import mssql_read_only_url, read_only_engine
from probe.store.ingest_mark import max_id_query, stored_through
from probe.store.schema import presses, test_state, threshold_overrides
from probe.store.state import StateError, StateStore
from tests.engine.conftest import add_presses

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)

WRITING_TEST = """
from sqlalchemy import insert
from probe.api import EvaluationTest, Measurement
from probe.store.schema import threshold_overrides

class Writing(EvaluationTest):
    name = "WRITING"
    def run(self, ctx):
        with ctx.engine.begin() as conn:
            conn.execute(insert(threshold_overrides).values(
                test="X", metric_pattern="*", t1=1, t2=2, t3=3, t4=4, created_at=ctx.window.end_naive))
        return [Measurement("Записано", 1.0)]
"""

# Counts runs in its state; fails on demand (its state must then not change).
STATEFUL_TEST = """
from probe.api import EvaluationTest, Measurement, Param

class Stateful(EvaluationTest):
    name = "STATEFUL"
    parameters = {"fail": Param(False, "raise after putting state")}
    def run(self, ctx):
        runs = ctx.state.get("runs", 0) + 1
        ctx.state.put("runs", runs)
        ctx.state.put("last", {"end": ctx.window.end.isoformat(), "mark": ctx.ingest_mark})
        if self.params["fail"]:
            raise RuntimeError("failing on purpose")
        return [Measurement("Запусков", float(runs))]
"""


def works(evaluation: object) -> tuple[float | None, str]:
    metrics = {m.short_name: m for m in evaluation.metrics}  # type: ignore[attr-defined]
    state = metrics["Тест работает"]
    return state.value, str(state.level)


def test_a_test_that_writes_fails_with_a_message_naming_it(
    make_evaluator: Callable[..., Evaluator], engine: Engine
) -> None:
    evaluator = make_evaluator({"writing.py": WRITING_TEST})
    evaluation = evaluator.evaluate("WRITING", END)
    assert not evaluation.test_ok and evaluation.database_ok  # not an outage
    assert works(evaluation) == (0.0, str(Level.BAD))
    error = next(t for t in evaluator.hub.current.tests if t.name == "WRITING").last_error
    assert error.startswith("test WRITING tried to write to the aggregator database")
    assert "read-only" in error and "ctx.state" in error
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(threshold_overrides)).scalar() == 0
    # The engine itself still writes through the same (pooled) connections.
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=1)])
    with engine.begin() as conn:
        conn.execute(
            threshold_overrides.insert().values(
                test="X", metric_pattern="*", t1=1, t2=2, t3=3, t4=4, created_at=dt.datetime(2026, 1, 1)
            )
        )


def test_read_only_engine_refuses_every_write_and_leaves_the_pool_writable(engine: Engine) -> None:
    reader = read_only_engine(engine)
    for _ in range(3):  # several checkouts of the same pooled connections
        with reader.connect() as conn:
            assert conn.execute(select(func.count()).select_from(presses)).scalar() == 0
            with pytest.raises(OperationalError if engine.dialect.name == "sqlite" else Exception) as caught:
                conn.execute(text("DELETE FROM presses"))
            from probe.store.db import is_read_only_violation

            assert is_read_only_violation(caught.value)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM presses"))  # the writable engine is not affected


def test_state_is_kept_between_runs_and_written_only_with_the_results(
    make_evaluator: Callable[..., Evaluator], engine: Engine
) -> None:
    evaluator = make_evaluator({"stateful.py": STATEFUL_TEST})
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=5)])
    first = evaluator.evaluate("STATEFUL", END)
    second = evaluator.evaluate("STATEFUL", END + dt.timedelta(minutes=10))
    assert [next(m.value for m in e.metrics if m.short_name == "Запусков") for e in (first, second)] == [1, 2]
    store = StateStore("STATEFUL", engine)
    assert store.get("runs") == 2
    with engine.connect() as conn:
        max_id = conn.execute(select(func.max(presses.c.id))).scalar()
    assert store.get("last") == {
        "end": (END + dt.timedelta(minutes=10)).astimezone(dt.UTC).isoformat(),
        "mark": max_id,
    }
    # A failing run puts state too, but the engine does not write it.
    failing = make_evaluator(
        {"stateful.py": STATEFUL_TEST}, config={"STATEFUL": {"parameters": {"fail": True}}}
    )
    assert not failing.evaluate("STATEFUL", END + dt.timedelta(minutes=20)).test_ok
    assert StateStore("STATEFUL", engine).get("runs") == 2


def test_two_processes_never_mix_their_states(engine: Engine) -> None:
    """Both read version v; the first to commit wins, the second's changes are dropped whole."""
    for store in (StateStore("T", engine),):
        store.ensure_version_row(engine)
    first, second = StateStore("T", engine), StateStore("T", engine)
    first.put("a", 1)
    first.put("b", 1)
    second.put("a", 2)
    second.put("c", 2)
    first.keys()
    second.keys()  # both have read the same version
    with engine.begin() as conn:
        assert first.write(conn)
    with engine.begin() as conn:
        assert not second.write(conn)
    fresh = StateStore("T", engine)
    assert {key: fresh.get(key) for key in fresh.keys("")} == {"a": 1, "b": 1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(test_state)).scalar() == 2


def test_state_keys_and_values_are_checked() -> None:
    store = StateStore("T", None)  # type: ignore[arg-type]  # nothing is read for these
    with pytest.raises(StateError, match="T: a state key"):
        store.put("", 1)
    with pytest.raises(StateError, match=r"T: state key .x.: .*JSON"):
        store.put("x", {1, 2})
    with pytest.raises(StateError, match="JSON"):
        store.put("x", float("nan"))


@pytest.mark.postgres
def test_the_ingest_mark_waits_for_presses_being_inserted(pg_schema_url: str) -> None:
    """PostgreSQL gives ids when rows are inserted, not when they commit: the mark must not pass
    an id whose transaction is still open (it would never be counted)."""
    from probe.store.db import init_db, open_engine

    engine = open_engine(pg_schema_url)
    init_db(engine)
    try:
        row = {
            "pad_id": "P",
            "point_id": 1,
            "button": 1,
            "kind": "positive",
            "question_id": None,
            "source": "t",
        }
        slow = engine.connect()
        slow_tx = slow.begin()
        slow.execute(presses.insert().values(pressed_at=dt.datetime(2026, 11, 20, 7, 0), **row))  # id 1, open
        with engine.begin() as conn:  # id 2, committed first
            conn.execute(presses.insert().values(pressed_at=dt.datetime(2026, 11, 20, 7, 1), **row))
        assert stored_through(engine, lock_timeout_seconds=0.3) is None  # cannot pass the open insert
        result: list[int | None] = []
        waiter = threading.Thread(
            target=lambda: result.append(stored_through(engine, lock_timeout_seconds=10))
        )
        waiter.start()
        time.sleep(0.5)
        assert not result  # still waiting for the open transaction
        slow_tx.commit()
        waiter.join(10)
        assert result == [2]  # both are committed now: every id up to 2 is stored for good
        slow.close()
    finally:
        engine.dispose()


def test_statements_compile_for_mssql() -> None:
    dialect = mssql.dialect()
    sql = str(max_id_query("mssql").compile(dialect=dialect))
    assert "WITH (TABLOCK, HOLDLOCK)" in sql and "max(presses.id)" in sql
    url = mssql_read_only_url("mssql+pyodbc://user:pw@server/db?driver=ODBC+Driver+18+for+SQL+Server")
    assert url.query["ApplicationIntent"] == "ReadOnly"
    odbc = mssql_read_only_url("mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BX%7D%3BSERVER%3Ds")
    assert str(odbc.query["odbc_connect"]).endswith(";ApplicationIntent=ReadOnly")
    for statement in _state_statements():
        assert statement.compile(dialect=dialect) is not None


def _state_statements() -> list[Any]:
    from sqlalchemy import and_, delete, insert, update

    from probe.store.schema import test_state_versions

    return [
        update(test_state_versions)
        .where(test_state_versions.c.test == "T", test_state_versions.c.version == 1)
        .values(version=test_state_versions.c.version + 1),
        delete(test_state).where(and_(test_state.c.test == "T", test_state.c.key.in_(["a", "b"]))),
        insert(test_state),
        select(test_state_versions.c.version, test_state.c.key, test_state.c.value).select_from(
            test_state_versions.outerjoin(test_state, test_state.c.test == test_state_versions.c.test)
        ),
    ]
