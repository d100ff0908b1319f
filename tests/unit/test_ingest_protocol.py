"""The ingest line protocol and the spool format, without I/O besides temporary files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from probe.ingest.protocol import Auth, Line, LineSplitter, err, parse_line
from probe.ingest.spool import Spool, SpoolError, decode_press, encode_press
from probe.presses import PlausibleWindow, Press, PressValidator
from probe.topology import Pad, Point, Question, Topology

TOPOLOGY = Topology(
    {"Калужская": Point("Калужская", id=1), "Невский": Point("Невский", id=2)},
    {"Q1": Question("Q1", "Как Вам у нас понравилось?")},
    {
        "P-1": Pad("P-1", "Калужская", "СОКОК", 30.0, {1: "positive", 2: "passive", 3: "negative"}),
        "P-2": Pad("P-2", "Невский", "Опросы", 30.0, {1: "positive", 3: "negative", 5: "red"}),
    },
)
# The presses below are dated 2026-11-22: judge them as if it were that day.
VALIDATE = PressValidator(
    TOPOLOGY,
    source="tcp:127.0.0.1",
    window=PlausibleWindow(now=lambda: dt.datetime(2026, 11, 22, 8, tzinfo=dt.UTC)),
).validate


def parse(text: str | bytes, limit: int = 1024) -> object:
    data = text.encode() if isinstance(text, str) else text
    return parse_line(Line(data), VALIDATE, limit)


def test_splitter_handles_crlf_partial_lines_and_long_lines_across_chunks() -> None:
    splitter = LineSplitter(64)
    assert splitter.feed(b"a,1,") == []
    assert splitter.feed(b"x\r\nb\n") == [Line(b"a,1,x"), Line(b"b")]
    long_line = b"y" * 5000
    out = []
    for i in range(0, len(long_line), 700):  # arrives in pieces, never buffered whole
        out += splitter.feed(long_line[i : i + 700])
        assert splitter.pending <= 5000 and len(splitter._buffer) <= 65
    out += splitter.feed(b"\nnext\n")
    assert out == [Line(b"", 5000), Line(b"next")]
    # exactly at the limit is fine, one byte more is not
    assert splitter.feed(b"z" * 64 + b"\r\n" + b"z" * 65 + b"\n") == [Line(b"z" * 64), Line(b"", 65)]


def test_good_lines_become_presses() -> None:
    press = parse("P-1,positive,2026-11-22T10:15:00.250+03:00,")
    assert isinstance(press, Press)
    assert (press.pad_id, press.button, press.kind, press.point_id) == ("P-1", 1, "positive", 1)
    assert press.pressed_at == dt.datetime(2026, 11, 22, 7, 15, 0, 250000, tzinfo=dt.UTC)
    assert press.source == "tcp:127.0.0.1"
    by_number = parse("P-2,3,2026-11-22T07:15:00Z,Q1")
    assert isinstance(by_number, Press) and by_number.question_id == "Q1" and by_number.kind == "negative"
    quoted = parse('"P-1","3","2026-11-22T07:15:00Z"')
    assert isinstance(quoted, Press) and quoted.kind == "negative"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("P-9,1,2026-11-22T07:15:00Z,", "unknown pad 'P-9'"),
        ("P-1,7,2026-11-22T07:15:00Z,", "unknown button '7' for pad P-1"),
        ("P-1,seller,2026-11-22T07:15:00Z,", "unknown button 'seller'"),
        ("P-1,1,yesterday,", "bad time: 'yesterday' is not ISO 8601"),
        ("P-1,1,2026-11-22T07:15:00,", "has no offset"),
        ("P-1,1,,", "bad time: empty"),
        ("P-2,1,2026-11-22T07:15:00Z,Q9", "unknown question 'Q9'"),
        ("P-2,1,2026-11-22T07:15:00Z,", "an answer needs a question id"),
        ("P-1,1", "expected 4 fields pad,button,pressed_at,question, got 2"),
        ("P-1,1,2026-11-22T07:15:00Z,,extra", "got 5"),
        ("", "empty line"),
        ("   ", "empty line"),
        ("pad,button,pressed_at,question", "a header line is not a press"),
        ('"P-1,1,2026-11-22T07:15:00Z,', "expected 4 fields"),
        (b"P-1,1,2026-11-22T07:15:00Z,\xff\xfe", "not UTF-8 text (byte 28 of the line)"),
    ],
)
def test_bad_lines_get_a_reason(line: str | bytes, reason: str) -> None:
    result = parse(line)
    assert isinstance(result, str), result
    assert reason in result


def test_too_long_and_auth_lines() -> None:
    assert parse_line(Line(b"", 5000), VALIDATE, 1024) == "line too long (5000 bytes, limit 1024)"
    assert parse("AUTH s3cret") == Auth("s3cret")
    assert parse("AUTH") == Auth("")
    assert err("two\nlines") == b"ERR two lines\n"


def sample(i: int) -> Press:
    return Press(
        "P-1",
        1,
        1,
        "positive",
        dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=i),
        None,
        "tcp:x",
    )


def test_spool_round_trip_offsets_and_torn_tail(tmp_path: Path) -> None:
    assert decode_press(encode_press(sample(1))[:-1]) == sample(1)
    assert decode_press(encode_press(sample(1))[:-5]) is None
    spool = Spool(tmp_path)
    with pytest.raises(SpoolError, match="in use by another running probe"):
        Spool(tmp_path)
    spool.append([sample(i) for i in range(5)])
    presses, offset = spool.read()
    assert presses == [sample(i) for i in range(5)]
    spool.advance(offset - len(encode_press(sample(4))))  # four of five are in the database
    spool.append([sample(5)])
    spool.close()
    # a record torn by a kill in the middle of an append (it was never answered OK)
    with (tmp_path / "presses.spool").open("ab") as handle:
        handle.write(encode_press(sample(6))[:20])
    reopened = Spool(tmp_path)
    assert reopened.pending_records() == 2
    presses, offset = reopened.read()
    assert presses == [sample(4), sample(5)]
    reopened.advance(offset)
    assert not reopened.pending
    reopened.clear()
    assert not (tmp_path / "presses.spool").exists()
    reopened.append([sample(7)])
    assert reopened.read()[0] == [sample(7)]
    reopened.close()
