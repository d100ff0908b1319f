"""The ingest line protocol, pure (no I/O): splitting a byte stream into lines with a length limit,
and turning one line into a `Press` or the reason it is refused.

One press per line, the fields of a CSV import row: `pad,button,pressed_at,question` (UTF-8, `\\n` or
`\\r\\n`). Every line gets one answer, in order: `OK` (the press is stored or durably spooled) or
`ERR <reason>`. `AUTH <token>` authenticates a TCP connection when tokens are configured.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from probe.presses import CSV_HEADER, PlausibleWindow, Press, PressRejected, PressValidator, unreadable
from probe.topology import Topology

OK = b"OK\n"


def err(reason: str) -> bytes:
    """The refusal answer; a reason never spans lines."""
    return f"ERR {reason}".replace("\r", " ").replace("\n", " ").encode("utf-8") + b"\n"


@dataclass(frozen=True, slots=True)
class Line:
    """One received line without its terminator, or a too-long line (`data` empty, `too_long` set)."""

    data: bytes
    too_long: int = 0  # the length of a line over the limit (at least limit + 1)


class LineSplitter:
    """Bytes in, complete lines out. A line longer than `max_bytes` (terminator excluded) is dropped
    as it arrives, without buffering it, and reported once as a too-long `Line` at its end."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._discarding = 0  # bytes of an over-long line dropped so far (0 = not discarding)

    @property
    def pending(self) -> int:
        """Bytes of an incomplete line held (or being dropped)."""
        return len(self._buffer) + self._discarding

    def feed(self, chunk: bytes) -> list[Line]:
        lines: list[Line] = []
        start = 0
        end = len(chunk)
        while start < end:
            newline = chunk.find(b"\n", start)
            if newline < 0:
                rest = chunk[start:]
                if self._discarding:
                    self._discarding += len(rest)
                elif len(self._buffer) + len(rest) > self.max_bytes + 1:  # +1: a '\r' before '\n'
                    self._discarding = len(self._buffer) + len(rest)
                    self._buffer.clear()
                else:
                    self._buffer += rest
                break
            piece = chunk[start:newline]
            start = newline + 1
            if self._discarding:
                lines.append(Line(b"", self._discarding + len(piece)))
                self._discarding = 0
                continue
            if self._buffer:
                self._buffer += piece
                data = bytes(self._buffer)
                self._buffer.clear()
            else:
                data = piece
            if data.endswith(b"\r"):
                data = data[:-1]
            if len(data) > self.max_bytes:
                lines.append(Line(b"", len(data)))
            else:
                lines.append(Line(data))
        return lines


@dataclass(frozen=True, slots=True)
class Auth:
    """An `AUTH <token>` line."""

    token: str


ParsedLine = Press | Auth | str  # a press, an AUTH command, or the reason the line is refused


def parse_line(line: Line, validate: Callable[[str, str, str, str], Press], max_bytes: int) -> ParsedLine:
    """One line -> a validated press, an AUTH command, or the refusal reason."""
    if line.too_long:
        return f"line too long ({line.too_long} bytes, limit {max_bytes})"
    try:
        text = line.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start + 1} of the line)"
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.startswith("AUTH ") or text == "AUTH":
        return Auth(text[5:].strip())
    if not text.strip():
        return "empty line (expected pad,button,pressed_at,question)"
    if '"' in text:
        try:
            fields = next(csv.reader([text]))
        except csv.Error as exc:
            return f"bad CSV quoting: {exc}"
    else:
        fields = text.split(",")
    if len(fields) not in (3, 4):
        return f"expected 4 fields pad,button,pressed_at,question, got {len(fields)}"
    if fields[0].strip() == CSV_HEADER[0] and tuple(f.strip() for f in fields[:3]) == CSV_HEADER[:3]:
        return "a header line is not a press (send data lines only)"
    try:
        return validate(fields[0], fields[1], fields[2], fields[3] if len(fields) == 4 else "")
    except PressRejected as exc:
        return str(exc)
    except Exception as exc:  # a poison line is answered like any bad line; the others go on
        return unreadable(exc)


class SourceValidators:
    """One `PressValidator` per source (the source is stored with each press), rebuilt when the
    topology changes."""

    def __init__(self, window: PlausibleWindow | None = None) -> None:
        self._validators: dict[str, PressValidator] = {}
        self._topology: Topology | None = None
        self.window = window or PlausibleWindow()

    def validator(self, topology: Topology, source: str) -> PressValidator:
        if topology is not self._topology:
            self._validators.clear()
            self._topology = topology
        found = self._validators.get(source)
        if found is None:
            found = self._validators[source] = PressValidator(topology, source=source, window=self.window)
        return found
