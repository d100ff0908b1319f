"""What every command gets: the validated config and a lazily opened database engine."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from probe.config import ProbeConfig
from probe.i18n import _
from probe.store.db import DatabaseError, open_engine, redact, schema_version


class CommandError(Exception):
    """A failure worded for the operator; the CLI prints it as one line and exits non-zero."""


class Context:
    def __init__(self, config: ProbeConfig) -> None:
        self.config = config
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(
                self.config.database.url, connect_timeout=self.config.database.connect_timeout_seconds
            )
        return self._engine

    def ready_engine(self) -> Engine:
        """The engine of an initialised aggregator, or a clear error saying to run `db init`."""
        try:
            version = schema_version(self.engine)
        except OperationalError as exc:
            raise DatabaseError(f"{redact(self.config.database.url)}: cannot connect: {exc.orig}") from None
        except SQLAlchemyError as exc:
            raise DatabaseError(f"{redact(self.config.database.url)}: {exc}") from None
        if version is None:
            raise CommandError(
                _("{database}: the aggregator schema does not exist; run 'prolan-probe db init'").format(
                    database=redact(self.config.database.url)
                )
            )
        return self.engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str], out: TextIO | None = None) -> None:
    """A plain aligned text table (on the current sys.stdout unless `out` is given: a default
    bound at import time would keep writing to a stream that was replaced since)."""
    out = out or sys.stdout
    text_rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in text_rows:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def print_json(data: Any, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    json.dump(data, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


MAX_ERRORS_SHOWN = 200


def print_refused_rows(errors: Sequence[str], out: TextIO | None = None) -> None:
    """The refused rows of a CSV import (`file:line: reason`), at most MAX_ERRORS_SHOWN of them."""
    out = out or sys.stderr
    for line in errors[:MAX_ERRORS_SHOWN]:
        print(line, file=out)
    if len(errors) > MAX_ERRORS_SHOWN:
        print(_("... and {count} more refused rows").format(count=len(errors) - MAX_ERRORS_SHOWN), file=out)


def parse_local_time(text: str, tz: ZoneInfo, option: str) -> dt.datetime:
    """ISO 8601 with or without an offset, or a date; without an offset it is local time."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("{option}: {text!r} is not an ISO 8601 time or date (e.g. 2026-11-01T08:00)").format(
                option=option, text=text
            )
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)
