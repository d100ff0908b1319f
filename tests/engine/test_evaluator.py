"""The Evaluator façade on SQLite and PostgreSQL: names, stable ids, levels, history, failures."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.current import load_snapshot
from probe.store.schema import metric_values, metrics, test_runs, threshold_tables
from probe.store.threshold_tables import THRESHOLDS, with_thresholds
from tests.engine.conftest import COUNTING_TEST, HANGING_TEST, RAISING_TEST, add_presses

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 20, tzinfo=MSK)


def by_name(evaluation_metrics: tuple) -> dict:  # type: ignore[type-arg]
    return {m.name: m for m in evaluation_metrics}


def test_names_values_levels_and_history(engine: Engine, make_evaluator: Callable[..., Evaluator]) -> None:
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=m) for m in (1, 2, 3)])  # in interval
    add_presses(engine, "P1", "negative", [END - dt.timedelta(hours=2)])  # earlier today
    add_presses(engine, "P2", "negative", [END])  # the end is exclusive: next interval
    add_presses(engine, "P2", "negative", [dt.datetime(2026, 3, 9, 23, 59, tzinfo=MSK)])  # yesterday
    hub = SnapshotHub()
    evaluator = make_evaluator(hub=hub)
    evaluation = evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=7))  # snaps to 12:20
    assert evaluation.at == END
    got = by_name(evaluation.metrics)
    assert set(got) == {
        "COUNTING. Тест работает",
        "COUNTING. Доступность базы данных (%)",
        "COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин",
        "COUNTING. СОКОК. Калужская. Негативные ответы. Текущие сутки",
        "COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Интервал 10 мин",
        "COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Текущие сутки",
        "COUNTING. СОКОК. Итого по компании. Негативные ответы. Интервал 10 мин",
        "COUNTING. СОКОК. Итого по компании. Негативные ответы. Текущие сутки",
        "COUNTING. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 10 мин",
    }
    works = got["COUNTING. Тест работает"]
    assert (works.value, works.level, works.key) == (1.0, Level.GOOD, "counting.test_rabotaet")
    database = got["COUNTING. Доступность базы данных (%)"]
    assert (database.value, database.level, database.key) == (
        100.0,
        Level.GOOD,
        "counting.database_availability_pct",
    )
    kaluzhskaya = got["COUNTING. СОКОК. Калужская. Негативные ответы. Интервал 10 мин"]
    assert kaluzhskaya.key == "counting.sokok.kaluzhskaia.negativnye_otvety.interval"
    assert (kaluzhskaya.value, kaluzhskaya.level) == (3.0, Level.EDGE)  # 3 <= v < 4
    assert kaluzhskaya.region == "Москва/ЮЗАО" and kaluzhskaya.point == "Калужская"
    assert got["COUNTING. СОКОК. Калужская. Негативные ответы. Текущие сутки"].value == 4.0
    assert got["COUNTING. СОКОК. Калужская. Негативные ответы. Текущие сутки"].level is Level.BAD
    assert got["COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Интервал 10 мин"].value == 0.0
    assert got["COUNTING. СОКОК. АЗС Тёплый Стан. Негативные ответы. Текущие сутки"].value == 0.0
    company = got["COUNTING. СОКОК. Итого по компании. Негативные ответы. Текущие сутки"]
    assert (company.value, company.point, company.key) == (
        4.0,
        "Итого по компании",
        "counting.sokok.company.negativnye_otvety.day",
    )
    question = got[
        "COUNTING. Опросы. Калужская. Как Вам у нас понравилось. % негативных ответов. Интервал 10 мин"
    ]
    assert question.key == "counting.oprosy.kaluzhskaia.q_q1.pct_negativnykh_otvetov.interval"
    assert question.value is None and question.level is None  # no table: not assessed
    assert question.question == "Как Вам у нас понравилось"
    # Published to the hub and stored, one row per metric, in one run.
    assert {m.id for m in hub.current.metrics} == {m.id for m in evaluation.metrics}
    assert hub.current.tests[0].ok is True and hub.current.tests[0].last_run == END
    with engine.connect() as conn:
        rows = conn.execute(
            select(metric_values, THRESHOLDS).select_from(with_thresholds(metric_values))
        ).all()
        runs = conn.execute(select(test_runs)).all()
        tables = conn.execute(select(func.count()).select_from(threshold_tables)).scalar()
    assert len(rows) == 9 and {r.at for r in rows} == {dt.datetime(2026, 3, 10, 9, 20, tzinfo=dt.UTC)}
    stored = {r.metric_id: r for r in rows}
    assert stored[kaluzhskaya.id].level == "edge" and stored[kaluzhskaya.id].value == 3.0
    assert '"direction": "higher_worse"' in stored[kaluzhskaya.id].thresholds
    assert stored[question.id].thresholds is None and stored[question.id].level is None
    # Each distinct threshold table is stored once, not once per row (issue 16).
    assessed = {r.threshold_id for r in rows if r.threshold_id is not None}
    assert tables == len(assessed) < sum(r.threshold_id is not None for r in rows)
    assert [(r.test, r.at, r.ok) for r in runs] == [
        ("COUNTING", dt.datetime(2026, 3, 10, 9, 20, tzinfo=dt.UTC), True)
    ]
    assert evaluator.last_evaluated_end("COUNTING") == END
    # load_snapshot gives the SNMP agent the same picture after a restart.
    loaded = {m.id: m for m in load_snapshot(engine).metrics}
    for state in evaluation.metrics:
        restored = loaded[state.id]
        assert (
            restored.name,
            restored.key,
            restored.value,
            restored.level,
            restored.point,
            restored.thresholds,
        ) == (
            state.name,
            state.key,
            state.value,
            state.level,
            state.point,
            state.thresholds,
        )
        assert restored.time == END


def test_ids_are_stable_across_runs_and_restarts(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    first = make_evaluator()
    ids = {m.key: m.id for m in first.evaluate("COUNTING", END).metrics}
    assert len(set(ids.values())) == len(ids)
    again = {m.key: m.id for m in first.evaluate("COUNTING", END + dt.timedelta(minutes=10)).metrics}
    assert again == ids
    restarted = make_evaluator()  # a new process: ids come from the database
    assert {m.key: m.id for m in restarted.evaluate("COUNTING", END - dt.timedelta(days=3)).metrics} == ids
    # Re-evaluating an interval replaces its values instead of duplicating them.
    restarted.evaluate("COUNTING", END)
    with engine.connect() as conn:
        per_at = dict(
            conn.execute(select(metric_values.c.at, func.count()).group_by(metric_values.c.at)).all()  # type: ignore[arg-type]
        )
        assert set(per_at.values()) == {len(ids)} and len(per_at) == 3
        assert conn.execute(select(func.count()).select_from(test_runs)).scalar() == 3
    # A new metric gets a new id, never an old one, even after metrics rows were added elsewhere.
    with engine.begin() as conn:
        conn.execute(
            metrics.insert().values(
                key="other.x",
                name="OTHER. x",
                test="OTHER",
                short_name="x",
                created_at=dt.datetime(2026, 1, 1),
            )
        )
        conn.execute(metrics.delete().where(metrics.c.key == "other.x"))
    new_source = COUNTING_TEST.replace('("% негативных ответов", None', '("% позитивных ответов", None')
    changed = make_evaluator({"counting.py": new_source})
    result = {m.key: m.id for m in changed.evaluate("COUNTING", END).metrics}
    new_key = "counting.oprosy.kaluzhskaia.q_q1.pct_pozitivnykh_otvetov.interval"
    assert result[new_key] > max(ids.values()) + 1  # the deleted row's id is not reused either
    assert {k: v for k, v in result.items() if k != new_key}.items() <= ids.items()


def test_question_text_edit_renames_but_keeps_the_id(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    from probe.store.schema import questions

    evaluator = make_evaluator()
    before = {m.key: m for m in evaluator.evaluate("COUNTING", END).metrics}
    with engine.begin() as conn:
        conn.execute(questions.update().values(text="Вам у нас понравилось?"))
    after = {m.key: m for m in evaluator.evaluate("COUNTING", END).metrics}
    key = "counting.oprosy.kaluzhskaia.q_q1.pct_negativnykh_otvetov.interval"
    assert after[key].id == before[key].id
    assert (
        after[key].name
        == "COUNTING. Опросы. Калужская. Вам у нас понравилось. % негативных ответов. Интервал 10 мин"
    )
    with engine.connect() as conn:
        assert conn.execute(select(metrics.c.name).where(metrics.c.key == key)).scalar() == after[key].name


def test_raising_test_is_reported_and_others_still_run(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    hub = SnapshotHub()
    evaluator = make_evaluator({"counting.py": COUNTING_TEST, "raising.py": RAISING_TEST}, hub=hub)
    assert evaluator.enabled_tests() == ["COUNTING", "RAISING"]
    failed = evaluator.evaluate("RAISING", END)
    assert failed.test_ok is False and failed.database_ok is True
    got = by_name(failed.metrics)
    assert set(got) == {"RAISING. Тест работает", "RAISING. Доступность базы данных (%)"}
    assert (got["RAISING. Тест работает"].value, got["RAISING. Тест работает"].level) == (0.0, Level.BAD)
    assert got["RAISING. Доступность базы данных (%)"].value == 100.0
    state = {t.name: t for t in hub.current.tests}["RAISING"]
    assert state.ok is False and "deliberately broken" in state.last_error
    with engine.connect() as conn:
        run = conn.execute(select(test_runs).where(test_runs.c.test == "RAISING")).one()
    assert run.ok is False or run.ok == 0
    assert "RuntimeError: deliberately broken" in run.error
    assert evaluator.evaluate("COUNTING", END).test_ok is True


def test_hanging_test_times_out_without_blocking_others(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    evaluator = make_evaluator(
        {"counting.py": COUNTING_TEST, "hanging.py": HANGING_TEST},
        config={"HANGING": {"timeout_seconds": 0.5}},
    )
    started = time.perf_counter()
    hung = evaluator.evaluate("HANGING", END)
    assert time.perf_counter() - started < 5
    got = by_name(hung.metrics)
    assert (got["HANGING. Тест работает"].value, got["HANGING. Тест работает"].level) == (0.0, Level.BAD)
    assert hung.test_ok is False
    # While the abandoned run still hangs, other tests run normally and the hung one is refused at once.
    assert evaluator.evaluate("COUNTING", END).test_ok is True
    started = time.perf_counter()
    assert evaluator.evaluate("HANGING", END + dt.timedelta(minutes=10)).test_ok is False
    assert time.perf_counter() - started < 2
    with engine.connect() as conn:
        error = (
            conn.execute(
                select(test_runs.c.error).where(test_runs.c.test == "HANGING").order_by(test_runs.c.at)
            )
            .scalars()
            .all()
        )
    assert "timeout" in error[0] and "has not finished" in error[1]
    module = next(m for name, m in sys.modules.items() if name.startswith("prolan_tests.hanging_"))
    module.RELEASE.set()  # let the worker thread end
