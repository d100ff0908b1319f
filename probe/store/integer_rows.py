"""Reading many rows of integers as one NumPy matrix.

The driver gives a row as a tuple of Python objects; for the tens of thousands of rows a test of
a large chain reads per run, making those objects and then arrays of them costs more than the
query itself spends on them (30,000 rows of 7 integers: ~35 ms). On PostgreSQL the server packs
the rows instead into one `bytea` value — each integer as its 8 big-endian bytes (`int8send`),
the rows one after another (`string_agg`) — that comes back as one `bytes` object and is read by
`numpy.frombuffer`: no object per row or value on this side. (A binary `COPY ... TO STDOUT` would
not do: the server sends it as one message per row, and the driver hands each over on its own.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, LargeBinary, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def integer_rows(conn: Connection, query: Any) -> NDArray[np.int64]:
    """The rows of `query` (a SELECT, or a UNION of them, whose columns are all integers and never
    NULL) as an int64 matrix of one row per result row and one column per selected column, in no
    particular row order. Runs in the caller's transaction (its SET LOCAL settings apply)."""
    width = len(query.selected_columns)
    if conn.dialect.name != "postgresql":
        result = conn.execute(query)
        try:
            found = result.cursor.fetchall() if result.cursor is not None else []
        finally:
            result.close()
        return np.array(found, dtype=np.int64).reshape(-1, width)
    rows = query.subquery("q")
    packed: ColumnElement[bytes] | None = None
    for column in rows.c:
        value = func.int8send(cast(column, BigInteger), type_=LargeBinary)
        packed = value if packed is None else packed.op("||", return_type=LargeBinary)(value)
    assert packed is not None
    # With the number of rows: a row with a NULL packs to NULL, which string_agg leaves out.
    count, blob = conn.execute(
        select(func.count(), func.string_agg(packed, literal(b"", LargeBinary), type_=LargeBinary))
    ).one()
    return unpack_bigints(blob, count, width)


def unpack_bigints(blob: bytes | None, count: int, width: int) -> NDArray[np.int64]:
    """`count` rows of `width` big-endian 8-byte integers, one after another (None: no rows)."""
    data = b"" if blob is None else bytes(blob)
    if len(data) != 8 * width * count:
        raise ValueError(f"{count} rows of {width} integers packed into {len(data)} bytes: a NULL among them")
    return np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(-1, width)
