"""`[prometheus] listen` proven with Debian's real Prometheus server: it scrapes a running probe
(demo data, presses over the TCP ingest) with the scrape configuration of docs/mib.md, and the
PromQL queries of docs/mib.md, through its HTTP API, return what `prolan-probe metrics --format
json` and `prolan-probe tests --format json` show: values (none for a metric without one), levels
as numbers and as a state set, tests and their durations, evaluation counts, ingest counters."""

from __future__ import annotations

import calendar
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.doc_commands import code_blocks
from tests.helpers import ROOT, run_cli
from tests.nms_probe import LEVEL_NUMBERS, NO_VALUE, NmsProbe
from tests.prometheus_server import Prometheus
from tests.smtp_server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

DOCS = ROOT / "docs" / "mib.md"


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[NmsProbe]:
    metrics_port, ingest_port = free_port(), free_port()
    nms = NmsProbe(
        tmp_path / "probe",
        extra=f'[prometheus]\nlisten = "127.0.0.1:{metrics_port}"\n[ingest.tcp]\nlisten = "127.0.0.1:{ingest_port}"\n',
    )
    nms.metrics_port, nms.ingest_port = metrics_port, ingest_port  # type: ignore[attr-defined]
    try:
        yield nms
    finally:
        nms.stop()


@pytest.fixture
def prometheus(tmp_path: Path, probe: NmsProbe) -> Iterator[Prometheus]:
    docs = DOCS.read_text(encoding="utf-8")
    (scrape,) = [b for b in code_blocks(docs) if b.startswith("# prometheus.yml")]
    config = scrape.replace("probe.example.org:9818", f"127.0.0.1:{probe.metrics_port}")  # type: ignore[attr-defined]
    folder = tmp_path / "prometheus"
    folder.mkdir()
    server = Prometheus(folder, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n" + config)
    try:
        yield server
    finally:
        server.stop()


def send_presses(port: int, lines: list[str]) -> list[str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall("".join(line + "\n" for line in lines).encode("utf-8"))
        answers = b""
        while answers.count(b"\n") < len(lines):
            chunk = conn.recv(4096)
            assert chunk, answers
            answers += chunk
    return answers.decode("utf-8").splitlines()


def by_key(result: list[dict[str, Any]]) -> dict[str, float]:
    return {r["metric"]["key"]: float(r["value"][1]) for r in result}


def scraped_since(prometheus: Prometheus, moment: float) -> bool:
    """A scrape that started after `moment` is stored and queryable: the target reports it, and the
    metric samples carry its time (Prometheus updates the target just before it commits the
    samples, so a query right after the first may still see the scrape before)."""
    if not all(
        calendar.timegm(time.strptime(t["lastScrape"][:19], "%Y-%m-%dT%H:%M:%S")) > moment
        for t in prometheus.targets()
    ):
        return False
    stamps = prometheus.query("timestamp(prolan_metric_level)")
    return bool(stamps) and all(float(r["value"][1]) > moment for r in stamps)


def documented_queries() -> list[str]:
    (block,) = [b for b in code_blocks(DOCS.read_text(encoding="utf-8")) if "prolan_metric_level_state{" in b]
    return [line for line in block.splitlines() if line.strip()]


def test_prometheus_scrapes_the_probe_and_promql_returns_what_the_cli_shows(
    probe: NmsProbe, prometheus: Prometheus
) -> None:
    probe.demo(0.5)
    probe.start()
    answers = send_presses(
        probe.ingest_port,  # type: ignore[attr-defined]
        [
            f"P-101,1,{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z,",
            "no such pad,1,2026-01-01T00:00:00Z,",
        ],
    )
    assert answers[0] == "OK" and answers[1].startswith("ERR"), answers

    prometheus.wait_for(
        lambda: [t["health"] for t in prometheus.targets()] == ["up"], "the probe's target to be up", 60
    )
    value_query, alert_query, ingest_query, quantile_query, health_query = documented_queries()

    # values and levels equal the CLI's, read around one scrape (again if the probe evaluated between)
    for _attempt in range(4):
        before = probe.metrics()
        asked = time.time()
        prometheus.wait_for(
            lambda asked=asked: scraped_since(prometheus, asked + 1), "a scrape after the CLI", 30
        )
        values = by_key(prometheus.query("prolan_metric_value"))
        levels = by_key(prometheus.query("prolan_metric_level"))
        alerting = by_key(prometheus.query(alert_query))
        if probe.metrics() == before:
            break
    problems = []
    for metric in before:
        if levels.get(metric["key"]) != LEVEL_NUMBERS[metric["level"]]:
            problems.append(f"level {levels.get(metric['key'])} != {metric['level']}: {metric['name']}")
        if metric["value"] is None:
            if metric["key"] in values:
                problems.append(
                    f"a value ({values[metric['key']]}) for a metric without one: {metric['name']}"
                )
        elif metric["key"] not in values or abs(values[metric["key"]] - metric["value"]) > 1e-9 * max(
            1, abs(metric["value"])
        ):
            problems.append(f"value {values.get(metric['key'])} != {metric['value']}: {metric['name']}")
    assert problems == [], problems[:20]
    assert len(levels) == len(before) and any(m["name"] == NO_VALUE for m in before)
    assert set(alerting) == {m["key"] for m in before if m["level"] in ("edge", "bad")}
    assert alerting, "the demo has metrics on the edge or bad"

    # the documented per-metric query: labels test / point / period (and question, metric, unit)
    selected = prometheus.query(value_query)
    expected = {
        m["key"]: m["value"]
        for m in before
        if m["test"] == "LOYALTY_MON"
        and m["point"] == "Калужская"
        and m["period"] == "interval"
        and m["value"] is not None
    }
    assert by_key(selected) == pytest.approx(expected) and expected
    labels = next(r["metric"] for r in selected)
    assert {"test", "methodology", "point", "metric", "period"} <= set(labels)  # "" labels: absent
    with_question = by_key(prometheus.query('prolan_metric_value{question!=""}'))
    assert set(with_question) == {m["key"] for m in before if m["question"] and m["value"] is not None}
    assert with_question

    # tests: state and last duration equal `prolan-probe tests`; evaluations were counted and timed
    def tests_agree() -> bool:
        tests = json.loads(run_cli("tests", "--format", "json", config=probe.config, check=True).stdout)[
            "tests"
        ]
        up = {r["metric"]["test"]: float(r["value"][1]) for r in prometheus.query("prolan_test_up")}
        last = prometheus.query("prolan_test_last_duration_seconds")
        durations = {r["metric"]["test"]: float(r["value"][1]) for r in last}
        return (
            up == {t["name"]: 1.0 for t in tests if t["state"] == "ok"}
            and len(up) == len(tests)
            and all(abs(durations[t["name"]] - t["duration_seconds"]) <= 0.0011 for t in tests)
        )

    prometheus.wait_for(tests_agree, "test states and durations equal to `prolan-probe tests`", 30)
    counted = {
        r["metric"]["test"]: float(r["value"][1])
        for r in prometheus.query('prolan_evaluations_total{result="ok"}')
    }
    assert counted.get("NMS_CHECK", 0) >= 1  # the catch-up run at start, at least
    timed = prometheus.query('prolan_evaluation_duration_seconds_count{test="NMS_CHECK"}')
    assert float(timed[0]["value"][1]) == counted["NMS_CHECK"]

    # ingest counters (the presses sent above) and the remaining documented queries
    received = {
        r["metric"]["source"]: float(r["value"][1])
        for r in prometheus.query("prolan_ingest_presses_received_total")
    }
    refused = {
        r["metric"]["source"]: float(r["value"][1])
        for r in prometheus.query("prolan_ingest_presses_refused_total")
    }
    assert list(received.values()) == [1.0] and list(refused.values()) == [1.0], (received, refused)
    assert [r["metric"] for r in prometheus.query(ingest_query)] == [{"source": next(iter(received))}]
    assert prometheus.query(quantile_query) is not None  # valid PromQL (empty until rates exist)
    assert prometheus.query(health_query) == []  # database up, every test works
    info = prometheus.query("prolan_probe_info")
    assert info[0]["metric"]["name"] == "Зонд NMS" and float(info[0]["value"][1]) == 1
    print(f"Prometheus: {len(levels)} metrics, {len(values)} with a value, equal to the CLI")
