"""Delivering the outbox: claim a due row in its own transaction, send, record the outcome.

Claiming is `UPDATE ... SET status='sending', claim_token=T WHERE id=? AND status='pending'`: only
one process (the service, or `outbox flush` started by hand next to it) wins a row, so a message
is never sent by two. A row left "sending" by a process that died is returned to "pending" after
`claim_timeout_seconds` (the one case where a message may repeat: the process died between the
server accepting the message and the database recording it; its Message-ID stays the same).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.engine import Connection

from notifier.channels import DeliveryFailure, PermanentFailure, TemporaryFailure
from notifier.channels.email import build_message, send_email
from notifier.channels.sms import send_sms
from notifier.config import NotifierConfig
from probe.config import ProbeConfig
from probe.lease import LeaseLost
from probe.store.db import utcnow
from probe.store.schema import notifier_outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    rule: str
    kind: str
    channel: str
    recipient: str
    address: str
    subject: str
    body_text: str
    body_html: str | None
    attempts: int


Sender = Callable[[OutboxRow], Awaitable[None]]


@dataclass
class FlushSummary:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.sent} sent, {self.retry} to retry, {self.failed} failed permanently"


def backoff_seconds(config: ProbeConfig, attempts: int) -> float:
    box = config.section(NotifierConfig).outbox
    return float(min(box.retry_max_seconds, box.retry_base_seconds * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Sends outbox rows through the configured channels (one SMS at a time per modem)."""

    def __init__(self, config: ProbeConfig, engine: Engine, senders: dict[str, Sender] | None = None) -> None:
        self.config = config
        self.engine = engine
        self.token = uuid.uuid4().hex
        self._modem_lock = asyncio.Lock()
        self.senders: dict[str, Sender] = senders or {"email": self._send_email, "sms": self._send_sms}
        # In the service: the lease check of the active probe (probe.lease), first in the claim's
        # transaction, and `may_send()` (the lease by the local clock) just before each send: a
        # service that lost the lease — e.g. stalled and resumed after a takeover — claims and
        # sends nothing; a row it claimed and did not send is released after claim_timeout_seconds.
        self.fence: Callable[[Connection], None] | None = None
        self.may_send: Callable[[], bool] = lambda: True

    async def _send_email(self, row: OutboxRow) -> None:
        smtp = self.config.section(NotifierConfig).smtp
        if smtp is None:
            raise TemporaryFailure("e-mail: [notifier.smtp] is not configured")
        host = smtp.sender.rsplit("@", 1)[-1] or "prolan-probe"
        message = build_message(
            smtp,
            to_name=row.recipient,
            to_address=row.address,
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            message_id=f"<outbox-{row.id}.{row.kind}@{host}>",
        )
        await send_email(smtp, message)

    async def _send_sms(self, row: OutboxRow) -> None:
        sms = self.config.section(NotifierConfig).sms
        if sms is None:
            raise TemporaryFailure("SMS: [notifier.sms] is not configured")
        async with self._modem_lock:
            await asyncio.to_thread(send_sms, sms, row.address, row.body_text)

    # ---- database steps (blocking; run in a thread from the event loop) ----

    def release_stale_claims(self, now: dt.datetime) -> int:
        limit = now - dt.timedelta(seconds=self.config.section(NotifierConfig).outbox.claim_timeout_seconds)
        with self.engine.begin() as conn:
            return conn.execute(
                update(notifier_outbox)
                .where(notifier_outbox.c.status == "sending", notifier_outbox.c.claimed_at < limit)
                .values(status="pending", claim_token=None)
            ).rowcount

    def due_ids(self, now: dt.datetime, limit: int = 200) -> list[int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(notifier_outbox.c.id)
                .where(notifier_outbox.c.status == "pending", notifier_outbox.c.due_at <= now)
                .order_by(notifier_outbox.c.due_at, notifier_outbox.c.id)
                .limit(limit)
            )
            return [int(r.id) for r in rows]

    def claim(self, row_id: int, now: dt.datetime) -> OutboxRow | None:
        with self.engine.begin() as conn:
            if self.fence is not None:
                self.fence(conn)
            won = conn.execute(
                update(notifier_outbox)
                .where(notifier_outbox.c.id == row_id, notifier_outbox.c.status == "pending")
                .values(status="sending", claimed_at=now, claim_token=self.token)
            ).rowcount
            if won != 1:
                return None
            r = conn.execute(select(notifier_outbox).where(notifier_outbox.c.id == row_id)).one()
            return OutboxRow(
                id=int(r.id),
                rule=r.rule,
                kind=r.kind,
                channel=r.channel,
                recipient=r.recipient,
                address=r.address,
                subject=r.subject,
                body_text=r.body_text,
                body_html=r.body_html,
                attempts=int(r.attempts),
            )

    def record(self, row: OutboxRow, failure: DeliveryFailure | None, now: dt.datetime) -> str:
        attempts = row.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "claim_token": None}
        if failure is None:
            values.update(status="sent", sent_at=now, last_error=None)
        elif (
            isinstance(failure, PermanentFailure)
            or attempts >= self.config.section(NotifierConfig).outbox.max_attempts
        ):
            values.update(status="failed", last_error=str(failure))
        else:
            values.update(
                status="pending",
                last_error=str(failure),
                due_at=now + dt.timedelta(seconds=backoff_seconds(self.config, attempts)),
            )
        with self.engine.begin() as conn:
            conn.execute(
                update(notifier_outbox)
                .where(and_(notifier_outbox.c.id == row.id, notifier_outbox.c.claim_token == self.token))
                .values(**values)
            )
        return str(values["status"])

    # ---- the loop body ----

    async def deliver_due(self, now: dt.datetime | None = None) -> FlushSummary:
        """Send every row that is due now, once; returns what happened."""
        summary = FlushSummary()
        now = now or utcnow()
        await asyncio.to_thread(self.release_stale_claims, utcnow())
        for row_id in await asyncio.to_thread(self.due_ids, now):
            try:
                row = await asyncio.to_thread(self.claim, row_id, utcnow())
            except LeaseLost as exc:
                log.warning("outbox: not sending: %s", exc)
                return summary
            if row is None:
                continue  # another process took it
            if not self.may_send():
                log.warning("outbox %s: not sent: this service no longer holds the lease", row.id)
                return summary
            failure: DeliveryFailure | None = None
            sender = self.senders.get(row.channel)
            try:
                if sender is None:
                    raise PermanentFailure(f"unknown channel {row.channel!r}")
                await sender(row)
            except DeliveryFailure as exc:
                failure = exc
            except Exception as exc:  # a bug in a channel must not stop the others
                log.exception("outbox row %s: unexpected error", row.id)
                failure = TemporaryFailure(f"{exc.__class__.__name__}: {exc}")
            status = await asyncio.to_thread(self.record, row, failure, utcnow())
            if status == "sent":
                summary.sent += 1
                log.info("outbox %s: %s to %s sent", row.id, row.channel, row.address)
            else:
                summary.errors.append(f"#{row.id} {row.channel} {row.address}: {failure}")
                if status == "failed":
                    summary.failed += 1
                    log.error(
                        "outbox %s: %s to %s failed permanently: %s",
                        row.id,
                        row.channel,
                        row.address,
                        failure,
                    )
                else:
                    summary.retry += 1
                    log.warning(
                        "outbox %s: %s to %s will be retried: %s", row.id, row.channel, row.address, failure
                    )
        return summary


def outbox_rows(engine: Engine, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(notifier_outbox).order_by(notifier_outbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(notifier_outbox.c.status == status)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def retry_failed(engine: Engine, row_ids: list[int] | None = None) -> int:
    """Put permanently failed rows back in the queue (after fixing an address or the config)."""
    condition = notifier_outbox.c.status == "failed"
    if row_ids:
        condition = and_(condition, or_(*(notifier_outbox.c.id == i for i in row_ids)))
    with engine.begin() as conn:
        return conn.execute(
            update(notifier_outbox).where(condition).values(status="pending", attempts=0, due_at=utcnow())
        ).rowcount
