"""One run's measurements as columns (issue 15): what the engine does per metric per run, done on
NumPy arrays instead of one Python object per metric.

A run's result is a list of blocks. A `MeasurementBatch` is a block as the test made it; loose
`Measurement` objects (the engine's own two metrics, small tests) are gathered into one block.
Everything that depends only on a block's identity rows and the run's settings — names, keys,
threshold tables, regions, ids — is derived once (`BlockPlan`) and reused while the test returns
the same rows tuple and nothing it depends on changed; per run only the value arrays are checked,
assessed, stored and published.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, islice
from time import sleep
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from probe.api import Measurement, MeasurementBatch
from probe.assess import ThresholdTable
from probe.levels import Level
from probe.snapshot import MetricState

if TYPE_CHECKING:
    from probe.engine.history import MetricSpec

# Level codes in arrays: 0..4 good..bad, UNKNOWN_CODE no value, NOT_ASSESSED no threshold table.
UNKNOWN_CODE = -1
NOT_ASSESSED = -2
_LEVELS: tuple[Level, ...] = (Level.GOOD, Level.ACCEPTABLE, Level.ATTENTION, Level.EDGE, Level.BAD)
# code + 2 -> the published level (index 0: not assessed, 1: unknown, 2..6: good..bad)
LEVEL_BY_CODE: tuple[Level | None, ...] = (None, Level.UNKNOWN, *_LEVELS)

# Direction codes of a row's table.
NO_TABLE, HIGHER_WORSE, HIGHER_BETTER, EQUAL = 0, 1, 2, 3
_DIRECTION_CODE = {"higher_worse": HIGHER_WORSE, "higher_better": HIGHER_BETTER, "equal": EQUAL}

_VALID_PERIODS = (None, "interval", "day")
VOTES_LIMIT = 2**31 - 1  # metric_values.votes is a 32-bit integer on every dialect


@dataclass
class Block:
    """Measurements as columns: identity rows and their arrays (NaN / -1 for None)."""

    rows: tuple[Measurement, ...]
    value: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    votes: NDArray[np.int64]
    expected: NDArray[np.float64]
    batch: bool = False  # the rows came from a MeasurementBatch (their plan may be kept)

    def __len__(self) -> int:
        return len(self.rows)


def _none_floats(n: int) -> NDArray[np.float64]:
    return np.full(n, np.nan)


def _float_column(values: list[float | None]) -> NDArray[np.float64]:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def block_of(measurements: Sequence[Measurement]) -> Block:
    """Loose measurements (already checked by `check_measurement`) as one block."""
    rows = tuple(measurements)
    return Block(
        rows=rows,
        value=_float_column([m.value for m in rows]),
        low=_float_column([m.low for m in rows]),
        high=_float_column([m.high for m in rows]),
        votes=np.array([-1 if m.votes is None else m.votes for m in rows], dtype=np.int64),
        expected=_float_column([m.expected for m in rows]),
    )


def check_measurement(m: Measurement) -> tuple[Measurement | None, str | None]:
    """A loose measurement with NaN as None, or what is wrong with it."""
    value = m.value
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"measurement {m.short_name!r}: value must be a number or None, got {value!r}"
        value = None if math.isnan(value) else float(value)
    problem = identity_problem(m) or evidence_problem(m)
    if problem is not None:
        return None, f"measurement {m.short_name!r}: {problem}"
    if value is m.value:
        return m, None
    return Measurement(**{**m.__dict__, "value": value}), None


def identity_problem(m: Measurement) -> str | None:
    if m.period not in _VALID_PERIODS:
        return f"period must be 'interval', 'day' or None, got {m.period!r}"
    return None


def evidence_problem(m: Measurement) -> str | None:
    """What is wrong with a measurement's interval and count (issue 21), or None."""
    bounds = (m.low, m.high)
    if bounds == (None, None):
        pass
    elif any(
        b is None or isinstance(b, bool) or not isinstance(b, int | float) or math.isnan(b) for b in bounds
    ):
        return f"low and high must both be numbers or both None, got {m.low!r} and {m.high!r}"
    elif m.low > m.high:  # type: ignore[operator]
        return f"low {m.low!r} is above high {m.high!r}"
    if m.votes is not None and (
        isinstance(m.votes, bool) or not isinstance(m.votes, int) or not 0 <= m.votes <= VOTES_LIMIT
    ):
        return f"votes must be a whole number from 0 to {VOTES_LIMIT} or None, got {m.votes!r}"
    expected = m.expected
    if expected is not None and (
        isinstance(expected, bool) or not isinstance(expected, int | float) or not math.isfinite(expected)
    ):
        return f"expected must be a finite number or None, got {expected!r}"
    return None


def identity(m: Measurement) -> tuple[object, ...]:
    return (m.methodology, m.point, m.question, m.short_name, m.key_hint, m.period)


def _array(
    name: str, column: object, n: int, kind: type[np.floating[Any]] | type[np.integer[Any]]
) -> tuple[NDArray[Any] | None, str | None]:
    if column is None:
        return None, None
    if not isinstance(column, np.ndarray) or column.ndim != 1 or len(column) != n:
        return None, f"{name} must be a one-dimensional NumPy array of {n} entries (one per row)"
    if not np.issubdtype(column.dtype, kind):
        wanted = "floating-point" if kind is np.floating else "integer"
        return None, f"{name} must be a {wanted} array, got dtype {column.dtype}"
    return column, None


def check_batch(batch: object, position: int) -> tuple[Block | None, str | None]:
    """A batch's arrays as a block, or what is wrong with them (the identity rows are checked
    once per plan by `check_rows`)."""
    where = f"batch at position {position}"
    if not isinstance(batch, MeasurementBatch):  # pragma: no cover - the caller dispatches
        return None, f"{where}: not a MeasurementBatch"
    rows = batch.rows
    if not isinstance(rows, tuple):
        return None, f"{where}: rows must be a tuple of Measurement, got {type(rows).__name__}"
    n = len(rows)
    value, problem = _array("value", batch.value, n, np.floating)
    if problem is None and value is None:
        problem = "value is required"
    low, problem = (None, problem) if problem else _array("low", batch.low, n, np.floating)
    high, problem = (None, problem) if problem else _array("high", batch.high, n, np.floating)
    votes, problem = (None, problem) if problem else _array("votes", batch.votes, n, np.integer)
    expected, problem = (None, problem) if problem else _array("expected", batch.expected, n, np.floating)
    if problem is not None:
        return None, f"{where}: {problem}"
    assert value is not None
    block = Block(
        rows=rows,
        value=value.astype(np.float64, copy=False),
        low=_none_floats(n) if low is None else low.astype(np.float64, copy=False),
        high=_none_floats(n) if high is None else high.astype(np.float64, copy=False),
        votes=np.full(n, -1, dtype=np.int64) if votes is None else votes.astype(np.int64, copy=False),
        expected=_none_floats(n) if expected is None else expected.astype(np.float64, copy=False),
        batch=True,
    )
    problem = _array_problem(block)
    return (None, f"{where}: {problem}") if problem else (block, None)


def _array_problem(block: Block) -> str | None:
    """The first row whose evidence columns are wrong (the same rules as `evidence_problem`)."""
    low_missing, high_missing = np.isnan(block.low), np.isnan(block.high)
    checks: list[tuple[NDArray[np.bool_], str]] = [
        (low_missing != high_missing, "low and high must both be numbers or both None (NaN)"),
        (~low_missing & ~high_missing & (block.low > block.high), "low is above high"),
        (block.votes < -1, "votes must be a whole number >= 0 or -1 for None"),
        (block.votes > VOTES_LIMIT, f"votes must be at most {VOTES_LIMIT} (the column's range)"),
        (np.isinf(block.expected), "expected must be a finite number or None (NaN)"),
    ]
    for bad, message in checks:
        if bad.any():
            row = int(np.argmax(bad))
            return f"row {row} ({block.rows[row].short_name!r}): {message}"
    return None


def check_rows(rows: tuple[Measurement, ...]) -> str | None:
    """What is wrong with a batch's identity rows, or None (checked once per rows tuple)."""
    seen: set[tuple[object, ...]] = set()
    for index, m in enumerate(rows):
        if not isinstance(m, Measurement):
            return f"rows[{index}] is {type(m).__name__}, expected Measurement"
        problem = identity_problem(m)
        if problem is not None:
            return f"measurement {m.short_name!r}: {problem}"
        key = identity(m)
        if key in seen:
            return f"two measurements are the same metric {key!r} (give them a key_hint)"
        seen.add(key)
    return None


@dataclass
class BlockPlan:
    """What the engine derives from a block's identity rows for one set of run settings."""

    specs: list[MetricSpec]
    tables: list[ThresholdTable | None]
    regions: list[str | None]
    questions: list[str | None]
    directions: NDArray[np.int8] = field(init=False)
    bounds: NDArray[np.float64] = field(init=False)
    table_ids: NDArray[np.int64] = field(init=False)  # -1: no table
    distinct_tables: list[ThresholdTable] = field(init=False)
    # Ids from `metrics`, once the plan's specs are known to be stored under these names.
    ids: NDArray[np.int64] | None = None
    _identity: IdentityColumns | None = field(default=None, init=False, repr=False)

    def identity_columns(self, rows: tuple[Measurement, ...], test: str) -> IdentityColumns:
        """Made once per plan and rows (a kept plan gets the same rows tuple every run)."""
        found = self._identity
        if found is not None and found.rows is rows and (not found.tests or found.tests[0] == test):
            return found
        specs = self.specs
        found = IdentityColumns(
            rows=rows,
            keys=[s.key for s in specs],
            names=[s.name for s in specs],
            tests=[test] * len(specs),
            short_names=[m.short_name for m in rows],
            units=[s.unit for s in specs],
            points=[m.point for m in rows],
            methodologies=[m.methodology for m in rows],
            periods=[m.period for m in rows],
            scopes=[s.scope for s in specs],
        )
        self._identity = found
        return found

    def __post_init__(self) -> None:
        from probe.engine.history import table_id  # history imports this module's COPY writer

        n = len(self.specs)
        self.directions = np.zeros(n, dtype=np.int8)
        self.bounds = np.full((n, 4), np.nan)
        by_table: dict[ThresholdTable, int] = {}
        for index, table in enumerate(self.tables):
            if table is None:
                continue
            self.directions[index] = _DIRECTION_CODE[table.direction]
            self.bounds[index, : len(table.bounds)] = table.bounds
            by_table.setdefault(table, index)
        self.table_ids = np.array(
            [-1 if (i := table_id(t)) is None else i for t in self.tables], dtype=np.int64
        )
        self.distinct_tables = list(by_table)


def assess(
    plan: BlockPlan,
    value: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    by_evidence: bool,
) -> NDArray[np.int8]:
    """Level codes (SPEC §4; by the interval's end for `assess_by = "evidence"`), the same as
    `ThresholdTable.assess` / `evidence_level` row by row."""
    directions, bounds = plan.directions, plan.bounds
    x = value
    if by_evidence:
        x = np.where((directions == HIGHER_WORSE) & ~np.isnan(low), low, x)
        x = np.where((directions == HIGHER_BETTER) & ~np.isnan(high), high, x)
    codes = np.full(len(value), NOT_ASSESSED, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        worse = directions == HIGHER_WORSE
        codes[worse] = (x[worse, None] >= bounds[worse]).sum(axis=1)
        better = directions == HIGHER_BETTER
        codes[better] = (x[better, None] <= bounds[better]).sum(axis=1)
        equal = directions == EQUAL
        codes[equal] = np.where(x[equal] == bounds[equal, 0], 0, 4)
    codes[(directions != NO_TABLE) & np.isnan(value)] = UNKNOWN_CODE
    return codes


def floats(column: NDArray[np.float64]) -> list[float | None]:
    """A float column as Python values, NaN as None."""
    return [None if x != x else x for x in column.tolist()]


def ints(column: NDArray[np.int64]) -> list[int | None]:
    return [None if x < 0 else x for x in column.tolist()]


# States are made in slices of this many rows, each followed by a pause that lets another thread
# take the interpreter (the engine's thread sending the COPY wakes up hundreds of times).
STATES_SLICE = 200


def states(
    *,
    plan: BlockPlan,
    ids: NDArray[np.int64],
    block: Block,
    codes: NDArray[np.int8],
    test: str,
    time: Any,
    known: NDArray[np.bool_] | None = None,
    yielding: bool = False,
) -> list[MetricState]:
    """The block's published states, made as tuples in one step each (see `MetricState`).
    `yielding`: pause between slices (when made on a thread next to one that is busy)."""
    identity = plan.identity_columns(block.rows, test)
    n = len(block.rows)
    levels = [LEVEL_BY_CODE[c + 2] for c in codes.tolist()]
    columns = zip(
        ids.tolist(),
        identity.keys,
        identity.names,
        identity.tests,
        identity.short_names,
        floats(block.value),
        levels,
        [time] * n,
        identity.units,
        identity.points,
        plan.regions,
        plan.questions,
        identity.methodologies,
        identity.periods,
        plan.tables,
        identity.scopes,
        floats(block.low),
        floats(block.high),
        ints(block.votes),
        floats(block.expected),
        strict=True,
    )
    if known is not None:
        columns = compress(columns, known.tolist())  # type: ignore[assignment]
    make = partial(tuple.__new__, MetricState)
    if not yielding:
        return list(map(make, columns))
    out: list[MetricState] = []
    while True:
        made = list(map(make, islice(columns, STATES_SLICE)))
        if not made:
            return out
        out += made
        sleep(0)


@dataclass(frozen=True)
class IdentityColumns:
    """The parts of a plan's states that are the same every run, as lists."""

    rows: tuple[Measurement, ...]
    keys: list[str]
    names: list[str]
    tests: list[str]
    short_names: list[str]
    units: list[str]
    points: list[str | None]
    methodologies: list[str | None]
    periods: list[str | None]
    scopes: list[str]


# -- PostgreSQL binary COPY ---------------------------------------------------------------------

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970-01-01


def binary_tuples(
    *,
    ids: NDArray[np.int64],
    at_unix_us: int,
    value: NDArray[np.float64],
    codes: NDArray[np.int8],
    table_ids: NDArray[np.int64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    votes: NDArray[np.int64],
    expected: NDArray[np.float64],
) -> bytes:
    """`metric_values` rows (metric_id, at, value, level, threshold_id, low, high, votes, expected)
    as the tuples of PostgreSQL's binary COPY format (between `COPY_HEADER` and `COPY_TRAILER`),
    built column by column: no text to format on this side and none to parse on the server's
    (issue 15). NaN, level code < 0 and id/votes < 0 are NULL.

    Rows with the same NULLs and the same level have the same layout: each such group is one
    packed NumPy record array, filled a field at a time, so the cost is a few array copies per
    group, not per row (a run has a few dozen groups). The rows come out group by group; a COPY
    stores them the same in any order."""
    n = len(ids)
    nullable: dict[str, tuple[NDArray[Any], NDArray[np.bool_], str]] = {
        "value": (value, ~np.isnan(value), ">f8"),
        "threshold_id": (table_ids, table_ids >= 0, ">i8"),
        "low": (low, ~np.isnan(low), ">f8"),
        "high": (high, ~np.isnan(high), ">f8"),
        "votes": (votes, votes >= 0, ">i4"),
        "expected": (expected, ~np.isnan(expected), ">f8"),
    }
    # The layout of a row: one bit per nullable field, and its level (NOT_ASSESSED: NULL).
    pattern = (codes.astype(np.int64) - NOT_ASSESSED) << len(nullable)
    for bit, (_data, present, _format) in enumerate(nullable.values()):
        pattern |= present.astype(np.int64) << bit
    order = np.argsort(pattern, kind="stable")
    layouts, starts = np.unique(pattern[order], return_index=True)
    stops = [*starts[1:].tolist(), n]
    at_pg = at_unix_us - _PG_EPOCH_US
    parts: list[bytes] = []
    for layout, first, stop in zip(layouts.tolist(), starts.tolist(), stops, strict=True):
        rows = order[first:stop]
        level = LEVEL_BY_CODE[layout >> len(nullable)]  # the code + 2, as LEVEL_BY_CODE is indexed
        # Each column of this layout, in the COPY's column order ("value" is set below, in its
        # place): (its value for these rows, its binary format), None for NULL.
        columns: dict[str, tuple[Any, str] | None] = {
            "metric_id": (ids[rows], ">i4"),
            "at": (at_pg, ">i8"),
            "value": None,
            "level": None if level is None else (level.value.encode(), f"S{len(level.value.encode())}"),
        }
        for bit, (name, (data, _present, format_)) in enumerate(nullable.items()):
            columns[name] = (data[rows], format_) if layout >> bit & 1 else None
        fields: list[tuple[str, str]] = [("count", ">i2")]
        for name, column in columns.items():
            fields += [(f"{name}_len", ">i4")] + ([] if column is None else [(name, column[1])])
        record = np.empty(len(rows), dtype=np.dtype(fields))  # packed: no padding between fields
        record["count"] = len(columns)
        for name, column in columns.items():
            record[f"{name}_len"] = -1 if column is None else np.dtype(column[1]).itemsize
            if column is not None:
                record[name] = column[0]
        parts.append(record.tobytes())
    return b"".join(parts)
