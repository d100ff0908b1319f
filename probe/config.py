"""The probe's configuration: one TOML file, validated at start.

Every section is a pydantic model with defaults in code; unknown keys are errors, so a typo
never silently falls back to a default. `load_config` turns any problem into one `ConfigError`
whose message names the file and the key (or the TOML line) and says what is wrong.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_CONFIG = "PROLAN_CONFIG"


class ConfigError(Exception):
    """A configuration problem, already worded for the operator (file, key, what is wrong)."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=True)


def default_data_dir() -> Path:
    """The user's data folder for the embedded database and spools (XDG on Linux)."""
    override = os.environ.get("PROLAN_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("prolan-probe", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'aggregator.sqlite'}"


class DatabaseConfig(Section):
    url: str = Field(default_factory=default_database_url, description="SQLAlchemy URL of the aggregator")
    pool_timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 5.0

    @field_validator("url")
    @classmethod
    def _known_dialect(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme.split("+", 1)[0] not in {"sqlite", "postgresql", "mssql"}:
            raise ValueError(
                "must be an SQLAlchemy URL: sqlite:///PATH, postgresql+psycopg://USER@HOST/DB "
                "or mssql+pyodbc://USER:PASSWORD@DSN"
            )
        return value


class TestSettings(Section):
    """Per-test settings: `[tests.LOYALTY_MON]`."""

    enabled: bool = True
    interval_minutes: int | None = Field(default=None, ge=1, le=1440)
    timeout_seconds: float = Field(default=120.0, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    # Per-point threshold overrides: {"Калужская" = {"% негативных ответов. Интервал 10 мин" = [10, 20, 30, 40]}}
    thresholds: dict[str, dict[str, list[float]]] = Field(default_factory=dict)
    # Use hour-of-week rows of threshold_overrides (`prolan-probe baseline --hour-of-week --apply`).
    hour_of_week_thresholds: bool = False


class TestsConfig(Section):
    model_config = ConfigDict(extra="allow")

    dirs: list[Path] = Field(default_factory=list, description="extra folders with evaluation tests")
    grace_seconds: float = Field(default=20.0, ge=0, description="wait after a boundary for late presses")
    catch_up_intervals: int = Field(
        default=144, ge=0, description="missed intervals evaluated after downtime"
    )

    def settings_for(self, name: str) -> TestSettings:
        extra = self.model_extra or {}
        raw = extra.get(name)
        if raw is None:
            return TestSettings()
        if isinstance(raw, TestSettings):
            return raw
        return TestSettings.model_validate(raw)


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


class SnmpConfig(Section):
    enabled: bool = True
    listen: str = "127.0.0.1:1161"
    enterprise_oid: str = "1.3.6.1.4.1.17184"
    v2c: SnmpV2cConfig = Field(default_factory=SnmpV2cConfig)
    v3: SnmpV3Config = Field(default_factory=SnmpV3Config)
    trap_targets: list[TrapTarget] = Field(default_factory=list)
    max_repetitions: int = Field(default=100, ge=1, le=1000)


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
    tcp: TcpIngestConfig | None = None
    serial: list[SerialIngestConfig] = Field(default_factory=list)
    spool_dir: Path | None = Field(default=None, description="default: <data folder>/spool")
    db_timeout_seconds: float = Field(default=2.0, gt=0, description="slower database writes go to the spool")
    retry_seconds: float = Field(default=5.0, gt=0, description="database retry period while spooling")
    topology_refresh_seconds: float = Field(default=60.0, gt=0)
    counters_flush_seconds: float = Field(default=10.0, gt=0)


class NotifierConfig(Section):
    model_config = ConfigDict(extra="allow")


class ClipsConfig(Section):
    model_config = ConfigDict(extra="allow")

    enabled: bool = False
    recordings: Path | None = None
    output: Path | None = None
    kinds: list[str] = Field(default_factory=lambda: ["negative", "force_majeure"])
    before_seconds: float = Field(default=60.0, ge=0)
    after_seconds: float = Field(default=60.0, ge=0)


class ConsoleConfig(Section):
    model_config = ConfigDict(extra="allow")

    probe: str | None = Field(default=None, description="HOST:PORT of the probe's SNMP agent")
    community: str | None = None
    poll_seconds: float = Field(default=5.0, gt=0)
    root_map: Path | None = None
    language: Literal["ru", "en"] = "ru"


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None
    max_bytes: int = 10_000_000
    backups: int = 5


class ProbeConfig(Section):
    name: str = "prolan-probe"
    timezone: str = "Europe/Moscow"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    tests: TestsConfig = Field(default_factory=TestsConfig)
    snmp: SnmpConfig = Field(default_factory=SnmpConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    notifier: NotifierConfig = Field(default_factory=NotifierConfig)
    clips: ClipsConfig = Field(default_factory=ClipsConfig)
    console: ConsoleConfig | None = None
    logging: LoggingConfig = Field(default_factory=LoggingConfig)

    # Where the config was read from; relative paths in it are relative to that folder.
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Moscow')") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve_path(self, path: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        if path.is_absolute() or self.source is None:
            return path
        return self.source.parent / path


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def format_validation_error(source: str, error: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    lines = []
    for err in error.errors():
        key = _location((*prefix, *err["loc"]))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see probe.example.toml)"
        elif err["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{source}: key '{key}': {message}")
    return "\n".join(lines)


def parse_config(data: dict[str, Any], source: Path | None = None) -> ProbeConfig:
    name = str(source) if source else "<config>"
    try:
        config = ProbeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(name, exc)) from None
    config.source = source
    # Per-test sections are free-form keys of [tests]; validate them now so errors show at start.
    for key, value in (config.tests.model_extra or {}).items():
        try:
            TestSettings.model_validate(value)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(name, exc, ("tests", key))) from None
    return config


def load_config(path: Path | str | None = None) -> ProbeConfig:
    """Read and validate the config; no file given (and no $PROLAN_CONFIG) means all defaults."""
    if path is None:
        env = os.environ.get(ENV_CONFIG)
        if not env:
            return parse_config({})
        path = env
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, path.resolve())
