"""SMS through a GSM modem on a serial port: AT commands in PDU mode (3GPP TS 23.040 / 27.005).

The encoder is pure: GSM-7 (with the extension table) when every character fits, otherwise
UCS2 (Cyrillic); a text longer than one SMS becomes a concatenated SMS (8-bit reference UDH).
`Modem` drives a real modem with pyserial: blocking, so the outbox calls it in a thread.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass

import serial

from notifier.channels import PermanentFailure, TemporaryFailure
from notifier.config import SmsConfig

# GSM 03.38 default alphabet, position = septet value.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_BASIC_INDEX = {ch: i for i, ch in enumerate(GSM7_BASIC) if ch != "\x1b"}
ESCAPE = 0x1B

SINGLE_GSM7, PART_GSM7 = 160, 153  # septets
SINGLE_UCS2, PART_UCS2 = 70, 67  # UTF-16 code units

_reference = itertools.count(1)


def gsm7_septets(text: str) -> list[list[int]] | None:
    """Septets per character (extension characters take two), or None if a character does not fit."""
    out: list[list[int]] = []
    for ch in text:
        if ch in _BASIC_INDEX:
            out.append([_BASIC_INDEX[ch]])
        elif ch in GSM7_EXTENSION:
            out.append([ESCAPE, GSM7_EXTENSION[ch]])
        else:
            return None
    return out


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack 7-bit values LSB first, after `fill_bits` zero bits (alignment after a UDH)."""
    acc = 0
    nbits = fill_bits
    out = bytearray()
    for septet in septets:
        acc |= (septet & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def encode_number(number: str) -> bytes:
    """TP-DA: length in digits, type of address, swapped semi-octets padded with F."""
    digits = number.lstrip("+")
    if not digits.isdigit():
        raise PermanentFailure(f"SMS: {number!r} is not a phone number (digits with an optional +)")
    toa = 0x91 if number.startswith("+") else 0x81
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))
    return bytes([len(digits), toa]) + bytes.fromhex(swapped)


def _validity_octet(hours: int) -> int:
    """TP-VP relative format (TS 23.040 9.2.3.12.1)."""
    minutes = hours * 60
    if minutes <= 12 * 60:
        return max(0, minutes // 5 - 1)
    if minutes <= 24 * 60:
        return 143 + (minutes - 12 * 60) // 30
    days = hours // 24
    if days <= 30:
        return 166 + days
    return min(255, 192 + days // 7)


@dataclass(frozen=True, slots=True)
class SubmitPdu:
    hex: str  # including the leading "00" (use the SMSC stored in the SIM)
    tpdu_length: int  # octets after the SMSC part: the argument of AT+CMGS


def _split_gsm7(chars: list[list[int]]) -> list[list[int]]:
    total = sum(len(c) for c in chars)
    if total <= SINGLE_GSM7:
        return [[s for c in chars for s in c]]
    parts: list[list[int]] = []
    current: list[int] = []
    for septets in chars:  # never split an escape sequence between parts
        if len(current) + len(septets) > PART_GSM7:
            parts.append(current)
            current = []
        current.extend(septets)
    parts.append(current)
    return parts


def _split_ucs2(text: str) -> list[bytes]:
    units = text.encode("utf-16-be")
    if len(units) // 2 <= SINGLE_UCS2:
        return [units]
    parts: list[bytes] = []
    current = b""
    for ch in text:  # never split a surrogate pair
        encoded = ch.encode("utf-16-be")
        if (len(current) + len(encoded)) // 2 > PART_UCS2:
            parts.append(current)
            current = b""
        current += encoded
    parts.append(current)
    return parts


def encode_sms(
    number: str, text: str, *, validity_hours: int = 24, reference: int | None = None
) -> list[SubmitPdu]:
    """The SMS-SUBMIT PDUs that carry `text` to `number` (one, or a concatenated series)."""
    if not text:
        raise PermanentFailure("SMS: empty text")
    address = encode_number(number)
    chars = gsm7_septets(text)
    if chars is not None:
        gsm_parts = _split_gsm7(chars)
        dcs = 0x00
        count = len(gsm_parts)
    else:
        ucs_parts = _split_ucs2(text)
        dcs = 0x08
        count = len(ucs_parts)
    if count > 255:
        raise PermanentFailure(f"SMS: text too long ({len(text)} characters, {count} parts)")
    ref = (reference if reference is not None else next(_reference)) & 0xFF
    pdus: list[SubmitPdu] = []
    for index in range(count):
        udh = bytes([0x05, 0x00, 0x03, ref, count, index + 1]) if count > 1 else b""
        first = 0x01 | (0x10 if validity_hours else 0) | (0x40 if udh else 0)
        if dcs == 0x00:
            septets = gsm_parts[index]
            fill = (7 - (len(udh) * 8) % 7) % 7 if udh else 0
            body = udh + pack_septets(septets, fill)
            udl = (len(udh) * 8 + fill) // 7 + len(septets)
        else:
            body = udh + ucs_parts[index]
            udl = len(body)
        tpdu = bytes([first, 0x00]) + address + bytes([0x00, dcs])
        if validity_hours:
            tpdu += bytes([_validity_octet(validity_hours)])
        tpdu += bytes([udl]) + body
        pdus.append(SubmitPdu("00" + tpdu.hex().upper(), len(tpdu)))
    return pdus


# +CMS ERROR codes after which retrying the same message cannot succeed (TS 27.005 3.2.5 and
# TS 24.011): unassigned number, barred, rejected, unidentified subscriber, invalid PDU/parameters.
PERMANENT_CMS = {1, 8, 10, 21, 28, 29, 30, 96, 97, 98, 99, 111, 127, 300, 303, 304, 305, 306, 307, 325, 330}
_CMS = re.compile(r"\+CMS ERROR:\s*(\d+)")


class Modem:
    """A GSM modem on a serial port (or a pty in the tests). Not thread-safe: one at a time."""

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        self._port: serial.Serial | None = None

    def __enter__(self) -> Modem:
        try:
            self._port = serial.Serial(self.config.port, self.config.baudrate, timeout=0.1, write_timeout=5)
        except (serial.SerialException, OSError) as exc:
            raise TemporaryFailure(f"SMS modem {self.config.port}: cannot open: {exc}") from None
        self._port.reset_input_buffer()
        self.command("AT")
        self.command("ATE0")
        pin = self.config.resolved_pin()
        if pin:
            state = self.command("AT+CPIN?")
            if "READY" not in state:
                self.command(f'AT+CPIN="{pin}"')
        self.command("AT+CMGF=0")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def _read_until(self, done: re.Pattern[str], what: str) -> str:
        assert self._port is not None
        deadline = time.monotonic() + self.config.timeout_seconds
        buffer = ""
        while time.monotonic() < deadline:
            chunk = self._port.read(256)
            if chunk:
                buffer += chunk.decode("ascii", errors="replace")
                if done.search(buffer):
                    return buffer
        raise TemporaryFailure(
            f"SMS modem {self.config.port}: no answer to {what} within {self.config.timeout_seconds:g} s"
            + (f" (got {buffer.strip()!r})" if buffer.strip() else "")
        )

    _FINAL = re.compile(r"(^|\r\n)(OK|ERROR|\+CMS ERROR:\s*\d+|\+CME ERROR:\s*\S+)\r\n", re.M)

    def _check(self, answer: str, what: str) -> str:
        final = self._FINAL.search(answer)
        assert final is not None
        status = final.group(2)
        if status == "OK":
            return answer
        cms = _CMS.search(status)
        message = f"SMS modem {self.config.port}: {what} answered {status}"
        if cms and int(cms.group(1)) in PERMANENT_CMS:
            raise PermanentFailure(message)
        raise TemporaryFailure(message)

    def command(self, line: str) -> str:
        assert self._port is not None
        self._port.write(line.encode("ascii") + b"\r")
        return self._check(self._read_until(self._FINAL, line.split("=")[0]), line.split("=")[0])

    def send_pdu(self, pdu: SubmitPdu) -> int:
        """AT+CMGS=<len>, wait for the prompt, send the PDU and Ctrl-Z; returns the message reference."""
        assert self._port is not None
        self._port.write(f"AT+CMGS={pdu.tpdu_length}\r".encode("ascii"))
        prompt = self._read_until(re.compile(r">\s?$|" + self._FINAL.pattern, re.M), "AT+CMGS")
        if ">" not in prompt:
            self._check(prompt, "AT+CMGS")
            raise TemporaryFailure(f"SMS modem {self.config.port}: no '>' prompt for AT+CMGS")
        self._port.write(pdu.hex.encode("ascii") + b"\x1a")
        answer = self._check(self._read_until(self._FINAL, "the PDU"), "AT+CMGS")
        match = re.search(r"\+CMGS:\s*(\d+)", answer)
        return int(match.group(1)) if match else -1

    def send_text(self, number: str, text: str) -> list[int]:
        return [
            self.send_pdu(pdu) for pdu in encode_sms(number, text, validity_hours=self.config.validity_hours)
        ]


def send_sms(config: SmsConfig, number: str, text: str) -> list[int]:
    """Open the modem, send one (possibly concatenated) SMS, close. Blocking."""
    with Modem(config) as modem:
        return modem.send_text(number, text)
