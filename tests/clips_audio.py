"""Test recordings made with sox (a 1 kHz tone at known offsets in silence) and analysis of cut
fragments (decoded with ffmpeg, samples examined with numpy)."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

RATE = 8000
TZ = ZoneInfo("Europe/Moscow")


def make_recording(
    path: Path,
    seconds: float,
    tones: Sequence[tuple[float, float]] = (),
    rate: int = RATE,
    channels: int = 1,
) -> Path:
    """`seconds` of silence with a 1 kHz tone during each (start, length); format from the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = ["-r", str(rate), "-c", str(channels), "-b", "16"]
    if not tones:
        subprocess.run(["sox", "-n", *fmt, str(path), "trim", "0", f"{seconds}"], check=True)
        return path
    parts = []
    for i, (start, length) in enumerate(tones):
        part = path.with_name(f".tone{i}.wav")
        after = seconds - start - length
        subprocess.run(
            [
                "sox",
                "-n",
                *fmt,
                str(part),
                "synth",
                f"{length}",
                "sine",
                "1000",
                "vol",
                "0.5",
                "pad",
                f"{start}",
                f"{after}",
            ],
            check=True,
        )
        parts.append(part)
    if len(parts) == 1:
        subprocess.run(["sox", str(parts[0]), *fmt, str(path)], check=True)
    else:
        subprocess.run(
            ["sox", "-m", *[arg for p in parts for arg in ("-v", "1", str(p))], *fmt, str(path)], check=True
        )
    for part in parts:
        part.unlink()
    return path


def recording_name(local: dt.datetime, ext: str = "wav") -> str:
    return f"{local:%Y%m%d-%H%M%S}.{ext}"


def utc_of(local: dt.datetime, tz: ZoneInfo = TZ) -> dt.datetime:
    """A local wall time (naive, in `tz`) as aware UTC, the form timestamps are read in."""
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """Mono float samples of any audio file at `rate`."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float64) / 32768.0


def loud_spans(
    samples: np.ndarray, rate: int = RATE, window: float = 0.01, level: float = 0.05
) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches whose RMS over `window` exceeds `level`."""
    size = max(1, int(rate * window))
    count = len(samples) // size
    rms = np.sqrt(np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1))
    loud = rms > level
    spans: list[tuple[float, float]] = []
    start: int | None = None
    for i, flag in enumerate(loud):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((start * window, i * window))
            start = None
    if start is not None:
        spans.append((start * window, count * window))
    return spans


def length_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())
