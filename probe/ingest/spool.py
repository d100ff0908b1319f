"""The durable local spool: accepted presses that could not be written to the database yet.

An append-only file of records, one per line: `<crc32 hex> <json array>`; every append ends with
`fsync`, and only then are the presses answered `OK`. A separate offset file remembers how far the
spool has been written to the database (advanced after each database commit, so after a crash a
few presses may be written again: the unique key on (pad, pressed_at, button) stores them once).
A torn record at the end (the probe killed in the middle of an append, before its `OK`) is cut off
when the spool is opened. One probe at a time may use a spool folder (an exclusive lock).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from probe.presses import Press

log = logging.getLogger(__name__)

SPOOL_FILE = "presses.spool"
OFFSET_FILE = "presses.offset"
LOCK_FILE = "lock"


class SpoolError(Exception):
    """The spool folder cannot be used (locked by another probe, not writable)."""


def encode_press(press: Press) -> bytes:
    body = json.dumps(
        [
            press.pad_id,
            press.point_id,
            press.button,
            press.kind,
            press.pressed_at.isoformat(timespec="milliseconds"),
            press.question_id,
            press.source,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_press(record: bytes) -> Press | None:
    """A record (without its newline) -> the press, or None when it is torn or corrupt."""
    if len(record) < 10 or record[8:9] != b" ":
        return None
    body = record[9:]
    try:
        if int(record[:8], 16) != zlib.crc32(body):
            return None
        pad_id, point_id, button, kind, pressed_at, question_id, source = json.loads(body)
        return Press(
            pad_id, point_id, button, kind, dt.datetime.fromisoformat(pressed_at), question_id, source
        )
    except ValueError:
        return None


class Spool:
    """Not thread-safe by itself: the ingest sink appends from one task and reads from another
    and never clears while an append is in flight."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / SPOOL_FILE
        self.offset_path = directory / OFFSET_FILE
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock = (directory / LOCK_FILE).open("a+")
        except OSError as exc:
            raise SpoolError(f"{directory}: cannot use the spool folder: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise SpoolError(f"{directory}: the spool folder is in use by another running probe") from None
        self._writer: IO[bytes] | None = None
        self.size = 0  # bytes of complete records in the spool file
        self.offset = 0  # bytes already written to the database
        self._recover()

    # -- state -------------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        return self.size > self.offset

    def pending_records(self) -> int:
        """How many records wait (reads the file: for tests, logs and status, not the hot path)."""
        if not self.pending:
            return 0
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            return handle.read(self.size - self.offset).count(b"\n")

    def _recover(self) -> None:
        if not self.path.exists():
            self.offset_path.unlink(missing_ok=True)
            return
        data = self.path.read_bytes()
        good = 0
        for record in data.split(b"\n")[:-1]:  # the part after the last newline is torn
            if decode_press(record) is None:
                break
            good += len(record) + 1
        if good < len(data):
            log.warning(
                "spool %s: cutting off %d bytes of a torn record at the end", self.path, len(data) - good
            )
            with self.path.open("r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())
        self.size = good
        try:
            self.offset = min(int(self.offset_path.read_text().strip() or 0), good)
        except (OSError, ValueError):
            self.offset = 0
        if self.pending:
            log.warning(
                "spool %s: %d presses wait to be written to the database", self.path, self.pending_records()
            )

    # -- writing -------------------------------------------------------------------------------
    def append(self, presses: Sequence[Press]) -> None:
        """Append and fsync; returns only when the presses are on disk."""
        if self._writer is None:
            created = not self.path.exists()
            self._writer = self.path.open("ab")
            if created:
                _fsync_dir(self.directory)
        data = b"".join(encode_press(p) for p in presses)
        self._writer.write(data)
        self._writer.flush()
        os.fsync(self._writer.fileno())
        self.size += len(data)

    # -- draining ------------------------------------------------------------------------------
    def read(self, max_bytes: int = 1 << 20) -> tuple[list[Press], int]:
        """Presses after the offset (at least one record when any is pending) and the offset after them."""
        if not self.pending:
            return [], self.offset
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read(min(self.size - self.offset, max_bytes))
        end = data.rfind(b"\n")
        if end < 0:  # one record longer than max_bytes: read it whole
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read(self.size - self.offset)
            end = data.find(b"\n")
        presses: list[Press] = []
        for record in data[:end].split(b"\n"):
            press = decode_press(record)
            if press is None:  # cannot happen after recovery unless the disk lies; never stop on it
                log.error("spool %s: skipping a corrupt record %r", self.path, record[:200])
                continue
            presses.append(press)
        return presses, self.offset + end + 1

    def advance(self, offset: int) -> None:
        """Remember that everything before `offset` is in the database."""
        tmp = self.offset_path.with_suffix(".tmp")
        tmp.write_text(str(offset))
        os.replace(tmp, self.offset_path)
        self.offset = offset

    def clear(self) -> None:
        """Everything is in the database: start an empty spool. The offset goes first, so a crash
        in between leaves a spool that is written again from its start (duplicates are ignored)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.offset_path.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)
        self.size = self.offset = 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._lock.close()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
