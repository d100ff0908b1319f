"""A GSM modem simulator for the tests: speaks AT commands on one end of a socat pty pair and
decodes (independently of notifier.channels.sms) every SMS-SUBMIT PDU it is given."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import serial

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}


@dataclass
class DecodedSms:
    number: str
    text: str
    dcs: int
    concat: tuple[int, int, int] | None  # (reference, total, sequence)


def decode_submit(hex_pdu: str) -> DecodedSms:
    data = bytes.fromhex(hex_pdu)
    sca_len = data[0]
    i = 1 + sca_len
    first = data[i]
    assert first & 0x03 == 0x01, "not an SMS-SUBMIT"
    i += 2  # first octet, message reference
    digits = data[i]
    toa = data[i + 1]
    raw = data[i + 2 : i + 2 + (digits + 1) // 2].hex().upper()
    number = "".join(raw[j + 1] + raw[j] for j in range(0, len(raw), 2))[:digits]
    if toa == 0x91:
        number = "+" + number
    i += 2 + (digits + 1) // 2
    i += 1  # PID
    dcs = data[i]
    i += 1
    vpf = (first >> 3) & 0x03
    if vpf == 0x02:
        i += 1
    elif vpf in (0x01, 0x03):
        i += 7
    udl = data[i]
    ud = data[i + 1 :]
    udh_len = 0
    concat = None
    if first & 0x40:
        udh_len = ud[0] + 1
        if ud[1] == 0x00:
            concat = (ud[3], ud[4], ud[5])
    if dcs == 0x08:
        return DecodedSms(number, ud[udh_len:udl].decode("utf-16-be"), dcs, concat)
    assert dcs == 0x00, f"unexpected DCS {dcs:#x}"
    bits = int.from_bytes(ud, "little")
    septets = [(bits >> (7 * k)) & 0x7F for k in range(udl)]
    skip = (udh_len * 8 + 6) // 7  # header plus fill bits, in septets
    out, escape = [], False
    for s in septets[skip:]:
        if escape:
            out.append(EXTENSION[s])
            escape = False
        elif s == 0x1B:
            escape = True
        else:
            out.append(BASIC[s])
    return DecodedSms(number, "".join(out), dcs, concat)


@dataclass
class ModemSimulator:
    """Answers like a modem. `cmgs_answers` are the final answers to successive AT+CMGS PDUs
    ("OK", "ERROR", "+CMS ERROR: 38", or "silent" for no answer at all)."""

    device: str
    cmgs_answers: list[str] = field(default_factory=list)
    received: list[DecodedSms] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    pdu_mode: bool = False
    pin: str | None = None  # the SIM asks for this PIN until it is given

    def __post_init__(self) -> None:
        self._port = serial.Serial(self.device, 115200, timeout=0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._reference = 0

    def _reply(self, text: str) -> None:
        self._port.write(text.encode("ascii"))

    def _serve(self) -> None:
        buffer = b""
        expecting_pdu = False
        while not self._stop.is_set():
            chunk = self._port.read(512)
            if not chunk:
                continue
            buffer += chunk
            while True:
                if expecting_pdu:
                    if b"\x1a" not in buffer:
                        break
                    pdu, buffer = buffer.split(b"\x1a", 1)
                    expecting_pdu = False
                    answer = self.cmgs_answers.pop(0) if self.cmgs_answers else "OK"
                    if answer == "silent":
                        continue
                    if answer == "OK":
                        self.received.append(decode_submit(pdu.decode("ascii").strip()))
                        self._reference += 1
                        self._reply(f"\r\n+CMGS: {self._reference}\r\n\r\nOK\r\n")
                    else:
                        self._reply(f"\r\n{answer}\r\n")
                    continue
                if b"\r" not in buffer:
                    break
                line, buffer = buffer.split(b"\r", 1)
                command = line.decode("ascii").strip()
                if not command:
                    continue
                self.commands.append(command)
                if command.startswith("AT+CMGS=") and self.pin:
                    self._reply("\r\n+CMS ERROR: 311\r\n")  # SIM PIN required
                elif command.startswith("AT+CMGS="):
                    if not self.pdu_mode:
                        self._reply("\r\n+CMS ERROR: 302\r\n")  # not allowed in text mode
                        continue
                    expecting_pdu = True
                    self._reply("\r\n> ")
                elif command == "AT+CMGF=0":
                    self.pdu_mode = True
                    self._reply("\r\nOK\r\n")
                elif command == "AT+CPIN?":
                    self._reply(
                        "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n" if self.pin else "\r\n+CPIN: READY\r\n\r\nOK\r\n"
                    )
                elif command.startswith("AT+CPIN="):
                    if self.pin and command == f'AT+CPIN="{self.pin}"':
                        self.pin = None
                        self._reply("\r\nOK\r\n")
                    else:
                        self._reply("\r\n+CME ERROR: 16\r\n")  # incorrect password
                elif command in ("AT", "ATE0"):
                    self._reply("\r\nOK\r\n")
                else:
                    self._reply("\r\nERROR\r\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._port.close()


class PtyPair:
    """`socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`: a virtual null-modem cable."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (apt-get install socat)")
        self.probe_side = str(folder / "ttyProbe")
        self.modem_side = str(folder / "ttyModem")
        self.process = subprocess.Popen(
            [
                "socat",
                "-d",
                "-d",
                f"pty,raw,echo=0,link={self.probe_side}",
                f"pty,raw,echo=0,link={self.modem_side}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (os.path.exists(self.probe_side) and os.path.exists(self.modem_side)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.02)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
