"""How sure a percentage is: the Wilson score interval of a proportion, and the level its evidence
supports. Pure functions, no I/O (issue 21; docs/loyalty-mon.md explains it for people).

A percentage such as `% негативных ответов` is `part / whole × 100` of a few counted presses. With
few votes it says little: one negative press out of one vote is 100 %, but the chain's usual 15 %
would give that result one time in seven. The Wilson score interval (Wilson 1927; the method
Newcombe 1998 and Agresti & Coull 1998 recommend for small counts) gives the range of true rates
that the counts are consistent with at 95 % confidence (z = 1.96):

    p = part / whole,  centre = (p + z²/2n) / (1 + z²/n),
    half width = z / (1 + z²/n) × √(p(1 − p)/n + z²/4n²),      n = whole

It never leaves 0..100 %, is 0 at its low end when part = 0 and 100 % at its high end when
part = whole, and narrows as votes accumulate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from probe.assess import ThresholdTable
from probe.levels import Level

Z_95 = 1.96  # the two-sided 95 % point of the normal distribution, as the product states it


def wilson_bounds(part: int, whole: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of `part` out of `whole`, in percent (low, high); None when
    `whole` is 0 (no evidence, like the percentage itself)."""
    if whole <= 0:
        return None
    if not 0 <= part <= whole:
        raise ValueError(f"a proportion needs 0 <= part <= whole, got {part} of {whole}")
    n = float(whole)
    p = part / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    # The ends are exact at part = 0 and part = whole; rounding would leave 1e-17 outside.
    low = 0.0 if part == 0 else max(0.0, centre - half)
    high = 1.0 if part == whole else min(1.0, centre + half)
    return low * 100.0, high * 100.0


def wilson_bounds_array(
    part: ArrayLike, whole: ArrayLike, z: float = Z_95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """`wilson_bounds` of many proportions at once (issue 15: a run's thousands of percentages):
    the low and high ends in percent, NaN where `whole` is 0. Every operation is the one
    `wilson_bounds` does, in the same order on the same IEEE doubles, so each end is bit for bit
    the scalar one (tested exhaustively for small counts)."""
    parts = np.asarray(part, dtype=np.int64)
    wholes = np.asarray(whole, dtype=np.int64)
    present = wholes > 0
    wrong = present & ((parts < 0) | (parts > wholes))
    if wrong.any():
        at = int(np.flatnonzero(wrong)[0])
        raise ValueError(
            f"a proportion needs 0 <= part <= whole, got {int(parts.flat[at])} of {int(wholes.flat[at])}"
        )
    # Where there is no whole the arithmetic runs on 0 of 1 (no division by zero); NaN replaces it.
    n = np.where(present, wholes, 1).astype(np.float64)
    p = np.where(present, parts, 0) / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = np.where(parts == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(parts == wholes, 1.0, np.minimum(1.0, centre + half))
    return (
        np.where(present, low * 100.0, np.nan),
        np.where(present, high * 100.0, np.nan),
    )


@dataclass(frozen=True, slots=True)
class Share:
    """A percentage with its evidence: `part` out of `whole`, the value and its 95 % interval."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return None if self.whole == 0 else self.part * 100.0 / self.whole

    @property
    def bounds(self) -> tuple[float, float] | None:
        return wilson_bounds(self.part, self.whole)


def evidence_bound(table: ThresholdTable | None, low: float | None, high: float | None) -> float | None:
    """The end of the interval that decides the level "by evidence": the low end for a metric whose
    higher values are worse (it is at least this bad), the high end when higher is better (it is
    at most this good). None for tables of one exact value and when there is no interval."""
    if table is None or table.direction == "equal":
        return None
    return low if table.direction == "higher_worse" else high


def evidence_level(
    table: ThresholdTable, value: float | None, low: float | None, high: float | None
) -> Level:
    """The level the evidence supports: the level of `evidence_bound`, so a level is never worse
    than the counts support. Metrics without an interval (counts, minutes, `equal` tables) keep the
    level of their value."""
    bound = evidence_bound(table, low, high)
    if value is None:
        return Level.UNKNOWN
    if bound is None:
        return table.assess(value)
    return table.assess(bound)


def interval_text(low: float | None, high: float | None, decimal_comma: bool = False) -> str:
    """`18–52 %` (one decimal when under 10), or "" without an interval."""
    if low is None or high is None:
        return ""

    def number(x: float) -> str:
        text = f"{x:.1f}" if x < 10 and round(x, 1) != round(x) else f"{x:.0f}"
        return text.replace(".", ",") if decimal_comma else text

    return f"{number(low)}–{number(high)} %"
