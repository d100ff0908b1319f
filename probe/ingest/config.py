"""`[ingest]`: presses from pads and concentrators over TCP and serial ports (docs/ingest.md).

Declared as the `ingest` entry of `prolan.sections`; read with `config.section(IngestConfig)`.
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from probe.config import ConfigPath, Section, check_listen
from probe.presses import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_AHEAD_MINUTES, PlausibleWindow


class TcpIngestConfig(Section):
    listen: str = "127.0.0.1:7070"
    max_line_bytes: int = Field(default=1024, ge=64)
    # A connection that sends no complete line for this long is closed (a byte now and then does
    # not keep it open).
    idle_timeout_seconds: float = Field(default=300.0, gt=0)
    max_connections_per_address: int = Field(default=16, ge=1)
    # All sources together; kept below the process's descriptor limit (RLIMIT_NOFILE) at start.
    max_connections: int = Field(default=1024, ge=1)
    tokens: list[str] = Field(default_factory=list, description="shared tokens; empty = no AUTH needed")
    # A wrong token is answered after this delay, doubled for every further wrong token from the
    # same address (up to 30 s; a good token resets it).
    auth_failure_delay_seconds: float = Field(default=1.0, ge=0, le=30)
    # With tokens: a connection that has not authenticated this long after connecting is closed.
    auth_timeout_seconds: float = Field(default=10.0, gt=0)
    allowed_addresses: list[str] = Field(default_factory=list, description="CIDRs; empty = any")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        return check_listen(value, "0.0.0.0:7070")

    @field_validator("allowed_addresses")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an address or network (e.g. 10.0.0.0/8)") from None
        return value


class SerialIngestConfig(Section):
    port: str
    baudrate: int = 9600
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1
    reopen_seconds: float = Field(default=5.0, gt=0)
    max_line_bytes: int = Field(default=1024, ge=64)


class IngestConfig(Section):
    SECTION: ClassVar[str] = "ingest"

    tcp: TcpIngestConfig | None = None
    serial: list[SerialIngestConfig] = Field(default_factory=list)
    spool_dir: ConfigPath | None = Field(default=None, description="default: <data folder>/spool")
    db_timeout_seconds: float = Field(default=2.0, gt=0, description="slower database writes go to the spool")
    retry_seconds: float = Field(default=5.0, gt=0, description="database retry period while spooling")
    topology_refresh_seconds: float = Field(default=60.0, gt=0)
    counters_flush_seconds: float = Field(default=10.0, gt=0)
    # Presses outside this window are refused as implausible (over TCP, serial and in
    # `presses import`); 0 switches a bound off.
    max_age_days: float = Field(default=DEFAULT_MAX_AGE_DAYS, ge=0)
    max_ahead_minutes: float = Field(default=DEFAULT_MAX_AHEAD_MINUTES, ge=0)

    def plausible_window(self) -> PlausibleWindow:
        return PlausibleWindow(max_age_days=self.max_age_days, max_ahead_minutes=self.max_ahead_minutes)
