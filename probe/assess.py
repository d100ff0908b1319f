"""Threshold tables and assessment (SPEC §4): pure functions, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from probe.levels import Level

Direction = Literal["higher_worse", "higher_better", "equal"]
_ORDER = (Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)


class ThresholdError(ValueError):
    """A threshold table that cannot be used (boundaries out of order, wrong count)."""


@dataclass(frozen=True, slots=True)
class ThresholdTable:
    """Four boundaries t1..t4 for `higher_worse` (v < t1 good ... v >= t4 bad), their mirror for
    `higher_better` (v > t1 good ... v <= t4 bad), or `equal`: good only when v == t1, else bad."""

    direction: Direction
    bounds: tuple[float, float, float, float] | tuple[float]

    def __post_init__(self) -> None:
        if self.direction == "equal":
            if len(self.bounds) != 1:
                raise ThresholdError("an 'equal' table has exactly one value")
            return
        if len(self.bounds) != 4:
            raise ThresholdError(f"a threshold table needs four boundaries t1..t4, got {len(self.bounds)}")
        b = self.bounds
        if any(math.isnan(x) for x in b):
            raise ThresholdError("boundaries must be numbers")
        ascending = all(b[i] < b[i + 1] for i in range(3))
        descending = all(b[i] > b[i + 1] for i in range(3))
        if self.direction == "higher_worse" and not ascending:
            raise ThresholdError(f"'higher is worse' boundaries must rise: t1 < t2 < t3 < t4, got {list(b)}")
        if self.direction == "higher_better" and not descending:
            raise ThresholdError(f"'higher is better' boundaries must fall: t1 > t2 > t3 > t4, got {list(b)}")

    @classmethod
    def higher_worse(cls, t1: float, t2: float, t3: float, t4: float) -> ThresholdTable:
        return cls("higher_worse", (float(t1), float(t2), float(t3), float(t4)))

    @classmethod
    def higher_better(cls, t1: float, t2: float, t3: float, t4: float) -> ThresholdTable:
        return cls("higher_better", (float(t1), float(t2), float(t3), float(t4)))

    @classmethod
    def equal_to(cls, expected: float) -> ThresholdTable:
        return cls("equal", (float(expected),))

    @classmethod
    def from_typical(
        cls,
        typical: float,
        coefficients: tuple[float, float, float] = (2.0, 3.0, 4.0),
        *,
        higher_better: bool = False,
    ) -> ThresholdTable:
        """Working thresholds from a typical value: t1 = typical, t2..t4 = t1 × coefficients
        (for higher-is-better metrics t2..t4 = t1 / coefficients)."""
        if higher_better:
            return cls.higher_better(typical, *(typical / c for c in coefficients))
        return cls.higher_worse(typical, *(typical * c for c in coefficients))

    def assess(self, value: float | None) -> Level:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return Level.UNKNOWN
        if self.direction == "equal":
            return Level.GOOD if value == self.bounds[0] else Level.BAD
        for index, bound in enumerate(self.bounds):
            below = value < bound if self.direction == "higher_worse" else value > bound
            if below:
                return _ORDER[index]
        return Level.BAD

    def describe(self) -> str:
        """A compact, parseable form stored with each history value: `hw:20,40,60,80`."""
        prefix = {"higher_worse": "hw", "higher_better": "hb", "equal": "eq"}[self.direction]
        return prefix + ":" + ",".join(f"{b:g}" for b in self.bounds)

    @classmethod
    def parse(cls, text: str) -> ThresholdTable:
        prefix, _, numbers = text.partition(":")
        direction = {"hw": "higher_worse", "hb": "higher_better", "eq": "equal"}.get(prefix)
        if direction is None:
            raise ThresholdError(f"unknown threshold table {text!r}")
        values = tuple(float(x) for x in numbers.split(","))
        return cls(direction, values)  # type: ignore[arg-type]

    def rows(self) -> list[tuple[Level, str]]:
        """The table as the console and mails show it: one range per level."""
        if self.direction == "equal":
            v = f"{self.bounds[0]:g}"
            return [(Level.GOOD, f"= {v}"), (Level.BAD, f"≠ {v}")]
        b = [f"{x:g}" for x in self.bounds]
        if self.direction == "higher_worse":
            return [
                (Level.GOOD, f"< {b[0]}"),
                (Level.ACCEPTABLE, f"{b[0]} – {b[1]}"),
                (Level.ATTENTION, f"{b[1]} – {b[2]}"),
                (Level.EDGE, f"{b[2]} – {b[3]}"),
                (Level.BAD, f"≥ {b[3]}"),
            ]
        return [
            (Level.GOOD, f"> {b[0]}"),
            (Level.ACCEPTABLE, f"{b[1]} – {b[0]}"),
            (Level.ATTENTION, f"{b[2]} – {b[1]}"),
            (Level.EDGE, f"{b[3]} – {b[2]}"),
            (Level.BAD, f"≤ {b[3]}"),
        ]
