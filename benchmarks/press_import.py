"""Import of N presses from CSV (default 1,000,000) into SQLite and PostgreSQL, side by side with
a plain load of the same rows in the same run: sqlite3 `executemany` and PostgreSQL `COPY` into an
identical, empty presses table (same indexes and unique key). The plain loads get rows already
parsed; the import reads, validates and de-duplicates the CSV itself.

    python -m benchmarks.press_import [--rows 1000000] [--pg URL] [--skip-sqlite] [--skip-pg]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.common import header
from probe.presses import ANY_TIME, import_presses_csv, parse_timestamp
from probe.store.db import init_db, open_engine
from probe.store.schema import presses
from probe.topology import Pad, Point, Topology, import_topology, load_topology

KINDS = {1: "positive", 2: "passive", 3: "negative", 4: "force_majeure"}


def make_topology(n_points: int = 200) -> Topology:
    points = {f"Точка {i}": Point(f"Точка {i}", f"Регион {i % 7}") for i in range(n_points)}
    pads = {f"P-{i}": Pad(f"P-{i}", f"Точка {i}", "СОКОК", 30.0, dict(KINDS)) for i in range(n_points)}
    return Topology(points, {}, pads)


def make_csv(path: Path, rows: int, n_pads: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    step = 30 * 24 * 3600 * 1000 // rows
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pad", "button", "pressed_at", "question"])
        for i in range(rows):
            when = start + dt.timedelta(milliseconds=i * step + rng.randrange(step))
            writer.writerow(
                [
                    f"P-{rng.randrange(n_pads)}",
                    rng.choice((1, 1, 1, 2, 3, 4)),
                    when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "",
                ]
            )


def parsed_rows(path: Path, topology: Topology) -> list[tuple[object, ...]]:
    """The same rows, fully parsed, for the plain loads."""
    point_ids = {p.name: p.id for p in topology.points.values()}
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for pad, button, when, _q in reader:
            number = int(button)
            out.append(
                (
                    pad,
                    point_ids[topology.pads[pad].point],
                    number,
                    KINDS[number],
                    parse_timestamp(when),
                    None,
                    "import",
                )
            )
    return out


def bench_sqlite(csv_path: Path, tmp: Path, rows: int) -> tuple[float, float]:
    url = f"sqlite:///{tmp / 'import.sqlite'}"
    engine = open_engine(url)
    init_db(engine)
    import_topology(engine, make_topology())
    topology = load_topology(engine)
    t0 = time.perf_counter()
    report = import_presses_csv(engine, topology, csv_path, window=ANY_TIME)  # synthetic dates
    ours = time.perf_counter() - t0
    assert report.stored == rows and not report.errors, (report.stored, report.errors[:3])
    engine.dispose()
    # Plain: executemany of already-parsed rows into an identical empty database.
    plain_url = tmp / "plain.sqlite"
    plain_engine = open_engine(f"sqlite:///{plain_url}")
    init_db(plain_engine)
    plain_engine.dispose()
    data = parsed_rows(csv_path, topology)
    conn = sqlite3.connect(plain_url)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    cols = "pad_id, point_id, button, kind, pressed_at, question_id, source"
    t0 = time.perf_counter()
    with conn:
        conn.executemany(
            f"INSERT INTO presses ({cols}) VALUES (?,?,?,?,?,?,?)",
            [(*r[:4], r[4].isoformat(sep=" "), *r[5:]) for r in data],
        )  # type: ignore[attr-defined]
    plain = time.perf_counter() - t0
    conn.close()
    return rows / ours, rows / plain


def bench_pg(csv_path: Path, pg_url: str, rows: int) -> tuple[float, float]:
    results = []
    admin = create_engine(pg_url)
    schemas = ["b_" + uuid.uuid4().hex[:10] for _ in range(2)]
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        urls = [f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{s}" for s in schemas]
        engine = open_engine(urls[0])
        init_db(engine)
        import_topology(engine, make_topology())
        topology = load_topology(engine)
        t0 = time.perf_counter()
        report = import_presses_csv(engine, topology, csv_path, window=ANY_TIME)  # synthetic dates
        results.append(rows / (time.perf_counter() - t0))
        assert report.stored == rows and not report.errors
        engine.dispose()
        plain = open_engine(urls[1])
        init_db(plain)
        data = parsed_rows(csv_path, topology)
        cols = ", ".join(c.name for c in presses.c if c.name != "id")
        with plain.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            t0 = time.perf_counter()
            with raw.cursor() as cur, cur.copy(f"COPY presses ({cols}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        results.append(rows / (time.perf_counter() - t0))
        plain.dispose()
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(header(f"press import, {args.rows:,} rows"))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        csv_path = tmp / "presses.csv"
        make_csv(csv_path, args.rows, 200)
        if not args.skip_sqlite:
            ours, plain = bench_sqlite(csv_path, tmp, args.rows)
            print(
                f"SQLite:     import {ours:>10,.0f} presses/s   plain executemany {plain:>10,.0f} rows/s   ratio {ours / plain:.2f}"
            )
        if not args.skip_pg:
            ours, plain = bench_pg(csv_path, args.pg, args.rows)
            print(
                f"PostgreSQL: import {ours:>10,.0f} presses/s   plain COPY        {plain:>10,.0f} rows/s   ratio {ours / plain:.2f}"
            )


if __name__ == "__main__":
    main()
