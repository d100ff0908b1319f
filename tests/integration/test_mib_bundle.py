"""The MIB folder runs clean: the net-snmp commands that README.md and docs/mib.md give, run as
written (placeholders replaced) against a running agent on a stock Debian, exit 0 with nothing on
stderr, and show names, not numbers; smilint is clean with only mib/ on its path."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from probe.config import parse_config
from probe.levels import Level
from probe.snapshot import Evaluation
from tests.doc_commands import code_blocks, documented_commands
from tests.snmp_tools import AT, free_udp_port, running_agent, target

ROOT = Path(__file__).resolve().parents[2]
MIB_DIR = ROOT / "mib"
DOCS = ROOT / "docs" / "mib.md"
README = ROOT / "README.md"
AUTH, PRIV = "doc-auth-key-1", "doc-priv-key-2"
NET_SNMP = ("snmpwalk", "snmpbulkwalk", "snmptable", "snmpget", "snmpgetnext", "snmptrapd", "snmptranslate")


def stock_debian_env(home: Path) -> dict[str, str]:
    """The system's /etc/snmp/snmp.conf (Debian's `mibs :`) with a fresh home and state folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("MIBS", "MIBDIRS", "SNMPCONFPATH")}
    return {**env, "HOME": str(home), "SNMP_PERSISTENT_DIR": str(home / "snmp-state"), "LANG": "C.UTF-8"}


def concrete(command: str, address: str) -> list[str]:
    text = command.replace("/path/to/mib", str(MIB_DIR)).replace("127.0.0.1:1161", address)
    text = text.replace('"$AUTH"', AUTH).replace('"$PRIV"', PRIV)
    return shlex.split(text)


def test_the_docs_name_the_commands_this_test_runs() -> None:
    docs = documented_commands(DOCS.read_text(encoding="utf-8"), NET_SNMP)
    readme = documented_commands(README.read_text(encoding="utf-8"), NET_SNMP)
    assert len(docs) >= 5 and len(readme) >= 1
    for command in docs + readme:
        assert "-m PROLAN-MIB:SNMPv2-MIB" in command and (
            "-M +/path/to/mib" in command or "-M +mib" in command
        )


def test_the_bundle_holds_every_module_the_commands_load() -> None:
    modules = {p.stem for p in MIB_DIR.glob("*.txt")}
    assert modules == {"PROLAN-MIB", "SNMPv2-MIB", "SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF"}
    for path in MIB_DIR.glob("*.txt"):  # and every import of every module is in the bundle
        text = path.read_text(encoding="utf-8")
        imports = re.search(r"IMPORTS(.*?);", text, re.S)
        assert imports is None or set(re.findall(r"FROM\s+([\w-]+)", imports[1])) <= modules, path.name


def test_smilint_level_6_is_clean_with_only_the_mib_folder_on_its_path(tmp_path: Path) -> None:
    command = documented_commands(DOCS.read_text(encoding="utf-8"), ("SMIPATH=/path/to/mib",))
    assert command == ["SMIPATH=/path/to/mib smilint -c /dev/null -l 6 /path/to/mib/PROLAN-MIB.txt"]
    args = shlex.split(command[0].replace("/path/to/mib", str(MIB_DIR)))[1:]
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "SMIPATH": str(MIB_DIR)})
    # smilint exits 0 whatever it finds: the verdict is its output
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # only that path counts: an empty folder in its place leaves the imports unresolved
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "SMIPATH": str(empty)})
    assert "failed to locate MIB module `SNMPv2-SMI'" in result.stdout + result.stderr


async def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode("utf-8"), err.decode("utf-8", "replace")


@pytest.mark.slow
async def test_documented_commands_print_no_mib_errors(tmp_path: Path) -> None:
    os.environ["PROLAN_DOC_AUTH"], os.environ["PROLAN_DOC_PRIV"] = AUTH, PRIV
    user = {
        "name": "oko",
        "auth_protocol": "SHA-256",
        "auth_key_env": "PROLAN_DOC_AUTH",
        "priv_protocol": "AES-128",
        "priv_key_env": "PROLAN_DOC_PRIV",
    }
    env = stock_debian_env(tmp_path)
    docs = DOCS.read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    trap_port = free_udp_port()
    config = parse_config(
        {
            "name": "prolan-probe",
            "snmp": {
                "listen": "127.0.0.1:0",
                "v2c": {"communities": ["public"]},
                "v3": {"users": [user]},
                "trap_targets": [
                    {"address": f"127.0.0.1:{trap_port}", "version": "v2c", "community": "public"},
                    {"address": f"127.0.0.1:{trap_port}", "version": "v3", "user": "oko"},
                ],
            },
        }
    )

    # snmptrapd as documented, with the documented snmptrapd.conf for this probe's engine ID
    (conf_block,) = [b for b in code_blocks(docs) if b.startswith("# /path/to/snmptrapd.conf")]
    conf = tmp_path / "snmptrapd.conf"
    (trapd_command,) = {c for c in documented_commands(docs, NET_SNMP) if c.startswith("snmptrapd")}
    trapd_args = concrete(trapd_command.replace("/path/to/snmptrapd.conf", str(conf)), "")
    trapd_args[-1] = f"udp:127.0.0.1:{trap_port}"
    trapd: asyncio.subprocess.Process | None = None
    started = b""
    try:
        async with running_agent(config) as agent:
            conf.write_text(
                conf_block.replace("AUTHKEY", AUTH)
                .replace("PRIVKEY", PRIV)
                .replace("ENGINEID", agent.engine_id.hex()),
                encoding="utf-8",
            )
            trapd = await asyncio.create_subprocess_exec(
                *trapd_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
            )
            assert trapd.stdout is not None
            while b"NET-SNMP version" not in started:  # -Lo: the log is stdout
                line = await asyncio.wait_for(trapd.stdout.readline(), 15)
                assert line, started
                started += line
            address = target(agent)
            commands = [c for c in documented_commands(docs, NET_SNMP) if not c.startswith("snmptrapd")]
            commands += documented_commands(readme, NET_SNMP)
            outputs: dict[str, str] = {}
            for command in commands:
                code, out, err = await run(concrete(command, address), env, ROOT)
                assert (code, err) == (0, ""), command
                assert out.strip(), command
                outputs[command] = out
            system = next(out for c, out in outputs.items() if c.endswith(" system"))
            assert system.splitlines()[0].startswith("SNMPv2-MIB::sysDescr.0 = STRING: PROLAN Probe")
            assert "SNMPv2-MIB::sysUpTime.0 = Timeticks:" in system
            walked = next(out for c, out in outputs.items() if c.endswith(" prolanMIB"))
            assert "PROLAN-MIB::prolanMetricName.3 = STRING: LOYALTY_MON. УСОКОК. Калужская" in walked
            assert "PROLAN-MIB::prolanMetricPeriod.3 = STRING: interval" in walked
            assert not re.search(r"(^|\s)(iso|\.1\.3\.6|SNMPv2-SMI::enterprises)", walked)
            table = next(out for c, out in outputs.items() if "prolanMetricTable" in c)
            assert "LOYALTY_MON. УСОКОК. Калужская. % негативных ответов. Интервал 10 мин" in table
            tests = next(out for c, out in outputs.items() if c.endswith("prolanTestTable"))
            assert "PROLAN-MIB::prolanTestState." in tests and "failed" in tests

            # a level change reaches snmptrapd as a v2c and a v3 trap, decoded by name
            old = agent.hub.current.by_id()[3]
            new = old._replace(value=87.5, level=Level.BAD)
            evaluation = Evaluation("LOYALTY_MON", AT, (new,), {3: Level.ATTENTION})
            await asyncio.to_thread(agent.hub.apply, evaluation)
            await asyncio.sleep(2.0)
    finally:
        if trapd is not None:
            trapd.terminate()
    assert trapd is not None
    out_bytes, err_bytes = await asyncio.wait_for(trapd.communicate(), 10)
    trap_log, trap_err = (started + out_bytes).decode("utf-8"), err_bytes.decode("utf-8", "replace")
    assert trap_err == ""
    assert "Cannot find module" not in trap_log and "Unlinked OID" not in trap_log
    assert trap_log.count("SNMPv2-MIB::snmpTrapOID.0 = OID: PROLAN-MIB::prolanLevelChange") == 2, trap_log
    assert "SNMPv2-MIB::sysUpTime.0 = Timeticks:" in trap_log
    assert "PROLAN-MIB::prolanMetricLevel.3 = INTEGER: bad(5)" in trap_log
