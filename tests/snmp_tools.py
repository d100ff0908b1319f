"""Helpers for SNMP tests: a snapshot with Cyrillic names, an in-process agent on a free port,
net-snmp's command-line tools run without blocking the agent's event loop, and snmptrapd."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from probe.assess import ThresholdTable
from probe.config import ProbeConfig, parse_config
from probe.levels import Level
from probe.resources import mib_dir
from probe.snapshot import MetricState, Snapshot, SnapshotHub, TestState
from probe.snmp.agent import SnmpAgent
from probe.snmp.limits import SourceRateLimiter

ROOT = Path(__file__).resolve().parent.parent
MIB_DIR = mib_dir()
MIB_ARGS = ("-m", "PROLAN-MIB", "-M", str(MIB_DIR))
AT = dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC)
V3_USER = {
    "name": "oko",
    "auth_protocol": "SHA-512",
    "auth_key_env": "PROLAN_TEST_SNMP_AUTH",
    "priv_protocol": "AES-256",
    "priv_key_env": "PROLAN_TEST_SNMP_PRIV",
}
V3_AUTH, V3_PRIV = "auth-secret-1", "priv-secret-2"
V3_ARGS = (
    "-v3",
    "-l",
    "authPriv",
    "-u",
    "oko",
    "-a",
    "SHA-512",
    "-A",
    V3_AUTH,
    "-x",
    "AES256",
    "-X",
    V3_PRIV,
)

needs_net_snmp = pytest.mark.skipif(shutil.which("snmpget") is None, reason="net-snmp tools (package snmp)")


def sample_snapshot() -> Snapshot:
    company = "Итого по компании"
    metrics = (
        MetricState(
            id=3,
            key="loyalty_mon.usokok.kaluzhskaya.neg_pct.interval",
            name="LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин",
            test="LOYALTY_MON",
            short_name="% негативных ответов",
            value=42.5,
            level=Level.ATTENTION,
            time=AT,
            unit="%",
            point="Калужская",
            region="Москва/ЮЗАО",
            period="interval",
            thresholds=ThresholdTable.higher_worse(20, 40, 60, 80),
            methodology="УСОКОК",
            scope="point",
        ),
        MetricState(
            id=7,
            key="loyalty_mon.usokok.kaluzhskaya.votes.day",
            name="LOYALTY_MON. УСОКОК. Калужская. Число голосований. Текущие сутки",
            test="LOYALTY_MON",
            short_name="Число голосований",
            value=118.0,
            level=None,
            time=AT,
            point="Калужская",
            region="Москва/ЮЗАО",
            question="Довольны ли Вы скоростью обслуживания?",
            period="day",
        ),
        MetricState(
            id=12,
            key="loyalty_mon.usokok.company.silent_pct.day",
            name=f"LOYALTY_MON. УСОКОК. {company}. % 'молчунов'. Текущие сутки",
            test="LOYALTY_MON",
            short_name="% 'молчунов'",
            value=None,
            level=Level.UNKNOWN,
            time=AT,
            unit="%",
            thresholds=ThresholdTable.higher_worse(20, 40, 50, 60),
        ),
        MetricState(
            id=200,
            key="loyalty_mon.test_works",
            name="LOYALTY_MON. Тест работает",
            test="LOYALTY_MON",
            short_name="Тест работает",
            value=1.0,
            level=Level.GOOD,
            time=AT,
            thresholds=ThresholdTable.equal_to(1),
        ),
        MetricState(
            id=201,
            key="queue.tverskaya.length",
            name="QUEUE. Тверская. Длина очереди",
            test="QUEUE",
            short_name="Длина очереди",
            value=-3.25,
            level=Level.BAD,
            time=AT,
            point="Тверская",
            region="Москва/ЦАО",
            thresholds=ThresholdTable.higher_better(10, 5, 2, 1),
        ),
    )
    tests = (
        TestState("LOYALTY_MON", "Лояльность клиентов", "every 10 min", AT, 1.25, True),
        TestState("QUEUE", "Очереди", "every 5 min", AT, 0.5, False, "timeout after 120 s"),
    )
    return Snapshot(metrics=metrics, tests=tests, database_ok=True, updated_at=AT)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def agent_config(**snmp: Any) -> ProbeConfig:
    section: dict[str, Any] = {"listen": "127.0.0.1:0", "v2c": {"communities": ["public", "зонд"]}}
    section["v3"] = {"users": [V3_USER]}
    section.update(snmp)
    return parse_config({"name": "probe-test", "snmp": section})


@contextlib.asynccontextmanager
async def running_agent(
    config: ProbeConfig | None = None,
    snapshot: Snapshot | None = None,
    *,
    state_dir: Path | None = None,
    limiter: SourceRateLimiter | None = None,
) -> AsyncIterator[SnmpAgent]:
    """An agent on a free port; its engine state in `state_dir` (default: the data folder, which
    the tests' autouse fixture makes a temporary one)."""
    # The v3 keys come from the environment (as in production); restored afterwards so that no
    # other test sees them.
    keys = {"PROLAN_TEST_SNMP_AUTH": V3_AUTH, "PROLAN_TEST_SNMP_PRIV": V3_PRIV}
    saved = {name: os.environ.get(name) for name in keys}
    os.environ.update(keys)
    try:
        agent = SnmpAgent(
            config or agent_config(),
            SnapshotHub(snapshot or sample_snapshot()),
            state_dir=state_dir,
            limiter=limiter,
        )
        await agent.start()
        try:
            yield agent
        finally:
            await agent.stop()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def running_agent_in(
    state_dir: Path,
    config: ProbeConfig | None = None,
    snapshot: Snapshot | None = None,
    *,
    limiter: SourceRateLimiter | None = None,
) -> contextlib.AbstractAsyncContextManager[SnmpAgent]:
    """An agent whose engine state lives in `state_dir` (benchmarks: outside any test fixture)."""
    return running_agent(config, snapshot, state_dir=state_dir, limiter=limiter)


def tool_env(tmp: Path) -> dict[str, str]:
    # Keep net-snmp's persistent state (engine boots, caches) out of the user's folders.
    return {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp), "SNMPCONFPATH": str(tmp), "MIBS": ""}


async def run_tool(tmp: Path, *args: str, timeout: float = 60) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tool_env(tmp)
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, out.decode("utf-8"), err.decode("utf-8", "replace")


def target(agent: SnmpAgent) -> str:
    return f"127.0.0.1:{agent.address[1]}"


def parse_walk(text: str) -> dict[str, str]:
    """Lines of `-OQ -Os` output ('prolanMetricName.3 = LOYALTY…') as a dict."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" = ")
        if sep:
            result[name.strip()] = value.strip().strip('"')
    return result
