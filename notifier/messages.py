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

from notifier.i18n import text_in
from notifier.sandbox import Job, RenderError, SandboxRenderer, shared_renderer
from probe.assess import ThresholdTable
from probe.i18n import N_
from probe.levels import LEVEL_COLOURS, Level

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates"
Part = Literal["subject", "text", "html", "sms"]
PARTS: tuple[Part, ...] = ("subject", "text", "html", "sms")
Language = Literal["ru", "en"]

# The words of notifications, English in the source and translated by the notifier's gettext
# catalogue into the language of each message (`text_in`).
_KINDS = {"fire": N_("alert"), "escalate": N_("escalation"), "recover": N_("recovery"), "test": N_("test")}
KIND_TEXT = {
    language: {kind: text_in(language, word) for kind, word in _KINDS.items()} for language in ("ru", "en")
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
    last_values: Sequence[tuple[dt.datetime, float | None, Level | None]],
    matches_since_fire: int,
    incident_number: int,
    probe: str,
    tz: dt.tzinfo,
    language: Language,
    map_url: str = "",
) -> dict[str, Any]:
    """The variables every template sees (docs/notifications.md lists them). Times are aware on
    input and local (the probe's zone) in the texts."""

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
        "last_values": [
            {
                "at": local(when, "%H:%M"),
                "value": v,
                "value_text": format_value(v, language),
                "level": lv.value if lv else None,
                "level_text": level_text(lv, language),
                "colour": LEVEL_COLOURS[lv or Level.UNKNOWN][0],
            }
            for when, v, lv in last_values
        ],
        "probe": probe,
        "map_url": map_link,
        "map_label": (metric.point or text_in(language, "Whole company")),
        "language": language,
    }


def sample_context(language: Language, probe: str = "prolan-probe") -> dict[str, Any]:
    """A realistic context for checks at start-up and `notify test`."""
    now = dt.datetime(2026, 3, 2, 9, 0)
    info = SAMPLE_METRIC
    values = [(now - dt.timedelta(minutes=10 * i), 45.0 + i, Level.ATTENTION) for i in range(5, -1, -1)]
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
    ) -> None:
        self.language = language
        self.rule = rule
        self.renderer = renderer or shared_renderer()
        # StrictUndefined: a misspelt variable is an error at the start-up check, not an empty gap.
        checker = SandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined)
        self.sources: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        for part in PARTS:
            override = (overrides or {}).get(part)
            path = override if override is not None else DEFAULTS_DIR / f"{part}.{language}.j2"
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
        context = sample_context(self.language, probe)
        for kind in ("fire", "escalate", "recover", "test"):
            context = {**context, "kind": kind, "kind_text": KIND_TEXT[self.language][kind]}
            self.render_parts(PARTS, context)
