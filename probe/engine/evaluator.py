"""The engine's façade: load the tests once, evaluate one test for one window, store its history
in one transaction and publish the result to the snapshot hub."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Column, Engine, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from probe.api import EvaluationTest, Measurement, TestContext, Window
from probe.assess import ThresholdError, ThresholdTable
from probe.config import ProbeConfig, TestSettings
from probe.engine import clock
from probe.engine.history import (
    MetricRegistry,
    MetricSpec,
    ValueRow,
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
from probe.evidence import evidence_level
from probe.levels import Level
from probe.metric_names import DATABASE_AVAILABILITY, TEST_WORKS
from probe.snapshot import Evaluation, MetricState, SnapshotHub, TestState
from probe.store.db import is_read_only_violation, read_only_engine
from probe.store.ingest_mark import stored_through
from probe.store.limits import column_limit, fit_key, fit_text
from probe.store.schema import metrics, schema_info, test_runs
from probe.store.state import StateStore
from probe.topology import Topology, load_topology

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


@dataclass
class _Item:
    measurement: Measurement
    spec: MetricSpec
    table: ThresholdTable | None
    level: Level | None
    region: str | None
    question_text: str | None


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
        # Names and keys of the measurements seen before (the same every run): building them again
        # for every metric of every run would be most of the engine's own cost on a large chain.
        self._specs: dict[tuple[object, ...], MetricSpec] = {}
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

    def last_evaluated_end(self, name: str) -> dt.datetime | None:
        try:
            with self.engine.connect() as conn:
                value = conn.execute(
                    select(func.max(test_runs.c.at)).where(test_runs.c.test == name)
                ).scalar()
        except SQLAlchemyError:
            return None
        return value

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, name: str, end: dt.datetime, *, historical: bool = False) -> Evaluation:
        test = self.test(name)
        window = self.window_for(name, end)
        started_at = dt.datetime.now(dt.UTC)
        clock_start = time.perf_counter()
        prepared = self._prepare(name)
        database_ok = prepared is not None
        outcome: Outcome[list[Measurement]]
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
        measurements, problem = ([], None) if not outcome.ok else _checked(outcome.value or [])
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
        items = self._assess(name, test, window, prepared, measurements, test_ok, database_ok)
        duration = time.perf_counter() - clock_start
        ids: dict[str, tuple[int, str]] = {}
        if database_ok:
            try:
                store = prepared.state if prepared is not None and test_ok else None
                ids = self._store(
                    name, window, started_at, duration, test_ok, error, items, store, historical=historical
                )
            except SQLAlchemyError as exc:
                # Without the statement: for a large chain it is megabytes of parameters.
                log.warning("%s at %s: cannot store the results: %s", name, window.end, _short(exc))
                database_ok = False
                items = self._assess(name, test, window, prepared, measurements, test_ok, database_ok)
        if not database_ok:
            ids = {}
            for item in items:
                known = self._registry.known_id(item.spec.key)
                if known is not None:
                    ids[item.spec.key] = (known, item.spec.name)
        states = tuple(
            MetricState(
                id=ids[item.spec.key][0],
                key=item.spec.key,
                name=item.spec.name,
                test=name,
                short_name=item.measurement.short_name,
                value=item.measurement.value,
                level=item.level,
                time=window.end,
                unit=item.spec.unit,
                point=item.measurement.point,
                region=item.region,
                question=item.question_text,
                methodology=item.measurement.methodology,
                period=item.measurement.period,
                thresholds=item.table,
                scope=item.spec.scope,
                low=item.measurement.low,
                high=item.measurement.high,
                votes=item.measurement.votes,
                expected=item.measurement.expected,
            )
            for item in items
            if item.spec.key in ids
        )
        state = TestState(
            name=name,
            description=test.description,
            schedule=self.schedule(name),
            last_run=window.end,
            duration_seconds=duration,
            ok=test_ok,
            last_error=error or "",
        )
        return self.hub.publish_run(
            test=name,
            at=window.end,
            states=states,
            test_state=state,
            database_ok=database_ok,
            test_ok=test_ok,
            historical=historical,
        )

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
                topology = load_topology(conn)
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
        measurements: Sequence[Measurement],
        test_ok: bool,
        database_ok: bool,
    ) -> list[_Item]:
        topology = prepared.topology if prepared is not None else self._topology
        overrides = prepared.overrides if prepared is not None else OverrideIndex()
        settings = self.settings(name)
        hour = clock.hour_of_week(window) if settings.hour_of_week_thresholds else None
        own = [
            Measurement(TEST_WORKS, 1.0 if test_ok else 0.0, thresholds=_TEST_WORKS_TABLE),
            Measurement(
                DATABASE_AVAILABILITY, 100.0 if database_ok else 0.0, unit="%", thresholds=_DATABASE_TABLE
            ),
        ]
        items = []
        keys: set[str] = set()
        for index, m in enumerate([*own, *measurements]):
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
                table = m.thresholds if index < len(own) else self._default_table(test, m, window)
            items.append(
                _Item(
                    measurement=m,
                    spec=spec,
                    table=table,
                    level=None if table is None else _level(table, m, settings.assess_by),
                    region=point.region if point is not None else None,
                    question_text=question_label(question_text) if question_text is not None else None,
                )
            )
        return items

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
        items: Sequence[_Item],
        state: StateStore | None = None,
        *,
        historical: bool = False,
    ) -> dict[str, tuple[int, str]]:
        specs = [item.spec for item in items]
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    if self.fence is not None:
                        self.fence(conn)
                    if state is not None:
                        # First: its compare-and-set serialises two processes storing this test.
                        state.write(conn)
                    ids = self._registry.ensure(conn, specs, started_at)
                    write_run(
                        conn,
                        test=name,
                        at=window.end,
                        started_at=started_at,
                        duration_seconds=duration,
                        ok=test_ok,
                        error=error,
                        values=[
                            ValueRow(
                                ids[item.spec.key][0],
                                item.measurement.value,
                                item.level,
                                item.table,
                                item.measurement.low,
                                item.measurement.high,
                                item.measurement.votes,
                                item.measurement.expected,
                            )
                            for item in items
                        ],
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
                self._registry.remember(ids, specs)
                return ids
            except SQLAlchemyError:
                # Another process created the same metric or run meanwhile: reload and try once more.
                if attempt == 2:
                    raise
                with self.engine.connect() as conn:
                    self._registry.load(conn)
        raise AssertionError("unreachable")  # pragma: no cover

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


def _level(table: ThresholdTable, m: Measurement, assess_by: str) -> Level:
    """SPEC §4's level of the value, or (`assess_by = "evidence"`) the level its interval proves."""
    if assess_by == "evidence":
        return evidence_level(table, m.value, m.low, m.high)
    return table.assess(m.value)


def _evidence_problem(m: Measurement) -> str | None:
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
    if m.votes is not None and (isinstance(m.votes, bool) or not isinstance(m.votes, int) or m.votes < 0):
        return f"votes must be a whole number >= 0 or None, got {m.votes!r}"
    expected = m.expected
    if expected is not None and (
        isinstance(expected, bool) or not isinstance(expected, int | float) or not math.isfinite(expected)
    ):
        return f"expected must be a finite number or None, got {expected!r}"
    return None


def _checked(values: Sequence[object]) -> tuple[list[Measurement], str | None]:
    """The measurements of a run with NaN as None, or a message saying what is wrong with them."""
    result: list[Measurement] = []
    seen: set[tuple[object, ...]] = set()
    for index, m in enumerate(values):
        if not isinstance(m, Measurement):
            return [], f"run() returned {type(m).__name__} at position {index}, expected Measurement"
        value = m.value
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return [], f"measurement {m.short_name!r}: value must be a number or None, got {value!r}"
            value = None if math.isnan(value) else float(value)
        if m.period not in (None, "interval", "day"):
            return (
                [],
                f"measurement {m.short_name!r}: period must be 'interval', 'day' or None, got {m.period!r}",
            )
        evidence_problem = _evidence_problem(m)
        if evidence_problem is not None:
            return [], f"measurement {m.short_name!r}: {evidence_problem}"
        identity = (m.methodology, m.point, m.question, m.short_name, m.key_hint, m.period)
        if identity in seen:
            return [], f"two measurements are the same metric {identity!r} (give them a key_hint)"
        seen.add(identity)
        result.append(m if value is m.value else replace(m, value=value))
    return result, None


__all__ = ["DATABASE_AVAILABILITY", "TEST_WORKS", "Evaluator"]


_QUESTION_ID_LIMIT = column_limit(metrics.c.question_id)


def _fit_optional(text: str | None, column: Column[str]) -> str | None:
    return None if text is None else fit_text(text, column_limit(column))
