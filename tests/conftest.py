"""Shared fixtures: an aggregator database on SQLite and on the real PostgreSQL server.

`db_url` is parametrised over both dialects. PostgreSQL tests get a schema of their own (dropped
afterwards) through the URL's search_path, so they can run the CLI in subprocesses too. Set
PROLAN_TEST_PG_URL to point at another server; CI uses the local one and never skips it.

Every test runs with the probe's data folder, the XDG data/state folders and the system temporary
folder in its own temporary folder, without $PROLAN_CONFIG and in the C locale (`_private_data_folders`), so neither the code under test nor
a `prolan-probe` it starts can write into the developer's real data folder, and no test depends on
what another left there.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import Engine, create_engine, text

from probe.i18n import set_language
from probe.store.db import init_db, open_engine

ROOT = Path(__file__).resolve().parent.parent
# No example database: Hypothesis would keep one in .hypothesis/ of the checkout, and replaying
# another run's failures would make a run depend on the ones before it.
settings.register_profile("prolan", database=None)
settings.load_profile("prolan")

_HYPOTHESIS_HOME = pytest.StashKey[Path]()
PG_URL = os.environ.get("PROLAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps a cache (constants of the code under test, read while collecting) in
    .hypothesis/ of the current folder, i.e. the checkout: a temporary folder of the run instead."""
    home = Path(tempfile.mkdtemp(prefix="prolan-hypothesis-"))
    config.stash[_HYPOTHESIS_HOME] = home
    set_hypothesis_home_dir(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HYPOTHESIS_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def _private_data_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The system temporary folder too: pysnmp keeps an engine's boot counter in
    # gettempdir()/__pysnmp/<engine id>, which would carry from one test (and run) to the next.
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setenv("PROLAN_DATA_DIR", str(tmp_path / "prolan-data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("PROLAN_CONFIG", raising=False)
    # Texts are English unless a test asks for Russian (--lang ru, LANG=ru_RU): the machine's
    # locale must not decide what the assertions read (probe.i18n follows the locale).
    monkeypatch.setenv("LANG", "C.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    set_language(None)


def pg_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not pg_available():
        if os.environ.get("CI") or os.environ.get("PROLAN_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (make test starts it)")
        pytest.skip("PostgreSQL not reachable")
    return PG_URL


@pytest.fixture
def pg_schema_url(pg_server: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'aggregator.sqlite'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_engine(db_url)
    init_db(eng)
    yield eng
    finish_console_reads()
    eng.dispose()


def finish_console_reads() -> None:
    """A console view may still be reading on its worker thread when a test ends: let it finish
    before the engine's connections are closed under it."""
    worker = sys.modules.get("console.worker")
    if worker is not None:
        worker.database_pool().waitForDone(30_000)


@pytest.fixture
def write_config(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    """Write a probe config for this test's database; extra TOML text is appended."""

    def _write(extra: str = "", timezone: str = "Europe/Moscow") -> Path:
        path = tmp_path / "probe.toml"
        path.write_text(f'timezone = "{timezone}"\n[database]\nurl = "{db_url}"\n{extra}', encoding="utf-8")
        return path

    return _write


@pytest.fixture
def english(qapp: object) -> Iterator[None]:
    """The console's interface in English for one test (Russian again afterwards)."""
    from console import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("ru")
