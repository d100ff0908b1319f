"""The probe's configuration: one TOML file, validated at start.

Every section is a pydantic model with defaults in code; unknown keys are errors, so a typo
never silently falls back to a default. `load_config` turns any problem into one `ConfigError`
whose message names the file and the key (or the TOML line) and says what is wrong.

This module holds only the core's sections (name, timezone, database, tests, logging). Each
subsystem declares its own section model in its package (`[snmp]` in `probe.snmp.config`,
`[notifier]` in `notifier.config`, ...) through the `prolan.sections` entry-point group (see
`probe.plugins`); `parse_config` validates those sections too, and code reads one with the typed
`config.section(NotifierConfig)`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, ValidationError, field_validator

from probe import plugins

ENV_CONFIG = "PROLAN_CONFIG"


class ConfigError(Exception):
    """A configuration problem, already worded for the operator (file, key, what is wrong)."""


class Section(BaseModel):
    # strict: a value of the wrong type is an error, never converted ("100" is not a number,
    # 1 is not true); paths and named levels are the exceptions, given as strings (ConfigPath).
    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=True, strict=True)

    # The top-level TOML table of a subsystem's section model (its `prolan.sections` entry name).
    SECTION: ClassVar[str] = ""


SectionT = TypeVar("SectionT", bound=Section)
# A path in the config: TOML gives it as a string (strict mode would want a Path object).
ConfigPath = Annotated[Path, Strict(False)]


def check_listen(value: str, example: str) -> str:
    """A `HOST:PORT` listen address: port 0..65535, an IP address that is one (256.1.1.1 is not),
    or a host name; `[::1]:1161` for IPv6. Returns the value; ValueError worded for the operator."""
    host, sep, port = value.rpartition(":")
    host = host.strip()
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(
            f"expected HOST:PORT with a port 0..65535, e.g. {example} or [::1]:{example.rsplit(':', 1)[1]}"
        )
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    looks_numeric = all(part.isdigit() for part in bare.split(".")) or ":" in bare
    if looks_numeric:
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            raise ValueError(f"{bare!r} is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or ::)") from None
    elif not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*\.?", bare):
        raise ValueError(f"{bare!r} is neither an IP address nor a host name")
    return value


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
    # "value" (SPEC §4): the level of the value. "evidence" (issue 21): a metric with a 95 %
    # interval gets the level of the end the counts prove (the low end when higher is worse, the
    # high end when higher is better), so a level is only as bad as the evidence supports.
    assess_by: Literal["value", "evidence"] = "value"


class TestsConfig(Section):
    model_config = ConfigDict(extra="allow")

    dirs: list[ConfigPath] = Field(default_factory=list, description="extra folders with evaluation tests")
    builtin: bool = Field(default=True, description="load the tests shipped in tests_scripts/")
    grace_seconds: float = Field(default=20.0, ge=0, description="wait after a boundary for late presses")
    catch_up_intervals: int = Field(
        default=144, ge=0, description="missed intervals evaluated after downtime"
    )
    follow_seconds: float = Field(
        default=5.0,
        gt=0,
        le=15,
        description="how often the service looks for runs other processes stored (PostgreSQL: at once, by NOTIFY)",
    )

    def settings_for(self, name: str) -> TestSettings:
        extra = self.model_extra or {}
        raw = extra.get(name)
        if raw is None:
            return TestSettings()
        if isinstance(raw, TestSettings):
            return raw
        return TestSettings.model_validate(raw)


class HaConfig(Section):
    """`[ha]`: one active probe service per aggregator, the others hot standbys (probe.lease)."""

    lease_seconds: float = Field(
        default=15.0,
        ge=1.0,
        le=60.0,
        description="how long the active service's lease lasts unrenewed: a standby takes over this long "
        "after the active one died (renewed every third of it)",
    )


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: ConfigPath | None = None
    max_bytes: int = 10_000_000
    backups: int = 5


class ProbeConfig(Section):
    name: str = "prolan-probe"
    timezone: str = "Europe/Moscow"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    tests: TestsConfig = Field(default_factory=TestsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    ha: HaConfig = Field(default_factory=HaConfig)

    # Where the config was read from; relative paths in it are relative to that folder.
    source: Path | None = Field(default=None, exclude=True)

    # The subsystems' sections by name (validated by parse_config), and which ones the file gave.
    _sections: dict[str, Section] = PrivateAttr(default_factory=dict)
    _given: set[str] = PrivateAttr(default_factory=set)

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

    @property
    def origin(self) -> str:
        """The config file, as messages name it (`<config>` for the built-in defaults)."""
        return str(self.source) if self.source else "<config>"

    def section(self, model: type[SectionT]) -> SectionT:
        """A subsystem's section, e.g. `config.section(NotifierConfig)`: as the file gave it, or
        its defaults. The same object every time, so a change to it is seen by every reader."""
        name = model.SECTION
        if not name:
            raise TypeError(f"{model.__name__} is not a subsystem section (no SECTION name)")
        value = self._sections.get(name)
        if value is None:
            value = self._sections[name] = model()
        if not isinstance(value, model):
            raise TypeError(f"[{name}] holds a {type(value).__name__}, not a {model.__name__}")
        return value

    def explicit_section(self, model: type[SectionT]) -> SectionT | None:
        """The section only if the file has it (for subsystems whose absence means something)."""
        return self.section(model) if model.SECTION in self._given else None

    def set_section(self, value: Section, *, given: bool = True) -> None:
        """Put a subsystem's section in place (parse_config, and tests building configs)."""
        self._sections[value.SECTION] = value
        if given:
            self._given.add(value.SECTION)

    def resolve_path(self, path: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        if path.is_absolute() or self.source is None:
            return path
        return self.source.parent / path


UNKNOWN_KEY = "unknown key (check the spelling; see probe.example.toml)"


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
            message = UNKNOWN_KEY
        elif err["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{source}: key '{key}': {message}")
    return "\n".join(lines)


def _subsystem_sections(name: str, data: dict[str, Any]) -> tuple[list[Section], list[str]]:
    """Validate the top-level tables that belong to subsystems; return the sections and the
    error lines (unknown names, sections of subsystems that failed to load, bad keys)."""
    models = plugins.section_models()
    sections: list[Section] = []
    errors: list[str] = []
    for key, value in data.items():
        model = models.get(key)
        if model is None:
            failure = plugins.failed_section(key)
            if failure is not None:
                errors.append(f"{name}: key '{key}': {failure}")
            else:
                hint = "" if models else " (no subsystem is installed: reinstall with 'pip install -e .')"
                errors.append(f"{name}: key '{key}': {UNKNOWN_KEY}{hint}")
            continue
        try:
            sections.append(model.model_validate(value))
        except ValidationError as exc:
            errors.append(format_validation_error(name, exc, (key,)))
    # Sections the file leaves out get their defaults now, so a bad default shows at start too.
    for key, model in models.items():
        if key not in data:
            try:
                sections.append(model())
            except ValidationError as exc:
                errors.append(format_validation_error(name, exc, (key,)))
    return sections, errors


def parse_config(data: dict[str, Any], source: Path | None = None) -> ProbeConfig:
    name = str(source) if source else "<config>"
    core_keys = set(ProbeConfig.model_fields)
    core = {key: value for key, value in data.items() if key in core_keys}
    errors: list[str] = []
    config: ProbeConfig | None = None
    try:
        config = ProbeConfig.model_validate(core)
    except ValidationError as exc:
        errors.append(format_validation_error(name, exc))
    sections, section_errors = _subsystem_sections(
        name, {key: value for key, value in data.items() if key not in core_keys}
    )
    errors.extend(section_errors)
    if errors or config is None:
        raise ConfigError("\n".join(errors))
    config.source = source
    for section in sections:
        config.set_section(section, given=section.SECTION in data)
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
