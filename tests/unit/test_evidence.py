"""How sure a percentage is (issue 21): the Wilson score interval by hand-computed cases and by
published values, and the level the evidence supports."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from probe.assess import ThresholdTable
from probe.evidence import (
    Share,
    evidence_bound,
    evidence_level,
    interval_text,
    wilson_bounds,
    wilson_bounds_array,
)
from probe.levels import Level

Z = 1.96


def by_hand(part: int, whole: int) -> tuple[float, float]:
    """The textbook form, written out separately: (2np + z² ± z√(z² + 4np(1−p))) / 2(n + z²)."""
    n, p = whole, part / whole
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    denominator = 2 * (n + Z * Z)
    return (2 * n * p + Z * Z - root) / denominator * 100, (2 * n * p + Z * Z + root) / denominator * 100


def test_one_vote_worked_by_hand() -> None:
    # n = 1, part = 1: z² = 3.8416; (2 + 3.8416 ± 1.96 × 1.96) / (2 × 4.8416) = 2.0 / 9.6832 and 1.
    low, high = wilson_bounds(1, 1)  # type: ignore[misc]
    assert low == pytest.approx(200 / 9.6832, abs=1e-9)  # 20.654 %
    assert high == 100.0
    # n = 1, part = 0: the mirror, 0 to 1 − 0.20654.
    low, high = wilson_bounds(0, 1)  # type: ignore[misc]
    assert (low, high) == (0.0, pytest.approx(100 - 200 / 9.6832, abs=1e-9))  # 0–79.35 %


def test_no_votes_is_no_interval() -> None:
    assert wilson_bounds(0, 0) is None
    assert Share(0, 0).value is None and Share(0, 0).bounds is None


@pytest.mark.parametrize("whole", [1, 2, 3, 5, 10, 37, 200, 10_000])
def test_zero_and_all_votes_reach_the_ends_exactly(whole: int) -> None:
    low, high = wilson_bounds(0, whole)  # type: ignore[misc]
    assert low == 0.0 and 0 < high < 100
    assert high == pytest.approx(by_hand(0, whole)[1])
    # 0 of n: high = z² / (n + z²)
    assert high == pytest.approx(Z * Z / (whole + Z * Z) * 100)
    low, high = wilson_bounds(whole, whole)  # type: ignore[misc]
    assert high == 100.0 and 0 < low < 100
    assert low == pytest.approx(whole / (whole + Z * Z) * 100)


def test_half_of_ten_by_hand() -> None:
    # p = 0.5, n = 10: centre 0.5; half width 1.96 / 1.38416 × √(0.025 + 0.009604) = 0.263412.
    low, high = wilson_bounds(5, 10)  # type: ignore[misc]
    assert low == pytest.approx(23.6588, abs=1e-3) and high == pytest.approx(76.3412, abs=1e-3)


@pytest.mark.parametrize(
    ("part", "whole", "low", "high"),
    [
        # Newcombe R.G., Two-sided confidence intervals for the single proportion, Statistics in
        # Medicine 17 (1998), table II, method 3 (score interval without continuity correction).
        (81, 263, 25.53, 36.62),
        (15, 148, 6.24, 16.05),
        (0, 20, 0.0, 16.11),
        (1, 29, 0.61, 17.18),
    ],
)
def test_published_values(part: int, whole: int, low: float, high: float) -> None:
    got = wilson_bounds(part, whole)
    assert got is not None
    assert got[0] == pytest.approx(low, abs=0.01) and got[1] == pytest.approx(high, abs=0.01)


def test_every_count_up_to_sixty_matches_the_textbook_form_and_holds_its_value() -> None:
    for whole in range(1, 61):
        for part in range(whole + 1):
            low, high = wilson_bounds(part, whole)  # type: ignore[misc]
            hand = by_hand(part, whole)
            assert low == pytest.approx(hand[0], abs=1e-9) and high == pytest.approx(hand[1], abs=1e-9)
            assert 0.0 <= low <= part * 100 / whole <= high <= 100.0
    # More votes, the same share: a narrower interval.
    widths = [(lambda b: b[1] - b[0])(wilson_bounds(n // 4, n)) for n in (4, 40, 400, 4000)]  # type: ignore[index]
    assert widths == sorted(widths, reverse=True)


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="0 <= part <= whole"):
        wilson_bounds(3, 2)
    with pytest.raises(ValueError, match="0 <= part <= whole"):
        wilson_bounds(-1, 2)


NEGATIVE = ThresholdTable.higher_worse(20, 40, 60, 80)
POSITIVE = ThresholdTable.higher_better(80, 60, 40, 20)


def test_the_level_by_evidence_takes_the_end_that_is_least_bad() -> None:
    # One negative press of one vote: 100 % by value (bad), but only "at least 20.65 %" by
    # evidence: acceptable.
    low, high = wilson_bounds(1, 1)  # type: ignore[misc]
    assert NEGATIVE.assess(100.0) is Level.BAD
    assert evidence_bound(NEGATIVE, low, high) == low
    assert evidence_level(NEGATIVE, 100.0, low, high) is Level.ACCEPTABLE
    # 40 of 50 negative: (83.8416 − 1.96 × √35.8416) / 107.6832 = 66.96 %: on the edge by evidence.
    low, high = wilson_bounds(40, 50)  # type: ignore[misc]
    assert low == pytest.approx(66.963, abs=1e-3)
    assert evidence_level(NEGATIVE, 80.0, low, high) is Level.EDGE
    # Higher is better: the high end decides. 0 positive of 2: 0 % (bad) but up to 3.8416 / 5.8416
    # = 65.76 %: acceptable (60 < v <= 80).
    low, high = wilson_bounds(0, 2)  # type: ignore[misc]
    assert evidence_bound(POSITIVE, low, high) == high
    assert high == pytest.approx(65.763, abs=1e-3)
    assert evidence_level(POSITIVE, 0.0, low, high) is Level.ACCEPTABLE
    # No value: unknown; no interval (a count, a minute figure): the value's level.
    assert evidence_level(NEGATIVE, None, None, None) is Level.UNKNOWN
    assert evidence_level(NEGATIVE, 90.0, None, None) is Level.BAD
    assert evidence_level(ThresholdTable.equal_to(1), 0.0, 0.0, 50.0) is Level.BAD
    # Never worse than the value's level, whatever the counts.
    for whole in range(1, 40):
        for part in range(whole + 1):
            low, high = wilson_bounds(part, whole)  # type: ignore[misc]
            value = part * 100 / whole
            assert evidence_level(NEGATIVE, value, low, high).severity <= NEGATIVE.assess(value).severity
            assert evidence_level(POSITIVE, value, low, high).severity <= POSITIVE.assess(value).severity


def test_interval_text() -> None:
    assert interval_text(None, None) == ""
    assert interval_text(20.654, 100.0) == "21–100 %"
    assert interval_text(0.0, 4.66, decimal_comma=True) == "0–4,7 %"


def test_the_table_of_docs_loyalty_mon_is_what_the_code_computes() -> None:
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "loyalty-mon.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) negative of (\d+)(?: votes?)? \| [\d.]+ % \| (\d+)–(\d+) % \|", text, re.M)
    assert len(rows) == 5
    for part, whole, low, high in rows:
        assert interval_text(*wilson_bounds(int(part), int(whole))) == f"{low}–{high} %"  # type: ignore[misc]


def test_the_table_of_docs_thresholds_is_what_the_code_computes() -> None:
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "thresholds.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (\d+) negative of (\d+) \| [\d.]+ % \| (\w+) \| (\d+–\d+ %) \| ([\w ]+) \|$", text, re.M
    )
    assert len(rows) == 4
    names = {level.value: level for level in Level} | {"on the edge": Level.EDGE}
    for part, whole, by_value, bounds, by_evidence in rows:
        low, high = wilson_bounds(int(part), int(whole))  # type: ignore[misc]
        value = int(part) * 100 / int(whole)
        assert interval_text(low, high) == bounds
        assert NEGATIVE.assess(value) is names[by_value]
        assert evidence_level(NEGATIVE, value, low, high) is names[by_evidence]


def _same_bounds(part: int, whole: int, low: float, high: float) -> bool:
    """The array's ends are exactly the scalar function's: equal floats, NaN where it gives None."""
    scalar = wilson_bounds(part, whole)
    if scalar is None:
        return math.isnan(low) and math.isnan(high)
    return scalar == (low, high)


def _differing(parts: NDArray[np.int64], wholes: NDArray[np.int64]) -> list[tuple[int, int]]:
    """The (part, whole) pairs whose array bounds are not the scalar function's."""
    low, high = wilson_bounds_array(parts, wholes)
    return [
        (part, whole)
        for part, whole, lo, hi in zip(
            parts.tolist(), wholes.tolist(), low.tolist(), high.tolist(), strict=True
        )
        if not _same_bounds(part, whole, lo, hi)
    ]


def test_array_bounds_equal_scalar_ones_for_every_small_count() -> None:
    pairs = [(part, whole) for whole in range(301) for part in range(whole + 1)]
    parts, wholes = (np.array(column, dtype=np.int64) for column in zip(*pairs, strict=True))
    wrong = _differing(parts, wholes)
    assert len(pairs) == 45_451 and wrong == []


def test_array_bounds_equal_scalar_ones_for_large_counts() -> None:
    rng = np.random.default_rng(15)
    wholes = rng.integers(301, 10**12, 20_000)
    parts = np.minimum(wholes, (wholes * rng.random(20_000)).astype(np.int64))
    parts[:100], parts[100:200] = 0, wholes[100:200]  # the exact ends
    parts[200:300] = wholes[200:300] - 1
    wrong = _differing(parts, wholes)
    assert wrong == []


def test_array_bounds_refuse_what_the_scalar_refuses() -> None:
    with pytest.raises(ValueError, match="got 3 of 2"):
        wilson_bounds_array([1, 3], [1, 2])
    with pytest.raises(ValueError, match="got -1 of 2"):
        wilson_bounds_array([-1], [2])
    low, high = wilson_bounds_array([5, 0], [0, -3])  # no whole: no interval, whatever the part
    assert np.isnan(low).all() and np.isnan(high).all()
