"""Fencing in process (issue 16): after a takeover, the old holder's evaluator stores and publishes
nothing, and its outbox deliverer claims and sends nothing — on SQLite and PostgreSQL, with the
real lease row (tests/integration/test_takeover.py shows the same with processes)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from notifier.outbox import Deliverer, OutboxRow
from probe.config import load_config
from probe.engine import Evaluator
from probe.lease import Lease, LeaseLost
from probe.snapshot import SnapshotHub
from probe.store.schema import notifier_outbox, test_runs
from tests.integration.test_service import write_probe

SECONDS = 0.6


def take_over(old: Lease, new: Lease) -> None:
    """`old` stops renewing (a stall); `new` takes the lease once it expired."""
    assert old.step()
    deadline = time.monotonic() + 10
    while not new.step():
        assert time.monotonic() < deadline, "no takeover"
        time.sleep(0.05)
    assert new.epoch == (old.epoch or 0) + 1


def test_the_old_holders_evaluation_is_not_stored_or_published(
    tmp_path: Path, engine: Engine, db_url: str
) -> None:
    config = load_config(write_probe(tmp_path, db_url))
    hub = SnapshotHub()
    evaluator = Evaluator(config, engine, hub)
    old, new = Lease(engine, "host:1:old", SECONDS), Lease(engine, "host:2:new", SECONDS)
    evaluator.fence = old.fence
    end = evaluator.boundary_at_or_before("TICK", dt.datetime.now(dt.UTC))
    assert old.step()
    evaluator.evaluate("TICK", end - dt.timedelta(minutes=10))  # stored under the lease
    take_over(old, new)
    old.valid_until = time.monotonic() + 60  # as if its clock had not noticed (a stalled process)
    published = hub.current
    with pytest.raises(LeaseLost):
        evaluator.evaluate("TICK", end)
    assert hub.current is published  # nothing published
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(test_runs)).scalar_one() == 1


async def test_the_old_holders_deliverer_claims_and_sends_nothing(
    tmp_path: Path, engine: Engine, db_url: str
) -> None:
    config = load_config(write_probe(tmp_path, db_url))
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(notifier_outbox).values(
                dedupe_key="k1", created_at=now, rule="r", kind="open", channel="email", recipient="Анна",
                address="anna@example.org", subject="s", body_text="b", status="pending", attempts=0, due_at=now,
            )
        )  # fmt: skip
    sent: list[int] = []

    async def send(row: OutboxRow) -> None:
        sent.append(row.id)

    old, new = Lease(engine, "host:1:old", SECONDS), Lease(engine, "host:2:new", SECONDS)
    stale = Deliverer(config, engine, senders={"email": send})
    stale.fence = old.fence
    take_over(old, new)
    old.valid_until = time.monotonic() + 60
    await stale.deliver_due()
    assert sent == []
    with engine.connect() as conn:
        assert conn.execute(select(notifier_outbox.c.status)).scalar_one() == "pending"
    # The new holder sends it, once.
    fresh = Deliverer(config, engine, senders={"email": send})
    fresh.fence = new.fence
    assert new.step()
    await fresh.deliver_due()
    await fresh.deliver_due()
    assert len(sent) == 1
