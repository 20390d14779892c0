"""AsyncBroker on the caller's loop, and the sync Broker used from inside asyncio programs."""

from __future__ import annotations

import asyncio
import concurrent.futures
from decimal import Decimal
from typing import Any

import pytest
from fakes import FakeSession, FakeTws, free_port

from ibwire import (
    AsyncBroker,
    Broker,
    ConnectError,
    ConnectionLost,
    LimitOrder,
    OrderEvent,
    Stock,
)
from ibwire.models import Contract, OrderState
from ibwire.protocol.messages.accounts import PositionData, PositionEnd, ReqPositions
from ibwire.protocol.messages.order_reports import OpenOrder, OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime


def positions_reply(msg: Any, session: FakeSession) -> list[Any]:
    return [PositionData("DU1", Contract(con_id=265598, symbol="AAPL", sec_type="STK", currency="USD"),
                         Decimal(-110), 201.88), PositionEnd()]


def acks(msg: PlaceOrder, session: FakeSession) -> list[Any]:
    order = msg.order
    order.client_id, order.perm_id = session.client_id, 5000 + msg.order_id
    return [OpenOrder(msg.order_id, msg.contract, order, OrderState(status="Submitted")),
            OrderStatus(msg.order_id, "Submitted", Decimal(0), order.total_quantity, 0.0, order.perm_id,
                        0, 0.0, session.client_id, None, 0.0)]


SCRIPT = {ReqPositions: positions_reply, ReqCurrentTime: lambda m, s: CurrentTime(1700000000),
          PlaceOrder: acks}


def test_async_broker_runs_on_the_callers_loop() -> None:
    async def main(port: int) -> None:
        loop = asyncio.get_running_loop()
        async with await AsyncBroker.connect("127.0.0.1", port, client_id=4, timeout=5) as broker:
            assert broker.is_connected() and broker.server_version == 178
            positions = await broker.positions()
            assert positions[0].position == Decimal(-110)
            t = await broker.current_time()
            assert t.timestamp() == 1700000000
            events: list[object] = []

            async def watch() -> None:
                async for ev in broker.stream(OrderEvent):
                    events.append(ev)
                    return

            watcher = asyncio.create_task(watch())
            ticket = await broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 5, 10.0))
            assert ticket.status == "Submitted"
            await asyncio.wait_for(watcher, 5)
            assert isinstance(events[0], OrderEvent)
            assert asyncio.get_running_loop() is loop  # no loop was replaced or patched
        assert not broker.is_connected()

    with FakeTws(SCRIPT) as tws:
        asyncio.run(main(tws.port))


def test_async_connect_refused_is_502() -> None:
    async def main() -> None:
        with pytest.raises(ConnectError) as info:
            await AsyncBroker.connect("127.0.0.1", free_port(), timeout=2)
        assert info.value.code == 502

    asyncio.run(main())


def test_async_pending_request_fails_when_the_peer_drops() -> None:
    def drop(msg: Any, session: FakeSession) -> None:
        session.close()

    async def main(port: int) -> None:
        broker = await AsyncBroker.connect("127.0.0.1", port, timeout=5)
        with pytest.raises(ConnectionLost):
            await broker.current_time(timeout=30)
        assert not broker.is_connected()

    with FakeTws({ReqCurrentTime: drop}) as tws:
        asyncio.run(main(tws.port))


def test_sync_broker_inside_a_running_loops_thread() -> None:
    """The sync Broker never touches the loop: calling it from a coroutine blocks only that call."""
    async def main(port: int) -> Decimal | None:
        loop = asyncio.get_running_loop()
        with Broker.connect("127.0.0.1", port, timeout=5) as broker:
            positions = broker.positions()
        assert asyncio.get_running_loop() is loop
        return positions[0].position

    with FakeTws(SCRIPT) as tws:
        assert asyncio.run(main(tws.port)) == Decimal(-110)


def test_sync_broker_from_a_worker_thread_while_a_loop_runs() -> None:
    async def main(port: int) -> Decimal | None:
        loop = asyncio.get_running_loop()

        def work() -> Decimal | None:
            with Broker.connect("127.0.0.1", port, client_id=9, timeout=5) as broker:
                return broker.positions()[0].position

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return await loop.run_in_executor(pool, work)

    with FakeTws(SCRIPT) as tws:
        assert asyncio.run(main(tws.port)) == Decimal(-110)
