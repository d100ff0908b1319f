"""The pure part of cutting: which parts of which recordings make a fragment, and file names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from probe.clips.cutter import output_format, plan_fragment
from probe.clips.recordings import AudioInfo, Recording, parse_start

T0 = dt.datetime(2026, 11, 22, 7, 0, 0, tzinfo=dt.UTC)


def rec(name: str, start_s: float, length: float) -> Recording:
    info = AudioInfo(length, 8000, 1, "pcm_s16le", 2)
    return Recording(Path(name), T0 + dt.timedelta(seconds=start_s), info)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def shape(plan: object) -> list[tuple[str | None, float, float]]:
    return [(p.recording.path.name if p.recording else None, p.offset, p.duration) for p in plan.pieces]  # type: ignore[attr-defined]


def test_inside_one_file() -> None:
    plan = plan_fragment([rec("a.wav", 0, 600)], at(100), at(220))
    assert shape(plan) == [("a.wav", 100.0, 120.0)]
    assert plan.complete and plan.gap == 0 and plan.covered == 120


def test_across_a_boundary_and_over_a_gap() -> None:
    recs = [rec("a.wav", 0, 60), rec("b.wav", 60, 60), rec("c.wav", 130, 60)]
    assert shape(plan_fragment(recs, at(50), at(70))) == [("a.wav", 50.0, 10.0), ("b.wav", 0.0, 10.0)]
    plan = plan_fragment(recs, at(110), at(140))
    assert shape(plan) == [("b.wav", 50.0, 10.0), (None, 0.0, 10.0), ("c.wav", 0.0, 10.0)]
    assert plan.gap == 10 and not plan.complete and plan.recorder_moved_on


def test_overlapping_files_do_not_repeat_time() -> None:
    recs = [rec("a.wav", 0, 65), rec("b.wav", 60, 60)]
    assert shape(plan_fragment(recs, at(55), at(75))) == [("a.wav", 55.0, 10.0), ("b.wav", 5.0, 10.0)]


def test_recording_not_there_yet() -> None:
    plan = plan_fragment([rec("a.wav", 0, 62)], at(55), at(65))
    assert shape(plan) == [("a.wav", 55.0, 7.0), (None, 0.0, 3.0)]
    assert not plan.recorder_moved_on
    empty = plan_fragment([], at(55), at(65))
    assert empty.covered == 0 and empty.recorded_until is None and not empty.recorder_moved_on
    before = plan_fragment([rec("a.wav", 100, 60)], at(55), at(65))
    assert shape(before) == [(None, 0.0, 10.0)] and before.recorder_moved_on


def test_output_format_defaults_to_the_source() -> None:
    plan = plan_fragment([rec("a.FLAC", 0, 60)], at(0), at(10))
    assert output_format(plan, None) == "flac"
    assert output_format(plan, "mp3") == "mp3"


def test_file_names_are_local_start_times() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    assert parse_start("20261122-100000.wav", moscow) == dt.datetime(2026, 11, 22, 7, 0, 0, tzinfo=dt.UTC)
    assert parse_start("20260701-235959.mp3", ZoneInfo("Europe/Berlin")) == dt.datetime(
        2026, 7, 1, 21, 59, 59, tzinfo=dt.UTC
    )
    for bad in (
        "20261122-1000.wav",
        "notes.txt",
        "20261122-100000",
        "20261131-100000.wav",
        "x20261122-100000.wav",
    ):
        with pytest.raises(ValueError):
            parse_start(bad, moscow)
