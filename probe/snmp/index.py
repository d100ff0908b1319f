"""PROLAN-MIB as a sorted table of pre-encoded variable bindings, built from a `Snapshot`.

Every object instance the agent serves lives in a `Segment`: one table column (or one scalar)
whose rows are sorted integer indexes. A segment keeps the BER encoding of all its variable
bindings in one `bytes` blob with an offsets array, so a GETBULK over consecutive rows is one
slice. `MibIndex` finds the segment of an OID by bisecting the sorted column prefixes and the row
by bisecting the row indexes; nothing is computed per request but the response header.

The index is immutable; the agent builds a new one on every publish of the snapshot and swaps a
reference. The metric and point tables are `RowTable`s: a row is encoded (all its columns at once)
the first time it is needed and kept while its object is unchanged, so a publish costs the swap of
the objects, not their encoding, and the agent starts without encoding anything; a background
warm-up encodes the rest (`IndexBuilder.warm`).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Any

from probe.levels import SNMP_NOT_ASSESSED, Level
from probe.snapshot import MetricState, Snapshot, SubscriberHealth, TestState
from probe.snmp import ber
from probe.snmp.oids import (
    CONSUMER_COLUMNS,
    KEEPING_UP,
    METRIC_COLUMNS,
    POINT_COLUMNS,
    ROLE_VALUES,
    SCOPES,
    SYS_UPTIME_INSTANCE,
    SYSTEM,
    TEST_COLUMNS,
    Layout,
    ProbeScalar,
)

TEXT_LIMIT = 1024  # ProlanUtf8String SIZE (0..1024)
DISPLAY_LIMIT = 255  # DisplayString
PERIOD_LIMIT = 16  # prolanMetricPeriod DisplayString (SIZE (0..16))
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

DIRECTIONS = {"higher_worse": 1, "higher_better": 2, "equal": 3}
DIRECTION_NONE = 4
TEST_OK, TEST_FAILED, TEST_NEVER_RUN, TEST_LOAD_FAILED = 1, 2, 3, 4
DB_AVAILABLE, DB_UNAVAILABLE = 1, 2


# ---- value encodings (value TLVs) ----------------------------------------------------------


_OKO_LEVELS: dict[Level | None, int] = {None: SNMP_NOT_ASSESSED, **{lv: lv.snmp_value for lv in Level}}


def oko_level(level: Level | None) -> int:
    """`probe.levels.Level` → OkoLevel of PROLAN-MIB (None: the metric is not assessed)."""
    return _OKO_LEVELS[level]


@lru_cache(maxsize=8192)  # tests, points, units, regions repeat across thousands of rows
def utf8(text: str | None, limit: int = TEXT_LIMIT) -> bytes:
    raw = (text or "").encode("utf-8")
    if len(raw) > limit:  # cut at a character boundary, never in the middle of one
        raw = raw[:limit].decode("utf-8", "ignore").encode("utf-8")
    return ber.encode_octets(raw)


def scaled(value: float | None) -> int:
    if value is None or math.isnan(value):
        return 0
    if math.isinf(value):
        return INT32_MAX if value > 0 else INT32_MIN
    return max(INT32_MIN, min(INT32_MAX, round(value * 100)))


def value_text(value: float | None) -> str:
    if value is None or math.isnan(value) or math.isinf(value):
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=1024)
def date_and_time(moment: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> bytes:
    """DateAndTime (11 octets) in the probe's time zone with its offset from UTC, as an operator
    reads every other time of the probe; the epoch (in UTC) stands for "never"."""
    moment = (moment or _EPOCH).astimezone(dt.UTC if moment is None else tz)
    offset = moment.utcoffset() or dt.timedelta(0)
    offset_minutes = int(abs(offset).total_seconds()) // 60
    content = struct.pack(
        ">HBBBBBBcBB",
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 100_000,
        b"-" if offset < dt.timedelta(0) else b"+",
        offset_minutes // 60,
        offset_minutes % 60,
    )
    return ber.encode_octets(content)


_integer = lru_cache(maxsize=65536)(ber.encode_integer)  # levels, thresholds, flags repeat
_gauge = lru_cache(maxsize=4096)(ber.encode_unsigned)


def _valid(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def metric_values(m: MetricState, tz: dt.tzinfo = dt.UTC) -> tuple[bytes, ...]:
    """The value TLVs of the columns of one prolanMetricEntry (METRIC_COLUMNS, in order)."""
    table = m.thresholds
    bounds: list[float] = list(table.bounds) if table is not None else []
    bounds += [0.0] * (4 - len(bounds))
    direction = DIRECTIONS.get(table.direction, DIRECTION_NONE) if table is not None else DIRECTION_NONE
    return (
        utf8(m.name),
        utf8(m.key, DISPLAY_LIMIT),
        utf8(m.test, DISPLAY_LIMIT),
        utf8(m.point),
        _integer(scaled(m.value)),
        utf8(value_text(m.value), DISPLAY_LIMIT),
        _integer(1 if _valid(m.value) else 2),
        utf8(m.unit),
        _integer(oko_level(m.level)),
        *(_integer(scaled(b)) for b in bounds),
        date_and_time(m.time, tz),
        _integer(direction),
        utf8(m.region),
        utf8(m.question),
        utf8(m.period, PERIOD_LIMIT),
        utf8(m.short_name),
        _integer(SCOPES.get(m.scope or "", SCOPES["point"] if m.point else SCOPES["none"])),
        utf8(m.methodology),
        *_interval_values(m),
    )


def _interval_values(m: MetricState) -> tuple[bytes, ...]:
    """prolanMetricLow, High, IntervalValid and Votes (issue 21)."""
    valid = _valid(m.low) and _valid(m.high)
    votes = 0 if m.votes is None else max(0, min(2**32 - 1, m.votes))
    return (
        _integer(scaled(m.low) if valid else 0),
        _integer(scaled(m.high) if valid else 0),
        _integer(1 if valid else 2),
        _gauge(votes, ber.GAUGE32),
    )


def test_state(t: TestState) -> int:
    if t.failed_to_load:
        return TEST_LOAD_FAILED
    if t.ok is None:
        return TEST_NEVER_RUN
    return TEST_OK if t.ok else TEST_FAILED


def test_values(t: TestState, tz: dt.tzinfo = dt.UTC) -> tuple[bytes, ...]:
    duration_ms = (
        0 if t.duration_seconds is None else max(0, min(2**32 - 1, round(t.duration_seconds * 1000)))
    )
    return (
        utf8(t.name, DISPLAY_LIMIT),
        utf8(t.description),
        utf8(t.schedule, DISPLAY_LIMIT),
        date_and_time(t.last_run, tz),
        _gauge(duration_ms, ber.GAUGE32),
        _integer(test_state(t)),
        utf8(t.last_error),
    )


def stable_indexes(names: Iterable[str]) -> dict[str, int]:
    """Name → index derived from CRC-32 of the name (31 bits, never 0), so an index does not move
    when other names come or go; a collision takes the next free number (names in sorted order)."""
    taken: set[int] = set()
    result: dict[str, int] = {}
    for name in sorted(set(names)):
        index = zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF or 1
        while index in taken:
            index = index % 0x7FFFFFFF + 1
        taken.add(index)
        result[name] = index
    return result


@dataclass
class PointSummary:
    name: str
    region: str = ""
    counts: tuple[int, ...] = (0,) * 7  # metrics per OkoLevel 1..7

    def worst_level(self) -> int:
        known = [lv for lv in range(5, 0, -1) if self.counts[lv - 1]]
        if known:
            return known[0]
        if self.counts[5]:
            return 6  # unknown
        return SNMP_NOT_ASSESSED


def point_summaries(metrics: Iterable[MetricState]) -> dict[str, PointSummary]:
    counts: dict[str, list[int]] = {}
    regions: dict[str, str] = {}
    for m in metrics:
        if m.point is None:
            continue
        row = counts.setdefault(m.point, [0] * 7)
        row[oko_level(m.level) - 1] += 1
        if m.region and not regions.get(m.point):
            regions[m.point] = m.region
    return {name: PointSummary(name, regions.get(name, ""), tuple(row)) for name, row in counts.items()}


def point_values(p: PointSummary) -> tuple[bytes, ...]:
    return (
        utf8(p.name),
        utf8(p.region),
        _integer(p.worst_level()),
        *(_gauge(c, ber.GAUGE32) for c in p.counts),
    )


# ---- segments and the index -------------------------------------------------------------------


def _ascending(metrics: Sequence[MetricState]) -> bool:
    """Snapshots keep their metrics sorted by id; checked, not assumed (a hand-built one may not)."""
    return all(a.id < b.id for a, b in pairwise(metrics))


def varbind(oid_content: bytes, value: bytes) -> bytes:
    size = len(oid_content)
    body_size = 2 + size + len(value) if size < 0x80 else 4 + size + len(value)
    if size < 0x80 and body_size < 0x80:  # the usual case, without intermediate objects
        return b"".join((b"\x30", _LENGTH[body_size], b"\x06", _LENGTH[size], oid_content, value))
    body = b"\x06" + ber.encode_length(size) + oid_content + value
    return b"\x30" + ber.encode_length(len(body)) + body


def row_varbinds(heads: Sequence[bytes], row: int, values: Sequence[bytes]) -> tuple[bytes, ...]:
    """The variable bindings of one table row: column OID heads + the row index, with values."""
    sub = ber.encode_subid(row)
    return tuple(varbind(head + sub, value) for head, value in zip(heads, values, strict=True))


_LENGTH = tuple(bytes((n,)) for n in range(0x80))


class Segment:
    """One column (or scalar): sorted row indexes and their encoded variable bindings."""

    __slots__ = ("blob", "dynamic", "offsets", "prefix", "rows")

    def __init__(
        self,
        prefix: tuple[int, ...],
        rows: Sequence[int],
        varbinds: Sequence[bytes] = (),
        dynamic: Callable[[], bytes] | None = None,
    ) -> None:
        self.prefix = prefix
        self.rows = rows
        self.dynamic = dynamic  # a scalar whose value changes by itself (sysUpTime)
        self.blob = b"".join(varbinds)
        self.offsets = array("q", accumulate(map(len, varbinds), initial=0))

    def at(self, pos: int) -> bytes:
        if self.dynamic is not None:
            return self.dynamic()
        return self.blob[self.offsets[pos] : self.offsets[pos + 1]]


class RowTable:
    """The rows of one SNMP table, each encoded (all its columns at once) the first time it is
    needed and kept until its object changes. A publish therefore costs only the swap of the
    objects, whatever the size of the table; the encoding happens in the agent's background
    warm-up or, for a row asked for before that, in the request."""

    __slots__ = ("cache", "encode", "ids", "objects", "same")

    def __init__(
        self,
        ids: Sequence[int],
        objects: dict[int, object],
        encode: Callable[[int, Any], tuple[bytes, ...]],
        cache: dict[int, tuple[object, tuple[bytes, ...]]],
        same: Callable[[object, object], bool],
    ) -> None:
        self.ids = ids
        self.objects = objects
        self.encode = encode
        self.cache = cache  # shared with the previous tables: unchanged rows stay encoded
        self.same = same

    def row(self, pos: int) -> tuple[bytes, ...]:
        row_id = self.ids[pos]
        obj = self.objects[row_id]
        hit = self.cache.get(row_id)
        if hit is None or not self.same(hit[0], obj):
            hit = (obj, self.encode(row_id, obj))
            self.cache[row_id] = hit
        return hit[1]

    def warm(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Encode every row not encoded yet (in a background thread); returns how many. Stops
        early when `stop()` says a newer table replaced this one."""
        done = 0
        cache, objects, same = self.cache, self.objects, self.same
        for pos, row_id in enumerate(self.ids):
            hit = cache.get(row_id)
            if hit is None or not same(hit[0], objects[row_id]):
                self.row(pos)
                done += 1
                if done % 2048 == 0 and stop():
                    break
        return done


class TableColumn:
    """One column of a `RowTable`, as a segment of the index."""

    __slots__ = ("column", "dynamic", "prefix", "rows", "table")

    def __init__(self, prefix: tuple[int, ...], table: RowTable, column: int) -> None:
        self.prefix = prefix
        self.table = table
        self.rows = table.ids
        self.column = column
        self.dynamic: Callable[[], bytes] | None = None

    def at(self, pos: int) -> bytes:
        return self.table.row(pos)[self.column]

    def chunk(self, pos: int, count: int, budget: int) -> tuple[bytes, int]:
        """Up to `count` consecutive bindings from `pos` in at most `budget` bytes."""
        parts: list[bytes] = []
        size = 0
        row, column = self.table.row, self.column
        for p in range(pos, pos + count):
            part = row(p)[column]
            if size + len(part) > budget:
                break
            parts.append(part)
            size += len(part)
        return b"".join(parts), len(parts)


def table_columns(entry: tuple[int, ...], columns: Sequence[int], table: RowTable) -> list[TableColumn]:
    return [TableColumn((*entry, column), table, k) for k, column in enumerate(columns)]


class LiveRows(dict[int, object]):
    """Row objects read when asked for: the consumers' health as it is now."""

    def __init__(self, health: Callable[[], Sequence[SubscriberHealth]], indexes: dict[str, int]) -> None:
        super().__init__()
        self.health = health
        self.names = {index: name for name, index in indexes.items()}

    def __getitem__(self, index: int) -> object:
        name = self.names[index]
        found = next((h for h in self.health() if h.name == name), None)
        return found if found is not None else SubscriberHealth(name, 0, 0, 0, 0, "gone", 0.0, 0.0, 0.0, True)


def consumer_values(h: SubscriberHealth) -> tuple[bytes, ...]:
    return (
        utf8(h.name, DISPLAY_LIMIT),
        _integer(KEEPING_UP[h.state]),
        _gauge(h.queued, ber.GAUGE32),
        _gauge(min(2**32 - 1, round(max(h.busy_seconds, h.lag_seconds) * 1000)), ber.GAUGE32),
        _gauge(min(2**32 - 1, round(h.last_seconds * 1000)), ber.GAUGE32),
        ber.encode_unsigned(h.failures & 0xFFFFFFFF, ber.COUNTER32),
        utf8(h.last_error),
    )


def _never(_a: object, _b: object) -> bool:
    return False


def _identical(a: object, b: object) -> bool:
    return a is b


def _equal(a: object, b: object) -> bool:
    return a == b


def column_segments(
    entry: tuple[int, ...], columns: Sequence[int], rows: Sequence[int], varbinds: Sequence[tuple[bytes, ...]]
) -> list[Segment]:
    """One segment per column from per-row tuples of encoded variable bindings."""
    return [Segment((*entry, column), rows, [vb[k] for vb in varbinds]) for k, column in enumerate(columns)]


def scalar_segment(prefix: tuple[int, ...], value: bytes) -> Segment:
    return Segment(prefix, (0,), [varbind(ber.encode_oid_content((*prefix, 0)), value)])


class MibIndex:
    """The served object instances in OID order."""

    def __init__(self, segments: Iterable[Segment | TableColumn]) -> None:
        self.segments: list[Segment | TableColumn] = sorted(segments, key=lambda s: s.prefix)
        self.prefixes = [s.prefix for s in self.segments]
        self.size = sum(len(s.rows) for s in self.segments)

    def _segment_of(self, oid: tuple[int, ...]) -> int:
        """The index of the segment whose prefix starts `oid`, or -(insertion point) - 1."""
        i = bisect_right(self.prefixes, oid)
        if i:
            prefix = self.prefixes[i - 1]
            if oid[: len(prefix)] == prefix:
                return i - 1
        return -i - 1

    def get(self, oid: tuple[int, ...]) -> bytes | int:
        """The encoded variable binding of `oid`, or NO_SUCH_OBJECT / NO_SUCH_INSTANCE."""
        si = self._segment_of(oid)
        if si < 0:
            return ber.NO_SUCH_OBJECT
        seg = self.segments[si]
        lp = len(seg.prefix)
        if len(oid) == lp + 1:
            rows = seg.rows
            j = bisect_left(rows, oid[lp])
            if j < len(rows) and rows[j] == oid[lp]:
                return seg.at(j)
        return ber.NO_SUCH_INSTANCE

    def next_position(self, oid: tuple[int, ...]) -> tuple[int, int]:
        """(segment, row position) of the first instance after `oid`; segment == len: none."""
        si = self._segment_of(oid)
        if si >= 0:
            seg = self.segments[si]
            lp = len(seg.prefix)
            pos = 0 if len(oid) == lp else bisect_right(seg.rows, oid[lp])
            if pos < len(seg.rows):
                return si, pos
            si += 1
        else:
            si = -si - 1
        segments = self.segments
        while si < len(segments) and not segments[si].rows:
            si += 1
        return si, 0

    def advance(self, si: int, pos: int) -> tuple[int, int]:
        """The position after (si, pos)."""
        pos += 1
        segments = self.segments
        while si < len(segments) and pos >= len(segments[si].rows):
            si += 1
            pos = 0
        return si, pos

    def run(self, si: int, pos: int, count: int, budget: int) -> tuple[list[bytes], int, int, int, bool]:
        """Up to `count` consecutive variable bindings from (si, pos) in at most `budget` bytes:
        (chunks, how many, next si, next pos, stopped by the budget)."""
        chunks: list[bytes] = []
        taken = 0
        segments = self.segments
        n = len(segments)
        while taken < count and si < n:
            seg = segments[si]
            avail = len(seg.rows) - pos
            if avail <= 0:
                si += 1
                pos = 0
                continue
            k = min(count - taken, avail)
            if isinstance(seg, TableColumn):
                chunk, k = seg.chunk(pos, k, budget)
                if k <= 0:
                    return chunks, taken, si, pos, True
            elif seg.dynamic is not None:
                chunk = seg.dynamic()
                k = 1
                if len(chunk) > budget:
                    return chunks, taken, si, pos, True
            else:
                offsets = seg.offsets
                start = offsets[pos]
                stop = offsets[pos + k]
                if stop - start > budget:
                    k = bisect_right(offsets, start + budget, pos, pos + k) - 1 - pos
                    if k <= 0:
                        return chunks, taken, si, pos, True
                    stop = offsets[pos + k]
                chunk = seg.blob[start:stop]
            chunks.append(chunk)
            budget -= len(chunk)
            taken += k
            pos += k
        return chunks, taken, si, pos, False


# ---- building ------------------------------------------------------------------------------


class IndexBuilder:
    """Builds `MibIndex`es for successive snapshots, re-encoding only metrics that changed."""

    def __init__(
        self,
        layout: Layout,
        *,
        probe_name: str,
        version: str,
        started_at: dt.datetime,
        uptime_ticks: Callable[[], int],
        tz: dt.tzinfo = dt.UTC,
        health: Callable[[], Sequence[SubscriberHealth]] = tuple,
        role: Callable[[], tuple[str, int]] = lambda: ("active", 0),
    ) -> None:
        self.layout = layout
        self.health = health  # the hub's consumers, read live at every request
        self.role = role  # (role, lease epoch), read live at every request
        self.tz = tz  # DateAndTime columns are in the probe's time zone
        self.probe_name = probe_name
        self.version = version
        self.started_at = started_at
        self.uptime_ticks = uptime_ticks
        self._metric_cache: dict[int, tuple[object, tuple[bytes, ...]]] = {}
        self._point_cache: dict[int, tuple[object, tuple[bytes, ...]]] = {}
        self._point_names: set[str] = set()
        self.metric_table: RowTable | None = None
        self.point_table: RowTable | None = None
        self.test_indexes: dict[str, int] = {}
        self.point_indexes: dict[str, int] = {}

    def consumer_names(self) -> set[str]:
        return {h.name for h in self.health()}

    def _role_segments(self) -> list[Segment]:
        """prolanProbeRole and prolanProbeLeaseEpoch: live, a takeover publishes no snapshot."""
        lay = self.layout
        role_oid = ber.encode_oid_content((*lay.probe, ProbeScalar.ROLE, 0))
        epoch_oid = ber.encode_oid_content((*lay.probe, ProbeScalar.LEASE_EPOCH, 0))

        def role() -> bytes:
            return varbind(role_oid, _integer(ROLE_VALUES.get(self.role()[0], ROLE_VALUES["standby"])))

        def epoch() -> bytes:
            return varbind(epoch_oid, ber.encode_unsigned(self.role()[1] & 0xFFFFFFFF))

        return [
            Segment((*lay.probe, ProbeScalar.ROLE), (0,), dynamic=role),
            Segment((*lay.probe, ProbeScalar.LEASE_EPOCH), (0,), dynamic=epoch),
        ]

    def _consumer_segments(self) -> list[Segment | TableColumn]:
        """prolanProbeConsumerState and prolanConsumerTable: live (read at every request), since
        a consumer falls behind between publishes; the rows are the consumers at build time."""
        lay = self.layout
        indexes = stable_indexes(self.consumer_names())
        heads = [ber.encode_oid_content((*lay.consumer_entry, c)) for c in CONSUMER_COLUMNS]
        state_oid = ber.encode_oid_content((*lay.probe, ProbeScalar.CONSUMER_STATE, 0))

        def worst() -> bytes:
            states = [KEEPING_UP[h.state] for h in self.health()]
            return varbind(state_oid, _integer(max(states, default=KEEPING_UP["ok"])))

        def encode(row_id: int, health: Any) -> tuple[bytes, ...]:
            return row_varbinds(heads, row_id, consumer_values(health))

        live = LiveRows(self.health, indexes)
        table = RowTable(sorted(indexes.values()), live, encode, {}, _never)
        return [
            Segment((*lay.probe, ProbeScalar.CONSUMER_STATE), (0,), dynamic=worst),
            *table_columns(lay.consumer_entry, CONSUMER_COLUMNS, table),
        ]

    def warm(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Encode what the last `build` left to encode (the agent's background warm-up)."""
        done = 0
        for table in (self.metric_table, self.point_table):
            if table is not None:
                done += table.warm(stop)
        return done

    def _sys_uptime(self) -> bytes:
        return varbind(
            ber.encode_oid_content(SYS_UPTIME_INSTANCE),
            ber.encode_unsigned(self.uptime_ticks() & 0xFFFFFFFF, ber.TIMETICKS),
        )

    def build(self, snapshot: Snapshot) -> MibIndex:
        lay = self.layout
        segments: list[Segment | TableColumn] = [
            scalar_segment((*SYSTEM, 1), utf8(f"PROLAN Probe {self.version}", DISPLAY_LIMIT)),
            scalar_segment((*SYSTEM, 2), ber.encode_oid(lay.module)),
            Segment((*SYSTEM, 3), (0,), dynamic=self._sys_uptime),
            scalar_segment((*SYSTEM, 4), utf8("", DISPLAY_LIMIT)),
            scalar_segment((*SYSTEM, 5), utf8(self.probe_name, DISPLAY_LIMIT)),
            scalar_segment((*SYSTEM, 6), utf8("", DISPLAY_LIMIT)),
            scalar_segment((*lay.probe, ProbeScalar.VERSION), utf8(self.version, DISPLAY_LIMIT)),
            scalar_segment((*lay.probe, ProbeScalar.START_TIME), date_and_time(self.started_at, self.tz)),
            scalar_segment(
                (*lay.probe, ProbeScalar.DATABASE_STATE),
                ber.encode_integer(DB_AVAILABLE if snapshot.database_ok else DB_UNAVAILABLE),
            ),
            scalar_segment((*lay.probe, ProbeScalar.NAME), utf8(self.probe_name)),
            scalar_segment(
                (*lay.probe, ProbeScalar.LAST_UPDATE), date_and_time(snapshot.updated_at, self.tz)
            ),
        ]

        # Metrics: a table of the states, encoded row by row when first needed (RowTable); the
        # encodings of unchanged states (the snapshot keeps their objects) stay in the cache.
        metric_heads = [ber.encode_oid_content((*lay.metric_entry, c)) for c in METRIC_COLUMNS]
        tz = self.tz

        def encode_metric(row_id: int, m: Any) -> tuple[bytes, ...]:
            return row_varbinds(metric_heads, row_id, metric_values(m, tz))

        states = {m.id: m for m in snapshot.metrics if m.id > 0}
        ids = list(states) if _ascending(snapshot.metrics) else sorted(states)
        self.metric_table = RowTable(ids, states, encode_metric, self._metric_cache, _identical)  # type: ignore[arg-type]
        segments += table_columns(lay.metric_entry, METRIC_COLUMNS, self.metric_table)

        segments += self._consumer_segments()
        segments += self._role_segments()

        self.test_indexes = stable_indexes(t.name for t in snapshot.tests)
        heads = [ber.encode_oid_content((*lay.test_entry, c)) for c in TEST_COLUMNS]
        tests = sorted(snapshot.tests, key=lambda t: self.test_indexes[t.name])
        t_rows = [self.test_indexes[t.name] for t in tests]
        t_varbinds = [
            row_varbinds(heads, r, test_values(t, self.tz)) for r, t in zip(t_rows, tests, strict=True)
        ]
        segments += column_segments(lay.test_entry, TEST_COLUMNS, t_rows, t_varbinds)

        points = point_summaries(snapshot.metrics)
        if set(points) != self._point_names:  # indexes only move when points come or go
            self.point_indexes = stable_indexes(points)
            self._point_names = set(points)
        point_heads = [ber.encode_oid_content((*lay.point_entry, c)) for c in POINT_COLUMNS]
        by_index = {self.point_indexes[name]: summary for name, summary in points.items()}

        def encode_point(row_id: int, summary: Any) -> tuple[bytes, ...]:
            return row_varbinds(point_heads, row_id, point_values(summary))

        self.point_table = RowTable(sorted(by_index), by_index, encode_point, self._point_cache, _equal)  # type: ignore[arg-type]
        segments += table_columns(lay.point_entry, POINT_COLUMNS, self.point_table)
        return MibIndex(segments)
