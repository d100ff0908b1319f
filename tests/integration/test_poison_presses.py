"""Poison presses over TCP and in a CSV import (issue 17, point 1), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from probe.presses import import_presses_csv
from probe.topology import load_topology
from tests.helpers import run_cli
from tests.integration.ingest_helpers import TOPOLOGY, Client, ingest_config, running, setup_topology, stored

POISON = [
    "P-1,1,0001-01-01T00:00:00+03:00,",  # OverflowError in UTC
    "P-1,1,9999-12-31T23:00:00-03:00,",  # OverflowError in UTC
    "P-1,1,1970-01-01T00:00:00Z,",  # implausible: a pad whose clock was reset
    "P-1,1,9999-12-31T00:00:00Z,",  # implausible: far future
]


def recent(i: int) -> str:
    """A press time a few minutes ago (inside the default plausible window whenever this runs)."""
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    return (
        (base + dt.timedelta(milliseconds=250 * i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


async def test_every_poison_line_gets_its_own_err_and_the_connection_goes_on(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    setup_topology(engine)
    config = ingest_config(db_url, tmp_path / "spool", tcp={}, max_age_days=400, max_ahead_minutes=10)
    async with running(config, engine) as service:
        assert service.tcp is not None
        client = await Client.connect(service.tcp.address[1])
        # one write: the good lines around the poison ones are in the same read batch
        answers = await client.send(f"P-1,1,{recent(0)},", *POISON, f"P-1,3,{recent(1)},")
        assert answers[0] == "OK" and answers[-1] == "OK"
        assert all(a.startswith("ERR bad time") for a in answers[1:3]), answers
        assert "out of range in UTC" in answers[1]
        assert "older than 400 days" in answers[3] and "in the future" in answers[4]
        # the same connection is still served
        assert await client.send(f"P-1,1,{recent(2)},") == ["OK"]
        await client.close()
    assert stored(engine) == 3


def test_import_stores_every_good_row_and_lists_every_bad_one(engine: Engine, tmp_path: Path) -> None:
    setup_topology(engine)
    assert TOPOLOGY.pads["P-1"].buttons == {1: "positive", 3: "negative"}
    rows = [f"P-1,1,{recent(i)}," for i in range(270)]
    bad_lines = {}
    for n, poison in enumerate([*POISON, 'P-1,1,"x' + "y" * 200_000 + '",']):
        at = 10 + 50 * n  # CSV line numbers: header is 1, so row i is line i + 2
        rows.insert(at, poison)
        bad_lines[at + 2] = poison
    csv_path = tmp_path / "poison.csv"
    csv_path.write_text("pad,button,pressed_at,question\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_presses_csv(engine, load_topology(engine), csv_path, batch_size=100)
    assert report.stored == 270 and report.duplicates == 0
    assert [e.split(": ", 1)[0] for e in report.errors] == [f"{csv_path}:{n}" for n in sorted(bad_lines)]
    assert "out of range in UTC" in report.errors[0] and "older than 400 days" in report.errors[2]
    assert "field larger than field limit" in report.errors[4]
    assert stored(engine) == 270


def test_cli_import_of_a_poison_file_lists_the_bad_rows_without_a_traceback(
    write_config, tmp_path: Path, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    setup_topology(engine)
    csv_path = tmp_path / "poison.csv"
    good = [f"P-1,1,{recent(i)}," for i in range(3)]
    csv_path.write_text("pad,button,pressed_at,question\n" + "\n".join([good[0], *POISON, *good[1:]]) + "\n")
    result = run_cli("presses", "import", str(csv_path), config=write_config())
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line.split(": ", 1)[0] for line in result.stderr.splitlines()] == [
        f"{csv_path}:{n}" for n in range(3, 7)
    ]
    assert "3 stored" in result.stdout and "4 refused" in result.stdout
