"""One sender's conversation (a TCP connection or a serial port): lines in, answers out, in order."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from probe.ingest.counters import IngestCounters
from probe.ingest.protocol import OK, Auth, Line, SourceValidators, err, parse_line
from probe.ingest.sink import PressSink
from probe.presses import Press
from probe.topology import Topology

log = logging.getLogger(__name__)

MAX_BAD_AUTH = 3


class AuthThrottleLike(Protocol):
    def failed(self, address: str) -> float: ...

    def succeeded(self, address: str) -> None: ...


class LineSession:
    def __init__(
        self,
        source: str,
        *,
        topology: Callable[[], Topology],
        validators: SourceValidators,
        sink: PressSink,
        counters: IngestCounters,
        max_line_bytes: int,
        tokens: Sequence[str] = (),
    ) -> None:
        self.source = source
        self._topology = topology
        self._validators = validators
        self._sink = sink
        self._counters = counters
        self._max_line_bytes = max_line_bytes
        self._tokens = [t.encode("utf-8") for t in tokens]
        self.authenticated = not self._tokens
        self.bad_auth = 0
        # Set by the TCP listener: the peer's address and the per-address delay of wrong tokens.
        self.address = ""
        self.throttle: AuthThrottleLike | None = None

    @property
    def should_close(self) -> bool:
        """Too many wrong tokens: the caller closes the connection."""
        return self.bad_auth >= MAX_BAD_AUTH

    def _check_token(self, token: str) -> bytes:
        if not self._tokens:
            return OK
        given = token.encode("utf-8")
        if any(hmac.compare_digest(given, known) for known in self._tokens):
            self.authenticated = True
            return OK
        self.bad_auth += 1
        return err("bad token" + (", closing" if self.should_close else ""))

    async def handle(self, lines: Sequence[Line]) -> bytes:
        """The answers to `lines`, concatenated in order; presses are durable before this returns."""
        validate = self._validators.validator(self._topology(), self.source).validate
        answers: list[bytes | None] = []
        presses: list[Press] = []
        refused = 0
        for line in lines:
            parsed = parse_line(line, validate, self._max_line_bytes)
            if isinstance(parsed, Auth):
                answer = self._check_token(parsed.token)
                if self.throttle is not None and self._tokens:
                    if answer is OK:
                        self.throttle.succeeded(self.address)
                    else:  # answered late: a guess costs the guesser time, not us CPU
                        await asyncio.sleep(self.throttle.failed(self.address))
                answers.append(answer)
            elif isinstance(parsed, str):
                answers.append(err(parsed))
                refused += 1
            elif not self.authenticated:
                answers.append(err("not authenticated: send AUTH <token> first"))
                refused += 1
            else:
                answers.append(None)
                presses.append(parsed)
        ok = OK
        if presses:
            try:
                await self._sink.submit(presses)
            except Exception as exc:
                ok = err(f"not stored, send it again later ({exc.__class__.__name__})")
                refused += len(presses)
                presses = []
        self._counters.add(self.source, received=len(presses), refused=refused)
        return b"".join(ok if answer is None else answer for answer in answers)
