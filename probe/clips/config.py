"""`[clips]`: audio fragments cut around presses (docs/clips.md).

Declared as the `clips` entry of `prolan.sections`; read with `config.section(ClipsConfig)`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from probe.config import ConfigPath, Section
from probe.topology import BUTTON_KINDS


class ClipsConfig(Section):
    """`[clips]`: audio fragments cut around presses (see docs/clips.md)."""

    SECTION: ClassVar[str] = "clips"

    enabled: bool = Field(default=False, description="cut continuously in `prolan-probe run`")
    recordings: ConfigPath | None = Field(
        default=None, description="one folder per point, files YYYYmmdd-HHMMSS.ext"
    )
    output: ConfigPath | None = Field(
        default=None, description="where fragments go (default: data folder/clips)"
    )
    kinds: list[str] = Field(default_factory=lambda: ["negative", "force_majeure"])
    before_seconds: float = Field(default=60.0, ge=0)
    after_seconds: float = Field(default=60.0, ge=0)
    format: str | None = Field(
        default=None, description="output format (wav, mp3, ogg, flac…); default: the source's"
    )
    poll_seconds: float = Field(default=60.0, gt=0, description="how often the service looks for due presses")
    retry_minutes: float = Field(
        default=10.0, gt=0, description="wait before looking again for a missing recording"
    )
    give_up_hours: float = Field(
        default=48.0, ge=0, description="after this, cut what exists or record 'missing'"
    )
    lookback_days: float = Field(default=7.0, gt=0, description="presses older than this are not looked at")
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    sox: str = Field(
        default="sox", description="cuts single-file FLAC/Ogg/WAV pieces faster; '' = ffmpeg only"
    )

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        bad = [kind for kind in value if kind not in BUTTON_KINDS]
        if bad:
            raise ValueError(f"unknown button kind(s) {', '.join(bad)}; known: {', '.join(BUTTON_KINDS)}")
        return value

    @field_validator("format")
    @classmethod
    def _plain_extension(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().lstrip(".").lower()
        if not text.isalnum() or len(text) > 8:
            raise ValueError("must be a file extension ffmpeg knows, e.g. 'wav', 'mp3', 'ogg', 'flac'")
        return text
