"""Fitting texts into the schema's columns (issue 17, point 6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects import mssql

from probe.engine.naming import KEY_LIMIT, NAME_LIMIT
from probe.store.db import init_db, open_engine
from probe.store.limits import column_limit, fit_key, fit_text, over_limit
from probe.store.schema import metrics, points


def test_keys_and_names_fit_with_a_stable_distinguishing_hash() -> None:
    assert (
        (KEY_LIMIT, NAME_LIMIT) == (250, 500) == (column_limit(metrics.c.key), column_limit(metrics.c.name))
    )
    short = "loyalty_mon.sokok.kaluzhskaia.pct_negativnykh_otvetov.interval"
    assert fit_key(short, 250) == short and fit_text("Калужская", 200) == "Калужская"
    first, second = "a." + "shch" * 190 + ".interval", "a." + "shch" * 190 + ".day"
    assert len(fit_key(first, 250)) == 250 and fit_key(first, 250) == fit_key(first, 250)
    assert fit_key(first, 250) != fit_key(second, 250)
    name_a, name_b = "Щ" * 600 + " А", "Щ" * 600 + " Б"
    assert len(fit_text(name_a, 500)) == 500 and fit_text(name_a, 500) != fit_text(name_b, 500)
    assert fit_text(name_a, 500).startswith("Щ" * 400) and "…" in fit_text(name_a, 500)
    assert over_limit("Ж" * 200, points.c.name) is None
    assert (
        over_limit("Ж" * 201, points.c.name) == "is 201 characters long; at most 200 fit (column points.name)"
    )


def test_db_init_refits_long_keys_that_sqlite_stored_and_keeps_their_ids(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    init_db(engine)
    long_key = "loyalty_mon.sokok." + "shch" * 100 + ".votes.interval"
    with engine.begin() as conn:
        conn.execute(
            metrics.insert().values(
                id=42, key=long_key, name="x", test="LOYALTY_MON", short_name="x", unit="",
                created_at=dt.datetime(2026, 1, 1),
            )
        )  # fmt: skip
    init_db(engine)
    with engine.connect() as conn:
        row = conn.execute(select(metrics.c.id, metrics.c.key)).one()
    assert (row.id, row.key) == (42, fit_key(long_key, 250))
    engine.dispose()
    statement = select(metrics.c.id).where(func.length(metrics.c.key) > 250)
    assert "LEN(" in str(statement.compile(dialect=mssql.dialect()))
