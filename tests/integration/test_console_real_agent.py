"""The console's poller against the probe's own SNMP agent (probe.snmp.agent) serving a snapshot:
what the agent publishes is what the console's maps show, v2c and v3, and a new snapshot shows
up at the next poll."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from console.plan.model import MapLibrary, load_map
from console.settings import DEMO_ROOT_MAP, console_settings
from console.snmp_poller import ProbeTarget, poll_once
from probe.config import parse_config
from probe.levels import Level
from probe.snapshot import MetricState, Snapshot, SnapshotHub
from probe.snmp.agent import SnmpAgent
from probe.snmp.config import SnmpV3User
from tests.console_fixtures import demo_served


def snapshot_of(levels: dict[str, Level] | None = None) -> Snapshot:
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    states = [
        MetricState(
            id=m.id,
            key=m.key,
            name=m.name,
            test=m.test,
            short_name=m.name.split(". ")[-2] if m.point else m.name.split(". ")[-1],
            value=m.value,
            level=m.level,
            time=at,
            unit=m.unit,
            point=m.point or None,
            region=m.region or None,
            thresholds=m.thresholds,
        )
        for m in demo_served(levels)
    ]
    return Snapshot(metrics=tuple(states), updated_at=at)


class AgentThread:
    """The real agent on its own event loop, as `prolan-probe run` has it."""

    def __init__(self, hub: SnapshotHub, enterprise_oid: str = "1.3.6.1.4.1.17184") -> None:
        self.config = parse_config(
            {
                "name": "console-test-probe",
                "snmp": {
                    "listen": "127.0.0.1:0",
                    "enterprise_oid": enterprise_oid,
                    "v2c": {"communities": ["ro-console"]},
                    "v3": {
                        "users": [
                            {"name": "analyst", "auth_key": "auth-secret-1", "priv_key": "priv-secret-1"}
                        ]
                    },
                },
            }
        )
        self.agent = SnmpAgent(self.config, hub)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.agent.start())
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.agent.stop())
        self.loop.close()

    def __enter__(self) -> AgentThread:
        self.thread.start()
        assert self.ready.wait(20), "the agent did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(20)


@pytest.fixture
def agent() -> Iterator[tuple[AgentThread, SnapshotHub]]:
    hub = SnapshotHub(snapshot_of())
    with AgentThread(hub) as running:
        yield running, hub


def test_console_reads_what_the_agent_serves(agent: tuple[AgentThread, SnapshotHub]) -> None:
    running, hub = agent
    host, port = running.agent.address
    state = poll_once(ProbeTarget(host, port, community="ro-console"))
    assert state.connected, state.error
    assert state.probe_name == "console-test-probe"
    served = {m.id: m for m in hub.current.metrics}
    assert set(state.metrics) == set(served)
    for metric_id, live in state.metrics.items():
        expected = served[metric_id]
        assert (live.name, live.key, live.point or None) == (expected.name, expected.key, expected.point)
        assert live.level == expected.level
        assert live.value == expected.value
        assert live.thresholds == expected.thresholds, live.name
    root = load_map(DEMO_ROOT_MAP)
    moscow = next(e for e in root.elements if e.caption == "Москва")
    assert MapLibrary().element_level(root, moscow, state) is Level.BAD

    # The next evaluation: Тёплый Стан recovers; the next poll shows it.
    hub.publish(snapshot_of({"АЗС Тёплый Стан": Level.GOOD, "Речной вокзал": Level.GOOD}))
    state = poll_once(ProbeTarget(host, port, community="ro-console"))
    assert MapLibrary().element_level(root, moscow, state) is Level.ACCEPTABLE


def test_console_over_v3_against_the_agent(agent: tuple[AgentThread, SnapshotHub]) -> None:
    running, hub = agent
    host, port = running.agent.address
    user = SnmpV3User(name="analyst", auth_key="auth-secret-1", priv_key="priv-secret-1")
    state = poll_once(ProbeTarget(host, port, version="v3", user=user))
    assert state.connected, state.error
    assert len(state.metrics) == len(hub.current.metrics)
    wrong = user.model_copy(update={"priv_key": "not-the-key"})
    bad = poll_once(ProbeTarget(host, port, version="v3", user=wrong, timeout_seconds=0.5, retries=0))
    assert not bad.connected


MOVED_TREE = "1.3.6.1.4.1.99999.42"


def test_console_honours_the_enterprise_oid_of_the_config() -> None:
    """A probe serving PROLAN-MIB under a moved `[snmp] enterprise_oid`: the console, configured
    from the same file, reads it there; a console that assumed 17184 would read nothing."""
    hub = SnapshotHub(snapshot_of())
    with AgentThread(hub, enterprise_oid=MOVED_TREE) as running:
        host, port = running.agent.address
        config = parse_config(
            {
                "snmp": {"enterprise_oid": MOVED_TREE, "v2c": {"communities": ["ro-console"]}},
                "console": {"probe": f"{host}:{port}"},
            }
        )
        target = console_settings(config).target
        assert target.layout.enterprise == (1, 3, 6, 1, 4, 1, 99999, 42)
        state = poll_once(target)
        assert state.connected, state.error
        assert state.probe_name == "console-test-probe"
        assert set(state.metrics) == {m.id for m in hub.current.metrics}
        assert state.points and any(p.worst is not None for p in state.points.values())

        # The default tree is empty on this agent: reading it there finds no metrics and no name.
        default = poll_once(ProbeTarget(host, port, community="ro-console"))
        assert not default.metrics and default.probe_name == ""
