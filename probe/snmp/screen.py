"""SNMPv3 datagrams screened before pysnmp sees them: bounded CPU for anything unauthenticated.

pysnmp decodes a whole SNMPv3 message with pyasn1 before it checks the digest: a forged 64 KB
message of 5,000 variable bindings costs it ~160 ms. This module walks the message with the
bounded BER reader of `probe.snmp.ber` (no recursion, lengths checked, at most
MAX_REQUEST_VARBINDS variable bindings, OIDs of at most 128 arcs) and checks the HMAC of a
message that claims authentication itself, with the users' keys localised to our engine ID.

* malformed, or not USM, or privacy without authentication: `BerError` (the caller drops it and
  counts it as junk; RFC 3412 7.2 drops these silently too);
* authenticated by a known user's key: handed to pysnmp unchanged (time window, decryption,
  access: pysnmp does the security; this is only a cheap filter in front of it);
* anything else (discovery, unknown user or engine ID, wrong digest, no authentication): the same
  message with its scoped PDU emptied (no variable bindings; an empty ciphertext). pysnmp still
  answers with the report RFC 3414 asks for (unknown engine ID, unknown user name, unsupported
  security level, wrong digest), at the cost of a tiny message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyasn1.type import univ
from pysnmp.proto.secmod.rfc3414 import localkey

from probe.snmp import ber

MAX_REQUEST_VARBINDS = 512
USM = 3
FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 0x01, 0x02, 0x04
MAX_ENGINE_ID = 32  # RFC 3411 SnmpEngineID SIZE(5..32)
MAX_USER_NAME = 32  # RFC 3414 usmUserName SIZE(1..32)
MIN_MAX_SIZE = 484  # RFC 3412 msgMaxSize (484..2147483647)

# auth protocol -> (hash for the key, HMAC digest, truncated length) (RFC 3414, RFC 7860)
_AUTH: dict[str, tuple[Callable[..., Any], int]] = {
    "MD5": (hashlib.md5, 12),
    "SHA": (hashlib.sha1, 12),
    "SHA-224": (hashlib.sha224, 16),
    "SHA-256": (hashlib.sha256, 24),
    "SHA-384": (hashlib.sha384, 32),
    "SHA-512": (hashlib.sha512, 48),
}


@dataclass(frozen=True, slots=True)
class V3Message:
    """The parts of an SNMPv3 message the screen needs, as positions in the datagram."""

    flags: int
    engine_id: bytes
    user: bytes
    auth_start: int  # msgAuthenticationParameters content
    auth_stop: int
    head: bytes  # everything of the message before msgData, without the outer header
    scoped_tag: int  # SEQUENCE (plaintext) or OCTET STRING (encrypted)
    context_engine_id: bytes = b""
    context_name: bytes = b""
    pdu_type: int = 0
    request_id_tlv: bytes = b""


def _read(data: bytes, pos: int, end: int, tag: int, what: str) -> tuple[int, int]:
    found, start, stop = ber.read_header(data, pos, end)
    if found != tag:
        raise ber.BerError(f"expected {what}")
    return start, stop


def parse_v3(data: bytes) -> V3Message:
    """Walk an SNMPv3 message; raises `BerError` for anything malformed or out of bounds."""
    end = len(data)
    start, stop = _read(data, 0, end, ber.SEQUENCE, "a message")
    version, pos = ber.read_integer(data, start, stop)
    if version != 3:
        raise ber.BerError("not SNMPv3")
    g_start, g_stop = _read(data, pos, stop, ber.SEQUENCE, "msgGlobalData")
    _msg_id, gpos = ber.read_integer(data, g_start, g_stop)
    max_size, gpos = ber.read_integer(data, gpos, g_stop)
    f_start, f_stop = _read(data, gpos, g_stop, ber.OCTET_STRING, "msgFlags")
    model, gpos = ber.read_integer(data, f_stop, g_stop)
    if gpos != g_stop or f_stop - f_start != 1 or max_size < MIN_MAX_SIZE:
        raise ber.BerError("bad msgGlobalData")
    flags = data[f_start]
    if model != USM or (flags & FLAG_PRIV and not flags & FLAG_AUTH):
        raise ber.BerError("not USM, or privacy without authentication")
    sp_start, sp_stop = _read(data, g_stop, stop, ber.OCTET_STRING, "msgSecurityParameters")
    u_start, u_stop = _read(data, sp_start, sp_stop, ber.SEQUENCE, "UsmSecurityParameters")
    e_start, e_stop = _read(data, u_start, u_stop, ber.OCTET_STRING, "an engine ID")
    _boots, upos = ber.read_integer(data, e_stop, u_stop)
    _time, upos = ber.read_integer(data, upos, u_stop)
    n_start, n_stop = _read(data, upos, u_stop, ber.OCTET_STRING, "a user name")
    a_start, a_stop = _read(data, n_stop, u_stop, ber.OCTET_STRING, "authentication parameters")
    p_start, p_stop = _read(data, a_stop, u_stop, ber.OCTET_STRING, "privacy parameters")
    if p_stop != u_stop or u_stop != sp_stop:
        raise ber.BerError("bad UsmSecurityParameters")
    if e_stop - e_start > MAX_ENGINE_ID or n_stop - n_start > MAX_USER_NAME or a_stop - a_start > 64:
        raise ber.BerError("oversized security parameters")
    if p_stop - p_start not in (0, 8):
        raise ber.BerError("bad privacy parameters")
    message = dict(
        flags=flags,
        engine_id=data[e_start:e_stop],
        user=data[n_start:n_stop],
        auth_start=a_start,
        auth_stop=a_stop,
        head=data[start:sp_stop],
    )
    scoped_tag, s_start, s_stop = ber.read_header(data, sp_stop, stop)
    if s_stop != stop:
        raise ber.BerError("trailing bytes")
    if scoped_tag == ber.OCTET_STRING:
        if not flags & FLAG_PRIV:
            raise ber.BerError("ciphertext without privacy")
        return V3Message(scoped_tag=scoped_tag, **message)  # type: ignore[arg-type]
    if scoped_tag != ber.SEQUENCE or flags & FLAG_PRIV:
        raise ber.BerError("bad scoped PDU")
    ce_start, ce_stop = _read(data, s_start, s_stop, ber.OCTET_STRING, "a context engine ID")
    cn_start, cn_stop = _read(data, ce_stop, s_stop, ber.OCTET_STRING, "a context name")
    pdu_type, p_start, p_stop = ber.read_header(data, cn_stop, s_stop)
    if p_stop != s_stop or not ber.GET_REQUEST <= pdu_type <= ber.REPORT:
        raise ber.BerError("bad PDU")
    request_id_stop = check_pdu(data, p_start, p_stop)
    return V3Message(
        scoped_tag=scoped_tag,
        context_engine_id=data[ce_start:ce_stop],
        context_name=data[cn_start:cn_stop],
        pdu_type=pdu_type,
        request_id_tlv=data[p_start:request_id_stop],
        **message,  # type: ignore[arg-type]
    )


def check_pdu(data: bytes, start: int, stop: int) -> int:
    """Check a PDU's body (request-id, two integers, variable bindings with decodable OIDs, at
    most MAX_REQUEST_VARBINDS of them); returns where the request-id TLV ends."""
    _tag, r_start, r_stop = ber.read_header(data, start, stop)
    if _tag != ber.INTEGER or not 0 < r_stop - r_start <= 5:
        raise ber.BerError("bad request-id")
    _first, pos = ber.read_integer(data, r_stop, stop)
    _second, pos = ber.read_integer(data, pos, stop)
    v_start, v_stop = _read(data, pos, stop, ber.SEQUENCE, "variable-bindings")
    if v_stop != stop:
        raise ber.BerError("trailing bytes in the PDU")
    count = 0
    pos = v_start
    while pos < v_stop:
        b_start, b_stop = _read(data, pos, v_stop, ber.SEQUENCE, "a variable-binding")
        o_start, o_stop = _read(data, b_start, b_stop, ber.OBJECT_IDENTIFIER, "an OID")
        ber.decode_oid(data, o_start, o_stop)
        _tag, _start, value_stop = ber.read_header(data, o_stop, b_stop)
        if value_stop != b_stop:
            raise ber.BerError("bad variable-binding")
        pos = b_stop
        count += 1
        if count > MAX_REQUEST_VARBINDS:
            raise ber.BerError("too many variable-bindings")
    return r_stop


def emptied(message: V3Message) -> bytes:
    """The message with its scoped PDU emptied: what pysnmp needs to answer with a report."""
    if message.scoped_tag == ber.OCTET_STRING:
        scoped = ber.tlv(ber.OCTET_STRING, b"")
    else:
        pdu = message.request_id_tlv + b"\x02\x01\x00\x02\x01\x00\x30\x00"
        scoped = ber.tlv(
            ber.SEQUENCE,
            ber.tlv(ber.OCTET_STRING, message.context_engine_id)
            + ber.tlv(ber.OCTET_STRING, message.context_name)
            + ber.tlv(message.pdu_type, pdu),
        )
    return ber.tlv(ber.SEQUENCE, message.head + scoped)


@dataclass(frozen=True, slots=True)
class AuthKey:
    digest: Callable[..., Any]
    length: int
    key: bytes


def localized_key(auth_protocol: str, passphrase: str, engine_id: bytes) -> AuthKey:
    """A user's authentication key localised to `engine_id` (RFC 3414 A.2, RFC 7860)."""
    digest, length = _AUTH[auth_protocol]
    key = localkey.password_to_key(passphrase.encode("utf-8"), univ.OctetString(engine_id), digest)
    return AuthKey(digest, length, bytes(key))


class V3Screen:
    """Decides what of an SNMPv3 datagram pysnmp gets (see the module's docstring)."""

    def __init__(self, engine_id: bytes, users: Iterable[tuple[str, str, str]]) -> None:
        """`users`: (name, auth protocol, auth passphrase) of the configured USM users."""
        self.engine_id = engine_id
        self.keys = {name.encode("utf-8"): localized_key(p, key, engine_id) for name, p, key in users}
        self.authenticated = 0
        self.emptied = 0

    def screen(self, data: bytes) -> bytes:
        """The datagram for pysnmp; raises `BerError` for one to drop."""
        message = parse_v3(data)
        if message.flags & FLAG_AUTH and message.engine_id == self.engine_id:
            key = self.keys.get(message.user)
            if key is not None and self._digest_ok(key, data, message):
                self.authenticated += 1
                return data
        self.emptied += 1
        return emptied(message)

    @staticmethod
    def _digest_ok(key: AuthKey, data: bytes, message: V3Message) -> bool:
        given = data[message.auth_start : message.auth_stop]
        if len(given) != key.length:
            return False
        zeroed = data[: message.auth_start] + bytes(key.length) + data[message.auth_stop :]
        expected = hmac.new(key.key, zeroed, key.digest).digest()[: key.length]
        return hmac.compare_digest(given, expected)
