"""The engine's column path (issue 15): a test may return its measurements as a `MeasurementBatch`;
the engine assesses, stores and publishes them exactly as it does `Measurement` objects (SQLite and
PostgreSQL), keeps what it derived from the rows while nothing they depend on changes, and refuses
a broken batch with one message."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from probe.assess import ThresholdTable
from probe.engine import Evaluator, history
from probe.engine.columns import LEVEL_BY_CODE, BlockPlan, assess
from probe.engine.history import MetricSpec, RunValues, write_run
from probe.evidence import evidence_level
from probe.store.schema import metric_values, metrics, threshold_overrides

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)

# The same measurements from two tests: one returns objects, the other one batch (its rows tuple is
# built once, at import). `thresholds()` counts its calls; SHIFT moves the values between runs.
PAIR_TESTS = """
import numpy as np
from probe.api import COMPANY, EvaluationTest, Measurement, MeasurementBatch, ThresholdTable, wilson_bounds

ROWS = []
for point in ("Калужская", "АЗС Тёплый Стан", COMPANY):
    for period in ("interval", "day"):
        ROWS += [
            Measurement("Число голосований", None, point=point, period=period, methodology="СОКОК"),
            Measurement("% негативных ответов", None, point=point, period=period, methodology="СОКОК", unit="%"),
            Measurement("Очередь", None, point=point, period=period, methodology="СОКОК",
                        thresholds=ThresholdTable.higher_better(10, 8, 6, 4)),
        ]
ROWS.append(Measurement("Без таблицы", None))
ROWS = tuple(ROWS)
CALLS = []
SHIFT = [0]


def numbers(run):
    out = []
    for index in range(len(ROWS) - 1):
        kind = index % 3
        votes = (index * 7 + run) % 9
        if kind == 0:
            out.append((float(votes), None, None, None))
        elif kind == 1:
            part = (index + run) % (votes + 1)
            bounds = wilson_bounds(part, votes)
            value = None if votes == 0 else part * 100.0 / votes
            out.append((value, *(bounds or (None, None)), votes if votes else None))
        else:
            out.append((None if index % 4 == 0 else float(index % 12), None, None, None))
    out.append((float(run), None, None, None))
    return out


class Base(EvaluationTest):
    thresholds_ignore_window = True

    def thresholds(self, m, window):
        CALLS.append(m.short_name)
        if m.short_name == "% негативных ответов":
            return ThresholdTable.higher_worse(20, 40, 60, 80)
        if m.short_name == "Число голосований":
            return ThresholdTable.equal_to(3)
        return m.thresholds


class Objects(Base):
    name = "OBJECTS"

    def run(self, ctx):
        return [
            Measurement(**{**row.__dict__, "value": v, "low": lo, "high": hi, "votes": n})
            for row, (v, lo, hi, n) in zip(ROWS, numbers(SHIFT[0]))
        ]


class Batched(Base):
    name = "BATCHED"

    def run(self, ctx):
        found = numbers(SHIFT[0])
        column = lambda i: np.array([math_nan if r[i] is None else r[i] for r in found], dtype=np.float64)
        return [MeasurementBatch(
            ROWS, column(0), low=column(1), high=column(2),
            votes=np.array([-1 if r[3] is None else r[3] for r in found], dtype=np.int64),
        )]


math_nan = float("nan")
"""


def _module(evaluator: Evaluator, name: str) -> object:
    import sys

    return sys.modules[type(evaluator.test(name)).__module__]


# What a stored value is, after its metric and time.
VALUE_COLUMNS = [
    metric_values.c[name] for name in ("value", "level", "threshold_id", "low", "high", "votes", "expected")
]


def _stored(engine: Engine, test: str) -> dict[str, tuple[object, ...]]:
    """The stored rows of a test's run by the metric's name after the test's part."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(metrics.c.name, *VALUE_COLUMNS)
            .join(metrics, metrics.c.id == metric_values.c.metric_id)
            .where(metrics.c.test == test)
        ).all()
    return {row[0].split(". ", 1)[1]: tuple(row[1:]) for row in rows}


def _published(evaluator: Evaluator, test: str) -> dict[str, tuple[object, ...]]:
    return {
        s.name.split(". ", 1)[1]: (
            s.short_name,
            s.value,
            s.level,
            s.unit,
            s.point,
            s.region,
            s.question,
            s.methodology,
            s.period,
            s.thresholds,
            s.scope,
            s.low,
            s.high,
            s.votes,
            s.expected,
            s.time,
        )
        for s in evaluator.hub.current.metrics
        if s.test == test
    }


def test_a_batch_is_stored_and_published_like_the_same_measurements(
    make_evaluator: Callable[..., Evaluator], engine: Engine
) -> None:
    evaluator = make_evaluator(
        {"pair.py": PAIR_TESTS},
        config={
            # A config table for one point's metric applies to batch rows as to objects.
            "BATCHED": {"thresholds": {"Калужская": {"Очередь. Интервал 10 мин": [1, 2, 3, 4]}}},
            "OBJECTS": {"thresholds": {"Калужская": {"Очередь. Интервал 10 мин": [1, 2, 3, 4]}}},
        },
    )
    module = _module(evaluator, "BATCHED")
    for run in range(3):
        module.SHIFT[0] = run  # type: ignore[attr-defined]
        end = END + dt.timedelta(minutes=10 * run)
        batched = evaluator.evaluate("BATCHED", end)
        objects = evaluator.evaluate("OBJECTS", end)
        assert batched.test_ok and objects.test_ok
        assert len(batched.metrics) == len(objects.metrics) == 21
        assert _published(evaluator, "BATCHED") == _published(evaluator, "OBJECTS")
        stored_batched, stored_objects = _stored(engine, "BATCHED"), _stored(engine, "OBJECTS")
        assert stored_batched == stored_objects
    # Not vacuous: percentages with intervals, unknown values, several levels and the config table.
    published = _published(evaluator, "BATCHED")
    assert {row[2] for row in published.values()} >= {None, "good", "bad", "unknown"}
    assert any(row[11] is not None and row[13] for row in published.values())
    kaluga = published["СОКОК. Калужская. Очередь. Интервал 10 мин"]
    assert kaluga[9] == ThresholdTable.higher_worse(1, 2, 3, 4)


def test_a_batch_plan_is_kept_until_what_it_depends_on_changes(
    make_evaluator: Callable[..., Evaluator], engine: Engine
) -> None:
    evaluator = make_evaluator({"pair.py": PAIR_TESTS})
    module = _module(evaluator, "BATCHED")
    calls: list[str] = module.CALLS  # type: ignore[attr-defined]
    rows = len(module.ROWS)  # type: ignore[attr-defined]
    for run in range(3):
        evaluator.evaluate("BATCHED", END + dt.timedelta(minutes=10 * run))
    assert len(calls) == rows  # asked once per row, not once per run
    name = "BATCHED. СОКОК. Калужская. % негативных ответов. Интервал 10 мин"
    before = next(s for s in evaluator.hub.current.metrics if s.name == name)
    with engine.begin() as conn:  # what `baseline --apply` writes, from another process
        conn.execute(
            threshold_overrides.insert().values(
                test="BATCHED",
                metric_pattern=name,
                point_id=None,
                direction="higher_worse",
                t1=1000.0,
                t2=2000.0,
                t3=3000.0,
                t4=4000.0,
                created_at=dt.datetime(2026, 11, 20, 7, 0),
            )
        )
    evaluator.evaluate("BATCHED", END + dt.timedelta(minutes=30))
    after = next(s for s in evaluator.hub.current.metrics if s.name == name)
    assert before.thresholds != after.thresholds == ThresholdTable.higher_worse(1000, 2000, 3000, 4000)
    # The plan was made again for the new override (the overridden row needs no default table).
    assert len(calls) == 2 * rows - 1


BROKEN_BATCHES = """
import numpy as np
from probe.api import EvaluationTest, Measurement, MeasurementBatch, Param

ROWS = (Measurement("А", None), Measurement("Б", None))


class Broken(EvaluationTest):
    name = "BROKEN"
    parameters = {"how": Param("", "what to break")}

    def run(self, ctx):
        how = self.params["how"]
        values = np.array([1.0, 2.0])
        if how == "length":
            return [MeasurementBatch(ROWS, np.array([1.0]))]
        if how == "list":
            return [MeasurementBatch(ROWS, [1.0, 2.0])]
        if how == "dtype":
            return [MeasurementBatch(ROWS, np.array(["a", "b"]))]
        if how == "bounds":
            return [MeasurementBatch(ROWS, values, low=np.array([5.0, 1.0]), high=np.array([4.0, 2.0]))]
        if how == "half":
            return [MeasurementBatch(ROWS, values, low=np.array([1.0, 1.0]))]
        if how == "votes":
            return [MeasurementBatch(ROWS, values, votes=np.array([3, 2**40]))]
        if how == "duplicate":
            return [MeasurementBatch((ROWS[0], ROWS[0]), values)]
        if how == "loose duplicate":
            return [MeasurementBatch(ROWS, values), Measurement("А", 3.0)]
        if how == "row":
            return [MeasurementBatch((ROWS[0], "Б"), values)]
        if how == "period":
            return [MeasurementBatch((ROWS[0], Measurement("Б", None, period="week")), values)]
        return [MeasurementBatch(ROWS, values)]
"""


@pytest.mark.parametrize(
    ("how", "complaint"),
    [
        ("length", "value must be a one-dimensional NumPy array of 2 entries"),
        ("list", "value must be a one-dimensional NumPy array"),
        ("dtype", "value must be a floating-point array"),
        ("bounds", "row 0 ('А'): low is above high"),
        ("half", "low and high must both be numbers or both None"),
        ("votes", "row 1 ('Б'): votes must be at most 2147483647"),
        ("duplicate", "two measurements are the same metric"),
        ("loose duplicate", "two measurements are the same metric"),
        ("row", "rows[1] is str, expected Measurement"),
        ("period", "period must be 'interval', 'day' or None"),
    ],
)
def test_a_broken_batch_fails_the_run_with_one_message(
    make_evaluator: Callable[..., Evaluator], how: str, complaint: str
) -> None:
    evaluator = make_evaluator({"broken.py": BROKEN_BATCHES}, config={"BROKEN": {"parameters": {"how": how}}})
    evaluation = evaluator.evaluate("BROKEN", END)
    assert not evaluation.test_ok
    state = next(t for t in evaluator.hub.current.tests if t.name == "BROKEN")
    assert complaint in state.last_error
    assert "Traceback" not in state.last_error
    works = next(s for s in evaluation.metrics if s.short_name == "Тест работает")
    assert works.value == 0.0
    # The same evaluator runs the same test fine once it is fixed.
    evaluator.test("BROKEN").params["how"] = ""
    assert evaluator.evaluate("BROKEN", END + dt.timedelta(minutes=10)).test_ok


TABLES = st.one_of(
    st.none(),
    st.floats(-1e6, 1e6, allow_nan=False).map(ThresholdTable.equal_to),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=4, unique=True).map(
        lambda b: ThresholdTable.higher_worse(*sorted(b))
    ),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=4, unique=True).map(
        lambda b: ThresholdTable.higher_better(*sorted(b, reverse=True))
    ),
)
VALUES = st.one_of(st.none(), st.floats(allow_nan=True), st.sampled_from([0.0, 1.0, -0.0, math.inf]))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(TABLES, VALUES, st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))), min_size=1
    ),
    by_evidence=st.booleans(),
)
def test_levels_of_the_columns_are_the_levels_of_each_value(
    rows: list[tuple[ThresholdTable | None, float | None, float | None]], by_evidence: bool
) -> None:
    tables = [table for table, _, _ in rows]
    # A value equal to a boundary is the interesting case: use the boundaries themselves too.
    values = [
        (table.bounds[i % len(table.bounds)] if table is not None and value == 1.0 else value)
        for i, (table, value, _) in enumerate(rows)
    ]
    lows = [low for _, _, low in rows]
    highs = [None if low is None else low + 5.0 for low in lows]
    spec = MetricSpec("k", "n", "T", "s", None, None, None, None, "")
    plan = BlockPlan([spec] * len(rows), tables, [None] * len(rows), [None] * len(rows))
    codes = assess(
        plan,
        np.array([math.nan if v is None else v for v in values]),
        np.array([math.nan if v is None else v for v in lows]),
        np.array([math.nan if v is None else v for v in highs]),
        by_evidence,
    )
    for table, value, low, high, code in zip(tables, values, lows, highs, codes.tolist(), strict=True):
        if value is not None and math.isnan(value):
            value = None
        if table is None:
            expected = None
        elif by_evidence:
            expected = evidence_level(table, value, low, high)
        else:
            expected = table.assess(value)
        assert LEVEL_BY_CODE[code + 2] == expected, (table, value, low, high)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=False)),
            st.integers(-2, 4),
            st.one_of(st.none(), st.integers(1, 2**62)),
            st.one_of(st.none(), st.floats(-1e300, 1e300)),
            st.one_of(st.none(), st.integers(0, 2**31 - 1)),
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        ),
        min_size=1,
        max_size=40,
    ),
    salt=st.integers(0, 999_999),
)
def test_stored_columns_read_back_exactly(
    engine: Engine, rows: list[tuple[object, ...]], salt: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every value, NULL and level the column writer (binary COPY on PostgreSQL, in pieces of
    `COPY_SLICE` rows; executemany on SQLite) stores reads back as written."""
    monkeypatch.setattr(history, "COPY_SLICE", 7)  # several pieces for most examples
    at = dt.datetime(2026, 11, 20, 7, 0, 0, salt)
    n = len(rows)
    ids = np.arange(10**6 + 1, 10**6 + 1 + n, dtype=np.int64)
    values = RunValues(
        ids=ids,
        value=np.array([math.nan if r[0] is None else r[0] for r in rows]),
        codes=np.array([r[1] for r in rows], dtype=np.int8),
        table_ids=np.array([-1 if r[2] is None else r[2] for r in rows], dtype=np.int64),
        low=np.array([math.nan if r[3] is None else r[3] for r in rows]),
        high=np.array([math.nan if r[3] is None else r[3] for r in rows]),
        votes=np.array([-1 if r[4] is None else r[4] for r in rows], dtype=np.int64),
        expected=np.array([math.nan if r[5] is None else r[5] for r in rows]),
        tables=[],
    )
    with engine.connect() as conn:
        transaction = conn.begin()
        write_run(
            conn,
            test="COLUMNS",
            at=at,
            started_at=at,
            duration_seconds=0.0,
            ok=True,
            error=None,
            values=values,
        )
        stored = conn.execute(
            select(metric_values.c.metric_id, metric_values.c.at, *VALUE_COLUMNS)
            .where(metric_values.c.at == at)
            .order_by(metric_values.c.metric_id)
        ).all()
        transaction.rollback()
    assert [row[1] for row in stored] == [at.replace(tzinfo=dt.UTC)] * n
    levels = [None if level is None else level.value for level in LEVEL_BY_CODE]
    assert [(row[0], *row[2:]) for row in stored] == [
        (int(i), r[0], levels[int(r[1]) + 2], r[2], r[3], r[3], r[4], r[5])  # type: ignore[call-overload]
        for i, r in zip(ids, rows, strict=True)
    ]
