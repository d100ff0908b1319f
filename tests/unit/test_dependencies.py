"""Declared dependencies are exactly what the code imports (issue 14, point 5): every third-party
module that `probe`, `notifier`, `console` or the built-in tests import belongs to a distribution in
`install_requires` (or an optional extra such as `demo`), every distribution there is imported (or loaded for the code, named below with
the reason), and what the tests and benchmarks import is in `install_requires` or the `test` extra."""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import importlib.util
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from tests.helpers import ROOT

OWN = {"probe", "notifier", "console", "tests", "tests_scripts", "benchmarks", "tools", "prolan_tests"}
# Packages a test writes into its tmp_path and then imports.
MADE_BY_TESTS = {"components"}
# Declared though no module of ours imports them: the libraries we use load them for us.
LOADED_FOR_US = {
    # pysnmp's SNMPv3 privacy (AES/DES) imports it; pysnmp declares it only for its developers.
    "cryptography": ("pysnmp.proto.secmod.rfc3826.priv.aes", "cryptography"),
    # SQLAlchemy's driver for `mssql+pyodbc://` database URLs.
    "pyodbc": ("sqlalchemy.dialects.mssql.pyodbc", "pyodbc"),
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            names.add(canonical(match.group(1)))
    return names


def setup_cfg() -> configparser.ConfigParser:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    return setup


def third_party_imports(folders: Iterable[str]) -> dict[str, str]:
    """Top-level module name -> one file importing it (for the failure message)."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names | OWN | MADE_BY_TESTS | {"__future__"}:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def distributions_of(modules: dict[str, str], declared: set[str]) -> tuple[set[str], list[str]]:
    """The declared distributions that provide `modules`, and the modules no declared one provides."""
    providers = importlib.metadata.packages_distributions()
    used: set[str] = set()
    undeclared = []
    for module, where in sorted(modules.items()):
        # (a module not installed here is matched by name: prometheus_client -> prometheus-client)
        candidates = {canonical(d) for d in providers.get(module, [canonical(module)])} & declared
        if candidates:
            used |= candidates
        else:
            undeclared.append(f"{module} (imported by {where}; installed from {providers.get(module)})")
    return used, undeclared


def optional_features(setup: configparser.ConfigParser) -> set[str]:
    """The distributions of the extras other than `test` (e.g. `demo`): optional features."""
    extras = setup["options.extras_require"]
    return set().union(*(requirement_names(extras[name]) for name in extras if name != "test"))


def test_install_requires_is_exactly_what_the_product_imports() -> None:
    setup = setup_cfg()
    declared = requirement_names(setup["options"]["install_requires"]) | optional_features(setup)
    imports = third_party_imports(["probe", "notifier", "console", "tests_scripts"])
    used, undeclared = distributions_of(imports, declared)
    assert undeclared == [], "imported but in neither install_requires nor an optional extra"
    assert declared - used == set(LOADED_FOR_US), "declared but never imported"
    for distribution, (module, imported) in LOADED_FOR_US.items():
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, distribution
        assert re.search(rf"^\s*(import|from) {imported}\b", Path(spec.origin).read_text(), re.M), (
            f"{module} no longer loads {distribution}"
        )
    assert "pydub" not in declared and "numpy" in declared


def test_tests_and_benchmarks_import_only_declared_distributions() -> None:
    setup = setup_cfg()
    declared = requirement_names(setup["options"]["install_requires"])
    test_extra = requirement_names(setup["options.extras_require"]["test"])
    imports = third_party_imports(["tests", "benchmarks", "docs", "tools"])
    _, undeclared = distributions_of(imports, declared | test_extra)
    assert undeclared == [], "imported by tests/benchmarks/tools but in neither install_requires nor [test]"
    for tool in ("pytest", "pytest-randomly", "build", "pysmi", "ruff", "mypy"):
        assert tool in test_extra and tool not in declared, tool
