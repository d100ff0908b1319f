"""`prolan-probe demo --live`: after the history, the demo goes on living under one supervisor.

The supervisor (this process) writes the demo's configuration into `<data folder>/demo/demo.toml`
(ingest over TCP with a fresh token, SNMP, a notification rule for the degrading point, SMTP to
the local mail server), runs the mail server in-process (`probe.demo.mailsink`: every message
becomes an `.eml` file in `<data folder>/demo/mail/`), and starts as child processes
`prolan-probe run` (the service), `prolan-probe simulate` (the chain's pads, pressing through the
ingest from where the history ended) and, where there is a display, `prolan-console`.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops every child (SIGTERM, then SIGKILL after
`STOP_SECONDS`) and the mail server, and the supervisor exits; the children are in their own
sessions (a Ctrl-C reaches them only through the supervisor, in order) and die with the supervisor
even when it is killed (`probe.demo.guard`). A probe or simulator that exits on its own stops the
demo with its exit status; a console closed by the user leaves the rest running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from probe.config import ProbeConfig
from probe.demo.chain import DEGRADING_POINT
from probe.demo.mailsink import MailSink
from probe.i18n import _, current_language
from probe.resources import mib_dir

STOP_SECONDS = 10.0
READY_SECONDS = 90.0
DEFAULT_INGEST = "127.0.0.1:7070"
DEFAULT_SMTP = "127.0.0.1:8025"
DEFAULT_SNMP = "127.0.0.1:1161"
DEMO_RULE = "Тёплый Стан: негативные ответы"
DEMO_RECIPIENTS = "качество"


class LiveDemoError(Exception):
    """Worded for the operator: the live demo cannot start."""


@dataclass(frozen=True)
class LiveDemoSettings:
    folder: Path  # <data folder>/demo: demo.toml, mail/
    database_url: str
    timezone: str
    ingest: str = DEFAULT_INGEST
    smtp: str = DEFAULT_SMTP
    snmp: str = DEFAULT_SNMP
    token: str = ""
    console: bool = True

    @property
    def config_file(self) -> Path:
        return self.folder / "demo.toml"

    @property
    def mail_folder(self) -> Path:
        return self.folder / "mail"


def split_address(text: str, option: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LiveDemoError(
            _("{option} {value!r}: expected HOST:PORT, e.g. 127.0.0.1:7070").format(option=option, value=text)
        )
    return host.strip("[]"), int(port)


def _toml(value: str) -> str:
    # A TOML basic string: JSON's escapes are valid TOML escapes.
    return json.dumps(value, ensure_ascii=False)


def demo_config_text(settings: LiveDemoSettings) -> str:
    """The demo's configuration (every value here is also in probe.example.toml)."""
    smtp_host, smtp_port = split_address(settings.smtp, "--smtp")
    return f"""\
# The live demo's configuration, written by `prolan-probe demo --live` at every start: change the
# command's options (--ingest, --smtp, --snmp), not this file. README.md, "The first hour".
timezone = {_toml(settings.timezone)}

[database]
url = {_toml(settings.database_url)}

[snmp]
listen = {_toml(settings.snmp)}

[ingest.tcp]
# The simulator (`prolan-probe simulate`) sends the chain's presses here, after AUTH <token>.
listen = {_toml(settings.ingest)}
tokens = [{_toml(settings.token)}]

[notifier]
language = {_toml(current_language())}

[notifier.smtp]
# The demo's own mail server: every message becomes an .eml file in {_toml(str(settings.mail_folder))}.
host = {_toml(smtp_host)}
port = {smtp_port}
sender = "prolan-demo@localhost"

[notifier.outbox]
poll_seconds = 2.0

[[notifier.recipients]]
name = {_toml(DEMO_RECIPIENTS)}
members = [{{ name = "Менеджер по качеству", email = "quality@demo.example" }}]

# {DEGRADING_POINT} goes bad every hour from :00 to :20: two 10-minute intervals in a row
# assessed "edge" or worse open an incident (a mail), two better ones close it (a recovery mail).
[[notifier.rules]]
name = {_toml(DEMO_RULE)}
metrics = {_toml(f"LOYALTY_MON. *. {DEGRADING_POINT}. % негативных ответов. Интервал 10 мин")}
level = "edge"
consecutive = 2
recipients = [{_toml(DEMO_RECIPIENTS)}]
channels = ["email"]
recovery = true
recovery_after = 2
"""


def write_demo_config(settings: LiveDemoSettings) -> Path:
    settings.folder.mkdir(parents=True, exist_ok=True)
    path = settings.config_file
    partial = path.with_suffix(".part")
    partial.write_text(demo_config_text(settings), encoding="utf-8")
    os.chmod(partial, 0o600)  # it holds the ingest token
    partial.replace(path)
    return path


def settings_for(
    config: ProbeConfig,
    folder: Path,
    *,
    ingest: str = DEFAULT_INGEST,
    smtp: str = DEFAULT_SMTP,
    snmp: str = DEFAULT_SNMP,
    console: bool = True,
) -> LiveDemoSettings:
    """The live demo's settings: the database and time zone of the operator's config (so
    `make demo DEMO_CONFIG=pg.toml` lives on PostgreSQL), the rest from the options."""
    url = config.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and config.source is not None:
        # a relative SQLite path is relative to the config file; the demo's config is elsewhere
        url = "sqlite:///" + str(config.resolve_path(Path(url.removeprefix("sqlite:///"))).resolve())
    return LiveDemoSettings(
        folder=folder,
        database_url=url,
        timezone=config.timezone,
        ingest=ingest,
        smtp=smtp,
        snmp=snmp,
        token=secrets.token_urlsafe(18),
        console=console,
    )


def check_free(address: str, option: str, kind: int) -> None:
    """A clear error now rather than a child that cannot listen later."""
    host, port = split_address(address, option)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, kind) as probe_socket:
        try:
            probe_socket.bind((host, port))
        except OSError as exc:
            raise LiveDemoError(
                _(
                    "{address} ({option}) cannot be used: {error}. Is another demo still running? "
                    "Stop it or choose another {option} HOST:PORT"
                ).format(address=address, option=option, error=exc.strerror or exc)
            ) from None


def _console_command() -> list[str] | None:
    beside = Path(sys.executable).parent / "prolan-console"
    found = str(beside) if beside.exists() else shutil.which("prolan-console")
    return [found] if found else None


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    essential: bool


class Supervisor:
    """The children of the live demo and how they stop."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.signal_name: str | None = None

    def spawn(self, name: str, command: list[str], *, essential: bool) -> Child:
        guarded = [sys.executable, "-m", "probe.demo.guard", str(os.getpid()), *command]
        process = subprocess.Popen(guarded, start_new_session=True)
        child = Child(name, process, essential)
        self.children.append(child)
        return child

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(signum).name
        self.stopping.set()

    def install_signals(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def watch(self) -> Child | None:
        """Until a signal comes or an essential child exits (returned); a console that exits is
        reported once and let go."""
        reported: set[str] = set()
        while not self.stopping.wait(0.3):
            for child in self.children:
                status = child.process.poll()
                if status is None or child.name in reported:
                    continue
                if child.essential:
                    return child
                reported.add(child.name)
                print(
                    _("demo: {name} has exited; the demo goes on (Ctrl-C stops it)").format(name=child.name),
                    flush=True,
                )
        return None

    def stop_all(self) -> None:
        """SIGTERM to every child still running (the last started first), SIGKILL after STOP_SECONDS."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in reversed(self.children):
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(
                    _("demo: {name} did not stop in {seconds:.0f} s; killed").format(
                        name=child.name, seconds=STOP_SECONDS
                    ),
                    flush=True,
                )
                child.process.kill()
                child.process.wait()


def wait_for_tcp(address: str, deadline: float, supervisor: Supervisor) -> bool:
    host, port = split_address(address, "--ingest")
    while time.monotonic() < deadline and not supervisor.stopping.is_set():
        if any(c.essential and c.process.poll() is not None for c in supervisor.children):
            return False
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def what_to_look_at(settings: LiveDemoSettings, console_started: bool) -> str:
    snmp_host, snmp_port = split_address(settings.snmp, "--snmp")
    lines = [
        _("demo: the probe is running; the chain's pads keep pressing (Ctrl-C stops everything)."),
        _("  configuration: {path}").format(path=settings.config_file),
        _(
            "  SNMP:          snmptable -v2c -c public -M +{mib} -m PROLAN-MIB:SNMPv2-MIB -Cb {address} prolanMetricTable"
        ).format(mib=mib_dir(), address=f"{snmp_host}:{snmp_port}"),
        _("  values:        prolan-probe --config {path} metrics --point '{point}'").format(
            path=settings.config_file, point=DEGRADING_POINT
        ),
        _("  mails:         {folder} (.eml files; the rule '{rule}')").format(
            folder=settings.mail_folder, rule=DEMO_RULE
        ),
        _("  console:       started")
        if console_started
        else _("  console:       prolan-console (needs a display)"),
    ]
    return "\n".join(lines)


def run_live_demo(settings: LiveDemoSettings, *, history_end: dt.datetime, seed: int) -> int:
    """Run until Ctrl-C; returns the exit status (0 after a signal, 1 when a child failed)."""
    check_free(settings.ingest, "--ingest", socket.SOCK_STREAM)
    check_free(settings.smtp, "--smtp", socket.SOCK_STREAM)
    check_free(settings.snmp, "--snmp", socket.SOCK_DGRAM)
    config_file = write_demo_config(settings)
    smtp_host, smtp_port = split_address(settings.smtp, "--smtp")
    sink = MailSink(smtp_host, smtp_port, settings.mail_folder)
    sink.start()
    supervisor = Supervisor()
    supervisor.install_signals()
    # The children speak the supervisor's language (its --lang or its locale).
    language = current_language()
    probe = [sys.executable, "-m", "probe", "--config", str(config_file), "--lang", language]
    status = 0
    try:
        supervisor.spawn("prolan-probe run", [*probe, "run"], essential=True)
        # The pads start once the probe listens (they would only log refused connections before).
        if wait_for_tcp(settings.ingest, time.monotonic() + READY_SECONDS, supervisor):
            start = history_end.astimezone(dt.UTC).isoformat()
            supervisor.spawn(
                "prolan-probe simulate",
                [*probe, "simulate", "--start", start, "--seed", str(seed)],
                essential=True,
            )
            console_started = False
            console = _console_command()
            display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            if settings.console and console and display:
                supervisor.spawn(
                    "prolan-console",
                    [*console, "--config", str(config_file), "--lang", language],
                    essential=False,
                )
                console_started = True
            print(what_to_look_at(settings, console_started), flush=True)
        failed = supervisor.watch()
        if failed is not None:
            status = 1
            print(
                _("demo: {name} exited with status {status}; stopping the demo").format(
                    name=failed.name, status=failed.process.returncode
                ),
                file=sys.stderr,
                flush=True,
            )
        elif supervisor.signal_name:
            print(_("demo: {signal} received: stopping").format(signal=supervisor.signal_name), flush=True)
    finally:
        supervisor.stop_all()
        sink.stop()
    print(
        _("demo: stopped ({count} mails in {folder})").format(
            count=sink.writer.count, folder=settings.mail_folder
        ),
        flush=True,
    )
    return status
