"""`prolan-probe evaluate | metrics | tests | backfill`: the engine on the command line.

* `evaluate [--test NAME] [--at ISO] [--format table|json|csv]` evaluates the interval ending at the
  boundary at or before `--at` (default now), as if run then, stores and prints it, and feeds the
  notifier (incidents and queued messages) when the `notifier` package is installed;
* `metrics [--format …] [--point NAME] [--test NAME]` prints the current (last stored) values;
* `tests` lists the loaded tests (schedule, last run, state) and the files that failed to load;
* `backfill --test NAME --from T --to T` evaluates every interval ending in (from, to], in order,
  with a progress bar on stderr.

JSON is one array of objects: `id`, `key`, `name`, `test`, `point` (null for a test-level metric),
`value` (number or null), `level` (good|acceptable|attention|edge|bad|unknown, null when not
assessed), `time` (end of the interval, ISO 8601 UTC), and `unit`, `methodology`, `period`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from probe.commands.base import CommandError, Context, print_json, print_table
from probe.commands.demo import DEMO_HOOKS
from probe.engine import Evaluator
from probe.snapshot import Evaluation, MetricState, SnapshotHub
from probe.store.current import load_snapshot

log = logging.getLogger(__name__)

FORMATS = ("table", "json", "csv")
FIELDS = ("id", "key", "name", "test", "point", "value", "level", "time", "unit", "methodology", "period")


def register(sub: Any) -> None:
    evaluate = sub.add_parser("evaluate", help="evaluate tests for one interval, store and print the results")
    evaluate.add_argument("--test", help="only this test (default: every enabled test)")
    evaluate.add_argument(
        "--at", help="ISO time; the interval ending at the boundary at or before it (default now)"
    )
    evaluate.add_argument("--format", choices=FORMATS, default="table")
    evaluate.set_defaults(func=cmd_evaluate)

    metrics = sub.add_parser("metrics", help="current values of the metrics (the last stored ones)")
    metrics.add_argument("--format", choices=FORMATS, default="table")
    metrics.add_argument("--point", help="only metrics of this service point (or 'Итого по компании')")
    metrics.add_argument("--test", help="only metrics of this test")
    metrics.set_defaults(func=cmd_metrics)

    tests = sub.add_parser("tests", help="loaded evaluation tests, their schedules and states, load failures")
    tests.add_argument("--format", choices=("table", "json"), default="table")
    tests.set_defaults(func=cmd_tests)

    backfill = sub.add_parser("backfill", help="evaluate every interval of a time range, in order")
    backfill.add_argument("--test", required=True, help="the test to evaluate")
    backfill.add_argument(
        "--from", dest="start", required=True, metavar="T", help="ISO time, start of the range"
    )
    backfill.add_argument("--to", dest="end", required=True, metavar="T", help="ISO time, end of the range")
    backfill.set_defaults(func=cmd_backfill)


def parse_time(text: str, option: str, ctx: Context) -> dt.datetime:
    """An ISO 8601 time; without an offset it is local time in the configured zone."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not an ISO 8601 time (e.g. 2026-03-10T12:20)") from None
    return value.replace(tzinfo=ctx.config.tz) if value.tzinfo is None else value


def open_evaluator(ctx: Context) -> Evaluator:
    evaluator = Evaluator(ctx.config, ctx.ready_engine(), SnapshotHub())
    for failure in evaluator.report.failed:
        print(f"prolan-probe: warning: {failure.error}", file=sys.stderr)
    return evaluator


def chosen_tests(evaluator: Evaluator, name: str | None) -> list[str]:
    if name is None:
        return evaluator.enabled_tests()
    if name not in evaluator.tests():
        known = ", ".join(evaluator.tests()) or "none"
        raise CommandError(
            f"--test {name}: no such test is loaded (loaded: {known}; see 'prolan-probe tests')"
        )
    return [name]


def metric_record(state: MetricState) -> dict[str, Any]:
    return {
        "id": state.id,
        "key": state.key,
        "name": state.name,
        "test": state.test,
        "point": state.point,
        "value": state.value,
        "level": None if state.level is None else state.level.value,
        "time": state.time.astimezone(dt.UTC).isoformat(),
        "unit": state.unit,
        "methodology": state.methodology,
        "period": state.period,
    }


def print_metrics(states: Iterable[MetricState], fmt: str, tz: dt.tzinfo, out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up per call: tests and callers may replace sys.stdout
    records = [metric_record(s) for s in states]
    if fmt == "json":
        print_json(records, out)
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in records)
    else:
        rows = [
            (
                r["id"],
                r["name"],
                "" if r["value"] is None else f"{r['value']:g}",
                r["level"] or "-",
                dt.datetime.fromisoformat(r["time"]).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            )
            for r in records
        ]
        print_table(rows, ("id", "metric", "value", "level", "time"), out)


def feed_notifier(ctx: Context, evaluation: Evaluation) -> None:
    """Incidents and queued messages for an evaluation, when the notifier is installed."""
    try:
        module = importlib.import_module("notifier")
    except ImportError:
        return
    feed: Callable[..., Any] | None = getattr(module, "feed", None)
    if feed is None:
        return
    try:
        feed(ctx.config, ctx.engine, evaluation)
    except Exception as exc:  # notifications must never lose an evaluation that is already stored
        log.exception("notifier feed failed")
        print(f"prolan-probe: warning: notifier: {exc}", file=sys.stderr)


def cmd_evaluate(ctx: Context, args: argparse.Namespace) -> int:
    at = parse_time(args.at, "--at", ctx) if args.at else dt.datetime.now(dt.UTC)
    evaluator = open_evaluator(ctx)
    states: list[MetricState] = []
    failed = []
    for name in chosen_tests(evaluator, args.test):
        evaluation = evaluator.evaluate(name, at)
        feed_notifier(ctx, evaluation)
        states.extend(evaluation.metrics)
        if not evaluation.test_ok:
            state = {t.name: t for t in evaluator.hub.current.tests}[name]
            failed.append(f"{name}: {state.last_error}")
        if not evaluation.database_ok:
            failed.append(f"{name}: the database was not available")
    print_metrics(states, args.format, ctx.config.tz)
    for line in failed:
        print(f"prolan-probe: warning: {line}", file=sys.stderr)
    return 0


def cmd_metrics(ctx: Context, args: argparse.Namespace) -> int:
    snapshot = load_snapshot(ctx.ready_engine())
    states = [
        s
        for s in snapshot.metrics
        if (args.test is None or s.test == args.test) and (args.point is None or s.point == args.point)
    ]
    print_metrics(states, args.format, ctx.config.tz)
    return 0


def cmd_tests(ctx: Context, args: argparse.Namespace) -> int:
    evaluator = Evaluator(ctx.config, ctx.ready_engine(), SnapshotHub(load_snapshot(ctx.engine)))
    states = {t.name: t for t in evaluator.hub.current.tests}
    records: list[dict[str, Any]] = []
    for name in evaluator.tests():
        state = states[name]
        records.append(
            {
                "name": name,
                "description": state.description,
                "file": str(evaluator.report.sources[name]),
                "enabled": evaluator.settings(name).enabled,
                "interval_minutes": evaluator.interval_minutes(name),
                "timeout_seconds": evaluator.settings(name).timeout_seconds,
                "last_run": None if state.last_run is None else state.last_run.isoformat(),
                "state": "never run" if state.ok is None else ("ok" if state.ok else "failed"),
                "last_error": state.last_error or None,
            }
        )
    failures = [
        {"file": str(f.path), "state": "failed to load", "error": f.error, "traceback": f.traceback or None}
        for f in evaluator.report.failed
    ]
    if args.format == "json":
        print_json({"tests": records, "failed": failures}, sys.stdout)
        return 0
    rows = [
        (
            r["name"],
            "yes" if r["enabled"] else "no",
            f"every {r['interval_minutes']} min",
            ""
            if r["last_run"] is None
            else dt.datetime.fromisoformat(r["last_run"])
            .astimezone(ctx.config.tz)
            .strftime("%Y-%m-%d %H:%M"),
            r["state"],
            (r["last_error"] or "").splitlines()[0][:80] if r["last_error"] else "",
        )
        for r in records
    ]
    print_table(rows, ("test", "enabled", "schedule", "last run", "state", "last error"), sys.stdout)
    for failure in failures:
        print(f"\nFAILED TO LOAD {failure['file']}\n  {failure['error']}")
        if failure["traceback"]:
            print("  " + failure["traceback"].rstrip().replace("\n", "\n  "))
    return 0


class Progress:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, total: int, label: str, out: TextIO | None = None, width: int = 30) -> None:
        self.total, self.label, self.out, self.width = total, label, out or sys.stderr, width
        self.started = time.perf_counter()
        self._drawn = 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        # Redrawn in place on a terminal; in a log or a pipe only the final line is written.
        if done < self.total and (now - self._drawn < 0.1 or not self.out.isatty()):
            return
        self._drawn = now
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.out.write(f"\r{self.label} [{bar}] {done}/{self.total} {now - self.started:.1f} s")
        if done >= self.total:
            self.out.write("\n")
        self.out.flush()


def backfill(
    evaluator: Evaluator, name: str, start: dt.datetime, end: dt.datetime, *, progress: bool = True
) -> tuple[int, list[str]]:
    """Evaluate every interval of `name` ending in (start, end] as history; returns (count, problems)."""
    ends: Sequence[dt.datetime] = evaluator.boundaries_between(name, start, end)
    bar = Progress(len(ends), name) if progress and ends else None
    problems = []
    for index, boundary in enumerate(ends, start=1):
        evaluation = evaluator.evaluate(name, boundary, historical=True)
        if not evaluation.test_ok or not evaluation.database_ok:
            problems.append(boundary.astimezone(evaluator.tz).strftime("%Y-%m-%d %H:%M"))
        if bar is not None:
            bar.update(index)
    return len(ends), problems


def cmd_backfill(ctx: Context, args: argparse.Namespace) -> int:
    start = parse_time(args.start, "--from", ctx)
    end = parse_time(args.end, "--to", ctx)
    if end <= start:
        raise CommandError(f"--to {args.end} must be later than --from {args.start}")
    evaluator = open_evaluator(ctx)
    name = chosen_tests(evaluator, args.test)[0]
    started = time.perf_counter()
    count, problems = backfill(evaluator, name, start, end)
    print(f"backfill {name}: {count} intervals evaluated in {time.perf_counter() - started:.1f} s", end="")
    print(f"; {len(problems)} failed (first at {problems[0]})" if problems else "")
    return 1 if problems else 0


def evaluate_demo(ctx: Context, summary: Any, workers: int = 2) -> None:
    """The demo hook: evaluate every enabled test over the simulated days up to their end, so that
    history and current states exist as soon as `prolan-probe demo` finishes. The days are spread
    over `workers` threads, each with an evaluator of its own (a test runs one interval at a time
    per evaluator); the intervals of one day stay in order within one worker."""
    first = open_evaluator(ctx)
    evaluators = [first] + [Evaluator(ctx.config, ctx.engine, SnapshotHub()) for _ in range(workers - 1)]
    chunks: list[tuple[str, list[dt.datetime]]] = []
    for name in first.enabled_tests():
        by_day: dict[dt.date, list[dt.datetime]] = {}
        for boundary in first.boundaries_between(name, summary.start, summary.end):
            by_day.setdefault(
                (boundary - dt.timedelta(microseconds=1)).astimezone(first.tz).date(), []
            ).append(boundary)
        chunks.extend((name, ends) for ends in by_day.values())
    # The longest chunks first, so the workers finish together.
    chunks.sort(key=lambda chunk: -len(chunk[1]))
    total = sum(len(ends) for _name, ends in chunks)
    bar = Progress(total, "demo: evaluating")
    lock = threading.Lock()
    done = 0
    started = time.perf_counter()

    def work(evaluator: Evaluator) -> None:
        nonlocal done
        while True:
            with lock:
                if not chunks:
                    return
                name, ends = chunks.pop(0)
            for boundary in ends:
                evaluator.evaluate(name, boundary, historical=True)
                with lock:
                    done += 1
                    bar.update(done)

    threads = [
        threading.Thread(target=work, args=(ev,), name=f"demo-eval-{i}") for i, ev in enumerate(evaluators)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        f"demo: {total} evaluations of {len(first.enabled_tests())} tests up to "
        f"{summary.end.astimezone(first.tz):%Y-%m-%d %H:%M} ({time.perf_counter() - started:.1f} s)"
    )


DEMO_HOOKS.append(evaluate_demo)
