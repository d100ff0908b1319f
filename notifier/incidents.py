"""The incident state machine of one (rule, metric): pure, no I/O, no clock.

    idle ──N matches in a row──▶ open (FIRE) ──escalate_after more matches──▶ (ESCALATE, once)
     ▲                            │
     └──recovery_after better evaluations in a row (RECOVER)◀┘

A *match* is an evaluation whose level is the rule's level or worse; *better* is any other known
level; `unknown` (no value) is neither: it breaks a streak towards opening (the metric was not
seen being bad) but does not count towards recovery either (it was not seen being good). An
evaluation at or before the last one processed is ignored, so feeding the same evaluation twice
(a restart, `evaluate` re-run over the same interval) changes nothing and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum

from probe.levels import Level


class Status(StrEnum):
    IDLE = "idle"
    OPEN = "open"


class EventKind(StrEnum):
    FIRE = "fire"
    ESCALATE = "escalate"
    RECOVER = "recover"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Sample:
    at: dt.datetime  # aware UTC, end of the evaluated interval
    value: float | None
    level: Level | None
    # How sure the value is (issue 21): its 95 % interval and the count behind it, for messages.
    low: float | None = None
    high: float | None = None
    votes: int | None = None
    expected: float | None = None  # what the test's model expected instead (a silent pad's presses)


@dataclass(frozen=True, slots=True)
class RuleLimits:
    """The parts of a rule the state machine needs."""

    level: Level
    consecutive: int = 1
    escalate_after: int | None = None
    recovery_after: int = 1
    keep_values: int = 6


@dataclass(frozen=True, slots=True)
class IncidentState:
    status: Status = Status.IDLE
    number: int = 0  # incidents opened so far for this (rule, metric); part of message identity
    matches: int = 0  # consecutive matches (towards opening; after opening, matches since firing)
    goods: int = 0  # consecutive better evaluations while open (towards recovery)
    escalated: bool = False
    streak_start: dt.datetime | None = None
    opened_at: dt.datetime | None = None  # first evaluation of the streak that opened it
    fired_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    peak: Level | None = None
    last_values: tuple[Sample, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    number: int  # the incident's number
    at: dt.datetime
    sample: Sample
    state: IncidentState  # the state after the event


def step(state: IncidentState, sample: Sample, limits: RuleLimits) -> tuple[IncidentState, list[Event]]:
    """Advance by one evaluation; returns the new state and what to announce."""
    if state.last_at is not None and sample.at <= state.last_at:
        return state, []
    history = (*state.last_values, sample)[-limits.keep_values :]
    state = replace(state, last_at=sample.at, last_values=history)
    level = sample.level
    match = level is not None and level.at_least(limits.level)
    better = level is not None and level is not Level.UNKNOWN and not match

    if state.status is Status.IDLE:
        if not match:
            return replace(state, matches=0, streak_start=None), []
        matches = state.matches + 1
        start = state.streak_start or sample.at
        if matches < limits.consecutive:
            return replace(state, matches=matches, streak_start=start), []
        opened = replace(
            state,
            status=Status.OPEN,
            number=state.number + 1,
            matches=0,
            goods=0,
            escalated=False,
            streak_start=None,
            opened_at=start,
            fired_at=sample.at,
            resolved_at=None,
            peak=level,
        )
        return opened, [Event(EventKind.FIRE, opened.number, sample.at, sample, opened)]

    # open
    if match:
        assert level is not None
        peak = level if state.peak is None or level.severity > state.peak.severity else state.peak
        state = replace(state, matches=state.matches + 1, goods=0, peak=peak)
        if (
            limits.escalate_after is not None
            and not state.escalated
            and state.matches >= limits.escalate_after
        ):
            state = replace(state, escalated=True)
            return state, [Event(EventKind.ESCALATE, state.number, sample.at, sample, state)]
        return state, []
    if not better:
        return state, []
    goods = state.goods + 1
    if goods < limits.recovery_after:
        return replace(state, goods=goods), []
    resolved = replace(
        state, status=Status.IDLE, matches=0, goods=0, streak_start=None, resolved_at=sample.at
    )
    return resolved, [Event(EventKind.RECOVER, resolved.number, sample.at, sample, resolved)]


def state_to_json(state: IncidentState) -> str:
    """The last values as stored in the incidents table."""
    return json.dumps(
        [_sample_json(s) for s in state.last_values],
        ensure_ascii=False,
    )


def _sample_json(s: Sample) -> list[object]:
    row: list[object] = [s.at.isoformat(), s.value, s.level.value if s.level else None]
    if (s.low, s.high, s.votes, s.expected) != (None, None, None, None):
        row += [s.low, s.high, s.votes]  # rows without them keep the older three-item form
        if s.expected is not None:
            row.append(s.expected)
    return row


def _json_time(text: str) -> dt.datetime:
    """A time of `last_values`: ISO 8601 UTC; rows written before times were aware have no offset."""
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def samples_from_json(text: str | None) -> tuple[Sample, ...]:
    if not text:
        return ()
    return tuple(
        Sample(_json_time(row[0]), row[1], Level(row[2]) if row[2] else None, *row[3:7])
        for row in json.loads(text)
    )
