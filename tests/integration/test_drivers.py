"""The loyalty-driver tests APP_RESPONSE and QUEUE_LEN, and `prolan-probe queue import`.

The test files are loaded from tests_scripts/ exactly as they ship and run against a real database
(SQLite and PostgreSQL), a real local HTTP server and a real closed port.
"""

from __future__ import annotations

import datetime as dt
import http.server
import importlib.util
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from probe.api import COMPANY, Level, Measurement, Window
from probe.api import TestContext as Context
from probe.config import ProbeConfig, parse_config
from probe.queue_samples import import_queue_csv
from probe.store.schema import queue_samples
from probe.topology import Point, Topology, import_topology, load_topology
from tests.helpers import ROOT, run_cli

MOSCOW = ZoneInfo("Europe/Moscow")


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_driver_{name}", ROOT / "tests_scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def window_ending(end: dt.datetime, minutes: int = 10) -> Window:
    local_end = end.astimezone(MOSCOW)
    day_start = local_end.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(end - dt.timedelta(minutes=minutes), end, day_start.astimezone(dt.UTC), MOSCOW, minutes)


def context(
    engine: Engine | None, window: Window, params: dict[str, Any], topology: Topology | None = None
) -> Context:
    return Context(
        window=window,
        engine=engine,  # type: ignore[arg-type]
        topology=topology or Topology(),
        params=params,
        log=logging.getLogger("test"),
    )


def by_name(measurements: list[Measurement]) -> dict[tuple[str | None, str], Measurement]:
    return {(m.point, m.short_name): m for m in measurements}


# --- QUEUE_LEN and queue import -------------------------------------------------------------------

POINTS = Topology(
    points={
        "Калужская": Point("Калужская", "Москва/ЮЗАО"),
        "Невский": Point("Невский", "Санкт-Петербург"),
        "Баумана": Point("Баумана", "Казань"),
    }
)


@pytest.fixture
def chain(engine: Engine) -> Topology:
    import_topology(engine, POINTS)
    return load_topology(engine)


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["point,sampled_at,length", *lines]) + "\n", encoding="utf-8")
    return path


def test_queue_import_reports_bad_rows_by_line_and_is_idempotent(
    engine: Engine, chain: Topology, tmp_path: Path
) -> None:
    csv_path = write_csv(
        tmp_path / "queue.csv",
        [
            "Калужская,2026-11-22T07:00:00Z,3",
            "Калужская,2026-11-22T10:05:00.250+03:00,5",
            "Марьино,2026-11-22T07:00:00Z,1",
            "Невский,yesterday,1",
            "Невский,2026-11-22T07:00:00Z,-2",
            "Невский,2026-11-22T07:00:00Z,many",
            "Невский,2026-11-22T07:00:00Z",
            "Невский,2026-11-22T07:01:00Z,0",
        ],
    )
    report = import_queue_csv(engine, chain, csv_path)
    assert (report.read, report.stored, report.refused) == (8, 3, 5)
    text = "\n".join(report.errors)
    assert f"{csv_path}:4: unknown point 'Марьино'" in text
    assert f"{csv_path}:5: bad time" in text
    assert f"{csv_path}:6: bad length '-2'" in text
    assert f"{csv_path}:7: bad length 'many'" in text
    assert f"{csv_path}:8: expected 3 fields" in text
    again = import_queue_csv(engine, chain, csv_path)
    assert (again.stored, again.duplicates) == (0, 3)
    with engine.connect() as conn:
        rows = conn.execute(
            select(queue_samples.c.sampled_at, queue_samples.c.length).order_by("sampled_at")
        ).all()
    assert rows == [
        (dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC), 3.0),
        (dt.datetime(2026, 11, 22, 7, 1, tzinfo=dt.UTC), 0.0),
        (dt.datetime(2026, 11, 22, 7, 5, 0, 250_000, tzinfo=dt.UTC), 5.0),
    ]


def test_queue_import_cli_bulk(engine: Engine, chain: Topology, write_config: Any, tmp_path: Path) -> None:
    start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    lines = [
        f"{name},{(start + dt.timedelta(minutes=i)).isoformat().replace('+00:00', 'Z')},{i % 7}"
        for i in range(5000)
        for name in ("Калужская", "Невский")
    ]
    csv_path = write_csv(tmp_path / "bulk.csv", [*lines, "Невский,2026-11-20T00:00:00,1"])
    config = write_config()
    first = run_cli("queue", "import", str(csv_path), "--batch-size", "3000", config=config)
    assert first.returncode == 1, first.stderr  # one refused row
    assert f"{csv_path}:10002: bad time" in first.stderr and "has no offset" in first.stderr
    assert "10001 rows read, 10000 stored, 0 already stored, 1 refused" in first.stdout
    second = run_cli("queue", "import", str(csv_path), config=config)
    assert "10000 already stored" in second.stdout
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(queue_samples)).scalar_one() == 10000


def test_queue_len_mean_and_max_per_point_and_company(
    engine: Engine, chain: Topology, tmp_path: Path
) -> None:
    end = dt.datetime(2026, 11, 22, 7, 10, tzinfo=dt.UTC)  # 10:10 Moscow
    csv_path = write_csv(
        tmp_path / "q.csv",
        [
            "Калужская,2026-11-22T07:00:00Z,2",  # interval start: inside
            "Калужская,2026-11-22T07:05:00Z,4",
            "Калужская,2026-11-22T07:09:59.999Z,9",
            "Калужская,2026-11-22T07:10:00Z,50",  # interval end: the next interval
            "Невский,2026-11-22T07:03:00Z,1",
            "Баумана,2026-11-22T05:00:00Z,7",  # reported today, silent in this interval
            "Баумана,2026-11-21T20:00:00Z,7",  # 23:00 yesterday local
        ],
    )
    assert import_queue_csv(engine, chain, csv_path).refused == 0
    module = load_script("queue_len")
    test = module.QueueLength()
    got = by_name(list(test.run(context(engine, window_ending(end), test.params, chain))))
    mean, longest = module.MEAN, module.MAXIMUM
    assert got[("Калужская", mean)].value == 5.0 and got[("Калужская", longest)].value == 9.0
    assert got[("Невский", mean)].value == 1.0 and got[("Невский", longest)].value == 1.0
    assert got[("Баумана", mean)].value is None  # silent: unknown, but the row stays
    assert got[(COMPANY, mean)].value == 4.0 and got[(COMPANY, longest)].value == 9.0
    assert all(m.period == "interval" for m in got.values())
    kaluzhskaya = got[("Калужская", mean)]
    assert (
        kaluzhskaya.thresholds is not None
        and kaluzhskaya.thresholds.assess(kaluzhskaya.value) == Level.ATTENTION
    )
    assert got[("Калужская", longest)].thresholds.assess(9.0) == Level.EDGE  # type: ignore[union-attr]
    # a later day: Баумана did not report, so it has no rows at all
    later = by_name(
        list(test.run(context(engine, window_ending(end + dt.timedelta(days=1)), test.params, chain)))
    )
    assert later == {}


def test_queue_len_thresholds_are_parameters(engine: Engine, chain: Topology) -> None:
    module = load_script("queue_len")
    test = module.QueueLength({"mean_thresholds": [1, 2, 3, 4]})
    with engine.begin() as conn:
        conn.execute(
            queue_samples.insert(),
            [
                {
                    "point_id": chain.points["Невский"].id,
                    "sampled_at": dt.datetime(2026, 11, 22, 7, 1),
                    "length": 3.5,
                }
            ],
        )
    got = by_name(
        list(
            test.run(
                context(
                    engine, window_ending(dt.datetime(2026, 11, 22, 7, 10, tzinfo=dt.UTC)), test.params, chain
                )
            )
        )
    )
    measurement = got[("Невский", module.MEAN)]
    assert measurement.thresholds.assess(measurement.value) == Level.EDGE  # type: ignore[union-attr]


# --- APP_RESPONSE ---------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/health" else 503
        body = b"ok" if status == 200 else b"down"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_app_response_measures_http_tcp_and_a_closed_port(http_server: int) -> None:
    module = load_script("app_response")
    dead = closed_port()
    test = module.AppResponse(
        {
            "applications": [
                {"name": "CRM", "url": f"http://127.0.0.1:{http_server}/health"},
                {"name": "Касса", "url": f"tcp://127.0.0.1:{http_server}"},
                {"name": "Склад", "url": f"tcp://127.0.0.1:{dead}"},
                {"name": "ERP", "url": f"http://127.0.0.1:{http_server}/broken"},
            ],
            "probes": 2,
            "probe_spacing_seconds": 0.05,
            "timeout_seconds": 2.0,
        }
    )
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    got = {m.short_name: m for m in test.run(context(None, window_ending(now), test.params))}
    crm, cash = got["CRM. Время отклика (мс)"], got["Касса. Время отклика (мс)"]
    assert crm.value is not None and 0 < crm.value < 2000 and crm.unit == "мс"
    assert cash.value is not None and 0 < cash.value < 2000
    assert got["CRM. Доступность (%)"].value == 100.0
    assert got["Склад. Время отклика (мс)"].value is None
    assert got["Склад. Доступность (%)"].value == 0.0
    assert got["ERP. Доступность (%)"].value == 0.0  # HTTP 503 is not "available"
    availability = got["CRM. Доступность (%)"].thresholds
    assert availability.assess(100.0) == Level.GOOD and availability.assess(0.0) == Level.BAD  # type: ignore[union-attr]
    assert crm.thresholds.assess(crm.value) == Level.GOOD  # type: ignore[union-attr]
    assert got["Касса. Доступность (%)"].key_hint == "Касса"  # the engine transliterates it
    assert all(m.point is None and m.period is None for m in got.values())


def test_app_response_does_not_probe_the_past_and_rejects_bad_lists(http_server: int) -> None:
    module = load_script("app_response")
    test = module.AppResponse(
        {"applications": [{"name": "CRM", "url": f"http://127.0.0.1:{http_server}/health"}]}
    )
    past = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    got = list(test.run(context(None, window_ending(past), test.params)))
    assert [m.value for m in got] == [None, None]
    for bad, message in [
        ([{"name": "CRM"}], "applications[0]: must be a table with exactly the keys name and url"),
        ([{"name": "CRM", "url": "ftp://x"}], "applications[0]: url 'ftp://x' must be tcp://HOST:PORT"),
        ([{"name": "A", "url": "tcp://h"}], "needs a valid port"),
        (
            [{"name": "A", "url": "tcp://h:1"}, {"name": "A", "url": "tcp://h:2"}],
            "names must be unique, repeated: A",
        ),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
            module.AppResponse({"applications": bad}).run(context(None, window_ending(past), {}))


# --- through the real engine: names, keys, levels, history ---------------------------------------------


def drivers_config(engine: Engine, app_response: dict[str, Any]) -> ProbeConfig:
    """The probe's config for the drivers on `engine`: LOYALTY_MON off, APP_RESPONSE with these parameters."""
    return parse_config(
        {
            "timezone": "Europe/Moscow",
            "database": {"url": str(engine.url.render_as_string(hide_password=False))},
            "tests": {"LOYALTY_MON": {"enabled": False}, "APP_RESPONSE": {"parameters": app_response}},
        }
    )


def test_drivers_through_the_engine(
    engine: Engine, chain: Topology, tmp_path: Path, http_server: int
) -> None:
    from probe.engine import Evaluator
    from probe.snapshot import SnapshotHub
    from probe.store.schema import metric_values, metrics

    config = drivers_config(
        engine,
        {
            "applications": [
                {"name": "CRM", "url": f"http://127.0.0.1:{http_server}/health"},
                {"name": "Склад", "url": f"tcp://127.0.0.1:{closed_port()}"},
            ],
            "probes": 1,
        },
    )
    evaluator = Evaluator(config, engine, SnapshotHub())
    assert {"QUEUE_LEN", "APP_RESPONSE"} <= set(evaluator.enabled_tests())
    now = dt.datetime.now(dt.UTC)
    end = evaluator.boundary_at_or_before("QUEUE_LEN", now)
    with engine.begin() as conn:
        conn.execute(
            queue_samples.insert(),
            [
                {
                    "point_id": chain.points["Калужская"].id,
                    "sampled_at": (end - dt.timedelta(minutes=m)).replace(tzinfo=None),
                    "length": float(m),
                }
                for m in (1, 3, 8)  # 8 people waiting: attention for the mean (4), edge for the max (8)
            ],
        )
    queue = evaluator.evaluate("QUEUE_LEN", end)
    assert queue.test_ok and queue.database_ok
    by_metric = {m.name: m for m in queue.metrics}
    mean = by_metric["QUEUE_LEN. Калужская. Средняя длина очереди. Интервал 10 мин"]
    longest = by_metric["QUEUE_LEN. Калужская. Максимальная длина очереди. Интервал 10 мин"]
    assert (mean.value, mean.level) == (4.0, Level.ATTENTION)
    assert (longest.value, longest.level) == (8.0, Level.EDGE)
    assert by_metric["QUEUE_LEN. Тест работает"].value == 1

    apps = evaluator.evaluate("APP_RESPONSE", evaluator.boundary_at_or_before("APP_RESPONSE", now))
    assert apps.test_ok, apps
    by_metric = {m.name: m for m in apps.metrics}
    assert by_metric["APP_RESPONSE. CRM. Доступность (%)"].level == Level.GOOD
    assert by_metric["APP_RESPONSE. Склад. Доступность (%)"].level == Level.BAD
    assert by_metric["APP_RESPONSE. Склад. Время отклика (мс)"].level == Level.UNKNOWN
    assert by_metric["APP_RESPONSE. CRM. Время отклика (мс)"].value is not None
    keys = {m.key for m in apps.metrics}
    assert len(keys) == len(apps.metrics) and all(k.isascii() for k in keys)
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count())
            .select_from(metric_values.join(metrics, metrics.c.id == metric_values.c.metric_id))
            .where(metrics.c.test.in_(["QUEUE_LEN", "APP_RESPONSE"]))
        ).scalar_one()
    assert stored == len(queue.metrics) + len(apps.metrics)


def test_app_response_keys_use_the_one_transliteration_and_stored_keys_keep_their_ids(
    engine: Engine, tmp_path: Path
) -> None:
    """APP_RESPONSE used to spell app names in keys with a table of its own (х→h, ц→c, ю→yu, …);
    now the engine's `key_part` spells them like every key. `db init` moves keys stored in the old
    spelling, so the metrics keep their ids (SNMP indexes) when the test reports again."""
    from probe.engine import Evaluator
    from probe.keys import key_part
    from probe.snapshot import SnapshotHub
    from probe.store.db import init_db, utcnow
    from probe.store.schema import metrics

    apps = ["Хлебозавод Цех-1", "Юридический отдел", "CRM"]
    old_hints = {
        "Хлебозавод Цех-1": "hlebozavod_ceh_1",
        "Юридический отдел": "yuridicheskiy_otdel",
        "CRM": "crm",
    }
    stored: dict[str, int] = {}
    with engine.begin() as conn:
        for app in apps:
            for short in (f"{app}. Время отклика (мс)", f"{app}. Доступность (%)"):
                key = f"app_response.{key_part(short)}.{old_hints[app]}"
                result = conn.execute(
                    metrics.insert().values(
                        key=key, name=f"APP_RESPONSE. {short}", test="APP_RESPONSE", short_name=short,
                        unit="", created_at=utcnow(),
                    )
                )  # fmt: skip
                stored[f"APP_RESPONSE. {short}"] = result.inserted_primary_key[0]
    init_db(engine)
    init_db(engine)  # idempotent

    config = drivers_config(engine, {"applications": [{"name": a, "url": "tcp://127.0.0.1:9"} for a in apps]})
    evaluator = Evaluator(config, engine, SnapshotHub())
    # A past interval: the applications are not probed, the metrics are still reported (no value).
    past = evaluator.boundary_at_or_before("APP_RESPONSE", dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    evaluation = evaluator.evaluate("APP_RESPONSE", past)
    assert evaluation.test_ok, evaluation
    ids = {m.name: m.id for m in evaluation.metrics if m.name in stored}
    assert ids == stored
    keys = {m.name: m.key for m in evaluation.metrics}
    assert keys["APP_RESPONSE. Хлебозавод Цех-1. Доступность (%)"].endswith(".khlebozavod_tsekh_1")
    assert keys["APP_RESPONSE. Юридический отдел. Доступность (%)"].endswith(".iuridicheskii_otdel")
