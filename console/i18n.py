"""The console's language: Qt Linguist translations, locale-aware numbers and dates.

Every text a user sees is written in the code as English source text inside
`translate("Context", "text")` (pylupdate6 finds these calls), translated in
`console/translations/console_ru.ts` and `console_en.ts` (Qt Linguist files, edited with
Qt Linguist or by hand) and compiled to `.qm` with `lrelease` (`make translations`). Russian is
the default; English is `--lang en` or `[console] language = "en"`.

There is no silent fallback: a text without a translation is shown in its source form and
recorded (`missing()`), logged once, and the translation test fails on it.

Numbers and dates follow the language's locale: a decimal comma and "вс 29" in Russian, a point
and "Sun 29" in English (`number`, `format_value`, `local_text`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QDateTime, QLibraryInfo, QLocale, QTimeZone, QTranslator

from probe.levels import Level

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("ru", "en")
_LOCALES = {
    "ru": (QLocale.Language.Russian, QLocale.Country.Russia),
    # British English: day-first dates and a 24-hour clock, as an operator in Europe reads them.
    "en": (QLocale.Language.English, QLocale.Country.UnitedKingdom),
}


class _Translations:
    """The installed translators (the console's own and Qt's) and the texts found missing."""

    def __init__(self) -> None:
        self.language = "ru"
        self.own: QTranslator | None = None
        self.qt: QTranslator | None = None
        self.installed_on: QCoreApplication | None = None
        self.missing: set[tuple[str, str]] = set()


_state = _Translations()


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"console_{language}.qm"


def set_language(language: str) -> None:
    """Choose the interface language; installs its translations into the running application
    (or into the next one, when `install()` is called after QApplication is created)."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: expected one of {', '.join(LANGUAGES)}")
    _state.language = language
    QLocale.setDefault(locale_of(language))
    if QCoreApplication.instance() is not None:
        install()


def install() -> None:
    """Load and install the chosen language's translators into the application."""
    app = QCoreApplication.instance()
    if app is None:
        return
    for old in (_state.own, _state.qt):
        if old is not None and _state.installed_on is app:
            app.removeTranslator(old)
    own = QTranslator()
    path = qm_path(_state.language)
    if not own.load(str(path)):
        # A broken installation, not a missing string: say so loudly, once.
        log.error("console translations %s cannot be loaded: every text will show untranslated", path)
    app.installTranslator(own)
    # Qt's own texts (file dialogs, calendar popups, standard buttons) in the same language.
    qt = QTranslator()
    if qt.load(
        locale_of(_state.language),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ):
        app.installTranslator(qt)
    _state.own, _state.qt, _state.installed_on = own, qt, app
    QLocale.setDefault(locale_of(_state.language))


def language() -> str:
    return _state.language


def locale_of(language: str) -> QLocale:
    lang, country = _LOCALES[language]
    return QLocale(lang, country)


def locale() -> QLocale:
    return locale_of(_state.language)


def translate(context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
    """The translation of `source` (English) in `context`; `n` picks the plural form of `%n`.
    A text the translation files do not have is recorded as missing and shown as written."""
    own = _state.own
    if own is None and QCoreApplication.instance() is not None:
        install()  # the first text asked for in a running application: the default language
        own = _state.own
    # As UTF-8 bytes: PyQt passes a str to QTranslator as ASCII, and the texts have "…" and "—".
    text = (
        own.translate(context, source.encode(), (disambiguation or "").encode(), n)  # type: ignore[arg-type]
        if own is not None
        else ""
    )
    if not text:
        key = (context, source)
        if key not in _state.missing:
            _state.missing.add(key)
            log.warning("no %s translation for %s: %r", _state.language, context, source)
        text = source
    # QTranslator picks the plural form but, unlike QCoreApplication.translate, leaves %n to us.
    return text.replace("%n", locale().toString(n)) if n >= 0 else text


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Marks a text for pylupdate6 where it is defined; `translate(context, text)` shows it."""
    return source


def missing() -> set[tuple[str, str]]:
    """(context, source) of every text asked for that had no translation."""
    return set(_state.missing)


def forget_missing() -> None:
    _state.missing.clear()


def level_text(level: Level | None) -> str:
    """The assessment's name in the interface language; None = the metric is not assessed."""
    names = {
        Level.GOOD: translate("Levels", "good"),
        Level.ACCEPTABLE: translate("Levels", "acceptable"),
        Level.ATTENTION: translate("Levels", "attention"),
        Level.EDGE: translate("Levels", "on the edge"),
        Level.BAD: translate("Levels", "bad"),
        Level.UNKNOWN: translate("Levels", "no data"),
    }
    return translate("Levels", "not assessed") if level is None else names[level]


def number(value: float, decimals: int = 2) -> str:
    """A number in the locale (decimal comma in Russian), at most `decimals` places, no
    trailing zeros; whole numbers without a fraction."""
    if math.isnan(value) or math.isinf(value):
        return "—"
    rounded = round(value, decimals)
    if rounded == int(rounded):
        return locale().toString(int(rounded))
    text = locale().toString(rounded, "f", decimals)
    point = locale().decimalPoint()
    return text.rstrip("0").rstrip(point) if point in text else text


def signed(value: float, decimals: int = 1) -> str:
    """`+4,2` / `−4,2` (a real minus sign) for changes."""
    text = number(abs(value), decimals)
    if round(value, decimals) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def format_value(value: float | None, unit: str = "") -> str:
    """A metric value with its unit (`75 %`, `12,5 с`); a dash when there is none."""
    if value is None:
        return "—"
    text = number(value)
    return f"{text} {unit}" if unit else text


def local_text(at: dt.datetime, tz: dt.tzinfo, pattern: str) -> str:
    """An instant as local time of `tz` in a Qt date pattern, in the locale's words
    (`"ddd d"` → "вс 29" / "Sun 29")."""
    wall = at.astimezone(tz)
    stamp = QDateTime(wall.date(), wall.time().replace(tzinfo=None), QTimeZone.utc())
    return locale().toString(stamp, pattern)


def wall_text(wall: dt.datetime, pattern: str) -> str:
    """A naive wall-clock time in a Qt date pattern, in the locale's words."""
    stamp = QDateTime(wall.date(), wall.time().replace(tzinfo=None), QTimeZone.utc())
    return locale().toString(stamp, pattern)
