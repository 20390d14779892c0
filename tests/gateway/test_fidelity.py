"""Details a TWS user notices: account update cadence, forex quotes, order-status sequences."""

from __future__ import annotations

from typing import Any

import pytest

from ibwire import MarketOrder, Stock
from ibwire.models.contract import Contract, Forex
from ibwire.protocol.messages.accounts import AcctDownloadEnd, AcctValue, PortfolioValue, ReqAcctData
from ibwire.protocol.messages.market_data import ReqMktData, TickPrice, TickSize
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import ErrMsg

from ..interop.test_interop_ib_async import run_in_thread, until

ACCOUNT_STREAM = (AcctValue, PortfolioValue)


def _account_messages(events: list[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, ACCOUNT_STREAM)]


def test_an_idle_subscriber_hears_of_price_moves_every_few_minutes_and_of_trades_at_once(
        gateway, wire) -> None:  # type: ignore[no-untyped-def]
    c = wire(1)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 100)))
    c.until(OrderStatus, lambda m: m.status == "Filled")
    c.send(ReqAcctData(subscribe=True, acct_code="DU1234567"))
    c.until(AcctDownloadEnd)
    c.drain()
    for _ in range(6):  # a minute of market time, ten seconds at a time: nothing is pushed
        gateway.step(10)
        assert _account_messages(c.drain()) == []
    gateway.step(180)  # past the revaluation period: the position's value has moved
    moved = _account_messages(c.drain())
    assert any(isinstance(m, AcctValue) and m.key == "NetLiquidation" for m in moved)
    assert any(isinstance(m, PortfolioValue) for m in moved)
    c.send(PlaceOrder(order_id=2, contract=Stock("AAPL"), order=MarketOrder("SELL", 50)))
    c.until(OrderStatus, lambda m: m.status == "Filled")
    traded = _account_messages(c.drain())  # a trade goes out at once
    assert any(isinstance(m, PortfolioValue) and m.position == 50 for m in traded)


def test_forex_quotes_have_no_last_and_no_volume(gateway, wire) -> None:  # type: ignore[no-untyped-def]
    c = wire(1)
    c.send(ReqMktData(req_id=5, contract=Forex("EURUSD"), generic_tick_list="", snapshot=False,
                      regulatory_snapshot=False))
    events = c.drain()
    for _ in range(5):
        gateway.step(60)
        events += c.drain()
    ticks = [e for e in events if isinstance(e, (TickPrice, TickSize)) and e.req_id == 5]
    kinds = {e.tick_type for e in ticks}
    assert {1, 2} <= kinds  # bid and ask
    assert not kinds & {4, 5, 8}  # no last price, last size or volume


def test_ib_async_sees_presubmitted_before_submitted(gateway) -> None:  # type: ignore[no-untyped-def]
    ib_async = pytest.importorskip("ib_async")

    async def scenario() -> list[str]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=7, timeout=10)
        try:
            trade = ib.placeOrder(ib_async.Stock("AAPL", "SMART", "USD"),
                                  ib_async.MarketOrder("BUY", 10))
            await until(ib, lambda: trade.isDone() and bool(trade.fills), "the fill")
            return [entry.status for entry in trade.log]
        finally:
            ib.disconnect()

    log = run_in_thread(scenario)
    statuses = [s for i, s in enumerate(log) if i == 0 or log[i - 1] != s]
    assert statuses[-3:] == ["PreSubmitted", "Submitted", "Filled"], log


def test_an_index_quotes_a_value_and_cannot_be_traded(gateway, wire) -> None:  # type: ignore[no-untyped-def]
    spx = Contract(symbol="SPX", sec_type="IND", exchange="CBOE", currency="USD")
    c = wire(1)
    c.send(ReqMktData(req_id=6, contract=spx, generic_tick_list="", snapshot=False,
                      regulatory_snapshot=False))
    events = c.drain()
    gateway.step(60)
    events += c.drain()
    kinds = {e.tick_type for e in events if isinstance(e, (TickPrice, TickSize)) and e.req_id == 6}
    assert 4 in kinds and not kinds & {0, 1, 2, 3, 8}  # a last value; no bid, ask or volume
    c.send(PlaceOrder(order_id=3, contract=spx, order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 3)
    assert err.error_code == 201 and "not tradable" in err.error_string
