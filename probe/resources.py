"""Where the product's own files are: the built-in evaluation tests, the demo maps, the MIB files
and the systemd unit.

In a checkout (and an editable install) they are the top-level folders next to the packages:
`tests_scripts/`, `maps/`, `mib/`, `deploy/`. A wheel carries them as data files, which the
installer puts under `<prefix>/share/prolan-probe/` with the same layout; the installed location is
read from the distribution's own file list, so a venv, `--user` or system install all work.
This module is the one place that knows; everything else asks it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from pathlib import Path, PurePosixPath

DISTRIBUTION = "prolan-probe"
# The folder, below the install prefix, that the wheel's data files go to (setup.cfg [options.data_files]).
SHARE_SUBDIR = PurePosixPath("share") / "prolan-probe"
_CHECKOUT = Path(__file__).resolve().parent.parent
# A file every complete product has; used to recognise both a checkout and an installed share folder.
_MARKER = PurePosixPath("mib") / "PROLAN-MIB.txt"


def _is_checkout(folder: Path) -> bool:
    return (folder / "setup.cfg").is_file() and (folder / _MARKER).is_file()


def _installed_root() -> Path | None:
    """`<prefix>/share/prolan-probe` as recorded in the installed distribution's RECORD."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    suffix = (*SHARE_SUBDIR.parts, *_MARKER.parts)
    for entry in distribution.files or ():
        parts = PurePosixPath(str(entry)).parts
        if parts[-len(suffix) :] == suffix:
            located = Path(str(distribution.locate_file(entry))).resolve()
            if located.is_file():
                return located.parents[len(_MARKER.parts) - 1]
    return None


@functools.cache
def resource_root() -> Path:
    """The folder holding `tests_scripts/`, `maps/`, `mib/` and `deploy/`: the checkout first, then
    the installed share folder. When neither is found, `<sys.prefix>/share/prolan-probe`, so that a
    missing file is reported with the path where it was expected."""
    if _is_checkout(_CHECKOUT):
        return _CHECKOUT
    return _installed_root() or Path(sys.prefix) / SHARE_SUBDIR


def builtin_tests_dir() -> Path:
    """The evaluation tests shipped with the probe (LOYALTY_MON, APP_RESPONSE, QUEUE_LEN, …)."""
    return resource_root() / "tests_scripts"


def demo_map_dir() -> Path:
    """The demo map set of the console: map JSON files and their `backgrounds/`."""
    return resource_root() / "maps" / "demo"


def demo_root_map() -> Path:
    """The map the console opens when the config names none."""
    return demo_map_dir() / "russia.json"


def mib_dir() -> Path:
    """PROLAN-MIB and the SMIv2 modules it imports, for net-snmp's `-M` and MIB compilers."""
    return resource_root() / "mib"


def systemd_unit() -> Path:
    """The systemd unit of the probe service."""
    return resource_root() / "deploy" / "prolan-probe.service"
