"""Message texts: Jinja2 in a sandbox, Russian and English defaults, per-rule overrides.

Every template is compiled *and* rendered once with a sample context when the notifier starts
(`TemplateSet.check`), so a syntax error or an unknown variable is reported then, with the
template's file and line, instead of when the first incident fires at night. Rendering happens in
a worker process with time, memory and output limits (`notifier.sandbox`): a template that loops
for ever or builds a gigabyte fails with a clear error instead of stopping the probe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from notifier.causes import Cause, CauseReading
from notifier.i18n import CATALOG, text_in
from notifier.incidents import Sample
from notifier.sandbox import Job, RenderError, SandboxRenderer, shared_renderer
from probe.assess import ThresholdTable
from probe.evidence import interval_text
from probe.i18n import N_
from probe.levels import LEVEL_COLOURS, Level

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates"
Part = Literal["subject", "text", "html", "sms"]
PARTS: tuple[Part, ...] = ("subject", "text", "html", "sms")
Language = Literal["ru", "en"]

# The words of notifications, English in the source and translated by the notifier's gettext
# catalogue into the language of each message (`text_in`).
_KINDS = {
    "fire": N_("alert"),
    "escalate": N_("escalation"),
    "recover": N_("recovery"),
    "test": N_("test"),
    "press": N_("press"),
}
_BUTTON_KINDS = {
    "positive": N_("positive"),
    "negative": N_("negative"),
    "passive": N_("passive"),
    "force_majeure": N_("force majeure"),
    "seller": N_("seller button"),
    "red": N_("red button"),
}
_PERIODS = {"interval": N_("interval"), "day": N_("day")}
_LANGUAGES: tuple[Language, ...] = ("ru", "en")
KIND_TEXT = {lang: {kind: text_in(lang, word) for kind, word in _KINDS.items()} for lang in _LANGUAGES}
BUTTON_KIND_TEXT = {
    lang: {kind: text_in(lang, word) for kind, word in _BUTTON_KINDS.items()} for lang in _LANGUAGES
}
PERIOD_TEXT = {
    lang: {period: text_in(lang, word) for period, word in _PERIODS.items()} for lang in _LANGUAGES
}
_LEVELS = {
    Level.GOOD: N_("good"),
    Level.ACCEPTABLE: N_("acceptable"),
    Level.ATTENTION: N_("attention"),
    Level.EDGE: N_("on the edge"),
    Level.BAD: N_("bad"),
    Level.UNKNOWN: N_("no data"),
}


class TemplateProblem(Exception):
    """A template that cannot be used; the message names the file and line."""


def level_text(level: Level | None, language: Language) -> str:
    if level is None:
        return text_in(language, "not assessed")
    return text_in(language, _LEVELS[level])


def format_value(value: float | None, language: Language) -> str:
    if value is None:
        return text_in(language, "no value")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "ru" else text


def thresholds_text(table: ThresholdTable | None, language: Language) -> str:
    if table is None:
        return text_in(language, "none")
    b = [format_value(x, language) for x in table.bounds]
    if table.direction == "equal":
        return f"= {b[0]}"
    arrow = text_in(language, "↑ worse")
    if table.direction == "higher_better":
        arrow = text_in(language, "↑ better")
    return f"{' / '.join(b)} ({arrow})"


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What messages say about a metric (from a MetricState or the metrics table)."""

    id: int
    key: str
    name: str
    short_name: str
    test: str
    point: str | None = None
    region: str | None = None
    unit: str = ""
    thresholds: ThresholdTable | None = None


SAMPLE_METRIC = MetricInfo(
    id=0,
    key="loyalty_mon.sokok.kaluzhskaia.pct_negativnykh_otvetov.interval",
    name="LOYALTY_MON. СОКОК. Калужская. % негативных ответов. Интервал 10 мин",
    short_name="% негативных ответов",
    test="LOYALTY_MON",
    point="Калужская",
    region="Москва/ЮЗАО",
    unit="%",
    thresholds=ThresholdTable.higher_worse(20, 40, 60, 80),
)


def build_context(
    *,
    kind: str,
    rule: str,
    rule_level: Level,
    consecutive: int,
    metric: MetricInfo,
    value: float | None,
    level: Level | None,
    at: dt.datetime,
    incident_start: dt.datetime | None,
    last_values: Sequence[Sample],
    matches_since_fire: int,
    incident_number: int,
    probe: str,
    tz: dt.tzinfo,
    language: Language,
    map_url: str = "",
    evidence: Sample | None = None,
    causes: Sequence[Cause] = (),
) -> dict[str, Any]:
    """The variables every template sees (docs/notifications.md lists them). Times are aware on
    input and local (the probe's zone) in the texts. `evidence`: the evaluation's sample, whose
    95 % interval and count (issue 21) the templates get as `low`, `high`, `votes`, …"""

    def local(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if moment is None:
            return ""
        return moment.astimezone(tz).strftime(fmt)

    map_link = ""
    if map_url:
        map_link = map_url.format(
            point=metric.point or "", key=metric.key, test=metric.test, metric_id=metric.id
        )
    return {
        "kind": kind,
        "kind_text": KIND_TEXT[language][kind],
        "rule": rule,
        "rule_level": rule_level.value,
        "rule_level_text": level_text(rule_level, language),
        "consecutive": consecutive,
        "metric": metric.name,
        "metric_key": metric.key,
        "metric_id": metric.id,
        "short_name": metric.short_name,
        "test": metric.test,
        "point": metric.point,
        "region": metric.region,
        "unit": metric.unit,
        "value": value,
        "value_text": format_value(value, language),
        "level": level.value if level else None,
        "level_text": level_text(level, language),
        "level_colour": LEVEL_COLOURS[level or Level.UNKNOWN][0],
        "thresholds": (
            {"direction": metric.thresholds.direction, "bounds": list(metric.thresholds.bounds)}
            if metric.thresholds
            else None
        ),
        "thresholds_text": thresholds_text(metric.thresholds, language),
        "at": local(at),
        "incident_start": local(incident_start),
        "incident_start_short": local(incident_start, "%d.%m %H:%M"),
        "incident_number": incident_number,
        "matches_since_fire": matches_since_fire,
        **evidence_variables(evidence, language),
        **cause_variables(causes, tz, language),
        "last_values": [
            {
                "at": local(s.at, "%H:%M"),
                "value": s.value,
                "value_text": format_value(s.value, language),
                "level": s.level.value if s.level else None,
                "level_text": level_text(s.level, language),
                "colour": LEVEL_COLOURS[s.level or Level.UNKNOWN][0],
                **evidence_variables(s, language),
            }
            for s in last_values
        ],
        "probe": probe,
        "map_url": map_link,
        "map_label": (metric.point or text_in(language, "Whole company")),
        "language": language,
    }


def cause_variables(causes: Sequence[Cause], tz: dt.tzinfo, language: Language) -> dict[str, Any]:
    """The likely causes (issue 21): `causes`, one per driver metric at the point that was
    attention or worse during the incident — `name`, `short_name`, `test`, `unit`, its worst
    reading (`value_text`, `level_text`, `at`) and every such reading in `readings` — and
    `causes_text`, one line: `Длина очереди (среднее) 9 (на грани); …`."""
    out: list[dict[str, Any]] = []
    for cause in causes:
        worst = cause.worst
        out.append(
            {
                "name": cause.name,
                "short_name": cause.short_name,
                "test": cause.test,
                "unit": cause.unit,
                "at": worst.at.astimezone(tz).strftime("%H:%M"),
                "value_text": format_value(worst.value, language),
                "level_text": level_text(worst.level, language),
                "readings": [
                    {
                        "at": r.at.astimezone(tz).strftime("%H:%M"),
                        "value_text": format_value(r.value, language),
                        "level_text": level_text(r.level, language),
                        "colour": LEVEL_COLOURS[r.level][0],
                    }
                    for r in cause.readings
                ],
            }
        )
    text = "; ".join(
        f"{c['short_name']} {c['value_text']}{' ' + c['unit'] if c['unit'] else ''} ({c['level_text']})"
        for c in out
    )
    return {"causes": out, "causes_text": text}


def votes_text(votes: int | None, language: Language) -> str:
    """`12 голосов` / `12 votes` ("" without a count)."""
    if votes is None:
        return ""
    return CATALOG.ngettext("{count} vote", "{count} votes", votes, language).format(count=votes)


def evidence_variables(sample: Sample | None, language: Language) -> dict[str, Any]:
    """How sure a value is (issue 21): `low`, `high` (None without an interval), `low_text`,
    `high_text`, `votes`, `votes_text`, `bounds_text` (`21–100 %`) and `interval_text`
    (`21–100 %, 1 голос`); the texts are "" without an interval."""
    expected = sample.expected if sample is not None else None
    low = sample.low if sample is not None else None
    high = sample.high if sample is not None else None
    votes = sample.votes if sample is not None else None
    bounds = interval_text(low, high, decimal_comma=language == "ru")
    counted = votes_text(votes, language) if bounds else ""
    return {
        "low": low,
        "high": high,
        "low_text": "" if low is None else format_value(low, language),
        "high_text": "" if high is None else format_value(high, language),
        "votes": votes,
        "votes_text": votes_text(votes, language),
        "bounds_text": bounds,
        "interval_text": f"{bounds}, {counted}" if bounds else "",
        # What the test expected instead (a silent pad: the presses its history expects).
        "expected": expected,
        "expected_text": "" if expected is None else format_value(expected, language),
    }


def sample_context(language: Language, probe: str = "prolan-probe") -> dict[str, Any]:
    """A realistic context for checks at start-up and `notify test`."""
    now = dt.datetime(2026, 3, 2, 9, 0)
    info = SAMPLE_METRIC
    values = [
        Sample(now - dt.timedelta(minutes=10 * i), 45.0 + i, Level.ATTENTION, 30.0 + i, 60.0 + i, 40)
        for i in range(5, -1, -1)
    ]
    return build_context(
        kind="test",
        rule="sample",
        rule_level=Level.ATTENTION,
        consecutive=5,
        metric=info,
        value=45.0,
        level=Level.ATTENTION,
        at=now,
        incident_start=now - dt.timedelta(minutes=50),
        last_values=values,
        matches_since_fire=0,
        incident_number=1,
        probe=probe,
        tz=dt.UTC,
        language=language,
        map_url="",
        evidence=values[-1],
        causes=[
            Cause(
                99,
                "QUEUE_LEN. Калужская. Длина очереди (среднее). Интервал 10 мин",
                "Длина очереди (среднее)",
                "QUEUE_LEN",
                "",
                (CauseReading(now, 7.5, Level.EDGE),),
            )
        ],
    )


@dataclass(frozen=True, slots=True)
class PressInfo:
    """What press messages say about one press."""

    pressed_at: dt.datetime  # aware
    kind: str
    pad_id: str
    button: int
    question_id: str | None = None
    question: str | None = None  # its text


@dataclass(frozen=True, slots=True)
class Assessment:
    """One current assessment of the point, for press messages."""

    metric: str
    short_name: str
    question: str | None
    period: str | None
    value: float | None
    unit: str
    level: Level
    at: dt.datetime  # aware: end of its interval


def build_press_context(
    *,
    rule: str,
    point: str,
    region: str,
    press: PressInfo,
    others: Sequence[PressInfo],
    assessments: Sequence[Assessment],
    last_hour: Mapping[str, int],
    alert_id: int,
    probe: str,
    tz: dt.tzinfo,
    language: Language,
    map_url: str = "",
) -> dict[str, Any]:
    """The variables of press messages (docs/notifications.md lists them): the shared ones of
    every message (`kind`, `rule`, `point`, `region`, `at`, `probe`, `map_url`, ...) and the press,
    the presses gathered with it, the point's current assessments and the last hour's counts."""

    def local(moment: dt.datetime, fmt: str) -> str:
        return moment.astimezone(tz).strftime(fmt)

    def press_dict(item: PressInfo) -> dict[str, Any]:
        return {
            "time": local(item.pressed_at, "%Y-%m-%d %H:%M:%S"),
            "time_short": local(item.pressed_at, "%H:%M"),
            "kind": item.kind,
            "kind_text": BUTTON_KIND_TEXT[language].get(item.kind, item.kind),
            "pad": item.pad_id,
            "button": item.button,
            "question_id": item.question_id,
            "question": item.question,
        }

    ordered = sorted(assessments, key=lambda a: (-a.level.severity, a.period != "interval", a.metric))
    worst = Level.worst([a.level for a in assessments]) if assessments else None
    map_link = map_url.format(point=point, key="", test="", metric_id="") if map_url else ""
    counts = {kind: int(last_hour.get(kind, 0)) for kind in BUTTON_KIND_TEXT[language]}
    return {
        "kind": "press",
        "kind_text": KIND_TEXT[language]["press"],
        "rule": rule,
        "point": point,
        "region": region,
        "at": local(press.pressed_at, "%Y-%m-%d %H:%M"),
        "press": press_dict(press),
        "presses": [press_dict(item) for item in [*others, press]],
        "count": 1 + len(others),
        "more_presses": len(others),
        "more_since": local(min(o.pressed_at for o in others), "%H:%M") if others else "",
        "more_presses_text": (
            more_presses_text(len(others), local(min(o.pressed_at for o in others), "%H:%M"), language)
            if others
            else ""
        ),
        "assessments": [
            {
                "metric": a.metric,
                "short_name": a.short_name,
                "question": a.question,
                "period": a.period,
                "period_text": PERIOD_TEXT[language].get(a.period or "", ""),
                "value": a.value,
                "value_text": format_value(a.value, language),
                "unit": a.unit,
                "level": a.level.value,
                "level_text": level_text(a.level, language),
                "colour": LEVEL_COLOURS[a.level][0],
                "at": local(a.at, "%H:%M"),
            }
            for a in ordered
        ],
        "worst_level": worst.value if worst else None,
        "worst_level_text": level_text(worst, language) if worst else "",
        "worst_level_colour": LEVEL_COLOURS[worst or Level.UNKNOWN][0],
        "last_hour": counts,
        "last_hour_total": sum(counts.values()),
        "last_hour_text": ", ".join(
            f"{BUTTON_KIND_TEXT[language][kind]} {count}" for kind, count in counts.items() if count
        ),
        "alert_id": alert_id,
        "ack_command": f"prolan-probe alerts ack {alert_id}",
        "probe": probe,
        "map_url": map_link,
        "map_label": point,
        "language": language,
    }


def more_presses_text(count: int, since: str, language: Language) -> str:
    """ "и ещё 4 нажатия с 10:02" / "and 4 more presses since 10:02" (the catalogue's plurals)."""
    return CATALOG.ngettext(
        "and {count} more press since {since}", "and {count} more presses since {since}", count, language
    ).format(count=count, since=since)


def press_sample_context(
    language: Language, probe: str = "prolan-probe", gathered: int = 4
) -> dict[str, Any]:
    """A realistic press context for the start-up check (with and without gathered presses)."""
    at = dt.datetime(2026, 3, 2, 7, 9, 31, tzinfo=dt.UTC)
    press = PressInfo(at, "force_majeure", "P-101", 4)
    others = [
        PressInfo(at - dt.timedelta(minutes=7 - i), "force_majeure", "P-101", 4) for i in range(gathered)
    ]
    assessments = [
        Assessment(
            SAMPLE_METRIC.name, SAMPLE_METRIC.short_name, None, "interval", 45.0, "%", Level.ATTENTION, at
        ),
        Assessment(
            SAMPLE_METRIC.name.replace("Интервал 10 мин", "Текущие сутки"),
            SAMPLE_METRIC.short_name,
            None,
            "day",
            12.5,
            "%",
            Level.GOOD,
            at,
        ),
    ]
    return build_press_context(
        rule="sample",
        point="Калужская",
        region="Москва/ЮЗАО",
        press=press,
        others=others,
        assessments=assessments,
        last_hour={"positive": 12, "negative": 3, "force_majeure": 1 + gathered},
        alert_id=1,
        probe=probe,
        tz=dt.UTC,
        language=language,
    )


class TemplateSet:
    """Templates of one rule (its overrides, else the defaults) for one language. They are
    compiled here (a syntax error is reported with its line at once) and rendered by a bounded
    worker process (`notifier.sandbox`: time, memory and output limits)."""

    def __init__(
        self,
        language: Language,
        overrides: Mapping[str, Path | None] | None = None,
        *,
        rule: str | None = None,
        renderer: SandboxRenderer | None = None,
        press: bool = False,
    ) -> None:
        self.language = language
        self.rule = rule
        self.press = press  # the templates of a press rule (defaults press_<part>.<lang>.j2)
        self.renderer = renderer or shared_renderer()
        # StrictUndefined: a misspelt variable is an error at the start-up check, not an empty gap.
        checker = SandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined)
        self.sources: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        for part in PARTS:
            override = (overrides or {}).get(part)
            default = DEFAULTS_DIR / f"{'press_' if press else ''}{part}.{language}.j2"
            path = override if override is not None else default
            self.sources[part] = str(path)
            try:
                source = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateProblem(
                    f"{self._where()}{path}: cannot read the {part} template: {exc}"
                ) from None
            try:
                checker.parse(source)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateProblem(
                    f"{self._where()}{path}:{exc.lineno}: {part} template: {exc.message}"
                ) from None
            self._texts[part] = source

    def _where(self) -> str:
        return f"rule {self.rule!r}: " if self.rule else ""

    def render(self, part: Part, context: Mapping[str, Any]) -> str:
        return self.render_parts((part,), context)[part]

    def render_parts(self, parts: Sequence[Part], context: Mapping[str, Any]) -> dict[str, str]:
        """Several parts of one message, in one round trip to the render worker."""
        jobs = [Job(self.sources[part], self._texts[part], part == "html") for part in parts]
        try:
            texts = self.renderer.render_many(jobs, context)
        except RenderError as exc:  # sandbox violations, undefined variables, limits
            part = next((p for p in parts if self.sources[p] == exc.name), parts[0])
            raise TemplateProblem(
                f"{self._where()}{self.sources[part]}:{exc.line}: {part} template: {exc}"
            ) from None
        out: dict[str, str] = {}
        for part, text in zip(parts, texts, strict=True):
            if part in ("subject", "sms"):
                out[part] = " ".join(text.split())  # one line: headers and SMS have no room for layout
            else:
                out[part] = text.strip() + "\n"
        return out

    def check(self, probe: str = "prolan-probe") -> None:
        """Render every part with a sample context (raises TemplateProblem with file and line)."""
        if self.press:
            for gathered in (0, 4):
                self.render_parts(PARTS, press_sample_context(self.language, probe, gathered))
            return
        context = sample_context(self.language, probe)
        for kind in ("fire", "escalate", "recover", "test"):
            context = {**context, "kind": kind, "kind_text": KIND_TEXT[self.language][kind]}
            self.render_parts(PARTS, context)
