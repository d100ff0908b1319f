"""Consumers never hold up an evaluation (issue 15 point 4): every snapshot subscriber has its own
queue and worker; a slow or failing one is logged and shown — prolanProbeConsumerState and
prolanConsumerTable through a real `snmpget`/`snmpwalk`, and `prolan-probe status` — while the
evaluations go on at their pace."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from probe.engine import Evaluator
from probe.snapshot import Evaluation, Snapshot, SnapshotHub, SubscriberHealth
from probe.status import write_heartbeat
from tests.engine.conftest import add_presses
from tests.helpers import run_cli
from tests.snmp_tools import MIB_ARGS, agent_config, parse_walk, run_tool, running_agent, target

END = dt.datetime(2026, 11, 20, 7, 10, tzinfo=dt.UTC)


def test_a_stuck_and_a_failing_subscriber_hold_up_no_evaluation(
    make_evaluator: Callable[..., Evaluator], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    hub = SnapshotHub()
    release = threading.Event()
    delivered: list[Evaluation] = []

    def stuck(_snapshot: Snapshot, _evaluation: Evaluation | None) -> None:
        release.wait(30)

    def failing(_snapshot: Snapshot, _evaluation: Evaluation | None) -> None:
        raise RuntimeError("mail server on fire")

    def fine(_snapshot: Snapshot, evaluation: Evaluation | None) -> None:
        if evaluation is not None:
            delivered.append(evaluation)

    hub.subscribe(stuck, "stuck", slow_seconds=0.5)
    hub.subscribe(failing, "failing")
    hub.subscribe(fine, "fine")
    evaluator = make_evaluator(hub=hub)
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=3)])
    caplog.set_level(logging.WARNING, logger="probe.snapshot")
    try:
        durations = []
        for k in range(3):
            started = time.perf_counter()
            evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=10 * k))
            durations.append(time.perf_counter() - started)
            time.sleep(0.4)
        assert max(durations) < 5  # none waited for the stuck subscriber (it waits up to 30 s)
        assert hub.wait_idle(0.1) is False  # the stuck one still has work queued
        health = {h.name: h for h in hub.health()}
        assert health["stuck"].state == "slow" and health["stuck"].queued >= 2
        assert health["failing"].state == "failing" and health["failing"].failures >= 3
        assert "mail server on fire" in health["failing"].last_error
        assert health["fine"].state == "ok"
        assert [e.at for e in delivered][-3:] == [END + dt.timedelta(minutes=10 * k) for k in range(3)]
        text = caplog.text
        assert "snapshot subscriber stuck is slow" in text and "snapshot subscriber failing failed" in text
    finally:
        release.set()
    assert hub.wait_idle(10)
    assert {h.name: h.state for h in hub.health()}["stuck"] == "ok"
    hub.close()


async def test_snmp_shows_how_each_consumer_keeps_up(tmp_path: Path) -> None:
    release = threading.Event()
    async with running_agent(agent_config()) as agent:
        agent.hub.subscribe(lambda _s, _e: release.wait(30), "notifier", slow_seconds=0.3)
        agent.hub.publish(agent.hub.current)  # the agent's own subscription takes it at once
        time.sleep(0.6)
        code, out, err = await run_tool(
            tmp_path,
            "snmpget",
            "-v2c",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanProbeConsumerState.0",
        )
        assert code == 0 and parse_walk(out) == {"prolanProbeConsumerState.0": "slow"}, err
        await agent._watch_consumers_once()
        code, out, err = await run_tool(
            tmp_path,
            "snmpwalk",
            "-v2c",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanConsumerTable",
        )
        assert code == 0, err
        rows = parse_walk(out)
        names = {
            key.split(".")[1]: value for key, value in rows.items() if key.startswith("prolanConsumerName.")
        }
        states = {
            names[key.split(".")[1]]: value
            for key, value in rows.items()
            if key.startswith("prolanConsumerState.")
        }
        assert states == {"snmp": "ok", "notifier": "slow"}
        release.set()
        agent.hub.wait_idle(5)
        code, out, _err = await run_tool(
            tmp_path,
            "snmpget",
            "-v2c",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanProbeConsumerState.0",
        )
        assert parse_walk(out) == {"prolanProbeConsumerState.0": "ok"}


async def test_the_snmp_warm_up_is_not_part_of_its_delivery(tmp_path: Path) -> None:
    """At 100,000 metrics the agent's background encoding of every row takes 10–20 s on a busy
    machine: it runs on its own thread, so the `snmp` consumer delivers a snapshot as soon as the
    new index is swapped in (its health stays ok, the next snapshot is not held up) and requests
    are answered meanwhile."""
    release, warming = threading.Event(), threading.Event()
    async with running_agent(agent_config()) as agent:
        real_warm = agent.builder.warm

        def slow_warm(stop: Callable[[], bool] = lambda: False) -> int:
            warming.set()
            release.wait(30)
            return real_warm(stop)

        agent.builder.warm = slow_warm  # type: ignore[method-assign]
        try:
            before = agent.index
            changed = agent.hub.current.by_id()[3]._replace(value=99.0)
            agent.hub.publish(
                dataclasses.replace(
                    agent.hub.current,
                    metrics=tuple(changed if m.id == 3 else m for m in agent.hub.current.metrics),
                )
            )
            assert await asyncio.to_thread(warming.wait, 5)  # the warm-up is running (and stuck) ...
            assert await asyncio.to_thread(agent.hub.wait_idle, 5)  # ... yet the snapshot is delivered
            assert agent.index is not before
            snmp = {h.name: h for h in agent.hub.health()}["snmp"]
            assert snmp.state == "ok" and snmp.queued == 0 and snmp.busy_seconds < 5
            code, out, err = await run_tool(
                tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", target(agent),
                "prolanMetricValue.3",
            )  # fmt: skip
            assert code == 0 and parse_walk(out) == {"prolanMetricValue.3": "99.00"}, err
            assert not agent.wait_warm(0.1)
        finally:
            release.set()
        assert await asyncio.to_thread(agent.wait_warm, 10)


def test_status_command_reports_services_and_their_consumers(
    engine: Engine, write_config: Callable[..., Path]
) -> None:
    config = write_config()
    result = run_cli("status", config=config)
    assert result.returncode == 1 and "no probe service is running" in result.stderr
    ok = SubscriberHealth("snmp", 0, 12, 0, 0, "", 0.02, 0.0, 0.0, False)
    failing = SubscriberHealth("notifier", 3, 9, 2, 0, "SMTPServerDisconnected: gone", 0.5, 0.0, 12.0, True)
    write_heartbeat(
        engine,
        origin="host:1:abc",
        probe="probe-a",
        started_at=dt.datetime.now(dt.UTC),
        followed_seq=42,
        consumers=[ok, failing],
    )
    result = run_cli("status", "--format", "json", config=config)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    (service,) = data["services"]
    assert service["alive"] and service["followed_seq"] == 42
    assert {c["name"]: c["state"] for c in service["consumers"]} == {"snmp": "ok", "notifier": "failing"}
    table = run_cli("status", config=config)
    assert "notifier" in table.stdout and "SMTPServerDisconnected: gone" in table.stdout
    write_heartbeat(
        engine,
        origin="host:1:abc",
        probe="probe-a",
        started_at=dt.datetime.now(dt.UTC),
        followed_seq=43,
        consumers=[ok],
    )
    assert run_cli("status", config=config).returncode == 0
