"""The measurements of LOYALTY_MON built one `Measurement` object at a time: the way the test built
them before issue 15 (now it builds one `MeasurementBatch` column-wise). Kept, with plain
constructors, as the reference the batch must equal exactly (value, low, high and votes as floats
and ints), and for the timing of `benchmarks/loyalty_mon_measurements.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from probe.api import COMPANY, Measurement, Period, Share
from probe.topology import Topology
from tests.loyalty_mon.support import LM, RefCounts

GroupKey = tuple[int, str, str]  # point id, methodology, question id ('' when none)
# short name, value, unit and, for a percentage, the counts it comes from
EvidenceRow = tuple[str, float | None, str, Share | None]


@dataclass
class Counts(RefCounts):
    """The counts of one group, in the field order of `LM.COUNT_FIELDS` (the reference's fields)."""

    @property
    def votes(self) -> int:
        return self.positive + self.negative + self.passive

    def add(self, other: Counts) -> None:
        self.positive += other.positive
        self.negative += other.negative
        self.passive += other.passive
        self.force_majeure += other.force_majeure
        self.prompts += other.prompts
        self.outside += other.outside
        self.silent += other.silent
        self.answered += other.answered


def counts_of(table: object) -> dict[GroupKey, Counts]:
    """A `CountTable` of the test module as one `Counts` per group."""
    keys, matrix = table.keys, table.counts  # type: ignore[attr-defined]
    return {key: Counts(*(int(n) for n in row)) for key, row in zip(keys, matrix.tolist(), strict=True)}


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100.0 / whole


def _share(short_name: str, part: int, whole: int) -> EvidenceRow:
    return (short_name, percent(part, whole), LM.PERCENT, Share(part, whole))


def _indicative(counts: Counts) -> list[EvidenceRow]:
    votes = counts.votes
    return [
        (LM.VOTES, votes, LM.COUNT, None),
        (LM.POSITIVE, counts.positive, LM.COUNT, None),
        _share(LM.POSITIVE_PCT, counts.positive, votes),
        (LM.NEGATIVE, counts.negative, LM.COUNT, None),
        _share(LM.NEGATIVE_PCT, counts.negative, votes),
        (LM.PASSIVE, counts.passive, LM.COUNT, None),
        _share(LM.PASSIVE_PCT, counts.passive, votes),
    ]


def _usokok_extra(counts: Counts) -> list[EvidenceRow]:
    return [
        (LM.PROMPTS, counts.prompts, LM.COUNT, None),
        (LM.SILENT, counts.silent, LM.COUNT, None),
        _share(LM.SILENT_PCT, counts.silent, counts.silent + counts.answered),
        (LM.OUTSIDE, counts.outside, LM.COUNT, None),
    ]


def _measurement(
    methodology: str, point: str, question: str | None, period: Period, row: EvidenceRow
) -> Measurement:
    short, value, unit, share = row
    low = high = None
    votes = None
    if share is not None:
        bounds = share.bounds
        low, high = bounds if bounds is not None else (None, None)
        votes = share.whole
    return Measurement(
        short,
        None if value is None else float(value),
        point=point,
        period=period,
        question=question,
        methodology=methodology,
        unit=unit,
        low=low,
        high=high,
        votes=votes,
    )


_NONE = Counts()


def point_measurements(
    methodology: str,
    point: str,
    questions: Iterable[str],
    per_period: Mapping[Period, Mapping[str, Counts]],
) -> list[Measurement]:
    """The metrics of one point (or the company) under one methodology, in SPEC order (each metric
    for the interval, then for the day)."""
    interval, day = per_period["interval"], per_period["day"]
    out: list[Measurement] = []

    def emit(interval_rows: list[EvidenceRow], day_rows: list[EvidenceRow], question: str | None) -> None:
        for interval_row, day_row in zip(interval_rows, day_rows, strict=True):
            out.append(_measurement(methodology, point, question, "interval", interval_row))
            out.append(_measurement(methodology, point, question, "day", day_row))

    i_plain, d_plain = interval.get("", _NONE), day.get("", _NONE)
    if methodology == LM.SURVEYS:
        for question in questions:
            emit(_indicative(interval.get(question, _NONE)), _indicative(day.get(question, _NONE)), question)
        emit(
            [
                (LM.FORCE_MAJEURE, i_plain.force_majeure, LM.COUNT, None),
                (LM.PROMPTS, i_plain.prompts, LM.COUNT, None),
            ],
            [
                (LM.FORCE_MAJEURE, d_plain.force_majeure, LM.COUNT, None),
                (LM.PROMPTS, d_plain.prompts, LM.COUNT, None),
            ],
            None,
        )
        return out
    emit(
        [*_indicative(i_plain), (LM.FORCE_MAJEURE, i_plain.force_majeure, LM.COUNT, None)],
        [*_indicative(d_plain), (LM.FORCE_MAJEURE, d_plain.force_majeure, LM.COUNT, None)],
        None,
    )
    if methodology == LM.USOKOK:
        emit(_usokok_extra(i_plain), _usokok_extra(d_plain), None)
    return out


def build_measurements(
    topology: Topology, interval: Mapping[GroupKey, Counts], day: Mapping[GroupKey, Counts]
) -> list[Measurement]:
    """Measurements for every point with pads (per methodology of its pads) and the company."""
    question_ids = sorted(topology.questions)
    point_ids = {p.name: p.id for p in topology.points.values() if p.id is not None}
    groups = sorted(
        {(pad.methodology, pad.point) for pad in topology.pads.values() if pad.point in point_ids}
    )
    out: list[Measurement] = []
    company: dict[str, dict[Period, dict[str, Counts]]] = {}
    for methodology, point in groups:
        point_id = point_ids[point]
        per_period: dict[Period, dict[str, Counts]] = {"interval": {}, "day": {}}
        for period, source in (("interval", interval), ("day", day)):
            for question in ("", *question_ids) if methodology == LM.SURVEYS else ("",):
                found = source.get((point_id, methodology, question))
                if found is not None:
                    per_period[period][question] = found  # type: ignore[index]
                    totals = company.setdefault(methodology, {"interval": {}, "day": {}})
                    totals[period].setdefault(question, Counts()).add(found)  # type: ignore[index]
        out += point_measurements(methodology, point, question_ids, per_period)
    for methodology in sorted({m for m, _ in groups}):
        totals = company.get(methodology, {"interval": {}, "day": {}})
        out += point_measurements(methodology, COMPANY, question_ids, totals)
    return out
