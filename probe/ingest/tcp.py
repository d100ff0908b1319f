"""The TCP listener: many concurrent concentrators, each a stream of lines answered in order.

Limits: line length (a longer line is answered `ERR line too long` and dropped without being
buffered), idle time (no complete line for `idle_timeout_seconds`, or answers not read for as
long: the connection is closed; a byte now and then does not keep it open), connections per
source address and in all (`max_connections`, kept below the process's descriptor limit so that
a flood of connections cannot starve the rest of the probe), allowed source networks, and an
optional shared token (`AUTH <token>` before the first press; wrong tokens from one address are
answered ever later). Refused connections are logged as one summary line a minute at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import resource
import socket
import time
from collections import Counter
from collections.abc import Callable

from probe.ingest.config import TcpIngestConfig
from probe.ingest.protocol import LineSplitter, err
from probe.ingest.session import LineSession
from probe.ratelog import LogSummary
from probe.service import ComponentStartError

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


# Descriptors left to the rest of the probe (database pool, spool, SNMP, logs, serial ports,
# the template renderer's pipes) when the connection cap is fitted under RLIMIT_NOFILE.
DESCRIPTOR_RESERVE = 128
MAX_AUTH_DELAY_SECONDS = 30.0


def connection_cap(configured: int, reserve: int = DESCRIPTOR_RESERVE) -> int:
    """`max_connections`, lowered to stay below the soft descriptor limit of this process."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - reserve))


class AuthThrottle:
    """Delays the answer to a wrong token, per source address: `base` seconds, doubled for every
    further wrong token from that address (across its connections), at most 30 s; a good token
    resets it. Guessing from one address is then a few tries a minute, not thousands a second."""

    def __init__(self, base_seconds: float, *, max_addresses: int = 10_000) -> None:
        self.base_seconds = base_seconds
        self.max_addresses = max_addresses
        self._failures: dict[str, int] = {}

    def failed(self, address: str) -> float:
        """Count a wrong token; returns how long to wait before answering it."""
        if address not in self._failures and len(self._failures) >= self.max_addresses:
            del self._failures[next(iter(self._failures))]
        count = self._failures[address] = self._failures.get(address, 0) + 1
        return min(self.base_seconds * 2 ** min(count - 1, 16), MAX_AUTH_DELAY_SECONDS)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


class TcpListener:
    def __init__(self, config: TcpIngestConfig, new_session: Callable[[str], LineSession]) -> None:
        self.config = config
        self._new_session = new_session
        self._host, self._port = parse_listen(config.listen)
        self._networks = parse_networks(config.allowed_addresses)
        self._per_address: Counter[str] = Counter()
        self.max_connections = connection_cap(config.max_connections)
        if self.max_connections < config.max_connections:
            log.warning(
                "ingest: [ingest.tcp] max_connections = %d lowered to %d: the descriptor limit of this "
                "process is %d (LimitNOFILE in the systemd unit)",
                config.max_connections,
                self.max_connections,
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            )
        self.open_connections = 0
        self.refused = LogSummary(log, "ingest: %d TCP connection(s) refused or closed")
        self.throttle = AuthThrottle(config.auth_failure_delay_seconds)
        self._sockets: list[socket.socket] = []
        self._acceptors: list[asyncio.Task[None]] = []
        self._clients: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def started(self) -> bool:
        return bool(self._sockets)

    @property
    def address(self) -> tuple[str, int]:
        """The bound address (the real port when the config says port 0)."""
        sockname = self._sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def start(self) -> None:
        """Listen. The listener accepts one connection at a time itself (not asyncio's server,
        which accepts up to a hundred at once): a connection over a limit is answered and closed
        before the next is accepted, so the cap holds for descriptors too."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                self._host or None, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )
            for family, kind, proto, _name, sockaddr in dict.fromkeys(infos):
                sock = socket.socket(family, kind, proto)
                self._sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(sockaddr)
                sock.listen(128)
                sock.setblocking(False)
        except OSError as exc:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
            raise ComponentStartError(
                f"[ingest.tcp] listen = {self.config.listen!r}: cannot listen: {exc.strerror or exc}"
            ) from None
        self._acceptors = [asyncio.create_task(self._accept_forever(sock)) for sock in self._sockets]
        host, port = self.address
        log.debug(
            "ingest: listening for presses on TCP %s:%d (at most %d connections)",
            host,
            port,
            self.max_connections,
        )

    async def stop(self) -> None:
        self._stopping = True
        self.refused.flush()
        for task in self._acceptors:
            task.cancel()
        await asyncio.gather(*self._acceptors, return_exceptions=True)
        for sock in self._sockets:
            sock.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)

    async def _accept_forever(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, peer = await loop.sock_accept(listener)
            except OSError as exc:  # EMFILE and the like: wait a little instead of spinning
                self.refused.note("?", f"accept failed ({exc.strerror or exc})")
                await asyncio.sleep(0.1)
                continue
            name = str(peer_address(str(peer[0])))
            reason = self._refusal(name)
            if reason is not None:
                with contextlib.suppress(OSError):  # best effort: the sender may be gone
                    conn.setblocking(False)
                    conn.send(err(reason))
                conn.close()
                continue
            self._per_address[name] += 1
            self.open_connections += 1
            try:
                reader, writer = await asyncio.open_connection(sock=conn, limit=READ_CHUNK)
            except OSError:
                self._release(name)
                conn.close()
                continue
            task = asyncio.create_task(self._accept(reader, writer, name))
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)

    def _refusal(self, name: str) -> str | None:
        """Why a connection from `name` is refused (counted in the log summary), or None."""
        address = ipaddress.ip_address(name)
        if self._networks and not any(address in net for net in self._networks):
            self.refused.note(name, "not in allowed_addresses")
            return f"address {name} is not allowed"
        if self.open_connections >= self.max_connections:
            self.refused.note(name, f"{self.max_connections} connections open (max_connections)")
            return f"too many connections (limit {self.max_connections}), try again later"
        limit = self.config.max_connections_per_address
        if self._per_address[name] >= limit:
            self.refused.note(name, f"{limit} open from one address (max_connections_per_address)")
            return f"too many connections from {name} (limit {limit})"
        return None

    def _release(self, name: str) -> None:
        self.open_connections -= 1
        self._per_address[name] -= 1
        if not self._per_address[name]:
            del self._per_address[name]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str) -> None:
        try:
            session = self._new_session(f"tcp:{name}")
            session.address = name
            session.throttle = self.throttle
            await self._converse(reader, writer, session)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        except Exception:
            log.exception("ingest: connection failed")
        finally:
            self._release(name)
            writer.close()

    async def _refuse(self, writer: asyncio.StreamWriter, reason: str) -> None:
        writer.write(err(reason))
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(writer.drain(), 2)

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: LineSession
    ) -> None:
        idle = self.config.idle_timeout_seconds
        splitter = LineSplitter(self.config.max_line_bytes)
        last_line = time.monotonic()  # idle = no complete line, however many bytes trickle in
        # With tokens, a connection has auth_timeout_seconds to authenticate: connections that
        # never do cannot hold the connection slots for the idle time.
        auth_deadline = last_line + self.config.auth_timeout_seconds
        while not session.should_close:
            now = time.monotonic()
            waiting_for_auth = not session.authenticated and auth_deadline < last_line + idle
            deadline = auth_deadline if waiting_for_auth else last_line + idle
            try:
                chunk = await asyncio.wait_for(reader.read(READ_CHUNK), max(deadline - now, 0))
            except TimeoutError:
                source = session.address or session.source
                if waiting_for_auth:
                    self.refused.note(source, "not authenticated in time (auth_timeout_seconds)")
                    await self._refuse(
                        writer, f"not authenticated within {self.config.auth_timeout_seconds:g} s, closing"
                    )
                    return
                self.refused.note(source, "idle (idle_timeout_seconds)")
                await self._refuse(writer, f"idle for {idle:g} s, closing")
                return
            lines = splitter.feed(chunk if chunk else b"\n" if splitter.pending else b"")
            if lines:
                writer.write(await session.handle(lines))
                try:
                    await asyncio.wait_for(writer.drain(), idle)
                except TimeoutError:
                    self.refused.note(session.address or session.source, "answers not read")
                    return
                last_line = time.monotonic()  # answering (a delayed wrong token) is not idling
            if not chunk:
                return
