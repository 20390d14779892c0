"""ib_async 2.1.0 (server version 178, text) with the order types traders use against the paper
gateway: what-if on a stock and a future, a bracket (``ib.bracketOrder``) whose children wait for
the parent and cancel each other, an OCA group (``ib.oneCancelsAll``), a transmit=False order that
fills only when transmitted, a trailing stop that moves with the market and fills -- each as TWS
would show it to ib_async."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

ib_async = pytest.importorskip("ib_async")

from ib_async import IB, Future, LimitOrder, MarketOrder, Order, Stock  # noqa: E402

from ibwire.gateway.margin import scan_range  # noqa: E402

from .test_interop_ib_async import _no_timeouts, _Records, run_in_thread, until  # noqa: E402

AAPL = 265598


@pytest.fixture
def ib_log() -> Iterator[list[logging.LogRecord]]:
    """ib_async's log records during the test."""
    handler = _Records()
    logger = logging.getLogger("ib_async")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_ib_async_what_if_stock_and_future(gateway, ib_log):
    ask = gateway.call(lambda ex: ex.quote(AAPL).ask)
    es_con = gateway.call(lambda ex: ex.resolve(_es())[0].con_id)
    es_ask = gateway.call(lambda ex: ex.quote(es_con).ask)

    async def scenario() -> tuple[Any, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=41, timeout=10)
        try:
            stock = await ib.whatIfOrderAsync(Stock("AAPL", "SMART", "USD"),
                                              MarketOrder("BUY", 1000))
            fut = await ib.whatIfOrderAsync(Future("ES", "202612", "CME"), MarketOrder("BUY", 2))
            return stock, fut
        finally:
            ib.disconnect()

    stock, fut = run_in_thread(scenario)
    assert float(stock.initMarginChange) == pytest.approx(1000 * ask * 0.5, abs=0.01)
    assert float(stock.maintMarginChange) == pytest.approx(1000 * ask * 0.25, abs=0.01)
    assert float(stock.equityWithLoanBefore) == 1_000_000.0 and stock.commission == 5.0
    maint = 2 * es_ask * 50 * scan_range("ES")
    assert float(fut.maintMarginChange) == pytest.approx(maint, abs=0.01)
    assert float(fut.initMarginChange) == pytest.approx(maint * 1.1, abs=0.01)
    assert gateway.call(lambda ex: ex.open_orders()) == []
    _no_timeouts(ib_log)


def _es() -> Any:
    from ibwire import Future as IwFuture

    return IwFuture("ES", "202612")


def test_ib_async_bracket_oca_and_transmit(gateway, ib_log):
    q = gateway.call(lambda ex: ex.quote(AAPL))

    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=42, timeout=10)
        try:
            aapl = Stock("AAPL", "SMART", "USD")
            # a resting bracket: the children wait for the parent, and go with its cancel
            parent, tp, sl = ib.bracketOrder("BUY", 100, round(q.bid - 20, 2),
                                             round(q.bid + 20, 2), round(q.bid - 40, 2))
            trades = [ib.placeOrder(aapl, o) for o in (parent, tp, sl)]
            await until(ib, lambda: trades[0].orderStatus.status == "Submitted", "the parent")
            await until(ib, lambda: all(t.orderStatus.status == "PreSubmitted"
                                        for t in trades[1:]), "the waiting children")
            waiting = [t.orderStatus.status for t in trades]
            ib.cancelOrder(parent)
            await until(ib, lambda: all(t.orderStatus.status == "Cancelled" for t in trades),
                        "the children cancelled with the parent")

            # a bracket whose parent fills at once: the take-profit fills, the stop-loss goes
            parent, tp, sl = ib.bracketOrder("BUY", 100, round(q.ask + 1, 2),
                                             round(q.bid - 1, 2), round(q.bid - 40, 2))
            done = [ib.placeOrder(aapl, o) for o in (parent, tp, sl)]
            await until(ib, lambda: done[0].orderStatus.status == "Filled"
                        and done[1].orderStatus.status == "Filled"
                        and done[2].orderStatus.status == "Cancelled", "the child OCA")

            # an OCA group of type 1
            orders = ib.oneCancelsAll([LimitOrder("BUY", 10, round(q.bid - 20, 2)),
                                       LimitOrder("BUY", 10, round(q.ask + 1, 2))], "oca-ia", 1)
            oca = [ib.placeOrder(aapl, o) for o in orders]
            await until(ib, lambda: oca[1].orderStatus.status == "Filled"
                        and oca[0].orderStatus.status == "Cancelled", "the OCA cancel")

            # staged, then transmitted (the same order id again with transmit=True)
            staged = LimitOrder("BUY", 10, round(q.ask + 1, 2), transmit=False)
            st = ib.placeOrder(aapl, staged)
            await until(ib, lambda: st.orderStatus.status == "PreSubmitted", "the staged order")
            await ib.reqCurrentTimeAsync()
            staged_status = (st.orderStatus.status, st.orderStatus.filled, st.order.transmit)
            staged.transmit = True
            ib.placeOrder(aapl, staged)
            await until(ib, lambda: st.orderStatus.status == "Filled", "the transmitted order")
            return {"waiting": waiting, "staged": staged_status,
                    "oca_type": oca[0].order.ocaType}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert out["waiting"] == ["Submitted", "PreSubmitted", "PreSubmitted"]
    assert out["staged"] == ("PreSubmitted", 0, False)
    assert out["oca_type"] == 1
    _no_timeouts(ib_log)


def test_ib_async_trailing_stop_moves_then_fills(gateway, ib_log):
    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=43, timeout=10)
        try:
            aapl = Stock("AAPL", "SMART", "USD")
            buy = ib.placeOrder(aapl, MarketOrder("BUY", 100))
            await until(ib, lambda: buy.orderStatus.status == "Filled", "the position")
            trail = ib.placeOrder(aapl, Order(action="SELL", totalQuantity=100,
                                              orderType="TRAIL", auxPrice=0.2))
            await until(ib, lambda: trail.orderStatus.status == "PreSubmitted", "the stop")
            oid = trail.order.orderId

            def stop() -> float:  # what the gateway shows (OPEN_ORDER's trailStopPrice)
                return gateway.call(lambda ex: ex.order(43, oid).order.trail_stop_price)

            seen = [stop()]
            for _ in range(720):
                gateway.step(5)
                seen.append(stop())
                await ib.reqCurrentTimeAsync()
                if trail.orderStatus.status == "Filled":
                    break
            await until(ib, lambda: trail.orderStatus.status == "Filled" and bool(trail.fills),
                        "the trailing stop's fill")
            return {"stops": seen, "fill": trail.fills[0].execution.price, "last": seen[-1]}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario, timeout=120)
    stops = out["stops"]
    assert stops == sorted(stops) and len(set(stops)) > 1  # it rose with the market
    assert out["fill"] <= out["last"] + 1e-9
    _no_timeouts(ib_log)
