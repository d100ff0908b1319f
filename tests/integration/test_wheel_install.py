"""The installable product (issue 14, point 5): `python -m build` makes a wheel that, installed into
a fresh venv outside the checkout, carries everything the product needs — the built-in evaluation
tests, the demo maps and backgrounds, the MIB files, the notifier templates, the systemd unit — and
runs there: `db init`, `demo`, `tests` (every built-in test loaded) and a console screenshot."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

# What the wheel is built from: the packages, the resources and the packaging files.
SOURCE_ITEMS = (
    "setup.cfg",
    "pyproject.toml",
    "README.md",
    "probe",
    "notifier",
    "console",
    "tests_scripts",
    "maps",
    "mib",
    "deploy",
)
# This machine's pip configuration names local indexes that may be absent; pip says so with
# "WARNING: Location '…' is ignored". That is the machine's pip, not the package: every other
# warning line fails the test.
PIP_MACHINE_NOTICE = re.compile(r"^WARNING: Location '.*' is ignored")


def warnings_in(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if re.search(r"(?i)\bwarn(ing)?s?\b", line) and not PIP_MACHINE_NOTICE.match(line.strip())
    ]


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)}:\n{output}"
    return output


def test_wheel_installs_into_a_fresh_venv_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    # Build from a copy, so that setuptools' build/ and *.egg-info land in tmp_path, not the checkout.
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for item in SOURCE_ITEMS:
        if (ROOT / item).is_dir():
            shutil.copytree(ROOT / item, source / item, ignore=ignore)
        else:
            shutil.copy2(ROOT / item, source / item)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    # (PYTHONDONTWRITEBYTECODE only makes distutils print "byte-compiling is disabled".)
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)], tmp_path, env)
    assert warnings_in(built) == [], "the build prints warnings"
    wheels = list(dist.glob("prolan_probe-*.whl"))
    assert len(wheels) == 1, built

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    installed = run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", str(wheels[0])],
        tmp_path,
        env,
        timeout=900,
    )
    assert [line for line in warnings_in(installed) if "setuptools" in line.lower()] == []

    work = tmp_path / "work"
    work.mkdir()
    env = {
        **env,
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "QT_QPA_PLATFORM": "offscreen",
        "VIRTUAL_ENV": str(venv),
    }
    config = work / "probe.toml"
    # The console polls the probe's own agent; a free port means "no probe" at once.
    config.write_text(
        f'[database]\nurl = "sqlite:///{work / "aggregator.sqlite"}"\n[snmp]\nlisten = "127.0.0.1:1"\n',
        encoding="utf-8",
    )

    # The code and the resources come from the venv, not from the checkout.
    located = json.loads(
        run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import json, probe, notifier.messages as m; from probe import resources as r; "
                "print(json.dumps({'probe': probe.__file__, 'root': str(r.resource_root()), "
                "'tests': str(r.builtin_tests_dir()), 'maps': str(r.demo_map_dir()), "
                "'mib': str(r.mib_dir()), 'unit': str(r.systemd_unit()), "
                "'templates': str(m.DEFAULTS_DIR)}))",
            ],
            work,
            env,
        )
    )
    for key, value in located.items():
        assert Path(value).resolve().is_relative_to(venv.resolve()), (key, value)
    assert Path(located["root"]) == (venv / "share" / "prolan-probe").resolve()
    shipped = {
        "tests": (ROOT / "tests_scripts", "*.py"),
        "maps": (ROOT / "maps" / "demo", "**/*.*"),
        "mib": (ROOT / "mib", "*.txt"),
        "templates": (ROOT / "notifier" / "templates", "*.j2"),
    }
    for key, (folder, pattern) in shipped.items():
        expected = sorted(
            str(p.relative_to(folder)) for p in folder.glob(pattern) if "__pycache__" not in str(p)
        )
        found = sorted(str(p.relative_to(located[key])) for p in Path(located[key]).glob(pattern))
        assert expected and found == expected, key
    assert Path(located["unit"]).read_bytes() == (ROOT / "deploy" / "prolan-probe.service").read_bytes()
    # Every data file of the packages (templates, translations, catalogues, py.typed) ships.
    site_packages = Path(located["probe"]).parent.parent
    tracked = subprocess.run(
        ["git", "ls-files", "probe", "notifier", "console"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    data = [name for name in tracked if not name.endswith(".py")]
    assert data and [name for name in data if not (site_packages / name).is_file()] == []

    probe_cli = [str(venv / "bin" / "prolan-probe"), "--config", str(config)]
    assert "created" in run([*probe_cli, "db", "init"], work, env)
    assert "evaluated" in run([*probe_cli, "demo", "--days", "1"], work, env)
    listing = json.loads(run([*probe_cli, "tests", "--format", "json"], work, env))
    assert listing["failed"] == []
    builtin = sorted(p.name for p in (ROOT / "tests_scripts").glob("*.py") if not p.name.startswith("_"))
    loaded_files = sorted(Path(entry["file"]).name for entry in listing["tests"])
    assert loaded_files == builtin, "every built-in test is loaded"
    assert all(Path(entry["file"]).resolve().is_relative_to(venv.resolve()) for entry in listing["tests"])
    assert all(entry["state"] == "ok" for entry in listing["tests"]), listing["tests"]

    picture = work / "plan.png"
    console = [str(venv / "bin" / "prolan-console"), "--config", str(config), "--view", "plan"]
    run([*console, "--screenshot", str(picture), "--size", "800x600"], work, env, timeout=300)
    assert picture.is_file()

    from PyQt6.QtGui import QImage

    image = QImage(str(picture))
    assert (image.width(), image.height()) == (800, 600)
    colours = {image.pixel(x, y) for x in range(0, 800, 8) for y in range(0, 600, 8)}
    assert len(colours) > 50, "the plan with its background map is drawn, not a blank window"
