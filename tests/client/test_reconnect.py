"""Connection faults seen by the Broker: drops, reconnect=True, 326, 1100 / 1101 / 1102.

Scripted TWS first (precise control of what arrives when), then the paper gateway for the
behaviours that depend on a real server: 326 while the old socket is held, an immediate reconnect
after disconnect(), pending requests failing on a drop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from fakes import FakeSession, FakeTws

from ibwire import (
    AsyncBroker,
    Broker,
    ConnectError,
    ConnectionLost,
    ConnectionState,
    LimitOrder,
    MarketOrder,
    StateChanged,
    Stock,
)
from ibwire.gateway import PaperGateway
from ibwire.protocol.messages.market_data import CancelMktData, ReqMktData, TickPrice
from ibwire.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime, StartApi

TEXT = {1100: "Connectivity between IB and Trader Workstation has been lost.",
        1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
        1102: "Connectivity between IB and Trader Workstation has been restored - data maintained."}


def tick(msg: ReqMktData, session: FakeSession, price: float = 100.0) -> TickPrice:
    return TickPrice(msg.req_id, 1, price, Decimal(5), 0)


def states(broker: Any) -> list[StateChanged]:
    seen: list[StateChanged] = []
    broker.add_listener(lambda ev: seen.append(ev) if isinstance(ev, StateChanged) else None)
    return seen


def eventually(predicate: Any, timeout: float = 10.0) -> bool:
    """Poll ``predicate`` (something with no event to wait on, e.g. the gateway's state)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.01)
    return True


def test_reconnect_after_a_drop_with_the_same_client_id_and_resubscribe() -> None:
    with FakeTws({ReqMktData: tick, ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}) as tws:
        broker = Broker.connect(tws.host, tws.port, client_id=9, timeout=5, reconnect=True)
        try:
            broker.reconnect_initial_delay = 0.05
            seen = states(broker)
            ticker = broker.market_data(Stock("AAPL"))
            first = tws.wait_for(ReqMktData)
            assert ticker.bid == 100.0 and ticker.req_id == first.req_id
            tws.session().close()
            assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, 5)
            assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, 10)
            assert [s.new for s in seen][:3] == [ConnectionState.OFFLINE, ConnectionState.CONNECTING,
                                                 ConnectionState.CONNECTED]
            assert [m.client_id for m in (tws.wait_for(StartApi), tws.wait_for(StartApi))] == [9, 9]
            again = tws.wait_for(ReqMktData)  # the live subscription is asked for again
            assert again.req_id != first.req_id and ticker.req_id == again.req_id
            tws.session().send(TickPrice(again.req_id, 1, 101.5, Decimal(1), 0))
            assert broker.wait_until(lambda: ticker.bid == 101.5, 5)
            assert broker.current_time().timestamp() == 1700000000
        finally:
            broker.disconnect()


def test_without_reconnect_a_drop_stays_dropped_and_waiting_tickets_fail() -> None:
    def place(msg: Any, session: FakeSession) -> None:
        session.close()

    from ibwire.protocol.messages.orders import PlaceOrder

    with FakeTws({PlaceOrder: place}) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        with pytest.raises(ConnectionLost):
            broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 10.0), timeout=30)
        with pytest.raises(ConnectionLost):
            broker.tickets[0].wait_done(30)
        assert broker.state is ConnectionState.OFFLINE and len(tws.sessions) == 1


def test_disconnect_stops_reconnecting() -> None:
    from ibwire.models import OrderState
    from ibwire.protocol.messages.order_reports import OpenOrder
    from ibwire.protocol.messages.orders import PlaceOrder

    def ack(msg: PlaceOrder, session: FakeSession) -> OpenOrder:
        msg.order.client_id = session.client_id
        return OpenOrder(msg.order_id, msg.contract, msg.order, OrderState(status="Submitted"))

    with FakeTws({PlaceOrder: ack}) as tws:
        broker = Broker.connect(tws.host, tws.port, timeout=5, reconnect=True)
        ticket = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 10.0))
        broker.reconnect_initial_delay = 30.0  # it would wait long before trying
        tws.session().close()
        assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, 5)
        assert ticket.lost is None  # with reconnect=True the ticket waits for the reconnect ...
        broker.disconnect()  # ... until disconnect() wakes the reconnect thread and ends it
        assert broker._reconnector is None or not broker._reconnector.is_alive()
        assert len(tws.sessions) == 1
        with pytest.raises(ConnectionLost):
            ticket.wait_done(5)


def test_1100_degrades_1101_resubscribes_1102_restores() -> None:
    with FakeTws({ReqMktData: tick}) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        seen = states(broker)
        ticker = broker.market_data(Stock("AAPL"))
        first = tws.wait_for(ReqMktData)
        session = tws.session()
        session.send(ErrMsg(-1, 1100, TEXT[1100], ""))
        assert broker.wait_until(lambda: broker.state is ConnectionState.DEGRADED, 5)
        session.send(ErrMsg(-1, 1101, TEXT[1101], ""))
        assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, 5)
        assert tws.wait_for(CancelMktData).req_id == first.req_id
        again = tws.wait_for(ReqMktData)
        assert again.req_id != first.req_id and ticker.req_id == again.req_id
        session.send(ErrMsg(-1, 1100, TEXT[1100], ""), ErrMsg(-1, 1102, TEXT[1102], ""))
        assert broker.wait_until(lambda: len(seen) == 4, 5)
        assert [(s.new, s.code) for s in seen] == [
            (ConnectionState.DEGRADED, 1100), (ConnectionState.CONNECTED, 1101),
            (ConnectionState.DEGRADED, 1100), (ConnectionState.CONNECTED, 1102)]
        with pytest.raises(TimeoutError):
            tws.wait_for(ReqMktData, timeout=0.3)  # 1102: data maintained, nothing re-requested


def test_requests_wait_while_degraded() -> None:
    answered = threading.Event()
    with FakeTws({ReqCurrentTime: lambda m, s: None}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5) as broker:
            tws.session().send(ErrMsg(-1, 1100, TEXT[1100], ""))
            assert broker.wait_until(lambda: broker.state is ConnectionState.DEGRADED, 5)
            got: list[Any] = []

            def ask() -> None:
                got.append(broker.current_time(timeout=0.2))
                answered.set()

            worker = threading.Thread(target=ask)
            worker.start()
            tws.wait_for(ReqCurrentTime)
            assert not answered.wait(0.6)  # three times its timeout: still waiting, not failed
            tws.session().send(CurrentTime(1700000000))
            worker.join(5)
            assert got and got[0].timestamp() == 1700000000


def test_async_broker_reconnects() -> None:
    async def main(port: int) -> list[int | None]:
        broker = await AsyncBroker.connect("127.0.0.1", port, client_id=4, timeout=5, reconnect=True)
        broker.reconnect_initial_delay = 0.05
        try:
            tws.session().close()
            await broker.wait_for(lambda: broker.state is ConnectionState.OFFLINE, 5)
            await broker.wait_for(lambda: broker.state is ConnectionState.CONNECTED, 10)
            t = await broker.current_time()
            return [int(t.timestamp())]
        finally:
            await broker.disconnect()

    with FakeTws({ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}) as tws:
        assert asyncio.run(main(tws.port)) == [1700000000]
        assert [s.client_id for s in tws.sessions] == [4, 4]


# --- against the paper gateway ----------------------------------------------------------------

def test_326_is_waited_out_with_the_same_client_id(gateway: PaperGateway, wire: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    holder = wire(5)  # client id 5 is taken
    with pytest.raises(ConnectError) as info:
        Broker.connect("127.0.0.1", gateway.port, client_id=5, timeout=5)
    assert info.value.code == 326
    result: list[Any] = []

    def connect() -> None:
        try:
            result.append(Broker.connect("127.0.0.1", gateway.port, client_id=5, timeout=10,
                                         reconnect=True))
        except Exception as exc:  # pragma: no cover - reported by the assert below
            result.append(exc)

    caplog.set_level("WARNING", logger="ibwire.broker")
    worker = threading.Thread(target=connect)
    worker.start()
    assert eventually(lambda: any("still in use" in r.getMessage() for r in caplog.records))
    assert gateway.clients() == [5]
    holder.close()  # TWS releases the id once the old socket is gone
    worker.join(15)
    broker = result[0]
    assert isinstance(broker, Broker), broker
    try:
        assert broker.client_id == 5 and gateway.clients() == [5]
    finally:
        broker.disconnect()


def test_disconnect_then_immediate_reconnect_with_the_same_id(gateway: PaperGateway) -> None:
    for _ in range(5):
        broker = Broker.connect("127.0.0.1", gateway.port, client_id=12, timeout=5)
        broker.disconnect()
        assert not broker.is_connected()
    assert gateway.clients() == []


def test_pending_requests_fail_with_connection_lost_on_a_drop(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=3, timeout=5) as broker:
        gateway.hold_acks()  # the order's acknowledgement never comes ...
        failures: list[BaseException] = []

        def submit() -> None:
            try:
                broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 1), timeout=60)
            except BaseException as exc:
                failures.append(exc)

        worker = threading.Thread(target=submit)
        worker.start()
        assert eventually(lambda: gateway.call(
            lambda ex: len(ex.open_orders(3)) + len(ex.completed_orders())) == 1)
        gateway.drop_client(3)  # ... the connection drops instead
        worker.join(5)
        assert not worker.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], ConnectionLost)
