"""QUEUE_LEN: queue length at each service point, a loyalty driver (an example for power users).

Queue sensors (or people counters, or the cash-register system) report samples "point P had L
people waiting at time T"; they reach the aggregator's `queue_samples` table through
`prolan-probe queue import FILE.csv` (header `point,sampled_at,length`). Per interval this test
gives, for every point that reported today and for the whole company:

* `Средняя длина очереди. Интервал X мин`: the mean of the interval's samples;
* `Максимальная длина очереди. Интервал X мин`: the largest sample.

A point with no sample in the interval (closed, sensor silent) gets no value (assessment unknown).
Both metrics are assessed "higher is worse"; the default tables are parameters, so
`[tests.QUEUE_LEN.parameters] mean_thresholds = [1, 2, 3, 5]` changes them for every point, and
`[tests.QUEUE_LEN.thresholds]` overrides them per point. The aggregation is one GROUP BY in SQL.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import and_, func, select

from probe.api import (
    COMPANY,
    EvaluationTest,
    Measurement,
    Param,
    TestContext,
    ThresholdTable,
    queue_samples,
)

MEAN = "Средняя длина очереди"
MAXIMUM = "Максимальная длина очереди"


class QueueLength(EvaluationTest):
    name = "QUEUE_LEN"
    description = "Длина очереди по точкам обслуживания: средняя и максимальная за интервал"
    interval_minutes = 10
    parameters: ClassVar[dict[str, Param]] = {
        "mean_thresholds": Param(
            [2.0, 4.0, 6.0, 8.0], "t1..t4 of the mean queue length (people), higher is worse", list
        ),
        "max_thresholds": Param(
            [4.0, 6.0, 8.0, 10.0], "t1..t4 of the longest queue (people), higher is worse", list
        ),
    }

    def run(self, ctx: TestContext) -> list[Measurement]:
        window = ctx.window
        in_interval = and_(
            queue_samples.c.sampled_at >= window.start, queue_samples.c.sampled_at < window.end
        )
        per_point = (
            select(
                queue_samples.c.point_id,
                func.avg(queue_samples.c.length).label("mean"),
                func.max(queue_samples.c.length).label("longest"),
            )
            .where(in_interval)
            .group_by(queue_samples.c.point_id)
        )
        company = select(func.avg(queue_samples.c.length), func.max(queue_samples.c.length)).where(
            in_interval
        )
        # Points that reported today keep their rows (with no value) while they are silent.
        reporting_today = (
            select(queue_samples.c.point_id)
            .where(
                queue_samples.c.sampled_at >= window.day_start,
                queue_samples.c.sampled_at < window.end,
            )
            .distinct()
        )
        with ctx.connect() as conn:
            stats = {row.point_id: (row.mean, row.longest) for row in conn.execute(per_point)}
            today = {row.point_id for row in conn.execute(reporting_today)}
            company_mean, company_max = conn.execute(company).one()
        names = {point_id: point.name for point_id, point in ctx.topology.point_by_id().items()}
        out: list[Measurement] = []
        for point_id in sorted(today | set(stats), key=lambda pid: names.get(pid, str(pid))):
            if point_id not in names:
                ctx.log.warning("queue samples of unknown point id %s are ignored", point_id)
                continue
            mean, longest = stats.get(point_id, (None, None))
            out += self._pair(names[point_id], mean, longest)
        if out:
            out += self._pair(COMPANY, company_mean, company_max)
        return out

    def _pair(self, point: str, mean: float | None, longest: float | None) -> list[Measurement]:
        return [
            Measurement(
                MEAN,
                None if mean is None else round(float(mean), 2),
                point=point,
                period="interval",
                unit="чел.",
                thresholds=ThresholdTable.higher_worse(*self.params["mean_thresholds"]),
            ),
            Measurement(
                MAXIMUM,
                None if longest is None else float(longest),
                point=point,
                period="interval",
                unit="чел.",
                thresholds=ThresholdTable.higher_worse(*self.params["max_thresholds"]),
            ),
        ]
