"""`[history]`: how long raw values and hourly trends are kept (docs/operations.md, "History
retention and trends"). Declared as the `history` entry of `prolan.sections`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from probe.config import Section


class HistoryConfig(Section):
    """`[history]`: raw values for `keep_days`, hourly trends for `trend_days`."""

    SECTION: ClassVar[str] = "history"

    keep_days: int = Field(default=31, ge=1, le=36500, description="days raw values are kept")
    trend_days: int = Field(default=730, ge=1, le=36500, description="days hourly trends are kept")
    # How often the service's housekeeper runs, and how much one of its transactions may touch.
    interval_seconds: float = Field(default=300.0, ge=1.0, le=86400.0)
    batch_rows: int = Field(default=5000, ge=100, le=1_000_000)
    # PostgreSQL: day partitions of metric_values created ahead of today.
    partitions_ahead_days: int = Field(default=3, ge=1, le=60)
