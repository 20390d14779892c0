"""Broker connection behaviour against a scripted TWS peer on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from decimal import Decimal
from typing import Any

import pytest
from fakes import FakeSession, FakeTws, free_port

from ibwire import (
    Broker,
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ConnectionState,
    LimitOrder,
    OrderRejected,
    ProtocolError,
    RequestTimeout,
    StateChanged,
    Stock,
)
from ibwire.models import Contract, Order, OrderState
from ibwire.protocol.messages.accounts import PositionData, PositionEnd, ReqPositions
from ibwire.protocol.messages.order_reports import OpenOrder, OrderStatus
from ibwire.protocol.messages.orders import CancelOrder, PlaceOrder
from ibwire.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime


def test_refused_port_is_connect_error_502_with_advice() -> None:
    port = free_port()
    with pytest.raises(ConnectError) as info:
        Broker.connect("127.0.0.1", port, client_id=1, timeout=2)
    assert info.value.code == 502
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "Trusted IPs" in str(info.value) and "API" in str(info.value)


def test_silent_peer_is_a_connect_error_not_a_hang() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(ConnectError) as info:
            Broker.connect("127.0.0.1", listener.getsockname()[1], timeout=0.5)
        assert info.value.code == 502


def test_server_version_out_of_range_is_503() -> None:
    """A server that answers 99 whatever the client offered: the client refuses it (503)."""
    from ibwire.protocol.handshake import encode_server_hello

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(64)
                conn.sendall(encode_server_hello(99))
                conn.recv(64)  # until the client hangs up

        threading.Thread(target=serve, daemon=True).start()
        with pytest.raises(ConnectError) as info:
            Broker.connect("127.0.0.1", listener.getsockname()[1], timeout=3)
    assert info.value.code == 503
    assert "out of date" in str(info.value)


def test_connected_broker_attributes() -> None:
    with FakeTws(accounts=("DU1", "DU2"), next_valid_id=17) as tws:
        with Broker.connect(tws.host, tws.port, client_id=3, timeout=5) as broker:
            assert broker.is_connected()
            assert broker.state is ConnectionState.CONNECTED
            assert broker.server_version == 178
            assert broker.connection_time is not None and broker.connection_time.tzinfo is not None
            assert broker.accounts == ["DU1", "DU2"]
            assert tws.session().client_id == 3
        assert not broker.is_connected()
        assert broker.state is ConnectionState.OFFLINE


def test_peer_closing_mid_request_fails_the_waiting_call_at_once() -> None:
    got_request = threading.Event()

    def on_time(msg: Any, session: FakeSession) -> None:
        got_request.set()
        session.close()

    offline = threading.Event()

    def on_state(ev: object) -> None:
        if isinstance(ev, StateChanged) and ev.new is ConnectionState.OFFLINE:
            offline.set()

    with FakeTws({ReqCurrentTime: on_time}) as tws:
        broker = Broker.connect(tws.host, tws.port, timeout=5)
        broker.add_listener(on_state)
        with pytest.raises(ConnectionLost):
            broker.current_time(timeout=30)  # fails on the drop, long before the timeout
        assert got_request.is_set()
        assert not broker.is_connected()
        assert broker.state is ConnectionState.OFFLINE
        # listeners hear it on their own thread (the failed call did not wait for them)
        assert offline.wait(5)
        with pytest.raises(ConnectionLost):
            broker.positions()
        broker.disconnect()


def test_request_without_reply_is_retried_once_then_times_out_naming_it() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        with pytest.raises(RequestTimeout) as info:
            broker.current_time(timeout=0.4)
        assert "current time" in str(info.value)
        tws.wait_for(ReqCurrentTime)
        tws.wait_for(ReqCurrentTime)  # asked twice: the seed warns early requests can be dropped


def test_current_time() -> None:
    with FakeTws({ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5) as broker:
            t = broker.current_time()
            assert t.timestamp() == 1700000000 and t.tzinfo is not None


def test_a_row_that_fails_to_decode_makes_the_call_raise() -> None:
    def on_positions(msg: Any, session: FakeSession) -> None:
        session.send(PositionData("DU1", Contract(con_id=1, symbol="A", sec_type="STK"), Decimal(5), 1.0))
        session.send_raw(["61", "3", "DU1", "notanumber", "B", "STK", "", "0", "", "", "", "USD", "B", "B", "5", "1"])
        session.send(PositionEnd())

    with FakeTws({ReqPositions: on_positions}) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        with pytest.raises(ProtocolError) as info:
            broker.positions()
        assert info.value.msg_id == 61 and info.value.field_index == 3 and info.value.raw == "notanumber"


def _acks(msg: PlaceOrder, session: FakeSession, status: str = "Submitted") -> list[Any]:
    order = msg.order
    order.client_id = session.client_id
    order.perm_id = 1000 + msg.order_id if msg.order_id else None
    return [OpenOrder(msg.order_id, msg.contract, order, OrderState(status=status)),
            OrderStatus(msg.order_id, status, Decimal(0), order.total_quantity, 0.0,
                        order.perm_id, 0, 0.0, session.client_id, None, 0.0)]


def test_submit_order_uses_next_valid_id_and_order_ref() -> None:
    with FakeTws({PlaceOrder: _acks}, next_valid_id=41) as tws:
        with Broker.connect(tws.host, tws.port, client_id=7, timeout=5) as broker:
            t1 = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="my-key-1")
            t2 = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0))
            assert (t1.order_id, t2.order_id) == (41, 42)
            assert t1.status == "Submitted" and t1.perm_id == 1041
            sent = tws.wait_for(PlaceOrder)
            assert sent.order.order_ref == "my-key-1" and sent.order_id == 41


def test_rejected_order_raises_order_rejected() -> None:
    def reject(msg: PlaceOrder, session: FakeSession) -> list[Any]:
        return [ErrMsg(msg.order_id, 201, "Order rejected - reason:insufficient buying power", "")]

    with FakeTws({PlaceOrder: reject}) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        with pytest.raises(OrderRejected) as info:
            broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0))
        assert info.value.code == 201 and "buying power" in info.value.message
        assert broker.tickets[0].status == "Inactive"


def test_cancel_confirmed_and_refused() -> None:
    def cancel(msg: CancelOrder, session: FakeSession) -> list[Any]:
        if msg.order_id == 1:
            return [ErrMsg(1, 202, "Order Canceled - reason:", ""),
                    OrderStatus(1, "Cancelled", Decimal(0), Decimal(10), 0.0, 1001, 0, 0.0,
                                session.client_id, None, 0.0)]
        return [ErrMsg(msg.order_id, 10147, f"OrderId {msg.order_id} that needs to be cancelled is not found.", "")]

    with FakeTws({PlaceOrder: _acks, CancelOrder: cancel}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5) as broker:
            t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0))
            assert broker.cancel_order(t.order_id) is t
            assert t.status == "Cancelled"
            with pytest.raises(CancelRejected) as info:
                broker.cancel_order(999)
            assert info.value.code == 10147


def test_requests_made_before_ready_are_held_not_lost() -> None:
    """The transport holds messages until NEXT_VALID_ID and MANAGED_ACCTS have arrived."""
    from ibwire.client.transport import Transport

    with FakeTws(next_valid_id=3) as tws:
        transport = Transport(tws.host, tws.port, 1, timeout=5)
        transport.connect()
        transport.send(ReqCurrentTime())  # almost certainly before readiness
        assert tws.wait_for(ReqCurrentTime, timeout=5) is not None
        assert transport.ready.wait(5)
        assert not tws.session().errors  # it arrived after START_API, not before
        transport.close()
        assert not transport.is_connected()


def test_no_order_without_connection() -> None:
    broker = Broker("127.0.0.1", 1)
    with pytest.raises(ConnectionLost):
        broker.submit_order(Contract(symbol="X"), Order(action="BUY", total_quantity=Decimal(1)))
