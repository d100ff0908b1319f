"""PAD_SILENCE: a pad that falls silent is an incident (issue 21; docs/loyalty-mon.md).

Per pad, while its point is open: when the pad's typical press rate for these hours of the week —
from its own history (`weeks` weeks) — says at least the pad's `expected_presses` (topology,
default 5) should have come since its last press, `Пульт <pad> молчит, мин` is the minutes since
that press; otherwise 0. Assessed higher-is-worse (default 10 / 20 / 40 / 60 minutes). Each value
carries `expected`, the presses the pad's history expects in that time, for messages ("usually 12
presses in that time"). The arithmetic is `probe.silence` (pure); here are the reads.

Cost per run: one index lookup per pad for its last press; a pad's typical rates are read from its
history once per day of its last press and kept in memory.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from probe.api import (
    EvaluationTest,
    Measurement,
    Param,
    TestContext,
    ThresholdTable,
    Window,
    expected_presses,
    history_weeks,
    pads,
    presses,
    silent_minutes,
    typical_rates,
)

PREFIX, SUFFIX = "Пульт ", " молчит, мин"
RatesCache = dict[tuple[str, dt.datetime], list[float]]


def silent_pad_name(pad_id: str) -> str:
    """`Пульт K-1 молчит, мин`: one metric per pad, the pad's id in its name."""
    return f"{PREFIX}{pad_id}{SUFFIX}"


def is_silent_pad(short_name: str) -> bool:
    return short_name.startswith(PREFIX) and short_name.endswith(SUFFIX)


class hour_start(FunctionElement[dt.datetime]):
    """The start of the UTC hour of a stored timestamp, on every dialect."""

    type = presses.c.pressed_at.type
    name = "hour_start"
    inherit_cache = True


@compiles(hour_start)
def _hour_start_default(element: hour_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('hour', {compiler.process(element.clauses, **kw)})"


@compiles(hour_start, "sqlite")
def _hour_start_sqlite(element: hour_start, compiler: SQLCompiler, **kw: Any) -> str:
    # The stored text form (six fractional digits), so that SQLAlchemy reads it back as a time.
    return f"strftime('%Y-%m-%d %H:00:00.000000', {compiler.process(element.clauses, **kw)})"


@compiles(hour_start, "mssql")
def _hour_start_mssql(element: hour_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"DATEADD(hour, DATEDIFF(hour, 0, {compiler.process(element.clauses, **kw)}), 0)"


def last_presses_query(end: dt.datetime) -> Any:
    """Every pad with the time of its last press before `end` (None: never pressed): one index
    lookup per pad (presses' unique key starts with pad_id), never a scan of the presses."""
    last = (
        select(func.max(presses.c.pressed_at))
        .where(presses.c.pad_id == pads.c.id, presses.c.pressed_at < end)
        .scalar_subquery()
    )
    return select(pads.c.id, last.label("last"))


def hour_counts_query(pad_id: str, since: dt.datetime, until: dt.datetime) -> Any:
    """The pad's presses per UTC hour in [since, until) (any kind: every press shows it works)."""
    hour = hour_start(presses.c.pressed_at)
    return (
        select(hour.label("hour"), func.count().label("presses"))
        .where(presses.c.pad_id == pad_id, presses.c.pressed_at >= since, presses.c.pressed_at < until)
        .group_by(hour)
    )


def pad_rates(
    conn: Connection, pad_id: str, last: dt.datetime, tz: Any, weeks: int, cache: RatesCache
) -> list[float]:
    """The pad's typical presses per hour of the week, from the `weeks` weeks before the local
    midnight that began the day of its last press (that day is not in it). Kept per pad and day:
    a pad's history is read once a day, not every run."""
    midnight = dt.datetime.combine(last.astimezone(tz).date(), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    key = (pad_id, midnight)
    found = cache.get(key)
    if found is not None:
        return found
    lookback = dt.timedelta(weeks=weeks)
    counts = [
        (row.hour, int(row.presses))
        for row in conn.execute(hour_counts_query(pad_id, midnight - lookback, midnight))
    ]
    span = history_weeks(min(hour for hour, _ in counts), midnight, lookback) if counts else 1.0
    rates = typical_rates(counts, tz, span)
    for old in [k for k in cache if k[0] == pad_id]:  # one day per pad is enough
        del cache[old]
    cache[key] = rates
    return rates


def silent_pad_measurements(ctx: TestContext, weeks: int, cache: RatesCache) -> list[Measurement]:
    """`Пульт <pad> молчит, мин` for every pad of a stored point."""
    topology, window = ctx.topology, ctx.window
    end = window.end
    instant = (end - dt.timedelta(microseconds=1)).astimezone(window.tz)
    out: list[Measurement] = []
    with ctx.connect() as conn:
        last_press = {row.id: row.last for row in conn.execute(last_presses_query(end))}
        for pad in sorted(topology.pads.values(), key=lambda p: p.id):
            point = topology.points.get(pad.point)
            if point is None or point.id is None:
                continue
            last = last_press.get(pad.id)
            minutes, expected = 0.0, None
            if last is not None and point.open_at(instant):
                rates = pad_rates(conn, pad.id, last, window.tz, weeks, cache)
                expected = expected_presses(rates, last, end, window.tz)
                minutes = silent_minutes(last, end, expected, pad.expected_presses)
            out.append(
                Measurement(
                    silent_pad_name(pad.id),
                    round(minutes, 1),
                    point=pad.point,
                    unit="мин",
                    expected=None if expected is None else round(expected, 1),
                )
            )
    return out


def _bounds(value: Any) -> ThresholdTable:
    if not isinstance(value, list) or len(value) != 4 or not all(isinstance(v, int | float) for v in value):
        raise ValueError(
            f"PAD_SILENCE parameter 'thresholds' must be four numbers t1 < t2 < t3 < t4, got {value!r}"
        )
    return ThresholdTable.higher_worse(*value)


class PadSilence(EvaluationTest):
    """PAD_SILENCE: minutes a pad has been silent when its own history expected presses."""

    name = "PAD_SILENCE"
    description = (
        "Молчание пультов: минуты без нажатий, когда по истории пульта их должно было быть несколько"
    )
    interval_minutes = 10
    parameters: ClassVar[dict[str, Param]] = {
        "thresholds": Param(
            [10.0, 20.0, 40.0, 60.0], "Пульт … молчит, мин: t1..t4 (minutes, higher is worse)"
        ),
        "weeks": Param(4, "weeks of a pad's own history that give its typical press rate"),
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._table = _bounds(self.params["thresholds"])
        if not 1 <= int(self.params["weeks"]) <= 52:
            raise ValueError("PAD_SILENCE parameter 'weeks' must be 1..52")
        self._rates: RatesCache = {}  # typical press rates per pad and day

    def thresholds(self, measurement: Measurement, window: Window) -> ThresholdTable | None:
        if is_silent_pad(measurement.short_name):
            return self._table
        return measurement.thresholds

    def run(self, ctx: TestContext) -> list[Measurement]:
        return silent_pad_measurements(ctx, int(self.params["weeks"]), self._rates)
