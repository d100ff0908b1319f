"""`make bench`: run every benchmark module of this folder at its small default size, one after
another, each in its own process so that one failing benchmark does not hide the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"__init__", "common", "run_all"}
# The press import's and the takeover's defaults are the issues' full size; make bench uses quick ones.
QUICK_ARGS: dict[str, list[str]] = {
    "press_import": ["--rows", "100000"],
    "takeover": ["--kills", "2", "--lease", "3"],
}


def main() -> int:
    failed: list[str] = []
    for path in sorted(HERE.glob("*.py")):
        name = path.stem
        if name in SKIP or name.startswith("_"):
            continue
        print(f"=== benchmarks.{name}", flush=True)
        status = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *QUICK_ARGS.get(name, [])])
        if status != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
