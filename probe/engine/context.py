"""Building a test's context the way the engine does, for callers that run one test's code without
storing results (the LOYALTY_MON tests and benchmarks): the read-only engine, the ingestion mark
and the state store, whose changes are written afterwards as the engine would."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from probe.api import EvaluationTest, Measurement, TestContext, Window, flatten
from probe.store.db import read_only_engine
from probe.store.ingest_mark import stored_through
from probe.store.state import StateStore
from probe.topology import Topology


def run_storing_state(
    test: EvaluationTest,
    window: Window,
    engine: Engine,
    topology: Topology,
    *,
    read_engine: Engine | None = None,
) -> list[Measurement]:
    """`test.run` with a context as the engine builds it, batches as `Measurement` objects; its
    state changes are committed."""
    reader = read_engine or read_only_engine(engine)
    state = StateStore(test.name, reader)
    state.ensure_version_row(engine)
    ctx = TestContext(
        window=window,
        engine=reader,
        topology=topology,
        params=test.params,
        log=logging.getLogger(f"probe.tests.{test.name}"),
        state=state,
        ingest_mark=stored_through(engine),
    )
    result = flatten(test.run(ctx))
    with engine.begin() as conn:
        state.write(conn)
    return result
