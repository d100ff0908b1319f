"""contrib/zabbix's template on a real Zabbix 6.0 (Debian's zabbix-server-pgsql and
zabbix-frontend-php): imported through the API, linked to a host that points at a running probe
with demo data; discovery creates the items, their latest values and levels equal
`prolan-probe metrics --format json` (a metric without a value has no value in Zabbix, not 0),
triggers fire exactly for attention / on the edge / bad, discovery filters select what their
macros say, and a level change reaches the trap item through snmptrapd and the shipped traphandle,
configured as docs/mib.md says."""

from __future__ import annotations

import calendar
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.doc_commands import code_blocks, documented_commands
from tests.helpers import ROOT
from tests.nms_probe import LEVEL_NUMBERS, NO_VALUE, SWITCH, NmsProbe
from tests.snmp_tools import free_udp_port
from tests.zabbix_server import Zabbix

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

TEMPLATE = ROOT / "contrib" / "zabbix" / "prolan_probe_by_snmp.yaml"
TRAPS_SCRIPT = ROOT / "contrib" / "zabbix" / "prolan-zabbix-traps.sh"
DOCS = ROOT / "docs" / "mib.md"
TEMPLATE_NAME = "PROLAN Probe by SNMP"
SEVERITY = {"attention": 2, "edge": 3, "bad": 4}  # Zabbix priorities: warning, average, high
IMPORT_RULES = {
    "groups": {"createMissing": True},
    "templates": {"createMissing": True, "updateExisting": True},
    "items": {"createMissing": True, "updateExisting": True, "deleteMissing": True},
    "discoveryRules": {"createMissing": True, "updateExisting": True, "deleteMissing": True},
    "triggers": {"createMissing": True, "updateExisting": True, "deleteMissing": True},
    "valueMaps": {"createMissing": True, "updateExisting": True, "deleteMissing": True},
}


@pytest.fixture
def zabbix(tmp_path: Path, pg_server: str) -> Iterator[Zabbix]:
    folder = tmp_path / "zabbix"
    folder.mkdir()
    server = Zabbix(folder, pg_server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[NmsProbe]:
    trap_port = free_udp_port()
    nms = NmsProbe(
        tmp_path / "probe",
        extra=f'[[snmp.trap_targets]]\naddress = "127.0.0.1:{trap_port}"\nversion = "v2c"\ncommunity = "public"\n',
    )
    nms.trap_port = trap_port  # type: ignore[attr-defined]
    try:
        yield nms
    finally:
        nms.stop()


def start_snmptrapd(folder: Path, port: int, traps_file: Path) -> subprocess.Popen[bytes]:
    """snmptrapd with the docs' Zabbix configuration and command line."""
    docs = DOCS.read_text(encoding="utf-8")
    (conf_block,) = [b for b in code_blocks(docs) if b.startswith("# snmptrapd.conf for Zabbix")]
    conf = folder / "snmptrapd.conf"
    conf.write_text(
        conf_block.replace("/path/to/contrib/zabbix/prolan-zabbix-traps.sh", str(TRAPS_SCRIPT)).replace(
            "/var/lib/zabbix/snmptraps/snmptraps.log", str(traps_file)
        ),
        encoding="utf-8",
    )
    command = next(c for c in documented_commands(docs, ("snmptrapd",)) if "/path/to/snmptrapd.conf" in c)
    args = (
        command.replace("/path/to/snmptrapd.conf", str(conf))
        .replace("/path/to/mib", str(ROOT / "mib"))
        .split()
    )
    args[args.index("udp:162")] = f"udp:127.0.0.1:{port}"
    env = {"PATH": "/usr/sbin:/usr/bin:/bin", "HOME": str(folder), "SNMP_PERSISTENT_DIR": str(folder)}
    process = subprocess.Popen(
        args, stdout=(folder / "snmptrapd.log").open("wb"), stderr=subprocess.STDOUT, env=env
    )
    deadline = time.monotonic() + 15
    while "NET-SNMP version" not in (folder / "snmptrapd.log").read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, (folder / "snmptrapd.log").read_text()
        time.sleep(0.1)
    return process


def create_host(zabbix: Zabbix, name: str, probe: NmsProbe, macros: dict[str, str]) -> str:
    template = zabbix.api("template.get", {"filter": {"host": [TEMPLATE_NAME]}})[0]["templateid"]
    groups = zabbix.api("hostgroup.get", {"filter": {"name": ["PROLAN"]}})
    group = (
        groups[0]["groupid"] if groups else zabbix.api("hostgroup.create", {"name": "PROLAN"})["groupids"][0]
    )
    host, port = probe.snmp_address.split(":")
    result = zabbix.api(
        "host.create",
        {
            "host": name,
            "groups": [{"groupid": group}],
            "templates": [{"templateid": template}],
            "macros": [{"macro": k, "value": v} for k, v in macros.items()],
            "interfaces": [
                {"type": 2, "main": 1, "useip": 1, "ip": host, "dns": "", "port": port,
                 "details": {"version": 2, "community": "public", "bulk": 1}},
            ],
        },
    )  # fmt: skip
    return str(result["hostids"][0])


def items_of(zabbix: Zabbix, hostid: str, search: str = "") -> dict[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "hostids": hostid,
        "output": ["itemid", "key_", "name", "lastvalue", "lastclock", "state", "error", "units"],
    }
    if search:
        params["search"] = {"key_": search}
    return {item["key_"]: item for item in zabbix.api("item.get", params)}


def epoch(iso_utc: str) -> int:
    return calendar.timegm(time.strptime(iso_utc, "%Y-%m-%dT%H:%M:%SZ"))


def metric_id(key: str) -> int:
    found = re.search(r"\[(\d+)\]$", key)
    assert found, key
    return int(found[1])


def compare_with_the_cli(
    zabbix: Zabbix, hostid: str, probe: NmsProbe
) -> tuple[list[str], list[dict[str, Any]]]:
    """Mismatches between Zabbix's latest data and the CLI, read around one Zabbix poll."""
    before = probe.metrics()
    asked = time.time()
    probe_item = items_of(zabbix, hostid, "prolan.metric.level[")

    def polled_again() -> bool:
        levels = items_of(zabbix, hostid, "prolan.metric.level[")
        return all(int(item["lastclock"]) > asked for item in levels.values()) and len(levels) == len(
            probe_item
        )

    zabbix.wait_for(polled_again, "a poll after reading the CLI", 60)
    after = probe.metrics()
    if before != after:
        return ["the probe evaluated meanwhile"], before
    items = items_of(zabbix, hostid, "prolan.metric.")
    problems: list[str] = []
    for metric in before:
        value_item = items.get(f"prolan.metric.value[{metric['id']}]")
        level_item = items.get(f"prolan.metric.level[{metric['id']}]")
        if value_item is None or level_item is None:
            problems.append(f"not discovered: {metric['name']}")
            continue
        if level_item["lastvalue"] != str(LEVEL_NUMBERS[metric["level"]]):
            problems.append(f"level {level_item['lastvalue']} != {metric['level']}: {metric['name']}")
        evaluated = epoch(metric["time"])
        if metric["value"] is None:
            # no fake value: nothing stored since this evaluation (and never, for NMS_CHECK's)
            history = zabbix.api(
                "history.get",
                {
                    "itemids": value_item["itemid"],
                    "history": 0,
                    "time_from": int(evaluated),
                    "output": "extend",
                },
            )
            if history:
                problems.append(
                    f"a value for a metric without one ({history[-1]['value']}): {metric['name']}"
                )
        elif (
            int(value_item["lastclock"]) < evaluated
            or abs(float(value_item["lastvalue"]) - metric["value"]) > 0.0051
        ):
            problems.append(f"value {value_item['lastvalue']} != {metric['value']}: {metric['name']}")
        if value_item["units"] != metric["unit"]:
            problems.append(f"units {value_item['units']!r} != {metric['unit']!r}: {metric['name']}")
    return problems, before


def test_zabbix_imports_the_template_and_collects_what_the_cli_shows(
    tmp_path: Path, zabbix: Zabbix, probe: NmsProbe
) -> None:
    started = time.monotonic()
    probe.demo(0.5)
    trapd = start_snmptrapd(tmp_path, probe.trap_port, zabbix.traps_file)  # type: ignore[attr-defined]
    try:
        probe.start()
        assert zabbix.api(
            "configuration.import", {"format": "yaml", "source": TEMPLATE.read_text(), "rules": IMPORT_RULES}
        )
        # the server's own host polls dozens of internal items: not what this test is about
        own = zabbix.api("host.get", {"filter": {"host": ["Zabbix server"]}})
        zabbix.api("host.update", {"hostid": own[0]["hostid"], "status": 1})
        fast = {"{$PROLAN.LLD.INTERVAL}": "15s", "{$PROLAN.POLL.INTERVAL}": "10s"}
        hostid = create_host(zabbix, "prolan-probe", probe, fast)
        # a second host only discovers, through every filter macro
        filters = {
            "{$PROLAN.TEST.MATCHES}": "^(LOYALTY_MON|NMS_CHECK)$",
            "{$PROLAN.TEST.NOT_MATCHES}": "^NMS_",
            "{$PROLAN.POINT.MATCHES}": "^(|Калужская|Невский)$",
            "{$PROLAN.POINT.NOT_MATCHES}": "^Невский$",
            "{$PROLAN.QUESTION.MATCHES}": "^(|Довольны.*)$",
            "{$PROLAN.QUESTION.NOT_MATCHES}": "^Как",
            "{$PROLAN.PERIOD.MATCHES}": "^(interval|day)$",
            "{$PROLAN.PERIOD.NOT_MATCHES}": "^day$",
            "{$PROLAN.LLD.INTERVAL}": "15s",
            "{$PROLAN.POLL.INTERVAL}": "1h",
        }
        filtered_host = create_host(zabbix, "prolan-probe-filtered", probe, filters)

        cli = probe.metrics()
        expected_keys = {f"prolan.metric.{kind}[{m['id']}]" for m in cli for kind in ("value", "level")}

        def discovered() -> bool:
            return expected_keys <= set(items_of(zabbix, hostid, "prolan.metric."))

        zabbix.wait_for(discovered, f"discovery of {len(cli)} metrics", 180)
        discovery_seconds = time.monotonic() - started

        # values and levels equal the CLI's (retried when the probe evaluates in between)
        for _attempt in range(4):
            problems, cli = compare_with_the_cli(zabbix, hostid, probe)
            if problems != ["the probe evaluated meanwhile"]:
                break
        assert problems == [], problems[:20]
        without_value = [m for m in cli if m["value"] is None]
        assert any(m["name"] == NO_VALUE for m in without_value)
        items = items_of(zabbix, hostid)
        never = items[f"prolan.metric.value[{next(m['id'] for m in cli if m['name'] == NO_VALUE)}]"]
        assert never["lastclock"] == "0" and never["state"] == "0"  # supported, just no value ever

        # names within Zabbix's limits: the 259-character name is cut, item and triggers still exist
        long_metric = next(m for m in cli if len(m["name"]) > 255)
        long_item = items[f"prolan.metric.value[{long_metric['id']}]"]
        assert len(long_item["name"]) == 200 and long_item["name"].endswith("…")
        assert long_metric["name"].startswith(long_item["name"][:-1])

        # health and tests
        assert items["prolan.probe.database"]["lastvalue"] == "1"
        zabbix.wait_for(
            lambda: (
                items_of(zabbix, hostid, "zabbix[host")["zabbix[host,snmp,available]"]["lastvalue"] == "1"
            ),
            "SNMP availability",
            60,
        )
        assert float(items["prolan.probe.uptime"]["lastvalue"]) > 0

        def last_update_is_the_newest_evaluation() -> bool:
            shown = items_of(zabbix, hostid, "prolan.probe.last_update")["prolan.probe.last_update"][
                "lastvalue"
            ]
            return shown != "" and int(shown) == epoch(max(m["time"] for m in probe.metrics()))

        zabbix.wait_for(
            last_update_is_the_newest_evaluation, "prolanProbeLastUpdate = the newest evaluation", 60
        )
        for key in ("prolan.probe.name", "prolan.probe.version"):  # polled every 15 min: ask now
            zabbix.api("task.create", {"type": 6, "request": {"itemid": items[key]["itemid"]}})
        zabbix.wait_for(
            lambda: items_of(zabbix, hostid, "prolan.probe.name")["prolan.probe.name"]["lastvalue"] != "",
            "probe name",
            60,
        )
        assert items_of(zabbix, hostid, "prolan.probe.name")["prolan.probe.name"]["lastvalue"] == "Зонд NMS"
        tests = {m["test"] for m in cli}
        zabbix.wait_for(
            lambda: (
                sum(
                    k.startswith("prolan.test.state[") and v["lastclock"] != "0"
                    for k, v in items_of(zabbix, hostid, "prolan.test.").items()
                )
                == len(tests)
            ),
            "test states",
            120,
        )
        states = items_of(zabbix, hostid, "prolan.test.state[")
        assert {v["lastvalue"] for v in states.values()} == {"1"}, states

        # triggers: exactly the metrics at attention / on the edge / bad, at their severities
        def fired() -> dict[int, int]:
            triggers = zabbix.api(
                "trigger.get",
                {"hostids": hostid, "filter": {"value": 1}, "output": ["description", "priority"],
                 "selectItems": ["key_"]},
            )  # fmt: skip
            return {
                metric_id(t["items"][0]["key_"]): int(t["priority"])
                for t in triggers
                if t["items"][0]["key_"].startswith("prolan.metric.level[")
            }

        def expected() -> dict[int, int]:
            return {m["id"]: SEVERITY[m["level"]] for m in probe.metrics() if m["level"] in SEVERITY}

        assert expected(), "the demo has metrics at attention, on the edge or bad"
        # Against the CLI of the moment: a scheduled LOYALTY_MON run in the minutes since `cli` was
        # read moves the interval window and may change levels; Zabbix follows within a poll.
        seen: list[tuple[dict[int, int], dict[int, int]]] = []

        def triggers_follow_the_levels() -> bool:
            seen[:] = [(fired(), expected())]
            return seen[0][0] == seen[0][1]

        try:
            zabbix.wait_for(triggers_follow_the_levels, "triggers = the CLI's levels", 90)
        except TimeoutError:
            raise AssertionError(f"fired {seen[0][0]} != expected {seen[0][1]}") from None

        # the filters: exactly the metrics their regular expressions select
        def selected(m: dict[str, Any]) -> bool:
            point, question, period = m["point"] or "", m["question"] or "", m["period"] or ""
            return (
                re.search(filters["{$PROLAN.TEST.MATCHES}"], m["test"]) is not None
                and re.search(filters["{$PROLAN.TEST.NOT_MATCHES}"], m["test"]) is None
                and re.search(filters["{$PROLAN.POINT.MATCHES}"], point) is not None
                and re.search(filters["{$PROLAN.POINT.NOT_MATCHES}"], point) is None
                and re.search(filters["{$PROLAN.QUESTION.MATCHES}"], question) is not None
                and re.search(filters["{$PROLAN.QUESTION.NOT_MATCHES}"], question) is None
                and re.search(filters["{$PROLAN.PERIOD.MATCHES}"], period) is not None
                and re.search(filters["{$PROLAN.PERIOD.NOT_MATCHES}"], period) is None
            )

        chosen = {f"prolan.metric.level[{m['id']}]" for m in cli if selected(m)}
        assert 0 < len(chosen) < len(cli) / 4
        zabbix.wait_for(
            lambda: set(items_of(zabbix, filtered_host, "prolan.metric.level[")) == chosen,
            "the filtered discovery",
            120,
        )

        # a level change: the trap reaches snmptrap[prolanLevelChange], the level item and the trigger follow
        switch = next(m for m in cli if m["name"] == SWITCH)
        assert switch["level"] == "good"
        probe.set_switch(90.0)
        trap_item = items["snmptrap[prolanLevelChange]"]

        def trapped() -> list[dict[str, Any]]:
            return list(
                zabbix.api("history.get", {"itemids": trap_item["itemid"], "history": 2, "output": "extend"})
            )

        zabbix.wait_for(
            lambda: any(f"prolanNotifMetricId.0 {switch['id']}" in h["value"] for h in trapped()),
            "the level change trap",
            150,
        )
        text = next(h["value"] for h in trapped() if f"prolanNotifMetricId.0 {switch['id']}" in h["value"])
        assert (
            "PROLAN-MIB::prolanLevelChange" in text
            and f"PROLAN-MIB::prolanMetricLevel.{switch['id']} bad" in text
        )
        assert "ZBXTRAP 127.0.0.1" in zabbix.traps_file.read_text(encoding="utf-8")
        zabbix.wait_for(
            lambda: fired().get(switch["id"]) == SEVERITY["bad"], "the bad trigger of the switch", 60
        )
        print(
            f"Zabbix: {len(cli)} metrics, discovered in {discovery_seconds:.0f} s; whole test {time.monotonic() - started:.0f} s"
        )
    finally:
        trapd.terminate()
        trapd.wait(10)
