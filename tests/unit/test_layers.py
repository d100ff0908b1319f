"""The floors are enforced: `lint-imports` (the import-linter contract in setup.cfg) passes on the
code as it is, and fails on a copy of it with an upward import of any kind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the packages under `root`, with its setup.cfg (no cache left behind)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "setup.cfg")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=root,
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for package in ("probe", "notifier", "console"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def test_the_code_keeps_the_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_the_unchanged_copy_keeps_it(copy_of_the_code: Path) -> None:
    # The copy, not the installed packages, is what is analysed (so the failures below are real).
    result = lint_imports(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "code", "broken"),
    [
        ("probe/levels.py", "import notifier.rules\n", "probe is not allowed to import notifier"),
        (
            "probe/assess.py",
            "def _late() -> None:\n    from console import settings  # noqa\n",
            "probe is not allowed to import console",
        ),
        (
            "probe/snapshot.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from notifier.config import NotifierConfig\n",
            "probe is not allowed to import notifier",
        ),
        ("console/settings.py", "import notifier.store\n", "console is not allowed to import notifier"),
        ("notifier/rules.py", "import console.config\n", "notifier is not allowed to import console"),
    ],
    ids=["top-level", "late", "type-checking", "console-to-notifier", "notifier-to-console"],
)
def test_a_wrong_import_breaks_it(copy_of_the_code: Path, module: str, code: str, broken: str) -> None:
    path = copy_of_the_code / module
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code, encoding="utf-8")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    assert broken in result.stdout, result.stdout
    assert module.removesuffix(".py").replace("/", ".") in result.stdout
