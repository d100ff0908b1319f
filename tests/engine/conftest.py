"""Fixtures of the engine tests: small evaluation tests written to a temporary folder (so these
tests never depend on the built-in ones), a two-point topology and helpers to add presses."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from probe.config import ProbeConfig, parse_config
from probe.engine import Evaluator
from probe.presses import Press, store_presses
from probe.snapshot import SnapshotHub
from probe.topology import Pad, Point, Question, Topology, import_topology, load_topology

# A test that counts indicative presses per point and for the company, per interval and per day,
# with one question-specific metric; its thresholds come from a parameter.
COUNTING_TEST = """
from sqlalchemy import func, select

from probe.api import COMPANY, EvaluationTest, Measurement, Param, TestContext, ThresholdTable
from probe.store.schema import presses


class Counting(EvaluationTest):
    name = "COUNTING"
    description = "Negative presses per point"
    interval_minutes = 10
    parameters = {"bad_at": Param(4.0, "negative presses that are bad")}

    def thresholds(self, m, window):
        if m.short_name == "Негативные ответы":
            b = self.params["bad_at"]
            return ThresholdTable.higher_worse(b / 4, b / 2, 3 * b / 4, b)
        return None

    def run(self, ctx: TestContext):
        result = []
        for period, start in (("interval", ctx.window.start_naive), ("day", ctx.window.day_start_naive)):
            query = (
                select(presses.c.point_id, func.count())
                .where(presses.c.kind == "negative", presses.c.pressed_at >= start,
                       presses.c.pressed_at < ctx.window.end_naive)
                .group_by(presses.c.point_id)
            )
            with ctx.connect() as conn:
                counts = dict(conn.execute(query).all())
            for point in ctx.topology.points.values():
                result.append(Measurement("Негативные ответы", float(counts.get(point.id, 0)), point=point.name,
                                          period=period, methodology="СОКОК"))
            result.append(Measurement("Негативные ответы", float(sum(counts.values())), point=COMPANY,
                                      period=period, methodology="СОКОК"))
        result.append(Measurement("% негативных ответов", None, point="Калужская", period="interval",
                                  methodology="Опросы", question="Q1"))
        return result
"""

RAISING_TEST = """
from probe.api import EvaluationTest

class Raising(EvaluationTest):
    name = "RAISING"
    def run(self, ctx):
        raise RuntimeError("deliberately broken")
"""

HANGING_TEST = """
import threading
from probe.api import EvaluationTest, Measurement

RELEASE = threading.Event()

class Hanging(EvaluationTest):
    name = "HANGING"
    def run(self, ctx):
        RELEASE.wait(30)
        return [Measurement("Никогда", 1.0)]
"""


def write_tests(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


TOPOLOGY = Topology(
    points={
        "Калужская": Point("Калужская", "Москва/ЮЗАО"),
        "АЗС Тёплый Стан": Point("АЗС Тёплый Стан", "Москва/ЮЗАО"),
    },
    questions={"Q1": Question("Q1", "Как Вам у нас понравилось?")},
    pads={
        "P1": Pad("P1", "Калужская", "СОКОК", 30.0, {1: "positive", 2: "passive", 3: "negative"}),
        "P2": Pad("P2", "АЗС Тёплый Стан", "СОКОК", 30.0, {1: "positive", 2: "passive", 3: "negative"}),
    },
)


def add_presses(
    engine: Engine, pad: str, kind: str, times: list[dt.datetime], question: str | None = None
) -> None:
    """Presses at aware times on a pad of TOPOLOGY."""
    with engine.begin() as conn:
        topology = load_topology(conn)
        point_id = topology.points[topology.pads[pad].point].id
        button = topology.pads[pad].number_of(kind)
        assert point_id is not None and button is not None
        batch = [
            Press(pad, point_id, button, kind, t.astimezone(dt.UTC).replace(tzinfo=None), question)
            for t in times
        ]
        store_presses(conn, batch)


@pytest.fixture
def make_evaluator(engine: Engine, tmp_path: Path) -> Callable[..., Evaluator]:
    import_topology(engine, TOPOLOGY)

    def _make(
        files: dict[str, str] | None = None,
        config: dict[str, Any] | None = None,
        hub: SnapshotHub | None = None,
        timezone: str = "Europe/Moscow",
    ) -> Evaluator:
        folder = write_tests(
            tmp_path / "tests_dir", files if files is not None else {"counting.py": COUNTING_TEST}
        )
        tests_section: dict[str, Any] = {"dirs": [str(folder)], "builtin": False, **(config or {})}
        probe_config: ProbeConfig = parse_config(
            {
                "timezone": timezone,
                "database": {"url": str(engine.url.render_as_string(hide_password=False))},
                "tests": tests_section,
            }
        )
        return Evaluator(probe_config, engine, hub or SnapshotHub())

    return _make
