"""The probe's state as Prometheus metric families, built at each scrape from the published
snapshot (never SQL in a scrape), with the official `prometheus_client`.

Per metric of the probe (labels `key`, `test`, `methodology`, `point`, `question`, `metric` (the
short name), `period`, `unit`; empty text where a part does not apply):

* `prolan_metric_value`: the value; a metric without a value has no sample (never a 0);
* `prolan_metric_level`: OkoLevel as a number, 1 good … 5 bad, 6 unknown, 7 not assessed;
* `prolan_metric_level_state{level=…}`: the same as a state set, 1 for the current level and 0 for
  the others (`good`, `acceptable`, `attention`, `edge`, `bad`, `unknown`, `not_assessed`), so an
  alert reads `prolan_metric_level_state{level=~"edge|bad"} == 1`;
* `prolan_metric_threshold{bound="1".."4"}` and `prolan_metric_updated_timestamp_seconds`.

The probe: `prolan_probe_info{name, version}`, `prolan_probe_start_time_seconds`,
`prolan_probe_database_up`, `prolan_probe_last_update_timestamp_seconds`. Evaluation tests:
`prolan_test_up` (1 when the last run worked), `prolan_test_state{state=…}`,
`prolan_test_last_run_timestamp_seconds`, `prolan_test_last_duration_seconds`, and, from the
evaluations this process saw, `prolan_evaluation_duration_seconds` (histogram) and
`prolan_evaluations_total{result}`. Ingest (when the ingest service runs in this process):
`prolan_ingest_presses_received_total`, `…_refused_total`, `…_spooled_total` per source.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from probe.levels import Level
from probe.snapshot import Evaluation, MetricState, Snapshot

METRIC_LABELS = ("key", "test", "methodology", "point", "question", "metric", "period", "unit")
# OkoLevel numbers of PROLAN-MIB; None is a metric without a threshold table (not assessed).
LEVEL_NUMBERS: dict[Level | None, int] = {None: 7, **{level: level.snmp_value for level in Level}}
LEVEL_STATES: dict[Level | None, str] = {None: "not_assessed", **{level: level.value for level in Level}}
TEST_STATES = ("ok", "failed", "never_run", "load_failed")
# Evaluations last from milliseconds (a counter) to minutes (a slow application probe).
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

IngestTotals = Callable[[], Mapping[str, Sequence[int]]]  # source -> (received, refused, spooled)


def _seconds(at: dt.datetime | None) -> float | None:
    return None if at is None else at.timestamp()


def metric_labels(m: MetricState) -> list[str]:
    return [
        m.key,
        m.test,
        m.methodology or "",
        m.point or "",
        m.question or "",
        m.short_name,
        m.period or "",
        m.unit,
    ]


class EvaluationStats:
    """Durations and outcomes of the evaluations published in this process (a hub subscriber)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # test -> (bucket counts (cumulative at export), sum, count, failed runs)
        self._tests: dict[str, tuple[list[int], float, int, int]] = {}

    def __call__(self, snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        if evaluation is None:
            return
        state = next((t for t in snapshot.tests if t.name == evaluation.test), None)
        duration = state.duration_seconds if state is not None else None
        with self._lock:
            buckets, total, count, failed = self._tests.get(
                evaluation.test, ([0] * len(DURATION_BUCKETS), 0.0, 0, 0)
            )
            if duration is not None:
                for i, bound in enumerate(DURATION_BUCKETS):
                    if duration <= bound:
                        buckets[i] += 1
                        break
                total += duration
            self._tests[evaluation.test] = (buckets, total, count + 1, failed + (not evaluation.test_ok))

    def families(self) -> Iterator[Metric]:
        histogram = HistogramMetricFamily(
            "prolan_evaluation_duration_seconds",
            "Duration of the evaluations of each test published by this process.",
            labels=["test"],
        )
        runs = CounterMetricFamily(
            "prolan_evaluations",
            "Evaluations published by this process, by outcome.",
            labels=["test", "result"],
        )
        with self._lock:
            tests = {name: (list(b), s, c, f) for name, (b, s, c, f) in self._tests.items()}
        for name, (buckets, total, count, failed) in sorted(tests.items()):
            cumulative, running = [], 0
            for bound, hits in zip(DURATION_BUCKETS, buckets, strict=True):
                running += hits
                cumulative.append((str(bound), running))
            cumulative.append(("+Inf", count))
            histogram.add_metric([name], cumulative, total)
            runs.add_metric([name, "ok"], count - failed)
            runs.add_metric([name, "failed"], failed)
        yield histogram
        yield runs


class ProbeCollector(Collector):
    """A `prometheus_client` collector reading the newest snapshot at every scrape."""

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        *,
        probe_name: str,
        version: str,
        started_at: dt.datetime,
        stats: EvaluationStats,
        ingest_totals: IngestTotals | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._probe_name = probe_name
        self._version = version
        self._started_at = started_at
        self._stats = stats
        self._ingest_totals = ingest_totals

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot()
        yield from self._metrics(snapshot)
        yield from self._probe(snapshot)
        yield from self._tests(snapshot)
        yield from self._stats.families()
        yield from self._ingest()

    def _metrics(self, snapshot: Snapshot) -> Iterator[Metric]:
        value = GaugeMetricFamily(
            "prolan_metric_value",
            "The metric's value (MKO); no sample when it has none.",
            labels=METRIC_LABELS,
        )
        level = GaugeMetricFamily(
            "prolan_metric_level",
            "The assessment (OKO): 1 good, 2 acceptable, 3 attention, 4 on the edge, 5 bad, 6 unknown, 7 not assessed.",
            labels=METRIC_LABELS,
        )
        state = GaugeMetricFamily(
            "prolan_metric_level_state",
            "The assessment as a state set: 1 for the current level, 0 for the others.",
            labels=[*METRIC_LABELS, "level"],
        )
        threshold = GaugeMetricFamily(
            "prolan_metric_threshold",
            "Bounds t1..t4 of the metric's threshold table.",
            labels=[*METRIC_LABELS, "bound"],
        )
        updated = GaugeMetricFamily(
            "prolan_metric_updated_timestamp_seconds",
            "End of the interval the metric was last evaluated for (Unix time).",
            labels=METRIC_LABELS,
        )
        for m in snapshot.metrics:
            labels = metric_labels(m)
            if m.value is not None and m.value == m.value:  # NaN is no value either
                value.add_metric(labels, m.value)
            level.add_metric(labels, LEVEL_NUMBERS[m.level])
            current = LEVEL_STATES[m.level]
            for name in LEVEL_STATES.values():
                state.add_metric([*labels, name], 1.0 if name == current else 0.0)
            if m.thresholds is not None:
                for i, bound in enumerate(m.thresholds.bounds, start=1):
                    threshold.add_metric([*labels, str(i)], bound)
            updated.add_metric(labels, m.time.timestamp())
        yield from (value, level, state, threshold, updated)

    def _probe(self, snapshot: Snapshot) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "prolan_probe_info", "The probe: its name and version.", labels=["name", "version"]
        )
        info.add_metric([self._probe_name, self._version], 1)
        yield info
        yield GaugeMetricFamily(
            "prolan_probe_start_time_seconds",
            "When the probe service started (Unix time).",
            value=self._started_at.timestamp(),
        )
        yield GaugeMetricFamily(
            "prolan_probe_database_up",
            "1 when the last evaluation reached the aggregator database, 0 when it did not.",
            value=1.0 if snapshot.database_ok else 0.0,
        )
        last = _seconds(snapshot.updated_at)
        if last is not None:
            yield GaugeMetricFamily(
                "prolan_probe_last_update_timestamp_seconds",
                "End of the last evaluated interval the probe published (Unix time).",
                value=last,
            )

    def _tests(self, snapshot: Snapshot) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "prolan_test_up", "1 when the test's last run worked, 0 when it failed.", labels=["test"]
        )
        state = GaugeMetricFamily(
            "prolan_test_state",
            "The test's state as a state set (ok, failed, never_run, load_failed).",
            labels=["test", "state"],
        )
        last_run = GaugeMetricFamily(
            "prolan_test_last_run_timestamp_seconds",
            "End of the interval of the test's last run (Unix time).",
            labels=["test"],
        )
        duration = GaugeMetricFamily(
            "prolan_test_last_duration_seconds", "How long the test's last run took.", labels=["test"]
        )
        for t in snapshot.tests:
            if t.failed_to_load:
                current = "load_failed"
            elif t.ok is None:
                current = "never_run"
            else:
                current = "ok" if t.ok else "failed"
            if t.ok is not None and not t.failed_to_load:
                up.add_metric([t.name], 1.0 if t.ok else 0.0)
            for name in TEST_STATES:
                state.add_metric([t.name, name], 1.0 if name == current else 0.0)
            if t.last_run is not None:
                last_run.add_metric([t.name], t.last_run.timestamp())
            if t.duration_seconds is not None:
                duration.add_metric([t.name], t.duration_seconds)
        yield from (up, state, last_run, duration)

    def _ingest(self) -> Iterator[Metric]:
        if self._ingest_totals is None:
            return
        help_texts = (
            "Presses received by the ingest service of this process.",
            "Lines the ingest service refused (malformed, unknown pad).",
            "Presses kept in the durable spool while the database was away.",
        )
        families = [
            CounterMetricFamily(f"prolan_ingest_presses_{kind}", text, labels=["source"])
            for kind, text in zip(("received", "refused", "spooled"), help_texts, strict=True)
        ]
        for source, counts in sorted(self._ingest_totals().items()):
            for family, count in zip(families, counts, strict=True):
                family.add_metric([source], count)
        yield from families
