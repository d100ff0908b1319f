"""The notifier's tables: incident states, outbox rows, silences, imported recipients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row

from notifier.config import NotifierConfig, RecipientMember
from notifier.incidents import IncidentState, Status, samples_from_json, state_to_json
from notifier.rules import Silence
from probe.levels import Level
from probe.store.db import utcnow
from probe.store.limits import column_limit, fit_key, fit_text
from probe.store.schema import (
    notifier_incidents,
    notifier_outbox,
    notifier_recipients,
    notifier_silences,
    points,
)


def load_state(conn: Connection, rule: str, metric_id: int) -> IncidentState | None:
    row = conn.execute(
        select(notifier_incidents).where(
            notifier_incidents.c.rule == rule, notifier_incidents.c.metric_id == metric_id
        )
    ).first()
    return None if row is None else _state(row)


def load_states(conn: Connection, rules: list[str]) -> dict[tuple[str, int], IncidentState]:
    """Every stored state of these rules, in one query (an evaluation touches most of them)."""
    rows = conn.execute(select(notifier_incidents).where(notifier_incidents.c.rule.in_(rules)))
    return {(row.rule, int(row.metric_id)): _state(row) for row in rows}


def _state(row: Row[tuple[object, ...]]) -> IncidentState:
    m = row._mapping
    return IncidentState(
        status=Status(m["status"]),
        number=m["number"],
        matches=m["matches"],
        goods=m["goods"],
        escalated=bool(m["escalated"]),
        streak_start=m["streak_start"],
        opened_at=m["opened_at"],
        fired_at=m["fired_at"],
        resolved_at=m["resolved_at"],
        last_at=m["last_at"],
        peak=Level(m["peak"]) if m["peak"] else None,
        last_values=samples_from_json(m["last_values"]),
    )


def state_row(rule: str, metric_id: int, metric_name: str, state: IncidentState) -> dict[str, object]:
    """The incidents-table row of a state (for `save_states`)."""
    return {
        "rule": rule,
        "metric_id": metric_id,
        "metric_name": metric_name,
        "status": state.status.value,
        "number": state.number,
        "matches": state.matches,
        "goods": state.goods,
        "escalated": state.escalated,
        "streak_start": state.streak_start,
        "opened_at": state.opened_at,
        "fired_at": state.fired_at,
        "resolved_at": state.resolved_at,
        "last_at": state.last_at,
        "peak": state.peak.value if state.peak else None,
        "last_values": state_to_json(state),
        "updated_at": utcnow(),
    }


_UPDATED = [c.name for c in notifier_incidents.columns if c.name not in ("id", "rule", "metric_id")]
_UPDATE_STATE = (
    update(notifier_incidents)
    .where(
        notifier_incidents.c.rule == bindparam("b_rule"),
        notifier_incidents.c.metric_id == bindparam("b_metric"),
    )
    .values({name: bindparam(f"b_{name}") for name in _UPDATED})
)


def save_states(
    conn: Connection, new_rows: list[dict[str, object]], changed_rows: list[dict[str, object]]
) -> None:
    """Insert new and update changed states, each as one executemany (an evaluation of a big
    chain touches thousands of pairs; statement building per row would dominate)."""
    if new_rows:
        conn.execute(insert(notifier_incidents), new_rows)
    if changed_rows:
        conn.execute(
            _UPDATE_STATE,
            [
                {"b_rule": r["rule"], "b_metric": r["metric_id"], **{f"b_{n}": r[n] for n in _UPDATED}}
                for r in changed_rows
            ],
        )


def opening_hours(conn: Connection) -> dict[str, str]:
    return {
        row.name: row.opening_hours or ""
        for row in conn.execute(select(points.c.name, points.c.opening_hours))
    }


# ---- silences ----------------------------------------------------------------------------------


def active_silences(conn: Connection, at: dt.datetime) -> list[Silence]:
    rows = conn.execute(select(notifier_silences).where(notifier_silences.c.ends_at > at)).all()
    return [_silence(row) for row in rows]


def _silence(row: Row[tuple[object, ...]]) -> Silence:
    m = row._mapping
    return Silence(
        id=m["id"],
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        rule=m["rule"],
        metrics=m["metrics"],
        point=m["point"],
        reason=m["reason"],
    )


def add_silence(engine: Engine, silence: Silence) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(notifier_silences).values(
                rule=silence.rule,
                metrics=silence.metrics,
                point=silence.point,
                starts_at=silence.starts_at,
                ends_at=silence.ends_at,
                reason=silence.reason,
                created_at=utcnow(),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def list_silences(engine: Engine, *, include_expired: bool = False) -> list[Silence]:
    query = select(notifier_silences).order_by(notifier_silences.c.id)
    if not include_expired:
        query = query.where(notifier_silences.c.ends_at > utcnow())
    with engine.connect() as conn:
        return [_silence(row) for row in conn.execute(query)]


def remove_silence(engine: Engine, silence_id: int) -> bool:
    with engine.begin() as conn:
        return (
            conn.execute(delete(notifier_silences).where(notifier_silences.c.id == silence_id)).rowcount == 1
        )


# ---- recipients ----------------------------------------------------------------------------------


def list_members(conn: Connection, config: NotifierConfig, list_name: str) -> list[RecipientMember]:
    """Members of a named list: those in the config, then those imported from LDAP/AD."""
    members = [m for lst in config.recipients if lst.name == list_name for m in lst.members]
    for row in conn.execute(
        select(notifier_recipients)
        .where(notifier_recipients.c.list_name == list_name)
        .order_by(notifier_recipients.c.id)
    ):
        members.append(RecipientMember(name=row.name, email=row.email, phone=row.phone))
    return members


def known_lists(conn: Connection, config: NotifierConfig) -> set[str]:
    names = {lst.name for lst in config.recipients}
    names.update(r.list_name for r in conn.execute(select(notifier_recipients.c.list_name).distinct()))
    return names


def replace_imported_list(
    engine: Engine, list_name: str, members: list[RecipientMember], source: str
) -> None:
    """An import replaces the previous import of the same list (people leave groups too)."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(delete(notifier_recipients).where(notifier_recipients.c.list_name == list_name))
        if members:
            conn.execute(
                insert(notifier_recipients),
                [
                    {
                        "list_name": list_name,
                        "name": m.name,
                        "email": m.email,
                        "phone": m.phone,
                        "source": source,
                        "imported_at": now,
                    }
                    for m in members
                ],
            )


# ---- outbox ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    dedupe_key: str
    rule: str
    kind: str
    channel: str
    recipient: str
    address: str
    subject: str
    body_text: str
    body_html: str | None
    due_at: dt.datetime
    metric_id: int | None = None  # the metric whose event this announces
    event_at: dt.datetime | None = None  # the evaluation (interval end, naive UTC) of that event


_DEDUPE_LIMIT = column_limit(notifier_outbox.c.dedupe_key)
_SUBJECT_LIMIT = column_limit(notifier_outbox.c.subject)


def enqueue_many(conn: Connection, messages: list[OutboxMessage]) -> int:
    """Insert the messages not queued (or sent) before, in one executemany; returns how many.
    The dedupe keys already present are read in chunks (SQL Server takes 2,100 parameters)."""
    if not messages:
        return 0
    # Keys and subjects fit their columns on every dialect (a long rule name and address, a long
    # rendered subject); the key keeps a stable hash of its whole text, so it stays unique.
    messages = [
        replace(
            m,
            dedupe_key=fit_key(m.dedupe_key, _DEDUPE_LIMIT),
            subject=fit_text(m.subject, _SUBJECT_LIMIT),
        )
        for m in messages
    ]
    unique = list({m.dedupe_key: m for m in messages}.values())
    keys = [m.dedupe_key for m in unique]
    present: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        present.update(
            row.dedupe_key
            for row in conn.execute(
                select(notifier_outbox.c.dedupe_key).where(notifier_outbox.c.dedupe_key.in_(chunk))
            )
        )
    created = utcnow()
    rows = [
        {
            "dedupe_key": m.dedupe_key,
            "created_at": created,
            "rule": m.rule,
            "kind": m.kind,
            "channel": m.channel,
            "recipient": m.recipient,
            "address": m.address,
            "subject": m.subject,
            "body_text": m.body_text,
            "body_html": m.body_html,
            "status": "pending",
            "attempts": 0,
            "due_at": m.due_at,
            "metric_id": m.metric_id,
            "event_at": m.event_at,
        }
        for m in unique
        if m.dedupe_key not in present
    ]
    if rows:
        conn.execute(insert(notifier_outbox), rows)
    return len(rows)


def outbox_ids(conn: Connection, messages: list[OutboxMessage]) -> list[int]:
    """The outbox rows of these messages (as `enqueue_many` keyed them), by their unique keys."""
    keys = sorted({fit_key(m.dedupe_key, _DEDUPE_LIMIT) for m in messages})
    ids: list[int] = []
    for start in range(0, len(keys), 1000):
        ids += [
            int(row.id)
            for row in conn.execute(
                select(notifier_outbox.c.id).where(
                    notifier_outbox.c.dedupe_key.in_(keys[start : start + 1000])
                )
            )
        ]
    return ids
