"""The one locator of the product's resources (probe/resources.py): in a checkout, the top-level
folders; an installed wheel is covered by tests/integration/test_wheel_install.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe import resources
from probe.config import parse_config
from probe.engine import loader
from tests.helpers import ROOT


def test_a_checkout_uses_its_top_level_folders() -> None:
    assert resources.resource_root() == ROOT
    assert resources.builtin_tests_dir() == ROOT / "tests_scripts" == loader.BUILTIN_DIR
    assert (resources.builtin_tests_dir() / "loyalty_mon.py").is_file()
    assert (resources.demo_map_dir() / "backgrounds" / "russia.png").is_file()
    assert resources.demo_root_map() == ROOT / "maps" / "demo" / "russia.json"
    assert (resources.mib_dir() / "PROLAN-MIB.txt").is_file()
    assert resources.systemd_unit() == ROOT / "deploy" / "prolan-probe.service"
    assert resources.systemd_unit().is_file()


def test_no_other_module_locates_the_resources_by_itself() -> None:
    for package in ("probe", "notifier", "console"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "resources.py":
                continue
            text = path.read_text(encoding="utf-8")
            for folder in ('"tests_scripts"', '"maps"', '"mib"', '"deploy"'):
                assert f"/ {folder}" not in text, f"{path.relative_to(ROOT)} builds a path to {folder}"


def test_a_missing_builtin_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "share" / "prolan-probe" / "tests_scripts"
    monkeypatch.setattr(loader, "BUILTIN_DIR", missing)
    report = loader.load_tests(parse_config({"database": {"url": f"sqlite:///{tmp_path / 'a.sqlite'}"}}))
    assert report.loaded == {}
    assert [failure.error for failure in report.failed] == [
        f"{missing}: built-in test folder not found (incomplete installation)"
    ]
