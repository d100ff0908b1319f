"""Shared helpers for the benchmarks: machine description and result formatting."""

from __future__ import annotations

import datetime as dt
import os
import platform


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def header(title: str) -> str:
    return f"{title} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {machine()}"
