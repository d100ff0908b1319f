"""Button presses: validating one press against the topology (shared by CSV import and the line
protocol of ingest) and storing batches of them once each, fast, on every dialect."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, bindparam, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from probe.store.schema import UtcDateTime
from probe.topology import INDICATIVE_KINDS, Topology

if TYPE_CHECKING:
    from probe.press_hooks import HookReport, PressHook

CSV_HEADER = ("pad", "button", "pressed_at", "question")
PRESS_COLUMNS = ("pad_id", "point_id", "button", "kind", "pressed_at", "question_id", "source", "suspicious")


@dataclass(frozen=True, slots=True)
class Press:
    pad_id: str
    point_id: int
    button: int
    kind: str
    pressed_at: dt.datetime  # aware UTC, millisecond precision
    question_id: str | None
    source: str = "import"
    # Issue 21: set by `mark_suspicious` when the press is stored (a burst on a pad with
    # min_seconds_between); never by the sender.
    suspicious: bool = False

    def row(self) -> dict[str, object]:
        return {
            "pad_id": self.pad_id,
            "point_id": self.point_id,
            "button": self.button,
            "kind": self.kind,
            "pressed_at": self.pressed_at,
            "question_id": self.question_id,
            "source": self.source,
            "suspicious": self.suspicious,
        }


class PressRejected(ValueError):
    """A press that cannot be stored; the message is the reason given back to the sender."""


def unreadable(exc: Exception) -> str:
    """The refusal reason for a press whose validation failed in an unforeseen way."""
    return f"cannot read the press ({exc.__class__.__name__}: {str(exc)[:200]})"


MAX_TIMESTAMP_CHARS = 64  # far more than any ISO 8601 time; longer text is not parsed at all


def parse_timestamp(text: str) -> dt.datetime:
    """ISO 8601 with an offset or Z -> aware UTC truncated to milliseconds."""
    value = text.strip()
    if not value:
        raise PressRejected("bad time: empty")
    if len(value) > MAX_TIMESTAMP_CHARS:
        raise PressRejected(f"bad time: {len(value)} characters is not an ISO 8601 time")
    try:
        if value[-1] == "Z" and len(value) <= 24:
            # Fast path for the common "2026-11-22T07:15:00.250Z": already UTC.
            parsed = dt.datetime.fromisoformat(value[:-1])
            if parsed.tzinfo is None:
                return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000, tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PressRejected(
            f"bad time: {value!r} is not ISO 8601 (e.g. 2026-11-22T10:15:00.250+03:00)"
        ) from None
    if parsed.tzinfo is None:
        raise PressRejected(f"bad time: {value!r} has no offset (add Z or +03:00)")
    try:
        utc = parsed.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01T00:00+03:00 or 9999-12-31T23:00-03:00: the UTC time is outside year 1..9999.
        raise PressRejected(f"bad time: {value!r} is out of range in UTC") from None
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc_text(when: dt.datetime) -> str:
    """An aware time as ISO 8601 UTC with milliseconds: 2026-11-22T07:15:00.250Z."""
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DEFAULT_MAX_AGE_DAYS = 400.0
DEFAULT_MAX_AHEAD_MINUTES = 10.0


@dataclass(frozen=True, slots=True)
class PlausibleWindow:
    """Press times a pad can really have sent: not older than `max_age_days`, not more than
    `max_ahead_minutes` in the future (a pad whose clock was reset to 1970 or set to 9999 would
    otherwise put presses into intervals nobody evaluates). 0 switches a bound off."""

    max_age_days: float = DEFAULT_MAX_AGE_DAYS
    max_ahead_minutes: float = DEFAULT_MAX_AHEAD_MINUTES
    now: Callable[[], dt.datetime] = _utc_now  # aware UTC

    def check(self, when: dt.datetime) -> None:
        """Raise `PressRejected` for an (aware) press time outside the window."""
        now = self.now()
        if self.max_age_days and when < now - dt.timedelta(days=self.max_age_days):
            raise PressRejected(
                f"implausible time {_utc_text(when)}: older than {self.max_age_days:g} days (max_age_days)"
            )
        if self.max_ahead_minutes and when > now + dt.timedelta(minutes=self.max_ahead_minutes):
            raise PressRejected(
                f"implausible time {_utc_text(when)}: more than "
                f"{self.max_ahead_minutes:g} minutes in the future (check the pad's clock; max_ahead_minutes)"
            )


ANY_TIME = PlausibleWindow(max_age_days=0, max_ahead_minutes=0)


class PressValidator:
    """Turns the four text fields of a press into a `Press`, or raises `PressRejected`."""

    def __init__(
        self, topology: Topology, source: str = "import", window: PlausibleWindow | None = None
    ) -> None:
        self.topology = topology
        self.source = source
        self.window = window or PlausibleWindow()
        point_ids = {p.name: p.id for p in topology.points.values()}
        # Per pad: every accepted spelling of a button (its number or its kind) -> (number, kind),
        # so the hot path is two dict lookups.
        self._buttons: dict[str, dict[str, tuple[int, str]]] = {}
        self._pad_info: dict[str, tuple[int | None, str]] = {}
        for pad in topology.pads.values():
            table: dict[str, tuple[int, str]] = {}
            for number, kind in sorted(pad.buttons.items(), reverse=True):
                table[str(number)] = (number, kind)
                table[kind] = (number, kind)  # the lowest number of a kind wins
            self._buttons[pad.id] = table
            self._pad_info[pad.id] = (point_ids.get(pad.point), pad.methodology)

    def validate(self, pad: str, button: str, pressed_at: str, question: str = "") -> Press:
        pad_id = pad.strip()
        table = self._buttons.get(pad_id)
        if table is None:
            raise PressRejected(f"unknown pad {pad_id!r}")
        found = table.get(button) or table.get(button.strip())
        if found is None:
            known = ", ".join(f"{n}={k}" for n, k in sorted(self.topology.pads[pad_id].buttons.items()))
            raise PressRejected(f"unknown button {button.strip()!r} for pad {pad_id} (known: {known})")
        number, kind = found
        when = parse_timestamp(pressed_at)
        self.window.check(when)
        question_id = question.strip() or None if question else None
        point_id, methodology = self._pad_info[pad_id]
        if question_id is not None and question_id not in self.topology.questions:
            raise PressRejected(f"unknown question {question_id!r}")
        if question_id is None and methodology == "Опросы" and kind in INDICATIVE_KINDS:
            raise PressRejected(f"pad {pad_id} works by Опросы: an answer needs a question id")
        if point_id is None:
            point = self.topology.pads[pad_id].point
            raise PressRejected(f"pad {pad_id} belongs to point {point!r}, which is not stored yet")
        return Press(pad_id, point_id, number, kind, when, question_id, self.source)


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    # What the press hooks (probe.press_hooks) did with the imported presses, by hook name.
    hooks: dict[str, HookReport] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        return len(self.errors)


def iter_csv_presses(
    lines: Iterable[str], validator: PressValidator, source: str, report: ImportReport
) -> Iterator[Press]:
    """Good presses of a CSV stream; every bad row is added to `report.errors` as `file:line: reason`."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        report.errors.append(f"{source}:1: empty file (expected header {','.join(CSV_HEADER)})")
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if (
        tuple(header[:3]) != CSV_HEADER[:3]
        or (len(header) > 3 and header[3] != "question")
        or len(header) > 4
    ):
        report.errors.append(f"{source}:1: header must be {','.join(CSV_HEADER)}, got {','.join(header)}")
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field over the csv module's limit: this row only
            report.read += 1
            report.errors.append(f"{source}:{reader.line_num}: not a CSV row: {exc}")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        report.read += 1
        line = reader.line_num
        if len(row) not in (3, 4):
            report.errors.append(
                f"{source}:{line}: expected 4 fields pad,button,pressed_at,question, got {len(row)}"
            )
            continue
        try:
            press = validator.validate(row[0], row[1], row[2], row[3] if len(row) == 4 else "")
        except PressRejected as exc:
            report.errors.append(f"{source}:{line}: {exc}")
            continue
        except Exception as exc:  # a poison row must never cost the good ones their place
            report.errors.append(f"{source}:{line}: {unreadable(exc)}")
            continue
        yield press


def _batches(items: Iterable[Press], size: int) -> Iterator[list[Press]]:
    batch: list[Press] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_presses_statement(dialect: str) -> Executable:
    """The once-only INSERT of one press (executemany), per dialect. Compiled for mssql in tests."""
    from probe.store.schema import presses

    if dialect == "sqlite":
        return sqlite_insert(presses).on_conflict_do_nothing(
            index_elements=["pad_id", "pressed_at", "button"]
        )
    if dialect == "postgresql":
        return pg_insert(presses).on_conflict_do_nothing(constraint="uq_presses_pad_time_button")
    # SQL Server (and anything else): INSERT ... SELECT ... WHERE NOT EXISTS, one statement per row.
    params = {c: bindparam(c, type_=presses.c[c].type) for c in PRESS_COLUMNS}
    duplicate = exists().where(
        and_(
            presses.c.pad_id == params["pad_id"],
            presses.c.pressed_at == params["pressed_at"],
            presses.c.button == params["button"],
        )
    )
    source = select(*[params[c] for c in PRESS_COLUMNS]).where(~duplicate)
    return presses.insert().from_select(list(PRESS_COLUMNS), source)


def mark_suspicious(conn: Connection, batch: Sequence[Press]) -> Sequence[Press]:
    """The batch with its suspicious presses marked (issue 21), in the storing transaction.

    On a pad with `min_seconds_between` = S > 0, an indicative press is suspicious when another
    indicative press of the pad lies less than S seconds before it — suspicious or not, stored
    before or earlier in this batch (time order; the same millisecond: batch order) — or, for a
    press that arrives late, less than S seconds after it among those already stored. So a burst
    counts once whatever order its presses arrive in, and a mark never changes once stored:
    evaluated history is not rewritten. Pads without S cost one small query per batch."""
    pad_ids = sorted({p.pad_id for p in batch if p.kind in INDICATIVE_KINDS})
    if not pad_ids:
        return batch
    from probe.store.schema import pads, presses

    gaps = {
        row.id: float(row.min_seconds_between)
        for row in conn.execute(
            select(pads.c.id, pads.c.min_seconds_between).where(
                pads.c.id.in_(pad_ids), pads.c.min_seconds_between > 0
            )
        )
    }
    if not gaps:
        return batch
    marked = list(batch)
    for pad_id, seconds in gaps.items():
        gap = dt.timedelta(seconds=seconds)
        mine = sorted(
            (i for i, p in enumerate(batch) if p.pad_id == pad_id and p.kind in INDICATIVE_KINDS),
            key=lambda i: (batch[i].pressed_at, i),
        )
        stored = conn.execute(
            select(presses.c.pressed_at, presses.c.button).where(
                presses.c.pad_id == pad_id,
                presses.c.kind.in_(INDICATIVE_KINDS),
                presses.c.pressed_at > batch[mine[0]].pressed_at - gap,
                presses.c.pressed_at < batch[mine[-1]].pressed_at + gap,
            )
        ).all()
        already = {(row.pressed_at, row.button) for row in stored}
        times = sorted(row.pressed_at for row in stored)
        previous: dt.datetime | None = None  # the last press of this batch placed so far
        for i in mine:
            press = batch[i]
            if (press.pressed_at, press.button) in already:
                continue  # stored before: it keeps its mark (the insert leaves it alone)
            # Any stored t with |t − press| < S: the first one after press − S, if before press + S.
            nearest = bisect_right(times, press.pressed_at - gap)
            near_stored = nearest < len(times) and times[nearest] < press.pressed_at + gap
            near_batch = previous is not None and press.pressed_at - previous < gap
            previous = press.pressed_at
            if near_stored or near_batch:
                marked[i] = replace(press, suspicious=True)
    return marked


def store_presses(conn: Connection, batch: Sequence[Press]) -> int:
    """Store presses that are not stored yet (suspicious ones marked); returns how many were new."""
    return store_marked_presses(conn, batch)[0]


def store_marked_presses(conn: Connection, batch: Sequence[Press]) -> tuple[int, Sequence[Press]]:
    """`store_presses`, also returning the batch as stored: with its suspicious presses marked, for
    the press hooks of the same transaction (a burst is not news: notifier/press_hook.py)."""
    if not batch:
        return 0, batch
    batch = mark_suspicious(conn, batch)
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return _store_presses_postgresql(conn, batch), batch
    if dialect == "sqlite":
        return _store_presses_sqlite(conn, batch), batch
    result = conn.execute(insert_presses_statement(dialect), [p.row() for p in batch])
    return max(result.rowcount, 0), batch


def _store_presses_sqlite(conn: Connection, batch: Sequence[Press]) -> int:
    """SQLite: INSERT OR IGNORE through the driver with tuples; timestamps in SQLAlchemy's SQLite
    storage format (always six fractional digits) so that they compare with stored ones."""
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f"INSERT OR IGNORE INTO presses ({', '.join(PRESS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.pad_id,
                    p.point_id,
                    p.button,
                    p.kind,
                    UtcDateTime.stored(p.pressed_at).isoformat(" ", "microseconds"),
                    p.question_id,
                    p.source,
                    1 if p.suspicious else 0,
                )
                for p in batch
            ],
        )
        return max(cursor.rowcount, 0)
    finally:
        cursor.close()


def _copy_text(value: str) -> str:
    """A string as a field of COPY's text format (ids never need it, but must not break it)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_press_rows(cursor: Any, table: str, batch: Sequence[Press]) -> None:
    """COPY in text format, the rows formatted here in one pass: several times cheaper in Python
    than the driver's per-value `write_row`, which matters for ingest (the GIL is shared with the
    event loop)."""
    null = "\\N"
    text = "".join(
        [
            f"{_copy_text(p.pad_id)}\t{p.point_id}\t{p.button}\t{_copy_text(p.kind)}\t"
            f"{UtcDateTime.stored(p.pressed_at).isoformat(' ')}\t{null if p.question_id is None else _copy_text(p.question_id)}\t"
            f"{_copy_text(p.source)}\t{'t' if p.suspicious else 'f'}\n"
            for p in batch
        ]
    )
    with cursor.copy(f"COPY {table} ({', '.join(PRESS_COLUMNS)}) FROM STDIN") as copy:
        copy.write(text)


def _store_presses_postgresql(conn: Connection, batch: Sequence[Press]) -> int:
    """PostgreSQL: COPY straight into presses (the common case: new presses); if any press of the
    batch is already stored, the COPY fails on the unique key, is rolled back to a savepoint and the
    batch goes through a temporary table and INSERT ... ON CONFLICT DO NOTHING instead."""
    import psycopg

    raw = conn.connection.driver_connection
    assert raw is not None
    savepoint = conn.begin_nested()
    try:
        with raw.cursor() as cur:
            copy_press_rows(cur, "presses", batch)
        savepoint.commit()
        return len(batch)
    except psycopg.errors.UniqueViolation:
        savepoint.rollback()
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS presses_load "
            "(pad_id varchar(64), point_id integer, button integer, kind varchar(20), "
            "pressed_at timestamp, question_id varchar(64), source varchar(64), suspicious boolean) "
            "ON COMMIT DELETE ROWS"
        )
        cur.execute("TRUNCATE presses_load")
        copy_press_rows(cur, "presses_load", batch)
        cur.execute(
            f"INSERT INTO presses ({', '.join(PRESS_COLUMNS)}) SELECT {', '.join(PRESS_COLUMNS)} FROM presses_load "
            "ON CONFLICT ON CONSTRAINT uq_presses_pad_time_button DO NOTHING"
        )
        return max(cur.rowcount, 0)


def import_presses_csv(
    engine: Engine,
    topology: Topology,
    path: Path,
    *,
    batch_size: int = 20_000,
    source: str = "import",
    window: PlausibleWindow | None = None,
    hooks: Sequence[PressHook] = (),
    alert: bool = False,
    max_age_minutes: float | None = None,
) -> ImportReport:
    """Import a CSV file; good rows are stored (once each), bad rows are reported with their line.

    `hooks` (probe.press_hooks.PressHook) run in each batch's transaction; the presses may alert
    only with `alert` (`presses import --alert`), and then within `max_age_minutes` when given
    (else each hook's own limit)."""
    report = ImportReport()
    validator = PressValidator(topology, source=source, window=window)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        report.errors.append(f"{path}: cannot open: {exc.strerror or exc}")
        return report
    with handle:
        try:
            good = iter_csv_presses(handle, validator, str(path), report)
            store = functools.partial(
                _store_batch, hooks=hooks, topology=topology, alert=alert, max_age_minutes=max_age_minutes
            )
            _store_pipelined(engine, _batches(good, batch_size), report, store)
        except UnicodeDecodeError as exc:
            report.errors.append(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    return report


def _store_pipelined(
    engine: Engine,
    batches: Iterator[list[Press]],
    report: ImportReport,
    store: Callable[[Engine, Sequence[Press]], tuple[int, dict[str, HookReport]]],
) -> None:
    """Parse the next batch while a worker thread stores the previous one (the drivers release the
    GIL while the database works), one transaction per batch, in order."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="press-store") as pool:
        pending: Future[tuple[int, dict[str, HookReport]]] | None = None
        pending_size = 0

        def collect() -> None:
            if pending is not None:
                stored, hook_reports = pending.result()
                report.stored += stored
                report.duplicates += pending_size - stored
                for name, hook_report in hook_reports.items():
                    if name in report.hooks:
                        report.hooks[name].add(hook_report)
                    else:
                        report.hooks[name] = hook_report

        for batch in batches:
            collect()
            pending, pending_size = pool.submit(store, engine, batch), len(batch)
        collect()


def _store_batch(
    engine: Engine,
    batch: Sequence[Press],
    *,
    hooks: Sequence[PressHook],
    topology: Topology,
    alert: bool,
    max_age_minutes: float | None,
) -> tuple[int, dict[str, HookReport]]:
    """One batch in one transaction, with the press hooks in it; (newly stored, hook reports)."""
    from probe.press_hooks import HookRun, StoredPresses  # it imports Press from here

    run = None
    if hooks:
        batch_info = StoredPresses(batch, topology, _utc_now(), False, alert, max_age_minutes)
        run = HookRun(hooks, batch_info)
    with engine.begin() as conn:
        stored, marked = store_marked_presses(conn, batch)
        if run is not None:
            run.run(conn, marked)
    if run is None:
        return stored, {}
    run.committed()
    return stored, dict(run.reports)


def presses_to_csv(rows: Iterable[tuple[str, int | str, dt.datetime, str | None]]) -> str:
    """CSV text in the import format (used by the demo export and the tests)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for pad, button, when, question in rows:
        writer.writerow([pad, button, _utc_text(when), question or ""])
    return out.getvalue()
