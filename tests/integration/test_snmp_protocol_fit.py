"""The v2c fast path answers like pysnmp's command responders (the v3 path of the agent), request by
request: the same datagram goes to the agent and to a pysnmp engine reading the same index, and the
decoded responses must be equal: GETNEXT and GETBULK walks over the whole MIB, from the middle of
tables, between columns and past the end (endOfMibView as RFC 3416 4.2.3 says)."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config as pysnmp_config
from pysnmp.entity import engine as pysnmp_engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto import api, rfc1905

from probe.snmp.agent import SnmpAgent
from probe.snmp.index import MibIndex
from probe.snmp.oids import Layout
from probe.snmp.v3 import IndexInstrumentation
from tests.snmp_tools import running_agent, sample_snapshot

V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
LAYOUT = Layout()
SYS_UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
Varbind = tuple[tuple[int, ...], str, Any]


@dataclasses.dataclass
class PysnmpPath:
    """pysnmp's GET/GETNEXT/GETBULK responders over the agent's index, for community `public`."""

    engine: pysnmp_engine.SnmpEngine
    port: int


async def start_pysnmp_path(index: Callable[[], MibIndex]) -> PysnmpPath:
    snmp_engine = pysnmp_engine.SnmpEngine()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    transport = udp.UdpAsyncioTransport().open_server_mode(sock=sock)
    pysnmp_config.add_transport(snmp_engine, udp.DOMAIN_NAME, transport)
    await transport._lport
    pysnmp_config.add_v1_system(snmp_engine, "fit", "public")
    pysnmp_config.add_vacm_user(snmp_engine, 2, "fit", "noAuthNoPriv", (1, 3, 6), ())
    snmp_context = context.SnmpContext(snmp_engine)
    snmp_context.unregister_context_name(b"")
    snmp_context.register_context_name(b"", IndexInstrumentation(index))
    for responder in (cmdrsp.GetCommandResponder, cmdrsp.NextCommandResponder, cmdrsp.BulkCommandResponder):
        responder(snmp_engine, snmp_context)
    snmp_engine.transport_dispatcher.job_started(1)
    return PysnmpPath(snmp_engine, sock.getsockname()[1])


class Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.replies.put_nowait(data)


@pytest.fixture
async def both_paths() -> AsyncIterator[tuple[SnmpAgent, PysnmpPath]]:
    metrics = sample_snapshot().metrics
    # a table long enough for several bulk rounds, ids with multi-byte sub-identifiers
    many = tuple(metrics[0]._replace(id=i, key=f"k{i}") for i in (*range(1, 30), 127, 128, 70000))
    snapshot = dataclasses.replace(sample_snapshot(), metrics=many + metrics[1:])
    async with running_agent(snapshot=snapshot) as agent:
        path = await start_pysnmp_path(lambda: agent.index)
        try:
            yield agent, path
        finally:
            path.engine.transport_dispatcher.job_finished(1)
            path.engine.close_dispatcher()


def build_request(
    kind: str, oids: list[tuple[int, ...]], non_repeaters: int = 0, repetitions: int = 0
) -> bytes:
    pdu: Any
    if kind == "bulk":
        pdu = V2C.GetBulkRequestPDU()
        V2C.apiBulkPDU.set_defaults(pdu)
        V2C.apiBulkPDU.set_non_repeaters(pdu, non_repeaters)
        V2C.apiBulkPDU.set_max_repetitions(pdu, repetitions)
    else:
        pdu = V2C.GetNextRequestPDU() if kind == "next" else V2C.GetRequestPDU()
        V2C.apiPDU.set_defaults(pdu)
    V2C.apiPDU.set_request_id(pdu, 4242)
    V2C.apiPDU.set_varbinds(pdu, [(oid, V2C.Null("")) for oid in oids])
    message = V2C.Message()
    V2C.apiMessage.set_defaults(message)
    V2C.apiMessage.set_community(message, "public")
    V2C.apiMessage.set_pdu(message, pdu)
    return bytes(encoder.encode(message))


def decode_response(data: bytes) -> tuple[int, int, list[Varbind]]:
    message, _rest = decoder.decode(data, asn1Spec=V2C.Message())
    pdu = V2C.apiMessage.get_pdu(message)
    assert int(V2C.apiPDU.get_request_id(pdu)) == 4242
    binds: list[Varbind] = []
    for name, value in V2C.apiPDU.get_varbinds(pdu):
        oid = tuple(name)
        kind = type(value).__name__
        # sysUpTime moves between the two requests: compare its type only
        shown = None if oid == SYS_UPTIME else (value.prettyPrint() if value.isValue else "")
        binds.append((oid, kind, shown))
    return int(V2C.apiPDU.get_error_status(pdu)), int(V2C.apiPDU.get_error_index(pdu)), binds


async def ask(port: int, datagram: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(Client, remote_addr=("127.0.0.1", port))
    try:
        transport.sendto(datagram)
        return await asyncio.wait_for(protocol.replies.get(), 5)
    finally:
        transport.close()


async def compare(agent: SnmpAgent, path: PysnmpPath, datagram: bytes) -> list[Varbind]:
    fast = decode_response(await ask(agent.address[1], datagram))
    slow = decode_response(await ask(path.port, datagram))
    assert fast == slow
    return fast[2]


def is_end(bind: Varbind) -> bool:
    return bind[1] == type(rfc1905.endOfMibView).__name__


async def test_getnext_walk_of_the_whole_mib_is_the_same_request_by_request(
    both_paths: tuple[SnmpAgent, PysnmpPath],
) -> None:
    agent, path = both_paths
    oid: tuple[int, ...] = (1, 3)
    seen = 0
    while True:
        (bind,) = await compare(agent, path, build_request("next", [oid]))
        if is_end(bind):
            break
        oid = bind[0]
        seen += 1
    assert seen == agent.index.size
    assert bind[0] == oid  # endOfMibView under the name that was asked for


@pytest.mark.parametrize(
    ("non_repeaters", "repetitions", "columns"),
    [(0, 10, 1), (0, 64, 1), (0, 1, 1), (1, 7, 3), (2, 5, 4), (0, 21, 3)],
)
async def test_getbulk_walks_are_the_same_request_by_request(
    both_paths: tuple[SnmpAgent, PysnmpPath], non_repeaters: int, repetitions: int, columns: int
) -> None:
    agent, path = both_paths
    entry = LAYOUT.metric_entry
    starts = [(*entry, 2), (*entry, 10, 5), (*entry, 17, 128), (*LAYOUT.point_entry, 11)][:columns]
    oids = [(1, 3, 6, 1, 2, 1, 1, 2), *starts] if non_repeaters else starts
    oids = ([(1, 3, 6, 1, 2, 1, 1, 5)] * (non_repeaters - 1)) + oids if non_repeaters > 1 else oids
    rounds = 0
    while True:
        binds = await compare(agent, path, build_request("bulk", oids, non_repeaters, repetitions))
        rounds += 1
        repeated = binds[non_repeaters:]
        r = len(oids) - non_repeaters
        assert len(repeated) == r * repetitions  # every repetition is there, endOfMibView included
        last_row = repeated[-r:]
        oids = oids[:non_repeaters] + [b[0] for b in last_row]
        if all(is_end(b) for b in last_row):
            break
        assert rounds < 1000
    # past the end: a fresh request from the last OID is endOfMibView throughout
    binds = await compare(agent, path, build_request("bulk", oids, non_repeaters, repetitions))
    assert all(is_end(b) for b in binds[non_repeaters:])


async def test_single_requests_at_and_past_the_end(both_paths: tuple[SnmpAgent, PysnmpPath]) -> None:
    agent, path = both_paths
    last = walk_last(agent.index)
    for datagram in (
        build_request("bulk", [last], 0, 10),
        build_request("bulk", [(2, 999)], 0, 3),
        build_request("bulk", [(2, 999), last], 1, 4),
        build_request("bulk", [(*LAYOUT.point_entry, 11)], 0, 30),
        build_request("next", [last, (2, 5), (1, 3, 6, 1, 4, 1, 17184, 1, 1, 2, 1, 99)]),
        build_request("get", [last, (*LAYOUT.metric_entry, 2, 4), (*LAYOUT.metric_entry, 99, 3)]),
    ):
        await compare(agent, path, datagram)
    binds = await compare(agent, path, build_request("bulk", [last], 0, 10))
    assert [b[:2] for b in binds] == [(last, type(rfc1905.endOfMibView).__name__)] * 10


def walk_last(index: MibIndex) -> tuple[int, ...]:
    seg = next(seg for seg in reversed(index.segments) if seg.rows)
    return (*seg.prefix, seg.rows[-1])
