"""Agent CPU per hostile SNMP datagram (up to 64 KB), by mutation class, and the worst
bytes-out/bytes-in ratio of a request the agent answers.

Every datagram goes through the agent's whole receive path (`datagram_received` of its UDP
transport: rate limit, v1/v2c fast path, SNMPv3 screen, pysnmp), synchronously in this thread,
and the thread's CPU time is measured (`time.thread_time`, which does not count time spent
waiting for a core on a busy machine). Responses go to 127.0.0.1:9 (discard). The reference in
the same run is a plain, valid 1-OID GET and the discovery request of net-snmp's SNMPv3 clients.
Target: at most 1 ms per datagram of every class.

    python -m benchmarks.snmp_hostile              # 200 datagrams per class
    python -m benchmarks.snmp_hostile --count 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import header
from probe.snmp import ber
from probe.snmp.agent import SnmpAgent
from probe.snmp.fastpath import FastResponder
from probe.snmp.limits import SourceRateLimiter

MAX_DATAGRAM = 65507
DISCARD = ("127.0.0.1", 9)
PROBE_NAME = (1, 3, 6, 1, 4, 1, 17184, 1, 1, 1, 4, 0)  # prolanProbeName.0
METRIC_NAME = (1, 3, 6, 1, 4, 1, 17184, 1, 1, 2, 1, 2)  # prolanMetricName
USER, AUTH_PROTOCOL, AUTH_KEY = "oko", "SHA-512", "auth-secret-1"
METRICS = 2000  # metrics served (Cyrillic names of the real length)


def varbind(oid: tuple[int, ...]) -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.encode_oid(oid) + b"\x05\x00")


def pdu(tag: int, varbinds: bytes, first: int = 0, second: int = 0) -> bytes:
    return ber.tlv(
        tag,
        ber.encode_integer(0x1234567)
        + ber.encode_integer(first)
        + ber.encode_integer(second)
        + ber.tlv(ber.SEQUENCE, varbinds),
    )


def v2c(body: bytes, community: bytes = b"public") -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.encode_integer(1) + ber.encode_octets(community) + body)


def huge_subid_oid(size: int) -> bytes:
    """An OID TLV whose second sub-identifier is `size` bytes long (0xFF... 0x7F)."""
    content = b"\x2b" + b"\xff" * (size - 2) + b"\x7f"
    return ber.tlv(ber.OBJECT_IDENTIFIER, content)


def v3(
    engine_id: bytes,
    flags: int,
    scoped: bytes,
    user: bytes = USER.encode(),
    auth: bytes = b"",
    priv: bytes = b"",
) -> bytes:
    header_ = ber.tlv(
        ber.SEQUENCE,
        ber.encode_integer(4242)
        + ber.encode_integer(65507)
        + ber.encode_octets(bytes((flags,)))
        + ber.encode_integer(3),
    )
    usm = ber.tlv(
        ber.SEQUENCE,
        ber.encode_octets(engine_id)
        + ber.encode_integer(1)
        + ber.encode_integer(10)
        + ber.encode_octets(user)
        + ber.encode_octets(auth)
        + ber.encode_octets(priv),
    )
    return ber.tlv(ber.SEQUENCE, ber.encode_integer(3) + header_ + ber.encode_octets(usm) + scoped)


def scoped_pdu(engine_id: bytes, body: bytes, context: bytes = b"") -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.encode_octets(engine_id) + ber.encode_octets(context) + body)


def fill(build: Callable[[int], bytes], limit: int = 64_000) -> bytes:
    """The largest `build(n)` not over `limit` bytes (n found by doubling, then bisection)."""
    low, high = 1, 2
    while len(build(high)) <= limit:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if len(build(mid)) <= limit else (low, mid)
    return build(low)


def mutation_classes(engine_id: bytes, rng: random.Random) -> dict[str, bytes]:
    """One datagram (up to 64 KB) per class of hostile input; `engine_id` is the agent's."""
    many = b"".join(varbind((1, 3, 6, i % 100)) for i in range(5000))  # 9 bytes each: 45 KB
    huge_vb = ber.tlv(ber.SEQUENCE, huge_subid_oid(63_000) + b"\x05\x00")
    nested = fill(lambda n: b"\x30\x82\xff\xff" * n)  # headers claiming 64 KB, each inside the last
    deep_ok = fill(lambda n: _nest(n))
    auth_wrong = bytes(48)
    priv_salt = bytes(8)
    classes = {
        "v2c GET, one 63 KB sub-identifier": v2c(pdu(ber.GET_REQUEST, huge_vb)),
        "v2c GET, 5,000 variable bindings": v2c(pdu(ber.GET_REQUEST, many)),
        "v2c GETNEXT, 5,000 variable bindings": v2c(pdu(ber.GET_NEXT_REQUEST, many)),
        "v2c GETBULK, 5,000 repeaters, max-rep. 1000": v2c(pdu(ber.GET_BULK_REQUEST, many, 0, 1000)),
        "v2c, wrong community, 5,000 variable bindings": v2c(pdu(ber.GET_REQUEST, many), b"guess"),
        "deep nesting, 16,000 SEQUENCE headers": nested,
        "deep nesting, well-formed, 64 KB": deep_ok,
        "huge lengths (0x84 FFFFFFFF)": b"\x30\x84\xff\xff\xff\xff" + rng.randbytes(64_000),
        "random bytes, 64 KB": rng.randbytes(64_000),
        "v3 noAuthNoPriv, 5,000 variable bindings": v3(
            b"", 0x04, scoped_pdu(b"", pdu(ber.GET_REQUEST, many)), user=b""
        ),
        "v3 authNoPriv, wrong digest, 5,000 var. bindings": v3(
            engine_id, 0x05, scoped_pdu(engine_id, pdu(ber.GET_REQUEST, many)), auth=auth_wrong
        ),
        "v3 authNoPriv, wrong digest, 63 KB sub-identifier": v3(
            engine_id, 0x05, scoped_pdu(engine_id, pdu(ber.GET_REQUEST, huge_vb)), auth=auth_wrong
        ),
        "v3 authPriv, wrong digest, 64 KB ciphertext": v3(
            engine_id, 0x07, ber.encode_octets(rng.randbytes(64_000)), auth=auth_wrong, priv=priv_salt
        ),
        "v3 authPriv, unknown user, 64 KB ciphertext": v3(
            engine_id,
            0x07,
            ber.encode_octets(rng.randbytes(64_000)),
            user=b"x",
            auth=auth_wrong,
            priv=priv_salt,
        ),
        "v3, nested scoped PDU headers": v3(engine_id, 0x04, fill(lambda n: b"\x30\x82\xff\xff" * n, 63_000)),
    }
    return {name: data[:MAX_DATAGRAM] for name, data in classes.items()}


def _nest(depth: int) -> bytes:
    inner = b"\x05\x00"
    for _ in range(depth):
        inner = ber.tlv(ber.SEQUENCE, inner)
    return inner


def reference_requests(engine_id: bytes) -> dict[str, bytes]:
    return {
        "reference: v2c GET of 1 OID": v2c(pdu(ber.GET_REQUEST, varbind(PROBE_NAME))),
        "reference: v3 discovery (as net-snmp sends it)": v3(
            b"", 0x04, scoped_pdu(b"", pdu(ber.GET_REQUEST, b"")), user=b""
        ),
    }


def worst_ratio(agent: SnmpAgent, max_repetitions: int) -> tuple[str, int, int]:
    """The request among the amplifying kinds whose answer is largest per byte asked, with
    `[snmp] max_repetitions` at the given value."""
    responder = FastResponder(lambda: agent.index, ["public"], max_repetitions)
    candidates = {
        f"GETBULK max-rep. {m} of prolanMetricName": v2c(
            pdu(ber.GET_BULK_REQUEST, varbind(METRIC_NAME), 0, m)
        )
        for m in (10, 100, 1000)
    }
    candidates["GETBULK max-rep. 1000 of the root 1.3"] = v2c(
        pdu(ber.GET_BULK_REQUEST, varbind((1, 3)), 0, 1000)
    )
    best = ("", 1, 0)
    for name, request in candidates.items():
        response = responder.handle(request)
        size = len(response) if isinstance(response, bytes) else 0
        if size / len(request) > best[2] / best[1]:
            best = (name, len(request), size)
    return best


async def measure(count: int, state_dir: Path) -> list[tuple[str, int, float]]:
    from benchmarks.snmp_walk import snapshot
    from tests.snmp_tools import agent_config, running_agent_in

    os.environ.setdefault("PROLAN_TEST_SNMP_AUTH", AUTH_KEY)
    rows: list[tuple[str, int, float]] = []
    unlimited = SourceRateLimiter(0, 0)  # measure the work, not the drops of the rate limit
    config = agent_config(max_repetitions=1000)
    async with running_agent_in(state_dir, config, snapshot(METRICS), limiter=unlimited) as agent:
        rng = random.Random(17)
        classes = {**reference_requests(agent.engine_id), **mutation_classes(agent.engine_id, rng)}
        receive = agent._transport.datagram_received
        for name, data in classes.items():
            receive(data, DISCARD)  # warm up
            started = time.thread_time()
            for _ in range(count):
                receive(data, DISCARD)
            rows.append((name, len(data), (time.thread_time() - started) / count * 1000))
        rows.append(("", 0, 0.0))
        for setting in (100, 1000):  # the default, and the highest the config allows
            name, asked, answered = worst_ratio(agent, setting)
            label = f"worst ratio, max_repetitions = {setting}: {name}: {asked} B in, {answered:,} B out"
            rows.append((label, asked, answered / asked))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="datagrams per class")
    args = parser.parse_args()
    print(header("SNMP agent CPU per hostile datagram"))
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(measure(args.count, Path(tmp)))
    print("| datagram | bytes | agent CPU per datagram (ms) | ≤ 1 ms |\n|---|---:|---:|---|")
    for name, size, ms in rows:
        if not name:
            continue
        if name.startswith("worst ratio"):
            print(f"\n{name}: {ms:.0f}×")
            continue
        print(f"| {name} | {size:,} | {ms:.3f} | {'✔' if ms <= 1 else '✘'} |")


if __name__ == "__main__":
    main()
