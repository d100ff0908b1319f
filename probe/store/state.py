"""The engine-owned state store of evaluation tests.

A test that works incrementally (LOYALTY_MON's day totals) keeps what it needs between runs in
`ctx.state`: keyed JSON values, per test. The test only reads and *proposes* changes; the engine
writes them in the same transaction as the run's results, so a run is stored with its state or
not at all (a failed, timed-out or unstorable run leaves the previous state as it was).

Every write compares and bumps the test's version row: when two processes evaluate the same test
at once (the service and a `prolan-probe evaluate`), the one that commits second finds the version
moved and drops its state changes (its results are stored). States are therefore never mixed; a
test must be able to rebuild any state from the aggregator, which is what a missing key means.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from probe.store.db import utcnow
from probe.store.schema import test_state, test_state_versions

log = logging.getLogger(__name__)

KEY_LIMIT = 200
# One statement's worth of keys in a DELETE ... IN (SQL Server allows 2,100 parameters).
_KEY_BATCH = 500


class StateError(ValueError):
    """A key or value the state store cannot keep (the message names the test and the key)."""


class StateStore:
    """`ctx.state`: the keyed state of one test as of the start of its run.

    `get`, `keys` read it (through the test's read-only engine, in one statement, so the values
    and their version are one consistent snapshot); `put`, `delete` record changes that the engine
    writes after the run (`write`)."""

    def __init__(self, test: str, read_engine: Engine) -> None:
        self.test = test
        self._engine = read_engine
        self._version: int | None = None
        self._stored: dict[str, str] | None = None
        self._changes: dict[str, str | None] = {}

    # -- the test's side -------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under `key` (a copy: changing it changes nothing until `put`)."""
        self._check_key(key)
        raw = self._changes[key] if key in self._changes else self._load().get(key)
        return default if raw is None else json.loads(raw)

    def keys(self, prefix: str = "") -> list[str]:
        """The keys there are (with this run's changes), sorted."""
        present = set(self._load()) | {k for k, v in self._changes.items() if v is not None}
        present -= {k for k, v in self._changes.items() if v is None}
        return sorted(k for k in present if k.startswith(prefix))

    def put(self, key: str, value: Any) -> None:
        """Keep `value` (anything JSON can hold: numbers, strings, lists, dicts, None) under `key`
        once the run is stored."""
        self._check_key(key)
        try:
            raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StateError(
                f"{self.test}: state key {key!r}: the value cannot be stored as JSON: {exc}"
            ) from None
        self._changes[key] = raw

    def delete(self, key: str) -> None:
        self._check_key(key)
        self._changes[key] = None

    # -- the engine's side -----------------------------------------------------------------

    @property
    def changed(self) -> bool:
        return bool(self._changes)

    def write(self, conn: Connection) -> bool:
        """Write this run's changes in the caller's (the run's) transaction. False, and nothing
        written, when another process stored a newer state of this test meanwhile."""
        if not self._changes:
            return True
        self._load()
        now = utcnow()
        moved = conn.execute(
            update(test_state_versions)
            .where(
                test_state_versions.c.test == self.test,
                test_state_versions.c.version == self._version,
            )
            .values(version=test_state_versions.c.version + 1, updated_at=now)
        ).rowcount
        if moved != 1:
            log.warning(
                "%s: its state was stored by another process during this run; this run's state is "
                "dropped (the results are stored; the next run starts from the newer state)",
                self.test,
            )
            return False
        keys = sorted(self._changes)
        for batch in _batches(keys, _KEY_BATCH):
            conn.execute(
                delete(test_state).where(and_(test_state.c.test == self.test, test_state.c.key.in_(batch)))
            )
        rows = [
            {"test": self.test, "key": key, "value": raw, "updated_at": now}
            for key, raw in self._changes.items()
            if raw is not None
        ]
        if rows:
            conn.execute(insert(test_state), rows)
        return True

    def ensure_version_row(self, write_engine: Engine) -> None:
        """Create the test's version row once (outside the run, so the run's write is a plain
        compare-and-set UPDATE on every dialect)."""
        with write_engine.connect() as conn:
            exists = conn.execute(
                select(test_state_versions.c.version).where(test_state_versions.c.test == self.test)
            ).first()
        if exists is not None:
            return
        try:
            with write_engine.begin() as conn:
                conn.execute(
                    insert(test_state_versions).values(test=self.test, version=0, updated_at=utcnow())
                )
        except IntegrityError:
            pass  # created by another process meanwhile: the same row

    # -- internals -------------------------------------------------------------------------

    def _load(self) -> dict[str, str]:
        if self._stored is None:
            query = (
                select(test_state_versions.c.version, test_state.c.key, test_state.c.value)
                .select_from(
                    test_state_versions.outerjoin(test_state, test_state.c.test == test_state_versions.c.test)
                )
                .where(test_state_versions.c.test == self.test)
            )
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
            self._version = int(rows[0].version) if rows else 0
            self._stored = {row.key: row.value for row in rows if row.key is not None}
        return self._stored

    def _check_key(self, key: str) -> None:
        if not isinstance(key, str) or not key or len(key) > KEY_LIMIT:
            raise StateError(
                f"{self.test}: a state key must be a non-empty string of at most {KEY_LIMIT} characters, got {key!r}"
            )


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]
