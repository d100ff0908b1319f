"""Assessment (SPEC §4): the three kinds of table at their boundaries, and which table assesses a
metric — test default < `[tests.NAME] thresholds` < rows of `threshold_overrides`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from probe.assess import ThresholdError, ThresholdTable
from probe.engine import Evaluator
from probe.engine.thresholds import table_from_list
from probe.levels import Level
from probe.store.schema import points, threshold_overrides
from tests.engine.conftest import COUNTING_TEST, add_presses

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 20, tzinfo=MSK)  # a Tuesday: hour of week 24 + 12 = 36
NAME = "COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин"
OTHER = "COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Интервал 10 мин"


@pytest.mark.parametrize(
    ("value", "level"),
    [(19.99, "good"), (20, "acceptable"), (39.9, "acceptable"), (40, "attention"), (60, "edge"), (79.9, "edge"),
     (80, "bad"), (500, "bad"), (None, "unknown")],
)  # fmt: skip
def test_four_boundary_table(value: float | None, level: str) -> None:
    assert ThresholdTable.higher_worse(20, 40, 60, 80).assess(value) is Level(level)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (95, "good"),
        (90, "acceptable"),
        (80.5, "acceptable"),
        (80, "attention"),
        (70, "edge"),
        (60, "bad"),
        (0, "bad"),
    ],
)
def test_higher_is_better_table(value: float, level: str) -> None:
    assert ThresholdTable.higher_better(90, 80, 70, 60).assess(value) is Level(level)


def test_equal_table_and_config_lists() -> None:
    assert ThresholdTable.equal_to(100).assess(100) is Level.GOOD
    assert ThresholdTable.equal_to(100).assess(99.9) is Level.BAD
    assert table_from_list([1], "x") == ThresholdTable.equal_to(1)
    assert table_from_list([90, 80, 70, 60], "x").direction == "higher_better"
    assert table_from_list([1, 2, 3, 4], "x").direction == "higher_worse"
    with pytest.raises(ThresholdError, match=r"where: 'higher is worse' boundaries must rise"):
        table_from_list([1, 3, 2, 4], "where")
    with pytest.raises(ThresholdError, match="four boundaries"):
        table_from_list([1, 2], "where")


def levels(
    evaluator: Evaluator, end: dt.datetime = END
) -> dict[str, tuple[Level | None, ThresholdTable | None]]:
    return {m.name: (m.level, m.thresholds) for m in evaluator.evaluate("COUNTING", end).metrics}


def add_override(engine: Engine, pattern: str, bounds: tuple[float, ...], point: str | None = None,
                 hour: int | None = None, direction: str = "higher_worse") -> None:  # fmt: skip
    with engine.begin() as conn:
        point_id = (
            None
            if point is None
            else conn.execute(select(points.c.id).where(points.c.name == point)).scalar()
        )
        conn.execute(
            threshold_overrides.insert().values(
                test="COUNTING", point_id=point_id, metric_pattern=pattern, hour_of_week=hour, direction=direction,
                t1=bounds[0], t2=bounds[1], t3=bounds[2], t4=bounds[3], source="test",
                created_at=dt.datetime(2026, 1, 1),
            )
        )  # fmt: skip


def test_precedence_default_config_overrides(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    add_presses(
        engine, "P1", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)]
    )  # 3 in the interval
    add_presses(engine, "P2", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])
    default = levels(make_evaluator())
    assert default[NAME] == (Level.EDGE, ThresholdTable.higher_worse(1, 2, 3, 4))
    # Per-point override in the config, by the name after the point; other points keep the default.
    config = {"COUNTING": {"thresholds": {"Калужская": {"Негативные ответы. Интервал 10 мин": [5, 6, 7, 8]}}}}
    configured = levels(make_evaluator(config=config))
    assert configured[NAME] == (Level.GOOD, ThresholdTable.higher_worse(5, 6, 7, 8))
    assert configured[OTHER][0] is Level.EDGE
    # "*" for every point, the point's own entry still wins; a short name covers both periods.
    config = {"COUNTING": {"thresholds": {"*": {"Негативные ответы": [3.5, 10, 20, 30]},
                                          "Калужская": {NAME: [5, 6, 7, 8]}}}}  # fmt: skip
    configured = levels(make_evaluator(config=config))
    assert configured[NAME][0] is Level.GOOD and configured[OTHER][0] is Level.GOOD
    day = "COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Текущие сутки"
    assert configured[day][1] == ThresholdTable.higher_worse(3.5, 10, 20, 30)
    # A threshold_overrides row for the point wins over the config.
    add_override(engine, NAME, (2, 2.5, 2.8, 2.9), point="Калужская")
    overridden = levels(make_evaluator(config=config))
    assert overridden[NAME] == (Level.BAD, ThresholdTable.higher_worse(2, 2.5, 2.8, 2.9))
    assert overridden[OTHER][0] is Level.GOOD  # config "*" still applies elsewhere
    # A glob row for any point applies to the other point; the exact row still wins at Калужская.
    add_override(engine, "COUNTING. СОКОК. * Интервал 10 мин", (0.5, 1, 1.5, 2))
    overridden = levels(make_evaluator(config=config))
    assert overridden[OTHER][1] == ThresholdTable.higher_worse(0.5, 1, 1.5, 2)
    assert overridden[NAME][1] == ThresholdTable.higher_worse(2, 2.5, 2.8, 2.9)


def test_hour_of_week_rows(engine: Engine, make_evaluator: Callable[..., Evaluator]) -> None:
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=1)])
    add_override(engine, NAME, (10, 20, 30, 40), point="Калужская")
    add_override(engine, NAME, (0.2, 0.4, 0.6, 0.8), point="Калужская", hour=36)
    add_override(engine, NAME, (0.1, 0.2, 0.3, 0.4), point="Калужская", hour=37)
    # Without hour-of-week thresholds enabled the all-week row applies.
    assert levels(make_evaluator())[NAME] == (Level.GOOD, ThresholdTable.higher_worse(10, 20, 30, 40))
    hourly = make_evaluator(config={"COUNTING": {"hour_of_week_thresholds": True}})
    assert levels(hourly)[NAME] == (Level.BAD, ThresholdTable.higher_worse(0.2, 0.4, 0.6, 0.8))
    # 13:00 ends the 12:50-13:00 interval, still hour 36; 13:10 is hour 37.
    assert levels(hourly, END + dt.timedelta(minutes=40))[NAME][1] == ThresholdTable.higher_worse(
        0.2, 0.4, 0.6, 0.8
    )
    assert levels(hourly, END + dt.timedelta(minutes=50))[NAME][1] == ThresholdTable.higher_worse(
        0.1, 0.2, 0.3, 0.4
    )
    # Monday 00:00-01:00 has no row: back to the all-week one.
    assert levels(hourly, dt.datetime(2026, 3, 9, 0, 30, tzinfo=MSK))[NAME][1] == ThresholdTable.higher_worse(
        10, 20, 30, 40
    )


def test_bad_config_thresholds_fail_that_test_only(make_evaluator: Callable[..., Evaluator]) -> None:
    evaluator = make_evaluator(
        {"counting.py": COUNTING_TEST, "other.py": COUNTING_TEST.replace('"COUNTING"', '"OTHER"')},
        config={"COUNTING": {"thresholds": {"Калужская": {"Негативные ответы": [4, 3, 5, 6]}}}},
    )
    assert evaluator.tests() == ["OTHER"]
    (failure,) = evaluator.report.failed
    assert "[tests.COUNTING] thresholds.Калужская.Негативные ответы" in failure.error
    assert failure.path.name == "counting.py"
