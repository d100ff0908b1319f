"""Which evaluations a rule looks at: pure functions, no I/O.

A rule matches a metric by an fnmatch glob on its full name (plus optional test and point globs).
An evaluation of a matching metric is *counted* unless the point is closed (its opening hours) or
a maintenance silence covers it; quiet hours do not stop counting, they only hold the messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from probe.assess import ThresholdTable
from probe.evidence import evidence_level
from probe.levels import Level
from probe.metric_names import matches

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """An hours range that is not "HH:MM-HH:MM"."""


@dataclass(frozen=True, slots=True)
class HoursRange:
    """Local hours [start, end); end <= start means the range runs over midnight."""

    start: dt.time
    end: dt.time

    def contains(self, local: dt.time) -> bool:
        if self.start == self.end:
            return True  # "00:00-00:00": all day
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, local: dt.datetime) -> dt.datetime:
        """The first moment at or after `local` (aware) that is outside the range."""
        candidate = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate += dt.timedelta(days=1)
        return candidate


def parse_hours(text: str) -> HoursRange:
    match = _HOURS.match(text)
    if not match:
        raise HoursError(f"hours {text!r} must look like 08:00-22:00 (local time)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2 == 0:
        h2 = 0
    if not (0 <= h1 < 24 and 0 <= h2 < 24 and 0 <= m1 < 60 and 0 <= m2 < 60):
        raise HoursError(f"hours {text!r}: hours are 00..23 (or 24:00 as an end), minutes 00..59")
    return HoursRange(dt.time(h1, m1), dt.time(h2, m2))


def is_open(opening_hours: str, local: dt.datetime) -> bool:
    """Is a point with these opening hours ("" = always) open at this local time?

    An evaluation is stamped with the end of its interval, so the instant just before it is the
    one that must fall inside the opening hours (08:00-22:00 counts 21:50-22:00, not 08:00)."""
    if not opening_hours.strip():
        return True
    instant = (local - dt.timedelta(microseconds=1)).time()
    return any(parse_hours(part).contains(instant) for part in opening_hours.split(","))


def metric_matches(
    name: str, test: str, point: str | None, *, metrics: str, test_glob: str | None, point_glob: str | None
) -> bool:
    """Globs are case-sensitive (metric names are exact Cyrillic strings); a glob naming a metric
    by an older spelling (`*. Database availability (%)`) matches today's name."""
    if not matches(name, metrics):
        return False
    if test_glob is not None and not fnmatchcase(test, test_glob):
        return False
    return not (point_glob is not None and (point is None or not fnmatchcase(point, point_glob)))


@dataclass(frozen=True, slots=True)
class Silence:
    """A maintenance window: evaluations it covers are not counted and nothing is sent."""

    id: int
    starts_at: dt.datetime  # aware
    ends_at: dt.datetime  # aware
    rule: str | None = None  # None: every rule
    metrics: str | None = None  # glob on metric names; None: every metric
    point: str | None = None  # glob on point names; None: every point
    reason: str = ""

    def covers(self, rule: str, name: str, point: str | None, at_utc: dt.datetime) -> bool:
        if not (self.starts_at <= at_utc < self.ends_at):
            return False
        if self.rule is not None and self.rule != rule:
            return False
        if self.metrics is not None and not matches(name, self.metrics):
            return False
        return not (self.point is not None and (point is None or not fnmatchcase(point, self.point)))


def parse_duration(text: str) -> dt.timedelta:
    """ "90m", "2h", "1d", "1h30m" -> timedelta."""
    parts = re.findall(r"(\d+)\s*([smhd])", text.strip().lower())
    if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", text.strip().lower()):
        raise ValueError(f"duration {text!r} must look like 90m, 2h, 1d or 1h30m")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return dt.timedelta(seconds=sum(int(n) * seconds[u] for n, u in parts))


def too_few_votes(min_votes: int | None, votes: int | None) -> bool:
    """A rule's `min_votes`: an evaluation of a percentage with fewer votes behind it is not
    counted at all (like one of a closed point). Values without a count are always counted."""
    return min_votes is not None and votes is not None and votes < min_votes


def counted_level(
    by_evidence: bool,
    level: Level | None,
    value: float | None,
    thresholds: ThresholdTable | None,
    low: float | None,
    high: float | None,
) -> Level | None:
    """The level a rule counts: the assessment, or with `evidence = true` the level the value's
    95 % interval proves under the same thresholds (never worse than the assessment)."""
    if not by_evidence or level is None or thresholds is None or low is None or high is None:
        return level
    supported = evidence_level(thresholds, value, low, high)
    return supported if supported.severity < level.severity else level
