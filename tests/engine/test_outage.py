"""A dead aggregator database on both dialects (test_faults_and_overrides has the PostgreSQL
notifier-facing view): `Доступность базы данных (%)` = 0, the probe keeps running, publishes the
metrics it knows with their old ids, stores nothing for the dead run, and recovers by itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from probe.config import parse_config
from probe.engine import Evaluator
from probe.levels import Level
from probe.snapshot import SnapshotHub
from probe.store.db import init_db, open_engine
from probe.store.schema import metric_values, test_runs
from probe.topology import import_topology
from tests.engine.conftest import COUNTING_TEST, TOPOLOGY, write_tests
from tests.integration.ingest_helpers import CuttableProxy, proxied_url

END = dt.datetime(2026, 3, 10, 9, 20, tzinfo=dt.UTC)


@pytest.fixture
def outage(db_url: str, tmp_path: Path) -> Iterator[tuple[str, object]]:
    """(url the probe uses, switch) where switch(False) kills the database and switch(True) revives it."""
    if db_url.startswith("sqlite"):
        folder = tmp_path / "db"
        folder.mkdir()
        url = f"sqlite:///{folder / 'aggregator.sqlite'}"
        parked = tmp_path / "db-parked"

        def switch(up: bool) -> None:
            # The folder disappears (a lost mount): new connections cannot open the file.
            if up:
                parked.rename(folder)
            else:
                folder.rename(parked)

        yield url, switch
        return
    parsed = make_url(db_url)
    proxy = CuttableProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    url = proxied_url(db_url, proxy)

    def pg_switch(up: bool) -> None:
        if up:
            proxy.restore()
        else:
            proxy.cut()

    yield url, pg_switch
    proxy.close()


def test_outage_and_recovery(outage: tuple[str, object], tmp_path: Path) -> None:
    url, switch = outage
    engine: Engine = open_engine(url)
    init_db(engine)
    import_topology(engine, TOPOLOGY)
    folder = write_tests(tmp_path / "tests_dir", {"counting.py": COUNTING_TEST})
    config = parse_config({"database": {"url": url}, "tests": {"dirs": [str(folder)], "builtin": False}})
    hub = SnapshotHub()
    evaluator = Evaluator(config, engine, hub)
    healthy = evaluator.evaluate("COUNTING", END)
    assert healthy.database_ok and len(healthy.metrics) == 9
    ids = {m.name: m.id for m in healthy.metrics}

    switch(False)  # type: ignore[operator]
    engine.dispose()  # pooled connections die with the server; SQLite's would survive a rename
    dead = evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=10))
    assert dead.database_ok is False and dead.test_ok is False
    got = {m.name: m for m in dead.metrics}
    assert set(got) == {"COUNTING. Тест работает", "COUNTING. Доступность базы данных (%)"}
    assert got["COUNTING. Доступность базы данных (%)"].value == 0.0
    assert got["COUNTING. Доступность базы данных (%)"].level is Level.BAD
    assert got["COUNTING. Доступность базы данных (%)"].id == ids["COUNTING. Доступность базы данных (%)"]
    assert got["COUNTING. Тест работает"].value == 0.0
    # The snapshot was still published: SNMP shows the outage.
    assert hub.current.database_ok is False
    assert hub.current.by_id()[ids["COUNTING. Доступность базы данных (%)"]].value == 0.0
    with pytest.raises(SQLAlchemyError):  # unknown while the database is down, not "never ran"
        evaluator.last_evaluated_end("COUNTING")

    switch(True)  # type: ignore[operator]
    recovered = evaluator.evaluate("COUNTING", END + dt.timedelta(minutes=20))
    assert recovered.database_ok and recovered.test_ok and len(recovered.metrics) == 9
    assert {m.name: m.id for m in recovered.metrics} == ids
    assert hub.current.database_ok is True
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(test_runs)).scalar() == 2
        )  # the dead run stored nothing
        assert conn.execute(select(func.count()).select_from(metric_values)).scalar() == 18
    assert evaluator.last_evaluated_end("COUNTING") == END + dt.timedelta(minutes=20)
    assert evaluator.last_evaluated_end("COUNTING", before=END + dt.timedelta(minutes=20)) == END
    assert evaluator.last_evaluated_end("COUNTING", before=END) is None
    engine.dispose()
