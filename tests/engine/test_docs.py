"""docs/writing-tests.md is true: its example is extracted, loaded by the probe's loader from a
tests folder, and evaluated against real presses on both dialects."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from probe.engine import Evaluator
from probe.levels import Level
from probe.presses import Press, store_presses
from probe.topology import load_topology
from tests.engine.conftest import add_presses
from tests.helpers import ROOT

END = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def example_source() -> str:
    text = (ROOT / "docs" / "writing-tests.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "the guide has one complete example"
    return blocks[0]


def test_the_guide_example_loads_and_evaluates(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    evaluator = make_evaluator(
        {"force_majeure.py": example_source()}, config={"FORCE_MAJEURE": {"parameters": {"share_bad": 40.0}}}
    )
    assert evaluator.report.failed == [] and evaluator.tests() == ["FORCE_MAJEURE"]
    # Калужская: 1 force majeure in the interval, 2 in the day, 3 votes -> 2 / 5 = 40 % (bad at 40).
    # The fixture pads have no force-majeure button: store those presses as button 4 directly.
    with engine.begin() as conn:
        kal = load_topology(conn).points["Калужская"].id
        assert kal is not None
        store_presses(
            conn,
            [
                Press(
                    "P1", kal, 4, "force_majeure", (END - delta).astimezone(dt.UTC).replace(tzinfo=None), None
                )
                for delta in (dt.timedelta(minutes=3), dt.timedelta(hours=2))
            ],
        )
    add_presses(engine, "P1", "positive", [END - dt.timedelta(minutes=m) for m in (1, 2, 30)])
    add_presses(engine, "P2", "negative", [END - dt.timedelta(minutes=4)])
    evaluation = evaluator.evaluate("FORCE_MAJEURE", END)
    assert evaluation.test_ok
    values = {m.name: (m.value, m.level) for m in evaluation.metrics}
    assert values["FORCE_MAJEURE. Калужская. Форс-мажоры. Интервал 10 мин"] == (1.0, None)
    assert values["FORCE_MAJEURE. Калужская. Форс-мажоры. Текущие сутки"] == (2.0, None)
    assert values["FORCE_MAJEURE. Калужская. % форс-мажоров. Текущие сутки"] == (
        pytest.approx(40.0),
        Level.BAD,
    )
    assert values["FORCE_MAJEURE. АЗС Тёплый Стан. % форс-мажоров. Текущие сутки"] == (0.0, Level.GOOD)
    company = values["FORCE_MAJEURE. Итого по компании. % форс-мажоров. Текущие сутки"]
    assert company == (pytest.approx(2 / 6 * 100), Level.EDGE)  # boundaries 10 / 20 / 30 / 40
    assert values["FORCE_MAJEURE. Тест работает"] == (1.0, Level.GOOD)
    assert values["FORCE_MAJEURE. Доступность базы данных (%)"] == (100.0, Level.GOOD)
