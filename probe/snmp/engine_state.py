"""The SNMP engine's persistent state: its engine ID and snmpEngineBoots (RFC 3414 2.2.2).

USM refuses a replayed request only if snmpEngineBoots grows on every start: a captured request
carries the boots of its time, and after a restart that no longer matches. pysnmp keeps boots
under `$TMPDIR`, which systemd's `PrivateTmp=yes` empties on every start, so the probe keeps them
itself, in its state folder (`<data folder>/snmp/engine.json`), written and fsync'd before the
agent answers anything. The engine ID is generated once per installation (random, RFC 3411
format 5) and kept there too, so two probes never share one and a request captured at one is
not valid at the other.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROLAN_ENTERPRISE_NUMBER = 17184
STATE_FILE = "engine.json"
MAX_BOOTS = 2147483647  # RFC 3414: at this value the engine needs a new ID (or keys)


class EngineStateError(Exception):
    """The state folder cannot be read or written; worded for the operator."""


def new_engine_id() -> bytes:
    """RFC 3411 snmpEngineID: our enterprise number, format 5 (administratively assigned
    octets), 12 random octets."""
    return (0x80000000 | PROLAN_ENTERPRISE_NUMBER).to_bytes(4, "big") + b"\x05" + secrets.token_bytes(12)


def parse_engine_id(text: str) -> bytes:
    """An engine ID from the config: hex, with or without 0x (5 to 32 octets, RFC 3411)."""
    value = text.strip().lower().removeprefix("0x").replace(":", "")
    try:
        octets = bytes.fromhex(value)
    except ValueError:
        raise ValueError("expected hex, e.g. 0x80004320054a1b2c3d4e5f60718293a4") from None
    if not 5 <= len(octets) <= 32:
        raise ValueError(f"an engine ID has 5 to 32 octets, this one {len(octets)}")
    return octets


@dataclass(frozen=True)
class EngineState:
    engine_id: bytes
    boots: int


def start_engine(directory: Path, configured_id: bytes | None = None) -> EngineState:
    """Read the state, count this start (boots + 1) and store it durably before returning.

    A configured engine ID replaces the stored one; boots keep counting either way (a new ID
    with old boots is still safe: the count only ever grows)."""
    path = directory / STATE_FILE
    stored_id: bytes | None = None
    boots = 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored_id = bytes.fromhex(data["engine_id"])
        boots = int(data["boots"])
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise EngineStateError(f"{path}: cannot read the SNMP engine state: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineStateError(
            f"{path}: unreadable SNMP engine state ({exc}); it keeps snmpEngineBoots, which must only "
            "grow: fix or remove the file (removing it gives the probe a new engine ID)"
        ) from None
    engine_id = configured_id or stored_id or new_engine_id()
    boots = min(boots + 1, MAX_BOOTS)
    tmp = path.with_suffix(".tmp")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"engine_id": engine_id.hex(), "boots": boots}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        with contextlib.suppress(OSError):  # the rename is durable once the folder is synced
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        raise EngineStateError(
            f"{path}: cannot store the SNMP engine state: {exc.strerror or exc} (the agent needs a "
            "writable state folder so that a restart refuses replayed SNMPv3 requests)"
        ) from None
    return EngineState(engine_id, boots)
