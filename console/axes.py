"""pyqtgraph axes that speak the interface language: times and dates in the locale's words
("вс 29", "14:00") and numbers with the locale's decimal separator ("0,5")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyqtgraph as pg

from console.i18n import locale, wall_text

_EPOCH = dt.datetime(1970, 1, 1)
DAY = 86400.0


class LocalDateAxis(pg.DateAxisItem):
    """A time axis whose labels follow the interface language. pyqtgraph places the ticks
    (x in epoch seconds, shown `utcOffset` seconds west of UTC); this names them: the time of
    day, the weekday and day of the month at midnight and for day-wide ticks, the month for
    month-wide ones."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        offset = float(getattr(self, "utcOffset", 0) or 0)
        labels = []
        for value in values:
            try:
                wall = _EPOCH + dt.timedelta(seconds=float(value) - offset)
            except (OverflowError, ValueError):
                labels.append("")
                continue
            labels.append(wall_text(wall, self.pattern(wall, spacing)))
        return labels

    @staticmethod
    def pattern(wall: dt.datetime, spacing: float) -> str:
        if spacing >= 28 * DAY:
            return "LLL yyyy"
        if spacing >= DAY or (wall.hour == 0 and wall.minute == 0 and wall.second == 0):
            return "ddd d"
        if spacing >= 60:
            return "HH:mm"
        return "HH:mm:ss"


class LocaleAxis(pg.AxisItem):
    """A numeric axis with the locale's decimal separator."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        point = locale().decimalPoint()
        strings: list[Any] = super().tickStrings(values, scale, spacing)
        return [str(text).replace(".", point) for text in strings]
