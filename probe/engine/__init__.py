"""The evaluation engine (SPEC §3, §4): loads tests, evaluates windows, names, ids, assessments,
history and the published snapshot. Everybody else uses the `Evaluator` façade."""

from __future__ import annotations

from probe.engine.evaluator import DATABASE_AVAILABILITY, TEST_WORKS, Evaluator
from probe.engine.loader import LoadFailure, LoadReport, load_tests

__all__ = ["DATABASE_AVAILABILITY", "TEST_WORKS", "Evaluator", "LoadFailure", "LoadReport", "load_tests"]
