"""Russian first, English available: the probe's texts for people (command-line help and
messages, logs, table headers) through gettext catalogues, the Python convention.

Sources are written in English and marked `_("…")` (or `N_("…")` where the text is kept for later
and translated where it is shown); the catalogues are `<package>/locale/<lang>/LC_MESSAGES/<domain>.po`
with their compiled `.mo` beside them (`python -m tools.i18n compile`, checked by the tests).
The language is `--lang` (`set_language`) or, without it, the locale of the environment
(`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`): Russian when it says Russian, English otherwise.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

LANGUAGES = ("ru", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language: str | None = None


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """'ru' when the locale of the environment is Russian, 'en' otherwise (as gettext reads it:
    the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set)."""
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            first = value.split(":")[0].strip().lower()
            return "ru" if first.startswith("ru") else "en"
    return "en"


def set_language(language: str | None) -> str:
    """Choose the language of every later text (None: from the environment); returns it."""
    global _language
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    _language = language
    return current_language()


def translate_argparse() -> None:
    """argparse's own texts ("usage:", "options", its errors) in the current language: argparse
    looks its module-level `_`/`ngettext` up at each use, so they are pointed at this catalogue
    (whose English entries are argparse's own words)."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def current_language() -> str:
    return _language if _language is not None else language_from_environment()


class Catalog:
    """One gettext domain of one package, in the current language."""

    def __init__(self, domain: str, localedir: Path) -> None:
        self.domain = domain
        self.localedir = localedir
        self._loaded: dict[str, gettext.NullTranslations] = {}

    def translations(self, language: str | None = None) -> gettext.NullTranslations:
        language = language or current_language()
        found = self._loaded.get(language)
        if found is None:
            found = gettext.translation(self.domain, self.localedir, [language], fallback=True)
            self._loaded[language] = found
        return found

    def gettext(self, message: str, language: str | None = None) -> str:
        return self.translations(language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, language: str | None = None) -> str:
        return self.translations(language).ngettext(singular, plural, n)


CATALOG = Catalog("probe", LOCALE_DIR)


def _(message: str) -> str:
    """`message` in the current language."""
    return CATALOG.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return CATALOG.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it here (it is translated where shown)."""
    return message


# argparse's own texts (Python 3.11), translated in this catalogue (see translate_argparse).
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
)
