"""The notifier's gettext catalogue (probe.i18n; `python -m tools.i18n extract|compile`).

Message texts are rendered in the recipient's language whatever the language of the process
(`CATALOG.gettext(text, language)`); texts for the operator — logs and commands — follow the
process's language (`_`), Russian when the environment says Russian, as the probe's own.
"""

from __future__ import annotations

from pathlib import Path

from probe.i18n import Catalog

CATALOG = Catalog("notifier", Path(__file__).resolve().parent / "locale")


def _(message: str) -> str:
    """`message` (English in the sources) in the process's language."""
    return CATALOG.gettext(message)


def text_in(language: str, message: str) -> str:
    """`message` in `language` (a notification is written in its recipient's language)."""
    return CATALOG.gettext(message, language)
