"""SQL Server cannot run here: every statement the console's reads issue is captured while they
run on SQLite against the interval panel's chain, and compiled for SQL Server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import mssql
from sqlalchemy.sql import ClauseElement

from console.clips_panel import load_fragments
from console.cockpit_rows import RowChoice, load_cockpit
from console.dashboard import load_tiles
from console.interval_data import load_interval, scope_interval
from console.plan.point_page import read_point_history
from console.timeline_data import Scope, history_query
from tests.conftest import finish_console_reads
from tests.gui.test_interval_panel import END, MSK, NEG, POINT, build, metric_id


def test_every_console_read_compiles_for_mssql(tmp_path: Path) -> None:
    engine = build(f"sqlite:///{tmp_path / 'aggregator.sqlite'}", tmp_path)
    captured: list[ClauseElement] = []

    def capture(_conn: Any, clause: Any, *_args: Any) -> None:
        if isinstance(clause, ClauseElement):
            captured.append(clause)

    event.listen(engine, "before_execute", capture)
    since = END - dt.timedelta(hours=2)
    data = load_cockpit(engine, RowChoice(unassessed=True), since, END, lambda kind, n: kind, MSK)
    assert data.histories
    neg = metric_id(engine, NEG)
    assert load_interval(engine, neg, END) is not None
    assert scope_interval(engine, Scope("point", POINT), END, ()) is not None
    assert load_tiles(
        engine, [Scope(), Scope("point", POINT), Scope("region", "Москва")], END, MSK, 2, (), ("LOYALTY_MON",)
    )
    assert read_point_history(engine, [data.histories[0].info.key], 2, END)
    assert load_fragments(engine, POINT, since=since, until=END)
    finish_console_reads()
    engine.dispose()

    dialect = mssql.dialect()
    assert len(captured) > 15
    for clause in captured:
        sql = str(clause.compile(dialect=dialect))
        assert " LIMIT " not in sql, sql  # SQL Server spells it TOP / OFFSET … FETCH
    # The history is read through the driver with its values rendered into the statement.
    history = history_query([1, 2], since, END)
    rendered = str(history.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    assert "IN (1, 2)" in rendered and "DATEDIFF_BIG(millisecond, '19700101', metric_values.at)" in rendered
    assert "CASE metric_values.level WHEN 'good' THEN 0" in rendered  # levels as codes, by the database
