"""The engine's commands: evaluate (JSON/CSV/table), metrics, tests, backfill. One run is a real
process; the others call the same `main` in this process (a process start costs seconds here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from probe.cli import main
from probe.engine import Evaluator
from probe.store.schema import metric_values, test_runs
from tests.engine.conftest import RAISING_TEST, add_presses
from tests.helpers import run_cli


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def cli(capsys: pytest.CaptureFixture[str], *args: str, config: Path, check: bool = False) -> Result:
    capsys.readouterr()
    status = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    assert not check or status == 0, f"{args} exited {status}: {err}"
    return Result(status, out, err)


MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 20, tzinfo=MSK)


def config_for(write_config: Callable[..., Path], make_evaluator: Callable[..., Evaluator], tmp_path: Path,
               extra: str = "") -> Path:  # fmt: skip
    make_evaluator()  # writes the topology and the test folder
    return write_config(f'[tests]\nbuiltin = false\ndirs = ["{tmp_path / "tests_dir"}"]\n{extra}')


def test_evaluate_json_and_metrics(
    engine: Engine,
    make_evaluator: Callable[..., Evaluator],
    write_config: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = config_for(write_config, make_evaluator, tmp_path)
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=2)])
    result = run_cli("evaluate", "--at", "2026-03-10T12:27:59", "--format", "json", config=config, check=True)
    records = json.loads(result.stdout)
    assert len(records) == 9
    assert all(set(r) >= {"id", "key", "name", "test", "point", "value", "level", "time"} for r in records)
    by_name = {r["name"]: r for r in records}
    one = by_name["COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин"]
    assert one["point"] == "Калужская" and one["value"] == 1.0 and one["level"] == "acceptable"
    assert (
        one["time"] == "2026-03-10T09:20:00+00:00"
        and one["key"] == "counting.sokok.kaluzhskaia.negativnye_otvety.interval"
    )
    works = by_name["COUNTING. Тест работает"]
    assert works["point"] is None and works["value"] == 1.0 and works["level"] == "good"
    unassessed = by_name[
        "COUNTING. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 10 мин"
    ]
    assert unassessed["value"] is None and unassessed["level"] is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(metric_values)).scalar() == 9
    # metrics: the current values, filtered, in every format; ids are the ones evaluate gave.
    current = json.loads(
        cli(capsys, "metrics", "--format", "json", "--point", "Калужская", config=config, check=True).stdout
    )
    assert {r["name"] for r in current} == {n for n, r in by_name.items() if r["point"] == "Калужская"}
    assert {r["id"] for r in current} <= {r["id"] for r in records}
    rows = list(csv.DictReader(io.StringIO(cli(capsys, "metrics", "--format", "csv", "--test", "COUNTING",
                                                   config=config, check=True).stdout)))  # fmt: skip
    assert len(rows) == 9 and rows[0].keys() >= {"id", "key", "name", "value", "level", "time"}
    table = cli(capsys, "metrics", config=config, check=True).stdout
    assert (
        "COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин" in table
        and "2026-03-10 12:20" in table
    )


def test_tests_command_and_errors(
    make_evaluator: Callable[..., Evaluator],
    write_config: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = config_for(write_config, make_evaluator, tmp_path, "[tests.RAISING]\ninterval_minutes = 30\n")
    (tmp_path / "tests_dir" / "raising.py").write_text(RAISING_TEST, encoding="utf-8")
    (tmp_path / "tests_dir" / "broken.py").write_text("import no_such_module_here\n", encoding="utf-8")
    evaluated = cli(
        capsys, "evaluate", "--test", "RAISING", "--at", "2026-03-10T12:35", "--format", "json", config=config
    )
    assert evaluated.returncode == 0
    assert {r["name"]: r["value"] for r in json.loads(evaluated.stdout)}["RAISING. Тест работает"] == 0.0
    assert "RuntimeError: deliberately broken" in evaluated.stderr and "broken.py" in evaluated.stderr
    listing = json.loads(cli(capsys, "tests", "--format", "json", config=config, check=True).stdout)
    tests = {t["name"]: t for t in listing["tests"]}
    assert tests["RAISING"]["state"] == "failed" and tests["RAISING"]["interval_minutes"] == 30
    assert tests["RAISING"]["last_run"] == "2026-03-10T09:30:00+00:00"
    assert tests["COUNTING"]["state"] == "never run"
    (failure,) = listing["failed"]
    assert failure["file"].endswith("broken.py") and "no_such_module_here" in failure["traceback"]
    text = cli(capsys, "tests", config=config, check=True).stdout
    assert "FAILED TO LOAD" in text and "Traceback (most recent call last)" in text and "every 30 min" in text
    unknown = cli(capsys, "evaluate", "--test", "NOPE", config=config)
    assert (
        unknown.returncode == 2
        and "--test NOPE: no such test is loaded (loaded: COUNTING, RAISING" in unknown.stderr
    )
    bad_time = cli(capsys, "evaluate", "--at", "yesterday", config=config)
    assert bad_time.returncode == 2 and "--at 'yesterday' is not an ISO 8601 time" in bad_time.stderr


def test_backfill(
    engine: Engine,
    make_evaluator: Callable[..., Evaluator],
    write_config: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = config_for(write_config, make_evaluator, tmp_path)
    add_presses(engine, "P1", "negative", [dt.datetime(2026, 3, 10, 1, 5, tzinfo=MSK)])
    result = cli(capsys, "backfill", "--test", "COUNTING", "--from", "2026-03-10T00:00", "--to", "2026-03-10T03:00",
                     config=config, check=True)  # fmt: skip
    assert "backfill COUNTING: 18 intervals evaluated" in result.stdout
    assert "18/18" in result.stderr  # the progress bar
    with engine.connect() as conn:
        ats = conn.execute(select(test_runs.c.at).order_by(test_runs.c.at)).scalars().all()
    assert (
        ats[0] == dt.datetime(2026, 3, 9, 21, 10)
        and ats[-1] == dt.datetime(2026, 3, 10, 0, 0)
        and len(ats) == 18
    )
    current = json.loads(cli(capsys, "metrics", "--format", "json", config=config, check=True).stdout)
    day = {r["name"]: r for r in current}["COUNTING. СОКОК. Калужская. Негативные ответы. Текущие сутки"]
    assert day["value"] == 1.0 and day["time"] == "2026-03-10T00:00:00+00:00"
    wrong = cli(capsys, "backfill", "--test", "COUNTING", "--from", "2026-03-10T03:00", "--to", "2026-03-10T00:00",
                    config=config)  # fmt: skip
    assert wrong.returncode == 2 and "must be later than --from" in wrong.stderr
