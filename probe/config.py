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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from probe.levels import Level
from probe.snmp.oids import parse_oid

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
    builtin: bool = Field(default=True, description="load the tests shipped in tests_scripts/")
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

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or int(port) > 65535:
            raise ValueError("expected HOST:PORT, e.g. 127.0.0.1:1161 or [::1]:1161")
        return value

    @field_validator("enterprise_oid")
    @classmethod
    def _numeric_oid(cls, value: str) -> str:
        try:
            parse_oid(value)
        except ValueError:
            raise ValueError("expected a numeric OID such as 1.3.6.1.4.1.17184") from None
        return value


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


def _hours_range(value: str) -> str:
    """Validate "HH:MM-HH:MM" (local time; the end may be earlier than the start: over midnight)."""
    from notifier.rules import parse_hours  # the parser is the notifier's pure core

    parse_hours(value)
    return value


class SmtpConfig(Section):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "prolan-probe@localhost"
    starttls: bool = False  # upgrade a plain connection with STARTTLS (usually port 587)
    tls: bool = False  # implicit TLS from the first byte (usually port 465)
    user: str | None = None
    password: str = ""
    password_env: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    # Verify the server's certificate (turn off only for a self-signed test server).
    verify_certificate: bool = True
    ca_file: Path | None = None

    def resolved_password(self) -> str:
        return os.environ.get(self.password_env, "") if self.password_env else self.password

    @field_validator("tls")
    @classmethod
    def _one_tls_mode(cls, value: bool, info: Any) -> bool:
        if value and info.data.get("starttls"):
            raise ValueError("choose either starttls = true or tls = true, not both")
        return value


class SmsConfig(Section):
    port: str = Field(description="serial device of the GSM modem, e.g. /dev/ttyUSB0")
    baudrate: int = 115200
    pin: str | None = None
    pin_env: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, description="wait for each modem answer")
    # Ask the modem to keep undelivered messages this long (TP-VP relative; 0 = no validity period).
    validity_hours: int = Field(default=24, ge=0, le=24 * 63)

    def resolved_pin(self) -> str | None:
        return os.environ.get(self.pin_env) if self.pin_env else self.pin


class RecipientMember(Section):
    name: str
    email: str | None = None
    phone: str | None = None
    language: Literal["ru", "en"] | None = None

    @field_validator("phone")
    @classmethod
    def _phone_digits(cls, value: str | None) -> str | None:
        if value is None:
            return value
        digits = value.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
        if not digits.lstrip("+").isdigit() or len(digits.lstrip("+")) < 3:
            raise ValueError(
                f"phone {value!r} must be digits, optionally with a leading + (e.g. +79990000000)"
            )
        return digits


class RecipientList(Section):
    name: str
    members: list[RecipientMember] = Field(default_factory=list)


class RuleTemplates(Section):
    """Per-rule template files (Jinja2), relative to the config file; unset = the defaults."""

    subject: Path | None = None
    text: Path | None = None
    html: Path | None = None
    sms: Path | None = None


class NotifierRule(Section):
    name: str
    metrics: str = Field(default="*", description="fnmatch glob on full metric names")
    test: str | None = None
    point: str | None = Field(default=None, description="fnmatch glob on the point name")
    level: Level = Level.ATTENTION
    consecutive: int = Field(default=1, ge=1, le=10_000)
    recipients: list[str] = Field(min_length=1)
    channels: list[Literal["email", "sms"]] = Field(default=["email"], min_length=1)
    escalate_after: int | None = Field(default=None, ge=1)
    escalate_to: list[str] = Field(default_factory=list)
    recovery: bool = True
    recovery_after: int = Field(default=1, ge=1, le=10_000, description="better evaluations before recovery")
    quiet_hours: str | None = None
    respect_opening_hours: bool = True
    language: Literal["ru", "en"] | None = None
    templates: RuleTemplates = Field(default_factory=RuleTemplates)
    last_values: int = Field(default=6, ge=1, le=100)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_range(cls, value: str | None) -> str | None:
        return None if value is None else _hours_range(value)

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: Level) -> Level:
        if value is Level.UNKNOWN:
            raise ValueError("a rule counts a level or worse: good, acceptable, attention, edge or bad")
        return value

    @field_validator("escalate_to")
    @classmethod
    def _escalation_pairs(cls, value: list[str], info: Any) -> list[str]:
        if value and info.data.get("escalate_after") is None:
            raise ValueError("escalate_to needs escalate_after (how many more evaluations)")
        return value


class OutboxConfig(Section):
    poll_seconds: float = Field(default=5.0, gt=0)
    retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(default=48, ge=1)
    # A row left "sending" by a process that died is retried after this long.
    claim_timeout_seconds: float = Field(default=600.0, gt=0)


class NotifierConfig(Section):
    enabled: bool = True
    language: Literal["ru", "en"] = "ru"
    # Where links in messages point (e.g. the console's map of the point); empty = no link.
    map_url: str = ""
    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None
    recipients: list[RecipientList] = Field(default_factory=list)
    rules: list[NotifierRule] = Field(default_factory=list)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)

    @field_validator("rules")
    @classmethod
    def _unique_rule_names(cls, value: list[NotifierRule]) -> list[NotifierRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.name in seen:
                raise ValueError(f"two rules are named {rule.name!r}; rule names must be unique")
            seen.add(rule.name)
        return value

    @model_validator(mode="after")
    def _channels_configured(self) -> NotifierConfig:
        for index, rule in enumerate(self.rules):
            for channel, section in (("email", self.smtp), ("sms", self.sms)):
                if channel in rule.channels and section is None:
                    raise ValueError(
                        f"rules[{index}] ({rule.name!r}) sends {channel} but [notifier.{'smtp' if channel == 'email' else 'sms'}] is missing"
                    )
        return self

    def rule(self, name: str) -> NotifierRule | None:
        return next((r for r in self.rules if r.name == name), None)


class ClipsConfig(Section):
    """`[clips]`: audio fragments cut around presses (see docs/clips.md)."""

    enabled: bool = Field(default=False, description="cut continuously in `prolan-probe run`")
    recordings: Path | None = Field(
        default=None, description="one folder per point, files YYYYmmdd-HHMMSS.ext"
    )
    output: Path | None = Field(default=None, description="where fragments go (default: data folder/clips)")
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
        from probe.topology import BUTTON_KINDS  # here: config must stay importable on its own

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

    layout: Path | None = Field(default=None, description="a layout saved from the Cockpit (JSON)")
    tests: list[str] = Field(default_factory=list)
    points: list[str] = Field(default_factory=lambda: ["АЗС Тёплый Стан", "Калужская"])
    name_contains: str = "Интервал"
    hours: int = Field(default=24, ge=1, le=24 * 62)


class ConsoleConfig(Section):
    model_config = ConfigDict(extra="allow")

    probe: str | None = Field(default=None, description="HOST:PORT of the probe's SNMP agent")
    community: str | None = None
    poll_seconds: float = Field(default=5.0, gt=0)
    root_map: Path | None = None
    language: Literal["ru", "en"] = "ru"
    # SNMPv3 instead of a community: version = "v3" and [console.user] (as [[snmp.v3.users]]).
    version: Literal["v2c", "v3"] = "v2c"
    user: SnmpV3User | None = None
    timeout_seconds: float = Field(default=2.0, gt=0)
    history_hours: float = Field(default=6.0, gt=0, le=24 * 31)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    cockpit: CockpitConfig = Field(default_factory=CockpitConfig)


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
