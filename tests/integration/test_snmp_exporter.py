"""contrib/prometheus/generator.yml with Debian's real snmp_exporter: prometheus-snmp-generator
builds snmp.yml from it and the MIBs of mib/ (as docs/mib.md says), prometheus-snmp-exporter polls a
running probe with it, and every sample equals `prolan-probe metrics --format json`: the exact
value (not ×100), the level, the identity labels; a metric without a value has no sample."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.doc_commands import documented_commands
from tests.helpers import ROOT
from tests.nms_probe import LEVEL_NUMBERS, NO_VALUE, NmsProbe
from tests.smtp_server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

GENERATOR = ROOT / "contrib" / "prometheus" / "generator.yml"
DOCS = ROOT / "docs" / "mib.md"


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[NmsProbe]:
    nms = NmsProbe(tmp_path / "probe")
    try:
        yield nms
    finally:
        nms.stop()


def samples(text: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_snmp_exporter_with_the_shipped_generator_file_shows_what_the_cli_shows(
    tmp_path: Path, probe: NmsProbe
) -> None:
    probe.demo(0.5)
    probe.start()
    # snmp.yml as the docs build it
    work = tmp_path / "generator"
    work.mkdir()
    (work / "generator.yml").write_text(GENERATOR.read_text(encoding="utf-8"), encoding="utf-8")
    (command,) = documented_commands(DOCS.read_text(encoding="utf-8"), ("MIBDIRS=/path/to/mib",))
    args = command.replace("MIBDIRS=/path/to/mib ", "").split()
    env = {**os.environ, "MIBDIRS": str(ROOT / "mib"), "HOME": str(work)}
    result = subprocess.run(
        [*args[:1], "--fail-on-parse-errors", *args[1:]], cwd=work, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0 and (work / "snmp.yml").exists(), result.stderr
    assert "level=warn" not in result.stderr and "level=error" not in result.stderr, result.stderr

    port = free_port()
    exporter = subprocess.Popen(
        [
            "prometheus-snmp-exporter",
            f"--config.file={work / 'snmp.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "exporter.log").open("wb"),
    )
    try:
        url = f"http://127.0.0.1:{port}/snmp?module=prolan&target={probe.snmp_address}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline and exporter.poll() is None, (
                    tmp_path / "exporter.log"
                ).read_text()
                time.sleep(0.2)
        for _attempt in range(4):  # an evaluation between the two CLI reads: read again
            before = probe.metrics()
            with urllib.request.urlopen(url, timeout=60) as response:
                scraped = samples(response.read().decode("utf-8"))
            if probe.metrics() == before:
                break
        values = {int(s.labels["prolanMetricId"]): s for s in scraped.get("prolanMetricValueText", [])}
        levels = {int(s.labels["prolanMetricId"]): s for s in scraped["prolanMetricLevel"]}
        problems = []
        for metric in before:
            level = levels.get(metric["id"])
            if level is None or level.value != LEVEL_NUMBERS[metric["level"]]:
                problems.append(f"level {level and level.value} != {metric['level']}: {metric['name']}")
                continue
            identity = {
                "prolanMetricKey": metric["key"],
                "prolanMetricTest": metric["test"],
                "prolanMetricPoint": metric["point"] or "",
                "prolanMetricQuestion": metric["question"] or "",
                "prolanMetricPeriod": metric["period"] or "",
            }
            if {k: level.labels.get(k) for k in identity} != identity:
                problems.append(f"labels {level.labels} != {identity}")
            value = values.get(metric["id"])
            if metric["value"] is None:
                if value is not None:
                    problems.append(
                        f"a sample ({value.value}) for a metric without a value: {metric['name']}"
                    )
            elif value is None or abs(value.value - round(metric["value"], 6)) > 1e-9 * max(
                1.0, abs(metric["value"])
            ):
                problems.append(f"value {value and value.value} != {metric['value']}: {metric['name']}")
        assert problems == [], problems[:20]
        assert any(m["name"] == NO_VALUE for m in before) and len(values) < len(before)
        assert scraped["prolanProbeDatabaseState"][0].value == 1
        assert scraped["prolanProbeName"][0].labels["prolanProbeName"] == "Зонд NMS"
        assert {s.labels["prolanTestName"] for s in scraped["prolanTestState"]} == {m["test"] for m in before}
        print(f"snmp_exporter: {len(levels)} metrics, {len(values)} with a value, equal to the CLI")
    finally:
        exporter.terminate()
        exporter.wait(10)
