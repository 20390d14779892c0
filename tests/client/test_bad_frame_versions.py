"""A frame that does not decode fails the one request it answers, and no other: the router finds
the request from the declared request kinds -- the request id's text position at the session's
version (older layouts had a version field in front of it) or its protobuf field number."""

from __future__ import annotations

import struct
import threading
from typing import Any

import pytest
from fakes import FakeSession, FakeTws

from ibwire import Broker, ProtocolError
from ibwire.client.router import attribute, key_index, routes, singleton_key
from ibwire.errors import RemoteProtocolError
from ibwire.models import Contract
from ibwire.models.market import ContractDetails
from ibwire.protocol.connection import BadMessage
from ibwire.protocol.ids import In
from ibwire.protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ibwire.protocol.messages.executions import ReqExecutions
from ibwire.protocol.messages.order_reports import ReqOpenOrders
from ibwire.protocol.messages.orders import PlaceOrder


def test_the_request_id_position_follows_the_declared_layout_at_each_version() -> None:
    assert key_index(In.CONTRACT_DATA, "req_id", 157) == 2  # a version field in front
    assert key_index(In.CONTRACT_DATA, "req_id", 164) == 1
    assert key_index(In.EXECUTION_DATA, "req_id", 135) == 2
    assert key_index(In.EXECUTION_DATA, "req_id", 200) == 1
    assert key_index(In.HISTORICAL_DATA, "req_id", 123) == 2
    assert key_index(In.HISTORICAL_DATA, "req_id", 178) == 1
    assert key_index(In.ACCOUNT_SUMMARY, "req_id", 100) == 2


def test_replies_know_the_requests_they_answer() -> None:
    assert {r.request for r in routes()[In.CONTRACT_DATA_END]} == {ReqContractData}
    assert [r.is_end for r in routes()[In.CONTRACT_DATA_END]] == [True]
    assert {r.request for r in routes()[In.OPEN_ORDER]} >= {PlaceOrder, ReqOpenOrders}
    assert {r.request for r in routes()[In.EXECUTION_DATA]} >= {ReqExecutions, PlaceOrder}


def _bad(fields: list[str], body: bytes | None = None, msg_id: int | None = None) -> BadMessage:
    return BadMessage(RemoteProtocolError("bad", msg_id=msg_id), fields, body)


def test_a_bad_text_frame_is_tied_to_its_request_at_each_version() -> None:
    old = attribute(_bad(["10", "8", "4711", "x"]), 157)
    new = attribute(_bad(["10", "4711", "x"]), 178)
    assert [(r.request, k) for r, k in old.targets] == [(ReqContractData, 4711)]
    assert [(r.request, k) for r, k in new.targets] == [(ReqContractData, 4711)]


def test_a_bad_protobuf_frame_is_tied_to_its_request_by_field_number() -> None:
    body = bytes([0x08]) + _varint(4711) + bytes([0x12, 0x05, 0x01])  # req_id, then a cut field
    where = attribute(_bad(["10"], body, msg_id=10), 226)
    assert [(r.request, k) for r, k in where.targets] == [(ReqContractData, 4711)]


def test_order_traffic_and_singletons() -> None:
    where = attribute(_bad(["53"]), 178)  # OPEN_ORDER_END: the open-orders read, a singleton
    assert {singleton_key(r.request) for r, _ in where.targets} >= {singleton_key(ReqOpenOrders)}
    assert attribute(_bad(["59", "x"]), 178).order_traffic  # a commission report
    assert not attribute(_bad(["4", "x"]), 178).targets  # ERR_MSG: nobody's reply


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _protobuf_frame(msg_id: int, body: bytes) -> bytes:
    payload = struct.pack(">I", msg_id + 200) + body
    return struct.pack(">I", len(payload)) + payload


@pytest.mark.parametrize("version", [157, 178, 226])
def test_one_bad_reply_fails_its_own_read_and_not_the_others(version: int) -> None:
    """Two contract-details reads are pending; TWS's reply to the first does not decode: the
    first call raises ProtocolError, the second gets its contract."""
    first: list[int] = []

    def on_request(msg: Any, session: FakeSession) -> Any:
        if msg.contract.symbol == "BAD":
            first.append(msg.req_id)
            return None
        bad_id = first[-1]
        if version >= 201:
            body = bytes([0x08]) + _varint(bad_id) + bytes([0x12, 0x05, 0x01])
            session._write(_protobuf_frame(10, body))
        elif version < 164:
            session.send_raw(["10", "8", str(bad_id), "A", "STK", "notadate"])
        else:
            session.send_raw(["10", str(bad_id), "A", "STK", "notadate"])
        good = ContractDetails(contract=Contract(con_id=7, symbol="GOOD", sec_type="STK",
                                                 exchange="SMART", currency="USD"))
        return [ContractData(msg.req_id, good), ContractDataEnd(msg.req_id)]

    with FakeTws({ReqContractData: on_request}, version=version) as tws, \
            Broker.connect(tws.host, tws.port, timeout=10) as broker:
        failed: list[BaseException] = []
        asked = threading.Event()

        def ask_bad() -> None:
            try:
                broker.contract_details(Contract(symbol="BAD", sec_type="STK"))
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                failed.append(exc)
            finally:
                asked.set()

        worker = threading.Thread(target=ask_bad)
        worker.start()
        tws.wait_for(ReqContractData)
        details = broker.contract_details(Contract(symbol="GOOD", sec_type="STK"))
        assert asked.wait(10)
        worker.join(10)
    assert [d.contract.con_id for d in details] == [7]
    assert len(failed) == 1 and isinstance(failed[0], ProtocolError)
