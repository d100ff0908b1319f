"""The engine's façade: load the tests once, evaluate one test for one window, store its history
in one transaction and publish the result to the snapshot hub."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Column, Engine, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from probe import memory
from probe.api import EvaluationTest, Measurement, MeasurementBatch, TestContext, Window
from probe.assess import ThresholdError, ThresholdTable
from probe.config import ProbeConfig, TestSettings
from probe.engine import clock, columns
from probe.engine.columns import Block, BlockPlan
from probe.engine.history import (
    MetricRegistry,
    MetricSpec,
    RunValues,
    log_run,
    process_origin,
    write_run,
)
from probe.engine.loader import LoadFailure, LoadReport, load_tests
from probe.engine.naming import KEY_LIMIT, full_name, metric_key, metric_scope, name_tail, question_label
from probe.engine.runner import Outcome, Runner
from probe.engine.thresholds import (
    OverrideIndex,
    check_config_thresholds,
    config_table,
    load_override_rows,
)
from probe.metric_names import DATABASE_AVAILABILITY, TEST_WORKS
from probe.snapshot import Evaluation, MetricState, PreparedRun, RunToPublish, SnapshotHub, TestState
from probe.store.db import is_read_only_violation, read_only_engine
from probe.store.ingest_mark import stored_through
from probe.store.limits import column_limit, fit_key, fit_text
from probe.store.schema import metrics, schema_info, test_runs
from probe.store.state import StateStore
from probe.topology import Topology, load_topology, topology_fingerprint

log = logging.getLogger(__name__)

_TEST_WORKS_TABLE = ThresholdTable.equal_to(1)
_DATABASE_TABLE = ThresholdTable.equal_to(100)


class DatabaseUnavailable(Exception):
    pass


@dataclass
class _Prepared:
    """What is read from the aggregator before a run: topology, threshold overrides, the
    ingestion watermark and the test's state store."""

    topology: Topology
    overrides: OverrideIndex = field(default_factory=OverrideIndex)
    ingest_mark: int | None = None
    state: StateStore | None = None


class Evaluator:
    def __init__(self, config: ProbeConfig, engine: Engine, hub: SnapshotHub) -> None:
        self.config = config
        self.engine = engine
        # Tests read through this one: every transaction on it refuses writes.
        self.read_engine = read_only_engine(engine)
        self.hub = hub
        self.tz = config.tz
        self.report: LoadReport = load_tests(config)
        self._tests: dict[str, EvaluationTest] = {}
        # Problems of the config's [tests.NAME] sections, one line each naming the file and key:
        # `run` refuses to start with any (the other commands report them per test).
        self.config_problems: list[str] = []
        where = str(config.source) if config.source else "<config>"
        for name, cls in sorted(self.report.loaded.items()):
            settings = self.settings(name)
            try:
                check_config_thresholds(name, settings.thresholds)
                self._tests[name] = cls(settings.parameters)
            except (KeyError, TypeError, ValueError, ThresholdError) as exc:
                message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                self.report.failed.append(
                    LoadFailure(self.report.sources[name], f"[tests.{name}]: {message}")
                )
                self.config_problems.append(f"{where}: key 'tests.{name}': {message}")
                log.error("evaluation test %s not loaded: [tests.%s]: %s", name, name, message)
            except Exception as exc:  # a test's own __init__ failing is that test's problem only
                self.report.failed.append(
                    LoadFailure(
                        self.report.sources[name], f"{name}: cannot create: {exc.__class__.__name__}: {exc}"
                    )
                )
        for name in [n for n in self.report.loaded if n not in self._tests]:
            del self.report.loaded[name]
        # A section for a test that does not exist (a misspelt [tests.LOYALTY_MOM]) would be
        # silently ignored: refuse it, unless a test file failed to load (it may be that one's).
        known = ", ".join(sorted(self.report.loaded)) or "none"
        for name in sorted(config.tests.model_extra or {}):
            if (
                name in self.report.loaded
                or name in self._tests
                or any(f"[tests.{name}]" in failure.error for failure in self.report.failed)
            ):
                continue
            if self.report.failed:
                log.warning("[tests.%s]: no loaded test has that name (some test files failed to load)", name)
                continue
            self.config_problems.append(f"{where}: key 'tests.{name}': no such test (tests: {known})")
        self._runners = {name: Runner(name) for name in self._tests}
        self._registry = MetricRegistry()
        self._topology = Topology()
        # The topology last loaded and its fingerprint (PostgreSQL): reloaded only when it changed.
        self._topology_cache: tuple[tuple[int, ...], Topology] | None = None
        self._plan_print: tuple[Topology, tuple[object, ...]] | None = None
        # Names and keys of the measurements seen before (the same every run): building them again
        # for every metric of every run would be most of the engine's own cost on a large chain.
        self._specs: dict[tuple[object, ...], MetricSpec] = {}
        # (test, position of the batch) -> (its rows, the plan's context, the plan, its keys)
        self._plans: dict[
            tuple[str, int], tuple[tuple[Measurement, ...], tuple[object, ...], BlockPlan, frozenset[str]]
        ] = {}
        self._states_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="states")
        self._state_rows: set[str] = set()  # tests whose state version row is known to exist
        # Who stored a run (run_log.origin): a follower skips its own process's runs.
        self.origin = process_origin()
        # In `run`: the lease check of the active probe (probe.lease), first in every history
        # transaction; it raises LeaseLost (nothing stored, nothing published) after a takeover.
        self.fence: Callable[[Connection], None] | None = None
        self._publish_test_states()

    # -- tests and their clocks ------------------------------------------------------------

    def settings(self, name: str) -> TestSettings:
        return self.config.tests.settings_for(name)

    def test(self, name: str) -> EvaluationTest:
        try:
            return self._tests[name]
        except KeyError:
            known = ", ".join(sorted(self._tests)) or "none"
            raise KeyError(f"no evaluation test {name!r} is loaded (loaded: {known})") from None

    def tests(self) -> list[str]:
        return sorted(self._tests)

    def enabled_tests(self) -> list[str]:
        return [name for name in sorted(self._tests) if self.settings(name).enabled]

    def interval_minutes(self, name: str) -> int:
        return self.settings(name).interval_minutes or type(self.test(name)).interval_minutes

    def schedule(self, name: str) -> str:
        return f"every {self.interval_minutes(name)} min"

    def window_for(self, name: str, end: dt.datetime) -> Window:
        """The window of the interval ending at the boundary at or before `end`."""
        return clock.window_ending(end, self.interval_minutes(name), self.tz)

    def boundary_at_or_before(self, name: str, at: dt.datetime) -> dt.datetime:
        return clock.boundary_at_or_before(at, self.interval_minutes(name), self.tz)

    def boundaries_between(self, name: str, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
        """Ends of the intervals of `name` that end in (first, last], in order (for backfill)."""
        return clock.boundaries_between(first, last, self.interval_minutes(name), self.tz)

    def last_evaluated_end(self, name: str, before: dt.datetime | None = None) -> dt.datetime | None:
        """The latest interval end stored for `name` (before `before`), None if there is none.
        A database error is raised: the scheduler must not take "unknown" for "never ran"."""
        query = select(func.max(test_runs.c.at)).where(test_runs.c.test == name)
        if before is not None:
            query = query.where(test_runs.c.at < before)
        with self.engine.connect() as conn:
            value: dt.datetime | None = conn.execute(query).scalar()
        return value

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, name: str, end: dt.datetime, *, historical: bool = False) -> Evaluation:
        """Run `name` for the interval ending at `end`, store and publish its results."""
        with memory.run_in_progress():
            return self._evaluate(name, end, historical)

    def _evaluate(self, name: str, end: dt.datetime, historical: bool) -> Evaluation:
        test = self.test(name)
        window = self.window_for(name, end)
        started_at = dt.datetime.now(dt.UTC)
        clock_start = time.perf_counter()
        prepared = self._prepare(name)
        database_ok = prepared is not None
        outcome: Outcome[list[Measurement | MeasurementBatch]]
        if prepared is None:
            outcome = Outcome(error=DatabaseUnavailable("the aggregator database is unavailable"))
        else:
            ctx = TestContext(
                window=window,
                engine=self.read_engine,
                topology=prepared.topology,
                params=test.params,
                log=logging.getLogger(f"probe.tests.{name}"),
                state=prepared.state,
                ingest_mark=prepared.ingest_mark,
            )
            outcome = self._runners[name].run(
                lambda: list(test.run(ctx)), self.settings(name).timeout_seconds
            )
            if not outcome.ok and not outcome.timed_out and isinstance(outcome.error, SQLAlchemyError):
                database_ok = self._ping()
        loose: list[Measurement] = []
        batches: list[Block] = []
        problem = None
        if outcome.ok:
            loose, batches, problem = _checked(outcome.value or [])
            if problem is not None:
                loose, batches = [], []
        test_ok = outcome.ok and problem is None
        error = None if test_ok else (problem or _describe_failure(name, outcome.error))
        if error:
            log.warning(
                "%s at %s failed: %s%s",
                name,
                window.end,
                error,
                "\n" + outcome.traceback if outcome.traceback else "",
            )
        assessed = self._assess(name, test, window, prepared, loose, batches, test_ok, database_ok)
        duration = time.perf_counter() - clock_start
        test_state = TestState(
            name=name,
            description=test.description,
            schedule=self.schedule(name),
            last_run=window.end,
            duration_seconds=duration,
            ok=test_ok,
            last_error=error or "",
        )

        def run_of(states: list[MetricState], database_ok: bool) -> RunToPublish:
            return RunToPublish(name, window.end, tuple(states), test_state, database_ok, test_ok, historical)

        if database_ok:
            # What is published needs only the ids and the arrays: when the ids are known before
            # the store (every run after a block's first), the states and the merged snapshot are
            # made on another thread while this one waits for the aggregator to take the COPY, and
            # published once the commit succeeded.
            known_before = [self._known_ids(plan) for plan, _block, _codes in assessed]
            early: Future[PreparedRun] | None = None

            def start_states() -> None:
                # Once the COPY has its first piece: the statements before it would otherwise
                # wait for the GIL behind this job after each round trip (up to the interpreter's
                # switch interval, 5 ms, each); it then runs while the server takes in the rows.
                nonlocal early
                if early is None and all(found is not None for found in known_before):
                    known_ids = [i for i in known_before if i is not None]
                    early = self._states_pool.submit(
                        lambda: self.hub.prepare_run(
                            run_of(_states_of(assessed, known_ids, name, window.end, yielding=True), True)
                        )
                    )

            try:
                store = prepared.state if prepared is not None and test_ok else None
                ids = self._store(
                    name,
                    window,
                    started_at,
                    duration,
                    test_ok,
                    error,
                    assessed,
                    store,
                    historical=historical,
                    while_storing=start_states,
                )
            except SQLAlchemyError as exc:
                # Without the statement: for a large chain it is megabytes of parameters.
                log.warning("%s at %s: cannot store the results: %s", name, window.end, _short(exc))
                database_ok = False
                assessed = self._assess(name, test, window, prepared, loose, batches, test_ok, database_ok)
            if database_ok:
                if early is not None and all(
                    b is not None and np.array_equal(a, b) for a, b in zip(ids, known_before, strict=True)
                ):
                    return self.hub.publish_prepared(early.result())
                return self.hub.publish_prepared(
                    self.hub.prepare_run(run_of(_states_of(assessed, ids, name, window.end), True))
                )
            if early is not None:
                early.result()  # not published: the run could not be stored
        states: list[MetricState] = []
        for plan, block, codes in assessed:
            known = np.array(
                [-1 if (i := self._registry.known_id(spec.key)) is None else i for spec in plan.specs],
                dtype=np.int64,
            )
            states += columns.states(
                plan=plan, ids=known, block=block, codes=codes, test=name, time=window.end, known=known >= 0
            )
        return self.hub.publish_prepared(self.hub.prepare_run(run_of(states, False)))

    def _ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(schema_info.c.version).limit(1)).all()
            return True
        except SQLAlchemyError:
            return False

    def _prepare(self, name: str) -> _Prepared | None:
        """Topology and overrides for a run; None when the aggregator cannot be read."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(schema_info.c.version).limit(1)).all()
                if not self._registry.loaded:
                    self._registry.load(conn)
                fingerprint = topology_fingerprint(conn)
                cached = self._topology_cache
                if fingerprint is not None and cached is not None and cached[0] == fingerprint:
                    topology = cached[1]
                else:
                    topology = load_topology(conn)
                    self._topology_cache = None if fingerprint is None else (fingerprint, topology)
                overrides = OverrideIndex(load_override_rows(conn, name))
            state = StateStore(name, self.read_engine)
            if name not in self._state_rows:
                state.ensure_version_row(self.engine)
                self._state_rows.add(name)
            # Last: the test's reads start after this, so they see every press at or below it.
            mark = stored_through(self.engine)
        except SQLAlchemyError as exc:
            log.warning("%s: the aggregator database is unavailable: %s", name, exc)
            return None
        if mark is None:
            log.warning(
                "%s: presses are locked by a long transaction; the ingestion mark is not advanced", name
            )
        self._topology = topology
        return _Prepared(topology, overrides, mark, state)

    def _assess(
        self,
        name: str,
        test: EvaluationTest,
        window: Window,
        prepared: _Prepared | None,
        loose: Sequence[Measurement],
        batches: Sequence[Block],
        test_ok: bool,
        database_ok: bool,
    ) -> list[tuple[BlockPlan, Block, NDArray[np.int8]]]:
        """Each block of the run with its plan (names, keys, tables) and its level codes. The
        engine's own two metrics and the loose measurements form the first block, planned every
        run; a batch's plan is kept while its rows tuple and what the plan depends on are the same."""
        topology = prepared.topology if prepared is not None else self._topology
        overrides = prepared.overrides if prepared is not None else OverrideIndex()
        settings = self.settings(name)
        hour = clock.hour_of_week(window) if settings.hour_of_week_thresholds else None
        by_evidence = settings.assess_by == "evidence"
        own = [
            Measurement(TEST_WORKS, 1.0 if test_ok else 0.0, thresholds=_TEST_WORKS_TABLE),
            Measurement(
                DATABASE_AVAILABILITY, 100.0 if database_ok else 0.0, unit="%", thresholds=_DATABASE_TABLE
            ),
        ]
        first = columns.block_of([*own, *loose])
        keys: set[str] = set()
        plan = self._plan(name, test, window, topology, overrides, hour, first.rows, len(own), keys)
        result = [(plan, first, columns.assess(plan, first.value, first.low, first.high, by_evidence))]
        if not batches:
            return result
        context = (
            window.interval_minutes,
            hour,
            None if test.thresholds_ignore_window else window.end,
            overrides.fingerprint,
            repr(settings.thresholds),
            self._plan_fingerprint(topology),
        )
        for position, block in enumerate(batches):
            kept = self._plans.get((name, position))
            if kept is not None and kept[0] is block.rows and kept[1] == context and keys.isdisjoint(kept[3]):
                plan = kept[2]
                if position + 1 < len(batches):  # only a later batch can collide with its keys
                    keys |= kept[3]
            else:
                before = set(keys)
                plan = self._plan(name, test, window, topology, overrides, hour, block.rows, 0, keys)
                self._plans[(name, position)] = (block.rows, context, plan, frozenset(keys - before))
            result.append(
                (plan, block, columns.assess(plan, block.value, block.low, block.high, by_evidence))
            )
        return result

    def _plan_fingerprint(self, topology: Topology) -> tuple[object, ...]:
        """`_topology_fingerprint`, computed once per topology object: every run gets the same
        one from `_prepare` until the topology changes."""
        kept = self._plan_print
        if kept is None or kept[0] is not topology:
            kept = self._plan_print = (topology, _topology_fingerprint(topology))
        return kept[1]

    def _plan(
        self,
        name: str,
        test: EvaluationTest,
        window: Window,
        topology: Topology,
        overrides: OverrideIndex,
        hour: int | None,
        rows: Sequence[Measurement],
        own: int,
        keys: set[str],
    ) -> BlockPlan:
        """Names, keys and threshold tables of a block's rows (the first `own` rows are the
        engine's metrics, assessed by their own tables); `keys` collects the keys used so far."""
        settings = self.settings(name)
        specs: list[MetricSpec] = []
        tables: list[ThresholdTable | None] = []
        regions: list[str | None] = []
        questions: list[str | None] = []
        for index, m in enumerate(rows):
            point = topology.points.get(m.point) if m.point is not None else None
            question = topology.questions.get(m.question) if m.question is not None else None
            question_text = question.text if question is not None else m.question
            point_id = point.id if point is not None else None
            cache_key = (
                name, m.methodology, m.point, m.question, m.short_name, m.key_hint, m.period, m.unit,
                question_text, point_id, window.interval_minutes,
            )  # fmt: skip
            spec = self._specs.get(cache_key)
            if spec is None:
                spec = MetricSpec(
                    key=metric_key(name, m),
                    name=full_name(name, m, window, question_text),
                    test=name,
                    # What a test plug-in says goes into columns of fixed length on every dialect.
                    short_name=fit_text(m.short_name, column_limit(metrics.c.short_name)),
                    methodology=_fit_optional(m.methodology, metrics.c.methodology),
                    point_id=point_id,
                    question_id=None if m.question is None else fit_key(m.question, _QUESTION_ID_LIMIT),
                    period=m.period,
                    unit=fit_text(m.unit, column_limit(metrics.c.unit)),
                    scope=metric_scope(m.point),
                )
                self._specs[cache_key] = spec
            if spec.key in keys:  # two names that transliterate alike: keep both, told apart by the name
                told_apart = spec.key + "." + hashlib.sha1(spec.name.encode()).hexdigest()[:8]
                spec = replace(spec, key=fit_key(told_apart, KEY_LIMIT))
            keys.add(spec.key)
            metric_name = spec.name
            table = overrides.pick(metric_name, spec.point_id, hour)
            if table is None:
                table = self._config_table(name, settings, m, metric_name, window, question_text)
            if table is None:
                table = m.thresholds if index < own else self._default_table(test, m, window)
            specs.append(spec)
            tables.append(table)
            regions.append(point.region if point is not None else None)
            questions.append(question_label(question_text) if question_text is not None else None)
        return BlockPlan(specs, tables, regions, questions)

    @staticmethod
    def _config_table(
        name: str,
        settings: TestSettings,
        m: Measurement,
        metric_name: str,
        window: Window,
        question_text: str | None,
    ) -> ThresholdTable | None:
        if not settings.thresholds:
            return None
        # Config keys name a point's metric by "[question. ]short name. period", built here from
        # the measurement's parts (never cut out of the full name).
        tail = name_tail(m, window, question_text) if m.point is not None else None
        names = [n for n in (tail, m.short_name) if n]
        try:
            return config_table(settings.thresholds, name, m.point, metric_name, names)
        except ThresholdError as exc:  # checked at start; kept safe for configs changed at run time
            log.error("%s", exc)
            return None

    @staticmethod
    def _default_table(test: EvaluationTest, m: Measurement, window: Window) -> ThresholdTable | None:
        try:
            return test.thresholds(m, window)
        except Exception:  # a broken thresholds() leaves the metric unassessed, not the run failed
            log.exception("%s: thresholds() failed for %s", test.name, m.short_name)
            return None

    def _store(
        self,
        name: str,
        window: Window,
        started_at: dt.datetime,
        duration: float,
        test_ok: bool,
        error: str | None,
        assessed: Sequence[tuple[BlockPlan, Block, NDArray[np.int8]]],
        state: StateStore | None = None,
        *,
        historical: bool = False,
        while_storing: Callable[[], None] | None = None,
    ) -> list[NDArray[np.int64]]:
        """The run's history in one transaction; the metric ids of each block. `while_storing` is
        called once the server has the first of the rows (see `write_run`)."""
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    if self.fence is not None:
                        self.fence(conn)
                    if state is not None:
                        # First: its compare-and-set serialises two processes storing this test.
                        state.write(conn)
                    ids: list[NDArray[np.int64]] = []
                    for plan, _block, _codes in assessed:
                        known = self._known_ids(plan)
                        if known is not None:  # stored already under these names and scopes
                            ids.append(known)
                            continue
                        entries = self._registry.ensure(conn, plan.specs, started_at)
                        ids.append(np.array([entries[spec.key][0] for spec in plan.specs], dtype=np.int64))
                    blocks = [block for _plan, block, _codes in assessed]
                    write_run(
                        conn,
                        test=name,
                        at=window.end,
                        started_at=started_at,
                        duration_seconds=duration,
                        ok=test_ok,
                        error=error,
                        values=RunValues(
                            ids=np.concatenate(ids),
                            value=np.concatenate([b.value for b in blocks]),
                            codes=np.concatenate([codes for _plan, _block, codes in assessed]),
                            table_ids=np.concatenate([plan.table_ids for plan, _block, _codes in assessed]),
                            low=np.concatenate([b.low for b in blocks]),
                            high=np.concatenate([b.high for b in blocks]),
                            votes=np.concatenate([b.votes for b in blocks]),
                            expected=np.concatenate([b.expected for b in blocks]),
                            tables=list(
                                dict.fromkeys(t for plan, _b, _c in assessed for t in plan.distinct_tables)
                            ),
                        ),
                        while_storing=while_storing,
                    )
                    # Last: every process follows the runs others stored (probe.follow).
                    log_run(
                        conn,
                        test=name,
                        at=window.end,
                        historical=historical,
                        test_ok=test_ok,
                        origin=self.origin,
                    )
                for (plan, _block, _codes), block_ids in zip(assessed, ids, strict=True):
                    if plan.ids is None:
                        self._registry.remember(
                            {
                                spec.key: (int(i), spec.name)
                                for spec, i in zip(plan.specs, block_ids.tolist(), strict=True)
                            },
                            plan.specs,
                        )
                        plan.ids = block_ids
                return ids
            except SQLAlchemyError:
                # Another process created the same metric or run meanwhile: reload and try once more.
                if attempt == 2:
                    raise
                with self.engine.connect() as conn:
                    self._registry.load(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    def _known_ids(self, plan: BlockPlan) -> NDArray[np.int64] | None:
        """The ids of a plan's metrics when every one is stored with the plan's name and scope."""
        if plan.ids is not None:
            return plan.ids
        return self._registry.known_ids(plan.specs)

    def _publish_test_states(self) -> None:
        current = {t.name: t for t in self.hub.current.tests}
        snapshot = self.hub.current
        for name, test in self._tests.items():
            old = current.get(name)
            snapshot = snapshot.with_test(
                TestState(
                    name=name,
                    description=test.description,
                    schedule=self.schedule(name),
                    last_run=old.last_run if old else None,
                    duration_seconds=old.duration_seconds if old else None,
                    ok=old.ok if old else None,
                    last_error=old.last_error if old else "",
                )
            )
        for failure in self.report.failed:
            snapshot = snapshot.with_test(
                TestState(name=failure.path.name, last_error=failure.error, failed_to_load=True)
            )
        self.hub.publish(snapshot)


def _short(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return f"{exc.__class__.__name__}: {orig if orig is not None else str(exc)[:300]}"


def _describe(error: BaseException | None) -> str:
    if error is None:
        return ""
    return f"{error.__class__.__name__}: {error}"


def _describe_failure(name: str, error: BaseException | None) -> str:
    if error is not None and is_read_only_violation(error):
        orig = getattr(error, "orig", error)
        return (
            f"test {name} tried to write to the aggregator database, but evaluation tests get a read-only "
            f"connection; keep what must last between runs in ctx.state (docs/writing-tests.md) ({orig})"
        )
    return _describe(error)


def _checked(values: Sequence[object]) -> tuple[list[Measurement], list[Block], str | None]:
    """The loose measurements of a run (NaN as None) and its batches as blocks, or a message
    saying what is wrong with them."""
    loose: list[Measurement] = []
    batches: list[Block] = []
    seen: set[tuple[object, ...]] = set()
    for index, item in enumerate(values):
        if isinstance(item, MeasurementBatch):
            block, problem = columns.check_batch(item, index)
            if block is None:
                return [], [], problem
            batches.append(block)
            continue
        if not isinstance(item, Measurement):
            return (
                [],
                [],
                f"run() returned {type(item).__name__} at position {index}, expected Measurement or MeasurementBatch",
            )
        checked, problem = columns.check_measurement(item)
        if checked is None:
            return [], [], problem
        identity = columns.identity(checked)
        if identity in seen:
            return [], [], f"two measurements are the same metric {identity!r} (give them a key_hint)"
        seen.add(identity)
        loose.append(checked)
    for position, block in enumerate(batches):
        problem, identities = _rows_checked(block.rows)
        if problem is not None:
            return [], [], problem
        if not seen.isdisjoint(identities):
            duplicate = next(iter(seen & identities))
            return [], [], f"two measurements are the same metric {duplicate!r} (give them a key_hint)"
        if position + 1 < len(batches):
            seen = seen | identities
    return loose, batches, None


# id(rows) -> (rows, what is wrong with them, their identities): a test returns the same rows tuple
# run after run; hashing 100,000 Measurements per run would cost more than the check itself.
_ROWS_CHECKED: dict[int, tuple[tuple[Measurement, ...], str | None, frozenset[tuple[object, ...]]]] = {}
_ROWS_LOCK = threading.Lock()


def _rows_checked(rows: tuple[Measurement, ...]) -> tuple[str | None, frozenset[tuple[object, ...]]]:
    with _ROWS_LOCK:
        found = _ROWS_CHECKED.get(id(rows))
    if found is not None and found[0] is rows:
        return found[1], found[2]
    problem = columns.check_rows(rows)
    identities = frozenset() if problem else frozenset(columns.identity(m) for m in rows)
    with _ROWS_LOCK:
        if len(_ROWS_CHECKED) >= 64:
            _ROWS_CHECKED.clear()
        _ROWS_CHECKED[id(rows)] = (rows, problem, identities)
    return problem, identities


def _states_of(
    assessed: Sequence[tuple[BlockPlan, Block, NDArray[np.int8]]],
    ids: Sequence[NDArray[np.int64]],
    test: str,
    at: dt.datetime,
    *,
    yielding: bool = False,
) -> list[MetricState]:
    states: list[MetricState] = []
    for (plan, block, codes), block_ids in zip(assessed, ids, strict=True):
        states += columns.states(
            plan=plan, ids=block_ids, block=block, codes=codes, test=test, time=at, yielding=yielding
        )
    return states


def _topology_fingerprint(topology: Topology) -> tuple[object, ...]:
    """What a plan takes from the topology: point ids and regions, question texts."""
    return (
        tuple((p.name, p.id, p.region) for p in topology.points.values()),
        tuple((q.id, q.text) for q in topology.questions.values()),
    )


__all__ = ["DATABASE_AVAILABILITY", "TEST_WORKS", "Evaluator"]


_QUESTION_ID_LIMIT = column_limit(metrics.c.question_id)


def _fit_optional(text: str | None, column: Column[str]) -> str | None:
    return None if text is None else fit_text(text, column_limit(column))
