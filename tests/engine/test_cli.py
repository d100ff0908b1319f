"""`prolan-probe evaluate`, `metrics`, `tests` and `backfill` as real processes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from probe.store.schema import metric_values, test_runs
from probe.topology import import_topology
from tests.engine.conftest import COUNTING_TEST, RAISING_TEST, TOPOLOGY, add_presses, write_tests
from tests.helpers import run_cli

MSK = ZoneInfo("Europe/Moscow")
AT = dt.datetime(2026, 11, 18, 12, 4, tzinfo=MSK)  # evaluates the interval 11:50-12:00


def setup(engine: Engine, write_config: Callable[..., Path], tmp_path: Path, files: dict[str, str]) -> Path:
    import_topology(engine, TOPOLOGY)
    folder = write_tests(tmp_path / "scripts", files)
    return write_config(f'[tests]\nbuiltin = false\ndirs = ["{folder}"]\n')


def test_evaluate_stores_and_prints_json_and_metrics_agree(
    engine: Engine, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config = setup(engine, write_config, tmp_path, {"counting.py": COUNTING_TEST})
    add_presses(engine, "P1", "negative", [AT - dt.timedelta(minutes=m) for m in (5, 6, 7)])
    result = run_cli("evaluate", "--at", AT.isoformat(), "--format", "json", config=config, check=True)
    rows = json.loads(result.stdout)
    assert set(rows[0]) >= {"id", "key", "name", "test", "point", "value", "level", "time"}
    by_name = {r["name"]: r for r in rows}
    kal = by_name["COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин"]
    # bad_at = 4: boundaries 1 / 2 / 3 / 4, so three negative answers are on the edge.
    assert kal["value"] == 3 and kal["level"] == "edge" and kal["point"] == "Калужская"
    assert kal["time"] == "2026-11-18T09:00:00Z"
    works = by_name["COUNTING. Тест работает"]
    assert works["value"] == 1 and works["level"] == "good" and works["point"] is None
    assert by_name["COUNTING. Доступность базы данных (%)"]["value"] == 100
    # Not assessed metrics have no level.
    assert (
        by_name[
            "COUNTING. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 10 мин"
        ]["level"]
        is None
    )

    current = json.loads(run_cli("metrics", "--format", "json", config=config, check=True).stdout)
    assert {r["id"]: (r["value"], r["level"]) for r in current} == {
        r["id"]: (r["value"], r["level"]) for r in rows
    }
    only = json.loads(
        run_cli("metrics", "--format", "json", "--point", "Калужская", config=config, check=True).stdout
    )
    assert only and all(r["point"] == "Калужская" for r in only)
    table = run_cli("--lang", "ru", "metrics", "--test", "COUNTING", config=config, check=True).stdout
    assert "Калужская. Негативные ответы. Интервал 10 мин" in table and "на грани" in table
    assert "оценка" in table.splitlines()[0]
    english = run_cli("--lang", "en", "metrics", "--test", "COUNTING", config=config, check=True).stdout
    assert "assessment" in english.splitlines()[0] and " edge " in english
    csv_out = run_cli("metrics", "--format", "csv", config=config, check=True).stdout
    assert csv_out.splitlines()[0] == "id,key,name,test,point,value,unit,level,time,low,high,votes"


def test_tests_lists_failures_with_their_reason_and_a_failing_test_exits_1(
    engine: Engine, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    files = {
        "counting.py": COUNTING_TEST,
        "raising.py": RAISING_TEST,
        "broken.py": "import nonexistent_module\n",
    }
    config = setup(engine, write_config, tmp_path, files)
    evaluated = run_cli("evaluate", "--at", AT.isoformat(), "--format", "json", config=config)
    assert evaluated.returncode == 1 and "RAISING: the test failed" in evaluated.stderr
    assert "broken.py" in evaluated.stderr
    works = {r["name"]: r for r in json.loads(evaluated.stdout)}["RAISING. Тест работает"]
    assert works["value"] == 0 and works["level"] == "bad"
    listed = run_cli("tests", "--format", "json", config=config)
    assert listed.returncode == 1
    data = json.loads(listed.stdout)
    states = {t["name"]: t["state"] for t in data["tests"]}
    assert states == {"COUNTING": "ok", "RAISING": "failed"}
    (failure,) = data["failed"]
    assert failure["file"].endswith("broken.py") and "nonexistent_module" in failure["traceback"]
    text = run_cli("--lang", "ru", "tests", config=config).stdout
    assert "НЕ ЗАГРУЖЕН" in text and "каждые 10 мин" in text
    text = run_cli("--lang", "en", "tests", config=config).stdout
    assert "NOT LOADED" in text and "every 10 min" in text
    # a --test that names no test: exit 1, the closest names on stderr
    unknown = run_cli("evaluate", "--test", "COUNTNG", config=config)
    assert unknown.returncode == 1 and "did you mean 'COUNTING'?" in unknown.stderr


def test_backfill_evaluates_every_interval_in_order(
    engine: Engine, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config = setup(engine, write_config, tmp_path, {"counting.py": COUNTING_TEST})
    result = run_cli(
        "backfill",
        "--test",
        "COUNTING",
        "--from",
        "2026-11-18T10:00",
        "--to",
        "2026-11-18T12:00",
        config=config,
    )
    assert result.returncode == 0, result.stderr
    assert "12 evaluations of COUNTING, 0 failed" in result.stdout
    assert result.stderr == ""  # not a terminal: no progress bar to leave characters behind
    with engine.connect() as conn:
        ends = [r[0] for r in conn.execute(select(test_runs.c.at).order_by(test_runs.c.at))]
        assert (
            len(ends) == 12
            and ends[0] == dt.datetime(2026, 11, 18, 7, 10, tzinfo=dt.UTC)
            and ends[-1] == dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
        )
        assert conn.execute(select(func.count(func.distinct(metric_values.c.at)))).scalar() == 12
    bad = run_cli(
        "backfill",
        "--test",
        "COUNTING",
        "--from",
        "2026-11-18T12:00",
        "--to",
        "2026-11-18T10:00",
        config=config,
    )
    assert bad.returncode == 2 and "--from must be before --to" in bad.stderr
