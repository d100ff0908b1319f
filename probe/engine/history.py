"""The engine's writes: stable metric ids (`metrics`) and the history of one run (`metric_values`,
`test_runs`), all inside the caller's single transaction."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from probe.assess import ThresholdTable
from probe.levels import Level
from probe.store.schema import metric_values, metrics, test_runs


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


class ValueRow(NamedTuple):  # a NamedTuple: one per metric per run, cheap to build
    metric_id: int
    value: float | None
    level: Level | None
    thresholds: ThresholdTable | None
    low: float | None = None  # the value's 95 % interval and the count behind it (issue 21)
    high: float | None = None
    votes: int | None = None


@lru_cache(maxsize=65536)
def thresholds_json(table: ThresholdTable | None) -> str | None:
    """Cached: a run stores the same few tables for thousands of metrics."""
    if table is None:
        return None
    return json.dumps({"direction": table.direction, "bounds": list(table.bounds)})


class MetricRegistry:
    """key -> (id, name) for every metric ever created. An id is given once per key by the
    database (autoincrement, never reused: rows of `metrics` are never deleted) and cached, so a dead
    database still lets the engine publish the metrics it already knows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, str]] = {}
        self._loaded = False

    def load(self, conn: Connection) -> None:
        rows = conn.execute(select(metrics.c.id, metrics.c.key, metrics.c.name)).all()
        with self._lock:
            self._known = {row.key: (row.id, row.name) for row in rows}
            self._loaded = True

    @property
    def loaded(self) -> bool:
        return self._loaded

    def known_id(self, key: str) -> int | None:
        with self._lock:
            entry = self._known.get(key)
        return None if entry is None else entry[0]

    def ensure(
        self, conn: Connection, specs: Sequence[MetricSpec], now: dt.datetime
    ) -> dict[str, tuple[int, str]]:
        """Ids for all specs inside the caller's transaction: new keys are inserted, renamed metrics
        (an edited question text, a changed interval) get their new name. Returns key -> (id, name)
        to `remember` once the transaction has committed."""
        with self._lock:
            known = dict(self._known)
        missing = [s for s in specs if s.key not in known]
        if missing:
            # Another process (a CLI `evaluate` next to the service) may have added some meanwhile.
            known.update(self._stored(conn, {s.test for s in missing}))
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
                        "created_at": now,
                    }
                    for s in missing
                ],
            )
            known.update(self._stored(conn, {s.test for s in missing}))
        for spec in specs:
            metric_id, name = known[spec.key]
            if name != spec.name:
                conn.execute(update(metrics).where(metrics.c.id == metric_id).values(name=spec.name))
                known[spec.key] = (metric_id, spec.name)
        return {s.key: known[s.key] for s in specs}

    @staticmethod
    def _stored(conn: Connection, tests: set[str]) -> dict[str, tuple[int, str]]:
        """Every stored metric of these tests (by test, not by a list of keys: a large chain has
        more keys than a statement may have parameters)."""
        rows = conn.execute(
            select(metrics.c.id, metrics.c.key, metrics.c.name).where(metrics.c.test.in_(sorted(tests)))
        ).all()
        return {row.key: (row.id, row.name) for row in rows}

    def remember(self, entries: dict[str, tuple[int, str]]) -> None:
        with self._lock:
            self._known.update(entries)


def write_run(
    conn: Connection,
    *,
    test: str,
    at: dt.datetime,
    started_at: dt.datetime,
    duration_seconds: float,
    ok: bool,
    error: str | None,
    values: Iterable[ValueRow],
) -> None:
    """The history of one run. Evaluating an interval again replaces its earlier result."""
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
    rows = [
        {
            "metric_id": v.metric_id,
            "at": at,
            "value": v.value,
            "level": None if v.level is None else v.level.value,
            "thresholds": thresholds_json(v.thresholds),
            "low": v.low,
            "high": v.high,
            "votes": v.votes,
        }
        for v in values
    ]
    if rows:
        conn.execute(metric_values.insert(), rows)
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
