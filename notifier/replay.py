"""Try a rule, or a threshold table, on history before it goes live (issue 21, point 3).

`replay` feeds the stored evaluations of a time range — re-assessed with proposed thresholds when
given — through exactly the live notifier's decision (`notifier.pipeline.rule_step`: matching,
opening hours, silences, `min_votes`, `evidence`, the incident state machine of
`notifier.incidents`) and renders the messages that would have gone out (`event_messages`, with
their recipients, channels and due times). It writes nothing: no incident rows, no outbox rows,
nothing sent. The incident machines start idle at the beginning of the range.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from notifier import store
from notifier.config import NotifierConfig, NotifierRule, RecipientMember
from notifier.i18n import _
from notifier.incidents import EventKind, IncidentState
from notifier.pipeline import (
    Templates,
    event_messages,
    limits_for_first,
    limits_of,
    metric_info,
    rule_step,
)
from notifier.rules import Silence, metric_matches
from probe.assess import ThresholdError, ThresholdTable
from probe.config import ProbeConfig
from probe.evidence import evidence_level
from probe.snapshot import MetricState
from probe.store.current import metric_catalogue, stored_states
from probe.store.schema import metric_values, notifier_silences

WOULD_SEND = (EventKind.FIRE, EventKind.ESCALATE, EventKind.RECOVER)
HISTORY_CHUNK = dt.timedelta(days=1)  # how much history a replay reads at a time


class ReplayError(ValueError):
    """A replay that cannot run (unknown rule, bad thresholds); the message says what to change."""


def parse_thresholds(text: str, option: str = "--thresholds") -> ThresholdTable:
    """`t1,t2,t3,t4`: rising numbers are a higher-is-worse table, falling ones higher-is-better
    (as in `[tests.NAME] thresholds`)."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise ReplayError(
            _("{option}: {text!r} must be four numbers t1,t2,t3,t4 (e.g. 20,40,60,80)").format(
                option=option, text=text
            )
        ) from None
    if len(numbers) != 4:
        raise ReplayError(
            _("{option}: {text!r} has {count} numbers; four are needed (t1,t2,t3,t4)").format(
                option=option, text=text, count=len(numbers)
            )
        )
    try:
        if numbers[0] < numbers[1]:
            return ThresholdTable.higher_worse(*numbers)
        return ThresholdTable.higher_better(*numbers)
    except ThresholdError as exc:
        raise ReplayError(f"{option}: {exc}") from None


@dataclass(frozen=True)
class ReplayMessage:
    channel: str
    recipient: str
    address: str
    subject: str
    body: str
    due_at: dt.datetime


@dataclass(frozen=True)
class ReplayEvent:
    """One announcement the rule would have made."""

    kind: EventKind
    at: dt.datetime
    incident: int
    metric_id: int
    metric: str
    point: str | None
    value: float | None
    level: str | None
    messages: tuple[ReplayMessage, ...] = ()


@dataclass
class ReplayReport:
    rule: str
    since: dt.datetime
    until: dt.datetime
    thresholds: ThresholdTable | None
    metrics: int = 0  # metrics the rule matches
    evaluations: int = 0  # stored evaluations read
    skipped: Counter[str] = field(default_factory=Counter)  # not counted: closed, silenced, few_votes
    events: list[ReplayEvent] = field(default_factory=list)

    def per_point(self) -> dict[str | None, Counter[EventKind]]:
        """Per point: incidents opened (fire), escalated, closed (recover)."""
        out: dict[str | None, Counter[EventKind]] = {}
        for event in self.events:
            out.setdefault(event.point, Counter())[event.kind] += 1
        return out

    @property
    def notifications(self) -> int:
        """How many times the rule would have notified (announcements that send messages)."""
        return sum(1 for e in self.events if e.messages)


def reassess(metric: MetricState, table: ThresholdTable, assess_by: str) -> MetricState:
    """The evaluation as the proposed table would have assessed it (by the test's `assess_by`).
    Metrics assessed by an "equal to" table (`Тест работает`) keep their assessment."""
    if metric.thresholds is not None and metric.thresholds.direction == "equal":
        return metric
    if assess_by == "evidence":
        level = evidence_level(table, metric.value, metric.low, metric.high)
    else:
        level = table.assess(metric.value)
    return metric._replace(level=level, thresholds=table)


def first_evaluations(conn: Connection, metric_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each metric was first evaluated: its first assessment opens nothing by itself, live or
    replayed."""
    out: dict[int, dt.datetime] = {}
    ids = sorted(set(metric_ids))
    for start in range(0, len(ids), 1000):  # SQL Server takes 2,100 parameters per statement
        query = (
            select(metric_values.c.metric_id, func.min(metric_values.c.at))
            .where(metric_values.c.metric_id.in_(ids[start : start + 1000]))
            .group_by(metric_values.c.metric_id)
        )
        out.update({int(metric_id): at for metric_id, at in conn.execute(query).tuples()})
    return out


def _silences(engine: Engine, since: dt.datetime, until: dt.datetime) -> list[Silence]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifier_silences.c.id).where(
                notifier_silences.c.ends_at > since, notifier_silences.c.starts_at <= until
            )
        ).all()
    wanted = {row.id for row in rows}
    return [s for s in store.list_silences(engine, include_expired=True) if s.id in wanted]


def rule_named(config: ProbeConfig, name: str) -> NotifierRule:
    rule = config.section(NotifierConfig).rule(name)
    if rule is None:
        names = ", ".join(r.name for r in config.section(NotifierConfig).rules) or "none"
        raise ReplayError(
            _("no rule named {rule!r} in [[notifier.rules]] (rules: {names})").format(rule=name, names=names)
        )
    return rule


def replay(
    config: ProbeConfig,
    engine: Engine,
    rule: NotifierRule,
    since: dt.datetime,
    until: dt.datetime,
    *,
    thresholds: ThresholdTable | None = None,
    metric_ids: Sequence[int] | None = None,
    templates: Templates | None = None,
    render: bool = True,
) -> ReplayReport:
    """Run the stored evaluations of (since, until] of the metrics `rule` matches (only
    `metric_ids` when given) through the rule; nothing is written."""
    if until <= since:
        raise ReplayError(
            _("--to ({until}) must be after --from ({since})").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    report = ReplayReport(rule.name, since, until, thresholds)
    own_templates = templates is None and render
    templates = templates or (Templates(config) if render else None)
    try:
        with engine.connect() as conn:
            chosen = [
                row.id
                for row in metric_catalogue(conn)
                if (metric_ids is None or row.id in metric_ids)
                and metric_matches(
                    row.name,
                    row.test,
                    row.point_name,
                    metrics=rule.metrics,
                    test_glob=rule.test,
                    point_glob=rule.point,
                )
            ]
            first_times = first_evaluations(conn, chosen)
            hours = store.opening_hours(conn)
        report.metrics = len(chosen)
        silences = _silences(engine, since, until)
        limits = limits_of(rule)
        states: dict[int, IncidentState] = {}
        members: dict[str, list[RecipientMember]] = {}
        with engine.connect() as conn:
            for metric in stored_history(engine, chosen, since, until):
                report.evaluations += 1
                if thresholds is not None:
                    metric = reassess(metric, thresholds, config.tests.settings_for(metric.test).assess_by)
                outcome = rule_step(
                    rule,
                    limits_for_first(limits, first_times.get(metric.id) == metric.time),
                    metric,
                    states.get(metric.id),
                    opening_hours=hours,
                    silences=silences,
                    tz=config.tz,
                )
                if outcome.skipped is not None:
                    report.skipped[outcome.skipped] += 1
                    continue
                if outcome.state is None:
                    continue
                states[metric.id] = outcome.state
                for event in outcome.events:
                    messages: tuple[ReplayMessage, ...] = ()
                    if templates is not None:
                        rendered = event_messages(
                            conn,
                            config,
                            templates,
                            rule,
                            metric_info(metric),
                            event,
                            now=event.at,  # as if live then: quiet hours hold it as they would have
                            dedupe_prefix=f"replay|{rule.name}",
                            members_cache=members,
                        )
                        messages = tuple(
                            ReplayMessage(m.channel, m.recipient, m.address, m.subject, m.body_text, m.due_at)
                            for m in rendered
                        )
                    elif event.kind is not EventKind.RECOVER or rule.recovery:
                        messages = (ReplayMessage("", "", "", "", "", event.at),)  # counted, not rendered
                    report.events.append(
                        ReplayEvent(
                            event.kind,
                            event.at,
                            event.number,
                            metric.id,
                            metric.name,
                            metric.point,
                            event.sample.value,
                            None if event.sample.level is None else event.sample.level.value,
                            messages,
                        )
                    )
    finally:
        if own_templates and templates is not None:
            templates.close()
    return report


def stored_history(
    engine: Engine, metric_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> Iterator[MetricState]:
    """The stored evaluations of (since, until] in time order, read HISTORY_CHUNK at a time from
    the first one there is: a replay over months of many metrics holds one day in memory, and an
    empty stretch before the history costs one query."""
    if not metric_ids:
        return
    with engine.connect() as conn:
        first = first_stored_after(conn, metric_ids, since, until)
    if first is None:
        return
    start = max(since, first - dt.timedelta(microseconds=1))
    while start < until:
        end = min(until, start + HISTORY_CHUNK)
        with engine.connect() as conn:
            chunk = stored_states(conn, metric_ids, start, end)
        yield from chunk
        start = end


def first_stored_after(
    conn: Connection, metric_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dt.datetime | None:
    """The time of the first stored evaluation of these metrics in (since, until] (aware UTC)."""
    ids = sorted(set(metric_ids))
    found: list[dt.datetime] = []
    for start in range(0, len(ids), 1000):  # SQL Server takes 2,100 parameters per statement
        first = conn.execute(
            select(func.min(metric_values.c.at)).where(
                metric_values.c.metric_id.in_(ids[start : start + 1000]),
                metric_values.c.at > since,
                metric_values.c.at <= until,
            )
        ).scalar()
        if first is not None:
            found.append(first)
    return min(found, default=None)


def count_notifications(
    config: ProbeConfig,
    engine: Engine,
    metric_id: int,
    thresholds: ThresholdTable | None,
    since: dt.datetime,
    until: dt.datetime,
) -> dict[str, int]:
    """For the console's threshold dialog (entry point `prolan.notification_replays`): per rule
    that watches the metric, how many times it would have notified over (since, until] with
    these thresholds. Rules that do not match the metric are left out; nothing is rendered."""
    out: dict[str, int] = {}
    notifier = config.section(NotifierConfig)
    if not notifier.enabled:
        return out
    for rule in notifier.rules:
        report = replay(
            config, engine, rule, since, until, thresholds=thresholds, metric_ids=[metric_id], render=False
        )
        if report.metrics:
            out[rule.name] = report.notifications
    return out
