"""Full metric names (SPEC §3) and stable ASCII keys, pure functions.

Name: `{TEST}. {methodology}. {point | Итого по компании}. [{question}. ]{short name}. {period}`,
where the parts a measurement does not have are left out (`LOYALTY_MON. Тест работает`).
Key: the same parts transliterated to ASCII and joined by dots, with the question's id (not its
text, which an operator may edit) and `interval` / `day` for the period, e.g.
`loyalty_mon.usokok.kaluzhskaia.pct_negativnykh_otvetov.interval`. Both fit their columns on every
dialect: a key over 250 characters ends in a stable hash of the whole key, a name over 500 is cut
with an ellipsis and a short hash.
"""

from __future__ import annotations

from functools import lru_cache

from probe.api import Measurement, Window
from probe.keys import key_part
from probe.metric_names import key_short_name
from probe.store.limits import column_limit, fit_key, fit_text
from probe.store.schema import metrics
from probe.topology import COMPANY

COMPANY_KEY = "company"
SCOPE_POINT, SCOPE_COMPANY, SCOPE_NONE = "point", "company", "none"


def question_label(text: str) -> str:
    """A question as it appears in metric names: without its trailing question mark."""
    return text.strip().rstrip("?？").rstrip()


# The columns they are stored in (on PostgreSQL and SQL Server a longer text is an error that
# would fail the whole run of a test, for every point).
KEY_LIMIT = column_limit(metrics.c.key)
NAME_LIMIT = column_limit(metrics.c.name)


def metric_scope(point: str | None) -> str:
    """What a metric is about, as stored in `metrics.scope`: one point, the whole company, or
    neither (a test-level metric such as `Тест работает`)."""
    if point is None:
        return SCOPE_NONE
    return SCOPE_COMPANY if point == COMPANY else SCOPE_POINT


def name_tail(m: Measurement, window: Window, question_text: str | None) -> str:
    """The part of the name after the point: `[question. ]short name[. period]`."""
    parts = []
    if m.question is not None:
        parts.append(question_label(question_text if question_text is not None else m.question))
    parts.append(m.short_name)
    if m.period is not None:
        parts.append(window.period_label(m.period))
    return ". ".join(parts)


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
    return fit_text(". ".join(parts), NAME_LIMIT)


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
    # A long point name (190 x "щ" is 760 key characters) keeps a stable, unique key of the
    # column's length: its beginning and a hash of the whole.
    return fit_key(".".join(parts), KEY_LIMIT)
