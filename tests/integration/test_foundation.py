"""The foundation against real databases: schema, topology and press import, demo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from probe.demo import install_demo
from probe.presses import ANY_TIME, import_presses_csv
from probe.store.db import init_db, open_engine, schema_version
from probe.store.schema import buttons, metric_values, pads, points, presses, questions, queue_samples
from probe.topology import TopologyError, import_topology, load_topology, parse_topology, read_topology_file
from tests.helpers import run_cli

TOPOLOGY = """
[[points]]
name = "Калужская"
region = "Москва/ЮЗАО"
[[points]]
name = "Невский"
region = "Санкт-Петербург/Центральный"
opening_hours = "08:00-22:00"
[[questions]]
id = "Q1"
text = "Как Вам у нас понравилось?"
[[pads]]
id = "P-201"
point = "Калужская"
methodology = "УСОКОК"
window_seconds = 30
[pads.buttons]
1 = "positive"
2 = "passive"
3 = "negative"
4 = "force_majeure"
5 = "seller"
[[pads]]
id = "P-301"
point = "Невский"
methodology = "Опросы"
[pads.buttons]
1 = "positive"
2 = "passive"
3 = "negative"
5 = "red"
"""


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_db_init_is_idempotent(engine: Engine) -> None:
    assert init_db(engine) == []
    assert init_db(engine) == []
    assert schema_version(engine) == 1


def test_topology_import_updates_without_duplicates(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(TOPOLOGY, encoding="utf-8")
    import_topology(engine, read_topology_file(path))
    import_topology(engine, read_topology_file(path.with_name("topology.toml")))
    assert count(engine, points) == 2
    assert count(engine, pads) == 2
    assert count(engine, buttons) == 9
    assert count(engine, questions) == 1
    changed = TOPOLOGY.replace('region = "Москва/ЮЗАО"', 'region = "Москва/ЗАО"').replace(
        '4 = "force_majeure"\n', ""
    )
    import_topology(engine, parse_topology(__import__("tomllib").loads(changed)))
    topology = load_topology(engine)
    assert topology.points["Калужская"].region == "Москва/ЗАО"
    assert topology.pads["P-201"].buttons == {1: "positive", 2: "passive", 3: "negative", 5: "seller"}
    assert count(engine, points) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('methodology = "УСОКОК"', 'methodology = "УСОК"'),
            "pads[0] (id 'P-201'): unknown methodology 'УСОК'",
        ),
        (('1 = "positive"', '1 = "positiv"'), "button 1: unknown kind 'positiv'"),
        (('point = "Калужская"', 'point = "Тверская"'), "pads[0] (id 'P-201'): unknown point 'Тверская'"),
        (("window_seconds = 30", "window_secs = 30"), "unknown key 'window_secs'"),
        (('5 = "red"', '5 = "seller"'), "'seller' exists only on УСОКОК pads"),
    ],
)
def test_topology_errors_are_clear_and_nothing_is_written(
    engine: Engine, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TOPOLOGY.replace(*change, 1), encoding="utf-8")
    with pytest.raises(TopologyError) as info:
        read_topology_file(path)
    assert f"{path}: " in str(info.value)
    assert message in str(info.value)
    assert count(engine, points) == 0


def test_press_import_reports_bad_rows_and_stores_good_ones_once(engine: Engine, tmp_path: Path) -> None:
    import tomllib

    import_topology(engine, parse_topology(tomllib.loads(TOPOLOGY)))
    topology = load_topology(engine)
    csv_path = tmp_path / "presses.csv"
    csv_path.write_text(
        "pad,button,pressed_at,question\n"
        "P-201,5,2026-11-20T10:00:00.123+03:00,\n"  # 2 good
        "P-201,positive,2026-11-20T07:00:05Z,\n"  # 3 good (kind name)
        "P-999,1,2026-11-20T10:00:00Z,\n"  # 4 unknown pad
        "P-201,7,2026-11-20T10:00:00Z,\n"  # 5 unknown button
        "P-201,1,2026-11-20 10:00,\n"  # 6 no offset
        "P-201,1,yesterday,\n"  # 7 bad time
        "P-301,1,2026-11-20T10:00:00Z,Q9\n"  # 8 unknown question
        "P-301,1,2026-11-20T10:00:00.5Z,Q1\n"  # 9 good
        "P-301,1,2026-11-20T10:00:00Z\n"  # 10 Опросы answer without question
        "P-301,5,2026-11-20T10:00:01Z,\n",  # 11 good (red needs no question)
        encoding="utf-8",
    )
    report = import_presses_csv(engine, topology, csv_path, window=ANY_TIME)
    assert report.stored == 4
    assert [e.split(": ", 1)[0] for e in report.errors] == [f"{csv_path}:{n}" for n in (4, 5, 6, 7, 8, 10)]
    assert "unknown pad 'P-999'" in report.errors[0]
    assert "unknown button '7'" in report.errors[1]
    assert "has no offset" in report.errors[2]
    assert "bad time" in report.errors[3]
    assert "unknown question 'Q9'" in report.errors[4]
    again = import_presses_csv(engine, topology, csv_path, window=ANY_TIME)
    assert again.stored == 0 and again.duplicates == 4
    assert count(engine, presses) == 4
    with engine.connect() as conn:
        rows = conn.execute(select(presses).order_by(presses.c.pressed_at, presses.c.pad_id)).all()
    first = rows[0]
    assert first.pressed_at == dt.datetime(2026, 11, 20, 7, 0, 0, 123000, tzinfo=dt.UTC)
    assert first.kind == "seller"
    assert rows[1].kind == "positive" and rows[1].button == 1
    assert {r.question_id for r in rows} == {None, "Q1"}


def test_cli_import_exit_status(write_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config()
    topo = tmp_path / "topology.toml"
    topo.write_text(TOPOLOGY, encoding="utf-8")
    not_ready = run_cli("topology", "import", str(topo), config=config)
    assert not_ready.returncode != 0 and "run 'prolan-probe db init'" in not_ready.stderr
    run_cli("db", "init", config=config, check=True)
    assert "schema is up to date" in run_cli("db", "init", config=config, check=True).stdout
    run_cli("topology", "import", str(topo), config=config, check=True)
    good = tmp_path / "good.csv"
    good.write_text("pad,button,pressed_at,question\nP-201,1,2026-11-20T10:00:00Z,\n", encoding="utf-8")
    result = run_cli("presses", "import", str(good), "--max-age-days", "0", config=config)
    assert result.returncode == 0, result.stderr
    assert "1 stored" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "pad,button,pressed_at,question\nP-201,1,2026-11-20T10:00:01Z,\nP-0,1,x,\n", encoding="utf-8"
    )
    result = run_cli("presses", "import", str(bad), "--max-age-days", "0", config=config)
    assert result.returncode == 1
    assert f"{bad}:3: unknown pad 'P-0'" in result.stderr
    assert "1 stored" in result.stdout and "1 refused" in result.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("[[points]]\nname = 5\n", encoding="utf-8")
    result = run_cli("topology", "import", str(broken), config=config)
    assert result.returncode == 2 and "points[0]: 'name' must be a non-empty string" in result.stderr


def test_demo_is_deterministic_and_realistic(engine: Engine) -> None:
    tz = ZoneInfo("Europe/Moscow")
    end = dt.datetime(2026, 11, 20, 15, 0, tzinfo=tz)
    first = install_demo(engine, tz, days=1, seed=7, end=end)
    with engine.connect() as conn:
        snapshot = conn.execute(select(presses.c.pad_id, presses.c.pressed_at, presses.c.kind)).all()
    second = install_demo(engine, tz, days=1, seed=7, end=end)
    with engine.connect() as conn:
        again = conn.execute(select(presses.c.pad_id, presses.c.pressed_at, presses.c.kind)).all()
    assert first.presses == second.presses == len(again)
    assert sorted(snapshot) == sorted(again)
    topology = load_topology(engine)
    assert len(topology.points) >= 12
    assert len({p.region.split("/")[0] for p in topology.points.values()}) >= 3
    assert {p.methodology for p in topology.pads.values()} == {"СОКОК", "УСОКОК", "Опросы"}
    assert len(topology.questions) >= 2
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(presses.c.kind, func.count()).group_by(presses.c.kind)).all())
        # closed shops get nothing at night; petrol stations do
        night = conn.execute(
            select(func.count())
            .select_from(presses.join(points, presses.c.point_id == points.c.id))
            .where(points.c.opening_hours != "", presses.c.pressed_at < dt.datetime(2026, 11, 20, 1, 0))
            .where(presses.c.pressed_at >= dt.datetime(2026, 11, 19, 21, 0))
        ).scalar_one()
    assert set(kinds) == {"positive", "negative", "passive", "force_majeure", "seller", "red"}
    assert night == 0


def test_demo_history_can_be_installed_again_from_a_start_off_the_sampling_grid(engine: Engine) -> None:
    """`make demo` twice: a span starting at 13:03 has its first queue sample at 13:00, which the
    second run replaces instead of failing on the existing one."""
    tz = ZoneInfo("Europe/Moscow")
    end = dt.datetime(2026, 11, 20, 15, 3, tzinfo=tz)
    first = install_demo(engine, tz, hours=2, seed=7, end=end)
    second = install_demo(engine, tz, hours=2, seed=7, end=end + dt.timedelta(minutes=1))
    assert first.queue_samples == second.queue_samples > 0
    assert count(engine, queue_samples) == second.queue_samples


def test_demo_point_degrades_in_the_last_hours(engine: Engine) -> None:
    tz = ZoneInfo("Europe/Moscow")
    end = dt.datetime(2026, 11, 20, 23, 0, tzinfo=tz)
    install_demo(engine, tz, days=1, seed=3, end=end)
    topology = load_topology(engine)
    point_id = topology.points["АЗС Тёплый Стан"].id
    last = (end - dt.timedelta(hours=2)).astimezone(dt.UTC).replace(tzinfo=None)

    def negative_share(start: dt.datetime, stop: dt.datetime) -> float:
        with engine.connect() as conn:
            rows = dict(
                conn.execute(
                    select(presses.c.kind, func.count())
                    .where(
                        presses.c.point_id == point_id,
                        presses.c.pressed_at >= start,
                        presses.c.pressed_at < stop,
                    )
                    .group_by(presses.c.kind)
                ).all()
            )
        votes = rows.get("positive", 0) + rows.get("negative", 0) + rows.get("passive", 0)
        return rows.get("negative", 0) / votes

    morning = (end - dt.timedelta(hours=14)).astimezone(dt.UTC).replace(tzinfo=None)
    assert negative_share(morning, morning + dt.timedelta(hours=4)) < 0.2
    assert negative_share(last, last + dt.timedelta(hours=2)) > 0.5


def test_demo_command_evaluates_so_the_degrading_point_is_bad_now(tmp_path: Path) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "demo.sqlite"}"\n', encoding="utf-8")
    # Three hours of a night: the 24-hour station has fully degraded, the others are quiet or closed.
    run_cli("demo", "--days", "0.1", "--until", "2026-11-20T03:00", config=config, check=True, timeout=600)
    states = json.loads(run_cli("metrics", "--format", "json", config=config, check=True).stdout)
    by_name = {s["name"]: s for s in states}
    negative = by_name["LOYALTY_MON. УСОКОК. АЗС Тёплый Стан. % негативных ответов. Интервал 10 мин"]
    assert negative["level"] == "bad" and negative["time"] == "2026-11-20T00:00:00Z"
    assert by_name["LOYALTY_MON. Тест работает"]["value"] == 1
    # History exists for every interval of the simulated span, not only the last one.
    runs = json.loads(run_cli("tests", "--format", "json", config=config, check=True).stdout)
    assert {t["name"]: t["state"] for t in runs["tests"]}["LOYALTY_MON"] == "ok"
    with open_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}").connect() as conn:
        ends = conn.execute(select(func.count(func.distinct(metric_values.c.at)))).scalar_one()
    assert ends == 18
