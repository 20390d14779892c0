"""Market data end to end: Broker, AsyncBroker, EClient, ib_async and ibapi against the gateway.

Every price a client shows is compared with the gateway's own quote at that market second, and
fills are checked against the ticks the client saw: the market moves only through gateway.step().
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from typing import Any

import pytest

from ibwire import AsyncBroker, Broker, ContractError, MarketOrder, Stock, Ticker
from ibwire.gateway import PaperGateway
from ibwire.gateway.market_api import DELAY_S

from .conftest import AAPL, MSFT, SPY, WAIT_S, EApp, quote, run

DELAYED_NOTICE = 10167


def delayed_quote(gateway: PaperGateway, con_id: int) -> Any:
    return gateway.call(lambda ex: ex.market.quote_at(con_id, int(ex.now().timestamp()) - DELAY_S))


def picture(t: Ticker) -> tuple[Any, ...]:
    return (t.bid, t.ask, t.last, t.bid_size, t.ask_size, t.volume, t.high, t.low, t.close, t.open)


def market_picture(q: Any) -> tuple[Any, ...]:
    return (q.bid, q.ask, q.last, q.bid_size, q.ask_size, q.volume, q.high, q.low, q.close, q.open)


def complete(t: Ticker) -> bool:
    """The first picture has arrived (TICK_GENERIC halted is the gateway's last tick of it)."""
    return t.halted is not None and t.volume is not None


# --- Broker -----------------------------------------------------------------------------------------

def test_ticker_fields_are_none_until_known_then_equal_the_market(gateway, broker):
    states: list[tuple[Any, ...]] = []
    heard_complete = threading.Event()

    def on_event(ev: object) -> None:
        if isinstance(ev, Ticker):  # once per read that changed it, with its latest values
            states.append(picture(ev))
            if complete(ev):
                heard_complete.set()

    broker.add_listener(on_event)
    q = quote(gateway, AAPL)
    t = broker.market_data(Stock("AAPL"))
    assert t.active and t.error is None and t.min_tick == 0.01
    assert heard_complete.wait(WAIT_S)
    # each field goes from None straight to the market's value, never through anything else
    final = market_picture(q)
    for state in states:
        assert all(v is None or v == f for v, f in zip(state, final)), (state, final)
    assert picture(t) == final
    assert t.time == q.time and t.market_data_type == 1 and t.halted == 0.0
    assert t.bid < t.ask and t.mid == pytest.approx((q.bid + q.ask) / 2)
    assert t in broker.tickers


def test_ticker_is_kept_current_by_the_reader(gateway, broker):
    t = broker.market_data(Stock("AAPL"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    before = picture(t)
    for seconds in (30, 600, 1):
        n, shown = t.updates, picture(t)
        gateway.step(seconds)
        q = quote(gateway, AAPL)
        # nobody polls: the reader thread applies the ticks the step caused
        if market_picture(q) != shown:
            assert t.wait_update(WAIT_S, after=n)
        assert broker.wait_until(lambda q=q: picture(t) == market_picture(q), WAIT_S), (
            picture(t), q)
        assert t.time is not None and t.time <= q.time  # the last trade's time
    assert picture(t) != before


def test_cancel_market_data_stops_the_stream(gateway, broker):
    t = broker.market_data(Stock("MSFT"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    broker.cancel_market_data(t)
    assert not t.active and t not in broker.tickers
    broker.current_time()  # the cancel has reached the gateway
    n, shown = t.updates, picture(t)
    gateway.step(300)
    broker.current_time()  # whatever the step caused has been handled
    assert t.updates == n and picture(t) == shown
    assert not [x for x in broker.notices if x.code == 300]  # the gateway knew the subscription


def test_snapshot_is_one_picture_that_ends(gateway, broker):
    q = quote(gateway, SPY)
    t = broker.snapshot(Stock("SPY"))
    assert t.snapshot_done and not t.active and t not in broker.tickers
    assert picture(t)[:5] == market_picture(q)[:5] and t.bid < t.ask
    n = t.updates
    gateway.step(60)
    broker.current_time()
    assert t.updates == n


def test_delayed_market_data_type_and_its_notice_reach_the_ticker(gateway, broker):
    broker.set_market_data_type(3)
    t = broker.market_data(Stock("AAPL"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    assert t.market_data_type == 3
    assert [code for code, _ in t.notices] == [DELAYED_NOTICE]
    assert t.error is None and t.active
    assert any(n.code == DELAYED_NOTICE and n.req_id == t.req_id for n in broker.notices)
    past = delayed_quote(gateway, AAPL)
    assert picture(t) == market_picture(past)
    # delayed data streams, 15 minutes behind
    gateway.step(120)
    later = delayed_quote(gateway, AAPL)
    assert broker.wait_until(lambda: picture(t) == market_picture(later), WAIT_S)


def test_delayed_snapshot_keeps_its_notice(gateway, broker):
    broker.set_market_data_type(3)
    t = broker.snapshot(Stock("MSFT"))
    assert t.snapshot_done and t.market_data_type == 3
    assert [code for code, _ in t.notices] == [DELAYED_NOTICE]
    past = delayed_quote(gateway, MSFT)
    assert (t.bid, t.ask, t.last) == (past.bid, past.ask, past.last)


def test_frozen_market_data_is_one_picture(gateway, broker):
    broker.set_market_data_type(2)
    q = quote(gateway, MSFT)
    t = broker.market_data(Stock("MSFT"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    assert t.market_data_type == 2 and picture(t) == market_picture(q) and not t.notices
    n = t.updates
    gateway.step(120)
    broker.current_time()
    assert t.updates == n
    with pytest.raises(ValueError):
        broker.set_market_data_type(5)


def test_delayed_frozen_market_data_is_one_delayed_picture(gateway, broker):
    broker.set_market_data_type(4)
    t = broker.market_data(Stock("AAPL"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    assert t.market_data_type == 4 and [code for code, _ in t.notices] == [DELAYED_NOTICE]
    assert picture(t) == market_picture(delayed_quote(gateway, AAPL))
    n = t.updates
    gateway.step(120)
    broker.current_time()
    assert t.updates == n


def test_unknown_contract_raises_contract_error(broker):
    with pytest.raises(ContractError) as info:
        broker.market_data(Stock("NOPE"))
    assert info.value.code == 200
    with pytest.raises(ContractError) as info:
        broker.snapshot(Stock("NOPE"))
    assert info.value.code == 200
    assert broker.tickers == []
    assert broker.is_connected()


def test_market_orders_fill_at_prices_the_ticks_showed(gateway, broker):
    """A market buy fills at the ask the ticker showed, a market sell at the bid: over several
    market moves, every fill price is one of the quotes the client saw."""
    asks: set[float] = set()
    bids: set[float] = set()

    def seen(ev: object) -> None:
        if isinstance(ev, Ticker) and ev.contract.symbol == "AAPL":
            if ev.ask is not None:
                asks.add(ev.ask)
            if ev.bid is not None:
                bids.add(ev.bid)

    broker.add_listener(seen)
    t = broker.market_data(Stock("AAPL"))
    assert broker.wait_until(lambda: complete(t), WAIT_S)
    for i, seconds in enumerate((0, 45, 900, 3)):
        if seconds:
            gateway.step(seconds)
            q = quote(gateway, AAPL)
            assert broker.wait_until(lambda q=q: (t.bid, t.ask) == (q.bid, q.ask), WAIT_S)
        ask, bid = t.ask, t.bid
        buy = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10 + i))
        sell = broker.submit_order(Stock("AAPL"), MarketOrder("SELL", 10 + i))
        for ticket in (buy, sell):
            ticket.wait_done(WAIT_S)
            assert ticket.status == "Filled"
        assert buy.avg_fill_price == ask and sell.avg_fill_price == bid
        assert {f.execution.price for f in buy.fills} <= asks
        assert {f.execution.price for f in sell.fills} <= bids


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_market_data(gateway):
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            q = quote(gateway, AAPL)
            t = await b.market_data(Stock("AAPL"))
            await b.wait_for(lambda: complete(t), WAIT_S)
            assert picture(t) == market_picture(q) and t.market_data_type == 1

            # ticks as an async stream: the Ticker itself is the event
            async def next_update() -> object:
                async for ev in b.stream(Ticker):
                    return ev
                raise AssertionError("the stream ended")

            waiter = asyncio.ensure_future(next_update())
            await asyncio.sleep(0)  # let the stream subscribe before the market moves
            await asyncio.to_thread(gateway.step, 60)
            assert await asyncio.wait_for(waiter, WAIT_S) is t
            q2 = quote(gateway, AAPL)
            await b.wait_for(lambda: picture(t) == market_picture(q2), WAIT_S)

            await b.cancel_market_data(t)
            assert not t.active and b.tickers == []
            await b.current_time()
            n = t.updates
            await asyncio.to_thread(gateway.step, 60)
            await b.current_time()
            assert t.updates == n

            snap = await b.snapshot(Stock("SPY"))
            assert snap.snapshot_done and snap.bid == quote(gateway, SPY).bid

            await b.set_market_data_type(3)
            d = await b.market_data(Stock("MSFT"))
            await b.wait_for(lambda: complete(d), WAIT_S)
            assert d.market_data_type == 3 and [c for c, _ in d.notices] == [DELAYED_NOTICE]
            assert (d.bid, d.ask) == (delayed_quote(gateway, MSFT).bid,
                                      delayed_quote(gateway, MSFT).ask)

            with pytest.raises(ContractError) as info:
                await b.market_data(Stock("NOPE"))
            assert info.value.code == 200

    run(scenario)


# --- EClient (ibwire's official-style API) ----------------------------------------------------------

def test_eclient_market_data(gateway, eapp: EApp):
    q = quote(gateway, AAPL)
    eapp.reqMktData(7, Stock("AAPL"), "", False, False, [])
    eapp.wait(lambda: len(eapp.of("tickGeneric", 7)) >= 1, "the first picture")
    prices = {a[1]: a[2] for a in eapp.of("tickPrice", 7)}
    sizes = {a[1]: a[2] for a in eapp.of("tickSize", 7)}
    assert (prices[1], prices[2], prices[4]) == (q.bid, q.ask, q.last) and prices[1] < prices[2]
    assert (sizes[0], sizes[3], sizes[8]) == (q.bid_size, q.ask_size, q.volume)  # implied sizes too
    assert eapp.of("tickReqParams", 7)[0][1] == 0.01
    assert eapp.of("marketDataType", 7) == [(7, 1)]
    assert eapp.of("tickString", 7)[0][1:] == (45, str(int(q.time.timestamp())))

    gateway.step(60)
    q2 = quote(gateway, AAPL)
    eapp.sync()
    later = {a[1]: a[2] for a in eapp.of("tickPrice", 7)}
    assert (later[1], later[2]) == (q2.bid, q2.ask)

    eapp.cancelMktData(7)
    eapp.sync()
    n = len(eapp.of("tickPrice", 7)) + len(eapp.of("tickSize", 7))
    gateway.step(600)
    eapp.sync()
    assert len(eapp.of("tickPrice", 7)) + len(eapp.of("tickSize", 7)) == n
    assert not eapp.errors(7)


def test_eclient_snapshot_delayed_and_errors(gateway, eapp: EApp):
    q = quote(gateway, SPY)
    eapp.reqMktData(8, Stock("SPY"), "", True, False, [])
    eapp.wait(lambda: bool(eapp.of("tickSnapshotEnd", 8)), "tickSnapshotEnd")
    prices = {a[1]: a[2] for a in eapp.of("tickPrice", 8)}
    assert (prices[1], prices[2]) == (q.bid, q.ask)

    eapp.reqMarketDataType(3)
    eapp.reqMktData(9, Stock("MSFT"), "", False, False, [])
    eapp.wait(lambda: bool(eapp.of("tickGeneric", 9)), "the delayed picture")
    assert eapp.of("marketDataType", 9) == [(9, 3)]
    assert [e[1] for e in eapp.errors(9)] == [DELAYED_NOTICE]
    delayed = {a[1]: a[2] for a in eapp.of("tickPrice", 9)}
    past = delayed_quote(gateway, MSFT)
    assert (delayed[66], delayed[67], delayed[68]) == (past.bid, past.ask, past.last)
    assert not {1, 2, 4} & set(delayed)

    eapp.reqMktData(10, Stock("NOPE"), "", False, False, [])
    eapp.wait(lambda: bool(eapp.errors(10)), "error 200")
    assert eapp.errors(10)[0][1] == 200


# --- ib_async 2.1.0 ---------------------------------------------------------------------------------

def test_ib_async_market_data(gateway, ib_async_tools):
    ib_async, until = ib_async_tools.ib_async, ib_async_tools.until
    q = quote(gateway, AAPL)

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=31, timeout=10)
        try:
            contract, msft = await ib.qualifyContractsAsync(
                ib_async.Stock("AAPL", "SMART", "USD"), ib_async.Stock("MSFT", "SMART", "USD"))
            ticker = ib.reqMktData(contract, "", False, False)
            await until(ib, lambda: ticker.bid > 0 and ticker.ask > 0 and ticker.last > 0
                        and ticker.volume > 0, "the first quote")
            first = (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.volume)
            gateway.step(120)  # blocks this loop briefly; the ticks wait in the socket
            q2 = quote(gateway, AAPL)
            await until(ib, lambda: (ticker.bid, ticker.ask) == (q2.bid, q2.ask), "the update")
            second = (ticker.bid, ticker.ask, ticker.last)
            ib.cancelMktData(contract)
            ib.reqMarketDataType(3)
            delayed = ib.reqMktData(msft, "", False, False)
            await until(ib, lambda: delayed.bid > 0 and delayed.ask > 0, "the delayed quote")
            return {"first": first, "second": second, "q2": q2,
                    "delayed": (delayed.bid, delayed.ask, delayed.marketDataType)}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    bid, ask, last, bid_size, volume = out["first"]
    assert (bid, ask, last, bid_size, volume) == (q.bid, q.ask, q.last, float(q.bid_size),
                                                  float(q.volume))
    assert bid < ask
    s_bid, s_ask, s_last = out["second"]
    assert s_bid < s_ask and not math.isnan(s_last)
    past = delayed_quote(gateway, MSFT)
    assert out["delayed"] == (past.bid, past.ask, 3)
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= logging.ERROR]
    assert not errors, errors


# --- the official ibapi 9.81 ------------------------------------------------------------------------

def test_ibapi_market_data(gateway, ibapi_app):
    from ibapi.contract import Contract as IbContract

    def stock(symbol: str) -> IbContract:
        c = IbContract()
        c.symbol, c.secType, c.exchange, c.currency = symbol, "STK", "SMART", "USD"
        return c

    app = ibapi_app
    q = quote(gateway, AAPL)
    app.reqMktData(41, stock("AAPL"), "", False, False, [])
    app.wait(lambda: any(r == 41 and t == 8 for r, t, _ in app.sizes), "the volume tick")
    prices = {t: p for r, t, p in app.ticks if r == 41}
    assert (prices[1], prices[2], prices[4]) == (q.bid, q.ask, q.last) and prices[1] < prices[2]
    sizes = {t: s for r, t, s in app.sizes if r == 41}
    assert sizes[0] == q.bid_size // 100  # server version 157: stock sizes in round lots
    assert (41, 1) in app.data_types

    gateway.step(90)
    q2 = quote(gateway, AAPL)
    app.sync()
    later = {t: p for r, t, p in app.ticks if r == 41}
    assert (later[1], later[2]) == (q2.bid, q2.ask)
    app.cancelMktData(41)
    app.sync()
    n = len(app.ticks)
    gateway.step(90)
    app.sync()
    assert len(app.ticks) == n

    app.reqMarketDataType(3)
    app.reqMktData(42, stock("MSFT"), "", True, False, [])
    app.wait(lambda: 42 in app.snapshot_end, "tickSnapshotEnd")
    delayed = {t: p for r, t, p in app.ticks if r == 42}
    past = delayed_quote(gateway, MSFT)
    assert (delayed[66], delayed[67]) == (past.bid, past.ask)
    assert (42, 3) in app.data_types and any(e[:2] == (42, DELAYED_NOTICE) for e in app.errors)

    app.reqMktData(43, stock("NOPE"), "", False, False, [])
    app.wait(lambda: any(e[0] == 43 for e in app.errors), "error 200")
    assert [e[1] for e in app.errors if e[0] == 43] == [200]


def test_broker_and_other_clients_see_the_same_market(gateway, ibapi_app):
    """Two front ends at once (ibwire's Broker and the official ibapi) get the same quote."""
    from ibapi.contract import Contract as IbContract

    c = IbContract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    ibapi_app.reqMktData(44, c, "", True, False, [])
    with Broker.connect("127.0.0.1", gateway.port, client_id=6, timeout=WAIT_S) as b:
        t = b.snapshot(Stock("AAPL"))
    ibapi_app.wait(lambda: 44 in ibapi_app.snapshot_end, "tickSnapshotEnd")
    prices = {tt: p for r, tt, p in ibapi_app.ticks if r == 44}
    assert (t.bid, t.ask, t.last) == (prices[1], prices[2], prices[4])
