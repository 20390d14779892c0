"""The order types traders use, end to end through ibwire's Broker and AsyncBroker against the
paper gateway (market clock stopped; the test moves it): what-if on a stock and a future, a
bracket whose children wait for the parent and cancel each other, an OCA group, a transmit=False
order that fills only when transmitted, a trailing stop that moves with the market and fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire import (
    AsyncBroker,
    Broker,
    Future,
    LimitOrder,
    MarketOrder,
    OrderRejected,
    Stock,
    TrailingStopOrder,
    bracket,
)
from ibwire.gateway import PaperGateway
from ibwire.gateway.margin import scan_range
from ibwire.protocol.versions import MAX_VERSION

from .conftest import AAPL, WAIT_S, quote, run


def _exchange_status(gateway: PaperGateway, client_id: int, order_id: int) -> str:
    return gateway.call(lambda ex: ex.order(client_id, order_id).status)  # type: ignore[union-attr]


def test_what_if_a_stock_and_a_future(broker: Broker, gateway: PaperGateway) -> None:
    ask = quote(gateway, AAPL).ask
    w = broker.what_if(Stock("AAPL"), MarketOrder("BUY", 1000))
    assert w.init_margin_before == 0.0 and w.equity_with_loan_before == 1_000_000.0
    assert w.init_margin_change == pytest.approx(1000 * ask * 0.5, abs=0.01)  # Reg T 50%
    assert w.maint_margin_change == pytest.approx(1000 * ask * 0.25, abs=0.01)
    assert w.init_margin_after == pytest.approx(w.init_margin_change, abs=0.01)
    assert w.commission == 5.0 and w.min_commission is None and w.max_commission is None
    assert w.commission_currency == "USD" and w.margin_currency == "USD"
    assert w.equity_with_loan_after == 1_000_000.0 - 5.0 and w.warning_text is None
    assert w.order_state.init_margin_before_outside_rth is None  # unset stays unset

    es = Future("ES", "202612")
    es_con = gateway.call(lambda ex: ex.resolve(es)[0].con_id)
    es_ask = quote(gateway, es_con).ask
    w = broker.what_if(es, MarketOrder("BUY", 2))
    maint = 2 * es_ask * 50 * scan_range("ES")
    assert w.maint_margin_change == pytest.approx(maint, abs=0.01)
    assert w.init_margin_change == pytest.approx(maint * 1.1, abs=0.01)  # SPAN-like: 110%
    assert w.commission == 4.5

    # nothing was placed: no ticket, no order, no execution
    assert not broker.tickets and not broker.open_orders()
    assert gateway.call(lambda ex: ex.open_orders()) == []
    assert gateway.call(lambda ex: ex.executions()) == []


def test_what_if_of_a_bad_order_raises(broker: Broker) -> None:
    with pytest.raises(OrderRejected) as err:
        broker.what_if(Stock("AAPL"), LimitOrder("BUY", 1, 230.001))
    assert err.value.code == 110


def test_bracket_children_wait_for_the_parent_and_cancel_with_it(broker: Broker,
                                                                 gateway: PaperGateway) -> None:
    bid = quote(gateway, AAPL).bid
    legs = bracket("BUY", 100, round(bid - 20, 2), take_profit=round(bid + 20, 2),
                   stop_loss=round(bid - 40, 2))
    parent, tp, sl = broker.submit_bracket(Stock("AAPL"), *legs)
    assert tp.order.parent_id == sl.order.parent_id == parent.order_id
    gateway.step(30)
    assert broker.wait_until(lambda: parent.status == "Submitted", WAIT_S)
    assert tp.status == sl.status == "PreSubmitted"  # waiting for the parent
    assert not tp.fills and not sl.fills
    broker.cancel_order(parent.order_id)
    assert broker.wait_until(lambda: all(t.status == "Cancelled" for t in (parent, tp, sl)),
                             WAIT_S)
    broker.current_time()  # a round trip: the 202s that follow the statuses have arrived
    assert any(code == 202 for code, _ in tp.errors) and any(code == 202 for code, _ in sl.errors)


def test_bracket_parent_fills_then_a_child_fill_cancels_the_other(broker: Broker,
                                                                  gateway: PaperGateway) -> None:
    bid = quote(gateway, AAPL).bid
    # entry at the market; a take-profit the market already reaches, a stop-loss far below
    legs = bracket("BUY", 100, None, take_profit=round(bid - 1, 2), stop_loss=round(bid - 40, 2))
    parent, tp, sl = broker.submit_bracket(Stock("AAPL"), *legs)
    for t in (parent, tp):
        t.wait_done(WAIT_S)
    assert parent.status == "Filled" and tp.status == "Filled"
    assert broker.wait_until(lambda: sl.status == "Cancelled", WAIT_S)
    assert parent.fills[0].execution.time <= tp.fills[0].execution.time  # type: ignore[operator]
    assert all(p.position == 0 for p in broker.positions() if p.contract.symbol == "AAPL")


def test_an_oca_group_cancels_the_others(broker: Broker, gateway: PaperGateway) -> None:
    q = quote(gateway, AAPL)
    resting, taker = broker.submit_oca(Stock("AAPL"), [
        LimitOrder("BUY", 100, round(q.bid - 20, 2)), LimitOrder("BUY", 100, round(q.ask + 1, 2))],
        group="oca-e2e", oca_type=1)
    taker.wait_done(WAIT_S)
    assert taker.status == "Filled"
    assert broker.wait_until(lambda: resting.status == "Cancelled", WAIT_S)
    assert resting.order.oca_group == "oca-e2e" and resting.order.oca_type == 1


@pytest.mark.parametrize("version", [MAX_VERSION, 178])
def test_a_staged_order_fills_only_when_transmitted(gateway: PaperGateway, version: int) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=1, timeout=WAIT_S,
                        max_version=version) as broker:
        assert broker.server_version == version
        _staged_then_transmitted(broker, gateway)


def _staged_then_transmitted(broker: Broker, gateway: PaperGateway) -> None:
    ask = quote(gateway, AAPL).ask
    t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 100, round(ask + 1, 2),
                                                      transmit=False))
    assert t.status == "PreSubmitted" and t.order.transmit is False
    gateway.step(30)
    broker.current_time()  # a round trip: whatever the gateway sent has arrived
    assert t.status == "PreSubmitted" and not t.fills
    assert _exchange_status(gateway, 1, t.order_id) == "PreSubmitted"
    broker.transmit(t)
    t.wait_done(WAIT_S)
    assert t.status == "Filled" and t.filled == Decimal(100) and t.order.transmit is True


def test_a_trailing_stop_moves_with_the_market_then_fills(broker: Broker,
                                                          gateway: PaperGateway) -> None:
    broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100)).wait_done(WAIT_S)
    t = broker.submit_order(Stock("AAPL"), TrailingStopOrder("SELL", 100, trailing_amount=0.2))
    assert t.status == "PreSubmitted"
    stops = [t.order.trail_stop_price]
    assert stops[0] is not None and stops[0] <= quote(gateway, AAPL).last - 0.2 + 1e-9
    for _ in range(720):
        gateway.step(5)
        stop = gateway.call(lambda ex: ex.order(1, t.order_id).order.trail_stop_price)  # type: ignore[union-attr]
        stops.append(stop)
        if _exchange_status(gateway, 1, t.order_id) == "Filled":
            break
    t.wait_done(WAIT_S)
    assert t.status == "Filled"
    assert stops == sorted(stops) and len(set(stops)) > 1  # rose with the market, never fell
    assert t.order.trail_stop_price == stops[-1]  # what TWS showed last
    assert t.fills[0].execution.price <= stops[-1] + 1e-9  # type: ignore[operator]


def test_async_broker_what_if_and_bracket(gateway: PaperGateway) -> None:
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=7,
                                             timeout=WAIT_S) as broker:
            w = await broker.what_if(Stock("AAPL"), MarketOrder("SELL", 100))
            assert w.maint_margin_change is not None and w.maint_margin_change > 0
            bid = quote(gateway, AAPL).bid
            parent, tp, sl = await broker.submit_bracket(
                Stock("AAPL"), *bracket("BUY", 10, round(bid - 10, 2), round(bid + 10, 2),
                                        round(bid - 20, 2)))
            assert (tp.status, sl.status) == ("PreSubmitted", "PreSubmitted")
            await broker.cancel_order(parent.order_id)
            await tp.done()
            await sl.done()
            assert tp.status == sl.status == "Cancelled"

    run(scenario)
