"""SMS through a socat pty pair to a modem simulator that decodes every PDU it receives."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notifier.channels import PermanentFailure, TemporaryFailure
from notifier.channels.sms import send_sms
from notifier.config import NotifierConfig, SmsConfig
from notifier.outbox import Deliverer, outbox_rows
from notifier.pipeline import feed
from probe.levels import Level
from tests.modem_sim import ModemSimulator, PtyPair
from tests.notifier_helpers import levels_series, notifier_config


@pytest.fixture
def modem(tmp_path: Path) -> Iterator[tuple[SmsConfig, ModemSimulator]]:
    pair = PtyPair(tmp_path)
    simulator = ModemSimulator(pair.modem_side)
    try:
        yield SmsConfig(port=pair.probe_side, timeout_seconds=2), simulator
    finally:
        simulator.close()
        pair.close()


def test_gsm7_text_arrives_decoded(modem: tuple[SmsConfig, ModemSimulator]) -> None:
    config, sim = modem
    refs = send_sms(config, "+79990000000", "Price {5} EUR ~ 5€ [ok]")
    assert refs == [1]
    assert sim.commands[:3] == ["AT", "ATE0", "AT+CMGF=0"]
    (sms,) = sim.received
    assert (sms.number, sms.text, sms.dcs, sms.concat) == (
        "+79990000000",
        "Price {5} EUR ~ 5€ [ok]",
        0x00,
        None,
    )


def test_long_cyrillic_text_is_concatenated_ucs2(modem: tuple[SmsConfig, ModemSimulator]) -> None:
    config, sim = modem
    text = "Калужская: % негативных ответов 55 (внимание) уже 50 минут подряд. " * 3
    refs = send_sms(config, "89990000000", text)
    parts = -(-len(text) // 67)  # 67 UCS2 characters per part after the 6-octet UDH
    assert parts > 1 and len(refs) == parts == len(sim.received)
    assert {s.dcs for s in sim.received} == {0x08}
    assert [s.concat[1:] for s in sim.received if s.concat] == [(parts, i) for i in range(1, parts + 1)]
    assert len({s.concat[0] for s in sim.received if s.concat}) == 1
    assert "".join(s.text for s in sim.received) == text
    assert sim.received[0].number == "89990000000"


def test_long_gsm7_text_is_concatenated(modem: tuple[SmsConfig, ModemSimulator]) -> None:
    config, sim = modem
    text = "Negative answers above the edge at Kaluzhskaya for 50 minutes. " * 4
    send_sms(config, "+79990000000", text)
    assert len(sim.received) == 2 and "".join(s.text for s in sim.received) == text


def test_modem_errors_are_classified(modem: tuple[SmsConfig, ModemSimulator]) -> None:
    config, sim = modem
    sim.cmgs_answers = ["+CMS ERROR: 38", "+CMS ERROR: 28", "ERROR", "silent"]
    with pytest.raises(TemporaryFailure, match=r"\+CMS ERROR: 38"):
        send_sms(config, "+79990000000", "x")
    with pytest.raises(PermanentFailure, match=r"\+CMS ERROR: 28"):
        send_sms(config, "+79990000000", "x")
    with pytest.raises(TemporaryFailure, match=r"answered ERROR"):
        send_sms(config, "+79990000000", "x")
    with pytest.raises(TemporaryFailure, match=r"no answer .* within 2 s"):
        send_sms(config, "+79990000000", "x")
    assert sim.received == []


def test_missing_port_is_temporary(tmp_path: Path) -> None:
    with pytest.raises(TemporaryFailure, match="cannot open"):
        send_sms(SmsConfig(port=str(tmp_path / "nothing")), "+7999", "x")


def test_outbox_sends_sms_for_an_incident(
    engine: Engine, db_url: str, modem: tuple[SmsConfig, ModemSimulator]
) -> None:
    sms_config, sim = modem
    config = notifier_config(db_url, consecutive=1)
    config.section(NotifierConfig).sms = sms_config
    config.section(NotifierConfig).rules[0].channels = ["sms"]
    for ev in levels_series([Level.BAD]):
        feed(config, engine, ev)
    sim.cmgs_answers = ["+CMS ERROR: 42"]  # congestion: retried later
    first = asyncio.run(Deliverer(config, engine).deliver_due())
    assert first.retry == 1 and sim.received == []
    import datetime as dt

    second = asyncio.run(Deliverer(config, engine).deliver_due(now=dt.datetime(2100, 1, 1)))
    assert second.sent == 1
    (sms,) = sim.received
    assert sms.number == "+79990000000"
    assert sms.text.startswith("Калужская. % негативных ответов = 90 % (плохо) с 02.03 10:00")
    (row,) = outbox_rows(engine)
    assert row["status"] == "sent" and row["channel"] == "sms"


def test_sim_pin_is_entered_when_asked(
    modem: tuple[SmsConfig, ModemSimulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, sim = modem
    sim.pin = "4321"
    monkeypatch.setenv("TEST_SIM_PIN", "1111")
    wrong = config.model_copy(update={"pin_env": "TEST_SIM_PIN"})
    with pytest.raises(TemporaryFailure, match=r"\+CME ERROR: 16"):
        send_sms(wrong, "+79990000000", "x")
    monkeypatch.setenv("TEST_SIM_PIN", "4321")
    assert send_sms(wrong, "+79990000000", "PIN ok") == [1]
    assert 'AT+CPIN="4321"' in sim.commands and sim.received[0].text == "PIN ok"
