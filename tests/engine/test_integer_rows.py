"""`probe.api.integer_rows`: a query of integer columns read as one int64 matrix — on PostgreSQL
packed by the server into one bytea read by NumPy, elsewhere from the driver's rows — gives
exactly the rows the query gives, whatever their number, sign or size, and refuses what it cannot
read whole."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import BigInteger, Engine, cast, func, literal, select, union_all

from probe.api import integer_rows, presses
from probe.store.integer_rows import unpack_bigints


def _store(engine: Engine, count: int) -> None:
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    rows = [
        {
            "pad_id": f"pad-{i % 7}",
            "point_id": i % 5 + 1,
            "button": i % 3 + 1,
            "kind": "positive",
            "pressed_at": start + dt.timedelta(seconds=i),
            "source": "test",
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(presses.insert(), rows)


def test_the_rows_of_a_query_exactly(engine: Engine) -> None:
    _store(engine, 2500)
    big = 2**62 + 12345  # beyond float precision: read as integers all the way
    query = union_all(
        select(
            presses.c.id,
            (presses.c.point_id - 3).label("signed"),  # negative numbers too
            cast(literal(big), BigInteger).label("big"),
            (presses.c.button % 2).label("percent"),  # a '%' in the SQL text
        ).where(presses.c.point_id != 2),
        select(presses.c.id, literal(-1), cast(literal(-big), BigInteger), literal(0)).where(
            presses.c.point_id == 2
        ),
    )
    with engine.connect() as conn:
        expected = sorted(tuple(int(v) for v in row) for row in conn.execute(query))
        got = integer_rows(conn, query)
    assert got.dtype == np.int64 and got.shape == (2500, 4)
    assert sorted(map(tuple, got.tolist())) == expected
    assert {row[2] for row in expected} == {big, -big}


def test_no_rows(engine: Engine) -> None:
    with engine.connect() as conn:
        got = integer_rows(conn, select(presses.c.id, presses.c.point_id).where(presses.c.id < 0))
    assert got.shape == (0, 2)


def test_a_null_is_refused_not_misread(engine: Engine) -> None:
    _store(engine, 3)
    if engine.dialect.name == "postgresql":
        # A NULL would pack to nothing and shift every value after it.
        query = select(presses.c.id, func.nullif(presses.c.point_id, 1).label("maybe"))
        with engine.connect() as conn, pytest.raises(ValueError, match="NULL"):
            integer_rows(conn, query)
    two = (5).to_bytes(8, "big", signed=True) + (-7).to_bytes(8, "big", signed=True)
    assert unpack_bigints(two, 1, 2).tolist() == [[5, -7]]
    assert unpack_bigints(None, 0, 2).shape == (0, 2)
    with pytest.raises(ValueError, match="NULL"):
        unpack_bigints(two, 2, 2)  # a row left out
    with pytest.raises(ValueError, match="NULL"):
        unpack_bigints(two[:-8], 1, 2)
