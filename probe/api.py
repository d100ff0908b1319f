"""The public plug-in API for evaluation tests: the only import a test file needs.

A test is a subclass of `EvaluationTest` in a `.py` file in `tests_scripts/` (or a folder listed
under `[tests] dirs`). The engine calls `run(ctx)` once per evaluation window; the test reads the
aggregator (read only) through the tables exported here and returns `Measurement`s. Everything else (names, stable ids, levels,
history, SNMP rows, notifications, `Тест работает`, `Доступность базы данных (%)`) is the engine's.

    from probe.api import EvaluationTest, Measurement, Param, TestContext, ThresholdTable

    class QueueLength(EvaluationTest):
        name = "QUEUE_LEN"
        description = "Queue length per point"
        interval_minutes = 10
        parameters = {"max_ok": Param(3.0, "queue length that is still good")}

        def run(self, ctx: TestContext) -> list[Measurement]:
            ...
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from probe.assess import ThresholdTable
from probe.evidence import Share, wilson_bounds, wilson_bounds_array
from probe.levels import Level
from probe.silence import expected_presses, history_weeks, silent_minutes, typical_rates
from probe.store.integer_rows import integer_rows
from probe.store.schema import (
    UtcDateTime,
    buttons,
    clips,
    ingest_counts,
    pads,
    points,
    presses,
    questions,
    queue_samples,
)
from probe.store.state import StateError, StateStore
from probe.topology import COMPANY, INDICATIVE_KINDS, Topology

# The aggregator tables a test may read (SQLAlchemy Core `Table`s: `select(presses.c.kind)`):
#   presses        one row per button press: pad_id, point_id, button, kind, pressed_at, question_id,
#                  source (point_id and kind are copied from the topology when the press is stored)
#   points, pads, buttons, questions   the topology (also in `ctx.topology`, already loaded)
#   queue_samples  loyalty-driver samples: point_id, sampled_at, length
#   clips          audio fragments cut around presses (status cut / waiting / missing)
#   ingest_counts  what the ingest service received per source and minute
# Timestamps are aware UTC datetimes both ways: compare them with `ctx.window.start` etc. directly.
# `presses.id` numbers presses in the order they were stored: see `TestContext.ingest_mark`.
# Nothing is written through these: a test's connection is read only; what it must keep between
# runs goes into `ctx.state`. `integer_rows(conn, query)` reads a query of integer columns as one
# NumPy matrix (on PostgreSQL without a Python object per row: for tens of thousands of rows).

__all__ = [
    "COMPANY",
    "INDICATIVE_KINDS",
    "EvaluationTest",
    "Level",
    "Measurement",
    "MeasurementBatch",
    "Param",
    "Period",
    "Share",
    "StateError",
    "StateStore",
    "TestContext",
    "ThresholdTable",
    "Topology",
    "Window",
    "buttons",
    "clips",
    "expected_presses",
    "flatten",
    "history_weeks",
    "ingest_counts",
    "integer_rows",
    "pads",
    "points",
    "presses",
    "questions",
    "queue_samples",
    "silent_minutes",
    "typical_rates",
    "wilson_bounds",
    "wilson_bounds_array",
]

Period = Literal["interval", "day"]


@dataclass(frozen=True)
class Param:
    """A typed, documented parameter of a test; overridable in `[tests.NAME.parameters]`."""

    default: Any
    doc: str = ""
    type: type | None = None  # defaults to type(default)

    def coerce(self, name: str, value: Any) -> Any:
        expected = self.type or type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, expected):
            raise TypeError(
                f"parameter '{name}' must be {expected.__name__}, got {type(value).__name__} {value!r}"
            )
        return value


@dataclass(frozen=True)
class Window:
    """The evaluated interval [start, end) and the current day [day_start, end), all aware UTC,
    with the probe's time zone for local labels. `end` is a clock boundary in that zone."""

    start: dt.datetime
    end: dt.datetime
    day_start: dt.datetime
    tz: ZoneInfo
    interval_minutes: int

    # Naive UTC forms, kept for tests written when timestamp columns took naive UTC only; the
    # columns take `start`, `end` and `day_start` directly (a naive value is still read as UTC).
    @property
    def start_naive(self) -> dt.datetime:
        return UtcDateTime.stored(self.start)

    @property
    def end_naive(self) -> dt.datetime:
        return UtcDateTime.stored(self.end)

    @property
    def day_start_naive(self) -> dt.datetime:
        return UtcDateTime.stored(self.day_start)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(self.tz)

    def period_label(self, period: Period) -> str:
        return f"Интервал {self.interval_minutes} мин" if period == "interval" else "Текущие сутки"


@dataclass(frozen=True)
class Measurement:
    """One number a test measured. `point` is a service point name, `COMPANY` for the whole
    company, or None for a test-level metric; `period` None means the metric has no period part in
    its name. `thresholds` (optional) overrides the test's default table for this metric."""

    short_name: str
    value: float | None
    point: str | None = None
    period: Period | None = None
    question: str | None = None  # question id (its text goes into the name)
    methodology: str | None = None
    unit: str = ""
    thresholds: ThresholdTable | None = None
    # Extra ASCII token for the stable key when short_name alone would collide (e.g. an app name).
    key_hint: str | None = None
    # How sure a percentage is (issue 21): the 95 % interval of its proportion in the unit of the
    # value (`wilson_bounds(part, whole)`) and the count behind it (`votes`: the denominator).
    # None for values that are not proportions; the engine stores and serves them with the value.
    low: float | None = None
    high: float | None = None
    votes: int | None = None
    # What the test's model expected instead (e.g. the presses a silent pad's own history expects
    # since its last one), for messages: "usually 12 presses in that time". None: nothing.
    expected: float | None = None


@dataclass(frozen=True, eq=False)
class MeasurementBatch:
    """Many measurements as columns: what a test of a large chain returns instead of one
    `Measurement` object per metric (issue 15; `run` may return batches and measurements mixed).

    `rows[i]` gives the identity of measurement i (short name, point, period, question,
    methodology, unit, thresholds, key hint; its value, low, high, votes and expected are not
    used). Return the *same* `rows` tuple run after run while the identities do not change: the
    engine keeps what it derived from it (names, ids, threshold tables) and per run works on the
    arrays only. The arrays have one entry per row: `value`, `low`, `high`, `expected` as float64
    with NaN for None; `votes` as int64 with -1 for None. None for a whole column: all None."""

    rows: tuple[Measurement, ...]
    value: NDArray[np.float64]
    low: NDArray[np.float64] | None = None
    high: NDArray[np.float64] | None = None
    votes: NDArray[np.int64] | None = None
    expected: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def measurements(self) -> list[Measurement]:
        """The batch as `Measurement` objects (for tools and checks; the engine never needs them)."""

        def floats(column: NDArray[np.float64] | None) -> list[float | None]:
            if column is None:
                return [None] * len(self.rows)
            return [None if x != x else x for x in column.tolist()]

        votes = [None] * len(self.rows) if self.votes is None else self.votes.tolist()
        return [
            _with_numbers(row, value, low, high, None if n is None or n < 0 else n, expected)
            for row, value, low, high, n, expected in zip(
                self.rows,
                floats(self.value),
                floats(self.low),
                floats(self.high),
                votes,
                floats(self.expected),
                strict=True,
            )
        ]


def _with_numbers(
    row: Measurement,
    value: float | None,
    low: float | None,
    high: float | None,
    votes: int | None,
    expected: float | None,
) -> Measurement:
    """`replace(row, value=value, ...)` without the frozen dataclass' constructor, which sets
    each field through `object.__setattr__`: a batch of a large chain has ~120,000 rows, and
    `replace` made `flatten` cost seconds (equality with `replace` is tested)."""
    measurement = object.__new__(Measurement)
    state = dict(row.__dict__)
    state["value"] = value
    state["low"] = low
    state["high"] = high
    state["votes"] = votes
    state["expected"] = expected
    object.__setattr__(measurement, "__dict__", state)
    return measurement


def flatten(results: Iterable[Measurement | MeasurementBatch]) -> list[Measurement]:
    """What a test's `run` returned, as one list of `Measurement` objects."""
    out: list[Measurement] = []
    for item in results:
        if isinstance(item, MeasurementBatch):
            out += item.measurements()
        else:
            out.append(item)
    return out


@dataclass
class TestContext:
    """What a run gets from the engine.

    `engine` is read only: every transaction on it refuses writes (SQLite `query_only`,
    PostgreSQL `SET TRANSACTION READ ONLY`); a test that writes fails with a message naming it.
    `state` is the test's own keyed store for incremental work, written by the engine together
    with the run's results. `ingest_mark` is the ingestion watermark: every press stored when the
    run began has `presses.id <= ingest_mark` (ids follow the order presses were stored in, not
    their time), so `id > previous mark` finds exactly the presses stored since an earlier run,
    late ones included. None when it could not be read this time (keep the previous one)."""

    window: Window
    engine: Engine
    topology: Topology
    params: Mapping[str, Any]
    log: logging.Logger
    extra: dict[str, Any] = field(default_factory=dict)
    state: StateStore | None = None
    ingest_mark: int | None = None

    def connect(self) -> Connection:
        """A read-only connection (`with ctx.connect() as conn: ...`)."""
        return self.engine.connect()


class EvaluationTest:
    """Base class of evaluation tests (Оценочные Тесты)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    interval_minutes: ClassVar[int] = 10
    parameters: ClassVar[Mapping[str, Param]] = {}
    # True when `thresholds()` does not look at its `window` argument: the engine then asks it once
    # per row of a `MeasurementBatch` (until the rows or the settings change) instead of every run.
    thresholds_ignore_window: ClassVar[bool] = False

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        values = {key: p.default for key, p in self.parameters.items()}
        for key, value in (params or {}).items():
            if key not in self.parameters:
                known = ", ".join(sorted(self.parameters)) or "none"
                raise KeyError(f"test {self.name}: unknown parameter '{key}' (known: {known})")
            values[key] = self.parameters[key].coerce(key, value)
        self.params: dict[str, Any] = values

    def thresholds(self, measurement: Measurement, window: Window) -> ThresholdTable | None:
        """The default threshold table for a measurement, or None when it is not assessed.
        Subclasses override this; per-point overrides from config are applied by the engine."""
        return measurement.thresholds

    def run(self, ctx: TestContext) -> Iterable[Measurement | MeasurementBatch]:
        raise NotImplementedError


def measurements_for_points(
    points: Sequence[str], short_name: str, values: Mapping[str, float | None], **kwargs: Any
) -> list[Measurement]:
    """Convenience: one measurement per point, None where a point has no value."""
    return [Measurement(short_name, values.get(p), point=p, **kwargs) for p in points]
