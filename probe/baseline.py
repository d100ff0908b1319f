"""Typical values and threshold advice (SPEC §4): pure functions, no I/O.

The typical value of a metric at a point is a percentile (the median by default) of the values its
past intervals had; the proposed working thresholds are t1 = typical and t2..t4 = t1 × coefficients
(default 2, 3, 4), mirrored (t1 / coefficients) for metrics whose higher values are better. With
hour-of-week baselines, the same is done separately for each of the 168 hours of the week, so a rush
hour gets thresholds of its own instead of being compared with a quiet night.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from probe.assess import Direction, ThresholdError, ThresholdTable

HOURS_PER_WEEK = 168
DEFAULT_COEFFICIENTS = (2.0, 3.0, 4.0)


class BaselineError(ValueError):
    """Options that cannot give thresholds (a percentile out of range, falling coefficients)."""


@dataclass(frozen=True)
class BaselineOptions:
    percentile: float = 50.0
    coefficients: tuple[float, float, float] = DEFAULT_COEFFICIENTS
    # A typical value of 0 cannot be multiplied into four rising boundaries; t1 is at least this.
    floor: float = 1.0
    hour_of_week: bool = False
    # Fewer values than this give no proposal (a median of two intervals is not "typical").
    min_samples: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.percentile <= 100.0:
            raise BaselineError(f"percentile must be between 0 and 100, got {self.percentile}")
        a, b, c = self.coefficients
        if not 1.0 < a < b < c:
            raise BaselineError(f"coefficients must rise and be above 1 (e.g. 2,3,4), got {a:g},{b:g},{c:g}")
        if self.floor <= 0:
            raise BaselineError(f"floor must be positive, got {self.floor}")
        if self.min_samples < 1:
            raise BaselineError(f"min_samples must be at least 1, got {self.min_samples}")


@dataclass(frozen=True)
class MetricHistory:
    """The stored history of one assessed metric, as the baseline needs it."""

    metric_id: int
    key: str
    name: str
    test: str
    point: str | None
    direction: Direction
    current: ThresholdTable | None
    # (interval end as aware UTC, value); intervals without a value are left out by the loader.
    samples: Sequence[tuple[dt.datetime, float]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Proposal:
    metric_id: int
    key: str
    name: str
    test: str
    point: str | None
    direction: Direction
    typical: float
    thresholds: ThresholdTable
    samples: int
    current: ThresholdTable | None
    hour_of_week: int | None = None  # 0 = Monday 00:00-01:00 local … 167 = Sunday 23:00-24:00

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.metric_id,
            "key": self.key,
            "name": self.name,
            "test": self.test,
            "point": self.point,
            "direction": self.direction,
            "hour_of_week": self.hour_of_week,
            "typical": round(self.typical, 6),
            "thresholds": [round(b, 6) for b in self.thresholds.bounds],
            "current": None if self.current is None else list(self.current.bounds),
            "samples": self.samples,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation between closest ranks (NumPy's default), so
    q = 50 is the usual median: the middle value, or the mean of the two middle values."""
    if not values:
        raise BaselineError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def hour_of_week(interval_end: dt.datetime, tz: ZoneInfo) -> int:
    """The local hour of the week an interval belongs to: the hour holding its last instant (an
    interval ending at 11:00 belongs to 10:00-11:00)."""
    local = (interval_end - dt.timedelta(microseconds=1)).astimezone(tz)
    return local.weekday() * 24 + local.hour


def thresholds_from_typical(typical: float, direction: Direction, options: BaselineOptions) -> ThresholdTable:
    t1 = max(typical, options.floor)
    return ThresholdTable.from_typical(t1, options.coefficients, higher_better=direction == "higher_better")


def propose(history: MetricHistory, options: BaselineOptions, tz: ZoneInfo) -> list[Proposal]:
    """Proposals for one metric: one for all its history, or one per hour of the week that has at
    least `min_samples` values. Metrics assessed by equality get none (their expected value is a
    fact, not a statistic)."""
    if history.direction == "equal":
        return []
    groups: dict[int | None, list[float]] = {}
    for at, value in history.samples:
        if value is None or math.isnan(value):
            continue
        bucket = hour_of_week(at, tz) if options.hour_of_week else None
        groups.setdefault(bucket, []).append(value)
    proposals = []
    for bucket in sorted(groups, key=lambda b: -1 if b is None else b):
        values = groups[bucket]
        if len(values) < options.min_samples:
            continue
        typical = percentile(values, options.percentile)
        try:
            table = thresholds_from_typical(typical, history.direction, options)
        except ThresholdError:  # pragma: no cover - options are validated; kept as a guard
            continue
        proposals.append(
            Proposal(
                metric_id=history.metric_id,
                key=history.key,
                name=history.name,
                test=history.test,
                point=history.point,
                direction=history.direction,
                typical=typical,
                thresholds=table,
                samples=len(values),
                current=history.current,
                hour_of_week=bucket,
            )
        )
    return proposals


def propose_all(histories: Iterable[MetricHistory], options: BaselineOptions, tz: ZoneInfo) -> list[Proposal]:
    result: list[Proposal] = []
    for history in histories:
        result.extend(propose(history, options, tz))
    return result


def histogram(values: Sequence[float], bins: int = 30) -> tuple[list[float], list[int]]:
    """Equal-width bins over the values' range: (bin edges, counts) for the console's dialog."""
    if not values:
        return [0.0, 1.0], [0]
    low, high = min(values), max(values)
    if high == low:
        high = low + 1.0
    width = (high - low) / bins
    edges = [low + i * width for i in range(bins + 1)]
    counts = [0] * bins
    for value in values:
        index = min(int((value - low) / width), bins - 1)
        counts[index] += 1
    return edges, counts
