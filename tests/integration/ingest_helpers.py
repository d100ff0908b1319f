"""Helpers for the ingest tests: a topology, a running ingest service, a line client, and a TCP
proxy in front of PostgreSQL that a test can cut and restore (the shared server keeps running)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from probe.config import parse_config
from probe.ingest.service import IngestService
from probe.store.schema import presses
from probe.topology import import_topology, parse_topology

TOPOLOGY = parse_topology(
    {
        "points": [{"name": "Калужская"}, {"name": "Невский"}],
        "questions": [{"id": "Q1", "text": "Как Вам у нас понравилось?"}],
        "pads": [
            {
                "id": "P-1",
                "point": "Калужская",
                "methodology": "СОКОК",
                "buttons": {"1": "positive", "3": "negative"},
            },
            {
                "id": "P-2",
                "point": "Невский",
                "methodology": "Опросы",
                "buttons": {"1": "positive", "5": "red"},
            },
        ],
    }
)
T0 = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)


def press_line(i: int, pad: str = "P-1", button: str = "1") -> str:
    when = (T0 + dt.timedelta(milliseconds=250 * i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"{pad},{button},{when},"


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(presses)).scalar_one())


def stored_times(engine: Engine) -> list[dt.datetime]:
    with engine.connect() as conn:
        return list(conn.execute(select(presses.c.pressed_at).order_by(presses.c.id)).scalars())


def setup_topology(engine: Engine) -> None:
    import_topology(engine, TOPOLOGY)


def ingest_config(db_url: str, spool: Path, tcp: dict[str, Any] | None = None, **ingest: Any) -> Any:
    # The presses of these tests are dated T0 (2026-11-22): no plausible-time window unless a
    # test asks for one.
    settings: dict[str, Any] = {
        "spool_dir": str(spool),
        "retry_seconds": 0.2,
        "max_age_days": 0,
        "max_ahead_minutes": 0,
        **ingest,
    }
    if tcp is not None:
        settings["tcp"] = {"listen": "127.0.0.1:0", **tcp}
    return parse_config({"database": {"url": db_url}, "ingest": settings})


@contextlib.asynccontextmanager
async def running(config: Any, engine: Engine) -> AsyncIterator[IngestService]:
    service = IngestService(config, engine)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, *lines: str | bytes, timeout: float = 20) -> list[str]:
        data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
        self.writer.write(data)
        await self.writer.drain()
        return [await self.answer(timeout) for _ in lines]

    async def answer(self, timeout: float = 20) -> str:
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        return line.decode().rstrip("\n")

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones
    (as a dead server or network would), `restore()` accepts again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._up = True
        self._closed = False
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self._up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._up = False
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self._up = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()


def proxied_url(url: str, proxy: CuttableProxy) -> str:
    return url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
