"""SNMPv3 through pysnmp: USM users from `[[snmp.v3.users]]`, answers from the same `MibIndex`.

pysnmp does the security (authentication, privacy, engine discovery, reports); its command
responders then call `IndexInstrumentation`, which reads the index like the fast path does.
There is no write access: SET is refused with noAccess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyasn1.type import univ
from pysnmp.entity import config as pysnmp_config
from pysnmp.entity import engine as pysnmp_engine
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.smi import error as smi_error

from probe.snmp import ber
from probe.snmp.config import SnmpV3User
from probe.snmp.index import MibIndex
from probe.snmp.oids import PROLAN_ENTERPRISE_NUMBER

AUTH_PROTOCOLS: dict[str, tuple[int, ...]] = {
    "MD5": pysnmp_config.USM_AUTH_HMAC96_MD5,
    "SHA": pysnmp_config.USM_AUTH_HMAC96_SHA,
    "SHA-224": pysnmp_config.USM_AUTH_HMAC128_SHA224,
    "SHA-256": pysnmp_config.USM_AUTH_HMAC192_SHA256,
    "SHA-384": pysnmp_config.USM_AUTH_HMAC256_SHA384,
    "SHA-512": pysnmp_config.USM_AUTH_HMAC384_SHA512,
}
# AES-192/256 with the key extension of draft-blumenthal-aes-usm, as net-snmp's AES192/AES256 do.
PRIV_PROTOCOLS: dict[str, tuple[int, ...]] = {
    "none": pysnmp_config.USM_PRIV_NONE,
    "DES": pysnmp_config.USM_PRIV_CBC56_DES,
    "AES-128": pysnmp_config.USM_PRIV_CFB128_AES,
    "AES-192": pysnmp_config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "AES-256": pysnmp_config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}


class V3ConfigError(ValueError):
    """A v3 user that cannot be used (missing or short key)."""


def engine_id(probe_name: str) -> bytes:
    """RFC 3411 snmpEngineID, text format: enterprise 17184 and the probe's name (stable, so
    trap receivers can be configured with it: `createUser -e 0x...`)."""
    text = (probe_name or "prolan-probe").encode("utf-8")[:27]
    return (0x80000000 | PROLAN_ENTERPRISE_NUMBER).to_bytes(4, "big") + b"\x04" + text


def user_keys(user: SnmpV3User) -> tuple[str | None, str | None]:
    """The resolved (auth, priv) passphrases; raises V3ConfigError for unusable ones."""
    auth = user.resolved_auth_key()
    priv = user.resolved_priv_key() if user.priv_protocol != "none" else None
    where = f"[[snmp.v3.users]] name = {user.name!r}"
    if len(auth) < 8:
        source = f"environment variable {user.auth_key_env}" if user.auth_key_env else "auth_key"
        raise V3ConfigError(f"{where}: {source} must hold at least 8 characters")
    if priv is not None and len(priv) < 8:
        source = f"environment variable {user.priv_key_env}" if user.priv_key_env else "priv_key"
        raise V3ConfigError(f"{where}: {source} must hold at least 8 characters")
    return auth, priv


def add_users(engine: pysnmp_engine.SnmpEngine, users: list[SnmpV3User]) -> list[str]:
    """Register USM users with read access to everything; returns the problems (users skipped)."""
    problems: list[str] = []
    for user in users:
        try:
            auth, priv = user_keys(user)
        except V3ConfigError as exc:
            problems.append(str(exc))
            continue
        pysnmp_config.add_v3_user(
            engine,
            user.name,
            AUTH_PROTOCOLS[user.auth_protocol],
            auth,
            PRIV_PROTOCOLS[user.priv_protocol],
            priv,
        )
        level = "authPriv" if priv is not None else "authNoPriv"
        pysnmp_config.add_vacm_user(engine, 3, user.name, level, (1, 3, 6), ())
    return problems


def to_pysnmp(tag: int, content: bytes) -> Any:
    """A value TLV of the index as the pysnmp object the v3 responder and traps need."""
    if tag == ber.INTEGER:
        return rfc1902.Integer32(int.from_bytes(content, "big", signed=True))
    if tag == ber.OCTET_STRING:
        return rfc1902.OctetString(content)
    if tag == ber.OBJECT_IDENTIFIER:
        return rfc1902.ObjectName(ber.decode_oid(content, 0, len(content)))
    if tag == ber.GAUGE32:
        return rfc1902.Gauge32(int.from_bytes(content, "big"))
    if tag == ber.TIMETICKS:
        return rfc1902.TimeTicks(int.from_bytes(content, "big"))
    if tag == ber.COUNTER32:
        return rfc1902.Counter32(int.from_bytes(content, "big"))
    raise ValueError(f"unexpected value tag 0x{tag:02x}")


def decode_value(value_tlv: bytes) -> Any:
    tag, start, stop = ber.read_header(value_tlv, 0, len(value_tlv))
    return to_pysnmp(tag, value_tlv[start:stop])


def decode_varbind(varbind: bytes) -> tuple[rfc1902.ObjectName, Any]:
    _tag, start, stop = ber.read_header(varbind, 0, len(varbind))
    _tag, o_start, o_stop = ber.read_header(varbind, start, stop)
    oid = ber.decode_oid(varbind, o_start, o_stop)
    tag, v_start, v_stop = ber.read_header(varbind, o_stop, stop)
    return rfc1902.ObjectName(oid), to_pysnmp(tag, varbind[v_start:v_stop])


class IndexInstrumentation:
    """What pysnmp's command responders call instead of its MIB instrumentation controller."""

    def __init__(self, index: Callable[[], MibIndex]) -> None:
        self._index = index

    def read_variables(self, *var_binds: tuple[univ.ObjectIdentifier, Any], **context: Any) -> list[Any]:
        index = self._index()
        result: list[Any] = []
        for name, _value in var_binds:
            oid = tuple(name)
            found = index.get(oid)
            if isinstance(found, bytes):
                result.append(decode_varbind(found))
            elif found == ber.NO_SUCH_OBJECT:
                result.append((name, rfc1905.noSuchObject))
            else:
                result.append((name, rfc1905.noSuchInstance))
        return result

    def read_next_variables(self, *var_binds: tuple[univ.ObjectIdentifier, Any], **context: Any) -> list[Any]:
        index = self._index()
        result: list[Any] = []
        for name, _value in var_binds:
            si, pos = index.next_position(tuple(name))
            if si < len(index.segments):
                result.append(decode_varbind(index.segments[si].at(pos)))
            else:
                result.append((name, rfc1905.endOfMibView))
        return result

    def write_variables(self, *var_binds: tuple[univ.ObjectIdentifier, Any], **context: Any) -> list[Any]:
        name = var_binds[0][0] if var_binds else None
        raise smi_error.NoAccessError(name=name, idx=0)
