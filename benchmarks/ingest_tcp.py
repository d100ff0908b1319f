"""Ingest over TCP into PostgreSQL: sustained presses/s from 20 concurrent senders, side by side
with a plain `COPY` of the same rows (already parsed) into an identical empty presses table in the
same run; then the latency of each `OK` at a steady 1,000 presses/s.

The ingest service runs in this process (its own event loop, as in `prolan-probe run`); the
senders run in a separate process. Each sender pipelines up to `--window` lines before reading
answers; every `OK` means the press is committed (group commit across all connections).

    python -m benchmarks.ingest_tcp [--presses 20000] [--seconds 5] [--full] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.common import header
from benchmarks.press_import import KINDS, make_topology
from probe.config import parse_config
from probe.ingest.service import IngestService
from probe.presses import parse_timestamp
from probe.store.db import init_db, open_engine
from probe.store.schema import presses
from probe.topology import import_topology, load_topology

SENDERS = 20
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def make_lines(count: int, n_pads: int = 200, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    lines = []
    for i in range(count):
        when = start + dt.timedelta(milliseconds=i * 37 + rng.randrange(30))
        stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines.append(f"P-{rng.randrange(n_pads)},{rng.choice((1, 1, 1, 2, 3, 4))},{stamp},")
    return lines


# -- senders (a separate process) ------------------------------------------------------------------
async def _flood(port: int, lines: list[str], window: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for i in range(0, len(lines), window):
        chunk = lines[i : i + window]
        writer.write("".join(line + "\n" for line in chunk).encode())
        for _ in chunk:
            answer = await reader.readline()
            if answer != b"OK\n":
                raise RuntimeError(f"unexpected answer {answer!r}")
    writer.close()


async def _paced(port: int, lines: list[str], rate: float) -> list[float]:
    """One line at a time at `rate` lines/s; the time from sending each line to its OK."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies = []
    start = time.perf_counter() + random.random() / rate
    for i, line in enumerate(lines):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.perf_counter()
        writer.write(line.encode() + b"\n")
        answer = await reader.readline()
        latencies.append(time.perf_counter() - sent)
        if answer != b"OK\n":
            raise RuntimeError(f"unexpected answer {answer!r}")
    writer.close()
    return latencies


def _senders(mode: str, port: int, lines: list[str], arg: float, out: Any) -> None:
    async def main() -> Any:
        shares = [lines[i::SENDERS] for i in range(SENDERS)]
        if mode == "flood":
            t0 = time.perf_counter()
            await asyncio.gather(*(_flood(port, share, int(arg)) for share in shares))
            return time.perf_counter() - t0
        results = await asyncio.gather(*(_paced(port, share, arg / SENDERS) for share in shares))
        return [x for r in results for x in r]

    out.put(asyncio.run(main()))


def run_senders(mode: str, port: int, lines: list[str], arg: float) -> Any:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_senders, args=(mode, port, lines, arg, queue))
    process.start()
    return queue, process


async def _wait(queue: Any, process: Any) -> Any:
    while True:
        try:
            return queue.get_nowait()
        except Exception:
            if not process.is_alive() and queue.empty():
                raise RuntimeError("the sender process failed") from None
            await asyncio.sleep(0.02)


# -- the run ---------------------------------------------------------------------------------------
# `--press-rule KIND`: the notifier's press hook in every batch's transaction (issue 22), with a rule
# on that button kind at any age (force_majeure: a sixth of these presses; red: none of them).
def press_rule_config(kind: str) -> dict[str, Any]:
    return {
        "smtp": {"host": "127.0.0.1"},
        "recipients": [{"name": "smena", "members": [{"name": "Дежурный", "email": "duty@example.org"}]}],
        "press_rules": [{"name": "rule", "kinds": [kind], "recipients": ["smena"], "max_age_minutes": 0}],
    }


async def ingest(
    url: str,
    spool: Path,
    lines: list[str],
    window: int,
    rate: float,
    seconds: float,
    press_rule: str | None = None,
) -> Any:
    engine = open_engine(url)
    config = parse_config(
        {
            "database": {"url": url},
            "ingest": {
                "spool_dir": str(spool),
                "tcp": {"listen": "127.0.0.1:0", "max_connections_per_address": 64},
                # synthetic presses from a fixed date: no plausible-time window
                "max_age_days": 0,
                "max_ahead_minutes": 0,
            },
            **({"notifier": press_rule_config(press_rule)} if press_rule else {}),
        }
    )
    service = IngestService(config, engine)
    await service.start()
    assert service.tcp is not None
    port = service.tcp.address[1]
    try:
        queue, process = run_senders("flood", port, lines, window)
        elapsed = await _wait(queue, process)
        process.join()
        paced_lines = make_lines(int(rate * seconds), seed=99)
        paced_lines = [line.replace("2026-11-", "2026-12-") for line in paced_lines]  # new presses
        queue, process = run_senders("paced", port, paced_lines, rate)
        latencies = await _wait(queue, process)
        process.join()
        assert not service.spool.pending
        stored = service.sink.stored
    finally:
        await service.stop()
        engine.dispose()
    return elapsed, latencies, stored


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--presses", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the 1,000/s latency run")
    parser.add_argument("--window", type=int, default=200, help="lines a sender sends before reading answers")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument(
        "--full", action="store_true", help="the issue's size: 200,000 presses, 20 s at 1,000/s"
    )
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument(
        "--press-rule",
        nargs="?",
        const="force_majeure",
        metavar="KIND",
        help="with a press rule on this button kind (default force_majeure, a sixth of the presses; "
        "red: none of them): the notifier's press hook in every batch",
    )
    args = parser.parse_args()
    if args.full:
        args.presses, args.seconds = 200_000, 20.0
    rule = f", with a press rule on {args.press_rule}" if args.press_rule else ""
    print(header("Ingest over TCP into PostgreSQL" + rule))
    lines = make_lines(args.presses)
    admin = create_engine(args.pg)
    schemas = ["b_" + uuid.uuid4().hex[:10] for _ in range(2)]
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        urls = [f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3D{s}" for s in schemas]
        engines = [open_engine(url) for url in urls]
        for engine in engines:
            init_db(engine)
            import_topology(engine, make_topology())
        topology = load_topology(engines[1])
        with tempfile.TemporaryDirectory() as tmp:
            elapsed, latencies, stored = asyncio.run(
                ingest(urls[0], Path(tmp), lines, args.window, args.rate, args.seconds, args.press_rule)
            )
        assert stored == len(lines) + len(latencies), (stored, len(lines), len(latencies))
        point_ids = {p.name: p.id for p in topology.points.values()}
        rows = []
        for line in lines:
            pad, button, when, _ = line.split(",")
            number = int(button)
            point = point_ids[topology.pads[pad].point]
            rows.append(
                (pad, point, number, KINDS[number], parse_timestamp(when), None, "tcp:127.0.0.1", False)
            )
        cols = ", ".join(c.name for c in presses.c if c.name != "id")
        with engines[1].begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            t0 = time.perf_counter()
            with raw.cursor() as cur, cur.copy(f"COPY presses ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        copy_elapsed = time.perf_counter() - t0
        for engine in engines:
            engine.dispose()
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    tcp_rate, copy_rate = len(lines) / elapsed, len(lines) / copy_elapsed
    ms = sorted(x * 1000 for x in latencies)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{len(lines):,} presses, {SENDERS} senders, window {args.window} lines")
    print(f"  TCP ingest (OK = committed): {tcp_rate:10,.0f} presses/s")
    print(f"  plain COPY of the same rows: {copy_rate:10,.0f} presses/s")
    print(f"  ratio {tcp_rate / copy_rate:.2f} (goal >= 0.3)")
    print(f"latency per OK at {args.rate:,.0f} presses/s for {args.seconds:g} s ({len(ms):,} presses):")
    print(f"  p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {ms[-1]:.1f} ms (goal < 50 ms)")


if __name__ == "__main__":
    main()
