"""OKO levels (assessments) and their order; pure, shared by every subsystem."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """An assessment of one MKO. Order of badness: good < acceptable < attention < edge < bad;
    `unknown` (no value) sorts apart and is handled explicitly where it matters."""

    GOOD = "good"
    ACCEPTABLE = "acceptable"
    ATTENTION = "attention"
    EDGE = "edge"
    BAD = "bad"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """0 good .. 4 bad; unknown is -1 so that it never counts as "this level or worse"."""
        return _SEVERITY[self]

    @property
    def russian(self) -> str:
        return _RUSSIAN[self]

    @property
    def snmp_value(self) -> int:
        """OkoLevel TC of PROLAN-MIB: good(1) .. bad(5), unknown(6); notAssessed(7) is `None`."""
        return _SNMP[self]

    def at_least(self, other: Level) -> bool:
        """True when this level is `other` or worse (unknown is never at least anything)."""
        return self.severity >= 0 and self.severity >= other.severity

    @classmethod
    def worst(cls, levels: list[Level]) -> Level:
        known = [lv for lv in levels if lv is not cls.UNKNOWN]
        if not known:
            return cls.UNKNOWN
        return max(known, key=lambda lv: lv.severity)


_SEVERITY = {
    Level.GOOD: 0,
    Level.ACCEPTABLE: 1,
    Level.ATTENTION: 2,
    Level.EDGE: 3,
    Level.BAD: 4,
    Level.UNKNOWN: -1,
}
_RUSSIAN = {
    Level.GOOD: "хорошо",
    Level.ACCEPTABLE: "допустимо",
    Level.ATTENTION: "внимание",
    Level.EDGE: "на грани",
    Level.BAD: "плохо",
    Level.UNKNOWN: "нет данных",
}
_SNMP = {
    Level.GOOD: 1,
    Level.ACCEPTABLE: 2,
    Level.ATTENTION: 3,
    Level.EDGE: 4,
    Level.BAD: 5,
    Level.UNKNOWN: 6,
}
SNMP_NOT_ASSESSED = 7

# Colours of the console and the HTML mails: (main, second) where two-colour icons need both.
LEVEL_COLOURS: dict[Level, tuple[str, str]] = {
    Level.GOOD: ("#2e9e44", "#2e9e44"),
    Level.ACCEPTABLE: ("#f2c230", "#2e9e44"),
    Level.ATTENTION: ("#f2c230", "#f2c230"),
    Level.EDGE: ("#d93a2b", "#f2c230"),
    Level.BAD: ("#d93a2b", "#d93a2b"),
    Level.UNKNOWN: ("#9a9a9a", "#9a9a9a"),
}
