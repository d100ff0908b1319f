"""README, "The first hour" (issue 18, point 2): every command of its shell blocks is run as a new
user would run it, in a second terminal while the living demo runs: the same `prolan-probe demo
--live` that `make demo` starts (with a short history and free ports), a fresh home folder, the
commands verbatim (only the SNMP port is the test's). The SNMP commands must print no MIB error on
this stock Debian; the examples must import; the README's claims about the output must hold."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
VENV = Path(sys.prefix) if sys.prefix != sys.base_prefix else None  # the virtual environment


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


EXAMPLE_DAY = "2026-11-25"  # the day of examples/presses.csv (README, "The first hour")


def recent_examples(source: Path, target: Path, today: dt.date) -> None:
    """A copy of the examples folder whose presses are dated yesterday instead of EXAMPLE_DAY (same
    times and offsets): within the 400-day plausibility window whatever the date the tests run on,
    and never in the future (the latest press is 09:30 +03:00)."""
    shutil.copytree(source, target)
    presses = target / "presses.csv"
    text = presses.read_text(encoding="utf-8")
    assert text.count(EXAMPLE_DAY) == len(text.splitlines()) - 1, "every press on the README's day"
    presses.write_text(
        text.replace(EXAMPLE_DAY, (today - dt.timedelta(days=1)).isoformat()), encoding="utf-8"
    )


def first_hour_commands() -> list[str]:
    """The command lines of the shell blocks of the README's "The first hour" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## The first hour\n", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        commands += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return commands


def test_the_first_hour_lists_what_a_new_user_needs() -> None:
    commands = first_hour_commands()
    assert commands[0] == ". .venv/bin/activate"
    assert any(c.startswith("snmptable") for c in commands) and any(
        c.startswith("snmpwalk") for c in commands
    )
    assert any("--screenshot" in c for c in commands)
    assert any("notify test" in c for c in commands) and any("/demo/mail/" in c for c in commands)
    assert "prolan-probe topology import examples/topology.toml" in commands
    assert "prolan-probe presses import examples/presses.csv" in commands
    text = README.read_text(encoding="utf-8")
    picture = re.search(r"!\[[^]]*\]\((docs/img/[^)]+\.png)\)", text.split("## The first hour", 1)[1])
    assert picture is not None and (ROOT / picture.group(1)).stat().st_size > 20_000


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A new user's home folder and environment (no data folder, no config)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in ("PROLAN_DATA_DIR", "PROLAN_CONFIG", "XDG_DATA_HOME")
    }
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", LANG="C.UTF-8")
    yield home, env


def test_every_first_hour_command_runs_against_the_living_demo(
    tmp_path: Path, home: tuple[Path, dict[str, str]]
) -> None:
    assert VENV is not None, "the README's commands live in a virtual environment (.venv)"
    _home, env = home
    ingest, smtp, snmp = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "probe", "demo", "--live", "--hours", "2", "--no-console",
            "--ingest", f"127.0.0.1:{ingest}", "--smtp", f"127.0.0.1:{smtp}", "--snmp", f"127.0.0.1:{snmp}",
        ],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    work = tmp_path / "work"  # "this folder": the checkout's examples, MIB files and .venv
    work.mkdir()
    # The examples with the presses dated yesterday, as the README says to do once they are old.
    recent_examples(ROOT / "examples", work / "examples", dt.date.today())
    for name, target in (("mib", ROOT / "mib"), (".venv", VENV)):
        (work / name).symlink_to(target)
    outputs: dict[str, subprocess.CompletedProcess[str]] = {}
    try:
        assert demo.stdout is not None
        started = ""
        deadline = time.monotonic() + 400
        while "mails:" not in started and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            started += line
        assert "mails:" in started, started
        for command in first_hour_commands()[1:]:
            line = command.replace("127.0.0.1:1161", f"127.0.0.1:{snmp}")
            result = subprocess.run(
                ["bash", "-c", f". .venv/bin/activate\n{line}"],
                cwd=work, env=env, capture_output=True, text=True, timeout=180,
            )  # fmt: skip
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            if command.startswith(("snmp",)):
                assert result.stderr == "", f"{command} printed errors:\n{result.stderr}"
            outputs[command] = result
    finally:
        demo.send_signal(signal.SIGINT)
        rest, _unused = demo.communicate(timeout=60)
    assert demo.returncode == 0, rest

    def out(prefix: str) -> str:
        return next(r.stdout for c, r in outputs.items() if c.startswith(prefix))

    assert "АЗС Тёплый Стан" in out("prolan-probe metrics --point")
    assert "tcp:127.0.0.1" in out("prolan-probe metrics --test INGEST") or "INGEST" in out(
        "prolan-probe metrics --test INGEST"
    )
    points = out(
        "snmptable -v2c -c public -M +mib -m PROLAN-MIB:SNMPv2-MIB -Cb 127.0.0.1:1161 prolanPointTable"
    )
    assert "АЗС Тёплый Стан" in points and "Москва/ЮЗАО" in points
    metrics = out(
        "snmptable -v2c -c public -M +mib -m PROLAN-MIB:SNMPv2-MIB -Cb 127.0.0.1:1161 prolanMetricTable"
    )
    assert "LOYALTY_MON. Тест работает" in metrics and ",+3:0" in metrics  # local times with the offset
    assert "prolanProbeStartTime.0" in out("snmpwalk")
    assert (work / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ".eml" in out("ls ~/.local/share/prolan-probe/demo/mail/")
    assert "3 points" in out("prolan-probe topology import") or "points" in out(
        "prolan-probe topology import"
    )
    assert re.search(r"10 rows read, 10 stored", out("prolan-probe presses import")), out(
        "prolan-probe presses import"
    )
    assert re.search(r"4 rows read, 4 stored", out("prolan-probe queue import"))


def test_a_press_time_without_offset_is_refused_as_the_readme_says(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    config = tmp_path / "probe.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.sqlite"}"\n', encoding="utf-8")
    run_cli("db", "init", config=config, check=True)
    run_cli("topology", "import", str(ROOT / "examples" / "topology.toml"), config=config, check=True)
    naive = tmp_path / "presses.csv"
    naive.write_text("pad,button,pressed_at,question\nA-1,1,2026-11-25 09:05:12,\n", encoding="utf-8")
    result = run_cli("presses", "import", str(naive), config=config)
    quoted = re.search(r"`(presses\.csv:2: bad time: [^`]+)`", README.read_text(encoding="utf-8"))
    assert quoted is not None
    assert result.returncode == 1 and quoted.group(1) in result.stderr.replace(str(tmp_path) + "/", "")


def test_the_example_presses_import_today_and_the_readme_says_when_they_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/presses.csv is dated EXAMPLE_DAY; the first-hour test imports a copy dated yesterday
    (all ten presses stored with the default 400-day window), and the README says from when the
    file itself is refused and what to do then — which holds: 400 days after, `--max-age-days 0`
    imports it."""
    from probe.presses import PlausibleWindow, PressRejected
    from tests.notifier_helpers import cli

    text = README.read_text(encoding="utf-8")
    assert (
        "`examples/presses.csv` is dated 25 November 2026: on 30 December 2027 its presses pass 400 days"
        in text
    )
    # Its first press (09:05 +03:00) is still plausible at the end of 29 December 2027, its last
    # (09:30 +03:00) no longer in the morning of the 30th.
    first = dt.datetime(2026, 11, 25, 6, 5, 12, tzinfo=dt.UTC)
    last = dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)
    PlausibleWindow(now=lambda: dt.datetime(2027, 12, 29, 23, 59, tzinfo=dt.UTC)).check(first)
    with pytest.raises(PressRejected, match="older than 400 days"):
        PlausibleWindow(now=lambda: dt.datetime(2027, 12, 30, 6, 31, tzinfo=dt.UTC)).check(last)
    copy = tmp_path / "examples"
    recent_examples(ROOT / "examples", copy, dt.date.today())
    assert EXAMPLE_DAY not in (copy / "presses.csv").read_text(encoding="utf-8")
    config = tmp_path / "probe.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.sqlite"}"\n', encoding="utf-8")
    assert cli(capsys, "db", "init", config=config).returncode == 0
    assert cli(capsys, "topology", "import", str(copy / "topology.toml"), config=config).returncode == 0
    result = cli(capsys, "presses", "import", str(copy / "presses.csv"), config=config)
    assert re.search(r"10 rows read, 10 stored", result.stdout), result.stdout
    # The README's way for the file itself, whatever its age (the presses are stored already).
    again = cli(capsys, "presses", "import", "--max-age-days", "0", str(ROOT / "examples" / "presses.csv"), config=config)  # fmt: skip
    assert re.search(r"10 rows read, \d+ stored", again.stdout), again.stdout
