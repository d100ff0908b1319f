"""Shared pieces of the LOYALTY_MON tests: the test module itself (loaded from its file, as the
engine's loader does), a small chain, press insertion, windows, and a plain-Python reference of
SPEC §3 written independently of the SQL (per seller press, searching its window)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete

from probe.api import COMPANY, Measurement, Window
from probe.engine.context import run_storing_state
from probe.store.schema import presses, test_state, test_state_versions
from probe.topology import Topology, import_topology, load_topology, parse_topology
from tests.conftest import ROOT


def load_module() -> ModuleType:
    path = ROOT / "tests_scripts" / "loyalty_mon.py"
    spec = importlib.util.spec_from_file_location("loyalty_mon_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as the engine's loader does: dataclasses look it up
    spec.loader.exec_module(module)
    return module


LM = load_module()


def pad(
    pad_id: str, point: str, methodology: str, window_seconds: float = 30, **extra: str
) -> dict[str, Any]:
    """A pad entry of a topology document: buttons 1–4 positive, negative, passive, force majeure,
    5 the methodology's prompt button (seller / red), plus `extra` numbered buttons."""
    buttons = {"1": "positive", "2": "negative", "3": "passive", "4": "force_majeure"}
    prompt = {"УСОКОК": "seller", "Опросы": "red"}.get(methodology)
    if prompt:
        buttons["5"] = prompt
    buttons |= {number.lstrip("b"): kind for number, kind in extra.items()}
    return {
        "id": pad_id,
        "point": point,
        "methodology": methodology,
        "window_seconds": window_seconds,
        "buttons": buttons,
    }


TOPOLOGY = {
    "points": [
        {"name": "Калужская", "region": "Москва/ЮЗАО"},
        {"name": "Тверская", "region": "Москва/ЦАО"},
        {"name": "Арбат", "region": "Москва/ЦАО"},
    ],
    "questions": [
        {"id": "q1", "text": "Как Вам у нас понравилось?"},
        {"id": "q2", "text": "Рекомендовали бы Вы нас знакомым?"},
    ],
    "pads": [
        # K1 has a second seller button: two seller presses in one millisecond.
        pad("K1", "Калужская", "УСОКОК", 30, b6="seller"),
        pad("K2", "Калужская", "УСОКОК", 10),
        pad("T1", "Тверская", "СОКОК"),
        pad("A1", "Арбат", "Опросы"),
    ],
}


def setup_chain(engine: Engine, data: dict[str, Any] | None = None) -> Topology:
    import_topology(engine, parse_topology(data or TOPOLOGY))
    return load_topology(engine)


@dataclass(frozen=True)
class P:
    """A press for the tests: pad, kind, naive UTC time, question."""

    pad: str
    kind: str
    at: dt.datetime
    question: str | None = None
    button: int | None = None  # default: the pad's lowest button of that kind


def insert_presses(engine: Engine, topology: Topology, items: Iterable[P]) -> None:
    """Store presses in the given order (ids follow it: the tie-break of one millisecond)."""
    ids = {p.name: p.id for p in topology.points.values()}
    rows = []
    for item in items:
        pad = topology.pads[item.pad]
        number = item.button if item.button is not None else pad.number_of(item.kind)
        assert number is not None, (item.pad, item.kind)
        rows.append(
            {
                "pad_id": item.pad,
                "point_id": ids[pad.point],
                "button": number,
                "kind": item.kind,
                "pressed_at": item.at,
                "question_id": item.question,
                "source": "test",
            }
        )
    if rows:
        with engine.begin() as conn:
            for row in rows:  # one by one: ids in exactly this order on every dialect
                conn.execute(presses.insert().values(**row))


def clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (presses, test_state, test_state_versions):
            conn.execute(delete(table))


def window(end_local: dt.datetime, minutes: int = 10) -> Window:
    """The window ending at an aware local boundary; the day is the one of its last instant."""
    tz = end_local.tzinfo
    assert isinstance(tz, ZoneInfo)
    end = end_local.astimezone(dt.UTC)
    last = (end - dt.timedelta(microseconds=1)).astimezone(tz)
    day_start = dt.datetime.combine(last.date(), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return Window(end - dt.timedelta(minutes=minutes), end, day_start, tz, minutes)


def run(engine: Engine, topology: Topology, win: Window, **params: Any) -> list[Measurement]:
    """One LOYALTY_MON run as the engine makes it (read-only engine, ingestion mark, state store
    written after the run), without storing its results."""
    return run_storing_state(LM.LOYALTY_MON(params), win, engine, topology)


Key = tuple[
    str | None, str | None, str | None, str, str | None
]  # methodology, point, question, short, period


def by_key(measurements: Sequence[Measurement]) -> dict[Key, float | None]:
    out: dict[Key, float | None] = {}
    for m in measurements:
        key = (m.methodology, m.point, m.question, m.short_name, m.period)
        assert key not in out, f"duplicate measurement {key}"
        out[key] = m.value
    return out


# ---------------------------------------------------------------------------------------------
# Reference: SPEC §3 in plain Python.


@dataclass
class RefCounts:
    positive: int = 0
    negative: int = 0
    passive: int = 0
    force_majeure: int = 0
    prompts: int = 0
    outside: int = 0
    silent: int = 0
    answered: int = 0


def reference(
    topology: Topology, items: Sequence[P], start: dt.datetime, end: dt.datetime, day_start: dt.datetime
) -> dict[tuple[str, str, str, str], RefCounts]:
    """Counts per (period, point, methodology, question '') from the presses, in stored order, as
    an evaluation at `end` sees them (naive UTC bounds)."""
    ordered = [(index, item) for index, item in enumerate(items) if item.at < end]
    out: dict[tuple[str, str, str, str], RefCounts] = {}

    def bump(at: dt.datetime, pad_id: str, question: str, field: str) -> None:
        pad = topology.pads[pad_id]
        for period, lo in (("interval", start), ("day", day_start)):
            if lo <= at < end:
                counts = out.setdefault((period, pad.point, pad.methodology, question), RefCounts())
                setattr(counts, field, getattr(counts, field) + 1)

    for pad_id, pad in topology.pads.items():
        mine = sorted(
            ((item.at, index, item) for index, item in ordered if item.pad == pad_id), key=lambda x: x[:2]
        )
        for at, _, item in mine:
            if item.kind in ("seller", "red"):
                bump(at, pad_id, "", "prompts")
            elif item.kind == "force_majeure":
                bump(at, pad_id, "", "force_majeure")
            elif pad.methodology == "СОКОК":
                bump(at, pad_id, "", item.kind)
            elif pad.methodology == "Опросы" and item.question:
                bump(at, pad_id, item.question, item.kind)
        if pad.methodology != "УСОКОК":
            continue
        sellers = [(at, index) for at, index, item in mine if item.kind == "seller"]
        answers = [
            (at, index, item) for at, index, item in mine if item.kind in ("positive", "negative", "passive")
        ]
        accepted: set[int] = set()
        width = dt.timedelta(seconds=pad.window_seconds)
        for number, (opened, _) in enumerate(sellers):
            following = sellers[number + 1][0] if number + 1 < len(sellers) else None
            closes = opened + width if following is None else min(opened + width, following)
            answer = next((index for at, index, _ in answers if opened < at <= closes), None)
            if answer is not None:
                accepted.add(answer)
                bump(opened, pad_id, "", "answered")
            elif following is not None or opened + width < end:
                bump(opened, pad_id, "", "silent")
        for at, index, item in answers:
            bump(at, pad_id, "", item.kind if index in accepted else "outside")
    return out


def expected_measurements(topology: Topology, items: Sequence[P], win: Window) -> dict[Key, float | None]:
    """What LOYALTY_MON must return, from the reference counts (company = summed counts)."""
    counts = reference(topology, items, win.start_naive, win.end_naive, win.day_start_naive)
    questions = sorted(topology.questions)
    groups = sorted({(pad.methodology, pad.point) for pad in topology.pads.values()})
    out: dict[Key, float | None] = {}

    def pct(part: int, whole: int) -> float | None:
        return None if whole == 0 else part * 100.0 / whole

    def emit(methodology: str, point: str, find: Any) -> None:
        for period in ("interval", "day"):
            for question in questions if methodology == "Опросы" else [None]:
                c = find(period, question or "")
                votes = c.positive + c.negative + c.passive
                for short, value in (
                    ("Число голосований", votes),
                    ("Позитивные ответы", c.positive),
                    ("% позитивных ответов", pct(c.positive, votes)),
                    ("Негативные ответы", c.negative),
                    ("% негативных ответов", pct(c.negative, votes)),
                    ("Пассивные ответы", c.passive),
                    ("% пассивных ответов", pct(c.passive, votes)),
                ):
                    out[(methodology, point, question, short, period)] = (
                        None if value is None else float(value)
                    )
            c = find(period, "")
            out[(methodology, point, None, "Форс-мажоры", period)] = float(c.force_majeure)
            if methodology in ("УСОКОК", "Опросы"):
                out[(methodology, point, None, "Число опросов", period)] = float(c.prompts)
            if methodology == "УСОКОК":
                out[(methodology, point, None, "Число 'молчунов'", period)] = float(c.silent)
                out[(methodology, point, None, "% 'молчунов'", period)] = pct(c.silent, c.silent + c.answered)
                out[(methodology, point, None, "Ответы вне 'Окна'", period)] = float(c.outside)

    def summed(methodology: str, points: list[str]) -> Any:
        def find(period: str, question: str) -> RefCounts:
            total = RefCounts()
            for point in points:
                c = counts.get((period, point, methodology, question), RefCounts())
                for field in vars(total):
                    setattr(total, field, getattr(total, field) + getattr(c, field))
            return total

        return find

    for methodology, point in groups:
        emit(methodology, point, summed(methodology, [point]))
    for methodology in sorted({m for m, _ in groups}):
        emit(methodology, COMPANY, summed(methodology, sorted({p for m, p in groups if m == methodology})))
    return out
