"""Service points, pads, buttons and questions: parsing the TOML exchange format, storing it, and
reading it back as an immutable `Topology` that ingest, import and the engine share."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, select, text
from sqlalchemy.engine import Connection

from probe.store.limits import over_limit
from probe.store.schema import buttons, pads, points, questions

METHODOLOGIES = ("СОКОК", "УСОКОК", "Опросы")
INDICATIVE_KINDS = ("positive", "negative", "passive")
BUTTON_KINDS = (*INDICATIVE_KINDS, "force_majeure", "seller", "red")
COMPANY = "Итого по компании"
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class TopologyError(Exception):
    """One or more problems in a topology file; each line names the place and the problem."""


@dataclass(frozen=True)
class Point:
    name: str
    region: str = ""
    opening_hours: str = ""
    id: int | None = None

    def open_at(self, local: dt.datetime) -> bool:
        """Is the point open at this local time? Empty opening hours: always; "20:00-02:00" runs
        over midnight; "08:00-24:00" ends at midnight. An evaluation stamped with its interval's
        end asks for the instant just before it."""
        match = _HOURS.match(self.opening_hours)
        if match is None:
            return True
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, (h2 % 24) * 60 + m2
        minute = local.hour * 60 + local.minute
        if start == end:
            return True
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class Pad:
    id: str
    point: str
    methodology: str
    window_seconds: float = 30.0
    buttons: Mapping[int, str] = field(default_factory=dict)
    # Issue 21: an indicative press within this many seconds of the previous one on the pad is
    # suspicious (stored, marked, not counted); 0 = off.
    min_seconds_between: float = 0.0
    # Issue 21: the pad is "silent" once its own history says at least this many presses should
    # have come since its last one.
    expected_presses: float = 5.0

    def kind_of(self, button: str) -> str | None:
        """The kind a CSV/line `button` field means: a number of this pad's map or a kind name."""
        text = button.strip()
        if text.isdigit():
            return self.buttons.get(int(text))
        return text if text in self.buttons.values() else None

    def number_of(self, kind: str) -> int | None:
        for number, button_kind in sorted(self.buttons.items()):
            if button_kind == kind:
                return number
        return None


@dataclass(frozen=True)
class Topology:
    points: Mapping[str, Point] = field(default_factory=dict)
    questions: Mapping[str, Question] = field(default_factory=dict)
    pads: Mapping[str, Pad] = field(default_factory=dict)

    def point_by_id(self) -> dict[int, Point]:
        return {p.id: p for p in self.points.values() if p.id is not None}

    def pads_of(self, point: str) -> list[Pad]:
        return [pad for pad in self.pads.values() if pad.point == point]


_POINT_KEYS = {"name", "region", "opening_hours"}
_QUESTION_KEYS = {"id", "text"}
_PAD_KEYS = {
    "id",
    "point",
    "methodology",
    "window_seconds",
    "buttons",
    "min_seconds_between",
    "expected_presses",
}
MAX_MIN_SECONDS_BETWEEN = 3600.0  # an hour between two presses is not a burst any more
_TOP_KEYS = {"points", "questions", "pads"}


def parse_topology(data: Mapping[str, Any], source: str = "<topology>") -> Topology:
    """Validate a topology document completely; raise one TopologyError listing every problem."""
    errors: list[str] = []

    def err(where: str, what: str) -> None:
        errors.append(f"{source}: {where}: {what}")

    for key in data:
        if key not in _TOP_KEYS:
            err(key, "unknown key (expected [[points]], [[questions]], [[pads]])")

    def table_list(key: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            err(key, f"must be an array of tables ([[{key}]])")
            return []
        return value

    def unknown(where: str, entry: Mapping[str, Any], allowed: set[str]) -> None:
        for key in entry:
            if key not in allowed:
                err(where, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")

    def text(
        where: str, entry: Mapping[str, Any], key: str, column: Column[str], required: bool = True
    ) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                err(where, f"'{key}' is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            err(where, f"'{key}' must be a non-empty string")
            return ""
        # The same limit on every dialect (SQLite would store anything, PostgreSQL refuses).
        too_long = over_limit(value.strip(), column)
        if too_long:
            err(where, f"'{key}' {too_long}")
            return ""
        return value.strip()

    point_map: dict[str, Point] = {}
    for i, entry in enumerate(table_list("points")):
        where = f"points[{i}]"
        unknown(where, entry, _POINT_KEYS)
        name = text(where, entry, "name", points.c.name)
        region = text(where, entry, "region", points.c.region, required=False).strip("/")
        hours = text(where, entry, "opening_hours", points.c.opening_hours, required=False)
        if hours and not _HOURS.match(hours):
            err(f"{where} ({name})", f"opening_hours {hours!r} must look like '08:00-22:00'")
        if name in point_map:
            err(where, f"point {name!r} is listed twice")
        if name:
            point_map[name] = Point(name=name, region=region, opening_hours=hours)

    question_map: dict[str, Question] = {}
    for i, entry in enumerate(table_list("questions")):
        where = f"questions[{i}]"
        unknown(where, entry, _QUESTION_KEYS)
        qid = text(where, entry, "id", questions.c.id)
        qtext = text(where, entry, "text", questions.c.text)
        if qid in question_map:
            err(where, f"question {qid!r} is listed twice")
        if qid:
            question_map[qid] = Question(id=qid, text=qtext)

    pad_map: dict[str, Pad] = {}
    for i, entry in enumerate(table_list("pads")):
        pad_id = entry.get("id") if isinstance(entry.get("id"), str) else None
        where = f"pads[{i}]" + (f" (id {pad_id!r})" if pad_id else "")
        unknown(where, entry, _PAD_KEYS)
        pid = text(where, entry, "id", pads.c.id)
        point = text(where, entry, "point", points.c.name)
        methodology = text(where, entry, "methodology", pads.c.methodology)
        if point and point not in point_map:
            err(where, f"unknown point {point!r} (declare it under [[points]])")
        if methodology and methodology not in METHODOLOGIES:
            err(where, f"unknown methodology {methodology!r} (allowed: {', '.join(METHODOLOGIES)})")
        window = entry.get("window_seconds", 30)
        if not isinstance(window, int | float) or isinstance(window, bool) or window <= 0:
            err(where, "window_seconds must be a positive number of seconds")
            window = 30
        gap = entry.get("min_seconds_between", 0)
        if (
            not isinstance(gap, int | float)
            or isinstance(gap, bool)
            or not 0 <= gap <= MAX_MIN_SECONDS_BETWEEN
        ):
            err(
                where,
                f"min_seconds_between must be a number of seconds from 0 (off) to {MAX_MIN_SECONDS_BETWEEN:g}",
            )
            gap = 0
        expected = entry.get("expected_presses", 5)
        if not isinstance(expected, int | float) or isinstance(expected, bool) or not 0 < expected <= 10_000:
            err(where, "expected_presses must be a number of presses above 0 (at most 10000)")
            expected = 5
        raw_buttons = entry.get("buttons", {})
        button_map: dict[int, str] = {}
        if not isinstance(raw_buttons, dict) or not raw_buttons:
            err(where, '[pads.buttons] must map button numbers to kinds, e.g. 1 = "positive"')
        else:
            for number_text, kind in raw_buttons.items():
                if not str(number_text).isdigit():
                    err(where, f"button number {number_text!r} must be a whole number")
                    continue
                if kind not in BUTTON_KINDS:
                    err(
                        where,
                        f"button {number_text}: unknown kind {kind!r} (allowed: {', '.join(BUTTON_KINDS)})",
                    )
                    continue
                if kind == "seller" and methodology and methodology != "УСОКОК":
                    err(where, f"button {number_text}: 'seller' exists only on УСОКОК pads")
                if kind == "red" and methodology and methodology != "Опросы":
                    err(where, f"button {number_text}: 'red' exists only on Опросы pads")
                button_map[int(number_text)] = kind
        if pid in pad_map:
            err(where, f"pad {pid!r} is listed twice")
        if pid:
            pad_map[pid] = Pad(
                pid, point, methodology, float(window), button_map, float(gap), float(expected)
            )

    if errors:
        raise TopologyError("\n".join(errors))
    return Topology(point_map, question_map, pad_map)


def read_topology_file(path: Path) -> Topology:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TopologyError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise TopologyError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise TopologyError(f"{path}: not UTF-8 text: {exc}") from None
    return parse_topology(data, str(path))


def store_topology(conn: Connection, topology: Topology, existing: Topology | None = None) -> dict[str, int]:
    """Insert or update everything in one transaction (the caller's). Points are matched by name,
    questions and pads by id; a pad's buttons are replaced. Nothing is deleted."""
    existing = existing if existing is not None else load_topology(conn)
    counts = {"points": 0, "questions": 0, "pads": 0}
    for point in topology.points.values():
        old = existing.points.get(point.name)
        values = {"region": point.region, "opening_hours": point.opening_hours}
        if old is None:
            conn.execute(points.insert().values(name=point.name, **values))
        else:
            conn.execute(points.update().where(points.c.name == point.name).values(**values))
        counts["points"] += 1
    point_ids = {row.name: row.id for row in conn.execute(select(points.c.id, points.c.name))}
    for question in topology.questions.values():
        if question.id in existing.questions:
            conn.execute(questions.update().where(questions.c.id == question.id).values(text=question.text))
        else:
            conn.execute(questions.insert().values(id=question.id, text=question.text))
        counts["questions"] += 1
    for pad in topology.pads.values():
        pad_values: dict[str, object] = {
            "point_id": point_ids[pad.point],
            "methodology": pad.methodology,
            "window_seconds": pad.window_seconds,
            "min_seconds_between": pad.min_seconds_between,
            "expected_presses": pad.expected_presses,
        }
        if pad.id in existing.pads:
            conn.execute(pads.update().where(pads.c.id == pad.id).values(**pad_values))
            conn.execute(buttons.delete().where(buttons.c.pad_id == pad.id))
        else:
            conn.execute(pads.insert().values(id=pad.id, **pad_values))
        if pad.buttons:
            conn.execute(
                buttons.insert(),
                [{"pad_id": pad.id, "number": n, "kind": k} for n, k in sorted(pad.buttons.items())],
            )
        counts["pads"] += 1
    return counts


def import_topology(engine: Engine, topology: Topology) -> dict[str, int]:
    with engine.begin() as conn:
        return store_topology(conn, topology)


TOPOLOGY_TABLES = (points, questions, pads, buttons)


def topology_fingerprint(conn: Connection) -> tuple[int, ...] | None:
    """Something that changes whenever a committed change reaches a topology table, cheaper to
    read than the topology (a scheduled run of a large chain would otherwise load thousands of
    points and pads each time): on PostgreSQL each table's row count and the sum of its rows'
    `xmin` (the transaction that wrote each row version). An INSERT or UPDATE writes versions with
    a new transaction id, a DELETE lowers the count; the sum (not the newest id) stays a change
    detector after transaction ids wrap around — it comes back to the same value only by a 1 in
    2^32 coincidence. Writing the same contents again changes it too (a reload, nothing worse).
    None where there is no such thing (SQLite, SQL Server): load the topology each time. 5 ms at
    5,000 points against 70 ms for the topology; hashing the rows' contents instead costs 14 ms.

    Read it before the topology, in the same snapshot or an earlier one: a change committed in
    between then makes the next fingerprint differ, never a new fingerprint with old contents."""
    if conn.dialect.name != "postgresql":
        return None
    quote = conn.dialect.identifier_preparer.quote
    parts = ", ".join(
        f"(SELECT count(*) FROM {quote(table.name)}), "
        f"(SELECT coalesce(sum(xmin::text::bigint), 0) FROM {quote(table.name)})"
        for table in TOPOLOGY_TABLES
    )
    row = conn.execute(text(f"SELECT {parts}")).one()
    return tuple(int(n) for n in row)


def load_topology(conn: Connection | Engine) -> Topology:
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return load_topology(c)
    # Whole result sets as plain tuples (fetchall), not row by row: a run reads the topology of
    # thousands of points every time.
    point_rows = (
        conn.execute(select(points.c.id, points.c.name, points.c.region, points.c.opening_hours))
        .tuples()
        .all()
    )
    by_id = {point_id: name for point_id, name, _, _ in point_rows}
    point_map = {
        name: Point(name=name, region=region or "", opening_hours=hours or "", id=point_id)
        for point_id, name, region, hours in point_rows
    }
    question_map = {
        qid: Question(qid, text)
        for qid, text in conn.execute(select(questions.c.id, questions.c.text)).tuples().all()
    }
    button_map: dict[str, dict[int, str]] = {}
    for pad_id, number, kind in (
        conn.execute(select(buttons.c.pad_id, buttons.c.number, buttons.c.kind)).tuples().all()
    ):
        button_map.setdefault(pad_id, {})[number] = kind
    pad_rows = (
        conn.execute(
            select(
                pads.c.id,
                pads.c.point_id,
                pads.c.methodology,
                pads.c.window_seconds,
                pads.c.min_seconds_between,
                pads.c.expected_presses,
            )
        )
        .tuples()
        .all()
    )
    pad_map = {
        pad_id: Pad(
            pad_id,
            by_id[point_id],
            methodology,
            float(window),
            button_map.get(pad_id, {}),
            float(min_between or 0.0),
            float(expected or 5.0),
        )
        for pad_id, point_id, methodology, window, min_between, expected in pad_rows
    }
    return Topology(point_map, question_map, pad_map)
