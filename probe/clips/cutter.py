"""Cutting one fragment [start, end) out of a point's recordings.

`plan_fragment` (pure) says which parts of which files make the fragment, with silence where no
recording covers the time, so a fragment always keeps wall-clock time: the press is exactly
`before_seconds` into it. `cut_fragment` writes it reading only the needed parts: PCM WAV to WAV
by direct frame reads (seek + chunked copy); a piece of one FLAC/Ogg/WAV… file by `sox trim`
(seeks); everything else through one ffmpeg run with input seeking (`-ss`/`-t` before each `-i`)
and the concat filter when the fragment spans files or has a gap.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from probe.clips.recordings import Recording

# Coverage differences below this are rounding, not gaps (one sample at 1 kHz).
EPSILON_SECONDS = 0.001
CHUNK_FRAMES = 65536
FFMPEG_TIMEOUT_SECONDS = 300.0
# Formats sox reads with seeking and writes: a piece of one such file is cut by sox, which starts
# several times faster than ffmpeg; joins, gaps and other formats go through ffmpeg.
SOX_FORMATS = frozenset({"wav", "flac", "ogg", "aiff", "aif", "au"})


class CutError(Exception):
    """Cutting failed; the message names the output and the cause."""


@dataclass(frozen=True, slots=True)
class Piece:
    """`duration` seconds of `recording` from `offset` seconds into it; silence when None."""

    recording: Recording | None
    offset: float
    duration: float


@dataclass(frozen=True)
class Plan:
    start: dt.datetime  # aware UTC
    end: dt.datetime
    pieces: tuple[Piece, ...]
    # Latest end of any recording of the point (None: no recordings): past the fragment's end
    # means the recorder has moved on, so holes in the fragment will not be filled any more.
    recorded_until: dt.datetime | None

    @property
    def length(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def covered(self) -> float:
        return sum(p.duration for p in self.pieces if p.recording is not None)

    @property
    def gap(self) -> float:
        return sum(p.duration for p in self.pieces if p.recording is None)

    @property
    def complete(self) -> bool:
        return self.gap < EPSILON_SECONDS

    @property
    def recordings(self) -> list[Recording]:
        return [p.recording for p in self.pieces if p.recording is not None]

    @property
    def recorder_moved_on(self) -> bool:
        return self.recorded_until is not None and self.recorded_until >= self.end


def _seconds(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def plan_fragment(recordings: Sequence[Recording], start: dt.datetime, end: dt.datetime) -> Plan:
    """Which parts of `recordings` (sorted by start) make [start, end). Overlapping files are
    used in start order: the time an earlier file already covers is not taken twice."""
    pieces: list[Piece] = []
    cursor = start
    for rec in recordings:
        if cursor >= end:
            break
        rec_end = rec.end
        if rec_end <= cursor:
            continue
        if rec.start >= end:
            break
        if rec.start > cursor:
            pieces.append(Piece(None, 0.0, _seconds(rec.start - cursor)))
            cursor = rec.start
        stop = min(rec_end, end)
        pieces.append(Piece(rec, _seconds(cursor - rec.start), _seconds(stop - cursor)))
        cursor = stop
    if cursor < end:
        pieces.append(Piece(None, 0.0, _seconds(end - cursor)))
    recorded_until = max((r.end for r in recordings), default=None)
    return Plan(start, end, tuple(p for p in pieces if p.duration > 0), recorded_until)


def output_format(plan: Plan, configured: str | None) -> str:
    """The configured output format, else the format of the (first) source recording."""
    if configured:
        return configured.lower().lstrip(".")
    recs = plan.recordings
    return recs[0].fmt if recs else "wav"


def cut_fragment(plan: Plan, out_path: Path, ffmpeg: str = "ffmpeg", sox: str | None = None) -> float:
    """Write the fragment to `out_path` (its suffix is the format), atomically: a partial file is
    never left under the final name. Returns the fragment's length in seconds."""
    if not plan.recordings:
        raise CutError(f"{out_path}: no recording covers {plan.start:%Y-%m-%d %H:%M:%S} UTC")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    part = out_path.with_name(f".{out_path.stem}.part{out_path.suffix}")
    try:
        if _wav_direct_possible(plan, out_path):
            length = _cut_wav(plan, part)
        elif sox and _sox_possible(plan, out_path):
            length = _cut_sox(plan, part, sox)
        else:
            length = _cut_ffmpeg(plan, part, ffmpeg)
        os.replace(part, out_path)
    finally:
        part.unlink(missing_ok=True)
    return length


def _sox_possible(plan: Plan, out_path: Path) -> bool:
    if len(plan.pieces) != 1 or plan.pieces[0].recording is None:
        return False
    return plan.pieces[0].recording.fmt in SOX_FORMATS and out_path.suffix.lower()[1:] in SOX_FORMATS


def _cut_sox(plan: Plan, part: Path, sox: str) -> float:
    piece = plan.pieces[0]
    assert piece.recording is not None
    cmd = [sox, "-V1", str(piece.recording.path), str(part)]
    cmd += ["trim", f"{piece.offset:.6f}", f"{piece.duration:.6f}"]
    _run_tool(cmd, part, plan, timeout=FFMPEG_TIMEOUT_SECONDS)
    return plan.length


def _run_tool(cmd: list[str], part: Path, plan: Plan, timeout: float) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise CutError(f"{part.name}: cannot cut: '{cmd[0]}' is not installed") from None
    except subprocess.TimeoutExpired:
        raise CutError(f"{part.name}: {cmd[0]} took longer than {timeout:.0f} s") from None
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or f"exit status {result.returncode}"
        raise CutError(f"cutting from {', '.join(str(r.path) for r in plan.recordings)} failed: {detail}")


def _wav_direct_possible(plan: Plan, out_path: Path) -> bool:
    if out_path.suffix.lower() != ".wav":
        return False
    recs = plan.recordings
    first = recs[0].info
    return all(
        r.fmt == "wav"
        and r.info.sample_width > 0
        and (r.info.sample_rate, r.info.channels, r.info.sample_width)
        == (first.sample_rate, first.channels, first.sample_width)
        for r in recs
    )


def _cut_wav(plan: Plan, part: Path) -> float:
    info = plan.recordings[0].info
    rate, width, channels = info.sample_rate, info.sample_width, info.channels
    frame_bytes = width * channels
    silence_byte = b"\x80" if width == 1 else b"\x00"  # 8-bit WAV is unsigned
    # Piece boundaries in frames from the fragment start, so rounding never accumulates.
    total = 0
    elapsed = 0.0
    with wave.open(str(part), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        for piece in plan.pieces:
            first_frame = round(elapsed * rate)
            elapsed += piece.duration
            frames = round(elapsed * rate) - first_frame
            if piece.recording is None:
                while frames > 0:
                    n = min(frames, CHUNK_FRAMES)
                    out.writeframesraw(silence_byte * (n * frame_bytes))
                    frames -= n
                    total += n
                continue
            with wave.open(str(piece.recording.path), "rb") as src:
                position = min(round(piece.offset * rate), src.getnframes())
                src.setpos(position)
                while frames > 0:
                    data = src.readframes(min(frames, CHUNK_FRAMES))
                    if not data:
                        break
                    out.writeframesraw(data)
                    n = len(data) // frame_bytes
                    frames -= n
                    total += n
                if frames > 0:  # the file is shorter than its header said: keep time with silence
                    out.writeframesraw(silence_byte * (frames * frame_bytes))
                    total += frames
    return total / rate


def _channel_layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def _cut_ffmpeg(plan: Plan, part: Path, ffmpeg: str) -> float:
    first = plan.recordings[0].info
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for piece in plan.pieces:
        if piece.recording is None:
            cmd += [
                "-f",
                "lavfi",
                "-t",
                f"{piece.duration:.6f}",
                "-i",
                f"anullsrc=r={first.sample_rate}:cl={_channel_layout(first.channels)}",
            ]
        else:
            # Input options: ffmpeg seeks in the file and decodes only from there (exactly: it
            # discards the few decoded samples before the point), and stops after -t.
            cmd += [
                "-ss",
                f"{piece.offset:.6f}",
                "-t",
                f"{piece.duration:.6f}",
                "-i",
                str(piece.recording.path),
            ]
    if len(plan.pieces) > 1:
        # Every input resampled to the first recording's format so concat can join them.
        fmt = f"aresample={first.sample_rate},aformat=channel_layouts={_channel_layout(first.channels)}"
        chains = "".join(f"[{i}:a:0]{fmt}[a{i}];" for i in range(len(plan.pieces)))
        inputs = "".join(f"[a{i}]" for i in range(len(plan.pieces)))
        cmd += [
            "-filter_complex",
            f"{chains}{inputs}concat=n={len(plan.pieces)}:v=0:a=1[out]",
            "-map",
            "[out]",
        ]
    else:
        cmd += ["-map", "0:a:0"]
    source_fmt = plan.recordings[0].fmt
    if part.suffix.lower() == f".{source_fmt}" and first.codec.startswith("pcm_"):
        cmd += ["-c:a", first.codec]  # keep the sample format of PCM recordings
    cmd += ["-vn", str(part)]
    _run_tool(cmd, part, plan, timeout=FFMPEG_TIMEOUT_SECONDS)
    return plan.length
