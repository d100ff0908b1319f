"""Names of the engine's own metrics and the older spellings of metric names that stay accepted.

Pure (the standard library only): the engine, the notifier's rule globs and the console's map lookup all use it.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# The engine's own metrics, named in Russian like every other built-in metric.
TEST_WORKS = "Тест работает"
DATABASE_AVAILABILITY = "Доступность базы данных (%)"

# Short names as SPEC §3 and earlier versions spelt them -> today's. Configs, threshold overrides,
# notification rules and map files that name the old spelling keep working (`canonical_name`), and
# metric keys keep being built from the old spelling, so existing databases keep their metric ids.
SHORT_NAME_ALIASES = {"Database availability (%)": DATABASE_AVAILABILITY}
_KEY_NAMES = {new: old for old, new in SHORT_NAME_ALIASES.items()}


def canonical_name(name: str) -> str:
    """A metric name, name tail, short name or glob in today's spelling (old short names replaced)."""
    for old, new in SHORT_NAME_ALIASES.items():
        if old in name:
            name = name.replace(old, new)
    return name


def spellings(name: str) -> tuple[str, ...]:
    """A metric's name as it is today and as it was spelt before, for globs written either way."""
    older = name
    for old, new in SHORT_NAME_ALIASES.items():
        if new in older:
            older = older.replace(new, old)
    return (name,) if older == name else (name, older)


def matches(name: str, pattern: str) -> bool:
    """fnmatch (case-sensitive) of a metric name against a glob that may use an older spelling."""
    return any(fnmatchcase(spelling, pattern) for spelling in spellings(name))


def key_short_name(short_name: str) -> str:
    """The spelling a short name's part of a metric key is built from (stable across renames)."""
    return _KEY_NAMES.get(short_name, short_name)
