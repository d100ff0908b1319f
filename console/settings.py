"""What the console connects to and opens, from the probe's config file.

With a `[console]` section: its `probe`, `community` or v3 `user`, `poll_seconds`, `root_map`.
Without one (the demo): the probe's own `[snmp] listen` address with its first v2c community,
and the demo map set shipped in `maps/demo/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.config import ConsoleConfig
from console.snmp_poller import ProbeTarget
from probe.config import ConfigError, ProbeConfig
from probe.resources import demo_root_map
from probe.snmp.config import SnmpConfig
from probe.snmp.oids import Layout

DEMO_ROOT_MAP = demo_root_map()


@dataclass(frozen=True)
class ConsoleSettings:
    target: ProbeTarget
    poll_seconds: float
    root_map: Path
    language: str
    history_hours: float
    level_tests: tuple[str, ...] = ()  # what a point's worst level counts (empty: every test)


def split_address(text: str, where: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def console_settings(config: ProbeConfig) -> ConsoleSettings:
    section = config.explicit_section(ConsoleConfig)
    # The probe serves PROLAN-MIB under its `[snmp] enterprise_oid`; the console reads it there.
    layout = Layout.from_text(config.section(SnmpConfig).enterprise_oid)
    if section is None:
        host, port = split_address(config.section(SnmpConfig).listen, "[snmp] listen")
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        communities = config.section(SnmpConfig).v2c.communities
        return ConsoleSettings(
            ProbeTarget(host, port, "v2c", communities[0] if communities else "public", layout=layout),
            5.0,
            DEMO_ROOT_MAP,
            "ru",
            6.0,
        )
    host, port = split_address(section.probe or config.section(SnmpConfig).listen, "[console] probe")
    if section.version == "v3" and section.user is None:
        raise ConfigError('[console] version = "v3" needs a [console.user] with name and keys')
    community = section.community or (config.section(SnmpConfig).v2c.communities or ["public"])[0]
    root = config.resolve_path(section.root_map) if section.root_map else DEMO_ROOT_MAP
    return ConsoleSettings(
        ProbeTarget(
            host, port, section.version, community, section.user, section.timeout_seconds, layout=layout
        ),
        section.poll_seconds,
        root,
        section.language,
        section.history_hours,
        tuple(section.level_tests),
    )
