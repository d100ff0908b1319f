"""`[notifier]`: rules, recipients, SMTP, the SMS modem and the outbox (docs/notifications.md).

Declared as the `notifier` entry of `prolan.sections`; read with `config.section(NotifierConfig)`.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, Strict, field_validator, model_validator

from notifier.rules import parse_hours
from notifier.sandbox import RenderLimits
from probe.config import ConfigPath, Section
from probe.levels import Level
from probe.topology import BUTTON_KINDS

ButtonKind = Literal["positive", "negative", "passive", "force_majeure", "seller", "red"]
assert set(ButtonKind.__args__) == set(BUTTON_KINDS)  # type: ignore[attr-defined]


def _hours_range(value: str) -> str:
    """Validate "HH:MM-HH:MM" (local time; the end may be earlier than the start: over midnight)."""
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
    ca_file: ConfigPath | None = None

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

    subject: ConfigPath | None = None
    text: ConfigPath | None = None
    html: ConfigPath | None = None
    sms: ConfigPath | None = None


class NotifierRule(Section):
    name: str
    metrics: str = Field(default="*", description="fnmatch glob on full metric names")
    test: str | None = None
    point: str | None = Field(default=None, description="fnmatch glob on the point name")
    level: Annotated[Level, Strict(False)] = Level.ATTENTION  # given by its name, e.g. "bad"
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
    # How much evidence an evaluation needs to count (issue 21): the count behind a percentage
    # (its denominator), and whether the level its 95 % range proves is counted instead of the
    # value's. Metrics without a count (plain counts, minutes) are counted as before.
    min_votes: int | None = Field(default=None, ge=1, le=1_000_000)
    evidence: bool = False

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


class PressRule(Section):
    """`[[notifier.press_rules]]`: a single press is the news (docs/notifications.md). Every
    criterion given must hold (kinds AND pads AND ...); a criterion left out matches any press."""

    name: str
    kinds: list[ButtonKind] = Field(default_factory=list, description="button kinds, e.g. force_majeure")
    pads: list[str] = Field(default_factory=list, description="pad ids (fnmatch globs allowed)")
    buttons: list[int] = Field(default_factory=list, description="button numbers on the pad")
    point: str | None = Field(default=None, description="fnmatch glob on the point name")
    region: str | None = Field(default=None, description="fnmatch glob on the point's region path")
    questions: list[str] = Field(default_factory=list, description="question ids (Опросы)")
    recipients: list[str] = Field(min_length=1)
    channels: list[Literal["email", "sms"]] = Field(default=["email"], min_length=1)
    # Per rule and point: the first press is announced at once, later ones inside the window are
    # gathered into one message at its end ("and 4 more presses since 10:02"); 0 = every press.
    at_most_every_minutes: float = Field(default=5.0, ge=0, le=7 * 24 * 60)
    # A press older than this when it is stored (a late batch, the spool after an outage) is
    # counted in the metrics but not announced; 0 = any age.
    max_age_minutes: float = Field(default=30.0, ge=0)
    quiet_hours: str | None = None
    respect_opening_hours: bool = True
    language: Literal["ru", "en"] | None = None
    templates: RuleTemplates = Field(default_factory=RuleTemplates)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_range(cls, value: str | None) -> str | None:
        return None if value is None else _hours_range(value)

    @model_validator(mode="after")
    def _some_criterion(self) -> PressRule:
        if not (self.kinds or self.pads or self.buttons or self.point or self.region or self.questions):
            raise ValueError(
                "a press rule needs at least one of kinds, pads, buttons, point, region, questions "
                "(without any it would announce every press)"
            )
        return self


class OutboxConfig(Section):
    poll_seconds: float = Field(default=5.0, gt=0)
    retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(default=48, ge=1)
    # A row left "sending" by a process that died is retried after this long.
    claim_timeout_seconds: float = Field(default=600.0, gt=0)


class NotifierConfig(Section):
    SECTION: ClassVar[str] = "notifier"

    enabled: bool = True
    language: Literal["ru", "en"] = "ru"
    # Where links in messages point (e.g. the console's map of the point); empty = no link.
    map_url: str = ""
    # Issue 21: the tests whose metrics at a point are "loyalty drivers" listed as likely causes in
    # messages about that point; empty = every test but the notified metric's own.
    driver_tests: list[str] = Field(default_factory=list)
    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None
    recipients: list[RecipientList] = Field(default_factory=list)
    rules: list[NotifierRule] = Field(default_factory=list)
    press_rules: list[PressRule] = Field(default_factory=list)
    # How often the service looks for presses to announce that another process stored (its own
    # ingest wakes it at once), and for gathered presses whose throttle window has ended.
    press_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    # Templates are rendered in a worker process with these limits (notifier/sandbox.py): a
    # template over one fails with its rule and file named instead of stopping the probe.
    render_seconds: float = Field(default=2.0, gt=0, le=60)
    render_memory_mb: int = Field(default=256, ge=32, le=4096)
    render_max_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 2**20)

    def render_limits(self) -> RenderLimits:
        return RenderLimits(self.render_seconds, self.render_memory_mb, self.render_max_bytes)

    @field_validator("rules")
    @classmethod
    def _unique_rule_names(cls, value: list[NotifierRule]) -> list[NotifierRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.name in seen:
                raise ValueError(f"two rules are named {rule.name!r}; rule names must be unique")
            seen.add(rule.name)
        return value

    @field_validator("press_rules")
    @classmethod
    def _unique_press_rule_names(cls, value: list[PressRule], info: Any) -> list[PressRule]:
        # One namespace with the evaluation rules: the outbox, silences and logs name rules alone.
        seen = {rule.name for rule in info.data.get("rules", [])}
        for rule in value:
            if rule.name in seen:
                raise ValueError(f"two rules are named {rule.name!r}; rule names must be unique")
            seen.add(rule.name)
        return value

    @model_validator(mode="after")
    def _channels_configured(self) -> NotifierConfig:
        kinds: tuple[tuple[str, list[NotifierRule | PressRule]], ...] = (
            ("rules", list(self.rules)),
            ("press_rules", list(self.press_rules)),
        )
        for key, rules in kinds:
            for index, rule in enumerate(rules):
                for channel, section in (("email", self.smtp), ("sms", self.sms)):
                    if channel in rule.channels and section is None:
                        raise ValueError(
                            f"{key}[{index}] ({rule.name!r}) sends {channel} but [notifier.{'smtp' if channel == 'email' else 'sms'}] is missing"
                        )
        return self

    def rule(self, name: str) -> NotifierRule | None:
        return next((r for r in self.rules if r.name == name), None)

    def press_rule(self, name: str) -> PressRule | None:
        return next((r for r in self.press_rules if r.name == name), None)
