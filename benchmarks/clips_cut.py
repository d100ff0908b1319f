"""Cutting audio fragments from hour-long recordings, side by side with `sox trim` of the same
fragments in the same run. Fragments are 120 s (60 s before and after a press) at random press
times, measured separately inside one file and across the boundary between two consecutive hour
files (the probe joins them; sox gets both files as inputs). Two source formats: PCM WAV (the
probe reads frames directly) and FLAC (inside one file the probe runs `sox trim` itself; across
files ffmpeg with input seeking and concat); output in the source format.

Each side runs in its own child process that reports fragments/s and peak memory: the resident
peak of that Python process above its baseline after imports, and the peak of the processes it
started (ffmpeg / sox), from getrusage.

    python -m benchmarks.clips_cut [--hours 2] [--fragments 10] [--rate 16000]
    python -m benchmarks.clips_cut --full      # 3 hour-long files, 100 fragments per case
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import header
from probe.clips.cutter import cut_fragment, plan_fragment
from probe.clips.recordings import RecordingIndex

TZ = ZoneInfo("Europe/Moscow")
POINT = "Точка"
FIRST = dt.datetime(2026, 11, 22, 9, 0, 0)  # local start of the first file
FRAGMENT = 120.0
SOX = shutil.which("sox")  # the probe's cutter uses sox for single-file FLAC pieces, like the runner


def make_recordings(work: Path, hours: int, rate: int, fmt: str) -> None:
    folder = work / "rec" / fmt / POINT
    folder.mkdir(parents=True, exist_ok=True)
    # One minute of quiet noise (so encoders work on signal, not digital silence), repeated.
    minute = work / f"minute-{rate}.wav"
    if not minute.exists():
        synth = ["synth", "60", "pinknoise", "vol", "0.05"]
        subprocess.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(minute), *synth], check=True)
    for hour in range(hours):
        name = f"{FIRST + dt.timedelta(hours=hour):%Y%m%d-%H%M%S}.{fmt}"
        subprocess.run(["sox", str(minute), str(folder / name), "repeat", "59"], check=True)


def fragment_offsets(hours: int, count: int, across: bool, seed: int = 7) -> list[float]:
    """Fragment starts (seconds after the first file's start), inside one file or across a boundary."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if across:
            boundary = 3600.0 * rng.randrange(1, hours)
            out.append(boundary - rng.uniform(10, FRAGMENT - 10))
        else:
            hour = rng.randrange(hours)
            out.append(3600.0 * hour + rng.uniform(0, 3600.0 - FRAGMENT))
    return out


def maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # kilobytes on Linux


def run_phase(side: str, work: Path, fmt: str, case: str) -> dict[str, float]:
    offsets = json.loads((work / f"fragments-{case}.json").read_text())
    out_dir = work / f"out-{side}-{fmt}-{case}"
    out_dir.mkdir(exist_ok=True)
    index = RecordingIndex(work / "rec" / fmt, TZ)
    recordings = index.recordings(POINT)
    first_utc = recordings[0].start
    baseline = maxrss_mib(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for i, offset in enumerate(offsets):
        start = first_utc + dt.timedelta(seconds=offset)
        plan = plan_fragment(recordings, start, start + dt.timedelta(seconds=FRAGMENT))
        target = out_dir / f"{i:04d}.{fmt}"
        if side == "probe":
            cut_fragment(plan, target, sox=SOX)
        else:
            sources = plan.recordings
            skip = (start - sources[0].start).total_seconds()
            cmd = ["sox", *[str(r.path) for r in sources], str(target), "trim", f"{skip:.3f}", f"{FRAGMENT}"]
            subprocess.run(cmd, check=True)
    elapsed = time.perf_counter() - started
    return {
        "fragments": len(offsets),
        "seconds": elapsed,
        "per_second": len(offsets) / elapsed,
        "python_peak_mib": max(0.0, maxrss_mib(resource.RUSAGE_SELF) - baseline),
        "children_peak_mib": maxrss_mib(resource.RUSAGE_CHILDREN),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=int, default=2, help="hour-long files per format (at least 2)")
    parser.add_argument("--fragments", type=int, default=10, help="fragments per case and format")
    parser.add_argument(
        "--rate", type=int, default=16000, help="sample rate of the recordings (mono, 16 bit)"
    )
    parser.add_argument("--formats", default="wav,flac")
    parser.add_argument("--full", action="store_true", help="3 hour-long files, 100 fragments per case")
    parser.add_argument("--phase", choices=("probe", "sox"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fmt", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.work, args.fmt, args.case)))
        return 0
    if args.full:
        args.hours, args.fragments = 3, 100
    args.hours = max(2, args.hours)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    print(header("Audio fragments: probe cutter vs sox trim"))
    print(
        f"{args.hours} hour-long files per format, {args.rate} Hz mono 16 bit, "
        f"{args.fragments} fragments of {FRAGMENT:.0f} s per case"
    )
    cases = {"within": "inside one file", "across": "across a file boundary"}
    with tempfile.TemporaryDirectory(prefix="clips-bench-") as tmp:
        work = Path(tmp)
        for case in cases:
            offsets = fragment_offsets(args.hours, args.fragments, across=case == "across")
            (work / f"fragments-{case}.json").write_text(json.dumps(offsets))
        rows = []
        for fmt in formats:
            made = time.perf_counter()
            make_recordings(work, args.hours, args.rate, fmt)
            print(f"  {fmt}: recordings made in {time.perf_counter() - made:.1f} s", flush=True)
            for case in cases:
                result = {}
                for side in ("probe", "sox"):
                    cmd = [sys.executable, "-m", "benchmarks.clips_cut", "--phase", side]
                    cmd += ["--work", str(work), "--fmt", fmt, "--case", case]
                    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    result[side] = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append((fmt, case, result))
        print()
        print(
            "| fragment | probe (fragments/s) | sox trim (fragments/s) | probe / sox "
            "| probe peak memory | sox peak memory |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for fmt, case, result in rows:
            probe, sox = result["probe"], result["sox"]
            ratio = probe["per_second"] / sox["per_second"]
            print(
                f"| {fmt} → {fmt}, {cases[case]} | {probe['per_second']:.1f} | {sox['per_second']:.1f} "
                f"| {ratio:.2f} | Python +{probe['python_peak_mib']:.1f} MiB, "
                f"tools {probe['children_peak_mib']:.1f} MiB | {sox['children_peak_mib']:.1f} MiB |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
