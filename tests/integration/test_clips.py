"""Audio fragments around presses against real recordings (sox), ffmpeg and both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import shutil
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from probe.clips.runner import STATUS_CUT, STATUS_MISSING, STATUS_WAITING, ClipCutter
from probe.config import ProbeConfig, parse_config
from probe.store.db import init_db, open_engine
from probe.store.schema import clips, presses
from probe.topology import import_topology, load_topology, parse_topology
from tests.clips_audio import (
    RATE,
    TZ,
    decode,
    length_seconds,
    loud_spans,
    make_recording,
    recording_name,
    utc_of,
)
from tests.helpers import run_cli

TOPOLOGY = {
    "points": [{"name": "Калужская", "region": "Москва"}, {"name": "Невский", "region": "СПб"}],
    "pads": [
        {
            "id": "P-1",
            "point": "Калужская",
            "methodology": "СОКОК",
            "buttons": {"1": "positive", "3": "negative", "4": "force_majeure"},
        },
        {
            "id": "P-2",
            "point": "Невский",
            "methodology": "СОКОК",
            "buttons": {"1": "positive", "3": "negative"},
        },
    ],
}
POINT = "Калужская"
BASE = dt.datetime(2026, 11, 22, 10, 0, 0)  # local (Europe/Moscow)


def make_config(tmp_path: Path, db_url: str, **clips_settings: Any) -> ProbeConfig:
    settings = {"recordings": str(tmp_path / "rec"), "output": str(tmp_path / "out")}
    settings |= {"before_seconds": 5.0, "after_seconds": 5.0} | clips_settings
    return parse_config({"timezone": "Europe/Moscow", "database": {"url": db_url}, "clips": settings})


@pytest.fixture
def topo_engine(engine: Engine) -> Engine:
    import_topology(engine, parse_topology(TOPOLOGY))
    return engine


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests about files and formats only: the database part runs on both dialects elsewhere."""
    return f"sqlite:///{tmp_path / 'aggregator.sqlite'}"


@pytest.fixture
def sqlite_topo_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = open_engine(sqlite_url)
    init_db(eng)
    import_topology(eng, parse_topology(TOPOLOGY))
    yield eng
    eng.dispose()


def add_press(engine: Engine, local: dt.datetime, kind: str = "negative", pad: str = "P-1") -> int:
    topology = load_topology(engine)
    point_id = topology.points[topology.pads[pad].point].id
    button = {"positive": 1, "negative": 3, "force_majeure": 4}[kind]
    with engine.begin() as conn:
        result = conn.execute(
            presses.insert().values(
                pad_id=pad,
                point_id=point_id,
                button=button,
                kind=kind,
                pressed_at=utc_of(local),
                source="test",
            )
        )
        return int(result.inserted_primary_key[0])


def clip_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(clips).order_by(clips.c.pressed_at)).all())


def later(local: dt.datetime, hours: float = 1) -> dt.datetime:
    return utc_of(local) + dt.timedelta(hours=hours)


def test_fragment_has_right_length_and_tone_at_press(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 60, [(30.0, 1.0)])
    press_at = BASE + dt.timedelta(seconds=30)
    press_id = add_press(topo_engine, press_at)
    add_press(topo_engine, press_at + dt.timedelta(seconds=1), kind="positive")  # not a configured kind

    report = ClipCutter(config, topo_engine).run_once(now=later(press_at))

    assert (report.cut, report.waiting, report.missing, report.errors) == (1, 0, 0, [])
    [row] = clip_rows(topo_engine)
    assert (row.press_id, row.status, row.gap_seconds) == (press_id, STATUS_CUT, 0.0)
    assert row.starts_at == utc_of(press_at) - dt.timedelta(seconds=5)
    path = Path(row.path)
    assert path.parent == tmp_path / "out" / POINT
    assert path.name == f"20261122-100030-negative-{press_id}.wav"
    with wave.open(str(path)) as handle:
        assert handle.getnframes() == 10 * RATE
    assert row.duration_seconds == pytest.approx(10.0)
    [(tone_start, tone_end)] = loud_spans(decode(path))
    assert tone_start == pytest.approx(5.0, abs=0.011)
    assert tone_end == pytest.approx(6.0, abs=0.011)


def test_fragment_across_a_file_boundary(topo_engine: Engine, tmp_path: Path, db_url: str) -> None:
    check_fragment_across_a_file_boundary(topo_engine, tmp_path, db_url, "flac", None)


@pytest.mark.parametrize(("source_ext", "out_format"), [("wav", None), ("wav", "mp3"), ("ogg", "wav")])
def test_fragment_across_a_file_boundary_formats(
    sqlite_topo_engine: Engine, tmp_path: Path, sqlite_url: str, source_ext: str, out_format: str | None
) -> None:
    check_fragment_across_a_file_boundary(sqlite_topo_engine, tmp_path, sqlite_url, source_ext, out_format)


def check_fragment_across_a_file_boundary(
    topo_engine: Engine, tmp_path: Path, db_url: str, source_ext: str, out_format: str | None
) -> None:
    config = make_config(tmp_path, db_url, format=out_format)
    folder = tmp_path / "rec" / POINT
    # The tone starts 2 s before the end of the first file and goes on 1 s into the second.
    make_recording(folder / recording_name(BASE, source_ext), 60, [(58.0, 2.0)])
    make_recording(folder / recording_name(BASE + dt.timedelta(seconds=60), source_ext), 60, [(0.0, 1.0)])
    press_at = BASE + dt.timedelta(seconds=58)
    add_press(topo_engine, press_at)

    report = ClipCutter(config, topo_engine).run_once(now=later(press_at))

    assert (report.cut, report.errors) == (1, [])
    [row] = clip_rows(topo_engine)
    path = Path(row.path)
    assert path.suffix == f".{out_format or source_ext}"
    assert row.sources.split("\n") == [
        recording_name(BASE, source_ext),
        recording_name(BASE + dt.timedelta(seconds=60), source_ext),
    ]
    # Lossy codecs pad a few ms; the tone (the press) must be where it was, 5 s in, and 3 s long.
    tolerance = 0.011 if out_format is None and source_ext in ("wav", "flac") else 0.06
    samples = decode(path)
    assert len(samples) / RATE == pytest.approx(10.0, abs=tolerance)
    if out_format is None:
        assert length_seconds(path) == pytest.approx(10.0, abs=tolerance)
    [(tone_start, tone_end)] = loud_spans(samples)
    assert tone_start == pytest.approx(5.0, abs=tolerance)
    assert tone_end == pytest.approx(8.0, abs=tolerance)


def test_gap_between_files_is_silence_and_keeps_time(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, db_url, before_seconds=15.0)
    folder = tmp_path / "rec" / POINT
    make_recording(folder / recording_name(BASE), 60, [(57.0, 0.5)])
    # The recorder paused for 10 s: the next file starts at 10:01:10; the press is 2 s into it.
    make_recording(folder / recording_name(BASE + dt.timedelta(seconds=70)), 60, [(2.0, 1.0)])
    press_at = BASE + dt.timedelta(seconds=72)
    add_press(topo_engine, press_at)

    ClipCutter(config, topo_engine).run_once(now=later(press_at))

    [row] = clip_rows(topo_engine)
    assert row.status == STATUS_CUT
    assert row.gap_seconds == pytest.approx(10.0)
    assert "10.0 s" in row.reason
    samples = decode(Path(row.path))
    assert len(samples) == 20 * RATE
    # Window 10:00:57–10:01:17: the first file's tone at 0 s, silence, the press's tone at 15 s.
    spans = loud_spans(samples)
    assert [round(s, 2) for s, _ in spans] == [0.0, 15.0]
    assert spans[1][1] == pytest.approx(16.0, abs=0.011)


def test_missing_recording_waits_and_is_cut_when_it_arrives(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, db_url, retry_minutes=10, give_up_hours=24)
    press_at = BASE + dt.timedelta(seconds=30)
    add_press(topo_engine, press_at)
    cutter = ClipCutter(config, topo_engine)
    now = later(press_at, hours=0.1)

    report = cutter.run_once(now=now)
    [row] = clip_rows(topo_engine)
    assert (report.waiting, row.status, row.path, row.attempts) == (1, STATUS_WAITING, None, 1)
    assert "no recordings folder" in row.reason
    assert row.next_attempt_at == now + dt.timedelta(minutes=10)

    # The recording arrives, but is too short for the fragment yet (it ends 2 s after the press).
    folder = tmp_path / "rec" / POINT
    make_recording(folder / recording_name(BASE), 32, [(30.0, 1.0)])
    assert cutter.run_once(now=now + dt.timedelta(minutes=5)).looked_at == 0  # not before the retry time
    report = cutter.run_once(now=now + dt.timedelta(minutes=10))
    [row] = clip_rows(topo_engine)
    assert (report.waiting, row.status, row.attempts) == (1, STATUS_WAITING, 2)
    assert "end at 2026-11-22 10:00:32" in row.reason

    # The rest of the recording arrives as the next file.
    make_recording(folder / recording_name(BASE + dt.timedelta(seconds=32)), 60)
    report = cutter.run_once(now=now + dt.timedelta(minutes=20))
    [row] = clip_rows(topo_engine)
    assert (report.cut, row.status, row.attempts, row.gap_seconds) == (1, STATUS_CUT, 3, 0.0)
    [(tone_start, _)] = loud_spans(decode(Path(row.path)))
    assert tone_start == pytest.approx(5.0, abs=0.011)


def test_after_give_up_a_press_is_missing_or_cut_with_what_exists(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, db_url, give_up_hours=2)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 33, [(30.0, 1.0)])
    partly = add_press(topo_engine, BASE + dt.timedelta(seconds=30))
    nothing = add_press(topo_engine, BASE + dt.timedelta(minutes=30))
    cutter = ClipCutter(config, topo_engine)
    assert cutter.run_once(now=later(BASE, hours=1)).waiting == 2
    report = cutter.run_once(now=later(BASE, hours=3))
    assert (report.cut, report.missing) == (1, 1)
    rows = {row.press_id: row for row in clip_rows(topo_engine)}
    assert rows[nothing].status == STATUS_MISSING and rows[nothing].path is None
    assert "no recording" in rows[nothing].reason
    assert rows[partly].status == STATUS_CUT
    assert rows[partly].gap_seconds == pytest.approx(2.0)
    assert len(decode(Path(rows[partly].path))) == 10 * RATE
    assert cutter.run_once(now=later(BASE, hours=30)).looked_at == 0  # final: never looked at again


def test_every_press_is_cut_once(topo_engine: Engine, tmp_path: Path, db_url: str) -> None:
    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 120, [(20.0, 1.0), (80.0, 1.0)])
    for seconds, kind in ((20, "negative"), (80, "force_majeure")):
        add_press(topo_engine, BASE + dt.timedelta(seconds=seconds), kind=kind)
    now = later(BASE)
    assert ClipCutter(config, topo_engine).run_once(now=now).cut == 2
    files = sorted((tmp_path / "out" / POINT).iterdir())
    stamps = [f.stat().st_mtime_ns for f in files]
    # A second pass, and a fresh cutter (a restarted service), find nothing to do.
    assert ClipCutter(config, topo_engine).run_once(now=now).looked_at == 0
    assert (
        ClipCutter(config, topo_engine).run_once(now=now + dt.timedelta(days=1), since=utc_of(BASE)).looked_at
        == 0
    )
    assert [f.stat().st_mtime_ns for f in sorted((tmp_path / "out" / POINT).iterdir())] == stamps
    assert [f.name.split("-")[2] for f in files] == ["negative", "force_majeure"]
    with topo_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(clips)).scalar_one() == 2


def test_bad_file_names_are_ignored_with_a_warning(
    topo_engine: Engine, tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, db_url)
    folder = tmp_path / "rec" / POINT
    good = make_recording(folder / recording_name(BASE), 60, [(30.0, 1.0)])
    bad_names = ["notes.txt", "2026-11-22 10-00-00.wav", "20261340-100000.wav", "20261122-1000.wav"]
    for name in bad_names:
        shutil.copy(good, folder / name)
    (folder / "20261122-100100.wav").write_bytes(b"not audio at all")
    (folder / ".20261122-100200.wav.part").write_bytes(b"")  # a copy in progress: silently skipped
    add_press(topo_engine, BASE + dt.timedelta(seconds=30))

    with caplog.at_level(logging.WARNING, logger="probe.clips"):
        cutter = ClipCutter(config, topo_engine)
        report = cutter.run_once(now=later(BASE))
    assert report.cut == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for name in [*bad_names, "20261122-100100.wav"]:
        assert sum(name in w for w in warnings) == 1, (name, warnings)
    assert any("13" in w or "not a valid date" in w for w in warnings if "20261340" in w)
    assert not any(".part" in w for w in warnings)
    [row] = clip_rows(topo_engine)
    assert row.sources == good.name


def test_reading_only_the_needed_part(sqlite_topo_engine: Engine, tmp_path: Path, sqlite_url: str) -> None:
    """A 10 s fragment from a 30-minute WAV (29 MB) never holds more than a chunk of it in memory."""
    import tracemalloc

    topo_engine, db_url = sqlite_topo_engine, sqlite_url
    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 1800, [(1700.0, 1.0)])
    press_at = BASE + dt.timedelta(seconds=1700)
    add_press(topo_engine, press_at)
    cutter = ClipCutter(config, topo_engine)
    tracemalloc.start()
    try:
        report = cutter.run_once(now=later(press_at))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.cut == 1
    assert os.path.getsize(tmp_path / "rec" / POINT / recording_name(BASE)) > 28_000_000
    assert peak < 2_000_000, peak
    [(tone_start, _)] = loud_spans(decode(Path(clip_rows(topo_engine)[0].path)))
    assert tone_start == pytest.approx(5.0, abs=0.011)


def test_cli_cuts_due_presses_since(topo_engine: Engine, tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "rec" / POINT
    make_recording(folder / recording_name(BASE), 120, [(20.0, 1.0), (80.0, 1.0)])
    old = add_press(topo_engine, BASE + dt.timedelta(seconds=20))
    new = add_press(topo_engine, BASE + dt.timedelta(seconds=80))
    config_path = tmp_path / "probe.toml"
    config_path.write_text(
        f'timezone = "Europe/Moscow"\n[database]\nurl = "{db_url}"\n'
        f'[clips]\nrecordings = "rec"\noutput = "out"\nbefore_seconds = 5\nafter_seconds = 5\nlookback_days = 100000\n',
        encoding="utf-8",
    )
    result = run_cli("clips", "--since", "2026-11-22T10:01:00", config=config_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 fragments cut, 0 presses waiting")
    assert [row.press_id for row in clip_rows(topo_engine)] == [new]
    result = run_cli("clips", config=config_path)
    assert result.stdout.startswith("1 fragments cut"), result.stdout
    assert sorted(row.press_id for row in clip_rows(topo_engine)) == sorted([old, new])
    listed = run_cli("clips", "--list", "--format", "json", "--point", POINT, config=config_path)
    items = json.loads(listed.stdout)
    assert [(i["press_id"], i["pressed_at"], i["kind"], i["status"], i["seconds"]) for i in items] == [
        (old, "2026-11-22T10:00:20+03:00", "negative", "cut", 10.0),
        (new, "2026-11-22T10:01:20+03:00", "negative", "cut", 10.0),
    ]
    assert all(Path(i["path"]).is_file() for i in items)
    bad = run_cli("clips", "--since", "yesterday", config=config_path)
    assert bad.returncode == 2 and "--since 'yesterday': not an ISO 8601 time" in bad.stderr


async def test_service_cuts_continuously_and_stops(topo_engine: Engine, tmp_path: Path, db_url: str) -> None:
    from probe.clips import service
    from probe.service import Runtime
    from probe.snapshot import SnapshotHub

    # Real time: a press 30 s ago (its fragment ended 25 s ago), in a recording that started 2 min ago.
    now_local = dt.datetime.now(dt.UTC).astimezone(TZ).replace(tzinfo=None, microsecond=0)
    start_local = now_local - dt.timedelta(minutes=2)
    make_recording(tmp_path / "rec" / POINT / recording_name(start_local), 120, [(90.0, 1.0)])
    press_id = add_press(topo_engine, start_local + dt.timedelta(seconds=90))

    disabled = Runtime(make_config(tmp_path, db_url), topo_engine, SnapshotHub())
    assert await service.start(disabled) is None
    runtime = Runtime(
        make_config(tmp_path, db_url, enabled=True, poll_seconds=0.2), topo_engine, SnapshotHub()
    )
    component = await service.start(runtime)
    assert isinstance(component, service.ClipsService)
    try:
        for _ in range(100):
            if clip_rows(topo_engine):
                break
            await asyncio.sleep(0.1)
        # A press arriving while the service runs is cut by a later pass.
        second = add_press(topo_engine, start_local + dt.timedelta(seconds=60), kind="force_majeure")
        for _ in range(100):
            if len(clip_rows(topo_engine)) == 2:
                break
            await asyncio.sleep(0.1)
    finally:
        await component.stop()
    rows = {row.press_id: row for row in clip_rows(topo_engine)}
    assert set(rows) == {press_id, second}
    assert all(row.status == STATUS_CUT for row in rows.values())
    [(tone_start, _)] = loud_spans(decode(Path(rows[press_id].path)))
    assert tone_start == pytest.approx(5.0, abs=0.011)
    assert component.passes >= 2


def test_clips_stats_test_counts_cut_fragments_and_presses_without_recording(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    from probe.api import COMPANY, TestContext, Window
    from tests.integration.test_drivers import load_script

    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 120, [(20.0, 1.0)])
    add_press(topo_engine, BASE + dt.timedelta(seconds=20))
    add_press(topo_engine, BASE + dt.timedelta(seconds=80), kind="force_majeure")
    add_press(topo_engine, BASE + dt.timedelta(minutes=30))  # no recording: waits
    add_press(topo_engine, BASE + dt.timedelta(seconds=30), pad="P-2")  # Невский has no folder
    cutter = ClipCutter(config, topo_engine)
    # Pass at 10:04 (local): the first two are cut; the Невский press has no recording.
    cutter.run_once(now=utc_of(BASE + dt.timedelta(minutes=4)))
    # Pass at 10:36: the 10:30 press has no recording either.
    cutter.run_once(now=utc_of(BASE + dt.timedelta(minutes=36)))

    module = load_script("clips_stats")
    test = module.ClipsStats()

    def measure(end_local: dt.datetime) -> dict[tuple[str | None, str, str | None], float | None]:
        end = end_local.replace(tzinfo=TZ).astimezone(dt.UTC)
        day = end_local.replace(hour=0, minute=0).replace(tzinfo=TZ).astimezone(dt.UTC)
        window = Window(end - dt.timedelta(minutes=10), end, day, TZ, 10)
        ctx = TestContext(window, topo_engine, load_topology(topo_engine), {}, logging.getLogger("t"))
        return {(m.point, m.short_name, m.period): m.value for m in test.run(ctx)}

    at_1010 = measure(BASE + dt.timedelta(minutes=10))
    assert at_1010[(POINT, "Вырезанные фрагменты", "interval")] == 2
    assert at_1010[("Невский", "Вырезанные фрагменты", "interval")] == 0
    assert at_1010[("Невский", "Нажатия без записи", "interval")] == 1
    assert at_1010[(POINT, "Нажатия без записи", "interval")] == 0
    assert at_1010[(COMPANY, "Вырезанные фрагменты", "day")] == 2
    at_1040 = measure(BASE + dt.timedelta(minutes=40))
    assert at_1040[(POINT, "Вырезанные фрагменты", "interval")] == 0
    assert at_1040[(POINT, "Вырезанные фрагменты", "day")] == 2
    assert at_1040[(POINT, "Нажатия без записи", "interval")] == 1
    assert at_1040[(COMPANY, "Нажатия без записи", "day")] == 2
    assert len(at_1040) == 12
    # Before anything was due there is nothing to report.
    assert measure(BASE) == {}


def test_passes_page_through_many_presses(
    topo_engine: Engine, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from probe.clips import runner

    monkeypatch.setattr(runner, "BATCH", 2)  # page size 2: five presses take three pages
    config = make_config(tmp_path, db_url)
    ids = [add_press(topo_engine, BASE + dt.timedelta(seconds=10 * i)) for i in range(5)]
    cutter = ClipCutter(config, topo_engine)
    assert cutter.run_once(now=later(BASE), respect_backoff=False).waiting == 5
    # The command retries waiting presses at once; each is looked at once per pass.
    assert cutter.run_once(now=later(BASE), respect_backoff=False).waiting == 5
    assert [row.attempts for row in clip_rows(topo_engine)] == [2] * 5
    assert [row.press_id for row in clip_rows(topo_engine)] == ids


@pytest.mark.parametrize("sox", ["sox", ""])
def test_single_file_flac_by_sox_or_ffmpeg(
    sqlite_topo_engine: Engine, tmp_path: Path, sqlite_url: str, sox: str
) -> None:
    topo_engine, db_url = sqlite_topo_engine, sqlite_url
    config = make_config(tmp_path, db_url, sox=sox)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE, "flac"), 60, [(40.0, 1.0)])
    add_press(topo_engine, BASE + dt.timedelta(seconds=40))
    cutter = ClipCutter(config, topo_engine)
    assert (cutter.sox is not None) == bool(sox)
    assert cutter.run_once(now=later(BASE)).cut == 1
    [row] = clip_rows(topo_engine)
    path = Path(row.path)
    assert path.suffix == ".flac" and length_seconds(path) == pytest.approx(10.0, abs=0.002)
    [(tone_start, tone_end)] = loud_spans(decode(path))
    assert (tone_start, tone_end) == (pytest.approx(5.0, abs=0.011), pytest.approx(6.0, abs=0.011))


def test_clips_metrics_through_the_engine(topo_engine: Engine, tmp_path: Path, db_url: str) -> None:
    """The CLIPS test as the engine runs it: loaded from tests_scripts/, named, stored, published."""
    import probe.engine as engine_module
    from probe.snapshot import SnapshotHub
    from probe.store.schema import metric_values, metrics

    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 120, [(20.0, 1.0)])
    add_press(topo_engine, BASE + dt.timedelta(seconds=20))
    add_press(topo_engine, BASE + dt.timedelta(seconds=30), pad="P-2")  # Невский: no recording
    ClipCutter(config, topo_engine).run_once(now=utc_of(BASE + dt.timedelta(minutes=4)))

    hub = SnapshotHub()
    evaluator = engine_module.Evaluator(config, topo_engine, hub)
    assert "CLIPS" in evaluator.report.loaded, evaluator.report.failed
    end = (BASE + dt.timedelta(minutes=10)).replace(tzinfo=TZ)
    evaluation = evaluator.evaluate("CLIPS", end)
    values = {m.name: m.value for m in evaluation.metrics}
    assert values["CLIPS. Тест работает"] == 1
    assert values[f"CLIPS. {POINT}. Вырезанные фрагменты. Интервал 10 мин"] == 1
    assert values["CLIPS. Невский. Нажатия без записи. Интервал 10 мин"] == 1
    assert values["CLIPS. Итого по компании. Нажатия без записи. Текущие сутки"] == 1
    published = {m.name: m.value for m in hub.current.metrics}
    assert published[f"CLIPS. {POINT}. Вырезанные фрагменты. Текущие сутки"] == 1
    with topo_engine.connect() as conn:
        stored = conn.execute(
            select(metric_values.c.value)
            .join(metrics, metrics.c.id == metric_values.c.metric_id)
            .where(metrics.c.name == f"CLIPS. {POINT}. Вырезанные фрагменты. Интервал 10 мин")
        ).scalar_one()
    assert stored == 1


def test_two_cutters_racing_for_a_press_record_it_once(
    topo_engine: Engine, tmp_path: Path, db_url: str
) -> None:
    """The command run while the service is cutting: whoever stores second backs off."""
    config = make_config(tmp_path, db_url)
    make_recording(tmp_path / "rec" / POINT / recording_name(BASE), 60, [(30.0, 1.0)])
    add_press(topo_engine, BASE + dt.timedelta(seconds=30))
    now = later(BASE)
    service_side, command_side = ClipCutter(config, topo_engine), ClipCutter(config, topo_engine)
    [seen_by_command] = command_side.due_presses(now, now - dt.timedelta(days=1))  # read before…
    assert service_side.run_once(now=now).cut == 1  # …the service cuts and stores it
    report = command_side.run_once(now=now)
    assert report.looked_at == 0  # a later pass does not see it any more
    # The racing store of the same press (the command had already read it) is refused cleanly.
    assert (
        command_side._store(
            seen_by_command, {"status": "cut", "updated_at": now, "starts_at": now, "ends_at": now}
        )
        is False
    )
    [row] = clip_rows(topo_engine)
    assert row.status == STATUS_CUT and row.attempts == 1
