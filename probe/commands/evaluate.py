"""`prolan-probe evaluate`, `metrics`, `tests` and `backfill`: the engine from the command line.

`evaluate` runs tests for the interval ending at the boundary at or before `--at` (now by default),
exactly as the scheduler would then, stores the result and prints it; the running service picks the
stored result up (probe.follow) and is the one that sends traps, e-mail and SMS for it. `metrics`
prints the current values (the latest stored value of every metric, what the SNMP agent serves).
`tests` lists the loaded tests with their schedule and last run, and the files that failed to load
with the reason. `backfill` evaluates every interval of a range, in order, as history.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from probe import memory
from probe.commands.base import CommandError, Context, parse_local_time, print_table
from probe.commands.demo import DEMO_HOOKS
from probe.config import ProbeConfig
from probe.demo import DemoSummary
from probe.engine import Evaluator
from probe.filters import SERVICE_POINTS, TESTS, NoSuchName, resolve
from probe.i18n import N_, _
from probe.levels import Level
from probe.snapshot import MetricState, SnapshotHub
from probe.store.current import load_snapshot
from probe.store.schema import test_runs
from probe.topology import load_topology

log = logging.getLogger(__name__)
FORMATS = ("table", "json", "csv")
# The state of a test in `tests` (JSON keeps the English words; tables translate them).
STATES = {"never run": N_("never run"), "ok": N_("ok"), "failed": N_("failed")}
LEVEL_NAMES = {
    Level.GOOD: N_("good"),
    Level.ACCEPTABLE: N_("acceptable"),
    Level.ATTENTION: N_("attention"),
    Level.EDGE: N_("edge"),
    Level.BAD: N_("bad"),
    Level.UNKNOWN: N_("no data"),
}


def level_name(level: Level) -> str:
    """An assessment in the current language (хорошо … нет данных in Russian)."""
    return _(LEVEL_NAMES[level])


def schedule_text(schedule: str) -> str:
    """`every 10 min` as the engine words a schedule, in the current language."""
    if schedule.startswith("every ") and schedule.endswith(" min"):
        return _("every {minutes} min").format(minutes=schedule[len("every ") : -len(" min")])
    return schedule


def register(sub: Any) -> None:
    evaluate = sub.add_parser(
        "evaluate", help=_("evaluate tests for one interval, store and print the result")
    )
    evaluate.add_argument(
        "--test", action="append", help=_("test name (repeatable; default: every enabled test)")
    )
    evaluate.add_argument(
        "--at", help=_("ISO time: evaluate the interval ending at the boundary at or before it")
    )
    evaluate.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
    evaluate.set_defaults(func=cmd_evaluate)

    show = sub.add_parser("metrics", help=_("current values and assessments (what SNMP serves)"))
    show.add_argument("--test", help=_("only this test (its exact name, or a part of one name)"))
    show.add_argument("--point", help=_("only this service point (its exact name, or a part of one name)"))
    show.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
    show.set_defaults(func=cmd_metrics)

    tests = sub.add_parser("tests", help=_("loaded evaluation tests, schedules, last runs, load failures"))
    tests.add_argument("--format", choices=("table", "json"), default="table", help=_("output format"))
    tests.set_defaults(func=cmd_tests)

    backfill = sub.add_parser("backfill", help=_("evaluate every interval of a time range, in order"))
    backfill.add_argument("--test", required=True, action="append", help=_("test name (repeatable)"))
    backfill.add_argument(
        "--from", dest="since", required=True, help=_("ISO time (local time without offset)")
    )
    backfill.add_argument("--to", dest="until", required=True, help=_("ISO time (local time without offset)"))
    backfill.set_defaults(func=cmd_backfill)


def parse_time(text: str, config: ProbeConfig, option: str) -> dt.datetime:
    """ISO 8601 (or a date); without an offset it is local time in the configured zone."""
    return parse_local_time(text, config.tz, option)


def metric_json(state: MetricState) -> dict[str, Any]:
    return {
        "id": state.id,
        "key": state.key,
        "name": state.name,
        "test": state.test,
        "point": state.point,
        "question": state.question,
        "period": state.period,
        "value": state.value,
        "level": None if state.level is None else state.level.value,
        "unit": state.unit,
        "time": state.time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "thresholds": None
        if state.thresholds is None
        else {"direction": state.thresholds.direction, "bounds": list(state.thresholds.bounds)},
        # How sure a percentage is (issue 21): its 95 % Wilson interval, null when the metric is
        # not a proportion or its denominator is 0, and the denominator itself.
        "low": state.low,
        "high": state.high,
        "votes": state.votes,
        # What the test expected instead (a silent pad: the presses its history expects).
        "expected": state.expected,
    }


def _value_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _interval_suffix(state: MetricState) -> str:
    """` (95 %: 9–53)`: how sure a percentage is, after its value in the table."""
    if state.low is None or state.high is None:
        return ""
    return f" (95 %: {_value_text(round(state.low, 1))}–{_value_text(round(state.high, 1))})"


def print_metrics(
    states: Sequence[MetricState], fmt: str, config: ProbeConfig, out: TextIO | None = None
) -> None:
    out = out or sys.stdout  # the current stream, not the one at import (in-process CLI calls)
    if fmt == "json":
        json.dump([metric_json(s) for s in states], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(
            ["id", "key", "name", "test", "point", "value", "unit", "level", "time", "low", "high", "votes"]
        )
        for s in states:
            writer.writerow(
                [
                    s.id,
                    s.key,
                    s.name,
                    s.test,
                    s.point or "",
                    "" if s.value is None else s.value,
                    s.unit,
                    "" if s.level is None else s.level.value,
                    s.time.astimezone(dt.UTC).isoformat(),
                    "" if s.low is None else s.low,
                    "" if s.high is None else s.high,
                    "" if s.votes is None else s.votes,
                ]
            )
        return
    rows = [
        (
            s.id,
            s.name,
            f"{_value_text(s.value)} {s.unit}".strip() + _interval_suffix(s),
            "" if s.level is None else level_name(s.level),
            f"{s.time.astimezone(config.tz):%Y-%m-%d %H:%M}",
        )
        for s in states
    ]
    print_table(rows, ["id", _("metric"), _("value"), _("assessment"), _("time")], out)


def _evaluator(ctx: Context) -> Evaluator:
    engine = ctx.ready_engine()
    evaluator = Evaluator(ctx.config, engine, SnapshotHub())
    for failure in evaluator.report.failed:
        print(
            _("prolan-probe: test not loaded: {path}: {error}").format(
                path=failure.path, error=failure.error
            ),
            file=sys.stderr,
        )
    for problem in evaluator.config_problems:
        if "no such test" in problem:  # the others are the failures above; `run` refuses all
            print(f"prolan-probe: warning: {problem}", file=sys.stderr)
    return evaluator


def _chosen(evaluator: Evaluator, names: Iterable[str] | None) -> list[str]:
    """The tests `--test` names (exact names, or parts of one name each); every enabled one by default."""
    if not names:
        return evaluator.enabled_tests()
    return [resolve(name, evaluator.tests(), option="--test", what=TESTS) for name in names]


def cmd_evaluate(ctx: Context, args: argparse.Namespace) -> int:
    evaluator = _evaluator(ctx)
    at = parse_time(args.at, ctx.config, "--at") if args.at else dt.datetime.now(dt.UTC)
    states: list[MetricState] = []
    status = 0
    for name in _chosen(evaluator, args.test):
        end = evaluator.boundary_at_or_before(name, at)
        evaluation = evaluator.evaluate(name, end)
        states.extend(sorted(evaluation.metrics, key=lambda m: m.id))
        if not evaluation.test_ok or not evaluation.database_ok:
            status = 1
            print(
                _("prolan-probe: {name}: the test failed for the interval ending {end}").format(
                    name=name, end=f"{end.astimezone(ctx.config.tz):%Y-%m-%d %H:%M %z}"
                ),
                file=sys.stderr,
            )
    print_metrics(states, args.format, ctx.config)
    return status


def cmd_metrics(ctx: Context, args: argparse.Namespace) -> int:
    """Current values; a filter that matches nothing says so (with the closest names) and exits 1."""
    snapshot = load_snapshot(ctx.ready_engine())
    test = point = None
    if args.test is not None:
        known_tests = {s.test for s in snapshot.metrics} | {t.name for t in snapshot.tests}
        test = resolve(args.test, known_tests, option="--test", what=TESTS)
    if args.point is not None:
        known_points = {s.point for s in snapshot.metrics if s.point} | set(load_topology(ctx.engine).points)
        point = resolve(args.point, known_points, option="--point", what=SERVICE_POINTS)
    states = [
        s
        for s in snapshot.metrics
        if (test is None or s.test == test) and (point is None or s.point == point)
    ]
    if not states:
        if test is None and point is None:
            raise NoSuchName(_("no metrics yet: run 'prolan-probe evaluate' or 'prolan-probe run'"))
        raise NoSuchName(
            _("no metrics of {test} at {point}").format(
                test=test or _("any test"), point=point or _("any point")
            )
        )
    print_metrics(states, args.format, ctx.config)
    return 0


def _last_runs(engine: Engine) -> dict[str, tuple[dt.datetime, float, bool, str | None]]:
    latest = (
        select(test_runs.c.test, func.max(test_runs.c.at).label("at")).group_by(test_runs.c.test).subquery()
    )
    query = select(
        test_runs.c.test, test_runs.c.at, test_runs.c.duration_seconds, test_runs.c.ok, test_runs.c.error
    ).join(latest, (latest.c.test == test_runs.c.test) & (latest.c.at == test_runs.c.at))
    try:
        with engine.connect() as conn:
            return {
                row.test: (row.at, row.duration_seconds, row.ok, row.error) for row in conn.execute(query)
            }
    except SQLAlchemyError:
        return {}


def cmd_tests(ctx: Context, args: argparse.Namespace) -> int:
    evaluator = Evaluator(ctx.config, ctx.engine, SnapshotHub())
    runs = _last_runs(ctx.engine)
    entries = []
    for name in evaluator.tests():
        test = evaluator.test(name)
        run = runs.get(name)
        entries.append(
            {
                "name": name,
                "description": type(test).description,
                "file": str(evaluator.report.sources.get(name, "")),
                "enabled": evaluator.settings(name).enabled,
                "schedule": evaluator.schedule(name),
                "last_run": None if run is None else run[0].isoformat().replace("+00:00", "Z"),
                "duration_seconds": None if run is None else round(run[1], 3),
                "state": "never run" if run is None else ("ok" if run[2] else "failed"),  # JSON: stable words
                "last_error": None if run is None else run[3],
            }
        )
    failed = [
        {"file": str(f.path), "error": f.error, "traceback": f.traceback} for f in evaluator.report.failed
    ]
    if args.format == "json":
        json.dump({"tests": entries, "failed": failed}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_table(
            [
                (
                    name,
                    schedule_text(evaluator.schedule(name))
                    + ("" if evaluator.settings(name).enabled else " " + _("(disabled)")),
                    "" if name not in runs else f"{runs[name][0].astimezone(ctx.config.tz):%Y-%m-%d %H:%M}",
                    _(STATES[str(entry["state"])]),
                    type(evaluator.test(name)).description,
                )
                for name, entry in zip(evaluator.tests(), entries, strict=True)
            ],
            [_("test"), _("schedule"), _("last run"), _("state"), _("description")],
        )
        for f in evaluator.report.failed:
            print("\n" + _("NOT LOADED {path}: {error}").format(path=f.path, error=f.error))
            if f.traceback:
                print(f.traceback.rstrip())
    return 1 if failed else 0


def backfill(
    evaluator: Evaluator,
    names: Sequence[str],
    since: dt.datetime,
    until: dt.datetime,
    *,
    out: TextIO | None = None,
    on_evaluation: Any = None,
) -> tuple[int, int]:
    """Evaluate every interval of each test that ends in (since, until], in order, as history.
    Returns (evaluations, failed ones). On a terminal the progress is a bar (tqdm) redrawn in
    place; elsewhere (a log, a pipe) there is no bar, the caller's summary line says it all."""
    out = out or sys.stderr
    plan = [(name, end) for name in names for end in evaluator.boundaries_between(name, since, until)]
    done = failed = 0
    with tqdm(
        total=len(plan),
        file=out,
        disable=not _is_terminal(out),
        unit=_("interval"),
        dynamic_ncols=True,
        leave=True,
    ) as bar:
        for name, end in plan:
            evaluation = evaluator.evaluate(name, end, historical=True)
            if on_evaluation is not None:
                on_evaluation(evaluation)
            memory.reclaim_if_due()  # a long backfill frees hidden cycles as the scheduler does
            done += 1
            failed += 0 if evaluation.test_ok and evaluation.database_ok else 1
            bar.set_description_str(name, refresh=False)
            bar.update(1)
    return done, failed


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_backfill(ctx: Context, args: argparse.Namespace) -> int:
    since = parse_time(args.since, ctx.config, "--from")
    until = parse_time(args.until, ctx.config, "--to")
    if since >= until:
        raise CommandError(_("--from must be before --to"))
    evaluator = _evaluator(ctx)
    names = _chosen(evaluator, args.test)
    done, failed = backfill(evaluator, names, since, until)
    print(
        _("backfill: {done} evaluations of {names}, {failed} failed").format(
            done=done, names=", ".join(names), failed=failed
        )
    )
    return 1 if failed else 0


def evaluate_demo(ctx: Context, summary: DemoSummary) -> None:
    """`prolan-probe demo` then evaluates its simulated days up to its end, so history and current
    states (with the degrading point bad now) exist as soon as it finishes."""
    evaluator = Evaluator(ctx.config, ctx.engine, SnapshotHub())
    names = evaluator.enabled_tests()
    started = time.perf_counter()
    done, failed = backfill(evaluator, names, summary.start, summary.end)
    print(
        _("demo: evaluated {done} intervals of {names} ({failed} failed, {seconds:.1f} s)").format(
            done=done, names=", ".join(names), failed=failed, seconds=time.perf_counter() - started
        ),
        flush=True,
    )


DEMO_HOOKS.append(evaluate_demo)
