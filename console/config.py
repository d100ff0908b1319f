"""`[console]`: what the desktop console connects to and opens (Dashboard tiles, Cockpit rows).

Declared as the `console` entry of `prolan.sections`; read with
`config.explicit_section(ConsoleConfig)` (no `[console]` means: the probe's own agent, demo maps).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from probe.config import ConfigPath, Section
from probe.snmp.config import SnmpV3User


class DashboardConfig(Section):
    """`[console.dashboard]`: the wall-panel tiles."""

    # "company", "point:NAME" or "region:PATH" (a region path and everything under it).
    tiles: list[str] = Field(
        default_factory=lambda: [
            "company",
            "point:АЗС Тёплый Стан",
            "point:Калужская",
            "region:Санкт-Петербург",
        ]
    )
    hours: int = Field(
        default=6, ge=1, le=48, description="hours of interval assessments shown as rectangles"
    )
    columns: int = Field(default=2, ge=1, le=6)
    # Whose day counts make the Index (the lamps follow [console] level_tests, as the Plan does).
    tests: list[str] = Field(default_factory=lambda: ["LOYALTY_MON"])
    refresh_seconds: float = Field(default=30.0, gt=0)

    @field_validator("tiles")
    @classmethod
    def _valid_tiles(cls, value: list[str]) -> list[str]:
        for tile in value:
            kind, _, name = tile.partition(":")
            if tile != "company" and (kind not in ("point", "region") or not name):
                raise ValueError(f"tile {tile!r}: expected 'company', 'point:NAME' or 'region:PATH'")
        return value


class CockpitConfig(Section):
    """`[console.cockpit]`: the rows the Cockpit opens with (or a saved layout file)."""

    layout: ConfigPath | None = Field(default=None, description="a layout saved from the Cockpit (JSON)")
    tests: list[str] = Field(default_factory=list)
    points: list[str] = Field(default_factory=lambda: ["АЗС Тёплый Стан", "Калужская"])
    name_contains: str = ""
    hours: int = Field(default=24, ge=1, le=24 * 62)
    unassessed: bool = Field(default=False, description="also rows of metrics without thresholds")


class ConsoleConfig(Section):
    SECTION: ClassVar[str] = "console"

    probe: str | None = Field(default=None, description="HOST:PORT of the probe's SNMP agent")
    community: str | None = None
    poll_seconds: float = Field(default=5.0, gt=0)
    root_map: ConfigPath | None = None
    # Map backgrounds are read only from the root map's folder and these (console/plan/backgrounds.py).
    background_folders: list[ConfigPath] = Field(default_factory=list)
    language: Literal["ru", "en"] = "ru"
    # SNMPv3 instead of a community: version = "v3" and [console.user] (as [[snmp.v3.users]]).
    version: Literal["v2c", "v3"] = "v2c"
    user: SnmpV3User | None = None
    timeout_seconds: float = Field(default=2.0, gt=0)
    history_hours: float = Field(default=6.0, gt=0, le=24 * 31)
    # Which tests' assessments make a point's worst level: its Plan icon, its Dashboard lamp and
    # the maps above it, alike (empty: every test, loyalty drivers included).
    level_tests: list[str] = Field(default_factory=list)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    cockpit: CockpitConfig = Field(default_factory=CockpitConfig)
