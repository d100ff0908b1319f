"""The demo: a simulated retail chain (`chain`), its history in the aggregator (`history`,
`prolan-probe demo`), the live simulator that keeps its pads pressing through the probe's ingest
(`simulator`, `prolan-probe simulate`) and the supervisor of `prolan-probe demo --live`
(`live`: probe, simulator, console and a local mail sink under one Ctrl-C)."""

from __future__ import annotations

from probe.demo.chain import DEGRADING_POINT, POINTS, demo_topology, simulate
from probe.demo.history import DemoSummary, install_demo

_POINTS = POINTS  # the name older callers use

__all__ = ["DEGRADING_POINT", "POINTS", "_POINTS", "DemoSummary", "demo_topology", "install_demo", "simulate"]
