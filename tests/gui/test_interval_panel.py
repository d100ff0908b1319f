"""The interval panel against the real engine, on SQLite and PostgreSQL: a chain with hand-placed
presses (УСОКОК windows of every kind, СОКОК answers, another point, presses just outside the
interval), LOYALTY_MON and QUEUE_LEN evaluated by the Evaluator, a notifier rule that fires on the
interval, and clips of its negative presses. The panel's contents must equal what is stored: the
presses of the interval at the point (and only those), their window statuses (which must agree
with LOYALTY_MON's own counts), the fragments, the drivers and the notifications."""

from __future__ import annotations

import datetime as dt
import wave
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PyQt6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, and_, select, text
from sqlalchemy.dialects import mssql

import notifier
from console.interval_data import (
    RawPress,
    classify_windows,
    interval_length,
    load_interval,
)
from console.interval_panel import IntervalPanel
from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine, utcnow
from probe.store.schema import clips, metric_values, metrics, notifier_outbox, points, presses, queue_samples
from tests.conftest import finish_console_reads
from tests.loyalty_mon.support import P, insert_presses, pad, setup_chain

MSK = ZoneInfo("Europe/Moscow")
END = dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC)  # 12:10 Moscow
START = END - dt.timedelta(minutes=10)
POINT = "Калужская"
CHAIN = {
    "points": [{"name": POINT, "region": "Москва/ЮЗАО"}, {"name": "Тверская", "region": "Москва/ЦАО"}],
    "pads": [pad("U1", POINT, "УСОКОК", 30), pad("S1", POINT, "СОКОК"), pad("T1", "Тверская", "СОКОК")],
}


def t(minute: int, second: float = 0) -> dt.datetime:
    """A naive UTC time in the interval's hour: 09:mm:ss."""
    return dt.datetime(2026, 3, 2, 9, 0) + dt.timedelta(minutes=minute, seconds=second)


PRESSES = [
    P("U1", "seller", t(0, -10)),  # 08:59:50, before the interval: answered by the next press
    P("U1", "negative", t(0, 5)),  # accepted (the answer of 08:59:50)
    P("U1", "seller", t(1)),  # answered by
    P("U1", "negative", t(1, 10)),  # accepted
    P("U1", "seller", t(2)),  # window (09:02:00, 09:02:30] passes without an answer: silent
    P("U1", "positive", t(3)),  # outside a window
    P("U1", "seller", t(4)),  # closed early by the next seller press: silent
    P("U1", "seller", t(4, 10)),  # answered by
    P("U1", "positive", t(4, 20)),  # accepted
    P("U1", "seller", t(9, 50)),  # window still open at the evaluation (until 09:10:20)
    P("S1", "positive", t(5)),
    P("S1", "negative", t(6)),
    P("S1", "passive", t(7)),
    P("S1", "force_majeure", t(8)),
    P("S1", "negative", t(10)),  # 09:10:00: the next interval
    P("S1", "negative", t(0, -1)),  # 08:59:59: the previous one
    P("T1", "negative", t(5)),  # another point
]
WINDOWS = {  # (pad, time) → status as the evaluation at 09:10 saw it
    ("U1", t(0, 5)): "accepted",
    ("U1", t(1)): "answered",
    ("U1", t(1, 10)): "accepted",
    ("U1", t(2)): "silent",
    ("U1", t(3)): "outside",
    ("U1", t(4)): "silent",
    ("U1", t(4, 10)): "answered",
    ("U1", t(4, 20)): "accepted",
    ("U1", t(9, 50)): "open",
}

CONFIG = """
timezone = "Europe/Moscow"
[database]
url = "{url}"
[notifier.smtp]
host = "127.0.0.1"
port = 9
sender = "probe@example.org"
[[notifier.recipients]]
name = "quality"
members = [{{ name = "Анна", email = "anna@example.org" }}]
[[notifier.rules]]
name = "negative"
metrics = "LOYALTY_MON. УСОКОК. {point}. % негативных ответов. Интервал 10 мин"
level = "attention"
consecutive = 1
recipients = ["quality"]
"""


def write_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return path


def build(db_url: str, tmp_path: Path) -> Engine:
    engine = open_engine(db_url)
    init_db(engine)
    topology = setup_chain(engine, CHAIN)
    insert_presses(engine, topology, PRESSES)
    point_id = topology.points[POINT].id
    with engine.begin() as conn:
        conn.execute(
            queue_samples.insert(),
            [
                {"point_id": point_id, "sampled_at": t(m), "length": float(n)}
                for m, n in ((1, 3), (5, 7), (8, 5))
            ],
        )
        negatives = conn.execute(
            select(presses.c.id, presses.c.pressed_at, presses.c.point_id)
            .where(presses.c.kind == "negative")
            .order_by(presses.c.pressed_at)
        ).all()
        now = utcnow()
        for index, press in enumerate(negatives):
            cut = index % 2 == 0
            conn.execute(
                clips.insert().values(
                    press_id=press.id,
                    point_id=press.point_id,
                    kind="negative",
                    pressed_at=press.pressed_at,
                    status="cut" if cut else "missing",
                    starts_at=press.pressed_at - dt.timedelta(seconds=60),
                    ends_at=press.pressed_at + dt.timedelta(seconds=60),
                    path=str(write_wav(tmp_path / f"clip{press.id}.wav")) if cut else None,
                    duration_seconds=120.0 if cut else None,
                    gap_seconds=0.0,
                    attempts=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    config_path = tmp_path / "probe.toml"
    config_path.write_text(CONFIG.format(url=db_url, point=POINT), encoding="utf-8")
    from probe.config import load_config

    config = load_config(config_path)
    evaluator = Evaluator(config, engine, SnapshotHub())
    for end in (START, END):
        for test in ("LOYALTY_MON", "QUEUE_LEN"):
            evaluation = evaluator.evaluate(test, end)
            notifier.feed(config, engine, evaluation)
    return engine


def metric_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(metrics.c.id).where(metrics.c.name == name)).scalar()
    assert found is not None, name
    return int(found)


def stored_value(engine: Engine, name: str) -> float | None:
    with engine.connect() as conn:
        return conn.execute(
            select(metric_values.c.value).where(
                and_(
                    metric_values.c.metric_id == metric_id(engine, name),
                    metric_values.c.at == END,
                )
            )
        ).scalar()


NEG = f"LOYALTY_MON. УСОКОК. {POINT}. % негативных ответов. Интервал 10 мин"


def name(short: str, methodology: str = "УСОКОК") -> str:
    return f"LOYALTY_MON. {methodology}. {POINT}. {short}. Интервал 10 мин"


@pytest.fixture
def built(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = build(db_url, tmp_path)
    yield engine
    finish_console_reads()
    engine.dispose()


def test_contents_equal_what_is_stored(built: Engine) -> None:
    engine = built
    detail = load_interval(engine, metric_id(engine, NEG), END)
    assert detail is not None
    assert (detail.start, detail.end) == (START, END)
    with engine.connect() as conn:
        assert interval_length(conn, metric_id(engine, NEG), END) == 600
    # The stored assessment: 2 negative of 3 accepted answers = 66.7 % → edge.
    assert detail.value == pytest.approx(200 / 3) and detail.level is Level.EDGE
    assert detail.thresholds is not None and detail.thresholds.bounds == (20, 40, 60, 80)

    # Presses: exactly the point's stored presses of [start, end), in order.
    with engine.connect() as conn:
        point_id = conn.execute(select(points.c.id).where(points.c.name == POINT)).scalar()
        stored = conn.execute(
            select(presses.c.id, presses.c.kind, presses.c.pressed_at, presses.c.pad_id)
            .where(
                and_(
                    presses.c.point_id == point_id,
                    presses.c.pressed_at >= START,
                    presses.c.pressed_at < END,
                )
            )
            .order_by(presses.c.pressed_at, presses.c.id)
        ).all()
    assert [(p.id, p.kind, p.at, p.pad) for p in detail.presses] == [tuple(r) for r in stored]
    assert len(detail.presses) == 13 and detail.press_total == 13
    assert {(p.pad, p.at.replace(tzinfo=None)): p.window for p in detail.presses if p.window} == WINDOWS
    assert detail.counts == {
        ("УСОКОК", "seller"): 5, ("УСОКОК", "negative"): 2, ("УСОКОК", "positive"): 2,
        ("СОКОК", "positive"): 1, ("СОКОК", "negative"): 1, ("СОКОК", "passive"): 1, ("СОКОК", "force_majeure"): 1,
    }  # fmt: skip
    answered = next(p for p in detail.presses if p.at.replace(tzinfo=None) == t(1))
    assert answered.answer_at is not None and answered.answer_at.replace(tzinfo=None) == t(1, 10)

    # The windows agree with LOYALTY_MON's own counts of the interval.
    windows = detail.windows
    assert windows["answered"] + windows["silent"] + windows["open"] == stored_value(
        engine, name("Число опросов")
    )
    assert windows["silent"] == stored_value(engine, name("Число 'молчунов'"))
    assert windows["outside"] == stored_value(engine, name("Ответы вне 'Окна'"))
    assert windows["accepted"] == stored_value(engine, name("Число голосований"))

    # Fragments: the stored clips of the interval's presses at the point.
    with engine.connect() as conn:
        stored_clips = conn.execute(
            select(clips.c.press_id, clips.c.status, clips.c.path)
            .where(
                and_(
                    clips.c.point_id == point_id,
                    clips.c.pressed_at >= START,
                    clips.c.pressed_at < END,
                )
            )
            .order_by(clips.c.pressed_at)
        ).all()
    assert [(f.press_id, f.status, str(f.path) if f.path else None) for f in detail.fragments] == [
        tuple(r) for r in stored_clips
    ]
    assert len(detail.fragments) == 3 and {f.press_id for f in detail.fragments} <= {
        p.id for p in detail.presses
    }

    # Drivers: QUEUE_LEN at the point, evaluated for the same interval.
    drivers = {d.info.short_name: d for d in detail.drivers}
    assert set(drivers) == {"Средняя длина очереди", "Максимальная длина очереди"}
    assert drivers["Средняя длина очереди"].value == pytest.approx(5.0)
    assert drivers["Максимальная длина очереди"].value == 7.0
    assert all(d.at == END for d in drivers.values())

    # Notifications: the rule fired on this evaluation (and only on it: 09:00 was good).
    with engine.connect() as conn:
        outbox = conn.execute(select(notifier_outbox.c.rule, notifier_outbox.c.event_at)).all()
    assert [(r.rule, r.event_at) for r in outbox] == [("negative", END)]
    assert [(n.rule, n.kind, n.channel, n.address) for n in detail.notifications] == [
        ("negative", "fire", "email", "anna@example.org")
    ]
    # The previous interval triggered nothing; its presses are its own two.
    earlier = load_interval(engine, metric_id(engine, NEG), START)
    assert earlier is not None and earlier.notifications == []
    assert [p.at.replace(tzinfo=None) for p in earlier.presses] == [t(0, -10), t(0, -1)]


def test_the_panel_shows_them(qtbot: QtBot, built: Engine) -> None:
    engine = built
    detail = load_interval(engine, metric_id(engine, NEG), END)
    assert detail is not None
    panel = IntervalPanel(engine, MSK)
    qtbot.addWidget(panel)
    panel.resize(1500, 700)
    panel.show()
    panel.show_detail(detail)
    assert panel.title.text() == NEG
    assert "12:00 – 12:10" in panel.summary.text() and "на грани" in panel.summary.text()
    # Thresholds with the assessed row marked.
    marked = [r for r in range(panel.thresholds.rowCount()) if panel.thresholds.item(r, 1).font().bold()]  # type: ignore[union-attr]
    assert marked == [3] and "◀ 66,67 %" in panel.thresholds.item(3, 1).text()  # type: ignore[union-attr]
    # Presses one by one, with their windows.
    assert panel.press_list.rowCount() == len(detail.presses) == 13
    windows = Counter(panel.press_list.item(r, 4).text() for r in range(13))  # type: ignore[union-attr]
    assert windows["молчун"] == 2 and windows["вне окна"] == 1 and windows["ответ в окне"] == 3
    assert windows["окно открыто"] == 1 and windows["с ответом 12:01:10"] == 1
    assert "с ответом — 2, молчуны — 2, ещё открыты — 1; ответы вне окна — 1" in panel.windows.text()
    # Counts by methodology and kind.
    headers = [panel.counts.horizontalHeaderItem(c).text() for c in range(panel.counts.columnCount())]  # type: ignore[union-attr]
    rows = {
        panel.counts.item(r, 0).text(): [panel.counts.item(r, c).text() for c in range(1, len(headers))]  # type: ignore[union-attr]
        for r in range(panel.counts.rowCount())
    }
    assert headers[-1] == "Всего" and rows["УСОКОК"][-1] == "9" and rows["СОКОК"][-1] == "4"
    # Fragments with play buttons (enabled where the file is there).
    assert panel.clips.table.rowCount() == 3
    buttons = [panel.clips.table.cellWidget(r, 4) for r in range(3)]
    assert all(isinstance(b, QPushButton) for b in buttons)
    assert [b.isEnabled() for b in buttons] == [f.status == "cut" for f in detail.fragments]  # type: ignore[union-attr]
    # Drivers and notifications.
    assert panel.drivers.rowCount() == 2
    assert panel.notifications.rowCount() == 1 and panel.notifications.item(0, 1).text() == "negative"  # type: ignore[union-attr]


def test_window_rule_by_hand() -> None:
    at = dt.datetime(2026, 3, 2, 9, 0)
    items = [
        RawPress(1, "A", "seller", at, 30),
        RawPress(2, "A", "negative", at, 30),  # the same millisecond: before the seller press
        RawPress(3, "A", "positive", at + dt.timedelta(seconds=30), 30),  # exactly at the window's end
        RawPress(4, "B", "seller", at, 10),
        RawPress(5, "B", "positive", at + dt.timedelta(seconds=11), 10),  # too late
        RawPress(6, "C", "seller", at + dt.timedelta(seconds=55), 30),  # open at 09:01
        RawPress(7, "C", "positive", at + dt.timedelta(seconds=61), 30),  # after the evaluation
    ]
    result = classify_windows(items, at + dt.timedelta(minutes=1))
    assert result == {
        2: ("outside", None),
        1: ("answered", at + dt.timedelta(seconds=30)),
        3: ("accepted", None),
        4: ("silent", None),
        5: ("outside", None),
        6: ("open", None),
    }


def test_new_statements_compile_for_mssql() -> None:
    from console.cockpit_rows import assessed_ids  # noqa: F401 (the query is built inside)
    from probe.store.db import upgrade_statements

    statements = upgrade_statements(mssql.dialect(), {"notifier_outbox": {"id", "rule"}, "metrics": {"id"}})
    assert statements[0] == "CREATE INDEX ix_metrics_point_id ON metrics (point_id)"
    assert statements[1] == "ALTER TABLE notifier_outbox ADD metric_id INTEGER NULL"
    assert statements[2] == "ALTER TABLE notifier_outbox ADD event_at DATETIME2(3) NULL"
    assert "CREATE INDEX ix_notifier_outbox_metric_event" in statements[3]
    # An aggregator already upgraded gets nothing.
    from probe.store.schema import metadata

    tables = ("notifier_outbox", "metrics")
    done = upgrade_statements(
        mssql.dialect(),
        {name: set(metadata.tables[name].c.keys()) for name in tables},
        {name: {str(i.name) for i in metadata.tables[name].indexes} for name in tables},
    )
    assert done == []


def test_an_old_outbox_is_upgraded(db_url: str) -> None:
    engine = open_engine(db_url)
    init_db(engine)
    with engine.begin() as conn:
        notifier_outbox.drop(conn)
        conn.execute(text("DROP INDEX ix_metrics_point_id"))
        # The outbox as the first schema made it: without the metric and the event.
        from sqlalchemy import MetaData, Table

        old = Table(
            "notifier_outbox",
            MetaData(),
            *[c._copy() for c in notifier_outbox.columns if c.name not in ("metric_id", "event_at")],
        )
        old.create(conn)
    init_db(engine)
    from sqlalchemy import inspect

    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("notifier_outbox")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("notifier_outbox")}
    assert {"metric_id", "event_at"} <= columns and "ix_notifier_outbox_metric_event" in indexes
    with engine.connect() as conn:
        assert "ix_metrics_point_id" in {i["name"] for i in inspect(conn).get_indexes("metrics")}
    init_db(engine)  # idempotent
    engine.dispose()
