"""The live demo's mail server: an in-process SMTP server (aiosmtpd) on the loopback address
that accepts every message and writes it as an `.eml` file into a folder, where a person opens it
with any mail program. Nothing is sent anywhere else."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path
from typing import Any

from probe.i18n import _


class MailSinkUnavailable(Exception):
    """aiosmtpd is not installed or the address cannot be bound; worded for the operator."""


class EmlWriter:
    """aiosmtpd handler: every message becomes `<folder>/<local time>-<n>.eml`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{os.getpid()}-{next(self._numbers):04d}.eml"
        data: bytes = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # a mail program never sees half a message
        self.count += 1
        return "250 Message accepted for delivery"


class MailSink:
    """Start with `start()`, stop with `stop()`; runs its own thread and event loop."""

    def __init__(self, host: str, port: int, folder: Path) -> None:
        self.host = host
        self.port = port
        self.folder = folder
        self.writer = EmlWriter(folder)
        self._controller: Any = None

    def start(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise MailSinkUnavailable(
                _("the demo's mail server needs aiosmtpd: pip install 'prolan-probe[demo]'")
            ) from None
        self.folder.mkdir(parents=True, exist_ok=True)
        controller = Controller(self.writer, hostname=self.host, port=self.port, ready_timeout=10.0)
        try:
            controller.start()
        except Exception as exc:  # aiosmtpd reports a busy port in several ways
            raise MailSinkUnavailable(
                _("the demo's mail server cannot listen on {address}: {error}").format(
                    address=f"{self.host}:{self.port}", error=exc
                )
            ) from None
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
