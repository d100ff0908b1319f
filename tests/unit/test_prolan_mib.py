"""PROLAN-MIB itself: lints clean at smilint's strictest level and compiles with pysmi to a
module pysnmp loads, with the OIDs the console and the agent rely on."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pysmi.codegen import PySnmpCodeGen
from pysmi.compiler import MibCompiler
from pysmi.parser import SmiStarParser
from pysmi.reader import FileReader
from pysmi.searcher import StubSearcher
from pysmi.writer import PyFileWriter
from pysnmp.smi import builder

from probe.resources import mib_dir
from probe.snmp.oids import Layout

MIB_DIR = mib_dir()


@pytest.mark.skipif(shutil.which("smilint") is None, reason="smitools")
def test_smilint_level_6_prints_nothing() -> None:
    result = subprocess.run(
        ["smilint", "-c", "/dev/null", "-l", "6", str(MIB_DIR / "PROLAN-MIB.txt")],
        capture_output=True,
        text=True,
        env={**os.environ, "SMIPATH": str(MIB_DIR)},
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_only_the_ietf_modules_in_use_are_vendored() -> None:
    # the imports of PROLAN-MIB and SNMPv2-MIB (names of net-snmp's output); tests/integration/test_mib_bundle.py
    assert sorted(p.name for p in MIB_DIR.glob("*.txt")) == [
        "PROLAN-MIB.txt", "SNMPv2-CONF.txt", "SNMPv2-MIB.txt", "SNMPv2-SMI.txt", "SNMPv2-TC.txt",
    ]  # fmt: skip
    assert all(ord(c) < 128 for c in (MIB_DIR / "PROLAN-MIB.txt").read_text(encoding="utf-8"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pysmi_compiles_and_pysnmp_loads_the_module(tmp_path: Path) -> None:
    compiler = MibCompiler(SmiStarParser(), PySnmpCodeGen(), PyFileWriter(str(tmp_path)))
    compiler.add_sources(FileReader(str(MIB_DIR)))
    compiler.add_searchers(StubSearcher(*PySnmpCodeGen.baseMibs))
    results = compiler.compile("PROLAN-MIB")
    assert results["PROLAN-MIB"] == "compiled", results
    mib_builder = builder.MibBuilder()
    mib_builder.add_mib_sources(builder.DirMibSource(str(tmp_path)))
    mib_builder.load_modules("PROLAN-MIB")
    layout = Layout()
    (name, level, table, change, ok) = mib_builder.import_symbols(
        "PROLAN-MIB",
        "prolanMetricName",
        "prolanMetricLevel",
        "prolanMetricTable",
        "prolanLevelChange",
        "OkoLevel",
    )
    assert tuple(name.getName()) == (*layout.metric_entry, 2)
    assert tuple(level.getName()) == (*layout.metric_entry, 10)
    assert tuple(table.getName()) == (*layout.module, 1, 2)
    assert tuple(change.getName()) == (*layout.notifications, 1)
    assert dict(ok.namedValues) == {
        "good": 1, "acceptable": 2, "attention": 3, "onTheEdge": 4, "bad": 5, "unknown": 6, "notAssessed": 7,
    }  # fmt: skip
    test_state, point_worst = mib_builder.import_symbols(
        "PROLAN-MIB", "prolanTestState", "prolanPointWorstLevel"
    )
    assert tuple(test_state.getName()) == (*layout.module, 1, 3, 1, 7)
    assert tuple(point_worst.getName()) == (*layout.module, 1, 4, 1, 4)
