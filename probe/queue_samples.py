"""Queue-length samples (the QUEUE_LEN loyalty driver): CSV import into `queue_samples`.

Header `point,sampled_at,length`: `point` is a service point's name, `sampled_at` ISO 8601 with an
offset or `Z` (stored in UTC, milliseconds), `length` a number >= 0 (people waiting). Every
bad row is reported with its line number and reason and the good rows are stored; a sample of a
point at a time already stored is kept as it was, so importing a file twice stores it once.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import Engine, and_, bindparam, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from probe.presses import ImportReport, PressRejected, parse_timestamp
from probe.store.schema import queue_samples
from probe.topology import Topology

CSV_HEADER = ("point", "sampled_at", "length")
COLUMNS = ("point_id", "sampled_at", "length")


# The same report as the press import: rows read, stored, already stored, refused with reasons.
QueueImportReport = ImportReport


def insert_samples_statement(dialect: str) -> Executable:
    """The once-only INSERT of one sample (executemany), per dialect; compiled for mssql in tests."""
    if dialect == "sqlite":
        return sqlite_insert(queue_samples).on_conflict_do_nothing(index_elements=["point_id", "sampled_at"])
    if dialect == "postgresql":
        return pg_insert(queue_samples).on_conflict_do_nothing(index_elements=["point_id", "sampled_at"])
    params = {c: bindparam(c, type_=queue_samples.c[c].type) for c in COLUMNS}
    duplicate = exists().where(
        and_(
            queue_samples.c.point_id == params["point_id"],
            queue_samples.c.sampled_at == params["sampled_at"],
        )
    )
    source = select(*[params[c] for c in COLUMNS]).where(~duplicate)
    return queue_samples.insert().from_select(list(COLUMNS), source)


def store_samples(conn: Connection, rows: Sequence[dict[str, object]]) -> int:
    """Store the samples not stored yet; returns how many were new."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    statement = insert_samples_statement(dialect)
    if dialect in ("sqlite", "postgresql"):
        # executemany's rowcount is not reliable here; RETURNING yields exactly the new rows.
        returning = statement.returning(queue_samples.c.point_id)  # type: ignore[attr-defined]
        return len(conn.execute(returning, list(rows)).all())
    result = conn.execute(statement, list(rows))
    return max(result.rowcount, 0)


def iter_csv_samples(
    lines: Iterable[str], topology: Topology, source: str, report: QueueImportReport
) -> Iterator[dict[str, object]]:
    point_ids = {p.name: p.id for p in topology.points.values() if p.id is not None}
    reader = csv.reader(lines)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        report.errors.append(f"{source}:1: empty file (expected header {','.join(CSV_HEADER)})")
        return
    if tuple(header) != CSV_HEADER:
        report.errors.append(f"{source}:1: header must be {','.join(CSV_HEADER)}, got {','.join(header)}")
        return
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        report.read += 1
        where = f"{source}:{reader.line_num}"
        if len(row) != 3:
            report.errors.append(f"{where}: expected 3 fields point,sampled_at,length, got {len(row)}")
            continue
        name, stamp, length_text = (field.strip() for field in row)
        point_id = point_ids.get(name)
        if point_id is None:
            report.errors.append(f"{where}: unknown point {name!r} (import the topology first)")
            continue
        try:
            sampled_at = parse_timestamp(stamp)
        except PressRejected as exc:
            report.errors.append(f"{where}: {exc}")
            continue
        try:
            length = float(length_text)
        except ValueError:
            length = math.nan
        if not math.isfinite(length) or length < 0:
            report.errors.append(f"{where}: bad length {length_text!r}: must be a number >= 0")
            continue
        yield {"point_id": point_id, "sampled_at": sampled_at, "length": length}


def import_queue_csv(
    engine: Engine, topology: Topology, path: Path, *, batch_size: int = 10_000
) -> QueueImportReport:
    report = QueueImportReport()
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        report.errors.append(f"{path}: cannot open: {exc.strerror or exc}")
        return report
    with handle:
        batch: list[dict[str, object]] = []
        try:
            for sample in iter_csv_samples(handle, topology, str(path), report):
                batch.append(sample)
                if len(batch) >= batch_size:
                    _store_batch(engine, batch, report)
                    batch = []
        except UnicodeDecodeError as exc:
            report.errors.append(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        _store_batch(engine, batch, report)
    return report


def _store_batch(engine: Engine, batch: list[dict[str, object]], report: QueueImportReport) -> None:
    if not batch:
        return
    with engine.begin() as conn:
        stored = store_samples(conn, batch)
    report.stored += stored
    report.duplicates += len(batch) - stored
