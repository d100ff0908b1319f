"""Baselines end to end: history from the real engine, `baseline --apply`, and the engine using the
override (and the hour-of-week override when enabled) from the next evaluation; removing it brings
the default back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

import probe.engine as engine_module
from probe.config import load_config
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.schema import metric_values, metrics
from probe.store.threshold_tables import THRESHOLDS, with_thresholds
from probe.topology import Pad, Point, Topology, import_topology
from tests.helpers import run_cli

MSK = ZoneInfo("Europe/Moscow")
# A test whose one metric is a parameter, so each evaluation's value is chosen by the test here.
STEADY = """
from probe.api import EvaluationTest, Measurement, Param, ThresholdTable


class Steady(EvaluationTest):
    name = "STEADY"
    description = "A value given by a parameter"
    interval_minutes = 10
    parameters = {"value": Param(10.0, "the value to report")}

    def thresholds(self, m, window):
        return ThresholdTable.higher_worse(20, 40, 60, 80)

    def run(self, ctx):
        return [Measurement("Время ожидания", float(self.params["value"]), point="Калужская",
                            period="interval", methodology="СОКОК", unit="мин")]
"""
NAME = "STEADY. СОКОК. Калужская. Время ожидания. Интервал 10 мин"


def evaluate(config_path: Path, engine: Engine, end: dt.datetime) -> Level | None:
    evaluator = engine_module.Evaluator(load_config(config_path), engine, SnapshotHub())
    evaluation = evaluator.evaluate("STEADY", end)
    (state,) = [m for m in evaluation.metrics if m.name == NAME]
    return state.level


def test_applied_baseline_assesses_the_next_evaluation(
    engine: Engine, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "steady.py").write_text(STEADY, encoding="utf-8")
    import_topology(
        engine,
        Topology(
            {"Калужская": Point("Калужская", "Москва/ЮЗАО")},
            {},
            {"P-1": Pad("P-1", "Калужская", "СОКОК", 30.0, {1: "positive", 3: "negative"})},
        ),
    )

    def config(value: float, hour_of_week: bool = False) -> Path:
        return write_config(
            f'[tests]\ndirs = ["{scripts}"]\n[tests.STEADY]\nparameters = {{ value = {value} }}\n'
            f"hour_of_week_thresholds = {'true' if hour_of_week else 'false'}\n"
        )

    monday = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
    # History: Monday 11:10..12:00 with values 8, 10, 12, 10, 9, 11 -> median 10 (all good by default).
    for i, value in enumerate([8, 10, 12, 10, 9, 11]):
        assert evaluate(config(value), engine, monday - dt.timedelta(minutes=50 - 10 * i)) is Level.GOOD

    # 15 is good under the default table (< 20) ...
    assert evaluate(config(15), engine, monday + dt.timedelta(minutes=10)) is Level.GOOD
    window = ["--from", "2026-11-16T11:00+03:00", "--to", "2026-11-16T12:01+03:00"]
    result = run_cli(
        "baseline", "--test", "STEADY", *window, "--format", "json", "--apply", config=config(15), check=True
    )
    (proposal,) = json.loads(result.stdout)
    assert (
        proposal["name"] == NAME and proposal["typical"] == 10 and proposal["thresholds"] == [10, 20, 30, 40]
    )
    # ... and acceptable (10 <= v < 20) from the next evaluation on, with the override stored with it.
    end = monday + dt.timedelta(minutes=20)
    assert evaluate(config(15), engine, end) is Level.ACCEPTABLE
    with engine.connect() as conn:
        stored = conn.execute(
            select(THRESHOLDS)
            .select_from(
                with_thresholds(metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id))
            )
            .where(metrics.c.name == NAME, metric_values.c.at == end.astimezone(dt.UTC).replace(tzinfo=None))
        ).scalar_one()
    assert json.loads(stored)["bounds"] == [10, 20, 30, 40]

    # Hour of week: Monday 11:00-12:00 has typical 10 → 10/12/14/16 with these coefficients; the
    # engine uses it only when enabled (15 is then on the edge), else the all-week row (acceptable).
    run_cli(
        "baseline", "--test", "STEADY", *window, "--hour-of-week", "--min-samples", "1", "--floor", "0.5",
        "--coefficients", "1.2,1.4,1.6", "--apply", config=config(15), check=True,
    )  # fmt: skip
    next_week = monday + dt.timedelta(days=7)  # the interval 11:50-12:00: hour 11 of Monday
    assert evaluate(config(15), engine, next_week) is Level.ACCEPTABLE  # all-week row: 10/20/30/40
    assert (
        evaluate(config(15, hour_of_week=True), engine, next_week + dt.timedelta(minutes=-10)) is Level.EDGE
    )

    # Removing the overrides brings the test's default back.
    run_cli("overrides", "remove", "--test", "STEADY", config=config(15), check=True)
    assert evaluate(config(15), engine, next_week + dt.timedelta(minutes=10)) is Level.GOOD
