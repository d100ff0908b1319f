"""The Prometheus families of the probe's state, without a server: values (none for a metric without
one), levels as numbers and as a state set, thresholds, probe health, tests, evaluation durations
and ingest counters, parsed back from the text exposition format."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from probe.prometheus.collector import EvaluationStats, ProbeCollector
from probe.snapshot import Evaluation, SnapshotHub
from tests.snmp_tools import AT, sample_snapshot

STARTED = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def scrape(collector: ProbeCollector) -> dict[str, list[Any]]:
    registry = CollectorRegistry()
    registry.register(collector)
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode("utf-8")):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def by_key(samples: list[Any], **labels: str) -> dict[str, float]:
    return {s.labels["key"]: s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())}


def test_metric_families_follow_the_snapshot() -> None:
    hub = SnapshotHub(sample_snapshot())
    stats = EvaluationStats()
    collector = ProbeCollector(
        lambda: hub.current, probe_name="Зонд", version="1.2", started_at=STARTED, stats=stats,
        ingest_totals=lambda: {"tcp:10.0.0.5": (120, 3, 0)},
    )  # fmt: skip
    found = scrape(collector)
    values = by_key(found["prolan_metric_value"])
    assert values == {
        "loyalty_mon.usokok.kaluzhskaya.neg_pct.interval": 42.5,
        "loyalty_mon.usokok.kaluzhskaya.votes.day": 118.0,
        "loyalty_mon.test_works": 1.0,
        "queue.tverskaya.length": -3.25,
    }  # the company's '% молчунов' has no value: no sample, not 0
    assert by_key(found["prolan_metric_level"]) == {
        "loyalty_mon.usokok.kaluzhskaya.neg_pct.interval": 3,
        "loyalty_mon.usokok.kaluzhskaya.votes.day": 7,
        "loyalty_mon.usokok.company.silent_pct.day": 6,
        "loyalty_mon.test_works": 1,
        "queue.tverskaya.length": 5,
    }
    current = by_key(found["prolan_metric_level_state"])  # the last state wins per key: check by label
    assert len(current) == 5
    states = {(s.labels["key"], s.labels["level"]): s.value for s in found["prolan_metric_level_state"]}
    assert states[("queue.tverskaya.length", "bad")] == 1 and states[("queue.tverskaya.length", "good")] == 0
    assert states[("loyalty_mon.usokok.kaluzhskaya.votes.day", "not_assessed")] == 1
    assert (
        sum(v for (key, _l), v in states.items() if key == "loyalty_mon.usokok.company.silent_pct.day") == 1
    )
    sample = next(
        s
        for s in found["prolan_metric_value"]
        if s.labels["key"] == "loyalty_mon.usokok.kaluzhskaya.votes.day"
    )
    assert sample.labels == {
        "key": "loyalty_mon.usokok.kaluzhskaya.votes.day", "test": "LOYALTY_MON", "methodology": "",
        "point": "Калужская", "question": "Довольны ли Вы скоростью обслуживания?", "metric": "Число голосований",
        "period": "day", "unit": "",
    }  # fmt: skip
    assert by_key(found["prolan_metric_threshold"], bound="4") == {
        "loyalty_mon.usokok.kaluzhskaya.neg_pct.interval": 80,
        "loyalty_mon.usokok.company.silent_pct.day": 60,
        "queue.tverskaya.length": 1,
    }
    assert set(by_key(found["prolan_metric_updated_timestamp_seconds"]).values()) == {AT.timestamp()}
    assert found["prolan_probe_info"][0].labels == {"name": "Зонд", "version": "1.2"}
    assert found["prolan_probe_start_time_seconds"][0].value == STARTED.timestamp()
    assert found["prolan_probe_database_up"][0].value == 1
    assert found["prolan_probe_last_update_timestamp_seconds"][0].value == AT.timestamp()
    assert {s.labels["test"]: s.value for s in found["prolan_test_up"]} == {"LOYALTY_MON": 1, "QUEUE": 0}
    assert {s.labels["test"]: s.value for s in found["prolan_test_last_duration_seconds"]} == {
        "LOYALTY_MON": 1.25, "QUEUE": 0.5,
    }  # fmt: skip
    test_states = {(s.labels["test"], s.labels["state"]): s.value for s in found["prolan_test_state"]}
    assert test_states[("QUEUE", "failed")] == 1 and test_states[("QUEUE", "ok")] == 0
    received = found["prolan_ingest_presses_received_total"]
    assert [(s.labels["source"], s.value) for s in received] == [("tcp:10.0.0.5", 120)]
    assert found["prolan_ingest_presses_refused_total"][0].value == 3


def test_evaluation_durations_and_outcomes_are_counted_per_test() -> None:
    hub = SnapshotHub(sample_snapshot())
    stats = EvaluationStats()
    hub.subscribe(stats)
    collector = ProbeCollector(
        lambda: hub.current, probe_name="p", version="1", started_at=STARTED, stats=stats
    )
    base = next(t for t in hub.current.tests if t.name == "LOYALTY_MON")
    for seconds, ok in ((0.2, True), (3.0, True), (400.0, False)):
        evaluation = Evaluation("LOYALTY_MON", AT, (), test_ok=ok)
        hub.apply(evaluation, [dataclasses.replace(base, duration_seconds=seconds, ok=ok)])
    hub.publish(hub.current)  # a publish without an evaluation (start, reload) counts nothing
    assert hub.wait_idle(10)  # subscribers take snapshots through their own queue
    found = scrape(collector)
    buckets = {s.labels["le"]: s.value for s in found["prolan_evaluation_duration_seconds_bucket"]}
    assert buckets["0.1"] == 0 and buckets["0.25"] == 1 and buckets["2.5"] == 1 and buckets["5.0"] == 2
    assert buckets["300.0"] == 2 and buckets["+Inf"] == 3
    assert found["prolan_evaluation_duration_seconds_count"][0].value == 3
    assert found["prolan_evaluation_duration_seconds_sum"][0].value == 403.2
    runs = {s.labels["result"]: s.value for s in found["prolan_evaluations_total"]}
    assert runs == {"ok": 2, "failed": 1}
    assert "prolan_ingest_presses_received_total" not in found  # no ingest service in this process
