"""The notifier's press hook (probe.press_hooks): in the transaction that stores a batch of
presses, every press a press rule matches gets its row in `notifier_press_matches` (status
`waiting`). The press and its row are committed together, so no matching press can be stored
without it, whatever crashes when; the notifier's service announces the rows (notifier.press_alerts).

This runs before the `OK` of every press, so it is kept small: the rule match is a cached lookup,
and only matching presses cost an INSERT (ignored when the press was stored and matched before:
a retried line, the spool draining a batch twice).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from notifier.config import NotifierConfig
from notifier.i18n import _
from notifier.press_rules import PressRuleMatcher, too_old
from probe.config import ProbeConfig
from probe.i18n import N_
from probe.press_hooks import HookReport, StoredPresses
from probe.store.schema import UtcDateTime, notifier_press_matches

log = logging.getLogger("notifier.press")

WAITING = "waiting"
IMPORTED = N_("imported without --alert")
# Issue 21: a press within its pad's `min_seconds_between` of the previous one is a burst, not news
# (the burst's first press was announced; the metrics do not count the rest either).
SUSPICIOUS = N_("suspicious (too soon after the pad's previous press)")

MATCH_COLUMNS = (
    "rule",
    "pad_id",
    "button",
    "pressed_at",
    "point_id",
    "kind",
    "question_id",
    "stored_at",
    "status",
)

# Who to wake when presses were queued (the service's announcer in this process).
_wakers: list[Callable[[], None]] = []
_wakers_lock = threading.Lock()


def add_waker(waker: Callable[[], None]) -> None:
    with _wakers_lock:
        _wakers.append(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    with _wakers_lock:
        if waker in _wakers:
            _wakers.remove(waker)


def insert_matches_statement(dialect: str) -> Executable:
    """INSERT of one match row (executemany) that ignores a row already there, per dialect.
    Compiled for mssql in the tests."""
    table = notifier_press_matches
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(
            index_elements=["rule", "pad_id", "pressed_at", "button"]
        )
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(constraint="uq_notifier_press_matches_rule_press")
    params = {c: bindparam(c, type_=table.c[c].type) for c in MATCH_COLUMNS}
    present = exists().where(
        and_(
            table.c.rule == params["rule"],
            table.c.pad_id == params["pad_id"],
            table.c.pressed_at == params["pressed_at"],
            table.c.button == params["button"],
        )
    )
    return insert(table).from_select(
        list(MATCH_COLUMNS), select(*[params[c] for c in MATCH_COLUMNS]).where(~present)
    )


def _not_stored(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose (rule, press) has no match row yet: a press delivered again (a retried
    line, the spool draining a batch whose slow transaction committed after all) is not queued
    again. One query per batch: by its pads and time span, on the unique key's index."""
    table = notifier_press_matches
    present: set[tuple[str, str, object, int]] = set()
    rules = sorted({row["rule"] for row in rows})
    pads = sorted({row["pad_id"] for row in rows})
    for start in range(0, len(pads), 500):
        # (rule, pad, time): the leading columns of the unique key's index.
        query = select(table.c.rule, table.c.pad_id, table.c.pressed_at, table.c.button).where(
            table.c.rule.in_(rules),
            table.c.pad_id.in_(pads[start : start + 500]),
            table.c.pressed_at >= min(row["pressed_at"] for row in rows),
            table.c.pressed_at <= max(row["pressed_at"] for row in rows),
        )
        present.update((r.rule, r.pad_id, r.pressed_at, int(r.button)) for r in conn.execute(query))
    fresh: dict[tuple[str, str, object, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["rule"], row["pad_id"], row["pressed_at"], row["button"])
        if key not in present:
            fresh.setdefault(key, row)  # the same press twice in one batch: once
    return list(fresh.values())


def insert_matches(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose (rule, press) has none yet; returns how many were new. One statement
    per batch where the driver allows it (the hook runs before every `OK`)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return _insert_matches_postgresql(conn, rows)
    if dialect == "sqlite":
        return _insert_matches_sqlite(conn, rows)
    fresh = _not_stored(conn, rows)
    if fresh:
        # Still "insert unless present": another process may store the same press meanwhile.
        conn.execute(insert_matches_statement(dialect), fresh)
    return len(fresh)


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row in MATCH_COLUMNS order, times as the columns hold them (naive UTC)."""
    return tuple(
        UtcDateTime.stored(row[c]) if c in ("pressed_at", "stored_at") else row[c] for c in MATCH_COLUMNS
    )


def _array_literal(values: Sequence[Any]) -> str:
    """PostgreSQL's text form of an array: every element quoted (ids and names may hold commas,
    braces, quotes), NULL for None, times as the columns hold them."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, int):
            parts.append(str(value))
        else:
            text = value.isoformat(" ") if isinstance(value, dt.datetime) else str(value)
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def _insert_matches_postgresql(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """One INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING: one round trip, its row
    count exactly the rows inserted; the arrays go as text (formatting them here is several times
    cheaper than the driver's per-value dumping, and the GIL is shared with the event loop)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    columns = list(zip(*(_values(row) for row in rows), strict=True))
    types = ("text", "text", "int", "timestamp", "int", "text", "text", "timestamp", "text")
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    with raw.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {notifier_press_matches.name} ({', '.join(MATCH_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) "
            "ON CONFLICT ON CONSTRAINT uq_notifier_press_matches_rule_press DO NOTHING",
            [_array_literal(column) for column in columns],
        )
        return max(cursor.rowcount, 0)


def _insert_matches_sqlite(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """INSERT OR IGNORE through the driver (its executemany counts the rows it inserted); times in
    SQLAlchemy's SQLite format, so that they compare with the stored ones."""
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f"INSERT OR IGNORE INTO {notifier_press_matches.name} ({', '.join(MATCH_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _c in MATCH_COLUMNS)})",
            [
                tuple(
                    v.isoformat(" ", "microseconds") if isinstance(v, dt.datetime) else v
                    for v in _values(row)
                )
                for row in rows
            ],
        )
        return max(cursor.rowcount, 0)
    finally:
        cursor.close()


class PressAlertHook:
    name = "notifier"

    def __init__(self, config: NotifierConfig) -> None:
        self.matcher = PressRuleMatcher(config.press_rules)

    def stored(self, conn: Connection, batch: StoredPresses) -> HookReport:
        report = HookReport()
        rows: list[dict[str, Any]] = []
        for press in batch.presses:
            rules = self.matcher.rules_for(press, batch.topology)
            if not rules:
                continue
            if not batch.alert:
                imported = _(IMPORTED)
                report.skipped[imported] = report.skipped.get(imported, 0) + 1
                continue
            if press.suspicious:
                suspicious = _(SUSPICIOUS)
                report.skipped[suspicious] = report.skipped.get(suspicious, 0) + 1
                continue
            for rule in rules:
                limit = rule.max_age_minutes if batch.max_age_minutes is None else batch.max_age_minutes
                if too_old(press.pressed_at, batch.stored_at, limit):
                    reason = _("older than {minutes} min when stored").format(minutes=f"{limit:g}")
                    report.skipped[reason] = report.skipped.get(reason, 0) + 1
                    continue
                rows.append(
                    {
                        "rule": rule.name,
                        "pad_id": press.pad_id,
                        "button": press.button,
                        "pressed_at": press.pressed_at,
                        "point_id": press.point_id,
                        "kind": press.kind,
                        "question_id": press.question_id,
                        "stored_at": batch.stored_at,
                        "status": WAITING,
                    }
                )
        if rows:
            report.queued = insert_matches(conn, rows)
        if batch.live:
            for reason, count in report.skipped.items():
                if reason == _(SUSPICIOUS):
                    # A child drumming on a button: expected, and listed by `presses list --suspicious`.
                    log.info(
                        _("press rules: {count} matching presses {reason} were not announced").format(
                            count=count, reason=reason
                        )
                    )
                    continue
                # A late concentrator batch or the spool after an outage: counted, not news.
                log.warning(
                    _("press rules: {count} matching presses {reason} were not announced").format(
                        count=count, reason=reason
                    )
                )
        return report

    def committed(self, report: HookReport) -> None:
        if not report.queued:
            return
        with _wakers_lock:
            wakers = list(_wakers)
        for wake in wakers:
            wake()


def press_hook(config: ProbeConfig) -> PressAlertHook | None:
    """The `prolan.press_hooks` factory: a hook only when press rules are configured."""
    section = config.section(NotifierConfig)
    if not section.enabled or not section.press_rules:
        return None
    return PressAlertHook(section)
