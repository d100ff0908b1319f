"""`[prometheus]`: the probe's own `/metrics` endpoint for Prometheus (docs/mib.md, "Prometheus").

Declared as the `prometheus` entry of `prolan.sections`; read with `config.section(PrometheusConfig)`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from probe.config import Section


def parse_listen(listen: str) -> tuple[str, int]:
    """'HOST:PORT' ('[::1]:9818' for IPv6) -> (host, port); ValueError when malformed."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT, e.g. 127.0.0.1:9818, got {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


class PrometheusConfig(Section):
    """`[prometheus]`: serve `/metrics` on `listen` (empty: no endpoint)."""

    SECTION: ClassVar[str] = "prometheus"

    listen: str = Field(default="", description="HOST:PORT of /metrics for Prometheus; empty = off")

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        if value.strip():
            parse_listen(value.strip())
        return value.strip()
