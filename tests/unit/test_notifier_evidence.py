"""Notification templates know how sure a value is (issue 21, point 1): the 95 % interval and the
count of the evaluation and of every last value, in both languages, and the incidents table keeps
them across restarts (older three-item rows still read)."""

from __future__ import annotations

import datetime as dt

import pytest

from notifier.incidents import IncidentState, Sample, samples_from_json, state_to_json
from notifier.messages import SAMPLE_METRIC, TemplateSet, build_context, votes_text
from probe.evidence import wilson_bounds
from probe.levels import Level

AT = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def context(language: str, sample: Sample, history: tuple[Sample, ...]) -> dict[str, object]:
    return build_context(
        kind="fire",
        rule="negative",
        rule_level=Level.ATTENTION,
        consecutive=1,
        metric=SAMPLE_METRIC,
        value=sample.value,
        level=sample.level,
        at=sample.at,
        incident_start=sample.at,
        last_values=history,
        matches_since_fire=0,
        incident_number=1,
        probe="probe-1",
        tz=dt.UTC,
        language=language,  # type: ignore[arg-type]
        evidence=sample,
    )


def test_one_vote_says_how_little_it_proves_in_every_part() -> None:
    low, high = wilson_bounds(1, 1)  # type: ignore[misc]
    sure_low, sure_high = wilson_bounds(40, 50)  # type: ignore[misc]
    earlier = Sample(AT - dt.timedelta(minutes=10), 80.0, Level.BAD, sure_low, sure_high, 50)
    plain = Sample(AT - dt.timedelta(minutes=20), 3.0, Level.GOOD)  # a count: no interval
    now = Sample(AT, 100.0, Level.BAD, low, high, 1)
    ru = context("ru", now, (plain, earlier, now))
    assert (ru["low"], ru["high"], ru["votes"]) == (low, 100.0, 1)
    assert ru["low_text"] == "20,65" and ru["high_text"] == "100"
    assert ru["interval_text"] == "21–100 %, 1 голос" and ru["bounds_text"] == "21–100 %"
    templates = TemplateSet("ru")
    text = templates.render("text", ru)
    assert "95 %:         21–100 %, 1 голос" in text
    assert "80  плохо  (95 %: 67–89 %, 50 голосов)" in text
    assert "3  хорошо\n" in text  # no interval, no brackets
    assert "(95 %: 21–100 %, 1 голос)" in templates.render("html", ru)
    assert "100 % [95 %: 21–100 %, n=1] (плохо)" in templates.render("sms", ru)
    en = context("en", now, (now,))
    assert "95 %:         21–100 %, 1 vote" in TemplateSet("en").render("text", en)
    # Without an interval the line is not there at all.
    bare = context("ru", plain, (plain,))
    assert bare["interval_text"] == "" and bare["low"] is None
    assert "95 %" not in templates.render("text", bare) and "95 %" not in templates.render("sms", bare)


@pytest.mark.parametrize(
    ("votes", "ru", "en"),
    [(1, "1 голос", "1 vote"), (2, "2 голоса", "2 votes"), (5, "5 голосов", "5 votes"), (11, "11 голосов", "11 votes"), (21, "21 голос", "21 votes"), (112, "112 голосов", "112 votes"), (0, "0 голосов", "0 votes")],
)  # fmt: skip
def test_votes_in_words(votes: int, ru: str, en: str) -> None:
    assert votes_text(votes, "ru") == ru and votes_text(votes, "en") == en


def test_last_values_keep_their_interval_in_the_incidents_table() -> None:
    samples = (Sample(AT, 100.0, Level.BAD, 20.65, 100.0, 1), Sample(AT, 3.0, Level.GOOD))
    stored = state_to_json(IncidentState(last_values=samples))
    assert samples_from_json(stored) == samples
    # A row written before issue 21: three items per value.
    old = '[["2026-03-02T07:00:00+00:00", 50.0, "attention"]]'
    assert samples_from_json(old) == (Sample(AT, 50.0, Level.ATTENTION),)
