"""The long run of the BER decoder fuzzer (tests/snmp_fuzzing.py; `make test` runs 600 examples).

Runs the same property over many more mutated SNMP datagrams (v1/v2c and SNMPv3, bit flips,
truncations, huge lengths, deep nesting, sub-identifiers of up to 30 KB) and reports how many
were tried, the slowest one's CPU time and any failure (an exception other than BerError, or a
datagram over the CPU bound).

    python -m benchmarks.snmp_fuzz                     # 20,000 examples
    python -m benchmarks.snmp_fuzz --examples 200000
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as seed_decorator

from benchmarks.common import header
from tests.snmp_fuzzing import MAX_CPU_SECONDS, check, datagrams, responder_and_screen

BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    responder, screen = responder_and_screen()
    worst = [0.0, 0]
    tried = [0, 0]  # datagrams, bytes

    def batch(examples: int, seed: int) -> None:
        # A fresh hypothesis run per batch: one run of many large examples keeps them all in
        # memory (gigabytes after ~10,000 of these datagrams).
        @settings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @seed_decorator(seed)
        @given(datagrams)
        def run(data: bytes) -> None:
            seconds = check(responder, screen, data)
            tried[0] += 1
            tried[1] += len(data)
            if seconds > worst[0]:
                worst[:] = [seconds, len(data)]
            assert seconds < MAX_CPU_SECONDS, (
                f"{len(data)} bytes took {seconds * 1000:.1f} ms: {data[:64].hex()}"
            )

        run()

    print(header("BER decoder fuzzing (hypothesis)"))
    started = time.perf_counter()
    for number, start in enumerate(range(0, args.examples, BATCH)):
        batch(min(BATCH, args.examples - start), number)
    elapsed = time.perf_counter() - started
    print(
        f"{tried[0]:,} datagrams ({tried[1] / 2**20:.1f} MiB) in {elapsed:.0f} s, no failure; "
        f"slowest: {worst[0] * 1000:.3f} ms CPU for {worst[1]:,} bytes (bound {MAX_CPU_SECONDS * 1000:g} ms)"
    )


if __name__ == "__main__":
    main()
