"""`[snmp]`: the probe's SNMP agent (listen address, communities, v3 users, trap targets).

Declared as the `snmp` entry of `prolan.sections`; read with `config.section(SnmpConfig)`.
"""

from __future__ import annotations

import os
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from probe.config import ConfigPath, Section, check_listen
from probe.snmp.engine_state import parse_engine_id
from probe.snmp.oids import parse_oid


class SnmpV2cConfig(Section):
    communities: list[str] = Field(default_factory=lambda: ["public"])


class SnmpV3User(Section):
    name: str
    auth_protocol: Literal["SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "MD5"] = "SHA-256"
    auth_key: str = ""
    auth_key_env: str | None = None
    priv_protocol: Literal["AES-128", "AES-192", "AES-256", "DES", "none"] = "AES-128"
    priv_key: str = ""
    priv_key_env: str | None = None

    def resolved_auth_key(self) -> str:
        return os.environ.get(self.auth_key_env, "") if self.auth_key_env else self.auth_key

    def resolved_priv_key(self) -> str:
        return os.environ.get(self.priv_key_env, "") if self.priv_key_env else self.priv_key


class SnmpV3Config(Section):
    users: list[SnmpV3User] = Field(default_factory=list)


class TrapTarget(Section):
    address: str = Field(description="HOST:PORT")
    version: Literal["v2c", "v3"] = "v2c"
    community: str = "public"
    user: str | None = None
    inform: bool = False

    @field_validator("address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        return check_listen(value, "192.0.2.10:162")


class SnmpConfig(Section):
    SECTION: ClassVar[str] = "snmp"

    enabled: bool = True
    listen: str = "127.0.0.1:1161"
    enterprise_oid: str = "1.3.6.1.4.1.17184"
    v2c: SnmpV2cConfig = Field(default_factory=SnmpV2cConfig)
    v3: SnmpV3Config = Field(default_factory=SnmpV3Config)
    trap_targets: list[TrapTarget] = Field(default_factory=list)
    max_repetitions: int = Field(default=100, ge=1, le=1000)
    # Responses per source address and second (token buckets with a one-second burst): what a
    # forged source address can have sent to its victim. 0 switches a limit off. The count's
    # default lies above what the agent answers one client (14,000 GETNEXT a second measured): an
    # NMS walking as fast as it can is never dropped (a drop costs it a time-out, and Zabbix marks
    # the host unreachable); the bytes bound what a reflection sends.
    max_responses_per_second: float = Field(default=50_000.0, ge=0)
    max_response_bytes_per_second: float = Field(default=10_000_000.0, ge=0)
    # The engine ID (hex, 5-32 octets); unset: generated once per installation and kept in state_dir.
    engine_id: str | None = None
    # Where the engine ID and snmpEngineBoots are kept (default: <data folder>/snmp).
    state_dir: ConfigPath | None = None

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        return check_listen(value, "127.0.0.1:1161")

    @model_validator(mode="after")
    def _known_users(self) -> SnmpConfig:
        names = {user.name for user in self.v3.users}
        for index, target in enumerate(self.trap_targets):
            if target.version == "v3" and target.user not in names:
                raise ValueError(
                    f"trap_targets[{index}] ({target.address}) names user {target.user!r}, which is not "
                    f"in [[snmp.v3.users]] ({', '.join(sorted(names)) or 'none'})"
                )
        return self

    @field_validator("engine_id")
    @classmethod
    def _engine_id(cls, value: str | None) -> str | None:
        if value is not None:
            parse_engine_id(value)
        return value

    @field_validator("enterprise_oid")
    @classmethod
    def _numeric_oid(cls, value: str) -> str:
        try:
            parse_oid(value)
        except ValueError:
            raise ValueError("expected a numeric OID such as 1.3.6.1.4.1.17184") from None
        return value
