"""The simulated retail chain of the demo: its topology and how its customers press buttons.

Shops open 08:00-22:00 (pharmacies 09:00-21:00), petrol stations round the clock; lunch and
evening rush hours; rare force-majeure events. How bad a point's service is at a moment is a
*degradation* between 0 (as usual) and 1 (plainly bad): more negative answers, more silent
customers under УСОКОК, longer queues, more force-majeure presses. The history of
`prolan-probe demo` degrades `АЗС Тёплый Стан` over its last hours; the live simulator
(`probe.demo.simulator`) repeats troubles every hour (`live_degradation`).

Pure: every function is deterministic for its random generator; nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from probe.presses import Press
from probe.topology import Pad, Point, Question, Topology

DEGRADING_POINT = "АЗС Тёплый Стан"
DEGRADATION_HOURS = 6.0

# (point name, utc minute) -> 0..1
Degradation = Callable[[str, dt.datetime], float]

QUESTIONS = [
    Question("Q1", "Как Вам у нас понравилось?"),
    Question("Q2", "Довольны ли Вы скоростью обслуживания?"),
    Question("Q3", "Порекомендуете ли Вы нас друзьям?"),
]

# name, region, methodology, opening hours ("" = 24 h), customers per minute at ordinary times
POINTS: list[tuple[str, str, str, str, float]] = [
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

BUTTONS = {
    "СОКОК": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure"},
    "УСОКОК": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "seller"},
    "Опросы": {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure", 5: "red"},
}

# The live demo's recurring troubles, in minutes of every local hour: worsening from the first,
# plainly bad from the second, recovering from the third, as usual again from the fourth. Three
# points in turn, two 10-minute intervals each, so that in the opening hours some interval
# assessment is bad whenever one looks (at night only the 24-hour station has troubles).
LIVE_TROUBLES: dict[str, tuple[int, int, int, int]] = {
    DEGRADING_POINT: (55, 0, 20, 25),
    "Невский": (15, 20, 40, 45),
    "Войковская": (35, 40, 0, 5),
}

QUEUE_SAMPLE_MINUTES = 5


def demo_topology() -> Topology:
    points = {name: Point(name, region, hours) for name, region, _m, hours, _r in POINTS}
    pads: dict[str, Pad] = {}
    for index, (name, _region, methodology, _hours, _rate) in enumerate(POINTS, start=1):
        pad_id = f"P-{100 + index}"
        pads[pad_id] = Pad(pad_id, name, methodology, 30.0, dict(BUTTONS[methodology]))
    return Topology(points, {q.id: q for q in QUESTIONS}, pads)


def is_open(hours: str, local: dt.datetime) -> bool:
    if not hours:
        return True
    start, end = hours.split("-")
    minutes = local.hour * 60 + local.minute
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return h1 * 60 + m1 <= minutes < h2 * 60 + m2


def rush_factor(local: dt.datetime, round_the_clock: bool) -> float:
    hour = local.hour + local.minute / 60
    factor = 1.0
    factor += 1.6 * math.exp(-(((hour - 13.0) / 1.0) ** 2))  # lunch
    factor += 2.0 * math.exp(-(((hour - 18.75) / 1.2) ** 2))  # evening
    if round_the_clock and (hour < 6 or hour >= 23):
        factor *= 0.25  # a petrol station at night
    if local.weekday() >= 5:
        factor *= 1.2
    return factor


def poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small rates of one minute at one pad.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def history_degradation(end: dt.datetime) -> Degradation:
    """The history's trouble: the degrading point worsens over the last DEGRADATION_HOURS before
    `end` (fully bad for the second half of them), so it is bad "now" when the history ends."""
    degrade_from = end.astimezone(dt.UTC) - dt.timedelta(hours=DEGRADATION_HOURS)
    ramp = dt.timedelta(hours=DEGRADATION_HOURS / 2)

    def degradation(point: str, minute: dt.datetime) -> float:
        if point != DEGRADING_POINT or minute < degrade_from:
            return 0.0
        return min(1.0, (minute - degrade_from) / ramp)

    return degradation


def _cycle(minute_of_hour: float, phases: tuple[int, int, int, int]) -> float:
    worse, bad, recover, usual = phases
    position = (minute_of_hour - worse) % 60
    rising = (bad - worse) % 60
    plateau = (recover - bad) % 60
    falling = (usual - recover) % 60
    if position < rising:
        return position / rising
    if position < rising + plateau:
        return 1.0
    if position < rising + plateau + falling:
        return 1.0 - (position - rising - plateau) / falling
    return 0.0


def live_degradation(tz: ZoneInfo) -> Degradation:
    """The live demo's troubles (LIVE_TROUBLES), the same every local hour."""

    def degradation(point: str, minute: dt.datetime) -> float:
        phases = LIVE_TROUBLES.get(point)
        if phases is None:
            return 0.0
        local = minute.astimezone(tz)
        return _cycle(local.minute + local.second / 60, phases)

    return degradation


class Chain:
    """The customers of every pad of the demo topology, minute by minute."""

    def __init__(self, topology: Topology, tz: ZoneInfo, degradation: Degradation) -> None:
        self.topology = topology
        self.tz = tz
        self.degradation = degradation
        self.rates = {name: rate for name, _r, _m, _h, rate in POINTS}
        self.pads = sorted(topology.pads.values(), key=lambda p: p.id)
        self.questions = sorted(topology.questions)
        # Presses carry the stored point id; a topology not read from a database has none (0).
        self.point_ids = {p.name: p.id or 0 for p in topology.points.values()}

    def minute(self, rng: random.Random, minute: dt.datetime) -> Iterator[Press]:
        """The presses of customers arriving in the minute starting at `minute` (aware, UTC).
        Answers may follow their seller press by up to a minute, so some fall in the next one."""
        local = minute.astimezone(self.tz)
        for pad in self.pads:
            point = self.topology.points[pad.point]
            if not is_open(point.opening_hours, local):
                continue
            point_id = self.point_ids[pad.point]
            base = self.rates.get(pad.point, 0.3) * rush_factor(local, not point.opening_hours)
            degradation = self.degradation(pad.point, minute)
            if degradation > 0:
                # Customers keep coming (and queueing) while service degrades, day or night, so
                # an interval is assessed on enough answers to be plainly bad.
                base = max(base, 2.0 * degradation)
            p_negative = 0.08 + 0.9 * degradation
            for _ in range(poisson(rng, base)):
                at = minute + dt.timedelta(milliseconds=rng.randrange(60_000))
                yield from self._customer(rng, pad, point_id, at, p_negative, degradation)
            if rng.random() < (0.0015 + 0.01 * degradation):
                # a force-majeure event: the staff report it (sometimes twice)
                at = minute + dt.timedelta(milliseconds=rng.randrange(60_000))
                yield _press(pad, point_id, "force_majeure", at, None)
                if rng.random() < 0.3:
                    yield _press(pad, point_id, "force_majeure", at + dt.timedelta(seconds=20), None)

    def _customer(
        self,
        rng: random.Random,
        pad: Pad,
        point_id: int,
        at: dt.datetime,
        p_negative: float,
        degradation: float,
    ) -> Iterator[Press]:
        p_passive = 0.17 * (1 - degradation)

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
            answering = 0.78 - 0.4 * degradation  # unhappy customers walk away without a word
            if r < answering:
                yield _press(pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(2, 25)), None)
            elif r < answering + 0.06:
                # an answer after the window has closed: counted as "outside the window"
                yield _press(pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(33, 55)), None)
            # otherwise a silent customer
        elif pad.methodology == "Опросы":
            for question in rng.sample(self.questions, k=rng.choice((1, 1, 2))):
                yield _press(
                    pad, point_id, verdict(), at + dt.timedelta(seconds=rng.uniform(0, 20)), question
                )
            if rng.random() < 0.05 + 0.2 * degradation:
                yield _press(pad, point_id, "red", at + dt.timedelta(seconds=rng.uniform(20, 40)), None)
        else:
            yield _press(pad, point_id, verdict(), at, None)

    def queue_lengths(self, rng: random.Random, at: dt.datetime) -> list[tuple[Point, float]]:
        """People waiting at every open point at `at` (aware, UTC): longer in rush hours, up to
        four times as long at a degraded point."""
        local = at.astimezone(self.tz)
        lengths: list[tuple[Point, float]] = []
        for point in sorted(self.topology.points.values(), key=lambda p: p.name):
            if not is_open(point.opening_hours, local):
                continue
            mean = 1.5 * rush_factor(local, not point.opening_hours)
            mean *= 1 + 3 * self.degradation(point.name, at)
            lengths.append((point, float(poisson(rng, mean))))
        return lengths


def _press(pad: Pad, point_id: int, kind: str, at: dt.datetime, question: str | None) -> Press:
    number = pad.number_of(kind)
    assert number is not None
    return Press(pad.id, point_id, number, kind, at.astimezone(dt.UTC), question, "demo")


def simulate(
    topology: Topology, start: dt.datetime, end: dt.datetime, tz: ZoneInfo, seed: int = 1
) -> Iterator[Press]:
    """The history's presses from `start` to `end` (aware datetimes), minute by minute,
    deterministic per seed, with the degrading point going bad over the last hours."""
    rng = random.Random(seed)
    chain = Chain(topology, tz, history_degradation(end))
    minute = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    stop = end.astimezone(dt.UTC)
    while minute < stop:
        yield from chain.minute(rng, minute)
        minute += dt.timedelta(minutes=1)


def first_queue_sample(start: dt.datetime) -> dt.datetime:
    """The first sample time of a span from `start`: on the QUEUE_SAMPLE_MINUTES grid, at or
    before `start`."""
    at = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return at - dt.timedelta(minutes=at.minute % QUEUE_SAMPLE_MINUTES)


def simulate_queues(
    topology: Topology, start: dt.datetime, end: dt.datetime, tz: ZoneInfo, seed: int = 1
) -> Iterator[tuple[Point, dt.datetime, float]]:
    """The history's queue samples, every QUEUE_SAMPLE_MINUTES from `start` to `end`."""
    rng = random.Random(seed + 7)
    chain = Chain(topology, tz, history_degradation(end))
    at = first_queue_sample(start)
    while at < end:
        for point, length in chain.queue_lengths(rng, at):
            yield point, at, length
        at += dt.timedelta(minutes=QUEUE_SAMPLE_MINUTES)
