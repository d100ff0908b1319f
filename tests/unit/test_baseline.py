"""Typical values and proposed thresholds: the pure computation on constructed histories."""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.assess import ThresholdTable
from probe.baseline import (
    BaselineError,
    BaselineOptions,
    MetricHistory,
    hour_of_week,
    percentile,
    propose,
)
from probe.levels import Level

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def history(
    values: list[float], direction: str = "higher_worse", start: dt.datetime | None = None
) -> MetricHistory:
    start = start or dt.datetime(2026, 11, 2, 7, 10, tzinfo=UTC)
    current = (
        ThresholdTable.higher_better(90, 80, 70, 60)
        if direction == "higher_better"
        else ThresholdTable.equal_to(1)
        if direction == "equal"
        else ThresholdTable.higher_worse(20, 40, 60, 80)
    )
    return MetricHistory(
        metric_id=7,
        key="loyalty_mon.sokok.kaluzhskaya.neg.interval",
        name="LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин",
        test="LOYALTY_MON",
        point="Калужская",
        direction=current.direction,
        current=current,
        samples=tuple((start + dt.timedelta(minutes=10 * i), v) for i, v in enumerate(values)),
    )


def test_median_of_odd_and_even_counts() -> None:
    assert percentile([5, 1, 3], 50) == 3
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([7.0], 50) == 7.0


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 10
    assert percentile(values, 90) == pytest.approx(9.1)
    assert percentile(values, 25) == pytest.approx(3.25)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=60))
def test_median_matches_the_standard_library(values: list[float]) -> None:
    assert percentile(values, 50) == pytest.approx(statistics.median(values), rel=1e-9, abs=1e-9)


def test_higher_is_worse_proposal_is_typical_times_coefficients() -> None:
    (proposal,) = propose(history([12, 8, 10, 30, 9]), BaselineOptions(), MSK)
    assert proposal.typical == 10
    assert proposal.thresholds == ThresholdTable.higher_worse(10, 20, 30, 40)
    assert proposal.samples == 5
    # The proposal assesses the typical interval as acceptable, a doubled one as attention.
    assert proposal.thresholds.assess(9) is Level.GOOD
    assert proposal.thresholds.assess(25) is Level.ATTENTION


def test_higher_is_better_proposal_is_the_mirror() -> None:
    (proposal,) = propose(history([88, 92, 90], "higher_better"), BaselineOptions(), MSK)
    assert proposal.typical == 90
    assert proposal.direction == "higher_better"
    assert proposal.thresholds.bounds == pytest.approx((90, 45, 30, 22.5))
    assert proposal.thresholds.assess(95) is Level.GOOD
    assert proposal.thresholds.assess(20) is Level.BAD


def test_configurable_percentile_and_coefficients() -> None:
    values = [float(v) for v in range(1, 11)]
    options = BaselineOptions(percentile=90, coefficients=(1.5, 2, 3))
    (proposal,) = propose(history(values), options, MSK)
    assert proposal.typical == pytest.approx(9.1)
    assert proposal.thresholds.bounds == pytest.approx((9.1, 13.65, 18.2, 27.3))


def test_a_typical_zero_is_lifted_to_the_floor() -> None:
    (proposal,) = propose(history([0, 0, 0, 5]), BaselineOptions(floor=2), MSK)
    assert proposal.typical == 0
    assert proposal.thresholds.bounds == (2, 4, 6, 8)


def test_too_few_samples_and_equality_metrics_give_nothing() -> None:
    assert propose(history([10, 12]), BaselineOptions(min_samples=3), MSK) == []
    assert propose(history([1, 1, 1, 1], "equal"), BaselineOptions(), MSK) == []


def test_bad_options_are_refused_with_the_reason() -> None:
    with pytest.raises(BaselineError, match="percentile"):
        BaselineOptions(percentile=120)
    with pytest.raises(BaselineError, match="coefficients must rise"):
        BaselineOptions(coefficients=(3, 2, 4))
    with pytest.raises(BaselineError, match="coefficients must rise"):
        BaselineOptions(coefficients=(1, 2, 4))


def test_hour_of_week_is_local_and_belongs_to_the_hour_holding_the_interval() -> None:
    # Monday 2026-11-02 11:00 MSK = 08:00 UTC: the interval 10:50-11:00 is hour 10 of Monday.
    assert hour_of_week(dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC), MSK) == 10
    assert hour_of_week(dt.datetime(2026, 11, 2, 8, 10, tzinfo=UTC), MSK) == 11
    # Sunday 23:50-24:00 local is the last hour of the week.
    assert hour_of_week(dt.datetime(2026, 11, 1, 21, 0, tzinfo=UTC), MSK) == 167
    # Across a DST change the local hour is used: Sunday 2026-10-25 in Berlin, 12:00 CET = 11:00 UTC.
    assert hour_of_week(dt.datetime(2026, 10, 25, 11, 30, tzinfo=UTC), BERLIN) == 6 * 24 + 12
    assert hour_of_week(dt.datetime(2026, 10, 24, 10, 30, tzinfo=UTC), BERLIN) == 5 * 24 + 12


def test_hour_of_week_gives_rush_hours_their_own_thresholds() -> None:
    # Four Mondays: 12:00-13:00 local is a rush hour (values around 40), 15:00-16:00 quiet (around 5).
    samples: list[tuple[dt.datetime, float]] = []
    for week in range(4):
        monday = dt.datetime(2026, 10, 5, tzinfo=MSK) + dt.timedelta(weeks=week)
        for minute in (10, 20, 30, 40, 50, 60):
            samples.append(((monday + dt.timedelta(hours=12, minutes=minute)).astimezone(UTC), 40.0 + week))
            samples.append(((monday + dt.timedelta(hours=15, minutes=minute)).astimezone(UTC), 5.0 + week))
    base = history([])
    metric = MetricHistory(
        base.metric_id,
        base.key,
        base.name,
        base.test,
        base.point,
        base.direction,
        base.current,
        tuple(samples),
    )
    by_hour = {p.hour_of_week: p for p in propose(metric, BaselineOptions(hour_of_week=True), MSK)}
    assert set(by_hour) == {12, 15}
    assert by_hour[12].typical == 41.5 and by_hour[12].samples == 24
    assert by_hour[15].typical == 6.5
    assert by_hour[12].thresholds.bounds == (41.5, 83.0, 124.5, 166.0)
    # Without hour-of-week the whole history gives one typical value between the two.
    (overall,) = propose(metric, BaselineOptions(), MSK)
    assert overall.hour_of_week is None and 6.5 < overall.typical < 41.5
