"""The contract between `prolan-probe run` and the subsystems it starts.

`run` builds one `Runtime` (config, engine, snapshot hub) in one asyncio loop and, for every
module of the `prolan.components` entry-point group (`probe.plugins.components()`, in ascending
`ORDER`), awaits `module.start(runtime)`, which returns a `Component` (something with
`async stop()`), or None when the subsystem is disabled by config. On SIGTERM or SIGINT it stops
them in reverse order. Before any `start`, `run` awaits the optional `module.check(runtime)` of
every component (references that can be checked before binding anything). A component whose
check or start fails raises `ComponentStartError` (one line naming the config key): `run` stops
what started and exits; a component that fails to *load* (its entry point) stops `run` before
anything starts. The service never runs half.

A module with `ACTIVE_ONLY = True` evaluates or sends (the scheduler, the notifier): `run` starts
it only while this service holds the lease of the active probe (probe.lease) — at start if it
wins the lease, later when it takes over — and stops it when the lease is lost; every other
component (SNMP agent, ingest, the follower, the heartbeat) runs on every instance, active or
standby. Work an active-only component commits goes through `runtime.fence(conn)`.

The orders of the built-in components: the SNMP agent 10 (the snapshot is served first), the
Prometheus endpoint 15, the notifier 20, clips 30, ingest 40, the scheduler 90 (so its first
run is seen by all), the history housekeeper 95 (after it: never in the way of an evaluation).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from probe.config import ProbeConfig
from probe.snapshot import SnapshotHub

if TYPE_CHECKING:
    from probe.engine import Evaluator
    from probe.lease import Lease


class ComponentStartError(Exception):
    """A component that cannot start (a busy port, an unusable state folder), worded for the
    operator with the config key to look at; `run` then stops what started and exits non-zero."""


class Component(Protocol):
    async def stop(self) -> None: ...


@dataclass
class Runtime:
    config: ProbeConfig
    engine: Engine
    hub: SnapshotHub
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # Set by `run` before any component starts (None only when the engine could not be built).
    evaluator: Evaluator | None = None
    # Set by probe.follow when it starts (what the heartbeat reports).
    follower: Any = None
    # The components running so far, by module name, in start order (filled by `run`): for a
    # component that reports on others (the Prometheus endpoint shows the ingest counters).
    components: dict[str, Component] = field(default_factory=dict)
    # The lease of the active service (probe.lease), set by `run` before any component starts.
    lease: Lease | None = None

    @property
    def role(self) -> str:
        """ "active" or "standby" (kept on the hub, where the SNMP agent reads it)."""
        return self.hub.role

    def fence(self, conn: Connection) -> None:
        """Inside a transaction committing work of the active (an evaluation, a queued or claimed
        message): raises probe.lease.LeaseLost unless this service still holds the lease."""
        if self.lease is not None:
            self.lease.fence(conn)
