"""Templates bounded in time and memory (issue 17, point 5): a template over a limit fails with
an error naming the rule and the template; the start-up check never blocks `run`'s loop, and
SIGTERM stops `run` within 5 s even during the check."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from notifier.messages import TemplateProblem, TemplateSet
from notifier.sandbox import RenderLimits, SandboxRenderer
from tests.helpers import run_cli
from tests.integration.test_service import Service

# Timing-bound (a CPU or wall-clock budget): run by `make test` after the parallel part, alone.
pytestmark = pytest.mark.serial

HOSTILE = {
    "nested loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "lipsum": "{{ lipsum(n=10**6) }}",
    "a gigabyte": "{{ 'x' * 10**9 }}",
    "a megabyte of output": "{% for i in range(20000) %}{{ metric }}{% endfor %}",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_template_over_a_limit_fails_with_rule_and_file_named(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "alert.j2"
    path.write_text("Тревога\n" + HOSTILE[kind], encoding="utf-8")
    renderer = SandboxRenderer(RenderLimits(seconds=1.0, memory_mb=128, max_output_bytes=64 * 1024))
    try:
        templates = TemplateSet("ru", {"text": path}, rule="Калужская: негатив", renderer=renderer)
        started = time.monotonic()
        with pytest.raises(TemplateProblem) as info:
            templates.check()
        assert time.monotonic() - started < 4
        message = str(info.value)
        assert message.startswith(f"rule 'Калужская: негатив': {path}:")
        assert "text template" in message
        assert any(limit in message for limit in ("time limit", "memory limit", "output limit")), message
        # the renderer is usable again after the worker was stopped
        good = TemplateSet("ru", rule="x", renderer=renderer)
        good.check()
    finally:
        renderer.close()


def _notifier_config(tmp_path: Path, db_url: str, template: str, *, snmp_port: int | None = None) -> Path:
    path = tmp_path / "alert.j2"
    path.write_text(template, encoding="utf-8")
    snmp = f'[snmp]\nlisten = "127.0.0.1:{snmp_port}"\n' if snmp_port else "[snmp]\nenabled = false\n"
    config = tmp_path / "probe.toml"
    config.write_text(
        f"""timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[tests]
builtin = false
{snmp}
[notifier.smtp]
host = "127.0.0.1"
port = 2525
[[notifier.recipients]]
name = "managers"
members = [{{name = "Анна", email = "anna@example.com"}}]
[[notifier.rules]]
name = "негатив"
recipients = ["managers"]
templates = {{text = "{path}"}}
""",
        encoding="utf-8",
    )
    return config


def test_notify_check_reports_a_runaway_template_in_one_line(tmp_path: Path, db_url: str) -> None:
    config = _notifier_config(tmp_path, db_url, HOSTILE["nested loops"])
    started = time.monotonic()
    result = run_cli("notify", "check", config=config, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"rule 'негатив': {tmp_path / 'alert.j2'}" in lines[0] and "time limit" in lines[0]


def render_worker_of(pid: int) -> bool:
    """Whether process `pid` has a template render worker (`python -m notifier.sandbox`) running."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"notifier.sandbox" in cmdline:
            return True
    return False


def test_sigterm_stops_run_within_5_s_during_the_template_check(tmp_path: Path, db_url: str) -> None:
    config = _notifier_config(tmp_path, db_url, HOSTILE["nested loops"])
    log_path = tmp_path / "probe.log"
    with config.open("a", encoding="utf-8") as out:
        out.write(f'[logging]\nfile = "{log_path}"\n')
    text = config.read_text(encoding="utf-8")
    # a long render limit: the check is surely still running when SIGTERM comes
    config.write_text(
        text.replace("[notifier.smtp]", "[notifier]\nrender_seconds = 30.0\n[notifier.smtp]"),
        encoding="utf-8",
    )
    run_cli("db", "init", config=config, check=True)
    service = Service(config, log_path)
    try:
        service.wait_for(lambda: render_worker_of(service.process.pid), "the template check to start")
        code, seconds = service.terminate(signal.SIGTERM)
        assert seconds < 5, service.log()
        assert code == 0 and "Traceback" not in service.log(), service.log()
    finally:
        service.close()
