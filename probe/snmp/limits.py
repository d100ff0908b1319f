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
from collections.abc import Callable

from probe.ratelog import LogSummary

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


class JunkLog(LogSummary):
    """Datagrams dropped unanswered, by reason."""

    def __init__(
        self,
        logger: logging.Logger,
        period_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(logger, "SNMP: %d datagram(s) dropped unanswered", period_seconds, clock=clock)
