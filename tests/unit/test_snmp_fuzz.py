"""The BER decoder fuzzer, bounded for `make test` (see tests/snmp_fuzzing.py; the long run is
`python -m benchmarks.snmp_fuzz`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.snmp_fuzzing import MAX_CPU_SECONDS, check, datagrams, responder_and_screen

# Timing-bound (a CPU or wall-clock budget): run by `make test` after the parallel part, alone.
pytestmark = pytest.mark.serial

RESPONDER, SCREEN = responder_and_screen()


@settings(
    max_examples=600, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
@given(datagrams)
def test_ber_decoding_survives_mutated_datagrams_in_bounded_cpu(data: bytes) -> None:
    assert check(RESPONDER, SCREEN, data) < MAX_CPU_SECONDS, f"{len(data)} bytes: {data[:80].hex()}"
