"""What the agent allows one source address, and how it reports what it drops.

`SourceRateLimiter`: token buckets per source address for responses and for response bytes
per second (a reflection attack with a forged source address gets at most that much sent to its
victim; a source whose bucket is empty is not even parsed). The table of sources is bounded.

`JunkLog`: datagrams dropped unanswered (malformed, wrong community, unauthenticated SNMPv3
junk, rate-limited) are counted by reason and logged as one summary line at most once per
period, never with a traceback, so a flood cannot fill the log.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

MAX_SOURCES = 10_000


class SourceRateLimiter:
    def __init__(
        self,
        responses_per_second: float,
        bytes_per_second: float,
        *,
        max_sources: int = MAX_SOURCES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """0 switches a limit off. A source may burst one second's worth."""
        self.responses_per_second = responses_per_second
        self.bytes_per_second = bytes_per_second
        self.max_sources = max_sources
        self._clock = clock
        # source -> [response tokens, byte tokens, time of the last refill]
        self._buckets: dict[str, list[float]] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.responses_per_second or self.bytes_per_second)

    def _bucket(self, source: str) -> list[float]:
        now = self._clock()
        bucket = self._buckets.get(source)
        if bucket is None:
            if len(self._buckets) >= self.max_sources:
                del self._buckets[next(iter(self._buckets))]  # the longest-known source
            bucket = self._buckets[source] = [self.responses_per_second, self.bytes_per_second, now]
            return bucket
        elapsed = now - bucket[2]
        if elapsed > 0:
            bucket[0] = min(self.responses_per_second, bucket[0] + elapsed * self.responses_per_second)
            bucket[1] = min(self.bytes_per_second, bucket[1] + elapsed * self.bytes_per_second)
            bucket[2] = now
        return bucket

    def admits(self, source: str) -> bool:
        """Whether a request from `source` may be processed at all (its buckets are not empty)."""
        if not self.enabled:
            return True
        bucket = self._bucket(source)
        return (not self.responses_per_second or bucket[0] >= 1) and (
            not self.bytes_per_second or bucket[1] > 0
        )

    def spend(self, source: str, size: int) -> bool:
        """Take one response of `size` bytes from the buckets; False: do not send it."""
        if not self.enabled:
            return True
        bucket = self._bucket(source)
        if (self.responses_per_second and bucket[0] < 1) or (self.bytes_per_second and bucket[1] < size):
            return False
        bucket[0] -= 1
        bucket[1] -= size
        return True


class JunkLog:
    def __init__(
        self,
        logger: logging.Logger,
        period_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
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
        """Log what is pending now (also called when the agent stops)."""
        if not self._pending:
            return
        count = sum(self._pending.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in self._pending.most_common())
        since = "" if self._logged_at is None else f" in the last {self.period_seconds:g} s"
        self._log.warning(
            "SNMP: %d datagram(s) dropped unanswered%s (%s; last from %s); at most one such line per %g s",
            count,
            since,
            reasons,
            self._last_source,
            self.period_seconds,
        )
        self._pending.clear()
        self._logged_at = self._clock() if now is None else now
