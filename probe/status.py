"""The service's heartbeat: every `HEARTBEAT_SECONDS` (and at once when its role changes) every
running service — the active probe and each standby — writes its role, lease epoch, version, how its
consumers of evaluations keep up (the SNMP index, the notifier: `SubscriberHealth`) and how far it
has followed `run_log` into `service_status`; `prolan-probe status` reads it from any machine
that reaches the aggregator. A slow or failing consumer is also logged by the hub and shown in
PROLAN-MIB (prolanConsumerTable)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from probe import __version__
from probe.snapshot import SubscriberHealth
from probe.store.db import utcnow
from probe.store.schema import service_status

if TYPE_CHECKING:
    from probe.service import Runtime

log = logging.getLogger(__name__)

ORDER = 85  # service component start order (probe.service): after the follower, before the scheduler
HEARTBEAT_SECONDS = 10.0
# A heartbeat older than this means the service is gone (or cannot reach the database).
STALE_SECONDS = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True)
class ServiceRow:
    origin: str
    probe: str
    started_at: dt.datetime  # naive UTC
    updated_at: dt.datetime  # naive UTC
    followed_seq: int | None
    consumers: list[SubscriberHealth]
    role: str | None = None  # "active" / "standby" (None: written by a version before issue 16)
    lease_epoch: int | None = None
    version: str | None = None

    def age_seconds(self, now: dt.datetime | None = None) -> float:
        return ((now or utcnow()) - self.updated_at).total_seconds()

    def alive(self, now: dt.datetime | None = None) -> bool:
        return self.age_seconds(now) <= STALE_SECONDS


def write_heartbeat(
    engine: Engine, *, origin: str, probe: str, started_at: dt.datetime, followed_seq: int | None,
    consumers: list[SubscriberHealth], role: str | None = None, lease_epoch: int | None = None,
    version: str | None = None,
) -> None:  # fmt: skip
    row = {
        "origin": origin,
        "probe": probe,
        "started_at": started_at.astimezone(dt.UTC).replace(tzinfo=None),
        "updated_at": utcnow(),
        "followed_seq": followed_seq,
        "consumers": json.dumps([dataclasses.asdict(h) for h in consumers], ensure_ascii=False),
        "role": role,
        "lease_epoch": lease_epoch,
        "version": version,
    }
    with engine.begin() as conn:
        conn.execute(delete(service_status).where(service_status.c.origin == origin))
        conn.execute(insert(service_status).values(**row))


def read_services(engine: Engine) -> list[ServiceRow]:
    with engine.connect() as conn:
        rows = conn.execute(select(service_status).order_by(service_status.c.updated_at.desc())).all()
    out = []
    for row in rows:
        try:
            consumers = [SubscriberHealth(**item) for item in json.loads(row.consumers)]
        except (ValueError, TypeError):
            consumers = []
        out.append(
            ServiceRow(
                row.origin,
                row.probe,
                row.started_at,
                row.updated_at,
                row.followed_seq,
                consumers,
                role=row.role,
                lease_epoch=row.lease_epoch,
                version=row.version,
            )
        )
    return out


def remove_heartbeat(engine: Engine, origin: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(service_status).where(service_status.c.origin == origin))


class Heartbeat:
    """The service component writing the heartbeat."""

    def __init__(self, runtime: Runtime, origin: str) -> None:
        self.runtime = runtime
        self.origin = origin
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    def poke(self) -> None:
        """Write at once (the service's role changed)."""
        self._wake.set()

    def _followed(self) -> int | None:
        follower: Any = getattr(self.runtime, "follower", None)
        return None if follower is None else follower.last_seq

    async def _run(self) -> None:
        runtime = self.runtime
        while not runtime.stopping.is_set():
            try:
                await asyncio.to_thread(
                    write_heartbeat,
                    runtime.engine,
                    origin=self.origin,
                    probe=runtime.config.name,
                    started_at=runtime.started_at,
                    followed_seq=self._followed(),
                    consumers=runtime.hub.health(),
                    role=runtime.hub.role,
                    lease_epoch=runtime.hub.lease_epoch,
                    version=__version__,
                )
            except SQLAlchemyError as exc:
                log.debug("heartbeat not written: %s", exc.__class__.__name__)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=HEARTBEAT_SECONDS)

    async def stop(self) -> None:
        self._wake.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, SQLAlchemyError):
            await self._task
        with contextlib.suppress(SQLAlchemyError):
            await asyncio.to_thread(remove_heartbeat, self.runtime.engine, self.origin)


async def start(runtime: Runtime) -> Heartbeat | None:
    evaluator = runtime.evaluator
    origin = evaluator.origin if evaluator is not None else f"{runtime.config.name}:no-engine"
    return Heartbeat(runtime, origin)
