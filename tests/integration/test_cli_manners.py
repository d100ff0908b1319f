"""Command-line manners (issue 18, point 4) and Russian first (point 5), on the real command line:
filters that match nothing say so and suggest, partial names, closed pipes, progress bars on a
terminal, `prolan-console --point`, and the language from `--lang` or the locale."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("manners")
    config = folder / "probe.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{folder / "a.sqlite"}"\n', encoding="utf-8")
    run_cli("demo", "--hours", "1", "--until", "2026-11-20T12:00", config=config, check=True, timeout=300)
    return config


def test_point_accepts_the_exact_name_or_a_part_of_one(demo_config: Path) -> None:
    exact = run_cli("--lang", "en", "metrics", "--point", "АЗС Тёплый Стан", config=demo_config, check=True)
    partial = run_cli("--lang", "en", "metrics", "--point", "Теплый стан", config=demo_config, check=True)
    assert exact.stdout == partial.stdout and "АЗС Тёплый Стан" in exact.stdout
    several = run_cli("--lang", "en", "metrics", "--point", "АЗС", config=demo_config)
    assert several.returncode == 1 and several.stdout == ""
    assert "matches several service points" in several.stderr
    assert all(
        name in several.stderr for name in ("'АЗС Горки'", "'АЗС Ленинградское шоссе'", "'АЗС Тёплый Стан'")
    )


def test_filters_matching_nothing_say_so_with_the_closest_names_and_exit_1(demo_config: Path) -> None:
    typo = run_cli("--lang", "en", "metrics", "--test", "LOYALTI_MON", config=demo_config)
    assert typo.returncode == 1 and typo.stdout == ""
    assert typo.stderr.strip() == (
        "prolan-probe: --test 'LOYALTI_MON' matches none of the evaluation tests; did you mean 'LOYALTY_MON'?"
    )
    nope = run_cli("--lang", "en", "metrics", "--test", "NOPE", config=demo_config)
    assert nope.returncode == 1 and "matches none" in nope.stderr and "'LOYALTY_MON'" in nope.stderr
    point = run_cli("--lang", "en", "metrics", "--point", "Калужскя", config=demo_config)
    assert point.returncode == 1 and "did you mean 'Калужская'" in point.stderr
    evaluate = run_cli("--lang", "en", "evaluate", "--test", "QUEUE", "--test", "NOPE", config=demo_config)
    assert evaluate.returncode == 1 and "--test 'NOPE'" in evaluate.stderr
    russian = run_cli("--lang", "ru", "metrics", "--test", "NOPE", config=demo_config)
    assert russian.returncode == 1 and "нет такого среди оценочных тестов" in russian.stderr
    console = subprocess.run(
        [sys.executable, "-c", "import sys; from console.app import main; sys.exit(main())",
         "--config", str(demo_config), "--lang", "en", "--point", "NOPE", "--screenshot", "x.png"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert console.returncode == 1, console.stderr
    assert "prolan-console: --point 'NOPE' matches none of the service points" in console.stderr


def test_console_point_opens_the_page_of_a_partial_name(demo_config: Path, tmp_path: Path) -> None:
    shot = tmp_path / "point.png"
    console = subprocess.run(
        [sys.executable, "-c", "import sys; from console.app import main; sys.exit(main())",
         "--config", str(demo_config), "--point", "Тёплый", "--screenshot", str(shot)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert console.returncode == 0, console.stderr
    assert shot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("command", ["metrics", "evaluate --at 2026-11-20T12:00", "tests"])
def test_output_to_a_closed_pipe_ends_quietly(demo_config: Path, command: str) -> None:
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m probe --config {demo_config} {command} | head -1; exit ${{PIPESTATUS[0]}}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.stdout.count("\n") == 1
    assert result.stderr == "", result.stderr  # no BrokenPipeError traceback
    assert result.returncode in (0, 141)


def terminal_screen(data: str) -> list[str]:
    """What a terminal shows after `data`: a carriage return goes back to the start of the line and
    later characters overwrite earlier ones (ANSI sequences removed)."""
    import re

    data = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data)
    lines: list[list[str]] = [[]]
    column = 0
    for char in data:
        if char == "\n":
            lines.append([])
            column = 0
        elif char == "\r":
            column = 0
        else:
            line = lines[-1]
            if column < len(line):
                line[column] = char
            else:
                line.append(char)
            column += 1
    return ["".join(line).rstrip() for line in lines]


def test_the_progress_bar_redraws_cleanly_on_a_terminal(demo_config: Path) -> None:
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    process = subprocess.Popen(
        [sys.executable, "-m", "probe", "--config", str(demo_config), "--lang", "en", "backfill",
         "--test", "LOYALTY_MON", "--test", "INGEST", "--from", "2026-11-20T08:00", "--to", "2026-11-20T12:00"],
        cwd=ROOT, stdin=child, stdout=child, stderr=child,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"},
    )  # fmt: skip
    os.close(child)
    output = b""
    while True:
        ready, _w, _x = select.select([parent], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(parent, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(60)
    os.close(parent)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert text.count("\r") >= 2  # drawn, then redrawn in place
    screen = [line for line in terminal_screen(text) if line]
    bar, summary = screen[-2], screen[-1]
    assert summary == "backfill: 48 evaluations of LOYALTY_MON, INGEST, 0 failed"
    # the last drawing of the bar is complete and nothing of a longer earlier drawing is left
    assert "100%" in bar and "48/48" in bar, bar
    assert bar.endswith(("/s]", "interval/s]", "s/interval]")), bar


def test_russian_when_the_locale_or_lang_says_so_english_otherwise(demo_config: Path) -> None:
    def run(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
        return run_cli(
            *args, config=demo_config, env={"LANG": lang, "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
        )

    russian = run("tests", lang="ru_RU.UTF-8")
    assert russian.stdout.splitlines()[0].split() == [
        "тест",
        "расписание",
        "последний",
        "запуск",
        "состояние",
        "описание",
    ]
    assert "каждые 10 мин" in russian.stdout
    english = run("tests", lang="C.UTF-8")
    assert english.stdout.splitlines()[0].split() == [
        "test",
        "schedule",
        "last",
        "run",
        "state",
        "description",
    ]
    forced = run("--lang", "ru", "metrics", "--point", "АЗС Тёплый Стан", lang="C.UTF-8")
    assert "оценка" in forced.stdout.splitlines()[0] and "плохо" in forced.stdout
    help_ru = run("--lang", "ru", "metrics", "--help", lang="C.UTF-8").stdout
    assert (
        help_ru.startswith("использование: prolan-probe metrics")
        and "показать эту справку и выйти" in help_ru
    )
    help_en = run("metrics", "--help", lang="C.UTF-8").stdout
    assert help_en.startswith("usage: prolan-probe metrics") and "only this service point" in help_en
    error = run("--lang", "ru", "metrics", "--bogus", lang="C.UTF-8")
    assert error.returncode == 2 and "ошибка: непонятные аргументы: --bogus" in error.stderr
