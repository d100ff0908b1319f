"""ASCII tokens of Russian names for stable metric keys: the one transliteration of the project.

The table is the one every stored metric key has been built with since the first release (a key
is how a metric keeps its id, i.e. its SNMP index), so it must not change. It is close to the
BGN/PCGN-style output of `unidecode` (х→kh, ц→ts, ю→iu, я→ia) but differs where a library would
re-key existing metrics: ё is e here (unidecode: io, so "Тёплый Стан" would move) and ъ/ь vanish
(unidecode: an apostrophe, a word break in the key). `transliterate`'s Russian pack (х→h, й→j,
ю→ju) differs even more. Hence this table and not a library (issue 14).
"""

from __future__ import annotations

import re
from functools import lru_cache

TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia", "%": " pct ",
}  # fmt: skip
_NON_KEY = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def key_part(text: str) -> str:
    """Lower-case ASCII token of a name part: Cyrillic transliterated, `%` as `pct`, anything else
    that is not a letter or digit collapsed to `_`."""
    lowered = "".join(TRANSLIT.get(ch, ch) for ch in text.lower())
    return _NON_KEY.sub("_", lowered).strip("_") or "x"
