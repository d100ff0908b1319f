"""Presses that can be trusted (issue 21, point 4): on a pad with `min_seconds_between = S`, an
indicative press less than S seconds after the previous indicative press is stored, marked
suspicious and counted only as `Подозрительные нажатия` — not in metrics 3–16, not as an УСОКОК
answer; `presses list --suspicious` lists them with their audio fragments; nothing is deleted.
Bursts, late and out-of-order arrival, the ingest path, УСОКОК windows; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects import mssql

from probe.commands.presses import press_list_query, previous_press_query
from probe.ingest.sink import _store
from probe.presses import Press, store_presses
from probe.store.db import init_db, open_engine
from probe.store.schema import clips, presses
from probe.topology import TopologyError, parse_topology
from tests.loyalty_mon.support import LM, by_key, pad, run, setup_chain, window
from tests.notifier_helpers import cli

MSK = ZoneInfo("Europe/Moscow")
T0 = dt.datetime(2026, 11, 20, 7, 1, tzinfo=dt.UTC)  # 10:01 Moscow
CHAIN = {
    "points": [{"name": "Калужская"}, {"name": "Тверская"}, {"name": "Арбат"}],
    "pads": [
        {**pad("K", "Калужская", "СОКОК"), "min_seconds_between": 2},
        pad("T", "Тверская", "СОКОК"),  # no minimum: every press counts, as before
        {**pad("U", "Арбат", "УСОКОК", 30), "min_seconds_between": 2},
    ],
}


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def press(topology: object, pad_id: str, kind: str, seconds: float) -> Press:
    the_pad = topology.pads[pad_id]  # type: ignore[attr-defined]
    point_id = topology.points[the_pad.point].id  # type: ignore[attr-defined]
    return Press(pad_id, point_id, the_pad.number_of(kind), kind, at(seconds), None, "test")


def marks(engine: Engine, pad_id: str) -> list[tuple[float, str, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(presses.c.pressed_at, presses.c.kind, presses.c.suspicious)
            .where(presses.c.pad_id == pad_id)
            .order_by(presses.c.pressed_at, presses.c.id)
        ).all()
    return [((row.pressed_at - T0).total_seconds(), row.kind, bool(row.suspicious)) for row in rows]


def test_bursts_are_marked_when_stored_and_marks_never_change(engine: Engine) -> None:
    topology = setup_chain(engine, CHAIN)

    def store(*items: tuple[str, str, float]) -> None:
        with engine.begin() as conn:
            store_presses(conn, [press(topology, p, k, s) for p, k, s in items])

    # A burst: 0, 1, 1.5 (0.5 after a suspicious one: still a burst), a force majeure in between
    # (not indicative: never suspicious, never the "previous" press), 5, 6.999, 8.999 (exactly
    # S = 2 after: not suspicious).
    store(("K", "negative", 0), ("K", "force_majeure", 0.5), ("K", "negative", 1), ("K", "negative", 1.5))
    store(("K", "positive", 5), ("K", "negative", 6.999), ("K", "passive", 8.999))
    # Out of order in one batch: time order decides (30.0 first, 30.5 is the burst).
    store(("K", "positive", 30.5), ("K", "positive", 30.0))
    # Late: 19.0 arrives after 20.0 was stored: the late one is marked, the stored one keeps its mark.
    store(("K", "negative", 20.0))
    store(("K", "negative", 19.0))
    # The same millisecond, two buttons: the one stored second is suspicious.
    store(("K", "negative", 40.0), ("K", "positive", 40.0))
    # Delivered again (a retried line): stored once, its mark unchanged.
    store(("K", "negative", 1.0), ("K", "negative", 1.5))
    assert marks(engine, "K") == [
        (0.0, "negative", False),
        (0.5, "force_majeure", False),
        (1.0, "negative", True),
        (1.5, "negative", True),
        (5.0, "positive", False),
        (6.999, "negative", True),
        (8.999, "passive", False),
        (19.0, "negative", True),
        (20.0, "negative", False),
        (30.0, "positive", False),
        (30.5, "positive", True),
        (40.0, "negative", False),
        (40.0, "positive", True),
    ]
    # A pad without a minimum: the same burst is three ordinary presses.
    store(("T", "negative", 0), ("T", "negative", 1), ("T", "negative", 1.5))
    assert [m[2] for m in marks(engine, "T")] == [False, False, False]
    # Through ingest's own write (COPY on PostgreSQL) the same rule holds.
    _store(engine, [press(topology, "K", "negative", 50.0), press(topology, "K", "negative", 51.0)])
    assert marks(engine, "K")[-2:] == [(50.0, "negative", False), (51.0, "negative", True)]
    # Nothing was deleted.
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(presses)).scalar_one() == 18


def test_topology_validates_the_new_keys() -> None:
    good = parse_topology({**CHAIN, "pads": [{**pad("K", "Калужская", "СОКОК"), "min_seconds_between": 1.5, "expected_presses": 8}], "points": [{"name": "Калужская"}]})  # fmt: skip
    assert good.pads["K"].min_seconds_between == 1.5 and good.pads["K"].expected_presses == 8
    plain = parse_topology({"points": [{"name": "A"}], "pads": [pad("P", "A", "СОКОК")]}).pads["P"]
    # The defaults of issue 21: no minimum gap (off), and a pad is silent once 5 presses are missed.
    assert (plain.min_seconds_between, plain.expected_presses) == (0, 5)
    for key, value in (("min_seconds_between", -1), ("min_seconds_between", "2"), ("min_seconds_between", 4000), ("expected_presses", 0)):  # fmt: skip
        with pytest.raises(TopologyError, match=rf"pads\[0\] \(id 'P'\): {key} must be"):
            parse_topology({"points": [{"name": "A"}], "pads": [{**pad("P", "A", "СОКОК"), key: value}]})


def test_loyalty_mon_counts_suspicious_presses_apart(engine: Engine) -> None:
    topology = setup_chain(engine, CHAIN)
    batch = [
        # Калужская (СОКОК, S = 2): a burst of four negative presses counts as one vote.
        ("K", "negative", 0), ("K", "negative", 0.4), ("K", "negative", 0.8), ("K", "negative", 1.2),
        ("K", "positive", 60),
        # Тверская: no minimum, the same burst is four votes.
        ("T", "negative", 0), ("T", "negative", 0.4), ("T", "negative", 0.8), ("T", "negative", 1.2),
        # Арбат (УСОКОК, S = 2): seller at 100, answer at 101 (accepted), a second press at 101.5
        # (suspicious: neither an answer nor "outside the window"); a press at 199 (outside, no
        # window open), seller at 200 and a press at 200.5 — 1.5 s after the one at 199, so
        # suspicious: not the window's answer, the window closes silent.
        ("U", "seller", 100), ("U", "positive", 101), ("U", "positive", 101.5),
        ("U", "negative", 199), ("U", "seller", 200), ("U", "negative", 200.5),
    ]  # fmt: skip
    with engine.begin() as conn:
        store_presses(conn, [press(topology, p, k, s) for p, k, s in batch])
    # Earlier in the day: one suspicious press of Калужская (the day count has it, the interval not).
    with engine.begin() as conn:
        store_presses(
            conn, [press(topology, "K", "positive", -3000), press(topology, "K", "positive", -2999.5)]
        )
    got = by_key(run(engine, topology, window(dt.datetime(2026, 11, 20, 10, 10, tzinfo=MSK))))

    def value(methodology: str, point: str, short: str, period: str = "interval") -> float | None:
        return got[(methodology, point, None, short, period)]

    assert value("СОКОК", "Калужская", "Число голосований") == 2
    assert value("СОКОК", "Калужская", "Негативные ответы") == 1
    assert value("СОКОК", "Калужская", "% негативных ответов") == 50
    assert value("СОКОК", "Калужская", LM.SUSPICIOUS) == 3
    assert value("СОКОК", "Калужская", LM.SUSPICIOUS, "day") == 4
    assert value("СОКОК", "Калужская", "Число голосований", "day") == 3
    assert value("СОКОК", "Тверская", "Число голосований") == 4
    assert ("СОКОК", "Тверская", None, LM.SUSPICIOUS, "interval") not in got  # no minimum: no metric
    assert value("СОКОК", "Итого по компании", LM.SUSPICIOUS) == 3
    assert value("СОКОК", "Итого по компании", "Число голосований") == 6
    assert value("УСОКОК", "Арбат", "Число голосований") == 1
    assert value("УСОКОК", "Арбат", "Ответы вне 'Окна'") == 1  # only the press at 199
    assert value("УСОКОК", "Арбат", "Число 'молчунов'") == 1  # the window of 200
    assert value("УСОКОК", "Арбат", "% 'молчунов'") == 50
    assert value("УСОКОК", "Арбат", LM.SUSPICIOUS) == 2
    assert value("УСОКОК", "Итого по компании", LM.SUSPICIOUS, "day") == 2


def test_presses_list_suspicious(engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    topology = setup_chain(engine, CHAIN)
    with engine.begin() as conn:
        store_presses(
            conn,
            [
                press(topology, "K", "negative", 0),
                press(topology, "K", "negative", 0.25),
                press(topology, "U", "positive", 10),
                press(topology, "U", "positive", 11),
                press(topology, "T", "negative", 12),
                press(topology, "T", "negative", 12.5),
            ],
        )
        burst = conn.execute(select(presses.c.id).where(presses.c.pad_id == "K", presses.c.suspicious == True)).scalar_one()  # noqa: E712  # fmt: skip
        conn.execute(
            clips.insert().values(
                press_id=burst, point_id=topology.points["Калужская"].id, kind="negative", pressed_at=at(0.25),
                status="cut", starts_at=at(-59.75), ends_at=at(60.25), path="/srv/clips/k-burst.mp3",
                attempts=1, created_at=at(100), updated_at=at(100),
            )
        )  # fmt: skip
    config = tmp_path / "probe.toml"
    config.write_text(f'timezone = "Europe/Moscow"\n[database]\nurl = "{db_url}"\n', encoding="utf-8")
    result = cli(capsys, "presses", "list", "--suspicious", "--format", "json", config=config)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["point"], r["pad"], r["seconds_after_previous"]) for r in rows] == [("Арбат", "U", 1.0), ("Калужская", "K", 0.25)]  # fmt: skip
    assert rows[1]["clip"] == {"status": "cut", "path": "/srv/clips/k-burst.mp3"} and rows[0]["clip"] is None
    assert all(r["suspicious"] and r["min_seconds_between"] == 2 for r in rows)
    only = cli(capsys, "presses", "list", "--suspicious", "--point", "Калужская", "--since", "2026-11-20T10:00", "--format", "json", config=config)  # fmt: skip
    assert [r["pad"] for r in json.loads(only.stdout)] == ["K"]
    later = cli(capsys, "presses", "list", "--suspicious", "--since", "2026-11-20T10:01:05", "--format", "json", config=config)  # fmt: skip
    assert [r["pad"] for r in json.loads(later.stdout)] == ["U"]
    table = cli(capsys, "presses", "list", "--suspicious", config=config)
    assert "/srv/clips/k-burst.mp3" in table.stdout and "0.25 s" in table.stdout
    assert len(json.loads(cli(capsys, "presses", "list", "--format", "json", config=config).stdout)) == 6
    wrong = cli(capsys, "presses", "list", "--suspicious", "--point", "Нет такой", config=config)
    assert wrong.returncode != 0 and "--point: no service point 'Нет такой'" in wrong.stderr
    # Russian first: the table and the errors in Russian.
    ru = cli(capsys, "--lang", "ru", "presses", "list", "--suspicious", config=config)
    assert "после предыдущего" in ru.stdout and "0.25 с" in ru.stdout and "подозрительное" in ru.stdout
    nothing = cli(capsys, "--lang", "ru", "presses", "list", "--suspicious", "--since", "2030-01-01T00:00", config=config)  # fmt: skip
    assert "подходящих подозрительных нажатий нет" in nothing.stdout
    wrong = cli(capsys, "--lang", "ru", "presses", "list", "--point", "Нет такой", config=config)
    assert wrong.returncode != 0 and "--point: нет точки обслуживания 'Нет такой'" in wrong.stderr


def test_db_init_adds_the_marks_to_an_older_database(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        init_db(engine)
        setup_chain(engine, CHAIN)
        with engine.begin() as conn:
            for table, column in (("presses", "suspicious"), ("pads", "min_seconds_between"), ("pads", "expected_presses")):  # fmt: skip
                conn.execute(text("DROP INDEX IF EXISTS ix_presses_suspicious_time"))
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        init_db(engine)
        with engine.connect() as conn:
            assert conn.execute(select(presses.c.suspicious)).all() == []
            from probe.topology import load_topology

            pads_now = load_topology(conn).pads
        assert pads_now["K"].min_seconds_between == 0 and pads_now["K"].expected_presses == 5
    finally:
        engine.dispose()


def test_the_statements_compile_for_sql_server() -> None:
    dialect = mssql.dialect()
    listed = str(
        press_list_query(suspicious=True, point_id=3, since=T0, until=None, limit=10).compile(dialect=dialect)
    )
    assert "presses.suspicious = 1" in listed and "TOP" in listed
    str(previous_press_query("K", T0, 5).compile(dialect=dialect))
    counted = str(LM.suspicious_counts_query(start=T0, end=T0, day_start=T0).compile(dialect=dialect))
    assert "presses.suspicious = 1" in counted
    span = LM.Span(start=T0, end=T0, day_start=T0, counted_to=T0, counted_through=0, through=10)
    plain = str(LM.plain_counts_query(span).compile(dialect=dialect))
    assert "coalesce(presses.suspicious, 0) = 0" in plain
    usokok = str(LM.usokok_rows_query(span, dt.timedelta(seconds=30)).compile(dialect=dialect))
    assert "coalesce(presses.suspicious, 0) = 0" in usokok


def test_day_totals_kept_between_runs_leave_suspicious_presses_out(engine: Engine) -> None:
    """The running day totals (the state store) add what each run did not count; suspicious
    presses — on time, arriving late inside an earlier burst, or late next to an УСОКОК answer —
    stay out of them exactly as out of a full recount of the day."""
    topology = setup_chain(engine, CHAIN)

    def store(*items: tuple[str, str, float]) -> None:
        with engine.begin() as conn:
            store_presses(conn, [press(topology, p, k, s) for p, k, s in items])

    def both(end_minute: int) -> tuple[dict[object, object], dict[object, object]]:
        win = window(dt.datetime(2026, 11, 20, 10, end_minute, tzinfo=MSK))
        kept = by_key(run(engine, topology, win))
        recount = by_key(run(engine, topology, win, keep_day_totals=False))
        return kept, recount

    # 10:01:00 (T0) onwards: a burst on K, an answered УСОКОК window on U with a burst after it.
    store(("K", "negative", 0), ("K", "negative", 1), ("U", "seller", 60), ("U", "positive", 65), ("U", "positive", 66))  # fmt: skip
    kept, recount = both(10)
    assert kept == recount
    day = ("day",)
    assert kept[("СОКОК", "Калужская", None, "Число голосований", *day)] == 1
    assert kept[("УСОКОК", "Арбат", None, "Число голосований", *day)] == 1
    kept, recount = both(20)
    assert kept == recount
    # Stored late: a press just before the K burst (suspicious: the stored one is within 2 s after
    # it), a press just before the U answer (suspicious: it must not steal the window's answer),
    # and a genuine late positive on K.
    store(("K", "negative", -0.5), ("U", "positive", 64), ("K", "positive", 240))
    kept, recount = both(30)
    assert kept == recount
    assert kept[("СОКОК", "Калужская", None, "Число голосований", *day)] == 2
    assert kept[("СОКОК", "Калужская", None, LM.SUSPICIOUS, *day)] == 2
    assert kept[("УСОКОК", "Арбат", None, "Число голосований", *day)] == 1
    assert kept[("УСОКОК", "Арбат", None, "Ответы вне 'Окна'", *day)] == 0
    assert kept[("УСОКОК", "Арбат", None, "% 'молчунов'", *day)] == 0
    assert kept[("УСОКОК", "Арбат", None, LM.SUSPICIOUS, *day)] == 2
