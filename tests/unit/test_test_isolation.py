"""Tests that pass anywhere (issue 14, point 6): every test has its own data folder and temporary
folder (tests/conftest.py `_private_data_folders`), no test names a fixed /tmp path, and
`make test` runs the suite in random order with the seed printed."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from probe.config import default_data_dir
from tests.helpers import ROOT, run_cli


def test_the_data_and_temporary_folders_are_the_tests_own(tmp_path: Path) -> None:
    assert default_data_dir() == tmp_path / "prolan-data"
    assert Path(tempfile.gettempdir()) == tmp_path / "tmp"
    assert Path(os.environ["TMPDIR"]) == tmp_path / "tmp"
    assert "PROLAN_CONFIG" not in os.environ


def test_a_prolan_probe_without_config_writes_into_the_tests_folder(tmp_path: Path) -> None:
    result = run_cli("db", "init", check=True)
    assert (tmp_path / "prolan-data" / "aggregator.sqlite").is_file(), result.stdout


def test_no_test_names_a_fixed_temporary_path() -> None:
    fixed = re.compile(r"""["'](/tmp|/var/tmp)(/|["'])|gettempdir\(\)\s*[/+]|Path\.home\(\)""")
    offenders = []
    for folder in ("tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if fixed.search(line.split("#")[0]):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_make_test_runs_in_random_order() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pytest_lines = [line for line in makefile.splitlines() if "/bin/pytest" in line]
    assert pytest_lines and all("-p randomly" in line for line in pytest_lines)
    assert all(" -q" not in line for line in pytest_lines), "-q hides pytest-randomly's seed line"
