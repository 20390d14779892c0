"""Market depth, depth exchanges and SMART components through the paper gateway's wire."""

from __future__ import annotations

from typing import Any

import pytest

from ibwire import Stock
from ibwire.client.book import OrderBook
from ibwire.models.contract import Contract
from ibwire.models.depth import DepthSide
from ibwire.protocol.messages.depth import (
    CancelMktDepth,
    MarketDepth,
    MarketDepthL2,
    MktDepthExchanges,
    ReqMktDepth,
    ReqMktDepthExchanges,
    ReqSmartComponents,
    SmartComponents,
)
from ibwire.protocol.messages.market_data import ReqMktData, TickPrice
from ibwire.protocol.messages.system import ErrMsg
from ibwire.protocol.versions import MAX_VERSION, Feature

AAPL, EURUSD = 265598, 12087792
ES = Contract(symbol="ES", sec_type="FUT", exchange="CME", last_trade_date_or_contract_month="202612")


def _book(events: list[Any], req_id: int, rows: int = 10) -> OrderBook:
    book = OrderBook(Stock("X"), req_id, rows)
    for e in events:
        if isinstance(e, ErrMsg) and e.error_code == 317 and e.req_id == req_id:
            book.clear()  # what a client does on 317: the whole book follows
        elif isinstance(e, (MarketDepth, MarketDepthL2)) and e.req_id == req_id:
            book.apply(e.position, e.operation, e.side, e.price, e.size,
                       getattr(e, "market_maker", None))
    assert book.inconsistencies == 0
    return book


def _errors(events: list[Any], req_id: int | None = None) -> list[tuple[int | None, int | None]]:
    return [(e.req_id, e.error_code) for e in events
            if isinstance(e, ErrMsg) and (req_id is None or e.req_id == req_id)]


@pytest.mark.parametrize("version", [157, 178, MAX_VERSION])
def test_smart_depth_is_a_book_around_the_quote(gateway, wire, version):
    c = wire(1, max_version=version)
    c.send(ReqMktDepth(7, Stock("AAPL"), 5, True))
    rows = c.sync()
    assert rows and all(isinstance(e, MarketDepthL2) and e.is_smart_depth for e in rows)
    q = gateway.call(lambda ex: ex.quote(AAPL))
    book = _book(rows, 7, 5)
    assert len(book.bids) == len(book.asks) == 5
    assert book.bids[0].price == q.bid and book.asks[0].price == q.ask
    lots = 100 if version < Feature.MARKET_DATA_IN_SHARES else 1  # as the ticks below 159
    assert book.size_at(DepthSide.BID, q.bid) == q.bid_size // lots
    assert book.size_at(DepthSide.ASK, q.ask) == q.ask_size // lots
    assert book.bids[0].price < book.asks[0].price
    assert all(r.market_maker for r in book.bids + book.asks)
    # the market moves: the operations keep the client's book equal to the market's
    for step in (1, 30, 600):
        gateway.step(step)
        rows += c.sync()
        book = _book(rows, 7, 5)
        q = gateway.call(lambda ex: ex.quote(AAPL))
        assert book.bids[0].price == q.bid and book.asks[0].price == q.ask
        assert len(book.bids) == len(book.asks) == 5


def test_the_depth_top_matches_the_market_data_ticks(gateway, wire):
    c = wire(1)
    c.send(ReqMktData(1, Stock("AAPL"), "", False, False), ReqMktDepth(2, Stock("AAPL"), 3, False))
    events = c.sync()
    ticks = {e.tick_type: e.price for e in events if isinstance(e, TickPrice) and e.req_id == 1}
    book = _book(events, 2, 3)
    assert (book.bids[0].price, book.asks[0].price) == (ticks[1], ticks[2])
    assert {r.market_maker for r in book.bids + book.asks} == {"NASDAQ"}  # the stock's exchange


def test_futures_depth_is_price_levels(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepth(3, ES, 4, False))
    events = c.sync()
    assert events and all(isinstance(e, MarketDepth) for e in events)
    book = _book(events, 3, 4)
    assert len(book.bids) == len(book.asks) == 4
    prices = [r.price for r in book.bids]
    assert prices == sorted(prices, reverse=True) and book.bids[0].price < book.asks[0].price


def test_cancel_stops_the_book_and_a_second_cancel_is_310(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepth(4, Stock("AAPL"), 3, True))
    c.drain()
    c.send(CancelMktDepth(4, True))
    c.drain()
    gateway.step(120)
    assert not [e for e in c.sync() if isinstance(e, (MarketDepth, MarketDepthL2))]
    c.send(CancelMktDepth(4, True))
    assert _errors(c.sync()) == [(4, 310)]


def test_at_most_three_books_then_309(gateway, wire):
    a, b = wire(1), wire(2)
    a.send(ReqMktDepth(1, Stock("AAPL"), 3, False), ReqMktDepth(2, Stock("MSFT"), 3, False))
    b.send(ReqMktDepth(1, ES, 3, False))
    a.drain(), b.drain()
    b.send(ReqMktDepth(2, Stock("SPY"), 3, False))
    events = b.sync()
    assert _errors(events) == [(2, 309)]
    assert not [e for e in events if isinstance(e, (MarketDepth, MarketDepthL2))]
    a.send(CancelMktDepth(2, False))
    a.drain()
    b.send(ReqMktDepth(3, Stock("SPY"), 3, False))
    assert _book(b.sync(), 3, 3).bids  # a slot is free again


def test_refusals(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepth(1, Stock("NOSUCH"), 3, False),
           ReqMktDepth(2, Contract(symbol="SPX", sec_type="IND", exchange="CBOE"), 3, False),
           ReqMktDepth(3, Stock("AAPL"), 0, False),
           ReqMktDepth(4, Stock("AAPL"), 2, False), ReqMktDepth(4, Stock("MSFT"), 2, False))
    events = c.sync()
    assert _errors(events) == [(1, 200), (2, 10092), (3, 321), (4, 322)]


def test_reset_sends_317_then_the_whole_book(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepth(5, Stock("AAPL"), 4, True))
    before = c.drain()
    gateway.reset_depth()
    after = c.sync()
    assert isinstance(after[0], ErrMsg) and (after[0].req_id, after[0].error_code) == (5, 317)
    rows = after[1:]
    assert all(isinstance(e, MarketDepthL2) and e.operation == 0 for e in rows)
    assert _book(rows, 5, 4).bids == _book(before, 5, 4).bids


def test_a_jump_resets_the_book_instead_of_patching_it(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepth(6, Stock("AAPL"), 2, False))
    c.drain()
    events: list[Any] = []
    for _ in range(6):  # a day at a time: the quote moves far beyond two rows
        gateway.step(86400)
        events += c.sync()
    resets = [e for e in events if isinstance(e, ErrMsg) and e.error_code == 317]
    assert resets
    q = gateway.call(lambda ex: ex.quote(AAPL))
    last = max(i for i, e in enumerate(events) if isinstance(e, ErrMsg))
    book = _book(events[last + 1:], 6, 2)
    assert book.bids[0].price == q.bid


def test_depth_exchanges_come_from_the_instrument_table(gateway, wire):
    c = wire(1)
    c.send(ReqMktDepthExchanges())
    (msg,) = [e for e in c.sync() if isinstance(e, MktDepthExchanges)]
    found = {(d.exchange, d.sec_type): d for d in msg.depth_mkt_data_descriptions}
    assert found[("NASDAQ", "STK")].service_data_type == "Deep2"
    assert found[("NASDAQ", "STK")].listing_exch == "NASDAQ"
    assert found[("CME", "FUT")].service_data_type == "Deep"
    assert ("IDEALPRO", "CASH") in found
    assert not any(ex == "SMART" for ex, _ in found)


def test_smart_components_of_the_bbo_exchange_tick_req_params_names(gateway, wire):
    c = wire(1)
    c.send(ReqMktData(1, Stock("AAPL"), "", False, False))
    params = [e for e in c.sync() if type(e).__name__ == "TickReqParams"][0]
    c.send(ReqSmartComponents(9, params.bbo_exchange), ReqSmartComponents(10, "zz"))
    events = c.sync()
    (msg,) = [e for e in events if isinstance(e, SmartComponents)]
    names = {s.exchange: s.exchange_letter for s in msg.smart_component_map}
    assert msg.req_id == 9 and names["NASDAQ"] == "Q" and names["ARCA"] == "P"
    assert [s.bit_number for s in msg.smart_component_map] == list(range(len(names)))
    assert _errors(events) == [(10, 322)]
