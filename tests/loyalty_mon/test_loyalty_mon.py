"""LOYALTY_MON by hand-computed cases (SPEC §3, §4): every metric, every window edge, Опросы per
question, company totals from summed counts, day boundaries with a DST change, re-evaluation with
late presses, thresholds; SQLite and PostgreSQL (the `engine` fixture), SQL Server by compiling."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.dialects import mssql, postgresql, sqlite

from probe.api import COMPANY, Level, Measurement
from probe.store.schema import test_state
from tests.loyalty_mon.support import (
    LM,
    TOPOLOGY,
    P,
    by_key,
    expected_measurements,
    insert_presses,
    run,
    setup_chain,
    window,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(hh: int, mm: int, ss: float = 0.0, day: int = 20) -> dt.datetime:
    """A naive UTC time on 2026-11-<day> (MSK = UTC+3)."""
    return dt.datetime(2026, 11, day, hh, mm) + dt.timedelta(seconds=ss)


def values(
    got: dict[Any, float | None], methodology: str, point: str, period: str, question: str | None = None
) -> dict[str, float | None]:
    return {
        k[3]: v
        for k, v in got.items()
        if k[0] == methodology and k[1] == point and k[2] == question and k[4] == period
    }


def approx(d: dict[str, float | None]) -> dict[str, Any]:
    return {k: (None if v is None else pytest.approx(v)) for k, v in d.items()}


# --- СОКОК -----------------------------------------------------------------------------------


def test_sokok_interval_and_day(engine: Engine) -> None:
    topology = setup_chain(engine)
    insert_presses(
        engine,
        topology,
        [
            P("T1", "passive", utc(6, 0)),  # 09:00 MSK: the day only
            P("T1", "positive", utc(7, 0)),  # exactly the interval start: inside
            P("T1", "positive", utc(7, 3)),
            P("T1", "positive", utc(7, 9, 59.999)),
            P("T1", "negative", utc(7, 5)),
            P("T1", "force_majeure", utc(7, 6)),
            P("T1", "force_majeure", utc(7, 7)),
            P("T1", "negative", utc(7, 10)),  # exactly the end: the next interval
            P("T1", "negative", utc(20, 59, 59.999, day=19)),  # 23:59:59.999 MSK the day before
        ],
    )
    got = by_key(run(engine, topology, window(dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK))))
    assert values(got, "СОКОК", "Тверская", "interval") == {
        "Число голосований": 4,
        "Позитивные ответы": 3,
        "% позитивных ответов": 75,
        "Негативные ответы": 1,
        "% негативных ответов": 25,
        "Пассивные ответы": 0,
        "% пассивных ответов": 0,
        "Форс-мажоры": 2,
    }
    assert values(got, "СОКОК", "Тверская", "day") == {
        "Число голосований": 5,
        "Позитивные ответы": 3,
        "% позитивных ответов": 60,
        "Негативные ответы": 1,
        "% негативных ответов": 20,
        "Пассивные ответы": 1,
        "% пассивных ответов": 20,
        "Форс-мажоры": 2,
    }
    # A point with nothing pressed: zero counts, percentages without a value.
    quiet = values(got, "УСОКОК", "Калужская", "interval")
    assert quiet["Число голосований"] == 0 and quiet["% негативных ответов"] is None
    assert quiet["% 'молчунов'"] is None


# --- УСОКОК window rule ---------------------------------------------------------------------

USOKOK_PRESSES = [
    P("K1", "seller", utc(6, 0)),  # earlier in the day: answered
    P("K1", "positive", utc(6, 0, 10)),
    # a) an answer in the same millisecond as the seller press is not in its window; t + W is.
    P("K1", "positive", utc(7, 1)),
    P("K1", "seller", utc(7, 1)),
    P("K1", "negative", utc(7, 1, 30)),  # exactly t + W: accepted
    P("K1", "positive", utc(7, 1, 31)),  # a second answer: outside
    # b) a seller press closes the previous window; an answer at exactly that instant is the old one's.
    P("K1", "seller", utc(7, 2)),
    P("K1", "seller", utc(7, 2, 10)),
    P("K1", "passive", utc(7, 2, 10)),  # stored after the seller press, still the old window's answer
    P("K1", "positive", utc(7, 2, 15)),  # the new window's answer
    # c) just after t + W: outside, the seller press is silent.
    P("K1", "seller", utc(7, 3)),
    P("K1", "negative", utc(7, 3, 30.001)),
    # d) closed early without an answer: silent; the next one is answered.
    P("K1", "seller", utc(7, 4)),
    P("K1", "seller", utc(7, 4, 5)),
    P("K1", "negative", utc(7, 4, 20)),
    # g) two seller presses in one millisecond (two seller buttons): the first stored is silent.
    P("K1", "seller", utc(7, 5), button=5),
    P("K1", "seller", utc(7, 5), button=6),
    P("K1", "positive", utc(7, 5, 1)),
    P("K2", "force_majeure", utc(7, 6)),
    # e) pending at the end (window to 07:10:10), answered in the next interval.
    P("K1", "seller", utc(7, 9, 40)),
    P("K1", "positive", utc(7, 10, 5)),
    # f) K2 (W = 10 s): t + W is exactly the end: still pending; answered at exactly t + W.
    P("K2", "seller", utc(7, 9, 50)),
    P("K2", "positive", utc(7, 10)),
    # a silent one in the second interval
    P("K2", "seller", utc(7, 15)),
]


def test_usokok_window_rule(engine: Engine) -> None:
    topology = setup_chain(engine)
    insert_presses(engine, topology, USOKOK_PRESSES)
    first = window(dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK))
    got = by_key(run(engine, topology, first))
    assert values(got, "УСОКОК", "Калужская", "interval") == approx(
        {
            "Число голосований": 5,
            "Позитивные ответы": 2,
            "% позитивных ответов": 40,
            "Негативные ответы": 2,
            "% негативных ответов": 40,
            "Пассивные ответы": 1,
            "% пассивных ответов": 20,
            "Форс-мажоры": 1,
            "Число опросов": 10,
            "Число 'молчунов'": 3,  # c, d (closed early), g (the first of two)
            "% 'молчунов'": 3 / 8 * 100,  # two pending seller presses are not in the denominator
            "Ответы вне 'Окна'": 3,
        }
    )
    assert values(got, "УСОКОК", "Калужская", "day") == approx(
        {
            "Число голосований": 6,
            "Позитивные ответы": 3,
            "% позитивных ответов": 50,
            "Негативные ответы": 2,
            "% негативных ответов": 100 / 3,
            "Пассивные ответы": 1,
            "% пассивных ответов": 100 / 6,
            "Форс-мажоры": 1,
            "Число опросов": 11,
            "Число 'молчунов'": 3,
            "% 'молчунов'": 3 / 9 * 100,
            "Ответы вне 'Окна'": 3,
        }
    )
    second = window(dt.datetime(2026, 11, 20, 10, 20, tzinfo=MSK))
    expected_interval = approx(
        {
            "Число голосований": 2,  # the answers to the pending windows count where they fell
            "Позитивные ответы": 2,
            "% позитивных ответов": 100,
            "Негативные ответы": 0,
            "% негативных ответов": 0,
            "Пассивные ответы": 0,
            "% пассивных ответов": 0,
            "Форс-мажоры": 0,
            "Число опросов": 1,
            "Число 'молчунов'": 1,
            "% 'молчунов'": 100,
            "Ответы вне 'Окна'": 0,
        }
    )
    expected_day = approx(
        {
            "Число голосований": 8,
            "Позитивные ответы": 5,
            "% позитивных ответов": 62.5,
            "Негативные ответы": 2,
            "% негативных ответов": 25,
            "Пассивные ответы": 1,
            "% пассивных ответов": 12.5,
            "Форс-мажоры": 1,
            "Число опросов": 12,
            "Число 'молчунов'": 4,
            "% 'молчунов'": 4 / 12 * 100,  # the two pending ones are answered now
            "Ответы вне 'Окна'": 3,
        }
    )
    # Incrementally (after the first run), recounted (re-evaluation), and without day totals.
    for params in ({}, {}, {"keep_day_totals": False}):
        got = by_key(run(engine, topology, second, **params))
        assert values(got, "УСОКОК", "Калужская", "interval") == expected_interval
        assert values(got, "УСОКОК", "Калужская", "day") == expected_day
    assert got == expected_measurements(topology, USOKOK_PRESSES, second)


# --- Опросы and the company ------------------------------------------------------------------


def test_surveys_per_question_and_company_totals(engine: Engine) -> None:
    data = {**TOPOLOGY, "points": [*TOPOLOGY["points"], {"name": "Сокол"}]}
    data["pads"] = [
        *TOPOLOGY["pads"],
        {"id": "S1", "point": "Сокол", "methodology": "СОКОК", "buttons": {"1": "negative"}},
    ]
    topology = setup_chain(engine, data)
    insert_presses(
        engine,
        topology,
        [
            P("A1", "positive", utc(7, 1), "q1"),
            P("A1", "positive", utc(7, 2), "q1"),
            P("A1", "negative", utc(7, 3), "q1"),
            P("A1", "negative", utc(7, 4), "q2"),
            P("A1", "red", utc(7, 1)),
            P("A1", "red", utc(7, 2)),
            P("A1", "red", utc(7, 3)),
            P("A1", "force_majeure", utc(7, 5)),
            P("T1", "positive", utc(7, 1)),
            P("T1", "positive", utc(7, 2)),
            P("T1", "positive", utc(7, 3)),
            P("T1", "negative", utc(7, 4)),
            P("S1", "negative", utc(7, 1)),
            P("S1", "negative", utc(7, 2)),
            P("S1", "negative", utc(7, 3)),
        ],
    )
    measurements = run(engine, topology, window(dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK)))
    got = by_key(measurements)
    q1 = values(got, "Опросы", "Арбат", "interval", "q1")
    assert q1 == approx(
        {
            "Число голосований": 3,
            "Позитивные ответы": 2,
            "% позитивных ответов": 200 / 3,
            "Негативные ответы": 1,
            "% негативных ответов": 100 / 3,
            "Пассивные ответы": 0,
            "% пассивных ответов": 0,
        }
    )
    assert values(got, "Опросы", "Арбат", "interval", "q2")["% негативных ответов"] == 100
    assert values(got, "Опросы", "Арбат", "interval") == {"Форс-мажоры": 1, "Число опросов": 3}
    # No 21–26 under Опросы, no per-question force majeure.
    assert not [
        m
        for m in measurements
        if m.methodology == "Опросы" and m.short_name in ("Число 'молчунов'", "Ответы вне 'Окна'")
    ]
    assert not [m for m in measurements if m.question is not None and m.short_name == "Форс-мажоры"]
    # The company: summed counts (4 of 7 negative), not the mean of 25 % and 100 %.
    company = values(got, "СОКОК", COMPANY, "interval")
    assert company["Число голосований"] == 7 and company["% негативных ответов"] == pytest.approx(400 / 7)
    assert values(got, "Опросы", COMPANY, "day", "q1")["Число голосований"] == 3
    # Every metric of SPEC §3 for each methodology, once per point and for the company.
    per_group = {(m.methodology, m.point) for m in measurements}
    assert per_group == {
        ("УСОКОК", "Калужская"),
        ("УСОКОК", COMPANY),
        ("СОКОК", "Тверская"),
        ("СОКОК", "Сокол"),
        ("СОКОК", COMPANY),
        ("Опросы", "Арбат"),
        ("Опросы", COMPANY),
    }
    counts = {g: sum(1 for m in measurements if (m.methodology, m.point) == g) for g in per_group}
    assert counts[("СОКОК", "Тверская")] == 16  # metrics 3–18
    assert counts[("УСОКОК", "Калужская")] == 24  # metrics 3–26
    assert counts[("Опросы", "Арбат")] == 2 * 14 + 4  # 3–16 per question, 17–20
    assert all(m.unit == ("%" if m.short_name.startswith("%") else "") for m in measurements)


# --- Day boundaries, DST, backfill ----------------------------------------------------------


def test_day_boundary_on_a_dst_day(engine: Engine) -> None:
    """Berlin, 2026-03-29: clocks jump 02:00 → 03:00, the day has 23 hours."""
    topology = setup_chain(engine)

    def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
        local = dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    items = [
        P("T1", "positive", at(2026, 3, 28, 23, 55)),  # the day before
        P("T1", "negative", at(2026, 3, 29, 0, 5)),
        P("T1", "positive", at(2026, 3, 29, 1, 59)),
        P("T1", "passive", at(2026, 3, 29, 3, 5)),  # 01:05 UTC, right after the jump
        P("T1", "negative", at(2026, 3, 29, 23, 55)),
        P("T1", "negative", at(2026, 3, 30, 0, 0)),  # the next day (CEST midnight = 22:00 UTC)
    ]
    insert_presses(engine, topology, items)

    def day_votes(end: dt.datetime) -> float | None:
        win = window(end)
        got = by_key(run(engine, topology, win))
        assert got == expected_measurements(topology, items, win)
        return got[("СОКОК", "Тверская", None, "Число голосований", "day")]

    assert day_votes(dt.datetime(2026, 3, 29, 0, 10, tzinfo=BERLIN)) == 1
    # 03:10 CEST: the interval is 03:00–03:10 (01:00–01:10 UTC); day totals catch up from 00:10.
    win = window(dt.datetime(2026, 3, 29, 3, 10, tzinfo=BERLIN))
    assert win.start == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)
    assert day_votes(dt.datetime(2026, 3, 29, 3, 10, tzinfo=BERLIN)) == 3
    assert day_votes(dt.datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)) == 4  # the interval that ends the day
    assert day_votes(dt.datetime(2026, 3, 30, 0, 10, tzinfo=BERLIN)) == 1


def test_late_presses_backfill_and_restart(engine: Engine) -> None:
    """Day totals stay right when an earlier interval is re-evaluated after late presses arrived,
    and a repeated run (a restart) gives the same result."""
    topology = setup_chain(engine)
    items = [P("T1", "positive", utc(7, 1)), P("T1", "positive", utc(7, 12)), P("T1", "positive", utc(7, 25))]
    insert_presses(engine, topology, items)
    ends = [dt.datetime(2026, 11, 20, 10, m, tzinfo=MSK) for m in (10, 20, 30)]

    def day_votes(end: dt.datetime) -> float | None:
        return by_key(run(engine, topology, window(end)))[
            ("СОКОК", "Тверская", None, "Число голосований", "day")
        ]

    assert [day_votes(e) for e in ends[:2]] == [1, 2]
    late = [P("T1", "negative", utc(7, 5))]  # arrives after 10:10 and 10:20 were evaluated
    insert_presses(engine, topology, late)
    assert day_votes(ends[0]) == 2  # backfill of 10:10 recounts the day (the newer state stays)
    assert day_votes(ends[2]) == 4  # the late press was stored after the state: it is counted
    assert day_votes(ends[2]) == 4  # the same run again (a restart): same result
    with engine.connect() as conn:
        keys = (
            conn.execute(select(test_state.c.key).where(test_state.c.test == "LOYALTY_MON")).scalars().all()
        )
    assert len(keys) == 1 and keys[0].startswith("day:")


# --- Thresholds and SQL portability ---------------------------------------------------------


def test_default_thresholds() -> None:
    test = LM.LOYALTY_MON()
    win = window(dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK))

    def level(short: str, value: float | None, period: str | None) -> Level | None:
        table = test.thresholds(Measurement(short, value, point="Калужская", period=period), win)  # type: ignore[arg-type]
        return None if table is None else table.assess(value)

    assert level("% негативных ответов", 19.9, "interval") == Level.GOOD
    assert level("% негативных ответов", 50, "interval") == Level.ATTENTION
    assert level("% негативных ответов", 50, "day") == Level.EDGE
    assert level("% негативных ответов", 60, "day") == Level.BAD
    assert level("% 'молчунов'", 79.9, "interval") == Level.EDGE
    assert level("% 'молчунов'", 40, "day") == Level.ATTENTION
    assert level("% 'молчунов'", None, "day") == Level.UNKNOWN
    assert level("Тест работает", 0, None) == Level.BAD and level("Тест работает", 1, None) == Level.GOOD
    assert level("Доступность базы данных (%)", 100, None) == Level.GOOD
    assert level("% позитивных ответов", 10, "interval") is None
    custom = LM.LOYALTY_MON({"negative_interval_thresholds": [1, 2, 3, 4]})
    table = custom.thresholds(Measurement("% негативных ответов", 2.5, period="interval"), win)
    assert table is not None and table.assess(2.5) == Level.ATTENTION
    with pytest.raises(ValueError, match="negative_day_thresholds"):
        LM.LOYALTY_MON({"negative_day_thresholds": [1, 2]})


@pytest.mark.parametrize(
    "dialect", [mssql.dialect(), postgresql.dialect(), sqlite.dialect()], ids=lambda d: d.name
)
def test_queries_compile(dialect: Any) -> None:
    t0, t1 = dt.datetime(2026, 11, 20, 7, 0), dt.datetime(2026, 11, 20, 7, 10)
    day = dt.datetime(2026, 11, 19, 21, 0)
    span = LM.Span(start=t0, end=t1, day_start=day, counted_to=t0, counted_through=1000, through=2000)
    usokok = str(LM.usokok_rows_query(span, dt.timedelta(seconds=30)).compile(dialect=dialect))
    plain = str(LM.plain_counts_query(span).compile(dialect=dialect))
    assert "GROUP BY" in plain
    marker = {"mssql": "DATEADD(millisecond", "postgresql": "make_interval(secs =>", "sqlite": "strftime("}[
        dialect.name
    ]
    assert marker in usokok


def test_the_vectorised_window_rule_at_its_edges() -> None:
    """`classify` on hand-made rows, one pad per edge of SPEC §3's window rule (W = 30 s); the
    rows of different pads are interleaved in time, so that no verdict crosses a pad."""
    s, ind = LM.SELLER_CODE, LM.USOKOK_KINDS.index("negative")
    second = 1_000_000
    # (id, pad, kind, seconds): ids follow the order the presses were stored in
    presses_ = [
        (1, "A", s, 0), (2, "A", s, 10),  # A: the second seller press closes the first window early
        (3, "B", s, 0), (4, "B", ind, 0),  # B: an answer in its seller press's millisecond is outside
        (5, "C", s, 0), (6, "C", ind, 30), (7, "C", ind, 31),  # C: exactly t + W is inside; then outside
        (8, "D", s, 0), (9, "D", s, 10), (10, "D", ind, 10),  # D: an answer at the next seller press is the old window's
        (11, "E", s, 0), (12, "E", s, 0), (13, "E", ind, 5),  # E: two seller presses at once: the first is silent
        (14, "F", ind, 1),  # F: an answer with no seller press of its own pad before it
    ]  # fmt: skip
    # the rows as `usokok_rows_query` gives them: id, point, kind, time, pad number, window, near
    rows = LM.UsokokRows.of(
        np.array([(i, 1, kind, at * second, ord(pad), 30 * second, 1) for i, pad, kind, at in presses_])
    )

    def verdicts(as_of_seconds: int) -> dict[int, str]:
        v = LM.classify(rows, as_of_seconds * second)
        out = {}
        for n, press_id in enumerate(rows.ids.tolist()):
            flags = [name for name in ("accepted", "answered", "silent") if getattr(v, name)[n]]
            out[press_id] = flags[0] if flags else "-"
        return out

    assert verdicts(40) == {
        1: "silent", 2: "-",  # 1: closed by 2 without an answer; 2: 10 + 30 = the end, still open
        3: "silent", 4: "-",  # 4 sorts before its seller press 3, in no window
        5: "answered", 6: "accepted", 7: "-",
        8: "answered", 9: "-", 10: "accepted",
        11: "silent", 12: "answered", 13: "accepted",
        14: "-",
    }  # fmt: skip
    assert verdicts(20)[1] == "silent"  # closed early by the next seller press, not by time
    assert verdicts(30)[3] == "-" and verdicts(31)[3] == "silent"  # t + W = the end: still open
    assert verdicts(41)[2] == "silent" and verdicts(41)[9] == "silent"
