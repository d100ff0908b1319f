"""Strict configuration and a service that never runs half (issue 17, point 7): every problem
stops `prolan-probe run` with one line naming the file and key — before anything is bound when the
config is at fault, or after stopping what started when a component cannot start (a busy port)."""

from __future__ import annotations

import socket
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import run_cli


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write(tmp_path: Path, body: str) -> Path:
    snmp_port = free_port(socket.SOCK_DGRAM)
    config = tmp_path / "probe.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            [database]
            url = "sqlite:///{tmp_path / "agg.sqlite"}"
            [logging]
            file = "{tmp_path / "probe.log"}"
            [snmp]
            listen = "127.0.0.1:{snmp_port}"
            """
        )
        + textwrap.dedent(body),
        encoding="utf-8",
    )
    return config


def refused(config: Path, *args: str) -> str:
    """Run `prolan-probe run` (or `args`): it must exit non-zero at once with one stderr line."""
    started = time.monotonic()
    result = run_cli(*(args or ("run",)), config=config, timeout=120)
    assert result.returncode != 0, result.stdout + result.stderr
    assert time.monotonic() - started < 60
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def nothing_bound(tmp_path: Path) -> bool:
    log = tmp_path / "probe.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return "SNMP agent on" not in text and "listening for presses" not in text


@pytest.mark.parametrize(
    ("body", "key", "what"),
    [
        ('max_repetitions = "100"\n', "snmp.max_repetitions", "valid integer"),
        ("enabled = 1\n", "snmp.enabled", "valid boolean"),
        ('[v2c]\ncommunities = "public"\n', "snmp.v2c.communities", "valid list"),
        ('engine_id = "0x80"\n', "snmp.engine_id", "5 to 32 octets"),
    ],
)
def test_a_value_of_the_wrong_type_is_never_converted(tmp_path: Path, body: str, key: str, what: str) -> None:
    # the [snmp] table of write() gets these keys (a sub-table for v2c)
    config = write(tmp_path, "")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[snmp]\n", "[snmp]\n" + body, 1)
        if not body.startswith("[")
        else text + "[snmp." + body[1:],
        encoding="utf-8",
    )
    line = refused(config)
    assert f"{config.resolve()}: key '{key}':" in line and what in line, line
    assert nothing_bound(tmp_path)


@pytest.mark.parametrize(
    ("body", "key", "what"),
    [
        ("[console]\nprobe = '127.0.0.1:1161'\nzoom = 3\n", "console.zoom", "unknown key"),
        ("[ingest.tcp]\nlisten = '127.0.0.1:99999'\n", "ingest.tcp.listen", "port 0..65535"),
        (
            "[ingest.tcp]\nallowed_addresses = ['10.0.0.0/33']\n",
            "ingest.tcp.allowed_addresses",
            "not an address",
        ),
        ("[ingest]\nmax_age_days = '400'\n", "ingest.max_age_days", "valid number"),
        (
            "[tests.LOYALTY_MON]\ninterval_minutes = '10'\n",
            "tests.LOYALTY_MON.interval_minutes",
            "valid integer",
        ),
        ("[notifier]\nrender_seconds = '2'\n", "notifier.render_seconds", "valid number"),
        (
            "[[snmp.trap_targets]]\naddress = '127.0.0.1:162'\nversion = 'v3'\nuser = 'nobody'\n",
            "snmp",
            "'nobody'",
        ),
    ],
)
def test_unknown_keys_and_bad_values_in_every_section(tmp_path: Path, body: str, key: str, what: str) -> None:
    config = write(tmp_path, body)
    line = refused(config)
    assert f"key '{key}'" in line and what in line, line
    assert nothing_bound(tmp_path)


def test_a_bad_snmp_listen_address_is_refused_before_anything_binds(tmp_path: Path) -> None:
    config = write(tmp_path, "")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('listen = "127.0.0.1:', 'listen = "256.1.1.1:'), encoding="utf-8")
    line = refused(config)
    assert "key 'snmp.listen'" in line and "'256.1.1.1' is not an IP address" in line
    assert nothing_bound(tmp_path)


def test_test_sections_are_checked_against_the_loaded_tests(tmp_path: Path) -> None:
    config = write(tmp_path, "[tests.LOYALTY_MOM]\ninterval_minutes = 10\n")
    line = refused(config)
    assert line.endswith(
        f"{config.resolve()}: key 'tests.LOYALTY_MOM': no such test (tests: " + line.split("(tests: ")[1]
    )
    assert "LOYALTY_MON" in line and nothing_bound(tmp_path)
    config = write(tmp_path, "[tests.LOYALTY_MON.parameters]\nno_such_parameter = 1\n")
    line = refused(config)
    assert "key 'tests.LOYALTY_MON': test LOYALTY_MON: unknown parameter 'no_such_parameter'" in line
    assert nothing_bound(tmp_path)


NOTIFIER = """
[notifier.smtp]
host = "127.0.0.1"
port = 2525
[[notifier.recipients]]
name = "managers"
members = [{name = "Анна", email = "anna@example.com"}]
[[notifier.rules]]
name = "негатив"
"""


def test_notifier_references_are_checked_at_start(tmp_path: Path) -> None:
    config = write(tmp_path, NOTIFIER + 'recipients = ["managerz"]\n')
    run_cli("db", "init", config=config, check=True)
    line = refused(config)
    assert f"{config.resolve()}: key 'notifier.rules[0].recipients': no recipient list 'managerz'" in line
    assert nothing_bound(tmp_path)
    config = write(
        tmp_path, NOTIFIER + f'recipients = ["managers"]\ntemplates = {{text = "{tmp_path / "gone.j2"}"}}\n'
    )
    line = refused(config)
    assert "key 'notifier.rules[0].templates'" in line and "gone.j2: cannot read the text template" in line
    config = write(tmp_path, NOTIFIER + 'recipients = ["managers"]\ntest = "LOYALTY_MOM"\n')
    line = refused(config)
    assert "key 'notifier.rules[0].test': no test 'LOYALTY_MOM'" in line
    assert nothing_bound(tmp_path)


def test_a_busy_port_stops_run_with_the_key_named_and_nothing_left_running(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write(tmp_path, f'[ingest.tcp]\nlisten = "127.0.0.1:{port}"\n')
        line = refused(config)
    assert line.startswith(f"prolan-probe: [ingest.tcp] listen = '127.0.0.1:{port}': cannot listen:")
    log = (tmp_path / "probe.log").read_text(encoding="utf-8")
    assert "component probe.snmp.agent stopped" in log  # it had started: stopped again


def test_db_init_reports_an_unusable_sqlite_path_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    config = tmp_path / "db.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{blocker}/sub/agg.sqlite"\n', encoding="utf-8")
    line = refused(config, "db", "init")
    assert (
        line
        == f"prolan-probe: sqlite:///{blocker}/sub/agg.sqlite: cannot create the folder {blocker}/sub: Not a directory"
    )
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    config.write_text(f'[database]\nurl = "sqlite:///{folder}"\n', encoding="utf-8")
    line = refused(config, "db", "init")
    assert line.endswith("cannot create the schema: OperationalError: unable to open database file")


def test_a_busy_snmp_port_stops_run_with_the_key_named(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        config = write(tmp_path, "")
        text = config.read_text(encoding="utf-8")
        start = text.index('listen = "127.0.0.1:')
        end = text.index('"', start + len('listen = "'))
        config.write_text(text[:start] + f'listen = "127.0.0.1:{port}' + text[end:], encoding="utf-8")
        line = refused(config)
    assert line.startswith(f"prolan-probe: [snmp] listen = '127.0.0.1:{port}': cannot bind:"), line
