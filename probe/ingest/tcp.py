"""The TCP listener: many concurrent concentrators, each a stream of lines answered in order.

Limits: line length (a longer line is answered `ERR line too long` and dropped without being
buffered), idle time (no bytes for `idle_timeout_seconds`, or answers not read for as long: the
connection is closed), connections per source address, allowed source networks, and an optional
shared token (`AUTH <token>` before the first press).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections import Counter
from collections.abc import Callable

from probe.ingest.config import TcpIngestConfig
from probe.ingest.protocol import LineSplitter, err
from probe.ingest.session import LineSession

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 16
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ListenAddressError(ValueError):
    pass


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` or `[IPV6]:PORT` -> (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        raise ListenAddressError(f"listen address {text!r} must be HOST:PORT, e.g. 0.0.0.0:7070")
    return host.strip("[]"), int(port)


def parse_networks(items: list[str]) -> list[Network]:
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ListenAddressError(
                f"[ingest.tcp] allowed_addresses: {item!r} is not an address or network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def peer_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TcpListener:
    def __init__(self, config: TcpIngestConfig, new_session: Callable[[str], LineSession]) -> None:
        self.config = config
        self._new_session = new_session
        self._host, self._port = parse_listen(config.listen)
        self._networks = parse_networks(config.allowed_addresses)
        self._per_address: Counter[str] = Counter()
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> tuple[str, int]:
        """The bound address (the real port when the config says port 0)."""
        assert self._server is not None
        sockname = self._server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, self._port, limit=READ_CHUNK)
        host, port = self.address
        log.debug("ingest: listening for presses on TCP %s:%d", host, port)

    async def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Closed by stop(): ending normally spares asyncio's stream callback a traceback
            # about a cancelled connection (it asks the finished task for its exception).
        except Exception:
            log.exception("ingest: connection failed")
        finally:
            self._clients.discard(task)
            writer.close()

    async def _refuse(self, writer: asyncio.StreamWriter, reason: str) -> None:
        writer.write(err(reason))
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(writer.drain(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = peer_address(str(peer[0]))
        name = str(address)
        if self._networks and not any(address in net for net in self._networks):
            log.warning("ingest: refused a connection from %s (not in allowed_addresses)", name)
            await self._refuse(writer, f"address {name} is not allowed")
            return
        limit = self.config.max_connections_per_address
        if self._per_address[name] >= limit:
            log.warning("ingest: refused a connection from %s (%d open already)", name, limit)
            await self._refuse(writer, f"too many connections from {name} (limit {limit})")
            return
        self._per_address[name] += 1
        try:
            await self._converse(reader, writer, self._new_session(f"tcp:{name}"))
        finally:
            self._per_address[name] -= 1
            if not self._per_address[name]:
                del self._per_address[name]

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: LineSession
    ) -> None:
        idle = self.config.idle_timeout_seconds
        splitter = LineSplitter(self.config.max_line_bytes)
        while not session.should_close:
            try:
                chunk = await asyncio.wait_for(reader.read(READ_CHUNK), idle)
            except TimeoutError:
                await self._refuse(writer, f"idle for {idle:g} s, closing")
                return
            lines = splitter.feed(chunk if chunk else b"\n" if splitter.pending else b"")
            if lines:
                writer.write(await session.handle(lines))
                try:
                    await asyncio.wait_for(writer.drain(), idle)
                except TimeoutError:
                    log.warning("ingest: %s does not read its answers; closing", session.source)
                    return
            if not chunk:
                return
