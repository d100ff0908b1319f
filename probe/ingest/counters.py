"""Per-source, per-minute counters of the ingest service, kept in memory and added to the
`ingest_counts` table every few seconds. While the database is down they accumulate here and are
added when it returns (a `kill -9` loses at most the last few seconds of counts, never a press)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict

from sqlalchemy import Engine, and_, insert, update

from probe.store.schema import ingest_counts

log = logging.getLogger(__name__)

FIELDS = ("received", "refused", "spooled")
Key = tuple[str, dt.datetime]


def minute_of(at: dt.datetime) -> dt.datetime:
    """The start of the minute of an aware time, in UTC."""
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


class IngestCounters:
    """Thread-safe (serial sources count from their own threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: defaultdict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
        # Totals since start, per source: for logs and tests.
        self.totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, source: str, *, received: int = 0, refused: int = 0, spooled: int = 0) -> None:
        if not (received or refused or spooled):
            return
        key = (source, minute_of(dt.datetime.now(dt.UTC)))
        with self._lock:
            for counts in (self._pending[key], self.totals[source]):
                counts[0] += received
                counts[1] += refused
                counts[2] += spooled

    def totals_snapshot(self) -> dict[str, tuple[int, int, int]]:
        """Totals since start per source, (received, refused, spooled): a copy, for other threads."""
        with self._lock:
            return {source: (counts[0], counts[1], counts[2]) for source, counts in self.totals.items()}

    def flush(self, engine: Engine) -> bool:
        """Add the pending counts to the table (one transaction); on failure keep them for later."""
        with self._lock:
            pending, self._pending = self._pending, defaultdict(lambda: [0, 0, 0])
        if not pending:
            return True
        try:
            with engine.begin() as conn:
                for (source, minute), counts in pending.items():
                    deltas = dict(zip(FIELDS, counts, strict=True))
                    where = and_(ingest_counts.c.source == source, ingest_counts.c.minute == minute)
                    result = conn.execute(
                        update(ingest_counts)
                        .where(where)
                        .values({name: ingest_counts.c[name] + value for name, value in deltas.items()})
                    )
                    if result.rowcount == 0:
                        conn.execute(insert(ingest_counts).values(source=source, minute=minute, **deltas))
        except Exception as exc:
            log.debug("ingest counters not stored yet: %s", exc)
            with self._lock:
                for key, counts in pending.items():
                    mine = self._pending[key]
                    for i in range(3):
                        mine[i] += counts[i]
            return False
        return True
