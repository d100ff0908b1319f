"""Serial sources: one thread per port reads lines (pyserial), the event loop validates and stores
them, the thread writes the answers back. When the device disappears (a USB adapter pulled, a
concentrator switched off) the port is closed and reopened every `reopen_seconds` until it returns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import serial

from probe.ingest.config import SerialIngestConfig
from probe.ingest.protocol import LineSplitter
from probe.ingest.session import LineSession

log = logging.getLogger(__name__)


class SerialSource:
    def __init__(
        self, config: SerialIngestConfig, session: LineSession, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.config = config
        self.session = session
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ingest-serial {config.port}", daemon=True)
        self.opened = threading.Event()  # set while the port is open (tests wait on it)
        self.open_count = 0

    def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join, 5)

    def _open(self) -> serial.Serial:
        cfg = self.config
        return serial.Serial(
            cfg.port,
            baudrate=cfg.baudrate,
            bytesize=cfg.bytesize,
            parity=cfg.parity,
            stopbits=cfg.stopbits,
            timeout=0.2,
            write_timeout=5,
        )

    def _run(self) -> None:
        failure_logged = False
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                if not failure_logged:
                    log.warning("ingest: cannot open serial port %s: %s; retrying", self.config.port, exc)
                    failure_logged = True
                self._stop.wait(self.config.reopen_seconds)
                continue
            failure_logged = False
            self.open_count += 1
            log.debug("ingest: reading presses from serial port %s", self.config.port)
            self.opened.set()
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("ingest: serial port %s failed: %s; reopening", self.config.port, exc)
            finally:
                self.opened.clear()
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
            self._stop.wait(self.config.reopen_seconds)

    def _read(self, port: serial.Serial) -> None:
        splitter = LineSplitter(self.config.max_line_bytes)
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)
            if not data:
                continue
            lines = splitter.feed(data)
            if not lines:
                continue
            answers = asyncio.run_coroutine_threadsafe(self.session.handle(lines), self._loop).result()
            port.write(answers)
