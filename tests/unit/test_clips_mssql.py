"""The cutter's due-press query as SQL Server would get it (no server here: compiled)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.dialects import mssql

from probe.clips.runner import ClipCutter
from probe.config import parse_config


def test_due_query_compiles_for_mssql_with_top_and_keyset(tmp_path: Path) -> None:
    config = parse_config({"clips": {"recordings": str(tmp_path)}})
    cutter = ClipCutter(config, create_engine("sqlite://"))
    now = dt.datetime(2026, 11, 22, 12, 0)
    query = cutter.due_query(now, now - dt.timedelta(days=7), (now - dt.timedelta(hours=1), 42))
    sql = str(query.compile(dialect=mssql.dialect()))
    assert sql.startswith("SELECT TOP __[POSTCOMPILE_param_1] presses.id")
    assert "LEFT OUTER JOIN clips ON clips.press_id = presses.id" in sql
    assert "presses.pressed_at > " in sql and "presses.id > " in sql
    assert "ORDER BY presses.pressed_at, presses.id" in sql
