"""The recordings folder: one sub-folder per service point, named exactly as the point, holding
continuous recordings named by their local start time in the probe's time zone,
`YYYYmmdd-HHMMSS.<ext>` (any format ffmpeg reads). A file's length, read from the file itself,
gives its end. Files with other names are ignored with one warning each."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger("probe.clips")

NAME_PATTERN = re.compile(r"^(\d{8})-(\d{6})\.([A-Za-z0-9]{1,8})$")
PROBE_TIMEOUT_SECONDS = 30.0


class RecordingError(Exception):
    """A recording file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the cutter needs to know about a recording's audio stream."""

    duration: float  # seconds
    sample_rate: int
    channels: int
    codec: str  # ffmpeg codec name, e.g. pcm_s16le, mp3, flac
    sample_width: int = 0  # bytes per sample for PCM WAV read by the wave module, else 0


@dataclass(frozen=True, slots=True)
class Recording:
    path: Path
    start: dt.datetime  # aware UTC
    info: AudioInfo

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.info.duration)

    @property
    def fmt(self) -> str:
        return self.path.suffix[1:].lower()


def parse_start(name: str, tz: ZoneInfo) -> dt.datetime:
    """The start of a recording (aware UTC) from its file name; ValueError saying why otherwise."""
    match = NAME_PATTERN.match(name)
    if match is None:
        raise ValueError("the name is not YYYYmmdd-HHMMSS.<ext> (local start time)")
    try:
        local = dt.datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    except ValueError:
        raise ValueError(f"{match.group(1)}-{match.group(2)} is not a valid date and time") from None
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def read_wav_info(path: Path) -> AudioInfo | None:
    """Length and format from a PCM WAV header without decoding anything; None when the wave
    module cannot read the file (e.g. WAVE_FORMAT_EXTENSIBLE), so ffprobe is asked instead."""
    try:
        with wave.open(str(path), "rb") as handle:
            rate = handle.getframerate()
            width = handle.getsampwidth()
            channels = handle.getnchannels()
            frames = handle.getnframes()
    except (wave.Error, EOFError):
        return None
    if rate <= 0:
        return None
    codec = "pcm_u8" if width == 1 else f"pcm_s{8 * width}le"
    return AudioInfo(frames / rate, rate, channels, codec, width)


def probe_info(path: Path, ffprobe: str = "ffprobe") -> AudioInfo:
    """Length and audio format through ffprobe (reads the container header; no decoding)."""
    cmd = [
        ffprobe,
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "format=duration:stream=sample_rate,channels,codec_name,duration",
        "-of",
        "json",
        str(path),
    ]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise RecordingError(f"{path}: cannot read its length: '{ffprobe}' is not installed") from None
    except subprocess.TimeoutExpired:
        raise RecordingError(f"{path}: ffprobe took longer than {PROBE_TIMEOUT_SECONDS:.0f} s") from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise RecordingError(f"{path}: not a readable audio file: {detail[0]}")
    data = json.loads(result.stdout or "{}")
    streams = data.get("streams") or []
    if not streams:
        raise RecordingError(f"{path}: has no audio stream")
    stream = streams[0]
    duration_text = (data.get("format") or {}).get("duration") or stream.get("duration")
    try:
        duration = float(duration_text)
        rate = int(stream["sample_rate"])
        channels = int(stream["channels"])
    except (TypeError, ValueError, KeyError):
        raise RecordingError(f"{path}: ffprobe reports no length or sample rate") from None
    return AudioInfo(duration, rate, channels, str(stream.get("codec_name", "")))


def audio_info(path: Path, ffprobe: str = "ffprobe") -> AudioInfo:
    if path.suffix.lower() == ".wav":
        info = read_wav_info(path)
        if info is not None:
            return info
    return probe_info(path, ffprobe)


class RecordingIndex:
    """Lists a point's recordings, reading each file's length once (cached by size and mtime, so a
    file still being written is measured again when it grows). Bad names are warned about once."""

    def __init__(self, root: Path, tz: ZoneInfo, ffprobe: str = "ffprobe") -> None:
        self.root = root
        self.tz = tz
        self.ffprobe = ffprobe
        self._info: dict[Path, tuple[int, int, AudioInfo]] = {}
        self._warned: set[tuple[Path, int]] = set()
        self.ignored: list[str] = []

    def _warn(self, path: Path, mtime: int, message: str) -> None:
        if (path, mtime) not in self._warned:
            self._warned.add((path, mtime))
            self.ignored.append(message)
            log.warning("%s", message)

    def folder(self, point: str) -> Path:
        return self.root / point

    def recordings(self, point: str) -> list[Recording]:
        """The point's recordings sorted by start; [] when it has no folder."""
        folder = self.folder(point)
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            self._warn(folder, 0, f"{folder}: not a folder; recordings of '{point}' are ignored")
            return []
        return sorted(self._read(entries), key=lambda r: (r.start, r.path.name))

    def _read(self, entries: Iterable[Path]) -> Iterable[Recording]:
        for path in entries:
            if path.name.startswith("."):
                continue  # hidden or partial files being copied in
            try:
                stat = path.stat()
            except OSError:
                continue
            if not path.is_file():
                continue
            mtime = stat.st_mtime_ns
            try:
                start = parse_start(path.name, self.tz)
            except ValueError as exc:
                self._warn(path, mtime, f"{path}: ignored: {exc}")
                continue
            cached = self._info.get(path)
            if cached is not None and cached[0] == stat.st_size and cached[1] == mtime:
                info = cached[2]
            else:
                try:
                    info = audio_info(path, self.ffprobe)
                except RecordingError as exc:
                    self._warn(path, mtime, f"ignored: {exc}")
                    continue
                self._info[path] = (stat.st_size, mtime, info)
            if info.duration <= 0:
                self._warn(path, mtime, f"{path}: ignored: it has no audio (length 0)")
                continue
            yield Recording(path, start, info)
