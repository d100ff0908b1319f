"""One transliteration for metric keys (issue 14, point 4): `probe.keys.key_part`, with the table
the stored keys were built with, and no other table anywhere in the runtime code."""

from __future__ import annotations

import pytest

from probe.keys import key_part
from tests.helpers import ROOT


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Калужская", "kaluzhskaia"),
        ("АЗС Тёплый Стан", "azs_teplyi_stan"),  # ё → e (a library's io would move the demo's keys)
        ("% негативных ответов", "pct_negativnykh_otvetov"),
        ("Хлебозавод Цех-1", "khlebozavod_tsekh_1"),
        ("Щёлково, подъезд", "shchelkovo_podezd"),  # ъ vanishes instead of breaking the word
        ("Юла Яя", "iula_iaia"),
        ("Число 'молчунов'", "chislo_molchunov"),
        ("?!", "x"),
    ],
)
def test_key_part(text: str, key: str) -> None:
    assert key_part(text) == key


def test_no_second_transliteration_table_in_the_code() -> None:
    allowed = {ROOT / "probe" / "keys.py", ROOT / "probe" / "store" / "db.py"}  # db: the frozen old one
    for package in ("probe", "notifier", "console", "tests_scripts"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path not in allowed:
                assert '"ж": "zh"' not in text and '"zh"' not in text, path
