"""The aggregator schema (SQLAlchemy Core), owned by the project.

Text columns are `Unicode` so that SQL Server gets NVARCHAR (names are Cyrillic); timestamps are
`UtcDateTime`: stored as UTC without a zone, with millisecond precision (DATETIME2(3) on SQL Server,
whose DATETIME rounds to 3.33 ms), and always aware UTC datetimes in Python.
Subsystems that need tables of their own add them to `metadata` in this module so `db init`
creates everything in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Unicode,
    UnicodeText,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects import mssql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

SCHEMA_VERSION = 1

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in time: stored as UTC in a column without a zone (`TIMESTAMP WITHOUT TIME ZONE`,
    SQLite text, DATETIME2(3) on SQL Server, as the aggregator always stored them) and returned as
    an aware UTC datetime on every dialect, so no caller converts by hand. An aware value of any
    zone is converted to UTC on the way in; a naive value is taken as UTC (the stored convention,
    e.g. `Window.start_naive` of tests written before this type)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "mssql":
            return dialect.type_descriptor(mssql.DATETIME2(precision=3))
        return dialect.type_descriptor(DateTime(timezone=False))

    @staticmethod
    def stored(value: dt.datetime) -> dt.datetime:
        """The value as the column holds it (UTC, no zone); for the bulk paths that bypass binding."""
        return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else self.stored(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime


# Monotonic id that works on every dialect (SQLite needs INTEGER for AUTOINCREMENT rowids).
BigId = BigInteger().with_variant(Integer(), "sqlite")

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("upgraded_at", UtcDateTime(), nullable=False),
)

points = Table(
    "points",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Unicode(200), nullable=False, unique=True),
    Column("region", Unicode(400), nullable=False, default=""),
    # Opening hours in local time, e.g. "08:00-22:00"; empty = always open.
    Column("opening_hours", Unicode(40), nullable=False, default=""),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Unicode(64), primary_key=True),
    Column("text", Unicode(400), nullable=False),
)

pads = Table(
    "pads",
    metadata,
    Column("id", Unicode(64), primary_key=True),
    Column("point_id", Integer, ForeignKey("points.id"), nullable=False, index=True),
    Column("methodology", Unicode(16), nullable=False),
    Column("window_seconds", Float, nullable=False, default=30.0),
    # Issue 21: indicative presses closer than this to the previous one are suspicious (0 = off);
    # the pad is silent once its history expects this many presses since its last one.
    Column("min_seconds_between", Float, nullable=False, default=0.0, server_default=text("0")),
    Column("expected_presses", Float, nullable=False, default=5.0, server_default=text("5")),
)

buttons = Table(
    "buttons",
    metadata,
    Column("pad_id", Unicode(64), ForeignKey("pads.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("kind", Unicode(20), nullable=False),
    PrimaryKeyConstraint("pad_id", "number"),
)

# One row per button press. point_id and kind are copied from the topology at ingest time so that
# metric queries group presses without joins and a pad moved later keeps its history where it was.
presses = Table(
    "presses",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("pad_id", Unicode(64), nullable=False),
    Column("point_id", Integer, nullable=False),
    Column("button", Integer, nullable=False),
    Column("kind", Unicode(20), nullable=False),
    Column("pressed_at", UtcDateTime(), nullable=False),
    Column("question_id", Unicode(64), nullable=True),
    Column("source", Unicode(64), nullable=False, default="import"),
    # Issue 21: an indicative press within the pad's min_seconds_between of another one stored
    # before it: kept (nothing is deleted) but counted only as `Подозрительные нажатия`.
    Column("suspicious", Boolean, nullable=False, default=False, server_default=false()),
    # A press delivered twice (a retried line, a re-imported file) is the same press.
    UniqueConstraint("pad_id", "pressed_at", "button", name="uq_presses_pad_time_button"),
    Index("ix_presses_time_point_kind", "pressed_at", "point_id", "kind"),
    Index("ix_presses_suspicious_time", "suspicious", "pressed_at"),
    # `id` is the order in which presses were stored (the ingestion watermark of incremental
    # tests, probe.store.ingest_mark): SQLite must never give a deleted id to a new press.
    sqlite_autoincrement=True,
)

# Loyalty-driver samples (QUEUE_LEN and similar), fed by the same import mechanisms.
queue_samples = Table(
    "queue_samples",
    metadata,
    Column("point_id", Integer, nullable=False),
    Column("sampled_at", UtcDateTime(), nullable=False),
    Column("length", Float, nullable=False),
    PrimaryKeyConstraint("point_id", "sampled_at"),
)

# Every metric ever produced, with the stable id that becomes its SNMP index (never reused).
metrics = Table(
    "metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Unicode(250), nullable=False, unique=True),
    Column("name", Unicode(500), nullable=False),
    Column("test", Unicode(64), nullable=False, index=True),
    Column("methodology", Unicode(16), nullable=True),
    Column("point_id", Integer, nullable=True),
    Column("question_id", Unicode(64), nullable=True),
    Column("short_name", Unicode(200), nullable=False),
    Column("period", Unicode(40), nullable=True),
    Column("unit", Unicode(20), nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    # Structured identity (with test, methodology, question_id, short_name and period above):
    # what the metric is about — "point" (point_id), "company" (Итого по компании) or "none" (a
    # test-level metric). Consumers select by these columns; the full name is for people.
    Column("scope", Unicode(8), nullable=True),
    Index("ix_metrics_test_scope_period", "test", "scope", "period"),
    # A point's metrics (the console's point page, interval panel and Dashboard tiles ask so).
    Index("ix_metrics_point_id", "point_id"),
    # SQLite reuses the largest rowid after a delete unless AUTOINCREMENT is declared; a metric id
    # is an SNMP index and must never be given to another metric.
    sqlite_autoincrement=True,
)

metric_values = Table(
    "metric_values",
    metadata,
    Column("metric_id", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("value", Float, nullable=True),
    Column("level", Unicode(12), nullable=True),
    # The boundaries that produced the level, so a past assessment can be explained later: the id
    # of the table in `threshold_tables` (stored once per distinct table, issue 16), NULL if none.
    Column("threshold_id", BigInteger, nullable=True),
    # How sure a percentage is (issue 21): its 95 % Wilson interval in the value's unit and the
    # count it is a share of; NULL for values that are not proportions (and before issue 21).
    Column("low", Float, nullable=True),
    Column("high", Float, nullable=True),
    Column("votes", Integer, nullable=True),
    # What the test's model expected instead, e.g. the presses a silent pad usually gets.
    Column("expected", Float, nullable=True),
    PrimaryKeyConstraint("metric_id", "at"),
    Index("ix_metric_values_at", "at"),
    # PostgreSQL: one partition per UTC day (probe.store.partitions), dropped whole when pruned.
    postgresql_partition_by="RANGE (at)",
)

# Every distinct threshold table a stored value was assessed with (issue 16): `metric_values`
# refers to it by `threshold_id` instead of repeating the text in every row. The id is derived from
# the text (probe.store.history_tables.threshold_id), so every process gives a table the same id
# without asking the database, and storing it twice is a no-op.
threshold_tables = Table(
    "threshold_tables",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Unicode(400), nullable=False),  # JSON: {"direction": ..., "bounds": [...]}
)

# Hourly trends of every metric (issue 16, like Zabbix's trends): rolled up from `metric_values`
# before raw values are pruned, kept `[history] trend_days`. `hour` is the start of the UTC hour
# the values' `at` falls in; min/mean/max over the non-null values (`count` of them), `worst` the
# worst level stored in the hour (NULL when no value had a level).
metric_trends = Table(
    "metric_trends",
    metadata,
    Column("metric_id", Integer, nullable=False),
    Column("hour", UtcDateTime(), nullable=False),
    Column("value_min", Float, nullable=True),
    Column("value_mean", Float, nullable=True),
    Column("value_max", Float, nullable=True),
    Column("count", Integer, nullable=False),
    Column("worst", Unicode(12), nullable=True),
    PrimaryKeyConstraint("metric_id", "hour"),
    Index("ix_metric_trends_hour", "hour"),
)

# The housekeeper's marks (probe.history): `rolled` = raw values of every hour before `at` are in
# `metric_trends`; `at` of the row is the first hour not rolled up yet.
history_marks = Table(
    "history_marks",
    metadata,
    Column("name", Unicode(40), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

test_runs = Table(
    "test_runs",
    metadata,
    Column("test", Unicode(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("duration_seconds", Float, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", UnicodeText, nullable=True),
    PrimaryKeyConstraint("test", "at"),
)

threshold_overrides = Table(
    "threshold_overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("test", Unicode(64), nullable=False),
    Column("point_id", Integer, nullable=True),
    Column("metric_pattern", Unicode(500), nullable=False),  # a full metric name (metrics.name) or a glob
    Column("hour_of_week", Integer, nullable=True),
    Column("direction", Unicode(16), nullable=False, default="higher_worse"),
    Column("t1", Float, nullable=False),
    Column("t2", Float, nullable=False),
    Column("t3", Float, nullable=False),
    Column("t4", Float, nullable=False),
    Column("source", Unicode(40), nullable=False, default="baseline"),
    Column("created_at", UtcDateTime(), nullable=False),
)

# --- clips (issue 9: audio fragments around presses) ---
# One row per press of a configured kind once it is due: `cut` (the fragment file is at `path`),
# `waiting` (no or too short a recording yet; retried at `next_attempt_at`) or `missing` (given up:
# no recording ever covered the press). `press_id` is unique, so every press is cut once.
clips = Table(
    "clips",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("press_id", BigId, nullable=False, unique=True),
    Column("point_id", Integer, nullable=False),
    Column("kind", Unicode(20), nullable=False),
    Column("pressed_at", UtcDateTime(), nullable=False),
    Column("status", Unicode(12), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("path", Unicode(1000), nullable=True),
    Column("duration_seconds", Float, nullable=True),
    # Seconds of silence put where no recording covered the fragment (a recorder pause).
    Column("gap_seconds", Float, nullable=False, default=0.0),
    Column("sources", UnicodeText, nullable=True),
    Column("reason", UnicodeText, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("cut_at", UtcDateTime(), nullable=True),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Index("ix_clips_point_pressed", "point_id", "pressed_at"),
    Index("ix_clips_status_next", "status", "next_attempt_at"),
)

# --- notifier: incidents, outbox, maintenance silences, recipients imported from LDAP/AD ---

# The current state of each (rule, metric) incident machine (notifier.incidents); one row per pair.
notifier_incidents = Table(
    "notifier_incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", Unicode(200), nullable=False),
    Column("metric_id", Integer, nullable=False),
    Column("metric_name", Unicode(500), nullable=False),
    Column("status", Unicode(12), nullable=False),
    Column("number", Integer, nullable=False, default=0),
    Column("matches", Integer, nullable=False, default=0),
    Column("goods", Integer, nullable=False, default=0),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("streak_start", UtcDateTime(), nullable=True),
    Column("opened_at", UtcDateTime(), nullable=True),
    Column("fired_at", UtcDateTime(), nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("last_at", UtcDateTime(), nullable=True),
    Column("peak", Unicode(12), nullable=True),
    Column("last_values", UnicodeText, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("rule", "metric_id", name="uq_notifier_incidents_rule_metric"),
)

# Every message is written here first (in the same transaction as the incident change) and
# delivered from here; `dedupe_key` makes enqueueing the same announcement twice a no-op.
notifier_outbox = Table(
    "notifier_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dedupe_key", Unicode(400), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("rule", Unicode(200), nullable=False),
    Column("kind", Unicode(12), nullable=False),
    Column("channel", Unicode(8), nullable=False),
    Column("recipient", Unicode(200), nullable=False),
    Column("address", Unicode(320), nullable=False),
    Column("subject", Unicode(400), nullable=False, default=""),
    Column("body_text", UnicodeText, nullable=False),
    Column("body_html", UnicodeText, nullable=True),
    # pending -> sending (claimed) -> sent | failed (permanent, or out of attempts)
    Column("status", Unicode(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("claimed_at", UtcDateTime(), nullable=True),
    Column("claim_token", Unicode(64), nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("last_error", UnicodeText, nullable=True),
    # What the message is about: the metric and the evaluation (interval end) whose event it
    # announces, so the console can list the notifications an interval triggered.
    Column("metric_id", Integer, nullable=True),
    Column("event_at", UtcDateTime(), nullable=True),
    Index("ix_notifier_outbox_status_due", "status", "due_at"),
    Index("ix_notifier_outbox_metric_event", "metric_id", "event_at"),
)

# Press rules (issue 22): every press a press rule matched, written by the notifier's press hook
# in the transaction that stores the press (so no matching press is ever without its row), then
# announced by the notifier: `waiting` -> `announced` (in alert `alert_id`), or `closed` (the point
# was closed), `silenced` (a maintenance silence covered it). One row per rule and press.
notifier_press_matches = Table(
    "notifier_press_matches",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("rule", Unicode(200), nullable=False),
    Column("pad_id", Unicode(64), nullable=False),
    Column("button", Integer, nullable=False),
    Column("pressed_at", UtcDateTime(), nullable=False),
    Column("point_id", Integer, nullable=False),
    Column("kind", Unicode(20), nullable=False),
    Column("question_id", Unicode(64), nullable=True),
    Column("stored_at", UtcDateTime(), nullable=False),
    Column("status", Unicode(12), nullable=False),
    Column("alert_id", BigId, nullable=True),
    Column("press_id", BigId, nullable=True),
    UniqueConstraint("rule", "pad_id", "pressed_at", "button", name="uq_notifier_press_matches_rule_press"),
    Index("ix_notifier_press_matches_status", "status", "rule", "point_id"),
    Index("ix_notifier_press_matches_alert", "alert_id"),
)

# One row per press alert (one message to the rule's recipients about one press and the presses
# gathered with it by the throttle), with its acknowledgement: open -> acknowledged -> closed.
notifier_alerts = Table(
    "notifier_alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("rule", Unicode(200), nullable=False),
    Column("point_id", Integer, nullable=False),
    # The press the message is about (the latest of those it announces).
    Column("press_id", BigId, nullable=True),
    Column("pad_id", Unicode(64), nullable=False),
    Column("button", Integer, nullable=False),
    Column("kind", Unicode(20), nullable=False),
    Column("question_id", Unicode(64), nullable=True),
    Column("pressed_at", UtcDateTime(), nullable=False),
    Column("presses", Integer, nullable=False, default=1),  # announced presses, this one included
    Column("first_pressed_at", UtcDateTime(), nullable=False),  # the earliest of them
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", Unicode(16), nullable=False),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    Column("acknowledged_by", Unicode(200), nullable=True),
    Column("ack_comment", UnicodeText, nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", Unicode(200), nullable=True),
    Column("close_comment", UnicodeText, nullable=True),
    Index("ix_notifier_alerts_rule_point_created", "rule", "point_id", "created_at"),
    Index("ix_notifier_alerts_point_pressed", "point_id", "pressed_at"),
    Index("ix_notifier_alerts_status", "status"),
)

# Which outbox rows carry which press alert (its messages' states for `alerts list` and the console).
notifier_alert_messages = Table(
    "notifier_alert_messages",
    metadata,
    Column("alert_id", BigId, nullable=False),
    Column("outbox_id", BigId, nullable=False),
    PrimaryKeyConstraint("alert_id", "outbox_id"),
)

notifier_silences = Table(
    "notifier_silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", Unicode(200), nullable=True),
    Column("metrics", Unicode(500), nullable=True),
    Column("point", Unicode(200), nullable=True),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("reason", Unicode(400), nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Members of named recipient lists imported from LDAP/AD (config lists are merged with these).
notifier_recipients = Table(
    "notifier_recipients",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_name", Unicode(200), nullable=False, index=True),
    Column("name", Unicode(200), nullable=False),
    Column("email", Unicode(320), nullable=True),
    Column("phone", Unicode(40), nullable=True),
    Column("source", Unicode(400), nullable=False, default=""),
    Column("imported_at", UtcDateTime(), nullable=False),
)

# ingest (issue 6): what the ingest service received per source (`tcp:ADDRESS`, `serial:PORT`) and
# minute, so the INGEST evaluation test can sum any interval. received = presses answered OK,
# refused = lines answered ERR, spooled = accepted presses that went through the local spool.
ingest_counts = Table(
    "ingest_counts",
    metadata,
    Column("source", Unicode(64), nullable=False),
    Column("minute", UtcDateTime(), nullable=False),
    Column("received", Integer, nullable=False, default=0),
    Column("refused", Integer, nullable=False, default=0),
    Column("spooled", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("source", "minute"),
    Index("ix_ingest_counts_minute", "minute"),
)

# The engine-owned state of evaluation tests (probe.engine.state): keyed JSON values per test,
# written only by the engine, in the transaction that stores the run's results. `version` is
# compared and bumped on every write, so two processes evaluating the same test never mix their
# states (the second one's state is dropped and recomputed from presses next time).
test_state_versions = Table(
    "test_state_versions",
    metadata,
    Column("test", Unicode(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

test_state = Table(
    "test_state",
    metadata,
    Column("test", Unicode(64), nullable=False),
    Column("key", Unicode(200), nullable=False),
    Column("value", UnicodeText, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("test", "key"),
)

# One row per stored run, in commit order as far as a sequence allows: how every process learns
# what another committed (probe.follow). Written in the run's own transaction; on PostgreSQL the
# transaction also sends NOTIFY prolan_runs, so followers wake at once instead of at their poll.
run_log = Table(
    "run_log",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("test", Unicode(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),  # end of the evaluated interval
    Column("historical", Boolean, nullable=False, default=False),
    Column("test_ok", Boolean, nullable=False),
    Column("origin", Unicode(100), nullable=False),  # the process that stored it (host:pid:token)
    Column("committed_at", UtcDateTime(), nullable=False),
    Index("ix_run_log_committed_at", "committed_at"),
    sqlite_autoincrement=True,
)

# The heartbeat of every running service (probe.status): how its consumers of evaluations keep up
# and how far it has followed run_log, for `prolan-probe status` and other probes.
service_status = Table(
    "service_status",
    metadata,
    Column("origin", Unicode(100), primary_key=True),  # as run_log.origin
    Column("probe", Unicode(200), nullable=False),  # the configured probe name
    Column("started_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("followed_seq", BigInteger, nullable=True),
    Column("consumers", UnicodeText, nullable=False),  # JSON: one object per SubscriberHealth
    # Issue 16: "active" or "standby" (probe.lease), the lease epoch it holds or last saw, its version.
    Column("role", Unicode(16), nullable=True),
    Column("lease_epoch", BigInteger, nullable=True),
    Column("version", Unicode(40), nullable=True),
)

# The lease of the one active probe service per aggregator (probe.lease, issue 16). One row per
# lease name; `epoch` grows by one at every change of holder (the fencing token), `expires_at`
# and `renewed_at` are seconds since 1970 read from the database's own clock (never a client's).
probe_lease = Table(
    "probe_lease",
    metadata,
    Column("name", Unicode(40), primary_key=True),
    Column("holder", Unicode(100), nullable=True),  # as run_log.origin; NULL when released
    Column("epoch", BigInteger, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("renewed_at", Float, nullable=False),
)
