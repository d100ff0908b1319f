"""The SNMP index and fast path without the network: OID order, GETNEXT/GETBULK semantics,
BER corner cases, notification decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from probe.levels import Level
from probe.snapshot import Evaluation, MetricState, Snapshot
from probe.snapshot import TestState as ProbeTestState
from probe.snmp import ber
from probe.snmp.fastpath import DELEGATE, FastResponder
from probe.snmp.index import IndexBuilder, MibIndex, scaled, stable_indexes, value_text
from probe.snmp.oids import METRIC_COLUMNS, Layout
from probe.snmp.traps import NotificationTracker
from tests.snmp_tools import sample_snapshot

AT = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
LAYOUT = Layout()


def build(snapshot: Snapshot) -> MibIndex:
    builder = IndexBuilder(LAYOUT, probe_name="p", version="1", started_at=AT, uptime_ticks=lambda: 4242)
    return builder.build(snapshot)


def walk(index: MibIndex) -> list[tuple[int, ...]]:
    oids = []
    si, pos = index.next_position((0, 0))
    while si < len(index.segments):
        seg = index.segments[si]
        oids.append((*seg.prefix, seg.rows[pos]))
        si, pos = index.advance(si, pos)
    return oids


def oid_of(varbind: bytes) -> tuple[int, ...]:
    _t, start, stop = ber.read_header(varbind, 0, len(varbind))
    _t, o_start, o_stop = ber.read_header(varbind, start, stop)
    return ber.decode_oid(varbind, o_start, o_stop)


def many_metrics(ids: list[int]) -> Snapshot:
    base = sample_snapshot().metrics[0]
    metrics = tuple(base._replace(id=i, key=f"k{i}", name=f"Метрика {i}") for i in sorted(ids))
    return Snapshot(metrics=metrics, tests=sample_snapshot().tests, updated_at=AT)


@pytest.mark.parametrize(
    "oid", [(1, 3), (1, 3, 6, 1, 4, 1, 17184, 1), (2, 999, 3), (1, 3, 127, 128, 16383, 16384, 2**32 - 1)]
)
def test_oid_round_trip(oid: tuple[int, ...]) -> None:
    encoded = ber.encode_oid(oid)
    tag, start, stop = ber.read_header(encoded, 0, len(encoded))
    assert tag == ber.OBJECT_IDENTIFIER and ber.decode_oid(encoded, start, stop) == oid


@pytest.mark.parametrize("value", [0, 1, -1, 127, 128, -128, -129, 2**31 - 1, -(2**31)])
def test_integer_round_trip(value: int) -> None:
    encoded = ber.encode_integer(value)
    assert ber.read_integer(encoded, 0, len(encoded)) == (value, len(encoded))


@pytest.mark.parametrize("length", [0, 127, 128, 255, 256, 65535, 65536])
def test_long_lengths(length: int) -> None:
    encoded = ber.tlv(0x04, b"x" * length)
    assert ber.read_header(encoded, 0, len(encoded))[1:] == (len(encoded) - length, len(encoded))


def test_malformed_ber_is_rejected() -> None:
    for bad in (b"", b"\x30", b"\x30\x85\x00\x00\x00\x00\x01", b"\x30\x05\x02", b"\x30\x80\x00\x00"):
        with pytest.raises(ber.BerError):
            ber.read_header(bad, 0, len(bad))
    with pytest.raises(ber.BerError):
        ber.decode_oid(b"\x2b\x86", 0, 2)  # ends inside a sub-identifier


def test_walk_is_in_lexicographic_order_and_get_finds_every_instance() -> None:
    ids = [*random.Random(1).sample(range(20_000, 3_000_000), 300), 127, 128, 16383, 16384]
    index = build(many_metrics(ids))
    oids = walk(index)
    assert oids == sorted(oids) and len(oids) == len(set(oids)) == index.size
    assert len([o for o in oids if o[: len(LAYOUT.metric_entry)] == LAYOUT.metric_entry]) == len(
        METRIC_COLUMNS
    ) * len(ids)
    for oid in oids:
        found = index.get(oid)
        assert isinstance(found, bytes) and oid_of(found) == oid


def test_getnext_of_any_oid_is_the_first_greater_instance() -> None:
    index = build(many_metrics([5, 9, 200, 70000]))
    oids = walk(index)
    rng = random.Random(2)
    probes = [o[:cut] for o in oids for cut in (len(o) - 1, len(o))] + [(*o, 7) for o in oids]
    probes += [
        tuple(rng.choice((0, 1, 2, 3, 6, 17184, 9, 10**6)) for _ in range(rng.randint(2, 14)))
        for _ in range(500)
    ]
    for probe in probes:
        si, pos = index.next_position(probe)
        expected = next((o for o in oids if o > probe), None)
        got = (
            None if si == len(index.segments) else (*index.segments[si].prefix, index.segments[si].rows[pos])
        )
        assert got == expected, probe


def test_missing_objects_and_instances() -> None:
    index = build(sample_snapshot())
    assert index.get((*LAYOUT.metric_entry, 2, 4)) == ber.NO_SUCH_INSTANCE
    assert index.get((*LAYOUT.metric_entry, 2, 3, 1)) == ber.NO_SUCH_INSTANCE
    assert index.get((*LAYOUT.metric_entry, 99, 3)) == ber.NO_SUCH_OBJECT
    assert (
        index.get((1, 3, 6, 1, 2, 1, 1, 3, 0))
        == b"\x30\x0e\x06\x08\x2b\x06\x01\x02\x01\x01\x03\x00\x43\x02\x10\x92"
    )


def request(
    pdu_type: int, oids: list[tuple[int, ...]], first: int = 0, second: int = 0, community: bytes = b"public"
) -> bytes:
    vbl = b"".join(ber.tlv(0x30, ber.encode_oid(o) + b"\x05\x00") for o in oids)
    pdu = ber.tlv(
        pdu_type,
        ber.encode_integer(77) + ber.encode_integer(first) + ber.encode_integer(second) + ber.tlv(0x30, vbl),
    )
    return ber.tlv(0x30, ber.encode_integer(1) + ber.encode_octets(community) + pdu)


def response_varbinds(data: bytes) -> tuple[int, int, list[tuple[tuple[int, ...], int]]]:
    _t, s, e = ber.read_header(data, 0, len(data))
    _v, p = ber.read_integer(data, s, e)
    _t, _cs, ce = ber.read_header(data, p, e)
    tag, ps, pe = ber.read_header(data, ce, e)
    assert tag == ber.GET_RESPONSE
    request_id, p = ber.read_integer(data, ps, pe)
    assert request_id == 77
    status, p = ber.read_integer(data, p, pe)
    error_index, p = ber.read_integer(data, p, pe)
    _t, vs, ve = ber.read_header(data, p, pe)
    out = []
    while vs < ve:
        _t, bs, be = ber.read_header(data, vs, ve)
        _t, os_, oe = ber.read_header(data, bs, be)
        value_tag = data[oe]
        out.append((ber.decode_oid(data, os_, oe), value_tag))
        vs = be
    return status, error_index, out


def test_getbulk_with_several_repeaters_equals_repeated_getnext() -> None:
    index = build(many_metrics(list(range(1, 40))))
    responder = FastResponder(lambda: index, ["public"], max_repetitions=100)
    name_col, level_col = (*LAYOUT.metric_entry, 2), (*LAYOUT.metric_entry, 10)
    reply = responder.handle(
        request(ber.GET_BULK_REQUEST, [(1, 3, 6, 1, 2, 1, 1, 3), name_col, level_col], 1, 5)
    )
    assert isinstance(reply, bytes)
    status, _i, binds = response_varbinds(reply)
    assert status == 0
    assert [o for o, _t in binds] == [(1, 3, 6, 1, 2, 1, 1, 3, 0)] + [
        oid for r in range(1, 6) for oid in ((*name_col, r), (*level_col, r))
    ]
    # one repeater: a run over several columns, cut by max_repetitions of the config
    small = FastResponder(lambda: index, ["public"], max_repetitions=50)
    reply = small.handle(request(ber.GET_BULK_REQUEST, [(*name_col, 30)], 0, 1000))
    assert isinstance(reply, bytes)
    oids = [o for o, _t in response_varbinds(reply)[2]]
    assert oids == walk(index)[walk(index).index((*name_col, 30)) + 1 :][:50]


def test_end_of_mib_view_and_v1_errors() -> None:
    index = build(sample_snapshot())
    responder = FastResponder(lambda: index, ["public"])
    last = walk(index)[-1]
    reply = responder.handle(request(ber.GET_BULK_REQUEST, [last], 0, 10))
    assert isinstance(reply, bytes)
    assert response_varbinds(reply)[2] == [(last, ber.END_OF_MIB_VIEW)] * 10  # every repetition
    # the walk reaches the end inside a response: the rest of the repetitions say so (no extra round)
    before_last, last = walk(index)[-2:]
    reply = responder.handle(request(ber.GET_BULK_REQUEST, [walk(index)[-3]], 0, 6))
    assert isinstance(reply, bytes)
    binds = response_varbinds(reply)[2]
    assert [oid for oid, _tag in binds] == [before_last, last, last, last, last, last]
    assert [tag == ber.END_OF_MIB_VIEW for _oid, tag in binds] == [False, False, True, True, True, True]
    v1 = bytearray(request(ber.GET_REQUEST, [(*LAYOUT.metric_entry, 2, 3), (1, 3, 6, 9)]))
    v1[4] = 0  # version 1 → SNMPv1
    reply = responder.handle(bytes(v1))
    assert isinstance(reply, bytes)
    status, error_index, _binds = response_varbinds(reply)
    assert (status, error_index) == (2, 2)  # noSuchName on the second variable


def test_wrong_community_unknown_pdu_and_v3_are_not_answered_here() -> None:
    responder = FastResponder(lambda: build(sample_snapshot()), ["public"])
    assert responder.handle(request(ber.GET_REQUEST, [(1, 3, 6)], community=b"nope")) is None
    assert responder.handle(request(ber.TRAP_V2, [(1, 3, 6)])) is None
    assert responder.handle(bytes.fromhex("300e020103") + b"\x00" * 11) is DELEGATE
    reply = responder.handle(request(ber.GET_REQUEST, [(*LAYOUT.metric_entry, 2, 3)] * 300))
    assert isinstance(reply, bytes)
    assert response_varbinds(reply)[:2] == (0, 0)  # 300 long names fit in one datagram
    reply = responder.handle(request(ber.GET_REQUEST, [(*LAYOUT.metric_entry, 2, 3)] * 500))
    assert isinstance(reply, bytes)
    assert response_varbinds(reply) == (1, 0, [])  # 500 do not: tooBig
    bigger = request(ber.GET_REQUEST, [(*LAYOUT.metric_entry, 2, 3)] * 513)
    with pytest.raises(ber.BerError):
        responder.handle(bigger)


def test_values_and_stable_indexes() -> None:
    assert scaled(12.345) == 1234 or scaled(12.345) == 1235
    assert scaled(1e12) == 2**31 - 1 and scaled(None) == 0 and scaled(float("nan")) == 0
    assert (
        value_text(2.0) == "2"
        and value_text(-0.0) == "0"
        and value_text(None) == ""
        and value_text(1 / 3) == "0.333333"
    )
    first = stable_indexes(["LOYALTY_MON", "QUEUE"])
    assert stable_indexes(["QUEUE", "LOYALTY_MON", "NEW_TEST"])["QUEUE"] == first["QUEUE"]


def metric(level: Level | None, value: float | None = 50.0) -> MetricState:
    return sample_snapshot().metrics[0]._replace(level=level, value=value)


def test_tracker_level_changes_tests_and_database() -> None:
    snapshot = sample_snapshot()
    tracker = NotificationTracker(LAYOUT, snapshot)

    def kinds(evaluation: Evaluation) -> list[int]:
        return [n.oid[-1] for n in tracker.notifications(snapshot, evaluation)]

    same = Evaluation("LOYALTY_MON", AT, (metric(Level.ATTENTION),), {3: Level.ATTENTION})
    assert kinds(same) == []
    changed = Evaluation("LOYALTY_MON", AT, (metric(Level.BAD),), {3: Level.ATTENTION})
    notes = tracker.notifications(snapshot, changed)
    assert [n.oid for n in notes] == [(*LAYOUT.notifications, 1)]
    assert dict(notes[0].objects)[(*LAYOUT.notification_objects, 2, 0)] == ber.encode_integer(3)
    new_metric = Evaluation("LOYALTY_MON", AT, (metric(Level.GOOD),), {})
    assert kinds(new_metric) == []  # not in previous_levels: nothing to compare with
    assert kinds(Evaluation("LOYALTY_MON", AT, (), test_ok=False, database_ok=False)) == [2, 4]
    assert kinds(Evaluation("LOYALTY_MON", AT, (), test_ok=False, database_ok=False)) == []
    assert kinds(Evaluation("LOYALTY_MON", AT, (), test_ok=True, database_ok=True, historical=True)) == []
    assert kinds(Evaluation("LOYALTY_MON", AT, (), test_ok=False, database_ok=False)) == [2, 4]
    assert kinds(Evaluation("LOYALTY_MON", AT, (), test_ok=True, database_ok=True)) == [3, 5]
    # a test's first run is no change, whether it works or fails at once (issue 15 point 3) ...
    assert kinds(Evaluation("NEW", AT, (), test_ok=True)) == []
    # (a test added while the service runs: in the snapshot now, unknown to the tracker before)
    failing = ProbeTestState("NEWER", "", "every 10 min", AT, 0.1, False, "boom")
    grown = dataclasses.replace(snapshot, tests=(*snapshot.tests, failing))
    assert [n.oid[-1] for n in tracker.notifications(grown, Evaluation("NEWER", AT, (), test_ok=False))] == []
    # ... its next run that differs is a change
    grown = dataclasses.replace(snapshot, tests=(*snapshot.tests, dataclasses.replace(failing, ok=True)))
    assert [n.oid[-1] for n in tracker.notifications(grown, Evaluation("NEWER", AT, (), test_ok=True))] == [3]
    historical = Evaluation("LOYALTY_MON", AT, (metric(Level.GOOD),), {3: Level.BAD}, historical=True)
    assert kinds(historical) == []


def test_snmp_config_errors_name_the_key() -> None:
    from probe.config import ConfigError, parse_config
    from probe.snmp.config import SnmpV3User
    from probe.snmp.v3 import V3ConfigError, user_keys

    for section, key in (
        ({"listen": "1161"}, "snmp.listen"),
        ({"enterprise_oid": "1.3.x"}, "snmp.enterprise_oid"),
    ):
        with pytest.raises(ConfigError, match=key):
            parse_config({"snmp": section})
    user = SnmpV3User(name="u", auth_key_env="PROLAN_TEST_UNSET_VARIABLE", priv_key="long-enough")
    with pytest.raises(V3ConfigError, match="PROLAN_TEST_UNSET_VARIABLE must hold at least 8 characters"):
        user_keys(user)


async def test_start_fails_clearly_when_the_port_is_taken() -> None:
    import socket

    from probe.config import parse_config
    from probe.snapshot import SnapshotHub
    from probe.snmp.agent import SnmpAgent, SnmpStartError

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        agent = SnmpAgent(parse_config({"snmp": {"listen": listen}}), SnapshotHub(sample_snapshot()))
        with pytest.raises(SnmpStartError, match="cannot bind"):
            await agent.start()


def test_date_and_time_is_local_with_its_offset() -> None:
    """Times served over SNMP are in the probe's time zone with the offset, as everywhere else."""
    from zoneinfo import ZoneInfo

    from probe.snmp.index import date_and_time

    moscow = date_and_time(AT, ZoneInfo("Europe/Moscow"))[2:]
    assert moscow[2:5] == bytes([11, 22, 15]) and moscow[8:11] == b"+\x03\x00"
    new_york = date_and_time(AT, ZoneInfo("America/New_York"))[2:]
    assert new_york[4] == 7 and new_york[8:11] == b"-\x05\x00"
    assert date_and_time(AT)[2:][4] == 12 and date_and_time(AT)[2:][8:11] == b"+\x00\x00"
    assert date_and_time(None, ZoneInfo("Europe/Moscow"))[2:][:2] == (1970).to_bytes(2, "big")
