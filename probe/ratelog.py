"""Log lines that a flood cannot multiply: events counted by reason and logged as one summary
line at most once per period (the first at once), never with a traceback.

Used for what hostile or broken peers can cause at any rate: SNMP datagrams dropped unanswered,
ingest connections refused, wrong tokens.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable


class LogSummary:
    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        period_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`what` is the start of the line with one %d for the count, e.g. "ingest: %d connection(s) refused"."""
        self._log = logger
        self._what = what
        self.period_seconds = period_seconds
        self._clock = clock
        self.totals: Counter[str] = Counter()  # since start, by reason
        self._pending: Counter[str] = Counter()  # since the last summary
        self._last_source = ""
        self._logged_at: float | None = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    def note(self, source: str, reason: str) -> None:
        self.totals[reason] += 1
        self._pending[reason] += 1
        self._last_source = source
        now = self._clock()
        if self._logged_at is None or now - self._logged_at >= self.period_seconds:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Log what is pending now (also called when the component stops)."""
        if not self._pending:
            return
        count = sum(self._pending.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in self._pending.most_common())
        since = "" if self._logged_at is None else f" in the last {self.period_seconds:g} s"
        self._log.warning(
            self._what + "%s (%s; last from %s); at most one such line per %g s",
            count,
            since,
            reasons,
            self._last_source,
            self.period_seconds,
        )
        self._pending.clear()
        self._logged_at = self._clock() if now is None else now
