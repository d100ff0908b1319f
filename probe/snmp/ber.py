"""The few BER pieces SNMP needs (X.690 definite lengths only), written for speed.

Decoding works on `bytes` with explicit positions and raises `BerError` for anything malformed:
the caller drops such datagrams. Encoding builds complete TLVs; lengths use the shortest form.
"""

from __future__ import annotations

INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
SEQUENCE = 0x30
IP_ADDRESS = 0x40
COUNTER32 = 0x41
GAUGE32 = 0x42  # also Unsigned32
TIMETICKS = 0x43
OPAQUE = 0x44
COUNTER64 = 0x46
NO_SUCH_OBJECT = 0x80
NO_SUCH_INSTANCE = 0x81
END_OF_MIB_VIEW = 0x82

GET_REQUEST = 0xA0
GET_NEXT_REQUEST = 0xA1
GET_RESPONSE = 0xA2
SET_REQUEST = 0xA3
TRAP_V1 = 0xA4
GET_BULK_REQUEST = 0xA5
INFORM_REQUEST = 0xA6
TRAP_V2 = 0xA7
REPORT = 0xA8

MAX_OID_ARCS = 128


class BerError(ValueError):
    """A datagram that is not valid BER (or not the SNMP shape we expect)."""


_SHORT_LENGTHS = tuple(bytes((n,)) for n in range(0x80))


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return _SHORT_LENGTHS[length]
    if length < 0x100:
        return bytes((0x81, length))
    if length < 0x10000:
        return bytes((0x82, length >> 8, length & 0xFF))
    return bytes((0x83, length >> 16, (length >> 8) & 0xFF, length & 0xFF))


def tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + encode_length(len(content)) + content


def encode_integer(value: int, tag: int = INTEGER) -> bytes:
    """Two's complement, minimal length (INTEGER, Integer32)."""
    content = value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
    return tlv(tag, content)


def encode_unsigned(value: int, tag: int = GAUGE32) -> bytes:
    """Gauge32 / Unsigned32 / TimeTicks / Counter32: a non-negative INTEGER (leading 0 if needed)."""
    content = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return tlv(tag, content)


def encode_octets(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def encode_subid(arc: int) -> bytes:
    if arc < 0x80:
        return bytes((arc,))
    out = [arc & 0x7F]
    arc >>= 7
    while arc:
        out.append(0x80 | (arc & 0x7F))
        arc >>= 7
    return bytes(reversed(out))


def encode_oid_content(oid: tuple[int, ...]) -> bytes:
    if len(oid) < 2:
        raise ValueError(f"an OID needs at least two arcs: {oid}")
    return encode_subid(oid[0] * 40 + oid[1]) + b"".join(encode_subid(arc) for arc in oid[2:])


def encode_oid(oid: tuple[int, ...]) -> bytes:
    return tlv(OBJECT_IDENTIFIER, encode_oid_content(oid))


def read_header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """The TLV at `pos`: (tag, content start, content end). Rejects anything out of bounds."""
    if pos + 2 > end:
        raise BerError("truncated header")
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise BerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    stop = pos + length
    if stop > end:
        raise BerError("length beyond the datagram")
    return tag, pos, stop


def read_integer(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """An INTEGER at `pos`: (value, position after it)."""
    tag, start, stop = read_header(data, pos, end)
    if tag != INTEGER or stop == start or stop - start > 9:
        raise BerError("expected an INTEGER")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


MAX_SUBID = 0xFFFFFFFF  # RFC 2578: sub-identifiers are 0..2^32-1
MAX_SUBID_BYTES = 5  # 32 bits in 7-bit groups
MAX_OID_BYTES = MAX_OID_ARCS * MAX_SUBID_BYTES


def decode_oid(data: bytes, start: int, stop: int) -> tuple[int, ...]:
    """The arcs of an OID's content. Linear in its length and bounded: at most MAX_OID_ARCS
    sub-identifiers of at most 32 bits each (RFC 2578), so a datagram made of one huge
    sub-identifier costs no more than a normal OID."""
    if stop == start:
        raise BerError("empty OID")
    if stop - start > MAX_OID_BYTES:
        raise BerError("OID too long")
    arcs: list[int] = []
    value = 0
    for pos in range(start, stop):
        byte = data[pos]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
        elif value > MAX_SUBID >> 7:
            raise BerError("sub-identifier over 2^32-1")
    if data[stop - 1] & 0x80:
        raise BerError("OID ends inside a sub-identifier")
    if len(arcs) >= MAX_OID_ARCS:
        raise BerError("OID too long")
    first = arcs[0]
    if first < 40:
        head = (0, first)
    elif first < 80:
        head = (1, first - 40)
    else:
        head = (2, first - 80)
    return head + tuple(arcs[1:])
