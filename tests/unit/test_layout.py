"""The project's layout, packaging and the two README commands (issue 2, point 1 and 2)."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layout_has_every_folder_the_product_card_asks_for() -> None:
    for folder in (
        "probe",
        "tests_scripts",
        "console",
        "maps",
        "notifier",
        "tests",
        "benchmarks",
        "docs",
        "mib",
    ):
        assert (ROOT / folder).is_dir(), folder
    for file in ("mib/PROLAN-MIB.txt", "setup.cfg", "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (ROOT / file).is_file(), file
    for package in ("probe", "notifier", "console"):
        assert (ROOT / package / "__init__.py").is_file(), package


def test_setup_cfg_declares_the_console_scripts_and_pinned_dependencies() -> None:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    scripts = setup["options.entry_points"]["console_scripts"]
    assert "prolan-probe = probe.cli:main" in scripts
    assert "prolan-console = console.app:main" in scripts
    requires = setup["options"]["install_requires"]
    for name in ("pysnmp", "cryptography", "SQLAlchemy", "psycopg", "pyodbc", "APScheduler"):
        assert name.lower() in requires.lower(), name
    # pysmi compiles PROLAN-MIB only in the tests; the product never imports it.
    assert "pysmi" not in requires.lower() and "pysmi" in setup["options.extras_require"]["test"]
    assert re.search(r"PyQt6\s*~=\s*6\.11\.0", requires)
    assert re.search(r"APScheduler\s*[<>=~]=?\s*3", requires)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block is not None and readme.index("```sh") < 120
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == [
        "exec make test"
    ]
