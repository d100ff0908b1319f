"""The engine's writes: stable metric ids (`metrics`) and the history of one run (`metric_values`,
`test_runs`), all inside the caller's single transaction."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from probe.assess import ThresholdTable
from probe.engine.columns import COPY_HEADER, COPY_TRAILER, LEVEL_BY_CODE, binary_tuples, floats, ints
from probe.store.schema import UtcDateTime, metric_values, metrics, run_log, test_runs
from probe.store.threshold_tables import store_tables, threshold_id

RUNS_CHANNEL = "prolan_runs"  # PostgreSQL NOTIFY channel of stored runs
_UNIX_EPOCH = dt.datetime(1970, 1, 1)  # stored times are naive UTC


@dataclass(frozen=True)
class MetricSpec:
    key: str
    name: str
    test: str
    short_name: str
    methodology: str | None
    point_id: int | None
    question_id: str | None
    period: str | None
    unit: str
    scope: str = "none"  # point | company | none (a test-level metric)


@dataclass
class RunValues:
    """One run's `metric_values` rows as columns (probe.engine.columns): NaN, level code < 0 and
    threshold id / votes < 0 stand for NULL."""

    ids: NDArray[np.int64]
    value: NDArray[np.float64]
    codes: NDArray[np.int8]
    table_ids: NDArray[np.int64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    votes: NDArray[np.int64]
    expected: NDArray[np.float64]
    tables: Sequence[ThresholdTable]  # the distinct tables the rows refer to

    def __len__(self) -> int:
        return len(self.ids)


@lru_cache(maxsize=65536)
def thresholds_json(table: ThresholdTable | None) -> str | None:
    """Cached: a run stores the same few tables for thousands of metrics."""
    if table is None:
        return None
    return json.dumps({"direction": table.direction, "bounds": list(table.bounds)})


@lru_cache(maxsize=65536)
def table_id(table: ThresholdTable | None) -> int | None:
    """The `threshold_tables` id of a table (cached like its JSON)."""
    body = thresholds_json(table)
    return None if body is None else threshold_id(body)


def _store_run_tables(conn: Connection, tables: Sequence[ThresholdTable]) -> None:
    """The distinct threshold tables of a run, stored once (a run has a few, not one per row)."""
    bodies: dict[int, str] = {}
    for table in tables:
        body = thresholds_json(table)
        assert body is not None
        bodies[threshold_id(body)] = body
    store_tables(conn, bodies)


class MetricRegistry:
    """key -> (id, name) for every metric ever created. An id is given once per key by the
    database (autoincrement, never reused: rows of `metrics` are never deleted) and cached, so a dead
    database still lets the engine publish the metrics it already knows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, str]] = {}
        # The stored scope of each key, so a row whose identity columns are not what the engine
        # computes now (written by an older version) is corrected by the next run.
        self._scopes: dict[str, str | None] = {}
        self._loaded = False

    def load(self, conn: Connection) -> None:
        rows = conn.execute(select(metrics.c.id, metrics.c.key, metrics.c.name, metrics.c.scope)).all()
        with self._lock:
            self._known = {row.key: (row.id, row.name) for row in rows}
            self._scopes = {row.key: row.scope for row in rows}
            self._loaded = True

    @property
    def loaded(self) -> bool:
        return self._loaded

    def known_id(self, key: str) -> int | None:
        with self._lock:
            entry = self._known.get(key)
        return None if entry is None else entry[0]

    def known_ids(self, specs: Sequence[MetricSpec]) -> NDArray[np.int64] | None:
        """The ids of these metrics if every one is stored under the spec's name and scope (what
        `ensure` would then leave as it is), else None."""
        with self._lock:
            known, scopes = self._known, self._scopes
            ids = []
            for spec in specs:
                entry = known.get(spec.key)
                if entry is None or entry[1] != spec.name or scopes.get(spec.key) != spec.scope:
                    return None
                ids.append(entry[0])
        return np.array(ids, dtype=np.int64)

    def ensure(
        self, conn: Connection, specs: Sequence[MetricSpec], now: dt.datetime
    ) -> dict[str, tuple[int, str]]:
        """Ids for all specs inside the caller's transaction: new keys are inserted, renamed metrics
        (an edited question text, a changed interval) get their new name. Returns key -> (id, name)
        to `remember` once the transaction has committed."""
        with self._lock:
            known = dict(self._known)
            scopes = dict(self._scopes)
        missing = [s for s in specs if s.key not in known]
        if missing:
            # Another process (a CLI `evaluate` next to the service) may have added some meanwhile.
            stored = self._stored(conn, {s.test for s in missing})
            known.update({key: (entry[0], entry[1]) for key, entry in stored.items()})
            scopes.update({key: entry[2] for key, entry in stored.items()})
            missing = [s for s in missing if s.key not in known]
        if missing:
            conn.execute(
                metrics.insert(),
                [
                    {
                        "key": s.key,
                        "name": s.name,
                        "test": s.test,
                        "methodology": s.methodology,
                        "point_id": s.point_id,
                        "question_id": s.question_id,
                        "short_name": s.short_name,
                        "period": s.period,
                        "unit": s.unit,
                        "scope": s.scope,
                        "created_at": now,
                    }
                    for s in missing
                ],
            )
            stored = self._stored(conn, {s.test for s in missing})
            known.update({key: (entry[0], entry[1]) for key, entry in stored.items()})
            scopes.update({key: entry[2] for key, entry in stored.items()})
        for spec in specs:
            metric_id, name = known[spec.key]
            if name != spec.name or scopes.get(spec.key) != spec.scope:
                conn.execute(
                    update(metrics)
                    .where(metrics.c.id == metric_id)
                    .values(
                        name=spec.name,
                        scope=spec.scope,
                        methodology=spec.methodology,
                        question_id=spec.question_id,
                        short_name=spec.short_name,
                        period=spec.period,
                    )
                )
                known[spec.key] = (metric_id, spec.name)
                scopes[spec.key] = spec.scope
        return {s.key: known[s.key] for s in specs}

    @staticmethod
    def _stored(conn: Connection, tests: set[str]) -> dict[str, tuple[int, str, str | None]]:
        """Every stored metric of these tests (by test, not by a list of keys: a large chain has
        more keys than a statement may have parameters)."""
        rows = conn.execute(
            select(metrics.c.id, metrics.c.key, metrics.c.name, metrics.c.scope).where(
                metrics.c.test.in_(sorted(tests))
            )
        ).all()
        return {row.key: (row.id, row.name, row.scope) for row in rows}

    def remember(self, entries: dict[str, tuple[int, str]], specs: Sequence[MetricSpec] = ()) -> None:
        """After the transaction of `ensure` committed: its ids, names and scopes are stored."""
        with self._lock:
            self._known.update(entries)
            self._scopes.update({spec.key: spec.scope for spec in specs})


def write_run(
    conn: Connection,
    *,
    test: str,
    at: dt.datetime,
    started_at: dt.datetime,
    duration_seconds: float,
    ok: bool,
    error: str | None,
    values: RunValues,
    while_storing: Callable[[], None] | None = None,
) -> None:
    """The history of one run. Evaluating an interval again replaces its earlier result.
    `while_storing` is called once the server has the first of the rows (PostgreSQL: the first
    piece of the COPY), so that work started there overlaps the rest of the store without
    delaying the statements before it."""
    previous = conn.execute(
        select(test_runs.c.at).where(test_runs.c.test == test, test_runs.c.at == at)
    ).first()
    if previous is not None:
        conn.execute(
            delete(metric_values).where(
                metric_values.c.at == at,
                metric_values.c.metric_id.in_(select(metrics.c.id).where(metrics.c.test == test)),
            )
        )
        conn.execute(delete(test_runs).where(test_runs.c.test == test, test_runs.c.at == at))
    _store_run_tables(conn, values.tables)
    if len(values):
        dialect = conn.dialect.name
        if dialect == "postgresql":
            _copy_values(conn, UtcDateTime.stored(at), values, while_storing)
            while_storing = None
        elif dialect == "sqlite":
            _insert_values_sqlite(conn, UtcDateTime.stored(at), values)
        else:
            conn.execute(
                metric_values.insert(),
                [
                    {
                        "metric_id": row[0],
                        "at": at,
                        "value": row[1],
                        "level": row[2],
                        "threshold_id": row[3],
                        "low": row[4],
                        "high": row[5],
                        "votes": row[6],
                        "expected": row[7],
                    }
                    for row in _python_rows(values)
                ],
            )
    if while_storing is not None:
        while_storing()
    conn.execute(
        test_runs.insert().values(
            test=test,
            at=at,
            started_at=started_at,
            duration_seconds=duration_seconds,
            ok=ok,
            error=error,
        )
    )


def _python_rows(values: RunValues) -> Iterator[tuple[Any, ...]]:
    """(metric_id, value, level text, threshold_id, low, high, votes, expected) with None for NULL."""
    levels = [None if code is None else code.value for code in LEVEL_BY_CODE]
    return zip(
        values.ids.tolist(),
        floats(values.value),
        [levels[code + 2] for code in values.codes.tolist()],
        ints(values.table_ids),
        floats(values.low),
        floats(values.high),
        ints(values.votes),
        floats(values.expected),
        strict=True,
    )


# Rows per piece of the COPY: the server takes in one piece while the next is made.
COPY_SLICE = 16_384


def _copy_values(
    conn: Connection, at: dt.datetime, values: RunValues, after_first: Callable[[], None] | None = None
) -> None:
    """PostgreSQL: one binary COPY of the run's rows, built column-wise (a run of a large chain
    stores 100,000+ of them; an INSERT per row costs several times the COPY, and text would have to
    be formatted here and parsed by the server), sent in pieces made while the previous one is
    taken in. `after_first` is called once the first piece is sent."""
    at_unix_us = (at - _UNIX_EPOCH) // dt.timedelta(microseconds=1)
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY metric_values (metric_id, at, value, level, threshold_id, low, high, votes, expected) "
            "FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(COPY_HEADER)
        for first in range(0, len(values), COPY_SLICE):
            rows = slice(first, first + COPY_SLICE)
            copy.write(
                binary_tuples(
                    ids=values.ids[rows],
                    at_unix_us=at_unix_us,
                    value=values.value[rows],
                    codes=values.codes[rows],
                    table_ids=values.table_ids[rows],
                    low=values.low[rows],
                    high=values.high[rows],
                    votes=values.votes[rows],
                    expected=values.expected[rows],
                )
            )
            if after_first is not None:
                after_first()
                after_first = None
        copy.write(COPY_TRAILER)


def _insert_values_sqlite(conn: Connection, at: dt.datetime, values: RunValues) -> None:
    """SQLite: the driver's executemany with tuples, timestamps in SQLAlchemy's storage format."""
    stamp = at.isoformat(" ", "microseconds")
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(
            "INSERT INTO metric_values (metric_id, at, value, level, threshold_id, low, high, votes, expected) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((row[0], stamp, *row[1:]) for row in _python_rows(values)),
        )
    finally:
        cursor.close()


def process_origin() -> str:
    """This process, as `run_log.origin` names it: host, pid and a token (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def log_run(
    conn: Connection, *, test: str, at: dt.datetime, historical: bool, test_ok: bool, origin: str
) -> None:
    """Announce a stored run in its own transaction: a `run_log` row, and on PostgreSQL a NOTIFY
    that is delivered when (and only if) the transaction commits."""
    conn.execute(
        run_log.insert().values(
            test=test,
            at=at,
            historical=historical,
            test_ok=test_ok,
            origin=origin,
            committed_at=dt.datetime.now(dt.UTC),
        )
    )
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_notify(RUNS_CHANNEL, test)))
