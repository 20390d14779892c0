"""Completed orders end to end: a fill and a cancel, seen by every front end.

TWS reports the day's completed orders of the whole login, whichever client placed them: the orders
here are placed by ibwire's Broker and then read by each front end.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from ibwire import AsyncBroker, Broker, LimitOrder, MarketOrder, OrderTicket, Stock
from ibwire.client.market import CompletedOrderInfo
from ibwire.gateway import PaperGateway

from .conftest import AAPL, MSFT, WAIT_S, EApp, quote, run


@pytest.fixture
def done_orders(gateway: PaperGateway, broker: Broker) -> tuple[OrderTicket, OrderTicket]:
    """A filled market buy of 100 AAPL and a cancelled resting limit buy of 10 MSFT."""
    filled = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100), client_order_id="fill-1")
    filled.wait_done(WAIT_S)
    assert filled.status == "Filled"
    price = round(quote(gateway, MSFT).bid * 0.9, 2)
    resting = broker.submit_order(Stock("MSFT"), LimitOrder("BUY", 10, price),
                                  client_order_id="rest-1")
    assert resting.wait_for(lambda t: t.status == "Submitted", WAIT_S)
    broker.cancel_order(resting.order_id)
    resting.wait_done(WAIT_S)
    assert resting.status == "Cancelled"
    return filled, resting


def check(completed: list[CompletedOrderInfo], filled: OrderTicket, resting: OrderTicket) -> None:
    by_perm = {c.order.perm_id: c for c in completed}
    assert set(by_perm) == {filled.perm_id, resting.perm_id}
    f, r = by_perm[filled.perm_id], by_perm[resting.perm_id]
    assert f.status == "Filled" and r.status == "Cancelled"
    assert (f.contract.con_id, f.contract.symbol, f.order.action, f.order.total_quantity,
            f.order.order_type, f.order.order_ref) == (AAPL, "AAPL", "BUY", Decimal(100), "MKT",
                                                       "fill-1")
    assert (r.contract.con_id, r.order.order_type, r.order.lmt_price, r.order.order_ref) == (
        MSFT, "LMT", resting.order.lmt_price, "rest-1")
    assert f.order_state.completed_time and r.order_state.completed_time
    assert r.order_state.completed_status and "Cancel" in r.order_state.completed_status


# --- Broker -----------------------------------------------------------------------------------------

def test_completed_orders_after_a_fill_and_a_cancel(gateway, broker, done_orders):
    filled, resting = done_orders
    check(broker.completed_orders(), filled, resting)
    assert len(broker.completed_orders(api_only=True)) == 2
    # an open order is not completed
    price = round(quote(gateway, AAPL).bid * 0.9, 2)
    open_ticket = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, price))
    assert open_ticket.wait_for(lambda t: t.status == "Submitted", WAIT_S)
    assert open_ticket.perm_id not in {c.order.perm_id for c in broker.completed_orders()}


def test_no_completed_orders_is_an_empty_list(broker):
    assert broker.completed_orders() == []


# --- AsyncBroker (another client id: completed orders are the login's) -------------------------------

def test_async_broker_completed_orders(gateway, done_orders):
    filled, resting = done_orders

    async def scenario() -> list[CompletedOrderInfo]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            return await b.completed_orders()

    check(run(scenario), filled, resting)


# --- EClient ----------------------------------------------------------------------------------------

def test_eclient_completed_orders(done_orders, eapp: EApp):
    filled, resting = done_orders
    eapp.reqCompletedOrders(False)
    eapp.wait(lambda: bool(eapp.of("completedOrdersEnd")), "completedOrdersEnd")
    check([CompletedOrderInfo(*a) for a in eapp.of("completedOrder")], filled, resting)


# --- ib_async 2.1.0 ---------------------------------------------------------------------------------

def test_ib_async_completed_orders(gateway, done_orders, ib_async_tools):
    filled, resting = done_orders
    ib_async = ib_async_tools.ib_async

    async def scenario() -> list[tuple[Any, ...]]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=35, timeout=10)
        try:
            trades = await ib.reqCompletedOrdersAsync(False)
            return sorted((t.order.permId, t.orderStatus.status, t.contract.symbol,
                           float(t.order.totalQuantity), t.order.orderRef) for t in trades)
        finally:
            ib.disconnect()

    assert ib_async_tools.run(scenario) == sorted([
        (filled.perm_id, "Filled", "AAPL", 100.0, "fill-1"),
        (resting.perm_id, "Cancelled", "MSFT", 10.0, "rest-1")])
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= logging.ERROR]
    assert not errors, errors


# --- the official ibapi 9.81 ------------------------------------------------------------------------

def test_ibapi_completed_orders(done_orders, ibapi_app):
    filled, resting = done_orders
    ibapi_app.reqCompletedOrders(False)
    ibapi_app.wait(lambda: ibapi_app.completed_end >= 1, "completedOrdersEnd")
    got = sorted((o.permId, s.status, c.symbol, float(o.totalQuantity), o.orderRef)
                 for c, o, s in ibapi_app.completed)
    assert got == sorted([(filled.perm_id, "Filled", "AAPL", 100.0, "fill-1"),
                          (resting.perm_id, "Cancelled", "MSFT", 10.0, "rest-1")])
