"""Which threshold table assesses a metric (SPEC §4), strongest first:

1. a row of `threshold_overrides` (written by `prolan-probe baseline --apply`) for this test whose
   `metric_pattern` is the metric's full name or an fnmatch glob matching it, at this point (or at
   any point when its `point_id` is NULL). With `[tests.NAME] hour_of_week_thresholds = true`, a row
   for the local hour of the week of the interval's last instant wins over an all-week row; then a
   row for the point wins over a row for any point; then an exact name over a glob; then the newest;
2. `[tests.NAME] thresholds` in the config: `{point = {metric = [t1, t2, t3, t4]}}` (see
   `config_table`);
3. the test's own default (`EvaluationTest.thresholds`), which for the engine's two metrics is
   `Тест работает` = 1 and `Доступность базы данных (%)` = 100.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from probe.assess import ThresholdError, ThresholdTable
from probe.metric_names import canonical_name, matches
from probe.store.schema import threshold_overrides

log = logging.getLogger(__name__)

ANY_POINT = "*"


@dataclass(frozen=True)
class OverrideRow:
    point_id: int | None
    pattern: str
    hour_of_week: int | None
    table: ThresholdTable
    created_at: dt.datetime


def load_override_rows(conn: Connection, test: str) -> list[OverrideRow]:
    rows = conn.execute(select(threshold_overrides).where(threshold_overrides.c.test == test)).all()
    result = []
    for row in rows:
        try:
            if row.direction == "equal":
                table = ThresholdTable.equal_to(row.t1)
            else:
                table = ThresholdTable(row.direction, (row.t1, row.t2, row.t3, row.t4))
        except ThresholdError as exc:
            # A broken row must not stop the assessment of everything else.
            log.error("threshold_overrides row %s of %s ignored: %s", row.id, test, exc)
            continue
        # A row stored under an older spelling of a metric name still applies.
        pattern = canonical_name(row.metric_pattern)
        result.append(OverrideRow(row.point_id, pattern, row.hour_of_week, table, row.created_at))
    return result


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


class OverrideIndex:
    """Override rows looked up by exact metric name (a dict), globs tried one by one: a baseline
    applied to thousands of points gives thousands of exact rows, and every run looks up every
    metric, so a linear scan per metric would grow with points × metrics × rows."""

    def __init__(self, rows: Sequence[OverrideRow] = ()) -> None:
        # What the index was built from: equal fingerprints pick equal tables (plans are kept on it).
        self.fingerprint = tuple(rows)
        self.exact: dict[str, list[OverrideRow]] = {}
        self.globs: list[OverrideRow] = []
        for row in rows:
            if _is_glob(row.pattern):
                self.globs.append(row)
            else:
                self.exact.setdefault(row.pattern, []).append(row)

    def pick(self, name: str, point_id: int | None, hour_of_week: int | None) -> ThresholdTable | None:
        """The strongest row for a metric (see the module docstring), or None."""
        candidates = self.exact.get(name, [])
        if self.globs:
            candidates = candidates + [row for row in self.globs if matches(name, row.pattern)]
        best: tuple[tuple[bool, bool, bool, dt.datetime], ThresholdTable] | None = None
        for row in candidates:
            if row.point_id is not None and row.point_id != point_id:
                continue
            if row.hour_of_week is not None and row.hour_of_week != hour_of_week:
                continue
            rank = (
                row.hour_of_week is not None,
                row.point_id is not None,
                row.pattern == name,
                row.created_at,
            )
            if best is None or rank > best[0]:
                best = (rank, row.table)
        return None if best is None else best[1]


def table_from_list(values: Sequence[float], where: str) -> ThresholdTable:
    """One number: "good only when equal"; four rising numbers: higher is worse; four falling
    numbers: higher is better."""
    if len(values) == 1:
        return ThresholdTable.equal_to(values[0])
    if len(values) != 4:
        raise ThresholdError(
            f"{where}: give four boundaries [t1, t2, t3, t4] or one value, got {list(values)}"
        )
    direction = "higher_better" if values[0] > values[-1] else "higher_worse"
    try:
        return ThresholdTable(direction, tuple(float(v) for v in values))  # type: ignore[arg-type]
    except ThresholdError as exc:
        raise ThresholdError(f"{where}: {exc}") from None


def config_table(
    settings: Mapping[str, Mapping[str, Sequence[float]]],
    test: str,
    point: str | None,
    full_name: str,
    names: Sequence[str],
) -> ThresholdTable | None:
    """The table `[tests.TEST] thresholds` gives a metric. Points are keyed by point name,
    `Итого по компании` for the company rows, or `*` for every point; the metric by its full name,
    or by its name after the point (`[question. ]short name. period`), or its short name (every
    period), any of them possibly an fnmatch glob. The point's own entry wins over `*`."""
    for point_key in ([point] if point else []) + [ANY_POINT]:
        raw = settings.get(point_key)
        if not raw:
            continue
        # today's spelling -> (the key as written in the config, its values)
        entry = {canonical_name(key): (key, values) for key, values in raw.items()}
        for candidate in (full_name, *names):
            if candidate in entry:
                written, values = entry[candidate]
                return table_from_list(values, f"[tests.{test}] thresholds.{point_key}.{written}")
        for pattern, (written, values) in entry.items():
            if any(matches(candidate, pattern) for candidate in (full_name, *names)):
                return table_from_list(values, f"[tests.{test}] thresholds.{point_key}.{written}")
    return None


def check_config_thresholds(test: str, settings: Mapping[str, Mapping[str, Sequence[float]]]) -> None:
    """Raise ThresholdError naming the first unusable table of `[tests.TEST] thresholds`."""
    for point_key, entry in settings.items():
        for metric, values in entry.items():
            table_from_list(values, f"[tests.{test}] thresholds.{point_key}.{metric}")
