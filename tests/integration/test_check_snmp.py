"""docs/mib.md's check_snmp commands (Monitoring Plugins, as Nagios and Icinga run them) against a
running agent: v2c and v3, exit codes by level (unknown and not assessed stay OK), the value with the
×0.01 multiplier and thresholds, performance data, the database state."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shlex
import subprocess
from pathlib import Path

from tests.doc_commands import documented_commands
from tests.helpers import ROOT
from tests.snmp_tools import agent_config, running_agent, sample_snapshot

CHECK_SNMP = "/usr/lib/nagios/plugins/check_snmp"
DOCS = ROOT / "docs" / "mib.md"
AUTH, PRIV = "nagios-auth-1", "nagios-priv-2"
OK, WARNING, CRITICAL = 0, 1, 2


def commands() -> dict[str, str]:
    found = documented_commands(DOCS.read_text(encoding="utf-8"), ("check_snmp",))
    by_kind = {
        "level v2c": next(c for c in found if "-P 2c" in c and "-l level" in c),
        "value": next(c for c in found if "-l value" in c),
        "level v3": next(c for c in found if "-P 3" in c),
        "database": next(c for c in found if "-l database" in c),
    }
    assert len(found) == len(by_kind)
    return by_kind


async def check(command: str, port: int, metric_id: int, tmp: Path) -> tuple[int, str]:
    text = command.replace("-p 1161", f"-p {port}").replace(".ID ", f".{metric_id} ")
    text = text.replace('"$AUTH"', AUTH).replace('"$PRIV"', PRIV)
    args = shlex.split(text)
    args[0] = CHECK_SNMP
    env = {**os.environ, "HOME": str(tmp), "SNMP_PERSISTENT_DIR": str(tmp)}
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, out.decode("utf-8", "replace").strip()


async def test_documented_check_snmp_commands(tmp_path: Path) -> None:
    assert Path(CHECK_SNMP).exists(), "monitoring-plugins-standard is not installed (make deps-test)"
    os.environ["PROLAN_NAGIOS_AUTH"], os.environ["PROLAN_NAGIOS_PRIV"] = AUTH, PRIV
    user = {"name": "oko", "auth_protocol": "SHA", "auth_key_env": "PROLAN_NAGIOS_AUTH",
            "priv_protocol": "AES-128", "priv_key_env": "PROLAN_NAGIOS_PRIV"}  # fmt: skip
    by_kind = commands()
    # sample snapshot: 3 attention (42.5), 7 not assessed, 12 unknown (no value), 200 good, 201 bad (-3.25)
    expected_levels = {3: WARNING, 7: OK, 12: OK, 200: OK, 201: CRITICAL}
    async with running_agent(agent_config(v3={"users": [user]})) as agent:
        port = agent.address[1]
        for metric_id, status in expected_levels.items():
            for kind in ("level v2c", "level v3"):
                code, out = await check(by_kind[kind], port, metric_id, tmp_path)
                assert code == status, (kind, metric_id, out)
                assert out.startswith(("SNMP OK", "SNMP WARNING", "SNMP CRITICAL")) and "level=" in out, out
        code, out = await check(by_kind["value"], port, 3, tmp_path)
        assert code == WARNING and "42.50" in out and "value=42.50;~:40;~:60" in out.split("|")[1], out
        code, out = await check(by_kind["value"], port, 201, tmp_path)
        assert code == OK and "-3.25" in out, out
        code, out = await check(by_kind["database"], port, 0, tmp_path)
        assert code == OK, out
    down = dataclasses.replace(sample_snapshot(), database_ok=False)
    async with running_agent(snapshot=down) as agent:
        code, out = await check(by_kind["database"], agent.address[1], 0, tmp_path)
        assert code == CRITICAL and "database" in out, out
