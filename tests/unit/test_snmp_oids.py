"""`probe.snmp.oids` is the one OID layout (issue 14, point 4): pure (no pysnmp), and every number
in it is the number mib/PROLAN-MIB.txt gives the object."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from probe.snmp.oids import (
    METRIC_COLUMNS,
    POINT_COLUMNS,
    TEST_COLUMNS,
    Layout,
    MetricColumn,
    NotificationKind,
    NotificationObject,
    PointColumn,
    ProbeScalar,
    TestColumn,
    parse_oid,
)
from tests.helpers import ROOT

MIB = (ROOT / "mib" / "PROLAN-MIB.txt").read_text(encoding="utf-8")
# Attribute names whose MIB object name is not just the CamelCase of the attribute.
RENAMED = {"DIRECTION": "ThresholdDirection", "DURATION": "DurationMs", "FIRST_LEVEL_COUNT": "GoodCount"}


def mib_objects() -> dict[str, tuple[str, int]]:
    """MIB object name → (parent, last arc)."""
    pattern = r"^(prolan\w+)\s+(?:OBJECT-TYPE|NOTIFICATION-TYPE|OBJECT IDENTIFIER|MODULE-IDENTITY).*?::=\s*\{\s*(\w+)\s+(\d+)\s*\}"
    return {m[1]: (m[2], int(m[3])) for m in re.finditer(pattern, MIB, re.S | re.M)}


def camel(attribute: str) -> str:
    return RENAMED.get(attribute) or "".join(part.capitalize() for part in attribute.split("_"))


@pytest.mark.parametrize(
    ("numbers", "prefix", "parent"),
    [
        (ProbeScalar, "prolanProbe", "prolanProbe"),
        (MetricColumn, "prolanMetric", "prolanMetricEntry"),
        (TestColumn, "prolanTest", "prolanTestEntry"),
        (PointColumn, "prolanPoint", "prolanPointEntry"),
        (NotificationObject, "prolanNotif", "prolanNotificationObjects"),
        (NotificationKind, "prolan", "prolanNotifications"),
    ],
)
def test_numbers_are_the_mibs(numbers: type, prefix: str, parent: str) -> None:
    objects = mib_objects()
    constants = {k: v for k, v in vars(numbers).items() if k.isupper()}
    assert constants
    for attribute, number in constants.items():
        assert objects[prefix + camel(attribute)] == (parent, number), attribute


def test_column_lists_cover_the_tables() -> None:
    objects = mib_objects()
    for columns, parent in (
        (METRIC_COLUMNS, "prolanMetricEntry"),
        (TEST_COLUMNS, "prolanTestEntry"),
        (POINT_COLUMNS, "prolanPointEntry"),
    ):
        # every column but the index (1), which is not-accessible
        assert columns == tuple(sorted(n for p, n in objects.values() if p == parent and n != 1))


def test_layout_under_a_moved_enterprise_root() -> None:
    layout = Layout.from_text(".1.3.6.1.4.1.99999.42")
    assert layout.module == (1, 3, 6, 1, 4, 1, 99999, 42, 1)
    assert layout.metric_entry == (*layout.module, 1, 2, 1)
    assert layout.point_entry == (*layout.module, 1, 4, 1)
    assert layout.notifications == (*layout.module, 0)
    assert Layout().enterprise == parse_oid("1.3.6.1.4.1.17184")
    with pytest.raises(ValueError, match=r"1\.3\.x"):
        Layout.from_text("1.3.x")


def test_the_layout_module_is_pure() -> None:
    code = "import sys, probe.snmp.oids; print(sorted(m for m in sys.modules if m.split('.')[0] in ('pysnmp', 'pyasn1', 'PyQt6', 'sqlalchemy')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
