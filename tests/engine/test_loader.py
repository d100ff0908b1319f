"""Loading evaluation tests: broken files are listed with their tracebacks, the others load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from probe.engine import Evaluator
from probe.engine.loader import BUILTIN_DIR
from tests.engine.conftest import COUNTING_TEST

BROKEN = {
    "a_counting.py": COUNTING_TEST,
    "import_error.py": "import no_such_module_here\n",
    "syntax_error.py": "def broken(:\n",
    "raises.py": "raise ValueError('module-level failure')\n",
    "nothing.py": "X = 1\n",
    "no_run.py": "from probe.api import EvaluationTest\nclass NoRun(EvaluationTest):\n    name = 'NO_RUN'\n",
    "bad_name.py": (
        "from probe.api import EvaluationTest\nclass Bad(EvaluationTest):\n    name = 'два слова'\n"
        "    def run(self, ctx):\n        return []\n"
    ),
    "duplicate.py": COUNTING_TEST,
    "_helper.py": "raise RuntimeError('files starting with _ are helpers, never loaded')\n",
}


def test_broken_files_are_reported_and_the_rest_loads(make_evaluator: Callable[..., Evaluator]) -> None:
    evaluator = make_evaluator(BROKEN)
    assert evaluator.tests() == ["COUNTING"]
    failures = {f.path.name: f for f in evaluator.report.failed}
    assert set(failures) == {
        "import_error.py", "syntax_error.py", "raises.py", "nothing.py", "no_run.py", "bad_name.py", "duplicate.py",
    }  # fmt: skip
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in failures["import_error.py"].error
    assert "Traceback (most recent call last)" in failures["import_error.py"].traceback
    assert "SyntaxError" in failures["syntax_error.py"].error
    assert "ValueError: module-level failure" in failures["raises.py"].error
    assert "defines no EvaluationTest subclass" in failures["nothing.py"].error
    assert "does not define run(self, ctx)" in failures["no_run.py"].error
    assert "name 'два слова'" in failures["bad_name.py"].error
    assert "test COUNTING is already defined in" in failures["duplicate.py"].error
    # The load failures are published as test states too (SNMP prolanTestTable: loadFailed).
    states = {t.name: t for t in evaluator.hub.current.tests}
    assert (
        states["import_error.py"].failed_to_load
        and "no_such_module_here" in states["import_error.py"].last_error
    )
    assert states["COUNTING"].ok is None and states["COUNTING"].schedule == "every 10 min"


def test_settings_parameters_interval_enabled(
    make_evaluator: Callable[..., Evaluator], tmp_path: Path
) -> None:
    evaluator = make_evaluator(
        config={"COUNTING": {"interval_minutes": 30, "parameters": {"bad_at": 8}, "enabled": False}}
    )
    assert evaluator.interval_minutes("COUNTING") == 30
    assert evaluator.test("COUNTING").params == {"bad_at": 8.0}
    assert evaluator.enabled_tests() == [] and evaluator.tests() == ["COUNTING"]
    evaluation = evaluator.evaluate("COUNTING", dt.datetime(2026, 3, 10, 9, 25, tzinfo=dt.UTC))
    assert any(m.name.endswith("Интервал 30 мин") for m in evaluation.metrics)
    unknown = make_evaluator(config={"COUNTING": {"parameters": {"bad_att": 8}}})
    assert unknown.tests() == []
    assert "unknown parameter 'bad_att' (known: bad_at)" in unknown.report.failed[0].error
    wrong_type = make_evaluator(config={"COUNTING": {"parameters": {"bad_at": "many"}}})
    assert "parameter 'bad_at' must be float, got str" in wrong_type.report.failed[0].error


def test_missing_folder_is_reported_and_builtin_folder_exists(
    make_evaluator: Callable[..., Evaluator], tmp_path: Path
) -> None:
    evaluator = make_evaluator(config={"dirs": [str(tmp_path / "tests_dir"), str(tmp_path / "missing")]})
    assert evaluator.tests() == ["COUNTING"]
    assert [f.error for f in evaluator.report.failed] == [f"{tmp_path / 'missing'}: test folder not found"]
    assert (BUILTIN_DIR / "loyalty_mon.py").is_file()
