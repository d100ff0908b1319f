"""The gettext catalogues of the probe and the notifier (probe/i18n.py): extract, compile, check.

    python -m tools.i18n extract   # every _("…")/N_("…")/ngettext of the sources into the .po files
    python -m tools.i18n compile   # .po -> .mo (committed; the tests check they are up to date)
    python -m tools.i18n check     # untranslated, unused or stale: one line each, exit 1

Sources are English. `extract` adds new texts with an empty Russian translation (for a person to
write) and the English text as its own translation; texts no longer in the sources are dropped.
Built on Babel (its Python extractor, PO reader/writer and MO writer).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None, "text_in": (2,)}
# A fixed date in the headers, so that extracting twice changes nothing.
STAMP = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Domain:
    """One package's catalogue: `<package>/locale/<lang>/LC_MESSAGES/<name>.po`."""

    name: str
    package: Path

    def po(self, language: str) -> Path:
        return self.package / "locale" / language / "LC_MESSAGES" / f"{self.name}.po"

    def mo(self, language: str) -> Path:
        return self.po(language).with_suffix(".mo")


DOMAINS = (Domain("probe", ROOT / "probe"), Domain("notifier", ROOT / "notifier"))


def source_messages(domain: Domain) -> dict[str | tuple[str, ...], set[str]]:
    """Every marked text of the package's sources -> the files it is in."""
    found: dict[str | tuple[str, ...], set[str]] = {}
    for filename, _lineno, text, _comments, _context in extract_from_dir(
        domain.package,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        directory_filter=lambda path: "locale" not in Path(path).parts and "__pycache__" not in path,
    ):
        if not text or (isinstance(text, tuple) and not all(text)):
            continue
        key: str | tuple[str, ...] = text if isinstance(text, str) else tuple(text)
        found.setdefault(key, set()).add(f"{domain.package.name}/{filename}")
    return found


def read_catalog(path: Path, language: str, domain: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=language, domain=domain)
    return Catalog(locale=language, domain=domain)


def _new_catalog(language: str, domain: str) -> Catalog:
    catalog = Catalog(
        creation_date=STAMP,
        revision_date=STAMP,
        locale=language,
        domain=domain,
        project="PROLAN Probe",
        version="",
        copyright_holder="PROLAN",
        charset="utf-8",
        fuzzy=False,
    )
    return catalog


def extract(domain: Domain) -> None:
    messages = source_messages(domain)
    for language in LANGUAGES:
        old = read_catalog(domain.po(language), language, domain.name)
        catalog = _new_catalog(language, domain.name)
        for key in sorted(messages, key=lambda k: k if isinstance(k, str) else k[0]):
            previous = old.get(key if isinstance(key, str) else key[0])
            if previous is not None and previous.string:
                string = previous.string
            elif language == "en":
                string = key if isinstance(key, str) else tuple(key)
            else:
                string = "" if isinstance(key, str) else ("",) * 3
            catalog.add(key, string, auto_comments=sorted(messages[key]))
        write(domain.po(language), catalog)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=110, no_location=True, omit_header=False, sort_output=True)
    path.write_bytes(buffer.getvalue())


def compiled(domain: Domain, language: str) -> bytes:
    with domain.po(language).open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for domain in DOMAINS:
        for language in LANGUAGES:
            if domain.po(language).exists():
                domain.mo(language).write_bytes(compiled(domain, language))


def problems(domain: Domain) -> Iterator[str]:
    """Every way the catalogues of `domain` fall short of its sources."""
    messages = source_messages(domain)
    for language in LANGUAGES:
        po = domain.po(language)
        if not po.exists():
            yield f"{po}: missing (python -m tools.i18n extract)"
            continue
        catalog = read_catalog(po, language, domain.name)
        for key, files in sorted(messages.items(), key=lambda item: str(item[0])):
            entry = catalog.get(key if isinstance(key, str) else key[0])
            where = ", ".join(sorted(files))
            if entry is None:
                yield f"{po}: no entry for {key!r} ({where}; python -m tools.i18n extract)"
            elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
                yield f"{po}: no translation of {key!r} ({where})"
        wanted = {k if isinstance(k, str) else k[0] for k in messages}
        for entry in catalog:
            if entry.id and (entry.id if isinstance(entry.id, str) else entry.id[0]) not in wanted:
                yield f"{po}: {entry.id!r} is no longer in the sources (python -m tools.i18n extract)"
        mo = domain.mo(language)
        if not mo.exists() or mo.read_bytes() != compiled(domain, language):
            yield f"{mo}: not compiled from {po.name} (python -m tools.i18n compile)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("extract", "compile", "check"))
    args = parser.parse_args(argv)
    if args.action == "extract":
        for domain in DOMAINS:
            extract(domain)
        return 0
    if args.action == "compile":
        compile_all()
        return 0
    found = [problem for domain in DOMAINS for problem in problems(domain)]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
