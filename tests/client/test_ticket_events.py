"""What an AsyncBroker / Broker user sees of the rule (issue 17): a ticket's own awaitables see
every event of its order whenever they are called; every method that talks to TWS is awaited on
AsyncBroker, local state is read the same way on both; a blocking wait on the loop that delivers
the events fails at once and names what to await."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from fakes import FakeTws
from test_aio import SCRIPT
from test_streams import first_answer

from ibwire import (
    AsyncBroker,
    BlockingCallOnLoop,
    Broker,
    FillEvent,
    LimitOrder,
    MarketOrder,
    OrderEvent,
    Stock,
)
from ibwire.gateway import PaperGateway
from ibwire.protocol.messages.market_data import ReqMktData

LOCAL_METHODS = {"ticket", "ticket_by_client_order_id", "is_connected", "add_listener",
                 "remove_listener", "stream"}
"""Plain methods on both front ends: they read local state (or subscribe to it), never TWS."""
LOCAL_PROPERTIES = {"tickets", "fills", "tickers"}
MACHINERY = {"handle", "handle_batch"}  # the front ends feed decoded events through these


def public_methods(cls: type) -> dict[str, Any]:
    out = {}
    for name in dir(cls):
        if name.startswith("_") or name.startswith("flow_") or name in MACHINERY:
            continue
        static = inspect.getattr_static(cls, name)
        if isinstance(static, property) or not callable(getattr(cls, name)):
            continue
        out[name] = getattr(cls, name)
    return out


def test_every_async_broker_method_that_talks_to_tws_is_a_coroutine() -> None:
    sync, aio = public_methods(Broker), public_methods(AsyncBroker)
    talks = set(sync) - LOCAL_METHODS - {"wait_until"}  # wait_until: AsyncBroker.wait_for
    assert talks, "no methods found"
    for name in sorted(talks):
        assert name in aio, f"AsyncBroker lacks {name}"
        assert inspect.iscoroutinefunction(aio[name]), f"AsyncBroker.{name} is not a coroutine"
        assert not inspect.iscoroutinefunction(sync[name]), f"Broker.{name} is a coroutine"
    for name in sorted(set(aio) - LOCAL_METHODS):
        assert inspect.iscoroutinefunction(aio[name]), f"AsyncBroker.{name} is not a coroutine"
    for name in LOCAL_METHODS:
        for cls in (Broker, AsyncBroker):
            assert not inspect.iscoroutinefunction(getattr(cls, name)), f"{cls.__name__}.{name}"
    for name in LOCAL_PROPERTIES:
        for cls in (Broker, AsyncBroker):
            assert isinstance(inspect.getattr_static(cls, name), property), f"{cls.__name__}.{name}"
    assert {"current_time", "positions", "submit_order", "cancel_order", "executions",
            "open_orders", "send", "disconnect", "global_cancel"} <= talks | {"disconnect"}


@pytest.mark.parametrize("cls", [Broker, AsyncBroker])
def test_local_accessors_read_local_state_only(cls: type) -> None:
    broker = cls()  # never connected: anything that sent would fail

    def refuse(msg: object) -> None:
        raise AssertionError(f"a local accessor sent {msg!r}")

    broker._send = refuse
    for name in LOCAL_PROPERTIES:
        assert getattr(broker, name) == []
        with pytest.warns(DeprecationWarning, match=rf"broker\.{name}\(\) is deprecated"):
            assert getattr(broker, name)() == []  # the old call form still works
    assert broker.ticket(1) is None and broker.ticket_by_client_order_id("x") is None
    assert broker.is_connected() is False
    broker.journal.close()


def test_awaiting_a_local_accessor_says_it_is_local_state() -> None:
    async def main() -> None:
        broker = AsyncBroker()
        with pytest.raises(TypeError, match="broker.fills is local state.*without await"):
            await broker.fills  # type: ignore[misc]
        broker.journal.close()

    asyncio.run(main())


def test_an_async_program_awaits_its_ticket_after_the_fill(gateway: PaperGateway) -> None:
    """Submit, let the order fill, and only then ask the ticket: done() returns it at once and
    events() yields the whole order, from its first event to the fill, then ends."""
    async def main() -> tuple[Any, list[Any]]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=51,
                                             timeout=10) as broker:
            ticket = await broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10))
            assert await ticket.acked() is ticket
            await asyncio.to_thread(gateway.step, 2)
            await broker.wait_for(lambda: ticket.is_done, 10, "the fill")  # it happened ...
            assert await ticket.done() is ticket  # ... then we ask: at once
            assert await ticket.done is ticket  # (without the call too)
            async with asyncio.timeout(10):
                events = [ev async for ev in ticket.events()]  # ends by itself
            return ticket, events

    ticket, events = asyncio.run(main())
    assert ticket.status == "Filled" and ticket.filled == 10
    assert all(ev.ticket is ticket for ev in events)
    fills = [ev for ev in events if isinstance(ev, FillEvent)]
    executions = {ev.fill.exec_id: ev.fill.execution.shares for ev in fills}
    assert sum(executions.values()) == 10  # (a fill's commission report is a FillEvent too)
    assert fills[-1].fill.commission_report is not None
    statuses = [ev.status for ev in events if isinstance(ev, OrderEvent)]
    assert statuses[0] != "Filled" and statuses[-1] == "Filled" and statuses.count("Filled") == 1


def test_ticket_events_started_late_see_the_past_then_follow_live(gateway: PaperGateway) -> None:
    async def main() -> list[str]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=52,
                                             timeout=10) as broker:
            ticket = await broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 1.00))
            await broker.wait_for(lambda: ticket.status == "Submitted", 10)
            seen: list[str] = []
            async with asyncio.timeout(10):
                async for ev in ticket.events():  # from the order's first event ...
                    assert isinstance(ev, OrderEvent)
                    seen.append(ev.status)
                    if ev.status == "Submitted" and "Submitted" not in seen[:-1]:
                        await broker.cancel_order(ticket.order_id)  # ... then live
            return seen

    seen = asyncio.run(main())
    assert seen[0] == "PreSubmitted" and "Submitted" in seen and seen[-1] == "Cancelled"


def test_sync_ticket_events_iterate_with_a_timeout(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=53, timeout=10) as broker:
        ticket = broker.submit_order(Stock("MSFT"), MarketOrder("SELL", 5))
        gateway.step(2)
        ticket.wait_done(10)
        events = ticket.events(timeout=10)
        got = list(events)  # after the fill: the whole order, then the end
        assert not events.timed_out
        assert any(isinstance(ev, FillEvent) for ev in got)
        assert [ev.status for ev in got if isinstance(ev, OrderEvent)][-1] == "Filled"
        resting = broker.submit_order(Stock("MSFT"), LimitOrder("BUY", 5, 1.00))
        waiting = resting.events(timeout=0.2)
        assert [ev.status for ev in waiting] == ["PreSubmitted", "Submitted"] and waiting.timed_out


def test_a_blocking_wait_on_the_loop_fails_at_once_naming_what_to_await() -> None:
    async def main(port: int) -> None:
        async with await AsyncBroker.connect("127.0.0.1", port, client_id=4, timeout=5) as broker:
            ticket = await broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 5, 10.0))
            with pytest.raises(BlockingCallOnLoop, match=r"use `await ticket\.done\(\)`"):
                ticket.wait_done(30)
            with pytest.raises(BlockingCallOnLoop, match=r"await ticket\.done\(\)"):
                ticket.wait_for(lambda t: t.is_done, 30)
            with pytest.raises(BlockingCallOnLoop,
                               match=r"use `async for event in ticket\.events\(\)`"):
                next(iter(ticket.events(timeout=30)))
            with pytest.raises(RuntimeError):  # (it is a RuntimeError too)
                ticket.wait_done(30)
            # off the loop's thread the same waits work (the loop delivers the events)
            assert await asyncio.to_thread(ticket.wait_for, lambda t: t.acknowledged, 5)
            [first] = await asyncio.to_thread(lambda: list(ticket.events(timeout=0.2)))
            assert first.status == "Submitted"

    with FakeTws(SCRIPT) as tws:
        asyncio.run(main(tws.port))


def test_sync_broker_tickets_wait_inside_a_running_loops_thread() -> None:
    """The sync Broker delivers events on its own threads: its blocking waits stay allowed in a
    coroutine (they block that call only), and its tickets can be awaited too."""
    async def main(port: int) -> str:
        with Broker.connect("127.0.0.1", port, client_id=6, timeout=5) as broker:
            ticket = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 5, 10.0))
            assert ticket.wait_for(lambda t: t.acknowledged, 5)
            assert await ticket.acked() is ticket
            [first] = list(ticket.events(timeout=0.2))
            return str(first.status)

    with FakeTws(SCRIPT) as tws:
        assert asyncio.run(main(tws.port)) == "Submitted"


def test_ticket_done_as_a_bool_still_works_deprecated() -> None:
    with FakeTws(SCRIPT) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        ticket = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 5, 10.0))
        assert ticket.is_done is False
        with pytest.warns(DeprecationWarning, match="use ticket.is_done"):
            assert not ticket.done


def test_a_ticker_wait_on_the_loop_fails_at_once_naming_the_stream() -> None:
    async def main(port: int) -> None:
        async with await AsyncBroker.connect("127.0.0.1", port, client_id=4, timeout=5) as broker:
            ticker = await broker.market_data(Stock("AAPL"))
            with pytest.raises(BlockingCallOnLoop,
                               match=r"use `async for ticker in broker\.stream\(Ticker\)`"):
                ticker.wait_update(30)

    with FakeTws({ReqMktData: first_answer}) as tws:
        asyncio.run(main(tws.port))
