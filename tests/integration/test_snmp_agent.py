"""The SNMP agent against net-snmp's own tools (snmpwalk, snmpbulkwalk, snmptable, snmpget,
snmpset, snmptrapd): names, values, v3, write refusal, limits, fuzzing, notifications."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import socket
from pathlib import Path

from probe.levels import Level
from probe.snapshot import Evaluation
from probe.snapshot import TestState as ProbeTestState
from probe.snmp import ber
from probe.snmp.agent import default_state_dir
from probe.snmp.engine_state import start_engine
from probe.snmp.index import scaled, value_text
from probe.snmp.oids import METRIC_COLUMNS
from tests.snmp_tools import (
    AT,
    MIB_ARGS,
    V3_ARGS,
    V3_AUTH,
    V3_PRIV,
    agent_config,
    free_udp_port,
    needs_net_snmp,
    parse_walk,
    run_tool,
    running_agent,
    sample_snapshot,
    target,
)

pytestmark = needs_net_snmp

LEVEL_NAMES = {
    1: "good",
    2: "acceptable",
    3: "attention",
    4: "onTheEdge",
    5: "bad",
    6: "unknown",
    7: "notAssessed",
}


def expected_metric_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for m in sample_snapshot().metrics:
        level = 7 if m.level is None else m.level.snmp_value
        cents = scaled(m.value)
        rows[f"prolanMetricName.{m.id}"] = m.name
        rows[f"prolanMetricPoint.{m.id}"] = m.point or ""
        whole = str(abs(cents) // 100) if abs(cents) >= 100 else ""  # net-snmp prints 0 as ".00"
        rows[f"prolanMetricValue.{m.id}"] = f"{'-' if cents < 0 else ''}{whole}.{abs(cents) % 100:02d}"
        rows[f"prolanMetricValueText.{m.id}"] = value_text(m.value)
        rows[f"prolanMetricValid.{m.id}"] = "false" if m.value is None else "true"
        rows[f"prolanMetricLevel.{m.id}"] = LEVEL_NAMES[level]
        rows[f"prolanMetricRegion.{m.id}"] = m.region or ""
    return rows


async def test_walk_and_bulkwalk_show_cyrillic_names_and_snapshot_values(tmp_path: Path) -> None:
    async with running_agent() as agent:
        code, walk, err = await run_tool(
            tmp_path,
            "snmpwalk",
            "-v2c",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanMetricTable",
        )
        assert code == 0, err
        code, bulk, err = await run_tool(
            tmp_path,
            "snmpbulkwalk",
            "-v2c",
            "-Cr7",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanMIB",
        )
        assert code == 0, err
    walked = parse_walk(walk)
    bulked = parse_walk(bulk)
    for name, value in expected_metric_rows().items():
        assert walked[name] == value, name
        assert bulked[name] == value, name
    assert (
        walked["prolanMetricName.3"]
        == "LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин"
    )
    assert walked["prolanMetricValue.201"] == "-3.25"
    assert walked["prolanMetricThresholdDirection.201"] == "higherBetter"
    assert walked["prolanMetricThreshold1.200"] == "1.00"
    # 15:30 UTC, shown in the probe's zone (Europe/Moscow) with its offset, as DateAndTime allows
    assert walked["prolanMetricUpdated.3"] == "2026-11-22,18:30:0.0,+3:0"
    assert walked["prolanMetricPeriod.3"] == "interval" and walked["prolanMetricQuestion.3"] == ""
    assert walked["prolanMetricQuestion.7"] == "Довольны ли Вы скоростью обслуживания?"
    assert walked["prolanMetricPeriod.7"] == "day" and walked["prolanMetricPeriod.200"] == ""
    assert walked["prolanMetricShortName.3"] == "% негативных ответов"
    assert walked["prolanMetricScope.3"] == "point" and walked["prolanMetricScope.200"] == "none"
    assert walked["prolanMetricMethodology.3"] == "УСОКОК" and walked["prolanMetricMethodology.200"] == ""
    # every row has all columns, in the same order for walk and bulkwalk
    assert len(walked) == len(METRIC_COLUMNS) * len(sample_snapshot().metrics)
    assert list(walked.items()) == [(k, v) for k, v in bulked.items() if k in walked]
    assert bulked["prolanProbeDatabaseState.0"] == "available"
    assert bulked["prolanProbeName.0"] == "probe-test"
    assert bulked["prolanPointWorstLevel." + _point_index(bulked, "Калужская")] == "attention"
    assert bulked["prolanTestState." + _test_index(bulked, "QUEUE")] == "failed"
    assert bulked["prolanTestLastError." + _test_index(bulked, "QUEUE")] == "timeout after 120 s"


def _point_index(rows: dict[str, str], name: str) -> str:
    return next(k.split(".")[1] for k, v in rows.items() if k.startswith("prolanPointName.") and v == name)


def _test_index(rows: dict[str, str], name: str) -> str:
    return next(k.split(".")[1] for k, v in rows.items() if k.startswith("prolanTestName.") and v == name)


async def test_snmptable_lists_metrics_with_names(tmp_path: Path) -> None:
    async with running_agent() as agent:
        code, out, err = await run_tool(
            tmp_path, "snmptable", "-v2c", "-c", "зонд", *MIB_ARGS, "-Cf", "|", "-Cb", "-CH", target(agent),
            "prolanMetricTable",
        )  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == len(sample_snapshot().metrics)
    by_name = {line.split("|")[0]: line.split("|") for line in lines}
    row = by_name["LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин"]
    assert row[3] == "Калужская" and row[4] == "42.50" and row[8] == "attention"
    assert by_name["QUEUE. Тверская. Длина очереди"][15] == "Москва/ЦАО"


async def test_v3_auth_priv_works_and_wrong_credentials_get_nothing(tmp_path: Path) -> None:
    async with running_agent() as agent:
        code, out, err = await run_tool(
            tmp_path,
            "snmpget",
            *V3_ARGS,
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanMetricName.3",
            "prolanProbeName.0",
        )
        assert code == 0, err
        assert parse_walk(out) == {
            "prolanMetricName.3": "LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин",
            "prolanProbeName.0": "probe-test",
        }
        code, out, err = await run_tool(
            tmp_path, "snmpbulkwalk", *V3_ARGS, *MIB_ARGS, "-OQs", target(agent), "prolanMIB"
        )
        assert code == 0, err
        assert parse_walk(out)["prolanMetricLevel.201"] == "bad"
        attempts = {
            "wrong auth key": ("-A", "wrong-auth-key", "-X", V3_PRIV),
            "wrong priv key": ("-A", V3_AUTH, "-X", "wrong-priv-key"),
        }
        for what, keys in attempts.items():
            args = [
                "-v3",
                "-l",
                "authPriv",
                "-u",
                "oko",
                "-a",
                "SHA-512",
                "-x",
                "AES256",
                *keys,
                "-r",
                "0",
                "-t",
                "1",
            ]
            code, out, err = await run_tool(
                tmp_path, "snmpget", *args, *MIB_ARGS, target(agent), "prolanProbeName.0"
            )
            assert code != 0, what
            assert "probe-test" not in out, what
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v3", "-l", "authPriv", "-u", "intruder", "-a", "SHA-512", "-A", V3_AUTH, "-x",
            "AES256", "-X", V3_PRIV, "-r", "0", "-t", "1", *MIB_ARGS, target(agent), "prolanProbeName.0",
        )  # fmt: skip
        assert code != 0 and "probe-test" not in out
        assert "Unknown user name" in err or "Timeout" in err
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v2c", "-c", "private", "-r", "0", "-t", "1", *MIB_ARGS, target(agent),
            "prolanProbeName.0",
        )  # fmt: skip
        assert code != 0 and "Timeout" in err
        assert agent.responder.counters.bad_community == 1


async def test_v3_sha1_aes128_user(tmp_path: Path) -> None:
    user = {"name": "classic", "auth_protocol": "SHA", "auth_key": "classic-auth", "priv_protocol": "AES-128",
            "priv_key": "classic-priv"}  # fmt: skip
    async with running_agent(agent_config(v3={"users": [user]})) as agent:
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v3", "-l", "authPriv", "-u", "classic", "-a", "SHA", "-A", "classic-auth", "-x",
            "AES", "-X", "classic-priv", *MIB_ARGS, "-OQs", target(agent), "prolanMetricValueText.201",
        )  # fmt: skip
    assert code == 0, err
    assert parse_walk(out) == {"prolanMetricValueText.201": "-3.25"}


async def test_set_is_refused_for_v2c_and_v3(tmp_path: Path) -> None:
    async with running_agent() as agent:
        code, out, err = await run_tool(
            tmp_path,
            "snmpset",
            "-v2c",
            "-c",
            "public",
            *MIB_ARGS,
            target(agent),
            "prolanMetricValue.3",
            "i",
            "1",
        )
        assert code != 0 and "noAccess" in err
        code, out, err = await run_tool(
            tmp_path, "snmpset", *V3_ARGS, *MIB_ARGS, target(agent), "prolanProbeName.0", "s", "hacked"
        )
        assert code != 0 and "noAccess" in err
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", target(agent), "prolanMetricValue.3",
            "prolanProbeName.0",
        )  # fmt: skip
    assert parse_walk(out) == {"prolanMetricValue.3": "42.50", "prolanProbeName.0": "probe-test"}


async def test_get_of_missing_objects_and_getbulk_limit(tmp_path: Path) -> None:
    async with running_agent(agent_config(max_repetitions=5)) as agent:
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", target(agent), "prolanMetricName.4",
            "1.3.6.1.4.1.17184.9.9.0", "prolanMetricLevel.12",
        )  # fmt: skip
        assert code == 0, err
        assert parse_walk(out) == {
            "prolanMetricName.4": "No Such Instance currently exists at this OID",
            "prolan.9.9.0": "No Such Object available on this agent at this OID",
            "prolanMetricLevel.12": "unknown",
        }
        code, out, err = await run_tool(
            tmp_path, "snmpbulkget", "-v2c", "-c", "public", "-Cr1000", *MIB_ARGS, "-OQs", target(agent),
            "prolanMetricTable",
        )  # fmt: skip
        assert code == 0, err
        assert len(out.strip().splitlines()) == 5  # capped by [snmp] max_repetitions
        code, out, err = await run_tool(
            tmp_path, "snmpbulkget", "-v2c", "-c", "public", "-Cn1", "-Cr3", *MIB_ARGS, "-OQs", target(agent),
            "1.3.6.1.2.1.1.3", "prolanMetricName", "prolanMetricLevel",
        )  # fmt: skip
        assert code == 0, err
        names = [line.split(" = ")[0] for line in out.strip().splitlines()]
        assert names == [
            "mib-2.1.3.0",
            "prolanMetricName.3", "prolanMetricLevel.3",
            "prolanMetricName.7", "prolanMetricLevel.7",
            "prolanMetricName.12", "prolanMetricLevel.12",
        ]  # fmt: skip
        code, out, err = await run_tool(
            tmp_path,
            "snmpgetnext",
            "-v1",
            "-c",
            "public",
            *MIB_ARGS,
            "-OQs",
            target(agent),
            "prolanMetricVotes.201",  # the last column of the table
        )
        assert code == 0 and out.startswith("prolanTest"), (out, err)


async def test_fuzzed_datagrams_do_not_stop_the_agent(tmp_path: Path) -> None:
    rng = random.Random(4)
    async with running_agent() as agent:
        requests = [_request(pdu, oid) for pdu in (0xA0, 0xA1, 0xA3, 0xA5) for oid in PROBE_OIDS]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sent = 0
        for i in range(4000):
            kind = i % 4
            if kind == 0:
                data = rng.randbytes(rng.randint(0, 200))
            elif kind == 1:  # bit flips and truncations of a real request
                data = bytearray(rng.choice(requests))
                for _ in range(rng.randint(1, 6)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
                data = bytes(data[: rng.randint(1, len(data))])
            elif kind == 2:  # plausible SNMPv3 header with garbage inside
                data = (
                    bytes.fromhex("3081")
                    + bytes([rng.randint(20, 200)])
                    + bytes.fromhex("020103")
                    + rng.randbytes(80)
                )
            else:  # huge lengths, nested headers
                data = bytes([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]) + rng.randbytes(30)
            try:
                sock.sendto(data, ("127.0.0.1", agent.address[1]))
                sent += 1
            except BlockingIOError:
                await asyncio.sleep(0.001)
            if i % 20 == 0:
                await asyncio.sleep(0.002)  # let the agent (same loop) drain its socket
        sock.close()
        await asyncio.sleep(0.5)
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", target(agent), "prolanProbeName.0"
        )
        assert code == 0 and parse_walk(out) == {"prolanProbeName.0": "probe-test"}, err
        code, out, err = await run_tool(
            tmp_path, "snmpget", *V3_ARGS, *MIB_ARGS, "-OQs", target(agent), "prolanProbeName.0"
        )
        assert code == 0 and parse_walk(out) == {"prolanProbeName.0": "probe-test"}, err
    assert sent > 3000
    counters = agent.responder.counters
    assert counters.dropped_malformed + counters.delegated + counters.requests > 3000
    assert counters.dropped_malformed > 1500


PROBE_OIDS = [(1, 3, 6, 1, 4, 1, 17184, 1, 1, 1, 4, 0), (1, 3, 6, 1, 4, 1, 17184, 1, 1, 2)]


def _request(pdu_type: int, oid: tuple[int, ...]) -> bytes:
    """A valid v2c request (GETBULK: non-repeaters 0, max-repetitions 50) to mutate."""
    varbinds = ber.tlv(0x30, ber.tlv(0x30, ber.encode_oid(oid) + b"\x05\x00"))
    second = 50 if pdu_type == 0xA5 else 0
    pdu = ber.tlv(
        pdu_type,
        ber.encode_integer(0x1234567) + ber.encode_integer(0) + ber.encode_integer(second) + varbinds,
    )
    return ber.tlv(0x30, ber.encode_integer(1) + ber.encode_octets(b"public") + pdu)


def _trapd_config(tmp_path: Path, engine_id: bytes) -> Path:
    conf = tmp_path / "snmptrapd.conf"
    conf.write_text(
        "disableAuthorization yes\n"
        f"createUser -e 0x{engine_id.hex()} oko SHA-512 {V3_AUTH} AES256 {V3_PRIV}\n"  # traps: our engine id
        f"createUser oko SHA-512 {V3_AUTH} AES256 {V3_PRIV}\n",  # informs: snmptrapd's own engine
        encoding="utf-8",
    )
    return conf


async def _start_trapd(tmp_path: Path, engine_id: bytes) -> tuple[asyncio.subprocess.Process, Path, int]:
    port = free_udp_port()
    log = tmp_path / "traps.log"
    conf = _trapd_config(tmp_path, engine_id)
    process = await asyncio.create_subprocess_exec(
        "snmptrapd", "-f", "-C", "-c", str(conf), "-Lf", str(log), *MIB_ARGS, "-OQs", "-n",
        f"udp:127.0.0.1:{port}",
        env={"SNMP_PERSISTENT_DIR": str(tmp_path), "SNMPCONFPATH": str(tmp_path), "MIBS": "", "PATH": "/usr/sbin:/usr/bin"},
    )  # fmt: skip
    for _ in range(100):
        if log.exists() and "NET-SNMP version" in log.read_text(encoding="utf-8", errors="replace"):
            break
        await asyncio.sleep(0.05)
    return process, log, port


async def _wait_for(log: Path, needle: str, timeout: float = 15) -> str:
    for _ in range(int(timeout / 0.1)):
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if needle in text:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{needle!r} not received; log:\n{text}")


async def test_snmptrapd_receives_level_change_test_and_database_traps(tmp_path: Path) -> None:
    # The agent's engine ID is generated once per installation (its state folder): create it
    # first, so that snmptrapd knows the ID of the v3 traps' sender.
    installation = start_engine(default_state_dir())
    trapd, log, port = await _start_trapd(tmp_path, installation.engine_id)
    try:
        config = agent_config(
            trap_targets=[
                {"address": f"127.0.0.1:{port}", "version": "v2c", "community": "public"},
                {"address": f"127.0.0.1:{port}", "version": "v3", "user": "oko"},
                {"address": f"127.0.0.1:{port}", "version": "v2c", "community": "public", "inform": True},
                {"address": f"127.0.0.1:{port}", "version": "v3", "user": "oko", "inform": True},
            ]
        )
        async with running_agent(config) as agent:
            snapshot = agent.hub.current
            old = snapshot.by_id()[3]
            new = old._replace(value=87.5, level=Level.BAD)
            evaluation = Evaluation(
                test="LOYALTY_MON", at=AT, metrics=(new,), previous_levels={3: Level.ATTENTION}, database_ok=False,
                test_ok=False,
            )  # fmt: skip
            failed = ProbeTestState(
                "LOYALTY_MON", "Лояльность клиентов", "every 10 min", AT, 2.0, False, "сбой: нет связи"
            )
            await asyncio.to_thread(
                agent.hub.apply, evaluation, [failed]
            )  # as the engine does, from a worker
            text = await _wait_for(log, "prolanDatabaseUnavailable")
            await asyncio.sleep(1.0)
            text = log.read_text(encoding="utf-8")
            # the level change: metric id, name, value, previous and new level
            assert text.count("prolanLevelChange") == 4  # v2c trap, v3 trap, v2c inform, v3 inform
            assert "prolanNotifMetricId.0 = 3" in text
            assert (
                "prolanMetricName.3 = LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин"
                in text
            )
            assert "prolanMetricValue.3 = 87.50" in text
            assert "prolanNotifPreviousLevel.0 = attention" in text
            assert "prolanMetricLevel.3 = bad" in text
            assert "prolanTestFailed" in text and "сбой: нет связи" in text
            assert "prolanProbeDatabaseState.0 = unavailable" in text
            assert agent.traps.failed == 0
            # a historical (catch-up) evaluation changes the table but sends nothing
            before = len(text)
            back = new._replace(value=10.0, level=Level.GOOD)
            agent.hub.apply(
                Evaluation(
                    test="LOYALTY_MON",
                    at=AT,
                    metrics=(back,),
                    previous_levels={3: Level.BAD},
                    database_ok=False,
                    test_ok=False,
                    historical=True,
                )
            )
            recovered = Evaluation(test="LOYALTY_MON", at=AT, metrics=(), database_ok=True, test_ok=True)
            agent.hub.apply(recovered, [dataclasses.replace(failed, ok=True, last_error="")])
            text = await _wait_for(log, "prolanDatabaseAvailable")
            await asyncio.sleep(0.5)
            later = log.read_text(encoding="utf-8")[before:]
            assert "prolanTestRecovered" in later and "prolanLevelChange" not in later
            code, out, err = await run_tool(
                tmp_path,
                "snmpget",
                "-v2c",
                "-c",
                "public",
                *MIB_ARGS,
                "-OQs",
                target(agent),
                "prolanMetricLevel.3",
            )
            assert code == 0 and parse_walk(out) == {"prolanMetricLevel.3": "good"}, err
    finally:
        trapd.terminate()
        await trapd.wait()


async def test_ipv6_listen_address(tmp_path: Path) -> None:
    async with running_agent(agent_config(listen="[::1]:0")) as agent:
        code, out, err = await run_tool(
            tmp_path, "snmpget", "-v2c", "-c", "public", *MIB_ARGS, "-OQs", f"udp6:[::1]:{agent.address[1]}",
            "prolanProbeName.0",
        )  # fmt: skip
    assert code == 0 and parse_walk(out) == {"prolanProbeName.0": "probe-test"}, err
