"""`prolan-probe baseline` and `overrides` on a constructed history, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from probe.store.db import utcnow
from probe.store.schema import metric_values, metrics, points, threshold_overrides
from probe.store.threshold_tables import stored_id
from tests.helpers import run_cli

MSK = ZoneInfo("Europe/Moscow")
NEG = "% негативных ответов. Интервал 10 мин"
WORSE = json.dumps({"direction": "higher_worse", "bounds": [20, 40, 60, 80]})
BETTER = json.dumps({"direction": "higher_better", "bounds": [90, 80, 70, 60]})
EQUAL = json.dumps({"direction": "equal", "bounds": [1]})


def add_metric(
    conn: object,
    metric_id: int,
    name: str,
    point_id: int | None,
    values: list[float | None],
    thresholds: str | None,
) -> None:
    end = dt.datetime(2026, 11, 16, 9, 0)  # Monday 12:00 MSK, naive UTC as stored
    conn.execute(  # type: ignore[attr-defined]
        metrics.insert().values(
            id=metric_id,
            key=f"m{metric_id}",
            name=name,
            test="LOYALTY_MON",
            point_id=point_id,
            short_name=name.split(". ")[-2],
            period="interval",
            created_at=utcnow(),
        )
    )
    for i, value in enumerate(values):
        conn.execute(  # type: ignore[attr-defined]
            metric_values.insert().values(
                metric_id=metric_id,
                at=end + dt.timedelta(minutes=10 * i),
                value=value,
                level=None if thresholds is None else "good",
                threshold_id=stored_id(conn, thresholds),  # type: ignore[arg-type]
            )
        )


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(points.insert().values(id=1, name="Калужская", region="Москва/ЮЗАО"))
        conn.execute(points.insert().values(id=2, name="Невский", region="СПб"))
        # Калужская: median of 10, 14, 12, None, 30, 11 (None left out) = 12.
        add_metric(conn, 1, f"LOYALTY_MON. СОКОК. Калужская. {NEG}", 1, [10, 14, 12, None, 30, 11], WORSE)
        # Невский: median 6 -> below the floor of 1? no: 6, thresholds 6/12/18/24.
        add_metric(conn, 2, f"LOYALTY_MON. СОКОК. Невский. {NEG}", 2, [6, 5, 7, 6], WORSE)
        # A higher-is-better metric and two that are not candidates (equality, not assessed).
        add_metric(
            conn, 3, "LOYALTY_MON. СОКОК. Невский. % голосов. Интервал 10 мин", 2, [80, 90, 100], BETTER
        )
        add_metric(conn, 4, "LOYALTY_MON. Тест работает", None, [1, 1, 1, 1], EQUAL)
        add_metric(conn, 5, "LOYALTY_MON. СОКОК. Невский. Голосов. Интервал 10 мин", 2, [3, 4, 5], None)


WINDOW = ["--from", "2026-11-16", "--to", "2026-11-17"]


def test_baseline_proposes_from_history_and_applies(
    engine: Engine, write_config: Callable[..., Path]
) -> None:
    seed(engine)
    config = write_config()
    result = run_cli(
        "baseline", "--test", "LOYALTY_MON", *WINDOW, "--format", "json", config=config, check=True
    )
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {1, 2, 3}
    assert rows[1]["point"] == "Калужская"
    assert rows[1]["typical"] == 12 and rows[1]["thresholds"] == [12, 24, 36, 48] and rows[1]["samples"] == 5
    assert rows[2]["typical"] == 6 and rows[2]["thresholds"] == [6, 12, 18, 24]
    assert rows[3]["direction"] == "higher_better" and rows[3]["thresholds"] == [90, 45, 30, 22.5]
    assert rows[1]["current"] == [20, 40, 60, 80]

    # One point only, a percentile, other coefficients, as a table.
    one = run_cli(
        "baseline", "--test", "LOYALTY_MON", "--point", "Невский", *WINDOW, "--percentile", "100",
        "--coefficients", "1.5,2,2.5", "--format", "json", config=config, check=True,
    )  # fmt: skip
    only = json.loads(one.stdout)
    assert {r["id"] for r in only} == {2, 3}
    assert next(r for r in only if r["id"] == 2)["thresholds"] == [7, 10.5, 14, 17.5]
    table = run_cli("baseline", "--test", "LOYALTY_MON", *WINDOW, config=config, check=True)
    assert "Калужская" in table.stdout and "12 / 24 / 36 / 48" in table.stdout

    # --apply stores one override per metric and point; applying again replaces, never duplicates.
    for _ in range(2):
        run_cli("baseline", "--test", "LOYALTY_MON", *WINDOW, "--apply", config=config, check=True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(threshold_overrides)).scalar() == 3
    listed = json.loads(run_cli("overrides", "list", "--format", "json", config=config, check=True).stdout)
    by_metric = {o["metric"]: o for o in listed}
    kal = by_metric[f"LOYALTY_MON. СОКОК. Калужская. {NEG}"]
    assert (
        kal["point"] == "Калужская" and kal["thresholds"] == [12, 24, 36, 48] and kal["source"] == "baseline"
    )

    # Remove one by id, then the rest of a point, then check what is left.
    run_cli("overrides", "remove", str(kal["id"]), config=config, check=True)
    run_cli("overrides", "remove", "--test", "LOYALTY_MON", "--point", "Невский", config=config, check=True)
    assert (
        json.loads(run_cli("overrides", "list", "--format", "json", config=config, check=True).stdout) == []
    )
    nothing = run_cli("overrides", "remove", "--test", "LOYALTY_MON", config=config)
    assert nothing.returncode == 1 and "removed 0" in nothing.stdout


def test_hour_of_week_apply_stores_one_override_per_hour(
    engine: Engine, write_config: Callable[..., Path]
) -> None:
    seed(engine)
    config = write_config()
    result = run_cli(
        "baseline", "--test", "LOYALTY_MON", "--point", "Калужская", *WINDOW, "--hour-of-week",
        "--min-samples", "1", "--format", "json", "--apply", config=config, check=True,
    )  # fmt: skip
    rows = json.loads(result.stdout)
    # Intervals ending 12:00..12:50 MSK Monday: 12:00 belongs to hour 11, the rest to hour 12.
    assert sorted((r["hour_of_week"], r["typical"]) for r in rows) == [(11, 10.0), (12, 13.0)]
    with engine.connect() as conn:
        stored = conn.execute(select(threshold_overrides.c.hour_of_week, threshold_overrides.c.t1)).all()
    assert sorted(stored) == [(11, 10.0), (12, 13.0)]


def test_bad_arguments_get_one_clear_error(engine: Engine, write_config: Callable[..., Path]) -> None:
    seed(engine)
    config = write_config()
    bad_time = run_cli("baseline", "--test", "LOYALTY_MON", "--from", "yesterday", config=config)
    assert bad_time.returncode == 2 and "--from: 'yesterday' is not an ISO 8601" in bad_time.stderr
    bad_coef = run_cli("baseline", "--test", "LOYALTY_MON", "--coefficients", "2,1,3", config=config)
    assert bad_coef.returncode == 2 and "coefficients must rise" in bad_coef.stderr
    backwards = run_cli(
        "baseline", "--test", "LOYALTY_MON", "--from", "2026-11-17", "--to", "2026-11-16", config=config
    )
    assert backwards.returncode == 2 and "must be before" in backwards.stderr
    empty = run_cli("baseline", "--test", "NO_SUCH_TEST", *WINDOW, config=config)
    assert empty.returncode == 1 and "no assessed metric of NO_SUCH_TEST" in empty.stderr
    no_target = run_cli("overrides", "remove", config=config)
    assert no_target.returncode == 2 and "give override ids or --test" in no_target.stderr


def test_db_init_widens_the_direction_column_of_an_older_schema(engine: Engine) -> None:
    from sqlalchemy import text

    from probe.store.db import init_db

    with engine.begin() as conn:
        conn.execute(text("DROP TABLE threshold_overrides"))
        conn.execute(
            text(
                "CREATE TABLE threshold_overrides (id INTEGER PRIMARY KEY, test VARCHAR(64) NOT NULL, "
                "point_id INTEGER, metric_pattern VARCHAR(300) NOT NULL, hour_of_week INTEGER, "
                "direction VARCHAR(12) NOT NULL, t1 FLOAT NOT NULL, t2 FLOAT NOT NULL, t3 FLOAT NOT NULL, "
                "t4 FLOAT NOT NULL, source VARCHAR(40) NOT NULL, created_at TIMESTAMP NOT NULL)"
            )
        )
    init_db(engine)
    init_db(engine)  # idempotent
    with engine.begin() as conn:
        conn.execute(
            threshold_overrides.insert().values(
                id=1, test="T", metric_pattern="m", direction="higher_better",
                t1=4, t2=3, t3=2, t4=1, source="baseline", created_at=utcnow(),
            )
        )  # fmt: skip
        assert conn.execute(select(threshold_overrides.c.direction)).scalar() == "higher_better"
