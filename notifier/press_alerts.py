"""Announcing matched presses: from `notifier_press_matches` (written by notifier.press_hook in the
presses' own transaction) to press alerts and their messages in the outbox.

Per rule and point the first waiting press is announced at once; presses that arrive inside the
throttle window (`at_most_every_minutes`) or during quiet hours wait, and are announced together
in one message when the window or the quiet hours end ("and 4 more presses since 10:02"). A press
at a closed point (`respect_opening_hours`) or under a maintenance silence is set aside with that
status, and the log says how many.

Each announcement is one transaction: the alert row (its id is the number people acknowledge),
the match rows moved from `waiting` to `announced` (only if they are still waiting: of two
processes, one wins and the other rolls back) and the rendered messages in the outbox. A crash
before the commit leaves the presses waiting; after it, the outbox delivers; so a press is
neither lost nor announced twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, false, func, insert, select, update
from sqlalchemy.engine import Connection

from notifier import store
from notifier.config import NotifierConfig, PressRule
from notifier.i18n import _
from notifier.messages import Assessment, Language, Part, PressInfo, TemplateProblem, build_press_context
from notifier.pipeline import Templates, addressees
from notifier.press_hook import WAITING
from notifier.press_rules import announce_at, headline, point_open, silence_covers_press
from notifier.rules import Silence
from probe.config import ProbeConfig
from probe.levels import Level
from probe.snapshot import Snapshot
from probe.store.db import utcnow
from probe.store.schema import (
    metric_values,
    metrics,
    notifier_alert_messages,
    notifier_alerts,
    notifier_press_matches,
    presses,
    questions,
)
from probe.topology import Point, Topology, load_topology

log = logging.getLogger("notifier.press")

ANNOUNCED = "announced"
CLOSED = "closed"
SILENCED = "silenced"
NO_RULE = "no_rule"
OPEN = "open"
BATCH_LIMIT = 10_000  # waiting rows read per round
TOPOLOGY_SECONDS = 60.0
CHUNK = 1000  # ids per IN (...): SQL Server takes at most 2,100 parameters


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    rule: str
    pad_id: str
    button: int
    pressed_at: dt.datetime
    point_id: int
    kind: str
    question_id: str | None
    stored_at: dt.datetime


@dataclass
class AnnounceSummary:
    alerts: int = 0  # press alerts created
    queued: int = 0  # outbox rows written for them
    waiting: int = 0  # presses waiting for the end of a throttle window or of quiet hours
    set_aside: dict[str, int] = field(default_factory=dict)  # status -> presses
    next_due: dt.datetime | None = None  # when the next waiting group may be announced


class Raced(Exception):
    """Another process announced (some of) these presses first."""


AssessmentSource = Callable[[Connection, Point], list[Assessment]]


def assessments_from_db(conn: Connection, point: Point) -> list[Assessment]:
    """The point's assessed metrics at their latest stored values."""
    latest = (
        select(func.max(metric_values.c.at))
        .where(metric_values.c.metric_id == metrics.c.id)
        .correlate(metrics)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            metrics.c.name,
            metrics.c.short_name,
            questions.c.text,
            metrics.c.period,
            metric_values.c.value,
            metrics.c.unit,
            metric_values.c.level,
            metric_values.c.at,
        )
        .select_from(
            metrics.join(metric_values, metric_values.c.metric_id == metrics.c.id).outerjoin(
                questions, questions.c.id == metrics.c.question_id
            )
        )
        .where(
            metrics.c.point_id == point.id, metric_values.c.at == latest, metric_values.c.level.is_not(None)
        )
    ).all()
    out = []
    for row in rows:
        try:
            level = Level(row.level)
        except ValueError:
            level = Level.UNKNOWN
        question = row.text.strip().rstrip("?？").rstrip() if row.text else None
        out.append(
            Assessment(
                row.name, row.short_name, question, row.period, row.value, row.unit or "", level, row.at
            )
        )
    return out


def assessments_from_snapshot(snapshot: Callable[[], Snapshot]) -> AssessmentSource:
    """The point's assessments as the service last published them (no SQL)."""

    def source(_conn: Connection, point: Point) -> list[Assessment]:
        return [
            Assessment(m.name, m.short_name, m.question, m.period, m.value, m.unit, m.level, m.time)
            for m in snapshot().metrics
            if m.point == point.name and m.level is not None
        ]

    return source


def last_hour_counts(conn: Connection, point_id: int, until: dt.datetime) -> dict[str, int]:
    """Presses per button kind at the point in the hour up to `until` (inclusive); suspicious
    presses (a burst's followers, issue 21) are left out, as the metrics leave them out."""
    rows = conn.execute(
        select(presses.c.kind, func.count())
        .where(
            presses.c.point_id == point_id,
            presses.c.pressed_at > until - dt.timedelta(hours=1),
            presses.c.pressed_at <= until,
            func.coalesce(presses.c.suspicious, false()) == false(),
        )
        .group_by(presses.c.kind)
    ).all()
    return {str(kind): int(count) for kind, count in rows}


def _match(row: object) -> Match:
    m = row._mapping  # type: ignore[attr-defined]
    return Match(
        int(m["id"]),
        m["rule"],
        m["pad_id"],
        int(m["button"]),
        m["pressed_at"],
        int(m["point_id"]),
        m["kind"],
        m["question_id"],
        m["stored_at"],
    )


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class PressAnnouncer:
    """One per service (or test). `process()` is blocking: call it from a worker thread."""

    def __init__(
        self,
        config: ProbeConfig,
        engine: Engine,
        templates: Templates,
        *,
        assessments: AssessmentSource = assessments_from_db,
        fence: Callable[[Connection], None] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.templates = templates
        self.assessments = assessments
        self.fence = fence
        self._topology: Topology | None = None
        self._topology_read = 0.0

    @property
    def section(self) -> NotifierConfig:
        return self.config.section(NotifierConfig)

    # ---- reading --------------------------------------------------------------------------------

    def _points(self, conn: Connection, wanted: set[int], now: dt.datetime) -> dict[int, Point]:
        stale = self._topology is None or now.timestamp() - self._topology_read > TOPOLOGY_SECONDS
        if not stale and self._topology is not None:
            known = self._topology.point_by_id()
            stale = not wanted <= set(known)
        if stale:
            self._topology = load_topology(conn)
            self._topology_read = now.timestamp()
        assert self._topology is not None
        return self._topology.point_by_id()

    def _question_text(self, question_id: str | None) -> str | None:
        if question_id is None or self._topology is None:
            return None
        question = self._topology.questions.get(question_id)
        return question.text if question is not None else None

    @staticmethod
    def waiting(conn: Connection) -> list[Match]:
        rows = conn.execute(
            select(notifier_press_matches)
            .where(notifier_press_matches.c.status == WAITING)
            .order_by(notifier_press_matches.c.id)
            .limit(BATCH_LIMIT)
        ).all()
        return [_match(row) for row in rows]

    @staticmethod
    def last_alerts(
        conn: Connection, groups: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], dt.datetime]:
        """The time of the last alert of each (rule, point) group (index seeks on rule, point)."""
        if not groups:
            return {}
        rules = sorted({rule for rule, _point in groups})
        point_ids = sorted({point_id for _rule, point_id in groups})
        found: dict[tuple[str, int], dt.datetime] = {}
        for start in range(0, len(point_ids), CHUNK):
            rows = conn.execute(
                select(
                    notifier_alerts.c.rule, notifier_alerts.c.point_id, func.max(notifier_alerts.c.created_at)
                )
                .where(
                    notifier_alerts.c.rule.in_(rules),
                    notifier_alerts.c.point_id.in_(point_ids[start : start + CHUNK]),
                )
                .group_by(notifier_alerts.c.rule, notifier_alerts.c.point_id)
            ).all()
            found.update({(rule, int(point_id)): at for rule, point_id, at in rows})
        return found

    # ---- one round ------------------------------------------------------------------------------

    def process(self, now: dt.datetime | None = None) -> AnnounceSummary:
        """Announce every group whose time has come; set aside closed and silenced presses."""
        now = now or utcnow()
        summary = AnnounceSummary()
        rules = {rule.name: rule for rule in self.section.press_rules}
        with self.engine.connect() as conn:
            matches = self.waiting(conn)
            if not matches:
                return summary
            groups: dict[tuple[str, int], list[Match]] = defaultdict(list)
            for match in matches:
                groups[(match.rule, match.point_id)].append(match)
            points = self._points(conn, {m.point_id for m in matches}, now)
            silences = store.active_silences(conn, min(m.pressed_at for m in matches))
            last = self.last_alerts(conn, sorted(groups))
        aside: dict[str, list[Match]] = defaultdict(list)
        due: list[tuple[PressRule, Point, list[Match]]] = []
        for (rule_name, point_id), group in groups.items():
            rule = rules.get(rule_name)
            point = points.get(point_id)
            if rule is None or point is None:
                aside[NO_RULE] += group  # the rule was removed from the config, or the point deleted
                continue
            keep = self._set_aside(rule, point, group, silences, aside)
            if not keep:
                continue
            at = announce_at(
                now,
                last.get((rule_name, point_id)),
                rule.at_most_every_minutes,
                rule.quiet_hours,
                self.config.tz,
            )
            if at > now:
                summary.waiting += len(keep)
                summary.next_due = at if summary.next_due is None else min(summary.next_due, at)
                continue
            due.append((rule, point, keep))
        if aside:
            self._store_aside(aside, summary)
        for rule, point, group in due:
            try:
                queued = self.announce(rule, point, group, now)
            except Raced:
                log.info(
                    _("press rule {rule!r} at {point}: announced by another process").format(
                        rule=rule.name, point=point.name
                    )
                )
                continue
            summary.alerts += 1
            summary.queued += queued
        return summary

    def _set_aside(
        self,
        rule: PressRule,
        point: Point,
        group: list[Match],
        silences: list[Silence],
        aside: dict[str, list[Match]],
    ) -> list[Match]:
        keep = []
        for match in group:
            if rule.respect_opening_hours and not point_open(
                point.opening_hours, match.pressed_at.astimezone(self.config.tz)
            ):
                aside[CLOSED].append(match)
            elif any(silence_covers_press(s, rule.name, point.name, match.pressed_at) for s in silences):
                aside[SILENCED].append(match)
            else:
                keep.append(match)
        return keep

    def _store_aside(self, aside: dict[str, list[Match]], summary: AnnounceSummary) -> None:
        with self.engine.begin() as conn:
            if self.fence is not None:
                self.fence(conn)
            for status, group in aside.items():
                for ids in _chunks([m.id for m in group]):
                    conn.execute(
                        update(notifier_press_matches)
                        .where(
                            notifier_press_matches.c.id.in_(list(ids)),
                            notifier_press_matches.c.status == WAITING,
                        )
                        .values(status=status)
                    )
        for status, group in aside.items():
            summary.set_aside[status] = summary.set_aside.get(status, 0) + len(group)
            by_rule: dict[str, int] = defaultdict(int)
            for match in group:
                by_rule[match.rule] += 1
            for rule, count in sorted(by_rule.items()):
                reason = {
                    CLOSED: _("the point was closed (respect_opening_hours)"),
                    SILENCED: _("a maintenance silence covered them"),
                    NO_RULE: _("the rule or the point no longer exists"),
                }[status]
                log.warning(
                    _("press rule {rule!r}: {count} presses not announced: {reason}").format(
                        rule=rule, count=count, reason=reason
                    )
                )

    # ---- one announcement -----------------------------------------------------------------------

    def announce(self, rule: PressRule, point: Point, group: list[Match], now: dt.datetime) -> int:
        """One alert about the latest press of `group` and the others gathered with it; returns the
        number of outbox rows written. Raises Raced when another process took the presses first."""
        latest, others = headline(group)
        ids = [m.id for m in group]
        with self.engine.connect() as conn:
            assessments = self.assessments(conn, point)
            counts = last_hour_counts(conn, point.id or 0, latest.pressed_at)
        with self.engine.begin() as conn:
            if self.fence is not None:
                self.fence(conn)
            result = conn.execute(
                insert(notifier_alerts).values(
                    rule=rule.name,
                    point_id=point.id,
                    pad_id=latest.pad_id,
                    button=latest.button,
                    kind=latest.kind,
                    question_id=latest.question_id,
                    pressed_at=latest.pressed_at,
                    presses=len(group),
                    first_pressed_at=min(m.pressed_at for m in group),
                    created_at=now,
                    due_at=now,
                    status=OPEN,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            alert_id = int(key[0])
            press_id = (
                select(presses.c.id)
                .where(
                    presses.c.pad_id == notifier_press_matches.c.pad_id,
                    presses.c.pressed_at == notifier_press_matches.c.pressed_at,
                    presses.c.button == notifier_press_matches.c.button,
                )
                .scalar_subquery()
            )
            moved = 0
            for chunk in _chunks(ids):
                moved += conn.execute(
                    update(notifier_press_matches)
                    .where(
                        notifier_press_matches.c.id.in_(list(chunk)),
                        notifier_press_matches.c.status == WAITING,
                    )
                    .values(status=ANNOUNCED, alert_id=alert_id, press_id=press_id)
                ).rowcount
            if moved != len(ids):
                raise Raced(rule.name)
            headline_press = conn.execute(
                select(notifier_press_matches.c.press_id).where(notifier_press_matches.c.id == latest.id)
            ).scalar()
            conn.execute(
                update(notifier_alerts)
                .where(notifier_alerts.c.id == alert_id)
                .values(press_id=headline_press)
            )
            messages = self._messages(conn, rule, point, latest, others, assessments, counts, alert_id, now)
            queued = store.enqueue_many(conn, messages)
            links = [{"alert_id": alert_id, "outbox_id": i} for i in store.outbox_ids(conn, messages)]
            if links:
                conn.execute(insert(notifier_alert_messages), links)
        log.info(
            _(
                "press rule {rule!r}: alert {id} for {kind} at {point} ({count} presses), {queued} messages queued"
            ).format(
                rule=rule.name,
                id=alert_id,
                kind=latest.kind,
                point=point.name,
                count=len(group),
                queued=queued,
            )
        )
        return queued

    def _info(self, match: Match) -> PressInfo:
        return PressInfo(
            match.pressed_at,
            match.kind,
            match.pad_id,
            match.button,
            match.question_id,
            self._question_text(match.question_id),
        )

    def _messages(
        self,
        conn: Connection,
        rule: PressRule,
        point: Point,
        latest: Match,
        others: list[Match],
        assessments: list[Assessment],
        counts: dict[str, int],
        alert_id: int,
        now: dt.datetime,
    ) -> list[store.OutboxMessage]:
        section = self.section
        messages: list[store.OutboxMessage] = []
        contexts: dict[Language, dict[str, object]] = {}
        for to in addressees(conn, self.config, rule, rule.recipients):
            if to.language not in contexts:
                contexts[to.language] = build_press_context(
                    rule=rule.name,
                    point=point.name,
                    region=point.region,
                    press=self._info(latest),
                    others=[self._info(m) for m in others],
                    assessments=assessments,
                    last_hour=counts,
                    alert_id=alert_id,
                    probe=self.config.name,
                    tz=self.config.tz,
                    language=to.language,
                    map_url=section.map_url,
                )
            parts: tuple[Part, ...] = ("subject", "text", "html") if to.channel == "email" else ("sms",)
            context = contexts[to.language]
            try:
                texts = self.templates.get(rule, to.language).render_parts(parts, context)
            except TemplateProblem as exc:
                # A message about a press is never dropped for its template: the built-in one says it.
                log.error(
                    _("press rule {rule!r}: {problem}; this message uses the built-in template").format(
                        rule=rule.name, problem=exc
                    )
                )
                texts = self.templates.press_defaults(to.language).render_parts(parts, context)
            messages.append(
                store.OutboxMessage(
                    dedupe_key=f"press|{alert_id}|{to.channel}|{to.address}",
                    rule=rule.name,
                    kind="press",
                    channel=to.channel,
                    recipient=to.member.name,
                    address=to.address,
                    subject=texts.get("subject", ""),
                    body_text=texts["text" if to.channel == "email" else "sms"],
                    body_html=texts.get("html"),
                    due_at=now,
                )
            )
        return messages
