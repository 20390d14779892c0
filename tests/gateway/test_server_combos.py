"""Combo (BAG) orders of stock legs on the paper gateway, as TWS reports them: an execution per
leg (its contract, side, quantity x ratio, price) with its commission, then one for the combo
(the BAG contract, net price, commission 0); positions per leg."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire.models.contract import ComboLeg, Contract, Future
from ibwire.models.order import Order
from ibwire.protocol.messages.accounts import PositionData, PositionEnd, ReqPositions
from ibwire.protocol.messages.executions import CommissionReportMsg, ExecutionData
from ibwire.protocol.messages.market_data import CancelMktData, ReqMktData, TickPrice, TickSize
from ibwire.protocol.messages.order_reports import OpenOrder, OrderStatus
from ibwire.protocol.messages.orders import CancelOrder, PlaceOrder
from ibwire.protocol.messages.system import ErrMsg
from ibwire.protocol.versions import IB_ASYNC_VERSION, MAX_VERSION

AAPL, MSFT = 265598, 272093


def bag(*legs: tuple[int, int, str]) -> Contract:
    return Contract(symbol="AAPL,MSFT", sec_type="BAG", exchange="SMART", currency="USD",
                    combo_legs=[ComboLeg(con_id=c, ratio=r, action=a, exchange="SMART")
                                for c, r, a in legs])


def order(action: str, qty: int, order_type: str = "MKT", price: float | None = None) -> Order:
    return Order(action=action, total_quantity=Decimal(qty), order_type=order_type,
                 lmt_price=price)


@pytest.mark.parametrize("version", [IB_ASYNC_VERSION, MAX_VERSION])
def test_a_combo_of_two_stocks_fills_leg_by_leg(gateway, wire, version):
    c = wire(1, max_version=version)
    bid, ask, _ = gateway.call(lambda ex: ex.market.touch(AAPL))
    mbid, mask, _ = gateway.call(lambda ex: ex.market.touch(MSFT))
    c.send(PlaceOrder(1, bag((AAPL, 1, "BUY"), (MSFT, 2, "SELL")), order("BUY", 10)))
    status = c.expect(OrderStatus, lambda m: m.status == "Filled")
    got = c.sync()  # (everything up to the fill is in, and the commission reports after it)
    execs = [e for e in got if isinstance(e, ExecutionData)]
    legs = [(e.contract.sec_type, e.contract.con_id, e.execution.side, e.execution.shares,
             e.execution.price) for e in execs]
    net = round(ask - 2 * mbid, 6)
    assert legs == [("STK", AAPL, "BOT", 10, ask), ("STK", MSFT, "SLD", 20, mbid),
                    ("BAG", 28812380, "BOT", 10, net)]
    assert all(e.execution.order_id == 1 and e.req_id == -1 for e in execs)
    assert (status.filled, status.remaining, status.avg_fill_price) == (10, 0, net)
    opened = [e for e in got if isinstance(e, OpenOrder)][-1]
    assert opened.contract.sec_type == "BAG" and len(opened.contract.combo_legs) == 2
    reports = [e.commission_report for e in got if isinstance(e, CommissionReportMsg)]
    assert [r.exec_id for r in reports] == [e.execution.exec_id for e in execs]
    assert reports[0].commission > 0 and reports[1].commission > 0 and reports[2].commission == 0
    positions = {p.contract.con_id: p.position
                 for p in c.ask(ReqPositions(), PositionEnd) if isinstance(p, PositionData)}
    assert positions == {AAPL: 10, MSFT: -20}


def test_a_combo_limit_rests_until_its_net_price_is_there(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(2, bag((AAPL, 1, "BUY"), (MSFT, 1, "SELL")), order("BUY", 5, "LMT", -500.0)))
    c.expect(OrderStatus, lambda m: m.status == "Submitted")
    gateway.step(30)
    assert not [e for e in c.sync() if isinstance(e, ExecutionData)]  # the net price is above
    # a limit the market meets: modified, it fills
    c.send(PlaceOrder(2, bag((AAPL, 1, "BUY"), (MSFT, 1, "SELL")), order("BUY", 5, "LMT", 0.0)))
    c.expect(OrderStatus, lambda m: m.order_id == 2 and m.status == "Filled")
    c.send(CancelOrder(2))
    assert c.expect(ErrMsg).error_code == 10148  # done: nothing to cancel


def test_combo_refusals(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(3, bag(), order("BUY", 1)))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (3, 321) and "requires combo leg details" in err.error_string
    c.send(PlaceOrder(4, bag((AAPL, 1, "BUY"), (999999, 1, "SELL")), order("BUY", 1)))
    assert c.expect(ErrMsg).error_code == 200
    es = gateway.call(lambda ex: ex.resolve(Future("ES", exchange="CME"))[0].con_id)
    c.send(PlaceOrder(5, bag((AAPL, 1, "BUY"), (es, 1, "SELL")), order("BUY", 1)))
    err = c.expect(ErrMsg)
    assert err.error_code == 201 and "stock legs only" in err.error_string
    c.send(PlaceOrder(6, bag((AAPL, 1, "BUY"), (MSFT, 1, "SELL")),
                      Order(action="BUY", total_quantity=Decimal(1), order_type="STP",
                            aux_price=1.0)))
    assert c.expect(ErrMsg).error_code == 387


@pytest.mark.parametrize("version", [IB_ASYNC_VERSION, MAX_VERSION])
def test_combo_market_data_is_its_legs_quotes(gateway, wire, version):
    c = wire(1, max_version=version)
    combo = bag((AAPL, 1, "BUY"), (MSFT, 2, "SELL"))
    c.send(ReqMktData(7, combo, "", False, False))
    c.expect(TickSize, lambda m: m.tick_type == 8)  # the first picture ends with the volume
    ticks = {m.tick_type: m.price for m in c.take(TickPrice)}
    a = gateway.call(lambda ex: ex.quote(AAPL))
    m = gateway.call(lambda ex: ex.quote(MSFT))
    assert ticks[1] == pytest.approx(a.bid - 2 * m.ask)  # selling the combo
    assert ticks[2] == pytest.approx(a.ask - 2 * m.bid)  # buying it: what a market order pays
    assert ticks[1] < ticks[2]
    gateway.step(120)
    assert any(isinstance(e, TickPrice) and e.req_id == 7 for e in c.sync())  # it streams
    c.send(CancelMktData(7))
    c.send(ReqMktData(8, bag(), "", True, False))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (8, 321)
