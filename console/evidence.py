"""How sure an assessment is, for the console (issue 21): the 95 % interval of a percentage in
words, and what the Dashboard lamp needs to show how sure its colour is. Aggregator reads only,
no widgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, select

from console.i18n import level_text, number, translate
from console.timeline_data import INTERVAL, Scope, parse_level, scope_metrics_query
from probe.evidence import evidence_level
from probe.levels import Level
from probe.store.baselines import parse_thresholds
from probe.store.schema import metric_values
from probe.store.threshold_tables import THRESHOLDS, with_thresholds


def interval_caption(low: float | None, high: float | None, votes: int | None, unit: str = "%") -> str:
    """`95 %: 21–100 %, 1 vote` in the interface language; "" without an interval."""
    if low is None or high is None:
        return ""
    bounds = f"{number(low, 0 if low >= 10 else 1)}–{number(high, 0 if high >= 10 else 1)}"
    if unit:
        bounds += f" {unit}"
    if votes is None:
        return translate("Evidence", "95 %: {bounds}").format(bounds=bounds)
    return translate("Evidence", "95 %: {bounds}, %n vote(s)", n=votes).format(bounds=bounds)


def interval_explanation(low: float | None, high: float | None, votes: int | None, unit: str = "%") -> str:
    """A tooltip line saying what the interval means, "" without one."""
    caption = interval_caption(low, high, votes, unit)
    if not caption:
        return ""
    return translate("Evidence", "{caption}: with 95 % confidence the true share is in this range").format(
        caption=caption
    )


@dataclass(frozen=True)
class LampEvidence:
    """How sure the lamp's colour is: the level the deciding metric's value gives, the level its
    interval supports (`probe.evidence.evidence_level`) and the interval itself."""

    level: Level
    supported: Level
    low: float | None = None
    high: float | None = None
    votes: int | None = None
    name: str = ""

    @property
    def sure(self) -> bool:
        return self.supported is self.level

    def caption(self) -> str:
        """`sure` or `sure only of: acceptable`, then the interval."""
        words = (
            translate("Evidence", "sure")
            if self.sure
            else translate("Evidence", "sure only of: {level}").format(level=level_text(self.supported))
        )
        interval = interval_caption(self.low, self.high, self.votes)
        return f"{words} · {interval}" if interval else words


def lamp_evidence(
    engine: Engine, scope: Scope, at: dt.datetime, tests: Sequence[str] = ()
) -> LampEvidence | None:
    """Of the scope's interval metrics evaluated at `at` (of `tests`; empty: every test), those at the worst level (the lamp's
    colour); of these the one whose interval supports the worst level: the lamp is as sure as
    its best-founded reason. None when nothing was assessed at `at`."""
    with engine.connect() as conn:
        names = {row.id: row.short_name for row in conn.execute(scope_metrics_query(scope, INTERVAL, tests))}
        if not names:
            return None
        v = metric_values.c
        rows = conn.execute(
            select(v.metric_id, v.value, v.level, THRESHOLDS, v.low, v.high, v.votes)
            .select_from(with_thresholds(metric_values))
            .where(and_(v.metric_id.in_(list(names)), v.at == at, v.level.is_not(None)))
        ).all()
    readings = []
    for row in rows:
        level = parse_level(row.level)
        if level is None or level is Level.UNKNOWN:
            continue
        table = parse_thresholds(row.thresholds)
        supported = level if table is None else evidence_level(table, row.value, row.low, row.high)
        readings.append(LampEvidence(level, supported, row.low, row.high, row.votes, names[row.metric_id]))
    if not readings:
        return None
    worst = max(r.level.severity for r in readings)
    deciding = [r for r in readings if r.level.severity == worst]
    return max(deciding, key=lambda r: (r.supported.severity, r.votes or 0, r.name))
