"""`[ingest]`: presses from pads and concentrators over TCP and serial ports (docs/ingest.md).

Declared as the `ingest` entry of `prolan.sections`; read with `config.section(IngestConfig)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from probe.config import Section


class TcpIngestConfig(Section):
    listen: str = "127.0.0.1:7070"
    max_line_bytes: int = Field(default=1024, ge=64)
    idle_timeout_seconds: float = Field(default=300.0, gt=0)
    max_connections_per_address: int = Field(default=16, ge=1)
    tokens: list[str] = Field(default_factory=list, description="shared tokens; empty = no AUTH needed")
    allowed_addresses: list[str] = Field(default_factory=list, description="CIDRs; empty = any")


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
    spool_dir: Path | None = Field(default=None, description="default: <data folder>/spool")
    db_timeout_seconds: float = Field(default=2.0, gt=0, description="slower database writes go to the spool")
    retry_seconds: float = Field(default=5.0, gt=0, description="database retry period while spooling")
    topology_refresh_seconds: float = Field(default=60.0, gt=0)
    counters_flush_seconds: float = Field(default=10.0, gt=0)
