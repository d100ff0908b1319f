"""Press alerts as people see them: list, acknowledge, close (open -> acknowledged -> closed, each
step with who and an optional comment).

The notifier creates the alerts (notifier.press_alerts); the acknowledgement is plain data on the
ground floor so that `prolan-probe alerts ack` and the console's point page share one way of
doing it, and the console never imports the notifier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.engine import Connection

from probe.i18n import _
from probe.store.db import utcnow
from probe.store.limits import column_limit, fit_text
from probe.store.schema import (
    clips,
    notifier_alert_messages,
    notifier_alerts,
    notifier_outbox,
    notifier_press_matches,
    points,
)

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"
STATUSES = (OPEN, ACKNOWLEDGED, CLOSED)
MAX_COMMENT = 4000


class AlertError(Exception):
    """An acknowledgement that cannot be done; the message says why."""


@dataclass(frozen=True)
class Alert:
    id: int
    rule: str
    point: str
    region: str
    kind: str
    pad_id: str
    button: int
    pressed_at: dt.datetime  # aware UTC: the press the message is about (the latest it announces)
    presses: int  # presses announced by this message, that one included
    first_pressed_at: dt.datetime
    created_at: dt.datetime
    status: str
    press_id: int | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    ack_comment: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    close_comment: str | None = None
    sent: int = 0  # messages delivered
    pending: int = 0  # messages waiting (e.g. the mail server is down)
    failed: int = 0
    clip_status: str | None = None  # the audio fragment of the press: cut | waiting | missing
    clip_path: str | None = None


def _alert_query():  # type: ignore[no-untyped-def]
    return select(
        notifier_alerts,
        points.c.name.label("point_name"),
        points.c.region.label("point_region"),
        clips.c.status.label("clip_status"),
        clips.c.path.label("clip_path"),
    ).select_from(
        notifier_alerts.join(points, points.c.id == notifier_alerts.c.point_id).outerjoin(
            clips, clips.c.press_id == notifier_alerts.c.press_id
        )
    )


def _deliveries(conn: Connection, rows: Sequence[object]) -> dict[int, dict[str, int]]:
    """The states of the outbox rows that carry these alerts, counted per alert."""
    ids = sorted({int(row.id) for row in rows})  # type: ignore[attr-defined]
    out: dict[int, dict[str, int]] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(notifier_alert_messages.c.alert_id, notifier_outbox.c.status, func.count())
            .select_from(
                notifier_alert_messages.join(
                    notifier_outbox, notifier_outbox.c.id == notifier_alert_messages.c.outbox_id
                )
            )
            .where(notifier_alert_messages.c.alert_id.in_(ids[start : start + 500]))
            .group_by(notifier_alert_messages.c.alert_id, notifier_outbox.c.status)
        )
        for alert_id, status, count in conn.execute(query):
            out.setdefault(int(alert_id), {})[status] = int(count)
    return out


def _alert(row: object, deliveries: dict[str, int]) -> Alert:
    m = row._mapping  # type: ignore[attr-defined]
    return Alert(
        id=int(m["id"]),
        rule=m["rule"],
        point=m["point_name"],
        region=m["point_region"] or "",
        kind=m["kind"],
        pad_id=m["pad_id"],
        button=int(m["button"]),
        pressed_at=m["pressed_at"],
        presses=int(m["presses"]),
        first_pressed_at=m["first_pressed_at"],
        created_at=m["created_at"],
        status=m["status"],
        press_id=None if m["press_id"] is None else int(m["press_id"]),
        acknowledged_at=m["acknowledged_at"],
        acknowledged_by=m["acknowledged_by"],
        ack_comment=m["ack_comment"],
        closed_at=m["closed_at"],
        closed_by=m["closed_by"],
        close_comment=m["close_comment"],
        sent=deliveries.get("sent", 0),
        pending=deliveries.get("pending", 0) + deliveries.get("sending", 0),
        failed=deliveries.get("failed", 0),
        clip_status=m["clip_status"],
        clip_path=m["clip_path"],
    )


def list_alerts(
    engine: Engine | Connection,
    *,
    open_only: bool = False,
    point: str | None = None,
    rule: str | None = None,
    limit: int = 100,
    point_glob: bool = True,
) -> list[Alert]:
    """Newest first. `point` is a glob on the point name (an exact name is a glob too), or with
    `point_glob=False` the exact name (the console's point page: a name may hold `[`)."""
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return list_alerts(
                conn, open_only=open_only, point=point, rule=rule, limit=limit, point_glob=point_glob
            )
    conn = engine
    query = _alert_query()
    if open_only:
        query = query.where(notifier_alerts.c.status == OPEN)
    if rule is not None:
        query = query.where(notifier_alerts.c.rule == rule)
    globbing = point is not None and point_glob and any(ch in point for ch in "*?[")
    if point is not None and not globbing:
        query = query.where(points.c.name == point)
    query = query.order_by(notifier_alerts.c.id.desc())
    if not globbing:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    if globbing:
        assert point is not None
        rows = [row for row in rows if fnmatchcase(row.point_name, point)][:limit]
    deliveries = _deliveries(conn, rows)
    return [_alert(row, deliveries.get(int(row.id), {})) for row in rows]


def get_alert(engine: Engine | Connection, alert_id: int) -> Alert | None:
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return get_alert(conn, alert_id)
    row = engine.execute(_alert_query().where(notifier_alerts.c.id == alert_id)).first()
    if row is None:
        return None
    return _alert(row, _deliveries(engine, [row]).get(alert_id, {}))


def alert_presses(engine: Engine, alert_id: int) -> list[tuple[int | None, str, int, str, dt.datetime]]:
    """The presses an alert announced: (press id, pad, button, kind, pressed_at), oldest first."""
    m = notifier_press_matches
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.c.press_id, m.c.pad_id, m.c.button, m.c.kind, m.c.pressed_at)
            .where(m.c.alert_id == alert_id)
            .order_by(m.c.pressed_at, m.c.id)
        ).all()
    return [(r.press_id, r.pad_id, int(r.button), r.kind, r.pressed_at) for r in rows]


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    text = comment.strip()
    if not text:
        return None
    if len(text) > MAX_COMMENT:
        raise AlertError(
            _("the comment is {length} characters long; at most {limit} are kept").format(
                length=len(text), limit=MAX_COMMENT
            )
        )
    return text


def _who(by: str) -> str:
    name = by.strip()
    if not name:
        raise AlertError(_("who acknowledges must be named (--by)"))
    return fit_text(name, column_limit(notifier_alerts.c.acknowledged_by))


def acknowledge(
    engine: Engine, alert_id: int, *, by: str, comment: str | None = None, now: dt.datetime | None = None
) -> Alert:
    """open -> acknowledged. An alert already acknowledged or closed is refused with who did it."""
    values = {
        "status": ACKNOWLEDGED,
        "acknowledged_at": now or utcnow(),
        "acknowledged_by": _who(by),
        "ack_comment": _clean_comment(comment),
    }
    return _step(engine, alert_id, notifier_alerts.c.status == OPEN, values)


def close(
    engine: Engine, alert_id: int, *, by: str, comment: str | None = None, now: dt.datetime | None = None
) -> Alert:
    """open or acknowledged -> closed (an open alert closed at once counts as acknowledged then)."""
    moment = now or utcnow()
    who = _who(by)
    values = {
        "status": CLOSED,
        "closed_at": moment,
        "closed_by": who,
        "close_comment": _clean_comment(comment),
        "acknowledged_at": func.coalesce(notifier_alerts.c.acknowledged_at, moment),
        "acknowledged_by": func.coalesce(notifier_alerts.c.acknowledged_by, who),
    }
    return _step(engine, alert_id, notifier_alerts.c.status != CLOSED, values)


def _step(engine: Engine, alert_id: int, allowed: Any, values: dict[str, Any]) -> Alert:
    """One step of the cycle, only from the states `allowed` admits (one UPDATE: two people
    acknowledging at once cannot both succeed)."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(notifier_alerts).where(and_(notifier_alerts.c.id == alert_id, allowed)).values(**values)
        ).rowcount
        alert = get_alert(conn, alert_id)
    if alert is None:
        raise AlertError(_("no alert {id} (see `prolan-probe alerts list`)").format(id=alert_id))
    if changed != 1:
        raise AlertError(_already(alert))
    return alert


def _already(alert: Alert) -> str:
    if alert.status == CLOSED:
        at = f"{alert.closed_at:%Y-%m-%d %H:%M} UTC" if alert.closed_at else "?"
        return _("alert {id} is already closed (by {by} at {at})").format(
            id=alert.id, by=alert.closed_by, at=at
        )
    at = f"{alert.acknowledged_at:%Y-%m-%d %H:%M} UTC" if alert.acknowledged_at else "?"
    return _("alert {id} is already acknowledged (by {by} at {at})").format(
        id=alert.id, by=alert.acknowledged_by, at=at
    )
