"""INGEST: the press ingest service's own metrics (issue 6), from `ingest_counts` and `presses`.

Per source (`tcp:ADDRESS` of a concentrator, `serial:PORT`), per interval and per current day:

* `Принято нажатий`: presses answered `OK` (stored, or spooled while the database was down);
* `Отвергнуто строк`: lines answered `ERR` (unknown pad, bad time, too long, …);
* `Через буфер`: accepted presses that went through the local spool (the database was down or slow).

Per pad of the topology: `Секунд с последнего нажатия` at the end of the interval (a silent pad is
a broken pad), no value for a pad that was never pressed. Assessed (higher is worse) only when
the parameter `silent_pad_bounds` gives four boundaries in seconds, e.g. [1800, 3600, 7200, 14400].
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Integer, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from probe.api import (
    EvaluationTest,
    Measurement,
    Param,
    Period,
    TestContext,
    ThresholdTable,
    ingest_counts,
    presses,
)

COUNTS = (("received", "Принято нажатий"), ("refused", "Отвергнуто строк"), ("spooled", "Через буфер"))
SILENCE = "Секунд с последнего нажатия"
PERIODS: tuple[Period, ...] = ("interval", "day")


def _sum_if(condition: ColumnElement[bool], column: ColumnElement[Any]) -> ColumnElement[int]:
    return func.sum(case((condition, column), else_=0), type_=Integer)


class IngestStats(EvaluationTest):
    name = "INGEST"
    description = "Приём нажатий: принято, отвергнуто, через буфер по источникам; молчание пультов"
    interval_minutes = 10
    parameters: ClassVar[dict[str, Param]] = {
        "silent_pad_bounds": Param(
            [], "four boundaries t1<t2<t3<t4 in seconds to assess pad silence; empty = not assessed", list
        )
    }

    def run(self, ctx: TestContext) -> list[Measurement]:
        w = ctx.window
        start, day_start, end = w.start, w.day_start, w.end
        columns = []
        for field, _ in COUNTS:
            column = ingest_counts.c[field]
            columns += [
                _sum_if(ingest_counts.c.minute >= start, column).label(f"{field}_interval"),
                _sum_if(ingest_counts.c.minute >= day_start, column).label(f"{field}_day"),
            ]
        query = (
            select(ingest_counts.c.source, *columns)
            .where(ingest_counts.c.minute < end)
            .group_by(ingest_counts.c.source)
            .order_by(ingest_counts.c.source)
        )
        out: list[Measurement] = []
        with ctx.connect() as conn:
            for row in conn.execute(query):
                values = row._mapping
                for field, short in COUNTS:
                    for period in PERIODS:
                        out.append(
                            Measurement(
                                f"Источник {row.source}. {short}",
                                float(values[f"{field}_{period}"] or 0),
                                period=period,
                                unit="шт",
                            )
                        )
            silence = self._silence_table()
            # The last press of each pad before the end: one index lookup per pad on the unique
            # key (pad_id, pressed_at, button), fast whatever the size of the table.
            for pad in sorted(ctx.topology.pads.values(), key=lambda p: p.id):
                last = conn.execute(
                    select(func.max(presses.c.pressed_at)).where(
                        presses.c.pad_id == pad.id, presses.c.pressed_at < end
                    )
                ).scalar()
                seconds = None if last is None else (end - last).total_seconds()
                out.append(
                    Measurement(
                        f"Пульт {pad.id}. {SILENCE}", seconds, point=pad.point, unit="с", thresholds=silence
                    )
                )
        return out

    def _silence_table(self) -> ThresholdTable | None:
        bounds = self.params["silent_pad_bounds"]
        if not bounds:
            return None
        return ThresholdTable.higher_worse(*bounds)
