"""Bounded BER/OID decoding, the per-source rate limiter, the junk log and the SNMP engine's
persistent state (issue 17, points 2-4), without sockets."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from probe.snmp import ber
from probe.snmp.engine_state import EngineStateError, parse_engine_id, start_engine
from probe.snmp.limits import JunkLog, SourceRateLimiter
from probe.snmp.screen import V3Screen, emptied, parse_v3


def test_oid_decoding_is_linear_and_bounded() -> None:
    assert ber.decode_oid(ber.encode_oid((1, 3, 6, 1, 4294967295)), 2, 2 + 8) == (1, 3, 6, 1, 4294967295)
    huge = b"\x2b" + b"\xff" * 65_000 + b"\x7f"  # one 65 KB sub-identifier
    started = time.thread_time()
    for _ in range(100):
        with pytest.raises(ber.BerError, match="OID too long"):
            ber.decode_oid(huge, 0, len(huge))
    assert time.thread_time() - started < 0.05  # all 100; it was ~300 ms each: quadratic
    over_32_bits = b"\x2b\x90\x80\x80\x80\x00"  # 2^32: one more than a sub-identifier may hold
    with pytest.raises(ber.BerError, match="2\\^32-1"):
        ber.decode_oid(over_32_bits, 0, len(over_32_bits))
    longest = ber.encode_oid_content((1, 3, *([7] * 126)))
    assert len(ber.decode_oid(longest, 0, len(longest))) == 128
    too_many = ber.encode_oid_content((1, 3, *([7] * 127)))
    with pytest.raises(ber.BerError, match="OID too long"):
        ber.decode_oid(too_many, 0, len(too_many))


def test_rate_limiter_refills_per_source_and_stays_bounded() -> None:
    now = [100.0]
    limiter = SourceRateLimiter(10, 1000, max_sources=3, clock=lambda: now[0])
    assert [limiter.spend("a", 10) for _ in range(12)].count(True) == 10  # a burst of one second
    assert not limiter.admits("a")
    assert limiter.spend("b", 10)  # another source has its own bucket
    now[0] += 0.5
    assert [limiter.spend("a", 10) for _ in range(10)].count(True) == 5
    assert not limiter.spend("c", 2000)  # bigger than a second's worth of bytes
    for source in "defg":
        limiter.spend(source, 1)
    assert len(limiter._buckets) <= 3
    unlimited = SourceRateLimiter(0, 0)
    assert all(unlimited.spend("x", 10**9) for _ in range(10_000)) and unlimited.admits("x")


def test_junk_log_writes_one_line_per_period(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    junk = JunkLog(logging.getLogger("t.junk"), 60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="t.junk"):
        for i in range(200):
            now[0] = i * 0.1  # 200 datagrams in 20 s
            junk.note("10.0.0.5", "malformed" if i % 2 else "wrong community or PDU type")
        assert len(caplog.records) == 1
        now[0] = 61.0
        junk.note("10.0.0.6", "malformed")
        assert len(caplog.records) == 2
    assert junk.total == 201 and junk.totals["malformed"] == 101
    assert "200 datagram(s)" in caplog.records[1].getMessage()
    assert "last from 10.0.0.6" in caplog.records[1].getMessage()
    assert all(record.exc_info is None for record in caplog.records)


def test_engine_state_boots_grow_and_the_engine_id_is_per_installation(tmp_path: Path) -> None:
    first = start_engine(tmp_path / "a")
    second = start_engine(tmp_path / "a")
    third = start_engine(tmp_path / "a")
    assert first.engine_id == second.engine_id == third.engine_id
    assert (first.boots, second.boots, third.boots) == (1, 2, 3)
    other = start_engine(tmp_path / "b")
    assert other.engine_id != first.engine_id and other.boots == 1
    assert first.engine_id[:5] == bytes.fromhex("8000432005") and len(first.engine_id) == 17
    stored = json.loads((tmp_path / "a" / "engine.json").read_text(encoding="utf-8"))
    assert stored == {"engine_id": first.engine_id.hex(), "boots": 3}
    pinned = start_engine(tmp_path / "a", parse_engine_id("0x8000432004707269"))
    assert pinned.engine_id == bytes.fromhex("8000432004707269") and pinned.boots == 4


def test_engine_state_problems_are_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "engine.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(EngineStateError, match="unreadable SNMP engine state"):
        start_engine(tmp_path / "bad")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(EngineStateError, match="cannot read the SNMP engine state: Not a directory"):
        start_engine(blocker / "snmp")
    (tmp_path / "busy" / "engine.tmp").mkdir(parents=True)  # the new state cannot be written
    with pytest.raises(EngineStateError, match="cannot store the SNMP engine state"):
        start_engine(tmp_path / "busy")
    with pytest.raises(ValueError, match="5 to 32 octets"):
        parse_engine_id("0x8000")


def _v3(flags: int, scoped: bytes, user: bytes = b"oko", auth: bytes = b"") -> bytes:
    head = ber.tlv(
        0x30,
        ber.encode_integer(7)
        + ber.encode_integer(1500)
        + ber.encode_octets(bytes((flags,)))
        + ber.encode_integer(3),
    )
    usm = ber.tlv(
        0x30,
        ber.encode_octets(b"\x80\x00\x43\x20\x05engine")
        + ber.encode_integer(1)
        + ber.encode_integer(2)
        + ber.encode_octets(user)
        + ber.encode_octets(auth)
        + ber.encode_octets(b""),
    )
    return ber.tlv(0x30, ber.encode_integer(3) + head + ber.encode_octets(usm) + scoped)


def test_v3_screen_empties_what_is_not_authenticated_and_drops_what_is_malformed() -> None:
    engine_id = b"\x80\x00\x43\x20\x05engine"
    varbinds = b"".join(ber.tlv(0x30, ber.encode_oid((1, 3, 6, i)) + b"\x05\x00") for i in range(100))
    pdu = ber.tlv(0xA0, ber.encode_integer(99) + b"\x02\x01\x00\x02\x01\x00" + ber.tlv(0x30, varbinds))
    request = _v3(0x04, ber.tlv(0x30, ber.encode_octets(engine_id) + ber.encode_octets(b"") + pdu))
    screen = V3Screen(engine_id, [("oko", "SHA-512", "auth-secret-1")])
    small = screen.screen(request)
    assert len(small) < 100 < len(request)
    reparsed = parse_v3(small)
    assert reparsed.request_id_tlv == ber.encode_integer(99) and reparsed.user == b"oko"
    assert emptied(reparsed) == small
    wrong_digest = _v3(
        0x05, ber.tlv(0x30, ber.encode_octets(engine_id) + ber.encode_octets(b"") + pdu), auth=bytes(48)
    )
    assert len(screen.screen(wrong_digest)) < 150 < len(wrong_digest) and screen.authenticated == 0
    for malformed in (
        request[:-1],
        _v3(0x02, ber.encode_octets(b"x" * 16)),  # privacy without authentication
        _v3(
            0x04,
            ber.tlv(0x30, ber.encode_octets(b"") + ber.encode_octets(b"") + ber.tlv(0xA0, b"\x02\x01\x01")),
        ),
    ):
        with pytest.raises(ber.BerError):
            screen.screen(malformed)
