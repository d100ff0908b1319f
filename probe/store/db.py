"""Connections to the aggregator database and `db init`."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text, update
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateIndex

from probe.keys import key_part
from probe.store import partitions
from probe.store.limits import column_limit, fit_key
from probe.store.schema import SCHEMA_VERSION, metadata, metrics, schema_info
from probe.store.threshold_tables import store_tables, threshold_id
from probe.topology import COMPANY


class DatabaseError(Exception):
    """The aggregator cannot be used; the message says which database and why."""


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show nothing secret
        return url.split("@")[-1]


def open_engine(url: str, *, connect_timeout: float = 5.0, create_dirs: bool = True) -> Engine:
    """An engine tuned per dialect: SQLite in WAL mode with a busy timeout, PostgreSQL with a
    connect timeout so a dead server is noticed quickly instead of hanging a run."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    connect_args: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and create_dirs:
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"{redact(url)}: cannot create the folder {folder}: {exc.strerror or exc}"
                ) from None
        connect_args["timeout"] = 30
        connect_args["check_same_thread"] = False
    elif backend == "postgresql":
        connect_args["connect_timeout"] = max(1, int(connect_timeout))
    elif backend == "mssql":
        connect_args["timeout"] = max(1, int(connect_timeout))
        kwargs["fast_executemany"] = True
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def utcnow() -> dt.datetime:
    """Aware UTC now (timestamp columns take and give aware UTC datetimes)."""
    return dt.datetime.now(dt.UTC)


def init_db(engine: Engine) -> list[str]:
    """Create missing tables and indexes and record the schema version. Idempotent: run it on
    every upgrade; returns the names of the tables it created."""
    try:
        with engine.begin() as conn:
            existing = set(inspect(conn).get_table_names())
            metadata.create_all(conn, checkfirst=True)
            _upgrade(conn, existing)
            if conn.dialect.name == "postgresql":
                _partition_history(conn)
            row = conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).first()
            if row is None:
                conn.execute(schema_info.insert().values(id=1, version=SCHEMA_VERSION, upgraded_at=utcnow()))
            elif row.version < SCHEMA_VERSION:
                conn.execute(
                    schema_info.update()
                    .where(schema_info.c.id == 1)
                    .values(version=SCHEMA_VERSION, upgraded_at=utcnow())
                )
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"{redact(str(engine.url))}: cannot create the schema: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}"
        ) from exc
    return sorted(set(metadata.tables) - existing)


# Tables of older versions whose content moved elsewhere and is rebuilt by itself: LOYALTY_MON's
# day totals are in the engine's state store now (a missing state means one recount of the day).
OBSOLETE_TABLES = ("loyalty_mon_day_totals", "loyalty_mon_day_marks")


def upgrade_statements(
    dialect: Any, existing: dict[str, set[str]], existing_indexes: dict[str, set[str]] | None = None
) -> list[str]:
    """The ALTER statements that bring tables created by older versions up to the schema:
    `existing` maps each existing table to its columns, `existing_indexes` to its index names
    (indexes are created by `create_all` only with their table, so a new index of an old table
    is created here)."""
    statements: list[str] = []
    indexes = existing_indexes or {}
    if "metrics" in existing and "ix_metrics_point_id" not in indexes.get("metrics", set()):
        index = next(i for i in metadata.tables["metrics"].indexes if i.name == "ix_metrics_point_id")
        statements.append(str(CreateIndex(index).compile(dialect=dialect)))
    if "notifier_outbox" in existing:
        have = existing["notifier_outbox"]
        table = metadata.tables["notifier_outbox"]
        for name in ("metric_id", "event_at"):
            if name not in have:
                column = table.c[name]
                kind = column.type.compile(dialect=dialect)
                add = "ADD" if dialect.name == "mssql" else "ADD COLUMN"
                statements.append(f"ALTER TABLE notifier_outbox {add} {name} {kind} NULL")
        if "metric_id" not in have:
            index = next(i for i in table.indexes if i.name == "ix_notifier_outbox_metric_event")
            statements.append(str(CreateIndex(index).compile(dialect=dialect)))
    if "metrics" in existing and "scope" not in existing["metrics"]:
        # Structured identity (issue 15): the column, its index; `_fill_metric_scope` fills it.
        kind = metrics.c.scope.type.compile(dialect=dialect)
        add = "ADD" if dialect.name == "mssql" else "ADD COLUMN"
        statements.append(f"ALTER TABLE metrics {add} scope {kind} NULL")
        index = next(i for i in metrics.indexes if i.name == "ix_metrics_test_scope_period")
        statements.append(str(CreateIndex(index).compile(dialect=dialect)))
    for name in OBSOLETE_TABLES:
        if name in existing:
            statements.append(f"DROP TABLE {name}")
    return statements


def _upgrade(conn: Connection, existing_tables: set[str]) -> None:
    """Column-level upgrades of tables created by older versions go here, keyed by version."""
    inspector = inspect(conn)
    columns = {name: {c["name"] for c in inspector.get_columns(name)} for name in existing_tables}
    indexes = {name: {str(i["name"]) for i in inspector.get_indexes(name)} for name in existing_tables}
    for statement in upgrade_statements(conn.dialect, columns, indexes):
        conn.execute(text(statement))
    if "metrics" in existing_tables:
        _fill_metric_scope(conn)
    if "threshold_overrides" in existing_tables:
        # The first schema had direction VARCHAR(12), too short for "higher_better" (SQLite never
        # enforced the length); metric_pattern was 300, shorter than the metric names it holds.
        _widen(conn, "threshold_overrides", "direction", 16)
        _widen(conn, "threshold_overrides", "metric_pattern", 500)
    if "metrics" in existing_tables:
        _rekey_app_response(conn)
        _fit_long_keys(conn)
    for table in ADDED_COLUMNS_TABLES:
        if table in existing_tables:
            _add_missing_columns(conn, table)
    if "metric_values" in existing_tables:
        _move_thresholds(conn)


def _move_thresholds(conn: Connection) -> None:
    """Issue 16: threshold tables once in `threshold_tables`, referred to by
    `metric_values.threshold_id`; a table of an older version has them as text in every row
    (`thresholds`): store each distinct text once, point the rows at it, drop the column."""
    if "thresholds" not in {c["name"] for c in inspect(conn).get_columns("metric_values")}:
        return
    bodies = conn.execute(
        text("SELECT DISTINCT thresholds FROM metric_values WHERE thresholds IS NOT NULL")
    ).scalars()
    store_tables(conn, {threshold_id(body): body for body in bodies})
    conn.execute(
        text(
            "UPDATE metric_values SET threshold_id = (SELECT t.id FROM threshold_tables t "
            "WHERE t.body = metric_values.thresholds) WHERE thresholds IS NOT NULL"
        )
    )
    conn.execute(text("ALTER TABLE metric_values DROP COLUMN thresholds"))


def _partition_history(conn: Connection) -> None:
    """PostgreSQL: `metric_values` partitioned by day, with partitions ahead (issue 16)."""
    today = utcnow().date()
    if partitions.is_partitioned(conn):
        partitions.ensure_ahead(conn, today, partitions.AHEAD_DAYS)
    else:
        partitions.convert(conn, today, partitions.AHEAD_DAYS)


# Tables that gained columns after they were first created (issue 21: metric_values.low/high/votes,
# pads.min_seconds_between/expected_presses, presses.suspicious; issue 16: service_status.role,
# lease_epoch, version).
# A new column is nullable or has a server default, so adding it to a filled table is one ALTER.
ADDED_COLUMNS_TABLES = ("metric_values", "pads", "presses", "service_status")


def add_column_ddl(table: str, name: str, dialect: Dialect) -> str:
    """`ALTER TABLE … ADD …` of a declared column for this dialect (compiled for mssql in tests)."""
    column = metadata.tables[table].c[name]
    if not column.nullable and column.server_default is None:
        raise AssertionError(f"{table}.{name} cannot be added to stored rows without a default")
    add = "ADD" if dialect.name == "mssql" else "ADD COLUMN"
    ddl = f"ALTER TABLE {table} {add} {name} {column.type.compile(dialect=dialect)}"
    if column.server_default is not None:
        default = column.server_default.arg  # type: ignore[attr-defined]
        literal = default if isinstance(default, str) else str(default.compile(dialect=dialect))
        ddl += f" DEFAULT {literal} NOT NULL"
    return ddl


def _add_missing_columns(conn: Connection, table: str) -> None:
    """Add the columns the schema declares and the stored table lacks (idempotent), with their
    indexes."""
    declared = metadata.tables[table]
    present = {column["name"] for column in inspect(conn).get_columns(table)}
    for column in declared.columns:
        if column.name not in present:
            conn.execute(text(add_column_ddl(table, column.name, conn.dialect)))
    indexes = {index["name"] for index in inspect(conn).get_indexes(table)}
    for index in declared.indexes:
        if index.name not in indexes:
            index.create(conn)


def _widen(conn: Connection, table: str, column: str, length: int) -> None:
    """Widen a NOT NULL text column created shorter by an older version (idempotent; SQLite has
    no lengths to widen)."""
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "mssql"):
        return
    current = next(c for c in inspect(conn).get_columns(table) if c["name"] == column)
    if getattr(current["type"], "length", length) >= length:
        return
    alter = (
        f"ALTER COLUMN {column} TYPE VARCHAR({length})"
        if dialect == "postgresql"
        else f"ALTER COLUMN {column} NVARCHAR({length}) NOT NULL"
    )
    conn.execute(text(f"ALTER TABLE {table} {alter}"))


def _fit_long_keys(conn: Connection) -> None:
    """SQLite stored metric keys longer than the column (it enforces no length); the engine now
    makes such keys fit (`probe.store.limits.fit_key`). Re-key the stored ones the same way so that
    those metrics keep their ids (their SNMP index)."""
    limit = column_limit(metrics.c.key)
    rows = conn.execute(select(metrics.c.id, metrics.c.key).where(func.length(metrics.c.key) > limit)).all()
    for row in rows:
        conn.execute(metrics.update().where(metrics.c.id == row.id).values(key=fit_key(row.key, limit)))


# Until issue 14, APP_RESPONSE spelled the app name in its metric keys with a table of its own
# (х→h, ц→c, й→y, щ→sch, ю→yu, я→ya); `probe.keys.key_part` is now the one transliteration. Kept
# here, frozen, only to find keys stored in the old spelling.
_OLD_APP_RESPONSE_TABLE = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцы", "abvgdeziyklmnoprstufhcy", strict=True)),
        **{"ё": "e", "ж": "zh", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ь": "", "э": "e"},
        **{"ю": "yu", "я": "ya"},
    }
)


def _old_app_response_hint(app: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", app.lower().translate(_OLD_APP_RESPONSE_TABLE)).strip("_") or "app"


def _rekey_app_response(conn: Connection) -> None:
    """Move APP_RESPONSE keys from the old spelling of the app name to `key_part`'s, so the metrics
    keep their ids (SNMP indexes) when the test reports under the new key. Idempotent: a key
    already in the new spelling, or whose new spelling is taken, stays as it is."""
    rows = conn.execute(
        select(metrics.c.id, metrics.c.key, metrics.c.short_name).where(metrics.c.test == "APP_RESPONSE")
    ).all()
    taken = {row.key for row in rows}
    for row in rows:
        app = row.short_name.rsplit(". ", 1)[0]  # "{app}. Время отклика (мс)" / "{app}. Доступность (%)"
        old, new = _old_app_response_hint(app), key_part(app)
        if old == new or not row.key.endswith("." + old):
            continue
        key = row.key[: -len(old)] + new
        if key not in taken:
            conn.execute(metrics.update().where(metrics.c.id == row.id).values(key=key))
            taken.discard(row.key)
            taken.add(key)


def _fill_metric_scope(conn: Connection) -> None:
    """`metrics.scope` for rows written before it existed. Rows with a point are `point`; of the
    others, a company row is told from a test-level one by its stored name — the only place a
    name is read, once, for rows an older version wrote without a scope (the engine writes the
    column itself, and corrects a row whose scope differs at its next run)."""
    unset = metrics.c.scope.is_(None)
    conn.execute(update(metrics).where(unset, metrics.c.point_id.is_not(None)).values(scope="point"))
    legacy_company = metrics.c.name.contains(f". {COMPANY}. ", autoescape=True)
    conn.execute(update(metrics).where(unset, legacy_company).values(scope="company"))
    conn.execute(update(metrics).where(unset).values(scope="none"))


def schema_version(engine: Engine) -> int | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("schema_info"):
            return None
        row = conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).first()
        return None if row is None else int(row.version)


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        yield conn


# --- read-only access for evaluation tests ------------------------------------------------------

READ_ONLY_SQLSTATE = "25006"  # PostgreSQL: read_only_sql_transaction


def read_only_engine(engine: Engine) -> Engine:
    """An engine whose every transaction is read only, for evaluation tests.

    SQLite: `PRAGMA query_only` for the duration of each transaction (the connections are shared
    with the writable engine; the pragma is switched off again when the transaction ends and when
    a connection goes back to the pool). PostgreSQL: `SET TRANSACTION READ ONLY` as the first
    statement of each transaction (and no JIT compilation, which costs more than it saves in
    queries this short). SQL Server has no read-only transaction: its connections say
    `ApplicationIntent=ReadOnly` (a separate pool), which an availability group routes to a
    read-only replica."""
    backend = engine.dialect.name
    if backend == "mssql":
        return create_engine(mssql_read_only_url(engine.url), future=True, pool_pre_ping=True)
    view = engine.execution_options()
    if backend == "sqlite":
        event.listen(view, "begin", _sqlite_query_only_on)
        event.listen(view, "commit", _sqlite_query_only_off)
        event.listen(view, "rollback", _sqlite_query_only_off)
        event.listen(engine.pool, "checkin", _sqlite_checkin)
    elif backend == "postgresql":
        event.listen(view, "begin", _postgresql_read_only)
    return view


def mssql_read_only_url(url: Any) -> Any:
    parsed = make_url(url)
    if "odbc_connect" in parsed.query:
        odbc = str(parsed.query["odbc_connect"]).rstrip(";") + ";ApplicationIntent=ReadOnly"
        return parsed.update_query_dict({"odbc_connect": odbc})
    return parsed.update_query_dict({"ApplicationIntent": "ReadOnly"})


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


def _sqlite_query_only_on(conn: Connection) -> None:
    _driver(conn).execute("PRAGMA query_only = ON")


def _sqlite_query_only_off(conn: Connection) -> None:
    _driver(conn).execute("PRAGMA query_only = OFF")


def _sqlite_checkin(dbapi_connection: Any, _record: Any) -> None:
    if dbapi_connection is not None:
        with contextlib.suppress(Exception):  # a closed or broken connection is discarded anyway
            dbapi_connection.execute("PRAGMA query_only = OFF")


def _postgresql_read_only(conn: Connection) -> None:
    # Without JIT: a test's queries take a fraction of a second, and a large chain's estimates
    # cross `jit_above_cost`, so every run paid ~90 ms of compilation for a 200 ms query (issue 15).
    with _driver(conn).cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY; SET LOCAL jit = off")


def is_read_only_violation(exc: BaseException) -> bool:
    """Did a statement fail because its transaction was read only?"""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return True
    text_ = str(orig).lower()
    return "readonly database" in text_ or "read-only transaction" in text_
