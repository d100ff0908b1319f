"""`MeasurementBatch.measurements()` (issue 15) builds its objects without the frozen dataclass'
constructor: they must be exactly what `dataclasses.replace` of each row gives — equal, same hash
and repr, still frozen — with NaN / -1 read as None."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from probe.api import Measurement, MeasurementBatch, ThresholdTable, flatten


def test_objects_equal_replaced_rows() -> None:
    rows = (
        Measurement("% негативных ответов", None, point="Калужская", period="day", question="q1", unit="%"),
        Measurement("Число голосований", None, methodology="СОКОК", thresholds=ThresholdTable.equal_to(1)),
        Measurement("Очередь", 7.0, key_hint="app", low=1.0, votes=3),  # its numbers are not used
    )
    nan = float("nan")
    batch = MeasurementBatch(
        rows,
        np.array([12.5, 3.0, nan]),
        low=np.array([4.0, nan, nan]),
        high=np.array([30.25, nan, nan]),
        votes=np.array([8, -1, -1]),
        expected=np.array([nan, nan, 2.5]),
    )
    expected = [
        replace(rows[0], value=12.5, low=4.0, high=30.25, votes=8, expected=None),
        replace(rows[1], value=3.0, low=None, high=None, votes=None, expected=None),
        replace(rows[2], value=None, low=None, high=None, votes=None, expected=2.5),
    ]
    got = flatten([rows[0], batch])[1:]
    assert got == expected
    assert [hash(m) for m in got] == [hash(m) for m in expected]
    assert [repr(m) for m in got] == [repr(m) for m in expected]
    assert type(got[0].votes) is int and type(got[0].value) is float
    with pytest.raises(AttributeError):
        got[0].value = 1.0  # type: ignore[misc]  # still frozen
    assert rows[2].votes == 3 and rows[0].value is None  # the rows themselves are left alone


def test_missing_columns_are_none() -> None:
    rows = (Measurement("a", None), Measurement("b", None))
    got = MeasurementBatch(rows, np.array([1.0, 2.0])).measurements()
    assert got == [Measurement("a", 1.0), Measurement("b", 2.0)]
