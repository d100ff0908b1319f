"""Poison presses (issue 17, point 1): times that overflow in UTC, any unforeseen failure of one
line, and the plausible-time window. Every bad line gets its own `ERR <reason>`."""

from __future__ import annotations

import datetime as dt

import pytest

from probe.ingest.protocol import Line, parse_line
from probe.presses import ANY_TIME, PlausibleWindow, Press, PressRejected, PressValidator, parse_timestamp
from probe.topology import Pad, Point, Topology

NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
TOPOLOGY = Topology(
    {"Калужская": Point("Калужская", id=1)},
    {},
    {"P-104": Pad("P-104", "Калужская", "СОКОК", 30.0, {1: "positive", 3: "negative"})},
)


def validator(window: PlausibleWindow | None = None) -> PressValidator:
    return PressValidator(TOPOLOGY, source="tcp:127.0.0.1", window=window or PlausibleWindow(now=lambda: NOW))


def answer(text: str, window: PlausibleWindow | None = None) -> object:
    return parse_line(Line(text.encode()), validator(window).validate, 1024)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+03:00", "9999-12-31T23:00:00-03:00"])
def test_a_time_that_overflows_in_utc_is_refused_with_a_reason(stamp: str) -> None:
    with pytest.raises(PressRejected, match="out of range in UTC"):
        parse_timestamp(stamp)
    reason = answer(f"P-104,1,{stamp},", ANY_TIME)
    assert isinstance(reason, str) and "out of range in UTC" in reason


def test_an_overlong_time_is_refused_without_parsing() -> None:
    with pytest.raises(PressRejected, match="not an ISO 8601 time"):
        parse_timestamp("2026-11-22T07:00:00" + "0" * 10_000 + "Z")


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("1970-01-01T00:00:00Z", "older than 400 days"),
        ("0001-01-01T00:00:00Z", "older than 400 days"),
        ("2025-10-17T06:59:59Z", "older than 400 days"),  # 401 days before NOW
        ("9999-12-31T00:00:00Z", "more than 10 minutes in the future"),
        ("2026-11-22T07:10:01Z", "more than 10 minutes in the future"),
    ],
)
def test_presses_outside_the_plausible_window_are_refused(stamp: str, reason: str) -> None:
    refused = answer(f"P-104,1,{stamp},")
    assert isinstance(refused, str) and "implausible time" in refused and reason in refused


@pytest.mark.parametrize(
    "stamp", ["2025-10-28T07:00:00Z", "2026-11-22T07:09:59Z", "2026-11-22T10:00:00+03:00"]
)
def test_presses_inside_the_window_are_accepted(stamp: str) -> None:
    assert isinstance(answer(f"P-104,1,{stamp},"), Press)


def test_the_window_is_configurable_and_can_be_switched_off() -> None:
    narrow = PlausibleWindow(max_age_days=1, max_ahead_minutes=1, now=lambda: NOW)
    assert "older than 1 days" in str(answer("P-104,1,2026-11-20T07:00:00Z,", narrow))
    assert "more than 1 minutes" in str(answer("P-104,1,2026-11-22T07:02:00Z,", narrow))
    assert isinstance(answer("P-104,1,1970-01-01T00:00:00Z,", ANY_TIME), Press)


def test_an_unforeseen_failure_of_one_line_is_its_own_err_answer() -> None:
    def explode(pad: str, button: str, pressed_at: str, question: str) -> Press:
        raise ZeroDivisionError("poison")

    reason = parse_line(Line(b"P-104,1,2026-11-22T07:00:00Z,"), explode, 1024)
    assert reason == "cannot read the press (ZeroDivisionError: poison)"
