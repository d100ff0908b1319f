"""Full metric names (SPEC §3) and stable ASCII keys, pure functions.

Name: `{TEST}. {methodology}. {point | Итого по компании}. [{question}. ]{short name}. {period}`,
where the parts a measurement does not have are left out (`LOYALTY_MON. Тест работает`).
Key: the same parts transliterated to ASCII and joined by dots, with the question's id (not its
text, which an operator may edit) and `interval` / `day` for the period, e.g.
`loyalty_mon.usokok.kaluzhskaia.pct_negativnykh_otvetov.interval`.
"""

from __future__ import annotations

from functools import lru_cache

from probe.api import Measurement, Window
from probe.keys import key_part
from probe.metric_names import key_short_name
from probe.topology import COMPANY

COMPANY_KEY = "company"


def question_label(text: str) -> str:
    """A question as it appears in metric names: without its trailing question mark."""
    return text.strip().rstrip("?？").rstrip()


def full_name(test: str, m: Measurement, window: Window, question_text: str | None) -> str:
    parts = [test]
    if m.methodology:
        parts.append(m.methodology)
    if m.point is not None:
        parts.append(m.point)
    if m.question is not None:
        parts.append(question_label(question_text if question_text is not None else m.question))
    parts.append(m.short_name)
    if m.period is not None:
        parts.append(window.period_label(m.period))
    return ". ".join(parts)


def metric_key(test: str, m: Measurement) -> str:
    return _key(test, m.methodology, m.point, m.question, m.short_name, m.key_hint, m.period)


@lru_cache(maxsize=262144)
def _key(
    test: str,
    methodology: str | None,
    point: str | None,
    question: str | None,
    short_name: str,
    key_hint: str | None,
    period: str | None,
) -> str:
    parts = [key_part(test)]
    if methodology:
        parts.append(key_part(methodology))
    if point is not None:
        parts.append(COMPANY_KEY if point == COMPANY else key_part(point))
    if question is not None:
        parts.append("q_" + key_part(question))
    parts.append(key_part(key_short_name(short_name)))
    if key_hint:
        parts.append(key_part(key_hint))
    if period is not None:
        parts.append(period)
    return ".".join(parts)
