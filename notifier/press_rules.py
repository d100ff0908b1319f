"""Which presses a press rule announces, and when: pure functions, no I/O.

A press rule matches a press when every criterion it gives holds (kinds, pads, buttons, point and
region globs, questions). Per rule and point the first matching press is announced at once; later
ones inside the throttle window (`at_most_every_minutes`) wait and are gathered into one message
when the window ends, as are presses during quiet hours (one message when they end). Nothing is
dropped: a press is either announced, or set aside for a reason that is logged and stored (the
point was closed, a maintenance silence covered it, it was too old when stored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Protocol, TypeVar

from notifier.rules import HoursRange, Silence, parse_hours
from probe.presses import Press
from probe.topology import Topology

if TYPE_CHECKING:
    from notifier.config import PressRule


@dataclass(frozen=True, slots=True)
class PressFacts:
    """What a press rule can ask about a press."""

    pad_id: str
    button: int
    kind: str
    point: str
    region: str
    question_id: str | None


def press_rule_matches(rule: PressRule, facts: PressFacts) -> bool:
    """Globs are case-sensitive fnmatch patterns, as in the evaluation rules."""
    if rule.kinds and facts.kind not in rule.kinds:
        return False
    if rule.pads and not any(fnmatchcase(facts.pad_id, pattern) for pattern in rule.pads):
        return False
    if rule.buttons and facts.button not in rule.buttons:
        return False
    if rule.point is not None and not fnmatchcase(facts.point, rule.point):
        return False
    if rule.region is not None and not fnmatchcase(facts.region, rule.region):
        return False
    return not (rule.questions and facts.question_id not in rule.questions)


class PressRuleMatcher:
    """The rules that match a press, remembered per (pad, button, kind, question) for one
    topology: the press hook asks before every `OK`, so the common answer is one dict lookup."""

    def __init__(self, rules: Sequence[PressRule]) -> None:
        self.rules = tuple(rules)
        self._topology: Topology | None = None
        self._places: dict[str, tuple[str, str]] = {}  # pad id -> (point name, region)
        self._cache: dict[tuple[str, int, str, str | None], tuple[PressRule, ...]] = {}

    def rules_for(self, press: Press, topology: Topology) -> tuple[PressRule, ...]:
        if topology is not self._topology:
            self._topology = topology
            self._cache.clear()
            self._places = {
                pad.id: (pad.point, topology.points[pad.point].region if pad.point in topology.points else "")
                for pad in topology.pads.values()
            }
        key = (press.pad_id, press.button, press.kind, press.question_id)
        found = self._cache.get(key)
        if found is None:
            point, region = self._places.get(press.pad_id, ("", ""))
            facts = PressFacts(press.pad_id, press.button, press.kind, point, region, press.question_id)
            found = tuple(rule for rule in self.rules if press_rule_matches(rule, facts))
            if len(self._cache) < 100_000:  # bounded: pads x buttons x questions of one chain
                self._cache[key] = found
        return found


def too_old(pressed_at: dt.datetime, stored_at: dt.datetime, max_age_minutes: float) -> bool:
    """Older than `max_age_minutes` when stored (0: no limit)?"""
    return bool(max_age_minutes) and pressed_at < stored_at - dt.timedelta(minutes=max_age_minutes)


def point_open(opening_hours: str, local: dt.datetime) -> bool:
    """Is a point with these opening hours ("" = always) open at this local moment?"""
    if not opening_hours.strip():
        return True
    return any(parse_hours(part).contains(local.time()) for part in opening_hours.split(","))


def silence_covers_press(silence: Silence, rule: str, point: str, at: dt.datetime) -> bool:
    """A maintenance silence covers a press unless it is limited to metrics (a metric glob) or to
    another rule or point."""
    if silence.metrics is not None:
        return False
    if not (silence.starts_at <= at < silence.ends_at):
        return False
    if silence.rule is not None and silence.rule != rule:
        return False
    return silence.point is None or fnmatchcase(point, silence.point)


def announce_at(
    now: dt.datetime,
    last_alert_at: dt.datetime | None,
    at_most_every_minutes: float,
    quiet_hours: str | None,
    tz: dt.tzinfo,
) -> dt.datetime:
    """The earliest moment the next message of one (rule, point) may be created: `now` when it
    may be created at once, else the end of the throttle window or of the quiet hours."""
    at = now
    if last_alert_at is not None and at_most_every_minutes > 0:
        at = max(at, last_alert_at + dt.timedelta(minutes=at_most_every_minutes))
    if quiet_hours:
        quiet: HoursRange = parse_hours(quiet_hours)
        local = at.astimezone(tz)
        if quiet.start != quiet.end and quiet.contains(local.time()):
            at = quiet.next_end(local).astimezone(dt.UTC)
    return at


class Timed(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def pressed_at(self) -> dt.datetime: ...


TimedT = TypeVar("TimedT", bound=Timed)


def headline(waiting: Sequence[TimedT]) -> tuple[TimedT, list[TimedT]]:
    """The press a message is about (the latest) and the others it gathers, oldest first."""
    ordered = sorted(waiting, key=lambda m: (m.pressed_at, m.id))
    return ordered[-1], ordered[:-1]
