"""The length limits of the schema's text columns, one source for every check and cut.

SQLite never enforces a VARCHAR length, PostgreSQL and SQL Server do: a name the schema "accepts"
on one dialect fails on another. So every text that comes from outside (topology files, test
plug-ins, the config) is checked or fitted here against the column it goes into, the same way on
every dialect: input files get a clear error, derived texts (metric names and keys, outbox keys)
are fitted, keys with a stable hash suffix so that they stay unique.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Column, String

HASH_CHARS = 8


def column_limit(column: Column[str]) -> int:
    """The declared length of a text column."""
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} has no length limit")
    return int(kind.length)


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def fit_key(key: str, limit: int) -> str:
    """A key of at most `limit` characters: unchanged when it fits, else its beginning and a stable
    hash of the whole key (two long keys that share a beginning stay different)."""
    if len(key) <= limit:
        return key
    return key[: limit - HASH_CHARS - 1].rstrip(".") + "." + digest(key)


def fit_text(text: str, limit: int) -> str:
    """A text for people of at most `limit` characters: cut with an ellipsis and a short hash of the
    whole text, so that two long names that start alike can still be told apart."""
    if len(text) <= limit:
        return text
    tail = f"… #{digest(text)[:6]}"
    return text[: limit - len(tail)].rstrip() + tail


def over_limit(text: str, column: Column[str]) -> str | None:
    """None when `text` fits `column`, else the reason, worded for the operator."""
    limit = column_limit(column)
    if len(text) <= limit:
        return None
    return f"is {len(text)} characters long; at most {limit} fit (column {column.table.name}.{column.name})"
