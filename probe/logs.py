"""Log lines an operator can read: times in the probe's time zone with their offset from UTC
(`2026-11-29 21:10:20.123+03:00`), like every other time the probe shows."""

from __future__ import annotations

import datetime as dt
import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZoneFormatter(logging.Formatter):
    def __init__(self, fmt: str = LOG_FORMAT, tz: dt.tzinfo = dt.UTC) -> None:
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = dt.datetime.fromtimestamp(record.created, self.tz)
        return moment.strftime(datefmt) if datefmt else moment.isoformat(sep=" ", timespec="milliseconds")
