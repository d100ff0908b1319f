"""Press alerts end to end against a running service (`prolan-probe run` as a process) with the
real SMTP server (aiosmtpd) and a GSM modem on a socat pty pair, on SQLite and PostgreSQL:
a matching press over TCP gives exactly one e-mail and one SMS within 10 s of its `OK`, a
non-matching one none, presses inside the throttle window are gathered into the next message,
an old or imported press does not alert, and neither a dead mail server or modem nor a restart
(clean or kill -9) loses or repeats a message."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from probe.presses import presses_to_csv
from probe.store.schema import notifier_outbox
from tests.modem_sim import ModemSimulator, PtyPair
from tests.press_alert_helpers import setup_chain
from tests.service_process import ROOT, ProbeProcess, free_port, send_presses, utc_text, wait_for
from tests.smtp_server import Recorder, start_smtp

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 10.0


@pytest.fixture
def modem(tmp_path: Path) -> Iterator[tuple[PtyPair, ModemSimulator]]:
    pair = PtyPair(tmp_path)
    simulator = ModemSimulator(pair.modem_side)
    try:
        yield pair, simulator
    finally:
        simulator.close()
        pair.close()


def write_config(
    tmp_path: Path, db_url: str, tcp_port: int, smtp_port: int, modem_device: str, throttle_minutes: float
) -> Path:
    path = tmp_path / "probe.toml"
    path.write_text(
        f"""
name = "probe-test"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[tests]
builtin = false
[snmp]
enabled = false
[ingest]
spool_dir = "{tmp_path / "spool"}"
[ingest.tcp]
listen = "127.0.0.1:{tcp_port}"
[notifier.smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "probe@example.org"
timeout_seconds = 5
[notifier.sms]
port = "{modem_device}"
timeout_seconds = 3
[notifier.outbox]
retry_base_seconds = 1
retry_max_seconds = 2
poll_seconds = 0.5
claim_timeout_seconds = 5
[[notifier.recipients]]
name = "smena"
members = [{{ name = "Анна", email = "anna@example.org", phone = "+79990000000" }}]
[[notifier.press_rules]]
name = "форс-мажор"
kinds = ["force_majeure"]
recipients = ["smena"]
channels = ["email", "sms"]
at_most_every_minutes = {throttle_minutes}
""",
        encoding="utf-8",
    )
    return path


def prolan_probe(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Another `prolan-probe` process next to the running service."""
    return subprocess.run(
        [sys.executable, "-m", "probe", "--config", str(config), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def line(pad: str, button: int, at: dt.datetime) -> str:
    return f"{pad},{button},{utc_text(at)},"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def outbox_statuses(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifier_outbox.c.channel, notifier_outbox.c.status, notifier_outbox.c.attempts).order_by(
                notifier_outbox.c.id
            )
        ).all()
    return [(r.channel, r.status, int(r.attempts)) for r in rows]


def test_a_matching_press_reaches_mail_and_sms_within_seconds_and_throttled_ones_are_gathered(
    engine: Engine, db_url: str, tmp_path: Path, modem: tuple[PtyPair, ModemSimulator]
) -> None:
    pair, simulator = modem
    setup_chain(engine)
    recorder = Recorder()
    smtp = start_smtp(free_port(), recorder)
    tcp = free_port()
    config = write_config(tmp_path, db_url, tcp, smtp.port, pair.probe_side, throttle_minutes=0.25)
    probe = ProbeProcess(config, tcp, tmp_path / "probe.log")
    try:
        first = now()
        answers = send_presses(tcp, [line("P-1", 3, first), line("P-1", 4, first + dt.timedelta(seconds=1))])
        assert [a for a, _ in answers] == ["OK", "OK"]
        ok_at = answers[1][1]
        mailed = wait_for(lambda: len(recorder.messages) >= 1, DEADLINE_SECONDS + 5)
        texted = wait_for(lambda: len(simulator.received) >= 1, DEADLINE_SECONDS + 5)
        assert mailed - ok_at < DEADLINE_SECONDS and texted - ok_at < DEADLINE_SECONDS
        (message,) = recorder.messages
        local = (first + dt.timedelta(seconds=1)).astimezone(dt.timezone(dt.timedelta(hours=3)))
        assert message["Subject"] == f"[probe-test] Форс-мажор: Калужская, {local:%H:%M}"
        assert message["To"] == "Анна <anna@example.org>"
        (sms,) = simulator.received
        assert sms.number == "+79990000000" and sms.text.startswith(f"Форс-мажор: Калужская {local:%H:%M}")

        # three more inside the 15-second window: gathered into one message when it ends
        times = [now() + dt.timedelta(seconds=i) for i in range(3)]
        assert [a for a, _ in send_presses(tcp, [line("P-1", 4, t) for t in times])] == ["OK"] * 3
        time.sleep(2)
        assert len(recorder.messages) == 1  # the window is still open: nothing yet
        wait_for(lambda: len(recorder.messages) >= 2 and len(simulator.received) >= 2, 30)
        gathered = recorder.messages[1]
        since = times[0].astimezone(dt.timezone(dt.timedelta(hours=3)))
        body = gathered.get_body(("plain",))
        assert body is not None and f"— и ещё 2 нажатия с {since:%H:%M}." in body.get_content()
        assert gathered["Subject"].endswith(f"(+2 с {since:%H:%M})")
        assert f"ещё 2 с {since:%H:%M}" in simulator.received[1].text
        time.sleep(2)
        assert len(recorder.messages) == 2 and len(simulator.received) == 2  # exactly one each per alert
    finally:
        probe.stop()
        smtp.stop()
    listed = prolan_probe(config, "alerts", "list", "--format", "json")
    assert '"presses": 3' in listed.stdout and '"sent": 2' in listed.stdout


def test_old_and_imported_presses_do_not_alert_unless_asked(
    engine: Engine, db_url: str, tmp_path: Path, modem: tuple[PtyPair, ModemSimulator]
) -> None:
    pair, simulator = modem
    setup_chain(engine)
    recorder = Recorder()
    smtp = start_smtp(free_port(), recorder)
    tcp = free_port()
    config = write_config(tmp_path, db_url, tcp, smtp.port, pair.probe_side, throttle_minutes=0)
    probe = ProbeProcess(config, tcp, tmp_path / "probe.log")
    try:
        old = now() - dt.timedelta(minutes=40)  # a concentrator's late batch
        assert send_presses(tcp, [line("P-1", 4, old)])[0][0] == "OK"
        csv_path = tmp_path / "import.csv"
        csv_path.write_text(
            presses_to_csv([("P-3", 4, now() - dt.timedelta(minutes=1), None)]), encoding="utf-8"
        )
        imported = prolan_probe(config, "presses", "import", str(csv_path))
        assert imported.returncode == 0, imported.stderr
        assert "notifier: 0 queued, 1 imported without --alert" in imported.stdout
        # A control press: when its message is there, the ones before it were seen and skipped.
        assert send_presses(tcp, [line("P-1", 4, now())])[0][0] == "OK"
        wait_for(lambda: len(recorder.messages) >= 1, DEADLINE_SECONDS)
        time.sleep(1.5)
        assert len(recorder.messages) == 1 and "Калужская" in recorder.messages[0]["Subject"]
        assert (
            "press rules: 1 matching presses older than 30 min when stored were not announced"
            in probe.log_text()
        )
        # the same kind of file with --alert: announced by the running service
        csv_path.write_text(
            presses_to_csv([("P-3", 4, now() - dt.timedelta(minutes=2), None)]), encoding="utf-8"
        )
        opted = subprocess.run(
            [
                sys.executable,
                "-m",
                "probe",
                "--config",
                str(config),
                "presses",
                "import",
                "--alert",
                str(csv_path),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert opted.returncode == 0 and "notifier: 1 queued" in opted.stdout, opted.stdout + opted.stderr
        wait_for(lambda: len(recorder.messages) >= 2, DEADLINE_SECONDS)
        assert "Войковская" in recorder.messages[1]["Subject"]
        time.sleep(1)
        assert len(recorder.messages) == 2 and len(simulator.received) == 2
    finally:
        probe.stop()
        smtp.stop()


def test_smtp_and_modem_down_then_up_lose_nothing_and_repeat_nothing_over_restarts(
    engine: Engine, db_url: str, tmp_path: Path, modem: tuple[PtyPair, ModemSimulator]
) -> None:
    pair, simulator = modem
    simulator.cmgs_answers = ["ERROR", "+CMS ERROR: 38"] * 100  # no network: temporary failures
    setup_chain(engine)
    smtp_port = free_port()  # nothing listens there yet: the mail server is down
    tcp = free_port()
    config = write_config(tmp_path, db_url, tcp, smtp_port, pair.probe_side, throttle_minutes=0)
    probe = ProbeProcess(config, tcp, tmp_path / "first.log")
    recorder = Recorder()
    smtp = None
    try:
        assert send_presses(tcp, [line("P-1", 4, now())])[0][0] == "OK"
        wait_for(lambda: sorted(a >= 1 for _, _, a in outbox_statuses(engine)) == [True, True], 20, step=0.2)
        assert probe.stop() == 0  # a clean restart while the mail server and the modem are still down
        probe = ProbeProcess(config, tcp, tmp_path / "second.log")
        assert send_presses(tcp, [line("P-3", 4, now())])[0][0] == "OK"
        # The second press is committed with its match row: kill -9 right after its OK. (Whatever
        # the service was doing then, nothing could be delivered: a message it had claimed is
        # released after claim_timeout_seconds and sent once.)
        probe.kill()
        smtp = start_smtp(smtp_port, recorder)  # the mail server is back
        simulator.cmgs_answers.clear()  # and the modem has a network again
        probe = ProbeProcess(config, tcp, tmp_path / "third.log")
        wait_for(lambda: len(recorder.messages) >= 2 and len(simulator.received) >= 2, 30)
        time.sleep(3)  # a further retry round and announcer rounds: nothing more
        subjects = sorted(m["Subject"] for m in recorder.messages)
        assert (
            len(subjects) == 2
            and "Калужская" in subjects[0] + subjects[1]
            and "Войковская" in subjects[0] + subjects[1]
        )
        assert len(simulator.received) == 2
        assert {status for _, status, _ in outbox_statuses(engine)} == {"sent"}
        assert len({m["Message-ID"] for m in recorder.messages}) == 2
    finally:
        probe.stop()
        if smtp is not None:
            smtp.stop()
