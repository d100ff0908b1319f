"""LOYALTY_MON's measurements as one column-wise `MeasurementBatch` (issue 15) equal, field by
field and float for float (values, Wilson bounds, votes), the ones the test built one object at a
time before (`object_path`), for random topologies and counts; the identities are built once and
the same `rows` tuple comes back while the topology's points, pads and questions stay the same.
Also the column-wise day state: stored and read back, and added group by group."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.api import Measurement, MeasurementBatch, flatten
from probe.topology import Pad, Point, Question, Topology
from tests.loyalty_mon import object_path
from tests.loyalty_mon.support import LM

METHODOLOGIES = ("УСОКОК", "СОКОК", "Опросы", "Другая")  # an unknown one counts like СОКОК
QUESTIONS = ("q1", "q2", "q3")
Counts = Any  # a CountTable of the test module (loaded from its file, as the engine does)


@st.composite
def topologies(draw: st.DrawFn) -> Topology:
    """Points (some without an id, as before they are stored), questions, pads of any methodology
    (some of points that do not exist, some points with several pads or none)."""
    names = [f"Точка {n}" for n in range(draw(st.integers(0, 6)))]
    ids = draw(st.lists(st.integers(1, 50), min_size=len(names), max_size=len(names), unique=True))
    points = {
        name: Point(name, id=None if draw(st.booleans()) and n % 3 == 2 else point_id)
        for n, (name, point_id) in enumerate(zip(names, ids, strict=True))
    }
    questions = {q: Question(q, f"Вопрос {q}?") for q in draw(st.sets(st.sampled_from(QUESTIONS)))}
    pad_list = draw(
        st.lists(
            st.tuples(st.sampled_from([*names, "Нет такой"]), st.sampled_from(METHODOLOGIES)), max_size=12
        )
    )
    pads = {f"P{n}": Pad(f"P{n}", point, methodology) for n, (point, methodology) in enumerate(pad_list)}
    return Topology(points, questions, pads)


def counts(draw: st.DrawFn, topology: Topology) -> Counts:
    """Random groups of the topology's points (and others that no measurement asks for), random
    counts: zero (no percentage), small and large."""
    point_ids = [p.id for p in topology.points.values() if p.id is not None] + [999]
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(point_ids),
                st.sampled_from(METHODOLOGIES),
                st.sampled_from(["", *QUESTIONS, "qX"]),
            ),
            unique=True,
            max_size=30,
        )
    )
    number = st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 10**9))
    rows = [[draw(number) for _ in LM.COUNT_FIELDS] for _ in keys]
    return LM.CountTable(keys, np.array(rows, dtype=np.int64).reshape(len(keys), len(LM.COUNT_FIELDS)))


@st.composite
def runs(draw: st.DrawFn) -> tuple[Topology, Counts, Counts]:
    topology = draw(topologies())
    return topology, counts(draw, topology), counts(draw, topology)


def batch_of(test: Any, topology: Topology, interval: Counts, day: Counts) -> MeasurementBatch:
    batch = LM.measurement_batch(test.layout(topology), interval, day)
    assert isinstance(batch, MeasurementBatch)
    return batch


def assert_same(batch: MeasurementBatch, expected: list[Measurement]) -> None:
    got = flatten([batch])
    assert len(got) == len(expected)
    for new, old in zip(got, expected, strict=True):
        for field in ("value", "low", "high"):
            a, b = getattr(new, field), getattr(old, field)
            assert (a is None and b is None) or (type(a) is float and a == b), (field, new, old)
        assert new.votes == old.votes and (new.votes is None or type(new.votes) is int), (new, old)
        assert new == old


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_batch_equals_the_object_path(case: tuple[Topology, Counts, Counts]) -> None:
    topology, interval, day = case
    expected = object_path.build_measurements(
        topology, object_path.counts_of(interval), object_path.counts_of(day)
    )
    assert_same(batch_of(LM.LOYALTY_MON(), topology, interval, day), expected)


def test_a_chain_with_every_methodology() -> None:
    """A fixed case that the random ones may miss: every methodology, questions, company sums."""
    points = {n: Point(n, id=i) for i, n in enumerate(["А", "Б", "В"], start=1)}
    pads = {
        "1": Pad("1", "А", "УСОКОК"),
        "2": Pad("2", "А", "Опросы"),
        "3": Pad("3", "Б", "Опросы"),
        "4": Pad("4", "В", "СОКОК"),
    }
    topology = Topology(points, {q: Question(q, q) for q in ("q2", "q1")}, pads)
    rng = np.random.default_rng(3)
    keys = [(1, "УСОКОК", ""), (1, "Опросы", "q1"), (1, "Опросы", ""), (2, "Опросы", "q2"), (3, "СОКОК", "")]
    interval = LM.CountTable(keys, rng.integers(0, 4, (5, 8)))
    day = LM.CountTable(keys[1:], rng.integers(0, 40, (4, 8)))
    expected = object_path.build_measurements(
        topology, object_path.counts_of(interval), object_path.counts_of(day)
    )
    batch = batch_of(LM.LOYALTY_MON(), topology, interval, day)
    assert_same(batch, expected)
    # Metrics (each for 2 periods): УСОКОК 12, Опросы 7 per question + 2, СОКОК 8; points А (УСОКОК,
    # Опросы), Б (Опросы), В (СОКОК) and the company (all three).
    assert len(batch) == 2 * ((12 + 16) + 16 + 8 + (12 + 16 + 8)) == 176


def test_rows_are_built_once_per_topology() -> None:
    def chain(questions: tuple[str, ...], point_id: int = 1) -> Topology:
        return Topology(
            {"А": Point("А", id=point_id)},
            {q: Question(q, q) for q in questions},
            {"1": Pad("1", "А", "Опросы")},
        )

    test = LM.LOYALTY_MON()
    empty = LM.CountTable.empty()
    first = batch_of(test, chain(("q1",)), empty, empty)
    again = batch_of(test, chain(("q1",)), empty, empty)  # an equal topology, loaded again
    assert again.rows is first.rows
    for changed in (chain(("q1", "q2")), chain(("q1",), point_id=2)):
        other = batch_of(test, changed, empty, empty)
        assert other.rows is not first.rows
        assert_same(other, object_path.build_measurements(changed, {}, {}))


@settings(max_examples=100, deadline=None)
@given(runs())
def test_day_state_round_trip_and_sum(case: tuple[Topology, Counts, Counts]) -> None:
    _, base, increment = case
    total = base.plus(increment)
    expected = object_path.counts_of(base)
    for key, added in object_path.counts_of(increment).items():
        expected.setdefault(key, object_path.Counts()).add(added)
    assert object_path.counts_of(total) == expected
    state = LM.DayState(dt.datetime(2026, 11, 20, 7, 10), 42, total)
    stored = json.loads(json.dumps(LM.encode_day(state)))
    read = LM.decode_day(stored)
    assert read is not None and (read.counted_to, read.counted_through) == (state.counted_to, 42)
    assert object_path.counts_of(read.totals) == {
        key: counts for key, counts in expected.items() if counts != object_path.Counts()
    }
    # The format before the matrix one is still read (no recount of the day after an upgrade).
    kept = total.without_zeros()
    old = {
        "counted_to": state.counted_to.isoformat(),
        "counted_through": 42,
        "point_ids": [key[0] for key in kept.keys],
        "methodologies": [key[1] for key in kept.keys],
        "questions": [key[2] for key in kept.keys],
        "counts": kept.counts.ravel().tolist(),
    }
    from_old = LM.decode_day(json.loads(json.dumps(old)))
    assert from_old is not None and object_path.counts_of(from_old.totals) == object_path.counts_of(
        read.totals
    )


def test_a_damaged_day_state_is_recounted_not_trusted() -> None:
    """Anything that is not a day state this version wrote decodes to None (the day is then
    recounted from the presses), at bounded cost: a value claiming a billion groups, a matrix
    that inflates beyond what it claims, indexes outside the lists, garbage."""
    keys = [(1, "СОКОК", ""), (2, "Опросы", "q1")]
    totals = LM.CountTable(keys, np.arange(2 * len(LM.COUNT_FIELDS), dtype=np.int64).reshape(2, -1))
    good = LM.encode_day(LM.DayState(dt.datetime(2026, 11, 20, 7, 10), 7, totals))
    assert LM.decode_day(good) is not None
    matrix = np.zeros((2, 3 + len(LM.COUNT_FIELDS)), dtype="<i8")
    matrix[1, 1] = 5  # no sixth methodology
    bomb = np.zeros(10_000_000, dtype=np.uint8).tobytes()
    for damaged in (
        {**good, "groups": 10**9},
        {**good, "groups": 1},
        {**good, "matrix": base64.b64encode(zlib.compress(bomb)).decode()},
        {**good, "matrix": base64.b64encode(zlib.compress(matrix.tobytes())).decode()},
        {**good, "matrix": "not base64!"},
        {**good, "methodologies": [1, 2]},
        {**good, "counted_to": "yesterday"},
        {"format": 2},
        [1, 2, 3],
        None,
    ):
        assert LM.decode_day(damaged) is None, damaged
