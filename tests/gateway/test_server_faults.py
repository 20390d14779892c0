"""Fault injection and persistence of the paper gateway: drops, notices, held acks, restarts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire import LimitOrder, MarketOrder, Stock
from ibwire.gateway import PaperGateway
from ibwire.models.execution import ExecutionFilter
from ibwire.protocol.connection import SessionReady
from ibwire.protocol.messages.accounts import PositionData, PositionEnd, ReqPositions
from ibwire.protocol.messages.executions import ExecutionData, ExecutionDataEnd, ReqExecutions
from ibwire.protocol.messages.order_reports import OpenOrder, OpenOrderEnd, OrderStatus, ReqOpenOrders
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime

from ..conftest import WireClient


def _connect(port: int, client_id: int) -> WireClient:
    c = WireClient(port)
    c.handshake()
    c.start(client_id)
    return c


def test_start_stop_context_manager_port_and_address():
    gw = PaperGateway(port=0, tick_interval=None)
    assert not gw.running
    with gw:
        assert gw.running and gw.port > 0
        assert gw.address == ("127.0.0.1", gw.port)
        assert gw.start() is gw  # idempotent
    assert not gw.running
    gw.stop()  # idempotent


def test_bad_mode_is_refused():
    with pytest.raises(ValueError):
        PaperGateway(mode="bogus")


def test_drop_client_closes_that_socket_only(gateway, wire):
    a, b = wire(1), wire(2)
    assert gateway.clients() == [1, 2]
    assert gateway.drop_client(1)
    assert a.wait_closed()
    b.send(ReqCurrentTime())
    assert b.expect(CurrentTime)
    assert gateway.clients() == [2]
    assert not gateway.drop_client(1)
    again = wire(1)  # the id is free again at once
    assert again.next_valid_id == 1


@pytest.mark.parametrize("code", [1100, 1101, 1102])
def test_send_connectivity_reaches_every_client(gateway, wire, code):
    a, b = wire(1), wire(2)
    gateway.send_connectivity(code)
    for c in (a, b):
        err = c.expect(ErrMsg, lambda e: e.error_code == code)
        assert err.req_id == -1 and "Connectivity between IB and Trader Workstation" in err.error_string


def test_send_connectivity_refuses_other_codes(gateway):
    with pytest.raises(ValueError):
        gateway.send_connectivity(200)


def test_hold_and_release_acks(gateway, wire):
    c = wire(1)
    gateway.hold_acks()
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 10)))
    withheld = c.sync()  # the order was handled before this answer; nothing about it came
    assert not [e for e in withheld if isinstance(e, (OpenOrder, OrderStatus, ExecutionData, ErrMsg))]
    assert gateway.call(lambda ex: ex.order(1, 1).status) == "Filled"
    gateway.release_acks()
    events = c.until(OrderStatus, lambda m: m.status == "Filled")
    kinds = [type(e) for e in events]
    assert kinds[0] is OpenOrder and OrderStatus in kinds and ExecutionData in kinds


def test_restart_with_state_file_resumes_everything(tmp_path):
    state = tmp_path / "paper.sqlite"
    with PaperGateway(port=0, state_path=state, tick_interval=None) as gw:
        port = gw.port
        c = _connect(port, 1)
        c.send(PlaceOrder(order_id=10, contract=Stock("AAPL"), order=MarketOrder("BUY", 100)))
        c.expect(OrderStatus, lambda m: m.status == "Filled")
        price = round(gw.call(lambda ex: ex.quote(265598).bid) * 0.9, 2)
        c.send(PlaceOrder(order_id=11, contract=Stock("AAPL"), order=LimitOrder("BUY", 5, price)))
        c.expect(OrderStatus, lambda m: m.order_id == 11 and m.status == "Submitted")

        gw.restart()
        assert c.wait_closed()
        assert gw.port == port  # same port

        again = _connect(port, 1)
        assert again.next_valid_id == 12
        positions = [m for m in again.ask(ReqPositions(), PositionEnd) if isinstance(m, PositionData)]
        assert [(p.contract.symbol, p.position) for p in positions] == [("AAPL", Decimal(100))]
        opened = [m for m in again.ask(ReqOpenOrders(), OpenOrderEnd) if isinstance(m, OpenOrder)]
        assert [(m.order_id, m.order.lmt_price) for m in opened] == [(11, price)]
        execs = [m for m in again.ask(ReqExecutions(req_id=1, filter=ExecutionFilter()),
                                      ExecutionDataEnd) if isinstance(m, ExecutionData)]
        assert [e.execution.order_id for e in execs] == [10]
        again.close()

    # a new gateway process on the same file resumes too
    with PaperGateway(port=0, state_path=state, tick_interval=None) as gw2:
        c = _connect(gw2.port, 1)
        assert c.next_valid_id == 12
        positions = [m for m in c.ask(ReqPositions(), PositionEnd) if isinstance(m, PositionData)]
        assert [p.position for p in positions] == [Decimal(100)]
        c.close()


def test_restart_without_state_file_keeps_memory_state(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(order_id=3, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    c.expect(OrderStatus, lambda m: m.status == "Filled")
    gateway.restart()
    assert c.wait_closed()
    again = _connect(gateway.port, 1)
    try:
        assert again.next_valid_id == 4
    finally:
        again.close()


def test_clients_reconnect_after_restart(gateway, wire):
    c = wire(5)
    gateway.restart()
    assert c.wait_closed()
    again = WireClient(gateway.port)
    try:
        again.handshake()
        assert isinstance(again.start(5), SessionReady)
    finally:
        again.close()
