"""The topology a run reads is what is committed (issue 15): on PostgreSQL the evaluator keeps the
topology it loaded and reloads it only when the fingerprint of the topology tables changed; every
kind of committed change — by any process, in any table, back to the same values — is seen by the
next run. On SQLite the topology is loaded for every run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from probe.engine import Evaluator
from probe.store.schema import buttons, pads, points, questions
from probe.topology import load_topology, topology_fingerprint
from tests.engine.conftest import add_presses

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 20, tzinfo=MSK)

# Committed changes of every kind to the topology tables, each in its own transaction.
CHANGES: dict[str, Callable[[Engine], None]] = {
    "a pad's window": lambda e: _run(e, pads.update().values(window_seconds=pads.c.window_seconds + 1)),
    "the same values written again": lambda e: _run(e, points.update().values(region=points.c.region)),
    "a button removed": lambda e: _run(e, buttons.delete().where(buttons.c.number == 1)),
    "a question added": lambda e: _run(e, questions.insert().values(id="Q9", text="Новый вопрос?")),
    "a question removed and added back the same": lambda e: _same_row_again(e),
}


def _run(engine: Engine, statement: object) -> None:
    with engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def _same_row_again(engine: Engine) -> None:
    with engine.begin() as conn:
        row = conn.execute(questions.select().limit(1)).one()._asdict()
        conn.execute(questions.delete().where(questions.c.id == row["id"]))
        conn.execute(questions.insert().values(**row))


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_committed_topology_change_reaches_the_next_run(
    engine: Engine, make_evaluator: Callable[..., Evaluator], change: str
) -> None:
    evaluator = make_evaluator()
    first = evaluator._prepare("COUNTING")
    assert first is not None
    again = evaluator._prepare("COUNTING")
    assert again is not None and again.topology == load_topology(engine)
    if engine.dialect.name == "postgresql":
        assert again.topology is first.topology  # unchanged: not read again
    with engine.connect() as conn:
        before = topology_fingerprint(conn)
    CHANGES[change](engine)
    with engine.connect() as conn:
        after = topology_fingerprint(conn)
    same_contents = change in ("the same values written again", "a question removed and added back the same")
    if engine.dialect.name == "postgresql":
        assert before is not None and after is not None and before != after
    else:
        assert before is None and after is None
    changed = evaluator._prepare("COUNTING")
    assert changed is not None
    assert changed.topology == load_topology(engine)
    if not same_contents:
        assert changed.topology != first.topology


def test_a_point_added_by_another_process_is_evaluated_by_the_next_run(
    engine: Engine, make_evaluator: Callable[..., Evaluator]
) -> None:
    evaluator = make_evaluator()
    add_presses(engine, "P1", "negative", [END - dt.timedelta(minutes=1)])
    names = {m.name for m in evaluator.evaluate("COUNTING", END).metrics}
    assert not any("Новая точка" in name for name in names)
    with engine.begin() as conn:  # as another process would: plain SQL, nothing in this one told
        conn.execute(
            text("INSERT INTO points (id, name, region, opening_hours) VALUES (99, 'Новая точка', '', '')")
        )
    later = {m.name for m in evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=10)).metrics}
    assert "COUNTING. СОКОК. Новая точка. Негативные ответы. Интервал 10 мин" in later
