"""`probe.api` is the whole evaluation-test API: the built-in tests and the guide's example import
nothing else from the project (issue 14, point 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import probe.api
from tests.engine.test_docs import example_source
from tests.helpers import ROOT

ALLOWED = "probe.api"


def project_packages() -> set[str]:
    """Top-level names importable from the checkout (packages and modules), i.e. the project's."""
    names = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in ROOT.glob("*.py")}
    return names


def forbidden_imports(source: str, where: str) -> list[str]:
    """Every import of a project module other than `probe.api`, as 'where:line: module'."""
    project = project_packages()
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=where)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import reaches into whatever package holds the file
                found.append(f"{where}:{node.lineno}: relative import")
                continue
            module = node.module or ""
            # `from probe import store` imports probe.store, not probe.api.
            modules = [f"{module}.{alias.name}" if module == "probe" else module for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules = [node.args[0].value]
        for module in modules:
            if module.split(".")[0] in project and module != ALLOWED:
                found.append(f"{where}:{node.lineno}: {module}")
    return found


def built_in_tests() -> list[Path]:
    return sorted((ROOT / "tests_scripts").glob("*.py"))


def test_there_are_built_in_tests_to_check() -> None:
    names = {p.stem for p in built_in_tests()}
    assert {"loyalty_mon", "queue_len", "ingest_stats", "clips_stats", "app_response"} <= names
    assert {"probe", "notifier", "console", "tests"} <= project_packages()


@pytest.mark.parametrize("path", built_in_tests(), ids=lambda p: p.name)
def test_built_in_test_imports_only_probe_api(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), path.name) == []


def test_guide_example_imports_only_probe_api() -> None:
    assert forbidden_imports(example_source(), "docs/writing-tests.md") == []


@pytest.mark.parametrize(
    "source",
    [
        "from probe.store.schema import presses",
        "import probe.store",
        "from probe import store",
        "from notifier.rules import Rule",
        "import console",
        "from . import helper",
        "import importlib\nimportlib.import_module('probe.engine')",
        "def f():\n    from probe.config import Config",
    ],
)
def test_the_check_catches_project_imports(source: str) -> None:
    assert forbidden_imports(source, "t.py") != []


@pytest.mark.parametrize(
    "source",
    ["from probe.api import presses", "import probe.api", "from probe import api", "import sqlalchemy"],
)
def test_the_check_allows_probe_api_and_libraries(source: str) -> None:
    assert forbidden_imports(source, "t.py") == []


def test_api_exports_the_tables_tests_read() -> None:
    for name in (
        "presses",
        "points",
        "pads",
        "buttons",
        "questions",
        "queue_samples",
        "clips",
        "ingest_counts",
    ):
        table = getattr(probe.api, name)
        assert name in probe.api.__all__ and table.name == name
