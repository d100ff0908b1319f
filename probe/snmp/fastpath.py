"""SNMPv1/v2c GET, GETNEXT and GETBULK answered straight from a `MibIndex`.

The request is decoded only as far as needed (community, PDU type, request id, OIDs); the
response reuses the request's own encodings of version, community and request id and the
index's pre-encoded variable bindings. Anything this module does not serve (SNMPv3, responses
to our informs) is handed back as `DELEGATE`; anything malformed raises `BerError` and is dropped
by the caller. No write access of any kind: SET gets noAccess (v2c) / noSuchName (v1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from probe.snmp import ber
from probe.snmp.index import MibIndex

DELEGATE = object()  # marker: let pysnmp process this datagram

MAX_RESPONSE_BYTES = 65000  # fits one UDP datagram (65507) with room for the headers
MAX_REQUEST_VARBINDS = 512

NO_ERROR, TOO_BIG, NO_SUCH_NAME, GEN_ERR, NO_ACCESS = 0, 1, 2, 5, 6
_END_OF_MIB = b"\x82\x00"
_NO_SUCH = {ber.NO_SUCH_OBJECT: b"\x80\x00", ber.NO_SUCH_INSTANCE: b"\x81\x00"}
_V1, _V2C, _V3 = 0, 1, 3


@dataclass
class Counters:
    requests: int = 0
    responses: int = 0
    dropped_malformed: int = 0
    bad_community: int = 0
    delegated: int = 0
    set_refused: int = 0
    by_type: dict[int, int] = field(default_factory=dict)


def _seq(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + ber.encode_length(len(body)) + body


def _echo(oid_tlv: bytes, value: bytes) -> bytes:
    return _seq(0x30, oid_tlv + value)


class FastResponder:
    """Answers v1/v2c requests; `index` is read at each request (swapped on every publish)."""

    def __init__(
        self, index: Callable[[], MibIndex], communities: list[str], max_repetitions: int = 100
    ) -> None:
        self._index = index
        self.communities = {c.encode("utf-8") for c in communities}
        self.max_repetitions = max_repetitions
        self.counters = Counters()

    def handle(self, data: bytes) -> bytes | object | None:
        """The response datagram, None (drop silently) or DELEGATE. Raises BerError when malformed."""
        end = len(data)
        tag, start, stop = ber.read_header(data, 0, end)
        if tag != 0x30:
            raise ber.BerError("not a SEQUENCE")
        version, pos = ber.read_integer(data, start, stop)
        if version == _V3:
            return DELEGATE
        if version not in (_V1, _V2C):
            raise ber.BerError("unknown SNMP version")
        version_tlv = data[start:pos]
        tag, c_start, c_stop = ber.read_header(data, pos, stop)
        if tag != ber.OCTET_STRING:
            raise ber.BerError("no community")
        community_tlv = data[pos:c_stop]
        pdu_type, p_start, p_stop = ber.read_header(data, c_stop, stop)
        if pdu_type in (ber.GET_RESPONSE, ber.REPORT):
            return DELEGATE  # the acknowledgement of an inform we sent
        self.counters.requests += 1
        if data[c_start:c_stop] not in self.communities:
            self.counters.bad_community += 1
            return None  # as net-snmp does: no answer to a wrong community
        if pdu_type not in (ber.GET_REQUEST, ber.GET_NEXT_REQUEST, ber.GET_BULK_REQUEST, ber.SET_REQUEST):
            return None
        tag, r_start, r_stop = ber.read_header(data, p_start, p_stop)
        if tag != ber.INTEGER or not 0 < r_stop - r_start <= 5:
            raise ber.BerError("bad request-id")
        request_id_tlv = data[p_start:r_stop]
        first, pos = ber.read_integer(data, r_stop, p_stop)  # error-status / non-repeaters
        second, pos = ber.read_integer(data, pos, p_stop)  # error-index / max-repetitions
        tag, v_start, v_stop = ber.read_header(data, pos, p_stop)
        if tag != 0x30:
            raise ber.BerError("no variable-bindings")
        request_vbl = data[pos:v_stop]
        oids: list[tuple[int, ...]] = []
        oid_tlvs: list[bytes] = []
        pos = v_start
        while pos < v_stop:
            tag, b_start, b_stop = ber.read_header(data, pos, v_stop)
            if tag != 0x30:
                raise ber.BerError("bad variable-binding")
            tag, o_start, o_stop = ber.read_header(data, b_start, b_stop)
            if tag != ber.OBJECT_IDENTIFIER:
                raise ber.BerError("variable-binding without an OID")
            ber.read_header(data, o_stop, b_stop)  # a value must follow
            oids.append(ber.decode_oid(data, o_start, o_stop))
            oid_tlvs.append(data[b_start:o_stop])
            pos = b_stop
            if len(oids) > MAX_REQUEST_VARBINDS:
                raise ber.BerError("too many variable-bindings")
        self.counters.by_type[pdu_type] = self.counters.by_type.get(pdu_type, 0) + 1

        header_size = len(version_tlv) + len(community_tlv) + len(request_id_tlv) + 24
        budget = MAX_RESPONSE_BYTES - header_size
        index = self._index()
        if pdu_type == ber.SET_REQUEST:
            self.counters.set_refused += 1
            status = NO_SUCH_NAME if version == _V1 else NO_ACCESS
            return self._response(version_tlv, community_tlv, request_id_tlv, status, 1, request_vbl)
        if pdu_type == ber.GET_BULK_REQUEST:
            if version == _V1:
                return None
            body = self._bulk(index, oids, oid_tlvs, max(first, 0), max(second, 0), budget)
            if body is None:  # not even the first variable binding fits (RFC 3416 4.2.3)
                return self._response(version_tlv, community_tlv, request_id_tlv, TOO_BIG, 0, b"\x30\x00")
        else:
            parts: list[bytes] = []
            for i, oid in enumerate(oids):
                if pdu_type == ber.GET_REQUEST:
                    found = index.get(oid)
                    if isinstance(found, bytes):
                        parts.append(found)
                        continue
                    if version == _V1:
                        return self._response(
                            version_tlv, community_tlv, request_id_tlv, NO_SUCH_NAME, i + 1, request_vbl
                        )
                    parts.append(_echo(oid_tlvs[i], _NO_SUCH[found]))
                else:
                    si, at = index.next_position(oid)
                    if si < len(index.segments):
                        parts.append(index.segments[si].at(at))
                    elif version == _V1:
                        return self._response(
                            version_tlv, community_tlv, request_id_tlv, NO_SUCH_NAME, i + 1, request_vbl
                        )
                    else:
                        parts.append(_echo(oid_tlvs[i], _END_OF_MIB))
            body = b"".join(parts)
            if len(body) > budget:
                return self._response(version_tlv, community_tlv, request_id_tlv, TOO_BIG, 0, b"\x30\x00")
        return self._response(version_tlv, community_tlv, request_id_tlv, NO_ERROR, 0, _seq(0x30, body))

    def _bulk(
        self,
        index: MibIndex,
        oids: list[tuple[int, ...]],
        oid_tlvs: list[bytes],
        non_repeaters: int,
        max_repetitions: int,
        budget: int,
    ) -> bytes | None:
        """The variable bindings of a GETBULK response, cut at the end to fit `budget` (RFC 3416
        4.2.3: "some of the variable bindings at the end of the set removed"); None when not even
        the first one fits, which the caller answers with tooBig."""
        n = min(non_repeaters, len(oids))
        parts: list[bytes] = []
        end = len(index.segments)
        for i in range(n):
            si, at = index.next_position(oids[i])
            part = index.segments[si].at(at) if si < end else _echo(oid_tlvs[i], _END_OF_MIB)
            if len(part) > budget:  # the non-repeaters alone fill the message
                return b"".join(parts) if parts else None
            parts.append(part)
            budget -= len(part)
        repeaters = len(oids) - n
        m = min(max_repetitions, self.max_repetitions)
        if not repeaters or not m:
            return b"".join(parts)
        if repeaters == 1:  # the common walk: one slice of consecutive rows per segment
            si, at = index.next_position(oids[n])
            chunks, taken, si, at, full = index.run(si, at, m, budget)
            if full and not taken and not parts:
                return None
            parts.extend(chunks)
            if taken < m and not full:
                # The end of the MIB: the remaining repetitions are endOfMibView under the name of
                # the previous one (RFC 3416 4.2.3), as pysnmp's responder on the v3 path answers.
                end_vb = _echo(_last_oid_tlv(index) if taken else oid_tlvs[n], _END_OF_MIB)
                budget -= sum(map(len, chunks))
                parts.append(end_vb * max(0, min(m - taken, budget // len(end_vb))))
            return b"".join(parts)
        positions = [index.next_position(oid) for oid in oids[n:]]
        last_tlvs = list(oid_tlvs[n:])
        for _ in range(m):  # every repetition, past the end too (endOfMibView), as pysnmp does
            for r, (si, at) in enumerate(positions):
                if si < end:
                    part = index.segments[si].at(at)
                    positions[r] = index.advance(si, at)
                    last_tlvs[r] = _oid_tlv_of(part)
                else:
                    part = _echo(last_tlvs[r], _END_OF_MIB)
                if len(part) > budget:
                    return b"".join(parts) if parts else None
                parts.append(part)
                budget -= len(part)
        return b"".join(parts)

    @staticmethod
    def _response(
        version_tlv: bytes,
        community_tlv: bytes,
        request_id_tlv: bytes,
        status: int,
        error_index: int,
        vbl: bytes,
    ) -> bytes:
        pdu = _seq(
            ber.GET_RESPONSE,
            request_id_tlv + ber.encode_integer(status) + ber.encode_integer(error_index) + vbl,
        )
        return _seq(0x30, version_tlv + community_tlv + pdu)


def _last_oid_tlv(index: MibIndex) -> bytes:
    """The OID TLV of the last object instance of the index (there is one: the system group)."""
    seg = next(seg for seg in reversed(index.segments) if seg.rows)
    return _oid_tlv_of(seg.at(len(seg.rows) - 1))


def _oid_tlv_of(varbind: bytes) -> bytes:
    """The OID TLV inside an encoded variable binding."""
    _tag, start, stop = ber.read_header(varbind, 0, len(varbind))
    _tag, _o_start, o_stop = ber.read_header(varbind, start, stop)
    return varbind[start:o_stop]
