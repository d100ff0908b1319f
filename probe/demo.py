"""A simulated retail chain for `prolan-probe demo`: topology and days of presses.

Deterministic for a given seed and end time. Shops open 08:00-22:00 (pharmacies 09:00-21:00),
petrol stations round the clock; lunch and evening rush hours; rare force-majeure events; and one
24-hour point, `АЗС Тёплый Стан`, whose service degrades over the last hours before the end time so
that its assessments are bad "now" whenever the demo is run.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete

from probe.presses import Press, store_presses
from probe.store.schema import presses as presses_table
from probe.store.schema import queue_samples
from probe.topology import Pad, Point, Question, Topology, import_topology, load_topology

DEGRADING_POINT = "АЗС Тёплый Стан"
DEGRADATION_HOURS = 6.0

_QUESTIONS = [
    Question("Q1", "Как Вам у нас понравилось?"),
    Question("Q2", "Довольны ли Вы скоростью обслуживания?"),
    Question("Q3", "Порекомендуете ли Вы нас друзьям?"),
]

# name, region, methodology, opening hours ("" = 24 h), customers per minute at ordinary times
_POINTS: list[tuple[str, str, str, str, float]] = [
    ("Калужская", "Москва/ЮЗАО", "УСОКОК", "08:00-22:00", 0.45),
    ("Профсоюзная", "Москва/ЮЗАО", "СОКОК", "09:00-21:00", 0.30),
    (DEGRADING_POINT, "Москва/ЮЗАО", "УСОКОК", "", 0.35),
    ("Войковская", "Москва/САО", "СОКОК", "08:00-22:00", 0.40),
    ("Речной вокзал", "Москва/САО", "Опросы", "08:00-22:00", 0.35),
    ("АЗС Ленинградское шоссе", "Москва/САО", "СОКОК", "", 0.25),
    ("Невский", "Санкт-Петербург/Центральный", "УСОКОК", "08:00-22:00", 0.50),
    ("Литейный", "Санкт-Петербург/Центральный", "Опросы", "09:00-21:00", 0.25),
    ("Садовая", "Санкт-Петербург/Центральный", "СОКОК", "08:00-22:00", 0.35),
    ("Баумана", "Казань/Вахитовский", "УСОКОК", "08:00-22:00", 0.35),
    ("Кремлёвская", "Казань/Вахитовский", "Опросы", "09:00-21:00", 0.20),
    ("АЗС Горки", "Казань/Приволжский", "СОКОК", "", 0.20),
]

_BUTTONS = {
    "СОКОК": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure"},
    "УСОКОК": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "seller"},
    "Опросы": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "red"},
}


def demo_topology() -> Topology:
    points = {name: Point(name, region, hours) for name, region, _m, hours, _r in _POINTS}
    pads: dict[str, Pad] = {}
    for index, (name, _region, methodology, _hours, _rate) in enumerate(_POINTS, start=1):
        pad_id = f"P-{100 + index}"
        pads[pad_id] = Pad(pad_id, name, methodology, 30.0, dict(_BUTTONS[methodology]))
    return Topology(points, {q.id: q for q in _QUESTIONS}, pads)


@dataclass(frozen=True)
class DemoSummary:
    points: int
    pads: int
    presses: int
    queue_samples: int
    start: dt.datetime
    end: dt.datetime


def _open(hours: str, local: dt.datetime) -> bool:
    if not hours:
        return True
    start, end = hours.split("-")
    minutes = local.hour * 60 + local.minute
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return h1 * 60 + m1 <= minutes < h2 * 60 + m2


def _rush_factor(local: dt.datetime, round_the_clock: bool) -> float:
    hour = local.hour + local.minute / 60
    factor = 1.0
    factor += 1.6 * math.exp(-(((hour - 13.0) / 1.0) ** 2))  # lunch
    factor += 2.0 * math.exp(-(((hour - 18.75) / 1.2) ** 2))  # evening
    if round_the_clock and (hour < 6 or hour >= 23):
        factor *= 0.25  # a petrol station at night
    if local.weekday() >= 5:
        factor *= 1.2
    return factor


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small rates of one minute at one pad.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def simulate(
    topology: Topology, start: dt.datetime, end: dt.datetime, tz: ZoneInfo, seed: int = 1
) -> Iterator[Press]:
    """Presses from `start` to `end` (aware datetimes), minute by minute, deterministic per seed."""
    rng = random.Random(seed)
    rates = {name: rate for name, _r, _m, _h, rate in _POINTS}
    point_ids = {p.name: p.id for p in topology.points.values()}
    degrade_from = end - dt.timedelta(hours=DEGRADATION_HOURS)
    minute = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    stop = end.astimezone(dt.UTC)
    pads = sorted(topology.pads.values(), key=lambda p: p.id)
    questions = sorted(topology.questions)
    while minute < stop:
        local = minute.astimezone(tz)
        for pad in pads:
            point = topology.points[pad.point]
            if not _open(point.opening_hours, local):
                continue
            point_id = point_ids[pad.point]
            assert point_id is not None
            base = rates.get(pad.point, 0.3) * _rush_factor(local, not point.opening_hours)
            degradation = 0.0
            if pad.point == DEGRADING_POINT and minute >= degrade_from:
                degradation = min(1.0, (minute - degrade_from) / dt.timedelta(hours=DEGRADATION_HOURS / 2))
                # Customers keep coming (and queueing) while service degrades, day or night, so
                # the current interval is assessed on enough answers to be plainly bad.
                base = max(base, 1.5 * degradation)
            p_negative = 0.08 + 0.87 * degradation
            p_passive = 0.17
            for _ in range(_poisson(rng, base)):
                at = minute + dt.timedelta(milliseconds=rng.randrange(60_000))
                yield from _customer(rng, pad, point_id, at, p_negative, p_passive, degradation, questions)
            if rng.random() < (0.0015 + 0.01 * degradation):
                at = minute + dt.timedelta(milliseconds=rng.randrange(60_000))
                yield _press(pad, point_id, "force_majeure", at, None)
        minute += dt.timedelta(minutes=1)


def _press(pad: Pad, point_id: int, kind: str, at: dt.datetime, question: str | None) -> Press:
    number = pad.number_of(kind)
    assert number is not None
    return Press(pad.id, point_id, number, kind, at.astimezone(dt.UTC), question, "demo")


def _customer(
    rng: random.Random,
    pad: Pad,
    point_id: int,
    at: dt.datetime,
    p_negative: float,
    p_passive: float,
    degradation: float,
    questions: list[str],
) -> Iterator[Press]:
    def verdict() -> str:
        r = rng.random()
        if r < p_negative:
            return "negative"
        if r < p_negative + p_passive:
            return "passive"
        return "positive"

    if pad.methodology == "УСОКОК":
        yield _press(pad, point_id, "seller", at, None)
        r = rng.random()
        if r < 0.78 - 0.6 * degradation:
            yield _press(pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(2, 25)), None)
        elif r < 0.84:
            # an answer after the window has closed: counted as "outside the window"
            yield _press(pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(33, 55)), None)
        # otherwise a silent customer
    elif pad.methodology == "Опросы":
        for question in rng.sample(questions, k=rng.choice((1, 1, 2))):
            yield _press(pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(0, 20)), question)
        if rng.random() < 0.05 + 0.2 * degradation:
            yield _press(pad, point_id, "red", at + dt.timedelta(seconds=rng.uniform(20, 40)), None)
    else:
        yield _press(pad, point_id, verdict(), at, None)


def _queue_samples(
    topology: Topology, start: dt.datetime, end: dt.datetime, tz: ZoneInfo, seed: int
) -> list[dict[str, object]]:
    rng = random.Random(seed + 7)
    rows: list[dict[str, object]] = []
    degrade_from = end - dt.timedelta(hours=DEGRADATION_HOURS)
    at = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    at -= dt.timedelta(minutes=at.minute % 5)
    while at < end:
        local = at.astimezone(tz)
        for point in sorted(topology.points.values(), key=lambda p: p.name):
            if not _open(point.opening_hours, local):
                continue
            mean = 1.5 * _rush_factor(local, not point.opening_hours)
            if point.name == DEGRADING_POINT and at >= degrade_from:
                # the queue grows with the degradation, up to four times its usual length
                mean *= 1 + 3 * min(1.0, (at - degrade_from) / dt.timedelta(hours=DEGRADATION_HOURS / 2))
            rows.append(
                {
                    "point_id": point.id,
                    "sampled_at": at,
                    "length": float(_poisson(rng, mean)),
                }
            )
        at += dt.timedelta(minutes=5)
    return rows


def install_demo(
    engine: Engine, tz: ZoneInfo, *, days: float = 3.0, seed: int = 1, end: dt.datetime | None = None
) -> DemoSummary:
    """Store the demo topology and replace the demo presses of the simulated span."""
    end = end or dt.datetime.now(dt.UTC)
    end = end.astimezone(dt.UTC).replace(second=0, microsecond=0)
    local_end = end.astimezone(tz)
    start = (local_end - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = start.astimezone(dt.UTC)
    import_topology(engine, demo_topology())
    topology = load_topology(engine)
    with engine.begin() as conn:
        conn.execute(
            delete(presses_table).where(
                presses_table.c.source == "demo",
                presses_table.c.pressed_at >= start,
                presses_table.c.pressed_at < end,
            )
        )
        conn.execute(
            delete(queue_samples).where(queue_samples.c.sampled_at >= start, queue_samples.c.sampled_at < end)
        )
    count = 0
    batch: list[Press] = []
    for press in simulate(topology, start, end, tz, seed):
        if press.pressed_at >= end:
            continue  # an answer that would fall after "now"
        batch.append(press)
        if len(batch) >= 20_000:
            with engine.begin() as conn:
                count += store_presses(conn, batch)
            batch = []
    with engine.begin() as conn:
        count += store_presses(conn, batch)
        samples = _queue_samples(topology, start, end, tz, seed)
        if samples:
            conn.execute(queue_samples.insert(), samples)
    return DemoSummary(len(topology.points), len(topology.pads), count, len(samples), start, end)
