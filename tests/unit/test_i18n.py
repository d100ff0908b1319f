"""Russian first, English available (issue 18, point 5): every text marked for translation in the
probe and the notifier has a translation in both gettext catalogues, the compiled `.mo` files are
those of the `.po` sources, and the language follows `--lang` or the locale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from probe.i18n import Catalog, language_from_environment
from tools import i18n as tool
from tools.i18n import DOMAINS, Domain, compile_all, extract, problems, write


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_marked_text_is_translated_in_both_catalogues_and_compiled(domain: Domain) -> None:
    found = list(problems(domain))
    assert not found, (
        "\n".join(found) + "\n(python -m tools.i18n extract, translate, python -m tools.i18n compile)"
    )


def test_the_check_fails_on_an_untranslated_or_uncompiled_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(
        'from probe.i18n import _\nTEXT = _("Hello, operator")\n', encoding="utf-8"
    )
    domain = Domain("pkg", package)
    extract(domain)  # English filled in, Russian left for a person
    found = list(problems(domain))
    assert any("no translation of 'Hello, operator'" in p and "/ru/" in p for p in found), found
    assert not any("no translation" in p and "/en/" in p for p in found)
    catalog = tool.read_catalog(domain.po("ru"), "ru", "pkg")
    catalog.get("Hello, operator").string = "Здравствуйте, оператор"  # type: ignore[union-attr]
    write(domain.po("ru"), catalog)
    assert any("not compiled" in p for p in problems(domain))
    monkeypatch.setattr(tool, "DOMAINS", (domain,))
    compile_all()
    assert list(problems(domain)) == []
    assert Catalog("pkg", package / "locale").gettext("Hello, operator", "ru") == "Здравствуйте, оператор"
    (package / "mod.py").write_text('from probe.i18n import _\nTEXT = _("Goodbye")\n', encoding="utf-8")
    found = list(problems(domain))
    assert any("no entry for 'Goodbye'" in p for p in found) and any(
        "no longer in the sources" in p for p in found
    )
    shutil.rmtree(package / "locale")
    assert any("missing" in p for p in problems(domain))


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "ru_RU.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "ru:en", "LANG": "C"}, "ru"),
        ({"LC_MESSAGES": "ru_RU", "LANG": "de_DE"}, "ru"),
    ],
)
def test_the_language_follows_the_locale(environ: dict[str, str], language: str) -> None:
    assert language_from_environment(environ) == language
