"""The notifier's texts for people (its commands' help and messages, the words inside
notifications) in its own gettext catalogue (`notifier/locale`), in the probe's current language
(`probe.i18n`: `--lang` or the locale) or in a message's own language (a recipient's or a rule's)."""

from __future__ import annotations

from pathlib import Path

from probe.i18n import Catalog

CATALOG = Catalog("notifier", Path(__file__).resolve().parent / "locale")


def _(message: str) -> str:
    """`message` in the current language."""
    return CATALOG.gettext(message)


def text_in(language: str, message: str) -> str:
    """`message` in `language` (a notification is written in its recipient's language)."""
    return CATALOG.gettext(message, language)
