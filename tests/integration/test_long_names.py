"""Long names (issue 17, point 6), on SQLite and PostgreSQL: the schema's limits are checked at
import the same way on every dialect; metric keys and names fit their columns (a stable hash
where a name is long) and stay unique; a long but accepted point name never breaks LOYALTY_MON
for the other points."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from probe.config import parse_config
from probe.engine import Evaluator
from probe.presses import Press, store_presses
from probe.snapshot import SnapshotHub
from probe.store.schema import metrics, points
from probe.topology import TopologyError, import_topology, load_topology, parse_topology

MSK = dt.timezone(dt.timedelta(hours=3))
END = dt.datetime(2026, 3, 10, 12, 30, tzinfo=MSK)
SHCH = "щ" * 190  # accepted (200 is the limit), 760 characters once transliterated into a key
REALISTIC = (
    "Автозаправочная станция № 17 на пересечении Варшавского шоссе и улицы Красного Маяка, "
    "Чертаново Центральное, Южный административный округ города Москвы, у торгового центра «Глобус», "
    "вход со двора слева"
)[:199]


def chain(names: list[str]) -> dict[str, object]:
    return {
        "points": [{"name": name, "region": "Москва/ЮАО"} for name in names],
        "questions": [{"id": "Q1", "text": "Как Вам у нас понравилось?"}],
        "pads": [
            {
                "id": f"P{i}",
                "point": name,
                "methodology": "СОКОК",
                "buttons": {"1": "positive", "3": "negative"},
            }
            for i, name in enumerate(names)
        ],
    }


@pytest.mark.parametrize("length", [201, 10_000])
def test_a_name_over_the_schema_limit_is_refused_at_import_on_every_dialect(
    engine: Engine, length: int
) -> None:
    with pytest.raises(TopologyError) as info:
        parse_topology(chain(["Калужская", "Ж" * length]), "chain.toml")
    message = str(info.value)
    assert message == (
        f"chain.toml: points[1]: 'name' is {length} characters long; at most 200 fit (column points.name)\n"
        f"chain.toml: pads[1] (id 'P1'): 'point' is {length} characters long; at most 200 fit (column points.name)"
    )
    questions = {"points": [{"name": "К"}], "questions": [{"id": "Q" * 65, "text": "?" * 401}], "pads": []}
    with pytest.raises(
        TopologyError, match=r"'id' is 65 characters long; at most 64 fit \(column questions.id\)"
    ):
        parse_topology(questions)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(points)).scalar_one() == 0


def test_long_point_names_keep_loyalty_mon_working_for_every_point(engine: Engine) -> None:
    assert len(REALISTIC) == 199
    names = ["Калужская", SHCH, REALISTIC, "Тверская"]
    import_topology(engine, parse_topology(chain(names)))
    with engine.begin() as conn:
        ids = {name: point.id for name, point in load_topology(conn).points.items()}
        at = (END - dt.timedelta(minutes=5)).astimezone(dt.UTC).replace(tzinfo=None)
        store_presses(
            conn, [Press(f"P{i}", ids[name] or 0, 3, "negative", at, None) for i, name in enumerate(names)]
        )
    config = parse_config(
        {"database": {"url": engine.url.render_as_string(hide_password=False)}, "tests": {"builtin": True}}
    )
    evaluation = Evaluator(config, engine, SnapshotHub()).evaluate("LOYALTY_MON", END)
    assert evaluation.test_ok, evaluation
    by_point: dict[str | None, list[object]] = {}
    for m in evaluation.metrics:
        by_point.setdefault(m.point, []).append(m)
    assert set(by_point) >= {*names, None}
    assert len({len(v) for name, v in by_point.items() if name in names}) == 1  # every point alike
    with engine.connect() as conn:
        stored = conn.execute(select(metrics.c.key, metrics.c.name)).all()
    keys = [row.key for row in stored]
    assert len(keys) == len(set(keys)) == len(evaluation.metrics)
    assert max(len(key) for key in keys) <= 250 and max(len(row.name) for row in stored) <= 500
    long_keys = [key for key in keys if len(key) == 250 or "shchshch" in key]
    assert long_keys and all(key.rsplit(".", 1)[-1].isalnum() for key in long_keys)
    # the same keys again on the next run (stable), so the metrics keep their ids
    again = Evaluator(config, engine, SnapshotHub()).evaluate("LOYALTY_MON", END + dt.timedelta(minutes=10))
    assert {m.key for m in again.metrics} == {m.key for m in evaluation.metrics}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(metrics)).scalar_one() == len(keys)
