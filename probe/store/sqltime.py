"""Times as epoch seconds computed by the database, one expression per dialect.

`epoch_seconds(x)` turns a stored UTC time column (or the server's clock, `server_clock()`) into
seconds since 1970 as a double: the lease compares expiries on the database's clock with it
(probe.lease), and the console reads a hundred thousand history rows as plain numbers with it
(console.timeline_data) instead of a string or a datetime per row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class epoch_seconds(FunctionElement[float]):  # an SQL expression, named as one
    """Its argument — a `timestamp without time zone` holding UTC, or `server_clock()` — as
    seconds since 1970 (UTC), a double."""

    type = Float()
    inherit_cache = True


class server_clock(FunctionElement[Any]):
    """The database server's current time (UTC), not the start of the transaction."""

    inherit_cache = True


@compiles(epoch_seconds)
@compiles(server_clock)
def _unsupported(element: Any, compiler: Any, **_kw: Any) -> str:
    raise CompileError(f"no {type(element).__name__} for the {compiler.dialect.name} dialect")


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC (or 'now'); julianday() reads it to the millisecond.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    # A UTC `timestamp` (or the server's timestamptz clock): EXTRACT gives numeric (a Decimal per
    # row in the driver), cast to a double.
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


@compiles(epoch_seconds, "mssql")
def _epoch_mssql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(CAST(DATEDIFF_BIG(millisecond, '19700101', {compiler.process(element.clauses, **kw)}) AS FLOAT) / 1000.0)"


@compiles(server_clock, "sqlite")
def _clock_sqlite(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "'now'"  # SQLite runs on the machine of its file: its clock is that machine's


@compiles(server_clock, "postgresql")
def _clock_postgresql(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "clock_timestamp()"  # not now(): now() is the start of the transaction


@compiles(server_clock, "mssql")
def _clock_mssql(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "SYSUTCDATETIME()"


def db_seconds() -> epoch_seconds:
    """The database server's clock, in seconds since 1970 (UTC)."""
    return epoch_seconds(server_clock())
