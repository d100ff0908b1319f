"""The aggregator is the one source of truth (issue 15 points 2 and 3), end to end: a real
`prolan-probe run` (SNMP agent, two trap targets, notifier with an SMTP server), and *other
processes* running `prolan-probe evaluate`, `backfill` and `baseline --apply`. Within 15 s the
service's SNMP agent serves what the other process stored (real `snmpget`, and the console's own
SNMP poller), a level change reaches each of two real `snmptrapd` exactly once and the rule's
e-mail is sent once to each member — by the service; a metric's first assessment, a repeated
evaluation and a backfill of the past send nothing, and a backfill does not move current values
back; thresholds stored by `baseline --apply` assess the next evaluation, and the service serves
them with the new level. On SQLite (polling) and PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from console.snmp_poller import ProbeTarget, poll_once
from notifier.outbox import outbox_rows
from probe.levels import Level
from probe.snmp.v3 import engine_id
from probe.store.db import open_engine
from probe.store.schema import metrics
from tests.helpers import ROOT, run_cli
from tests.integration.test_notifier_engine import POINT, install_chain
from tests.integration.test_snmp_agent import _start_trapd
from tests.smtp_server import Recorder, free_port, start_smtp
from tests.snmp_tools import MIB_ARGS, free_udp_port, parse_walk, run_tool

pytestmark = pytest.mark.slow

NEGATIVE = f"LOYALTY_MON. СОКОК. {POINT}. % негативных ответов. Интервал 10 мин"
# install_chain's presses: one per interval 18:50 .. 20:00 Moscow, B = negative (bad), G = positive.
GOOD_END = "2026-03-02T19:30:00+03:00"  # "BBBBG": the interval 19:20–19:30 is good
BAD_END = "2026-03-02T19:40:00+03:00"  # then "B": bad
PAST_START, PAST_END = (
    "2026-03-02T18:50:00+03:00",
    "2026-03-02T19:00:00+03:00",
)  # an earlier, bad interval (for backfill)

CONFIG = """
name = "probe-truth"
timezone = "Europe/Moscow"
[database]
url = "{url}"
[tests]
follow_seconds = 2.0
[tests.LOYALTY_MON]
enabled = false  # evaluated only by the other process in this test
[tests.QUEUE_LEN]
enabled = false
[tests.APP_RESPONSE]
enabled = false
[tests.INGEST]
enabled = false
[tests.CLIPS]
enabled = false
[snmp]
listen = "127.0.0.1:{snmp_port}"
[[snmp.trap_targets]]
address = "127.0.0.1:{trap_port}"
version = "v2c"
community = "public"
[[snmp.trap_targets]]
address = "127.0.0.1:{trap_port2}"
version = "v2c"
community = "public"
[notifier.smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "probe@example.org"
[notifier.outbox]
poll_seconds = 0.2
[[notifier.recipients]]
name = "quality"
members = [
  {{ name = "Анна", email = "anna@example.org" }},
  {{ name = "Борис", email = "boris@example.org" }},
]
[[notifier.rules]]
name = "negative"
metrics = "{metric}"
level = "bad"
consecutive = 1
recipients = ["quality"]
"""


async def snmp_get(tmp_path: Path, port: int, *oids: str) -> dict[str, str]:
    code, out, _err = await run_tool(
        tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", f"127.0.0.1:{port}", *oids, timeout=20
    )
    return parse_walk(out) if code == 0 else {}


async def wait_for(check: object, timeout: float, what: str) -> float:
    """Seconds until `check()` (async) is true; fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await check():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {timeout:g} s: {what}")


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_results_stored_by_another_process_reach_the_running_service(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
        if dialect == "sqlite"
        else request.getfixturevalue("pg_schema_url")
    )
    install_chain(url)
    snmp_port, smtp_port = free_udp_port(), free_port()
    # Two trap targets, each its own snmptrapd: a level change reaches each exactly once.
    (tmp_path / "trapd1").mkdir()
    (tmp_path / "trapd2").mkdir()
    trapd, trap_log, trap_port = await _start_trapd(tmp_path / "trapd1", engine_id("probe-truth"))
    trapd2, trap_log2, trap_port2 = await _start_trapd(tmp_path / "trapd2", engine_id("probe-truth"))
    config = tmp_path / "probe.toml"
    config.write_text(
        CONFIG.format(
            url=url,
            snmp_port=snmp_port,
            trap_port=trap_port,
            trap_port2=trap_port2,
            smtp_port=smtp_port,
            metric=NEGATIVE,
        ),
        encoding="utf-8",
    )
    recorder = Recorder()
    smtp = start_smtp(smtp_port, recorder)
    service = subprocess.Popen(
        [sys.executable, "-m", "probe", "--config", str(config), "run"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "service.log", "wb"),  # noqa: SIM115  # closed with the process
    )
    engine = open_engine(url)
    try:

        async def serving() -> bool:
            return "prolanProbeName.0" in await snmp_get(tmp_path, snmp_port, "prolanProbeName.0")

        await wait_for(serving, 60, "the service answers SNMP")

        async def evaluate(*args: str) -> None:
            result = await asyncio.to_thread(run_cli, *args, config=config)
            assert result.returncode == 0, result.stderr

        # 1. Another process evaluates 19:30 (good). The service shows it; a first assessment
        #    sends nothing.
        await evaluate("evaluate", "--test", "LOYALTY_MON", "--at", GOOD_END)
        with engine.connect() as conn:
            metric_id = conn.execute(select(metrics.c.id).where(metrics.c.name == NEGATIVE)).scalar_one()
        level_oid, value_oid = f"prolanMetricLevel.{metric_id}", f"prolanMetricValue.{metric_id}"

        async def level_is(level: str) -> bool:
            return (await snmp_get(tmp_path, snmp_port, level_oid)).get(level_oid) == level

        seen_good = await wait_for(lambda: level_is("good"), 15, "the good level served by SNMP")
        # 2. 19:40 (bad), again from another process: served, one trap, one e-mail — by the service.
        await evaluate("evaluate", "--test", "LOYALTY_MON", "--at", BAD_END)
        seen_bad = await wait_for(lambda: level_is("bad"), 15, "the bad level served by SNMP")
        assert (await snmp_get(tmp_path, snmp_port, value_oid))[value_oid] == "100.00"

        def level_changes(log: Path) -> int:
            return log.read_text(encoding="utf-8", errors="replace").count(
                f"prolanNotifMetricId.0 = {metric_id}"
            )

        async def trapped(count: int) -> bool:
            return level_changes(trap_log) >= count and level_changes(trap_log2) >= count

        await wait_for(lambda: trapped(1), 15, "the level-change trap at both snmptrapd")

        async def mailed(count: int) -> bool:
            return len(recorder.messages) >= count

        await wait_for(lambda: mailed(2), 15, "the rule's e-mail to both members")
        # The console (its SNMP poller, as the Plan and the Cockpit read the probe) sees the result
        # the other process stored.
        live = await asyncio.to_thread(poll_once, ProbeTarget("127.0.0.1", snmp_port))
        assert live.connected, live.error
        assert live.metrics[metric_id].level is Level.BAD and live.metrics[metric_id].value == 100.0
        # 3. The same interval evaluated again by yet another process, and a backfill of the past:
        #    nothing more is sent, and current values do not move back.
        await evaluate("evaluate", "--test", "LOYALTY_MON", "--at", BAD_END)
        await evaluate("backfill", "--test", "LOYALTY_MON", "--from", PAST_START, "--to", PAST_END)
        await asyncio.sleep(6)  # three follow periods
        assert await level_is("bad")
        for log in (trap_log, trap_log2):
            traps = log.read_text(encoding="utf-8", errors="replace")
            assert level_changes(log) == 1, traps  # exactly one per target
            assert "prolanLevelChange" in traps
            # The first assessment sent nothing: every level change the log shows is from 19:40.
            assert "prolanNotifPreviousLevel.0 = notAssessed" not in traps
        subject = f"[probe-truth] Плохо: {POINT} — % негативных ответов"
        assert sorted((m["To"], m["Subject"]) for m in recorder.messages) == [
            ("Анна <anna@example.org>", subject),
            ("Борис <boris@example.org>", subject),
        ]  # one e-mail per member
        sent = [r["status"] for r in outbox_rows(engine)]
        assert sent == ["sent"] * len(sent) and len(sent) == len(
            recorder.messages
        )  # queued once, by the service
        assert seen_good < 15 and seen_bad < 15
        # 4. `baseline --apply` by yet another process: thresholds from the stored history (19:00,
        #    19:30 and 19:40: typical 100 %, so 100/200/300/400). The next evaluation of 19:40 —
        #    another process again — assesses with them; within 15 s the service serves the new
        #    thresholds and level (100 % is acceptable now), one level-change trap reaches each target.
        await evaluate(
            "baseline", "--test", "LOYALTY_MON", "--point", POINT, "--from", PAST_START,
            "--to", "2026-03-02T19:41:00+03:00", "--apply",
        )  # fmt: skip
        await evaluate("evaluate", "--test", "LOYALTY_MON", "--at", BAD_END)
        threshold_oid = f"prolanMetricThreshold1.{metric_id}"
        seen_applied = await wait_for(
            lambda: level_is("acceptable"), 15, "the baseline's level served by SNMP"
        )
        assert (await snmp_get(tmp_path, snmp_port, threshold_oid))[threshold_oid] == "100.00"
        await wait_for(lambda: trapped(2), 15, "the second level change at both snmptrapd")
        await asyncio.sleep(2)
        assert (level_changes(trap_log), level_changes(trap_log2)) == (2, 2)
        assert "prolanNotifPreviousLevel.0 = bad" in trap_log.read_text(encoding="utf-8", errors="replace")
        live = await asyncio.to_thread(poll_once, ProbeTarget("127.0.0.1", snmp_port))
        assert live.metrics[metric_id].level is Level.ACCEPTABLE
        assert seen_applied < 15
        # `prolan-probe status` from yet another process: the service is alive, its consumers keep up.
        status = await asyncio.to_thread(run_cli, "status", "--format", "json", config=config)
        assert status.returncode == 0, status.stdout + status.stderr
        (alive,) = [s for s in json.loads(status.stdout)["services"] if s["alive"]]
        assert {c["name"]: c["state"] for c in alive["consumers"]} == {"snmp": "ok", "notifier": "ok"}
    finally:
        service.terminate()
        try:
            service.wait(20)
        except subprocess.TimeoutExpired:
            service.kill()
        smtp.stop()
        for process in (trapd, trapd2):
            process.terminate()
            await process.wait()
        engine.dispose()
    log = (tmp_path / "service.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log
