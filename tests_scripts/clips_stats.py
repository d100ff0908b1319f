"""CLIPS: the audio-fragment cutter's own metrics (issue 9), from the aggregator's `clips` table.

Per point that has ever had a fragment due, and for the whole company, per interval and per
current day:

* `Вырезанные фрагменты`: fragments cut in the period (by the time they were cut);
* `Нажатия без записи`: presses that came due in the period (first looked at) and still have no
  fragment, because their recording is missing or too short (waiting or given up).

Not assessed by default; `[tests.CLIPS.thresholds]` can assess them per point. One GROUP BY with
conditional counts per metric family, in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from probe.api import COMPANY, EvaluationTest, Measurement, Period, TestContext, clips

CUT = "Вырезанные фрагменты"
WITHOUT_RECORDING = "Нажатия без записи"
NOT_CUT = ("waiting", "missing")


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0), type_=Integer)


def _between(column: ColumnElement[dt.datetime], start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


class ClipsStats(EvaluationTest):
    name = "CLIPS"
    description = "Аудиофрагменты: вырезано фрагментов и нажатий без записи по точкам"
    interval_minutes = 10

    def run(self, ctx: TestContext) -> list[Measurement]:
        w = ctx.window
        bounds: dict[Period, tuple[dt.datetime, dt.datetime]] = {
            "interval": (w.start, w.end),
            "day": (w.day_start, w.end),
        }
        columns = []
        for period, (start, end) in bounds.items():
            cut = and_(clips.c.status == "cut", _between(clips.c.cut_at, start, end))
            missing = and_(clips.c.status.in_(NOT_CUT), _between(clips.c.created_at, start, end))
            columns += [_count_if(cut).label(f"cut_{period}"), _count_if(missing).label(f"missing_{period}")]
        query = (
            select(clips.c.point_id, *columns).where(clips.c.created_at < w.end).group_by(clips.c.point_id)
        )
        with ctx.connect() as conn:
            rows = conn.execute(query).all()
        names = {point_id: point.name for point_id, point in ctx.topology.point_by_id().items()}
        totals: dict[str, int] = {}
        out: list[Measurement] = []
        for row in sorted(rows, key=lambda r: names.get(r.point_id, "")):
            if row.point_id not in names:
                ctx.log.warning("clips of unknown point id %s are ignored", row.point_id)
                continue
            values = row._mapping
            for key in ("cut_interval", "missing_interval", "cut_day", "missing_day"):
                totals[key] = totals.get(key, 0) + int(values[key] or 0)
            out += self._four(names[row.point_id], values)
        if out:
            out += self._four(COMPANY, totals)
        return out

    @staticmethod
    def _four(point: str, values: Mapping[Any, Any]) -> list[Measurement]:
        return [
            Measurement(short, float(values[f"{key}_{period}"] or 0), point=point, period=period, unit="шт")
            for short, key in ((CUT, "cut"), (WITHOUT_RECORDING, "missing"))
            for period in ("interval", "day")
        ]
