"""End to end with the real engine: demo presses, LOYALTY_MON evaluated by `Evaluator`, then the
agent started from `load_snapshot` (as after a restart) serves exactly the evaluated values, and
exactly what `prolan-probe metrics --format json` prints."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine

from probe.config import load_config
from probe.demo import install_demo
from probe.engine import Evaluator
from probe.snapshot import MetricState, SnapshotHub
from probe.snmp.agent import SnmpAgent
from probe.snmp.index import scaled
from probe.store.current import load_snapshot
from tests.helpers import run_cli
from tests.snmp_tools import MIB_ARGS, needs_net_snmp, parse_walk, run_tool, target

pytestmark = needs_net_snmp

OKO = {"good": "good", "acceptable": "acceptable", "attention": "attention", "edge": "onTheEdge", "bad": "bad",
       "unknown": "unknown", None: "notAssessed"}  # fmt: skip


def shown_value(value: float | None) -> str:
    """prolanMetricValue as net-snmp prints it with DISPLAY-HINT "d-2" (0 is '.00')."""
    cents = scaled(value)
    whole = str(abs(cents) // 100) if abs(cents) >= 100 else ""
    return f"{'-' if cents < 0 else ''}{whole}.{abs(cents) % 100:02d}"


def expected_rows(m: MetricState) -> dict[str, str]:
    return {
        f"prolanMetricName.{m.id}": m.name,
        f"prolanMetricKey.{m.id}": m.key,
        f"prolanMetricTest.{m.id}": m.test,
        f"prolanMetricPoint.{m.id}": m.point or "",
        f"prolanMetricValue.{m.id}": shown_value(m.value),
        f"prolanMetricValid.{m.id}": "false" if m.value is None else "true",
        f"prolanMetricLevel.{m.id}": OKO[m.level.value if m.level else None],
        f"prolanMetricRegion.{m.id}": m.region or "",
    }


async def test_restarted_agent_serves_the_stored_evaluation(
    write_config, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    config_path = write_config('[snmp]\nlisten = "127.0.0.1:0"\n')
    config = load_config(config_path)
    # The demo's presses only (the `demo` command would also evaluate every simulated interval).
    install_demo(engine, config.tz, days=0.3, seed=1, end=dt.datetime(2026, 11, 20, 9, 7, tzinfo=dt.UTC))
    live = SnapshotHub()
    evaluator = Evaluator(config, engine, live)
    end = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 12:00 Moscow
    evaluation = await asyncio.to_thread(evaluator.evaluate, "LOYALTY_MON", end)
    assert evaluation.test_ok and len(evaluation.metrics) > 50

    restarted = SnapshotHub(load_snapshot(engine))  # what `run` serves right after a restart
    agent = SnmpAgent(config, restarted)
    await agent.start()
    try:
        code, out, err = await run_tool(
            tmp_path,
            "snmpbulkwalk",
            "-v2c",
            "-c",
            "public",
            "-Cr50",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanMIB",
        )
    finally:
        await agent.stop()
    assert code == 0, err
    rows = parse_walk(out)
    for metric in live.current.metrics:
        for name, value in expected_rows(metric).items():
            assert rows[name] == value, name
    names = {v for k, v in rows.items() if k.startswith("prolanMetricName.")}
    assert "LOYALTY_MON. Тест работает" in names
    assert any(". Калужская. % негативных ответов. Интервал 10 мин" in n for n in names)
    test_index = next(
        k.split(".")[1] for k, v in rows.items() if k.startswith("prolanTestName.") and v == "LOYALTY_MON"
    )
    assert rows[f"prolanTestState.{test_index}"] == "ok"
    assert rows["prolanProbeName.0"] == "prolan-probe"
    # in the probe's time zone (Europe/Moscow) with its offset, as every other time the probe shows
    assert rows["prolanProbeLastUpdate.0"] == "2026-11-20,12:0:0.0,+3:0"

    listed = json.loads(run_cli("metrics", "--format", "json", config=config_path, check=True).stdout)
    assert (
        sum(1 for k in rows if k.startswith("prolanMetricName.")) == len(listed) >= len(live.current.metrics)
    )
    for item in listed:
        i = item["id"]
        assert rows[f"prolanMetricName.{i}"] == item["name"]
        assert rows[f"prolanMetricKey.{i}"] == item["key"]
        assert rows[f"prolanMetricPoint.{i}"] == (item["point"] or "")
        assert rows[f"prolanMetricValue.{i}"] == shown_value(item["value"])
        assert rows[f"prolanMetricLevel.{i}"] == OKO[item["level"]]
        assert rows[f"prolanMetricUnit.{i}"] == item["unit"]
        assert (
            item["time"] == "2026-11-20T09:00:00Z"
            and rows[f"prolanMetricUpdated.{i}"] == "2026-11-20,12:0:0.0,+3:0"
        )
        bounds = (item["thresholds"] or {"bounds": []})["bounds"] + [0.0] * 4
        for n in range(4):
            assert rows[f"prolanMetricThreshold{n + 1}.{i}"] == shown_value(bounds[n])
