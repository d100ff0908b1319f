"""From an evaluation to incidents and outbox rows (no delivery here).

One transaction per evaluation: the new incident states and the messages they announce are
committed together, so a crash can neither lose an announcement nor make it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from notifier import store
from notifier.causes import Cause, find_causes, incident_window
from notifier.config import NotifierConfig, NotifierRule, PressRule, RecipientMember
from notifier.incidents import Event, EventKind, IncidentState, RuleLimits, Sample, step
from notifier.messages import Language, MetricInfo, TemplateSet, build_context
from notifier.rules import Silence, counted_level, is_open, metric_matches, parse_hours, too_few_votes
from notifier.sandbox import SandboxRenderer, shared_renderer
from probe.config import ProbeConfig
from probe.snapshot import Evaluation, MetricState
from probe.store.db import utcnow

log = logging.getLogger(__name__)


@dataclass
class FeedSummary:
    counted: int = 0  # (rule, metric) evaluations that advanced a state machine
    skipped_closed: int = 0
    skipped_silenced: int = 0
    skipped_few_votes: int = 0  # evaluations with fewer votes than the rule's min_votes
    events: list[tuple[str, str, EventKind]] = field(default_factory=list)  # (rule, metric name, kind)
    queued: int = 0

    def skip(self, reason: str) -> None:
        if reason == "closed":
            self.skipped_closed += 1
        elif reason == "silenced":
            self.skipped_silenced += 1
        elif reason == "few_votes":
            self.skipped_few_votes += 1


class Templates:
    """TemplateSets per (rule, language), compiled once per process; press rules have defaults of
    their own (`press_<part>.<language>.j2`)."""

    def __init__(self, config: ProbeConfig, renderer: SandboxRenderer | None = None) -> None:
        self._config = config
        self._sets: dict[tuple[str | None, str], TemplateSet] = {}
        self._press_defaults: dict[str, TemplateSet] = {}
        # Without a renderer of its own, the process's shared one (see close()).
        self.renderer = renderer or shared_renderer(config.section(NotifierConfig).render_limits())
        self._owns_renderer = renderer is not None

    def press_defaults(self, language: Language) -> TemplateSet:
        """The built-in press templates (what a press message falls back to)."""
        if language not in self._press_defaults:
            self._press_defaults[language] = TemplateSet(language, renderer=self.renderer, press=True)
        return self._press_defaults[language]

    def get(self, rule: NotifierRule | PressRule | None, language: Language) -> TemplateSet:
        key = (rule.name if rule else None, language)
        if key not in self._sets:
            overrides: dict[str, Path | None] = {}
            if rule is not None:
                for part in ("subject", "text", "html", "sms"):
                    path = getattr(rule.templates, part)
                    overrides[part] = self._config.resolve_path(path) if path is not None else None
            self._sets[key] = TemplateSet(
                language,
                overrides,
                rule=rule.name if rule else None,
                renderer=self.renderer,
                press=isinstance(rule, PressRule),
            )
        return self._sets[key]

    def check_all(self) -> None:
        """Compile and trial-render every template any rule may use (TemplateProblem on failure)."""
        section = self._config.section(NotifierConfig)
        rules: list[NotifierRule | PressRule] = [*section.rules, *section.press_rules]
        for rule in rules:
            languages: tuple[Language, ...] = ("ru", "en")
            for language in languages:
                self.get(rule, language).check(self._config.name)

    def close(self) -> None:
        """Stop the render worker if it is this object's own (a render in progress fails at once);
        the shared one stays for the rest of the process."""
        if self._owns_renderer:
            self.renderer.close()


def limits_for_first(limits: RuleLimits, first: bool) -> RuleLimits:
    """A metric's first assessment is not a change: it counts towards a streak but never opens an
    incident by itself (a new test or point sends no burst). The live feed and replay alike."""
    if first and limits.consecutive < 2:
        return replace(limits, consecutive=2)
    return limits


def limits_of(rule: NotifierRule) -> RuleLimits:
    return RuleLimits(
        level=rule.level,
        consecutive=rule.consecutive,
        escalate_after=rule.escalate_after if rule.escalate_to else None,
        recovery_after=rule.recovery_after,
        keep_values=rule.last_values,
    )


NOT_MATCHED = "not_matched"


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one evaluation of one metric does to one rule's incident machine: `skipped` says why
    it was not counted ("not_matched", "closed", "silenced", "few_votes"); otherwise `state` is
    the new state (None: a healthy metric the rule keeps nothing about) and `events` what to
    announce."""

    skipped: str | None = None
    state: IncidentState | None = None
    events: tuple[Event, ...] = ()


def rule_step(
    rule: NotifierRule,
    limits: RuleLimits,
    metric: MetricState,
    previous: IncidentState | None,
    *,
    opening_hours: Mapping[str, str],
    silences: Sequence[Silence],
    tz: dt.tzinfo,
) -> StepOutcome:
    """The rule's decision for one evaluation of one metric: pure, the same for the live notifier
    (`feed`) and for `notify replay`, which feeds it stored history."""
    if not metric_matches(
        metric.name,
        metric.test,
        metric.point,
        metrics=rule.metrics,
        test_glob=rule.test,
        point_glob=rule.point,
    ):
        return StepOutcome(NOT_MATCHED)
    at = metric.time
    closed = metric.point is not None and not is_open(opening_hours.get(metric.point, ""), at.astimezone(tz))
    if rule.respect_opening_hours and closed:
        return StepOutcome("closed")
    if any(s.covers(rule.name, metric.name, metric.point, at) for s in silences):
        return StepOutcome("silenced")
    sample = rule_sample(rule, metric)
    if sample is None:
        return StepOutcome("few_votes")
    if previous is None and not (sample.level is not None and sample.level.at_least(rule.level)):
        return StepOutcome()  # a healthy metric with no history in this rule: nothing to remember
    state, events = step(previous or IncidentState(), sample, limits)
    if previous is None and state.matches == 0 and not events:
        return StepOutcome()
    return StepOutcome(None, state, tuple(events))


def rule_sample(rule: NotifierRule, metric: MetricState) -> Sample | None:
    """What a rule's incident machine is fed for one evaluation of a metric: None when the
    evaluation has too few votes to count (`min_votes`); the level is the assessment, or the level
    the 95 % interval proves when the rule says `evidence = true`."""
    if too_few_votes(rule.min_votes, metric.votes):
        return None
    level = counted_level(
        rule.evidence, metric.level, metric.value, metric.thresholds, metric.low, metric.high
    )
    return Sample(metric.time, metric.value, level, metric.low, metric.high, metric.votes, metric.expected)


def metric_info(metric: MetricState) -> MetricInfo:
    return MetricInfo(
        id=metric.id,
        key=metric.key,
        name=metric.name,
        short_name=metric.short_name,
        test=metric.test,
        point=metric.point,
        region=metric.region,
        unit=metric.unit,
        thresholds=metric.thresholds,
    )


def due_time(config: ProbeConfig, rule: NotifierRule, event_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Now, or the end of the rule's quiet hours if the event happened inside them."""
    if not rule.quiet_hours:
        return now
    quiet = parse_hours(rule.quiet_hours)
    local = event_at.astimezone(config.tz)
    if not quiet.contains((local - dt.timedelta(microseconds=1)).time()):
        return now
    return max(now, quiet.next_end(local).astimezone(dt.UTC))


def feed(
    config: ProbeConfig,
    engine: Engine,
    evaluation: Evaluation,
    *,
    templates: Templates | None = None,
    now: dt.datetime | None = None,
    fence: Callable[[Connection], None] | None = None,
) -> FeedSummary:
    """Drive every rule's incidents by one evaluation and queue the messages they announce.
    Historical (catch-up) evaluations are ignored: they are history, not news. `fence` (the
    service's lease check, probe.lease) is called first in the transaction: a service that lost
    the lease queues nothing."""
    summary = FeedSummary()
    rules = config.section(NotifierConfig).rules
    if not rules or evaluation.historical or not config.section(NotifierConfig).enabled:
        return summary
    templates = templates or Templates(config)
    for attempt in range(3):
        try:
            return _feed_once(config, engine, evaluation, templates, now, fence)
        except IntegrityError:
            # Another process (`evaluate` next to `run`) created the same incident row first;
            # the step is idempotent, so running it again over the committed state is safe.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _feed_once(
    config: ProbeConfig,
    engine: Engine,
    evaluation: Evaluation,
    templates: Templates,
    now: dt.datetime | None,
    fence: Callable[[Connection], None] | None = None,
) -> FeedSummary:
    summary = FeedSummary()
    rules = config.section(NotifierConfig).rules
    at = evaluation.at
    with engine.begin() as conn:
        if fence is not None:
            fence(conn)
        hours = store.opening_hours(conn)
        silences = store.active_silences(conn, at)
        states = store.load_states(conn, [r.name for r in rules])
        new_rows: list[dict[str, object]] = []
        members_cache: dict[str, list[RecipientMember]] = {}  # one query per list per evaluation
        limits = {rule.name: limits_of(rule) for rule in rules}
        outgoing: list[store.OutboxMessage] = []
        changed_rows: list[dict[str, object]] = []
        for metric in evaluation.metrics:
            first = metric.id in evaluation.first_seen
            for rule in rules:
                previous = states.get((rule.name, metric.id))
                rule_limits = limits_for_first(limits[rule.name], first)
                outcome = rule_step(
                    rule,
                    rule_limits,
                    metric,
                    previous,
                    opening_hours=hours,
                    silences=silences,
                    tz=config.tz,
                )
                if outcome.skipped is not None:
                    summary.skip(outcome.skipped)
                    continue
                state, events = outcome.state, outcome.events
                if state is None:
                    continue  # nothing to remember about a healthy metric
                if state != previous:
                    row = store.state_row(rule.name, metric.id, metric.name, state)
                    (changed_rows if previous is not None else new_rows).append(row)
                    summary.counted += 1
                for event in events:
                    summary.events.append((rule.name, metric.name, event.kind))
                    outgoing += event_messages(
                        conn,
                        config,
                        templates,
                        rule,
                        metric_info(metric),
                        event,
                        now=now or utcnow(),
                        members_cache=members_cache,
                    )
        store.save_states(conn, new_rows, changed_rows)
        summary.queued = store.enqueue_many(conn, outgoing)
    return summary


def audience(rule: NotifierRule, event: Event) -> list[str]:
    if event.kind is EventKind.FIRE or event.kind is EventKind.TEST:
        return list(rule.recipients)
    if event.kind is EventKind.ESCALATE:
        return list(rule.escalate_to)
    # recovery: everyone who was told about the incident
    return list(dict.fromkeys([*rule.recipients, *(rule.escalate_to if event.state.escalated else [])]))


def event_causes(conn: Connection, config: ProbeConfig, metric: MetricInfo, event: Event) -> list[Cause]:
    """For an announcement of a bad assessment (fire, escalation): the loyalty drivers at the same
    point that were attention or worse during the incident's intervals (notifier.causes)."""
    if event.kind not in (EventKind.FIRE, EventKind.ESCALATE):
        return []
    since, until = incident_window(event.state.opened_at, event.at, [s.at for s in event.state.last_values])
    return find_causes(
        conn,
        point=metric.point,
        test=metric.test,
        since=since,
        until=until,
        tests=config.section(NotifierConfig).driver_tests,
    )


def event_messages(
    conn: Connection,
    config: ProbeConfig,
    templates: Templates,
    rule: NotifierRule,
    metric: MetricInfo,
    event: Event,
    *,
    now: dt.datetime,
    dedupe_prefix: str | None = None,
    members_cache: dict[str, list[RecipientMember]] | None = None,
) -> list[store.OutboxMessage]:
    """Render the messages of one event for every member and channel (not yet queued)."""
    if event.kind is EventKind.RECOVER and not rule.recovery:
        return []
    due = due_time(config, rule, event.at, now)
    causes = event_causes(conn, config, metric, event)
    messages: list[store.OutboxMessage] = []
    for to in addressees(conn, config, rule, audience(rule, event), members_cache=members_cache):
        member, channel, address, language = to.member, to.channel, to.address, to.language
        context = build_context(
            kind=event.kind.value,
            rule=rule.name,
            rule_level=rule.level,
            consecutive=rule.consecutive,
            metric=metric,
            value=event.sample.value,
            level=event.sample.level,
            at=event.at,
            incident_start=event.state.opened_at,
            last_values=event.state.last_values,
            evidence=event.sample,
            matches_since_fire=event.state.matches,
            incident_number=event.number,
            probe=config.name,
            tz=config.tz,
            language=language,
            map_url=config.section(NotifierConfig).map_url,
            causes=causes,
        )
        tset = templates.get(rule, language)
        texts = tset.render_parts(("subject", "text", "html") if channel == "email" else ("sms",), context)
        prefix = dedupe_prefix or f"{rule.name}|{metric.id}|{event.number}|{event.kind.value}"
        message = store.OutboxMessage(
            dedupe_key=f"{prefix}|{channel}|{address}",
            rule=rule.name,
            kind=event.kind.value,
            channel=channel,
            recipient=member.name,
            address=address,
            subject=texts.get("subject", ""),
            body_text=texts["text" if channel == "email" else "sms"],
            body_html=texts.get("html"),
            due_at=due,
            metric_id=metric.id,
            event_at=event.at,
        )
        messages.append(message)
    return messages


@dataclass(frozen=True, slots=True)
class Addressee:
    member: RecipientMember
    channel: Literal["email", "sms"]
    address: str
    language: Language


def addressees(
    conn: Connection,
    config: ProbeConfig,
    rule: NotifierRule | PressRule,
    lists: list[str],
    *,
    members_cache: dict[str, list[RecipientMember]] | None = None,
) -> list[Addressee]:
    """Every member of these lists on every channel of the rule that has an address there, each
    (channel, address) once, in the member's language (else the rule's, else the notifier's)."""
    section = config.section(NotifierConfig)
    found: list[Addressee] = []
    seen: set[tuple[str, str]] = set()
    for list_name in lists:
        if members_cache is not None and list_name in members_cache:
            members = members_cache[list_name]
        else:
            members = store.list_members(conn, section, list_name)
            if members_cache is not None:
                members_cache[list_name] = members
        if not members:
            log.warning("rule %r: recipient list %r is empty or unknown", rule.name, list_name)
        for member in members:
            for channel in rule.channels:
                address = member_address(member, channel)
                if address is None or (channel, address) in seen:
                    continue
                seen.add((channel, address))
                language: Language = member.language or rule.language or section.language
                found.append(Addressee(member, channel, address, language))
    return found


def member_address(member: RecipientMember, channel: Literal["email", "sms"]) -> str | None:
    return member.email if channel == "email" else member.phone
