"""Press alerts on a running system: from a press's `OK` over TCP to its e-mail at the SMTP server.

    python -m benchmarks.press_alerts                 # SQLite (the embedded default)
    python -m benchmarks.press_alerts --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

`prolan-probe run` runs as its own process (ingest on TCP, the notifier with one press rule for
force majeure, mail to an aiosmtpd server in this process). One TCP client sends 1,000 presses at
50 presses/s to 50 points; 5 % (50) are force-majeure presses, one per point, so each makes its own
message (the throttle is per rule and point). For each of them: the time from its `OK` (the press
committed, with its match row) to the moment the SMTP server has the message (end of DATA),
both read on this process's monotonic clock.

Same-run references: the same message sent straight to the same SMTP server by aiosmtplib from
this process (the floor of the delivery step), and the `OK` latency of the same presses sent to a
probe started without press rules (what the press hook costs ingest).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email
import email.policy
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import text

from benchmarks.common import header
from probe.store.db import init_db, open_engine
from probe.topology import import_topology, parse_topology
from tests.service_process import ProbeProcess, free_port

POINTS = 50
PRESSES = 1000
RATE = 50.0
MATCHING = 50  # 5 %: force majeure, one per point


class Arrivals:
    """aiosmtpd handler: the monotonic time each message's DATA ended, by its subject."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.monotonic()
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            self.at[str(message["Subject"])] = arrived
        return "250 OK"


def topology() -> dict[str, Any]:
    return {
        "points": [{"name": f"Точка {i:02d}", "region": "Москва"} for i in range(POINTS)],
        "questions": [],
        "pads": [
            {
                "id": f"P-{i:02d}",
                "point": f"Точка {i:02d}",
                "methodology": "СОКОК",
                "buttons": {"1": "positive", "2": "passive", "3": "negative", "4": "force_majeure"},
            }
            for i in range(POINTS)
        ],
    }


def plan(start: dt.datetime) -> list[tuple[str, int, dt.datetime]]:
    """1,000 presses; every 20th (50 in all) a force-majeure press at the next point."""
    presses = []
    for i in range(PRESSES):
        at = start + dt.timedelta(milliseconds=20 * i)
        if i % (PRESSES // MATCHING) == 10:
            presses.append((f"P-{(i // (PRESSES // MATCHING)) % POINTS:02d}", 4, at))
        else:
            presses.append((f"P-{i % POINTS:02d}", (1, 1, 1, 2, 3)[i % 5], at))
    return presses


def config_text(db_url: str, tcp: int, smtp: int, spool: Path, press_rules: bool) -> str:
    rule = (
        """
[[notifier.press_rules]]
name = "форс-мажор"
kinds = ["force_majeure"]
recipients = ["smena"]
"""
        if press_rules
        else ""
    )
    return f"""
name = "bench"
timezone = "Europe/Moscow"
[database]
url = "{db_url}"
[tests]
builtin = false
[snmp]
enabled = false
[logging]
level = "WARNING"
[ingest]
spool_dir = "{spool}"
[ingest.tcp]
listen = "127.0.0.1:{tcp}"
[notifier.smtp]
host = "127.0.0.1"
port = {smtp}
sender = "probe@example.org"
[[notifier.recipients]]
name = "smena"
members = [{{ name = "Дежурный", email = "duty@example.org" }}]
{rule}"""


def send(tcp: int, presses: list[tuple[str, int, dt.datetime]]) -> tuple[list[float], list[float]]:
    """One line every 20 ms on one connection: the monotonic time of each `OK`, and each line's
    time from sending to its `OK`."""
    oks: list[float] = []
    sent: list[float] = []
    with socket.create_connection(("127.0.0.1", tcp)) as sock:
        reader = sock.makefile("rb")
        begin = time.monotonic()
        for i, (pad, button, at) in enumerate(presses):
            delay = begin + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            sent.append(time.monotonic())
            sock.sendall(f"{pad},{button},{stamp},\n".encode())
            answer = reader.readline()
            if answer != b"OK\n":
                raise SystemExit(f"press {i}: {answer!r}")
            oks.append(time.monotonic())
    return oks, [ok - s for ok, s in zip(oks, sent, strict=True)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):,.0f} ms, p99 {percentile(ms, 99):,.0f} ms, max {max(ms):,.0f} ms"


def direct_sends(port: int, count: int) -> list[float]:
    """The reference: the same kind of message straight to the server by aiosmtplib."""
    import aiosmtplib

    async def run() -> list[float]:
        times = []
        for i in range(count):
            message = EmailMessage()
            message["From"] = "probe@example.org"
            message["To"] = "duty@example.org"
            message["Subject"] = f"reference {i}"
            message.set_content("Форс-мажор: Точка 00 " * 20)
            started = time.monotonic()
            await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=30)
            times.append(time.monotonic() - started)
        return times

    return asyncio.run(run())


def prepare(url: str) -> None:
    engine = open_engine(url)
    init_db(engine)
    import_topology(engine, parse_topology(topology()))
    engine.dispose()


def run_once(
    url: str, folder: Path, smtp_port: int, arrivals: Arrivals, press_rules: bool
) -> tuple[list[float], list[float]]:
    """(OK latencies, OK -> mail latencies of the matching presses)."""
    tcp = free_port()
    config = folder / f"probe-{press_rules}.toml"
    config.write_text(
        config_text(url, tcp, smtp_port, folder / f"spool-{press_rules}", press_rules), encoding="utf-8"
    )
    probe = ProbeProcess(config, tcp, folder / f"probe-{press_rules}.log")
    try:
        start = dt.datetime.now(dt.UTC)
        presses = plan(start)
        oks, ok_latency = send(tcp, presses)
        if not press_rules:
            return ok_latency, []
        deadline = time.monotonic() + 60
        while len(arrivals.at) < MATCHING and time.monotonic() < deadline:
            time.sleep(0.05)
        mail: list[float] = []
        msk = dt.timezone(dt.timedelta(hours=3))
        for i, (pad, button, at) in enumerate(presses):
            if button != 4:
                continue
            subject = f"[bench] Форс-мажор: Точка {pad[2:]}, {at.astimezone(msk):%H:%M}"
            arrived = arrivals.at.get(subject)
            if arrived is None:
                raise SystemExit(f"no e-mail for {subject!r} within 60 s (got {len(arrivals.at)})")
            mail.append(arrived - oks[i])
        return ok_latency, mail
    finally:
        probe.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    arrivals = Arrivals()
    smtp_port = free_port()
    controller = Controller(arrivals, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    schema = None
    with tempfile.TemporaryDirectory(prefix="prolan-bench-") as tmp:
        folder = Path(tmp)
        if args.pg:
            schema = "bench_" + uuid.uuid4().hex[:10]
            admin = open_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{folder / 'aggregator.sqlite'}"
        try:
            prepare(url)
            load = os.getloadavg()
            baseline_ok, _ = run_once(url, folder, smtp_port, arrivals, press_rules=False)
            ok_latency, mail = run_once(url, folder, smtp_port, arrivals, press_rules=True)
            reference = direct_sends(smtp_port, MATCHING)
        finally:
            controller.stop()
            if schema is not None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(header(f"Press alerts, {'PostgreSQL' if args.pg else 'SQLite'}"))
    print(f"load average at the start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{PRESSES} presses at {RATE:g}/s, {len(mail)} matching (one e-mail each)")
    print(f"OK -> e-mail at the SMTP server:           {fmt(mail)}")
    print(f"reference: direct aiosmtplib send:         {fmt(reference)}")
    print(f"OK latency with the press rule:            {fmt(ok_latency)}")
    print(f"reference: OK latency without press rules: {fmt(baseline_ok)}")
    worst = max(mail)
    print(
        f"goal: every e-mail within 10 s of its OK: {'met' if worst < 10 else 'NOT met'} (max {worst:.2f} s)"
    )


if __name__ == "__main__":
    main()
