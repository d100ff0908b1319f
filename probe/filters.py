"""Names given on a command line (`--point`, `--test`) matched against the names that exist.

The exact name always wins; otherwise a part of a name, case and ё/е aside, is accepted when it
matches one name, and refused with the candidates when it matches several. A name matching nothing
is refused with the closest names (difflib), so a typo is one step from the right command.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from probe.i18n import N_, _

MAX_LISTED = 8
# What a filter names, in the plural (translated where shown).
SERVICE_POINTS = N_("service points")
TESTS = N_("evaluation tests")


class NoSuchName(Exception):
    """A filter that matches nothing, or several names where one is needed; worded for the operator."""

    exit_status = 1


def _folded(text: str) -> str:
    return text.casefold().replace("ё", "е")


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:MAX_LISTED])
    return shown + (
        _(" and {count} more").format(count=len(names) - MAX_LISTED) if len(names) > MAX_LISTED else ""
    )


def closest(given: str, known: Iterable[str], count: int = 3) -> list[str]:
    names = sorted(set(known))
    by_folded = {_folded(n): n for n in names}
    found = difflib.get_close_matches(_folded(given), list(by_folded), n=count, cutoff=0.5)
    return [by_folded[f] for f in found]


def resolve(given: str, known: Iterable[str], *, option: str, what: str) -> str:
    """The one existing name `given` means; NoSuchName when it means none or several.
    `what` names the kind of thing in the plural (SERVICE_POINTS, TESTS)."""
    names = sorted(set(known))
    what = _(what)
    if given in names:
        return given
    folded = _folded(given.strip())
    exact = [n for n in names if _folded(n) == folded]
    if len(exact) == 1:
        return exact[0]
    partial = [n for n in names if folded and folded in _folded(n)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise NoSuchName(
            _("{option} '{given}' matches several {what}: {names}; give the exact name").format(
                option=option, given=given, what=what, names=_listed(partial)
            )
        )
    raise NoSuchName(not_found(given, names, option=option, what=what))


def not_found(given: str, known: Iterable[str], *, option: str, what: str) -> str:
    """'{option} X: no such name among the {what}' with the closest names, or all of few."""
    names = sorted(set(known))
    what = _(what)
    message = _("{option} '{given}' matches none of the {what}").format(option=option, given=given, what=what)
    near = closest(given, names)
    if near:
        return message + _("; did you mean {names}?").format(names=_listed(near))
    if not names:
        return message + _(" (there are none yet)")
    return message + _(" (known: {names})").format(names=_listed(names))
