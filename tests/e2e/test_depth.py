"""Market depth end to end: Broker, AsyncBroker, ibwire's EClient and ib_async 2.1 (at 178)
against the paper gateway. Each gets a book with bids below asks and at least the requested rows,
whose top is the gateway's quote at that market second; the market moves only through
gateway.step()."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import pytest

from ibwire import AsyncBroker, DepthUpdate, OrderBook, RequestError, Stock
from ibwire.client.state import Notice
from ibwire.gateway import PaperGateway
from ibwire.models.contract import Contract
from ibwire.models.depth import DepthOperation, DepthSide

from .conftest import AAPL, WAIT_S, EApp, quote, run

ES = Contract(symbol="ES", sec_type="FUT", exchange="CME", last_trade_date_or_contract_month="202612")


def top_is_the_quote(gateway: PaperGateway, book: OrderBook, con_id: int = AAPL) -> bool:
    q = quote(gateway, con_id)
    return bool(book.bids and book.asks and book.bids[0].price == q.bid
                and book.asks[0].price == q.ask
                and book.size_at(DepthSide.BID, q.bid) == q.bid_size
                and book.size_at(DepthSide.ASK, q.ask) == q.ask_size)


def full(book: OrderBook) -> bool:
    return len(book.bids) >= book.rows and len(book.asks) >= book.rows


def sane(book: OrderBook) -> None:
    bids, asks = [r.price for r in book.bids], [r.price for r in book.asks]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(r.size > 0 for r in book.bids + book.asks)
    assert book.inconsistencies == 0


# --- Broker -----------------------------------------------------------------------------------------

def test_broker_smart_depth_is_the_market(gateway, broker):
    book = broker.market_depth(Stock("AAPL"), rows=8, smart=True)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    assert book.active and book.error is None and book in broker.books
    sane(book)
    assert top_is_the_quote(gateway, book)
    assert len(book.market_makers) >= 3  # SMART: several exchanges
    for seconds in (1, 30, 600):
        n = book.updates
        gateway.step(seconds)
        assert book.wait_update(WAIT_S, after=n)
        assert broker.wait_until(lambda: top_is_the_quote(gateway, book), WAIT_S)
        assert len(book.bids) == len(book.asks) == 8
        sane(book)
    assert book.time is not None
    broker.cancel_market_depth(book)
    assert not book.active and book not in broker.books


def test_broker_hears_every_row_operation(gateway, broker):
    seen: list[DepthUpdate] = []
    lock = threading.Lock()

    def on_event(ev: object) -> None:
        if isinstance(ev, DepthUpdate):
            with lock:
                seen.append(ev)

    broker.add_listener(on_event)
    book = broker.market_depth(ES, rows=4)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    gateway.step(60)
    assert broker.wait_until(lambda: top_is_the_quote(gateway, book, _es(gateway)), WAIT_S)
    assert broker.wait_until(lambda: len(seen) == book.updates, WAIT_S)  # one event per row
    with lock:
        assert seen[0].operation is DepthOperation.INSERT and seen[0].book is book
        assert all(ev.level is not None and ev.level.market_maker is None for ev in seen)
        assert {ev.side for ev in seen} == {DepthSide.BID, DepthSide.ASK}


def _es(gateway: PaperGateway) -> int:
    found = gateway.call(lambda ex: ex.resolve(ES))
    assert len(found) == 1
    return int(found[0].con_id)


def test_broker_book_is_requested_again_after_1101(gateway, broker):
    book = broker.market_depth(Stock("AAPL"), rows=3)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    first_id = book.req_id
    gateway.send_connectivity(1101)  # TWS lost the subscriptions: the Broker asks again
    assert broker.wait_until(lambda: book.req_id != first_id and full(book), WAIT_S)
    gateway.step(30)
    assert broker.wait_until(lambda: top_is_the_quote(gateway, book), WAIT_S)
    sane(book)
    assert len(book.bids) == len(book.asks) == 3


def test_broker_book_survives_a_reset(gateway, broker):
    book = broker.market_depth(Stock("AAPL"), rows=5, smart=True)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    before = (list(book.bids), list(book.asks))
    gateway.reset_depth()
    assert broker.wait_until(lambda: book.resets == 1 and full(book), WAIT_S)
    assert (book.bids, book.asks) == before  # emptied on 317, then the same book again
    assert book.notices[-1][0] == 317


def test_broker_refusals_raise(gateway, broker):
    with pytest.raises(RequestError) as err:
        broker.market_depth(Contract(symbol="SPX", sec_type="IND", exchange="CBOE"))
    assert err.value.code == 10092
    books = [broker.market_depth(Stock(s), rows=2) for s in ("AAPL", "MSFT", "SPY")]
    with pytest.raises(RequestError) as err:
        broker.market_depth(Stock("NVDA"), rows=2)
    assert err.value.code == 309
    broker.cancel_market_depth(books[0])
    assert broker.market_depth(Stock("NVDA"), rows=2).active
    with pytest.raises(ValueError):
        broker.market_depth(Stock("AAPL"), rows=0)


def test_broker_depth_exchanges_and_smart_components(gateway, broker):
    exchanges = broker.depth_exchanges()
    assert ("NASDAQ", "STK", "Deep2") in {(d.exchange, d.sec_type, d.service_data_type)
                                           for d in exchanges}
    t = broker.market_data(Stock("AAPL"))
    assert t.bbo_exchange == "9c0001"  # from TICK_REQ_PARAMS
    comps = broker.smart_components(t.bbo_exchange)
    assert {c.exchange for c in comps} >= {"NASDAQ", "ARCA", "NYSE"}
    assert {c.exchange_letter for c in comps if c.exchange == "NASDAQ"} == {"Q"}
    broker.cancel_market_data(t)


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_book_and_its_stream(gateway):
    async def scenario() -> tuple[OrderBook, list[DepthUpdate], Any, Any]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            events = b.stream(DepthUpdate)
            book = await b.market_depth(Stock("AAPL"), rows=6, smart=True)
            await b.wait_for(lambda: full(book), WAIT_S, "a full book")
            got: list[DepthUpdate] = []
            async for ev in events:
                got.append(ev)
                if len(got) == book.updates:
                    break
            gateway.step(30)
            await b.wait_for(lambda: top_is_the_quote(gateway, book), WAIT_S, "the new top")
            exchanges = await b.depth_exchanges()
            comps = await b.smart_components("9c0001")
            await b.cancel_market_depth(book)
            return book, got, exchanges, comps

    book, got, exchanges, comps = run(scenario)
    sane(book)
    assert len(book.bids) == len(book.asks) == 6 and not book.active
    assert [ev.book for ev in got] == [book] * len(got) and len(got) >= 12
    assert exchanges and comps


def test_async_broker_refuses_a_blocking_wait_on_its_loop(gateway):
    from ibwire import BlockingCallOnLoop

    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=6,
                                             timeout=WAIT_S) as b:
            book = await b.market_depth(Stock("AAPL"), rows=2)
            with pytest.raises(BlockingCallOnLoop):
                book.wait_update(1)

    run(scenario)


# --- ibwire's EClient -------------------------------------------------------------------------------

def test_eclient_builds_a_book_from_its_callbacks(gateway, eapp: EApp):
    books: dict[int, OrderBook] = {}
    lock = threading.Lock()

    def l2(reqId, position, marketMaker, operation, side, price, size, isSmartDepth):  # noqa: N803
        with eapp.cond:
            books.setdefault(reqId, OrderBook(Stock("AAPL"), reqId, 5)).apply(
                position, operation, side, price, size, marketMaker)
            assert isSmartDepth
            eapp.cond.notify_all()

    def l1(reqId, position, operation, side, price, size):  # noqa: N803
        with eapp.cond:
            books.setdefault(reqId, OrderBook(ES, reqId, 3)).apply(
                position, operation, side, price, size)
            eapp.cond.notify_all()

    record_error = eapp.error

    def error(reqId, code, *rest):  # noqa: N803
        if code == 317:  # "please empty deep book contents": the whole book follows
            with eapp.cond:
                books[reqId].clear()
        record_error(reqId, code, *rest)

    eapp.updateMktDepthL2 = l2  # type: ignore[method-assign]
    eapp.updateMktDepth = l1  # type: ignore[method-assign]
    eapp.error = error  # type: ignore[method-assign]
    eapp.reqMktDepth(41, Contract(symbol="AAPL", sec_type="STK", exchange="SMART",
                                  currency="USD"), 5, True, [])
    eapp.reqMktDepth(42, ES, 3, False, [])
    eapp.wait(lambda: 41 in books and full(books[41]) and 42 in books and full(books[42]),
              "two full books")
    gateway.step(45)
    eapp.sync()
    with lock:
        assert top_is_the_quote(gateway, books[41])
        sane(books[41]), sane(books[42])
        assert isinstance(books[41].bids[0].size, Decimal)
    eapp.cancelMktDepth(41, True)
    eapp.cancelMktDepth(41, True)
    eapp.wait(lambda: (41, 310) in [(e[0], e[1]) for e in eapp.errors()], "310")


# --- ib_async 2.1 (server version 178) ----------------------------------------------------------------

def test_ib_async_gets_a_book(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async
    q = quote(gateway, AAPL)

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=13, timeout=10)
        try:
            (contract,) = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "SMART", "USD"))
            smart = ib.reqMktDepth(contract, numRows=5, isSmartDepth=True)
            await ib_async_tools.until(ib, lambda: len(smart.domBids) >= 5
                                       and len(smart.domAsks) >= 5, "a SMART book")
            first = ([(d.price, d.size, d.marketMaker) for d in smart.domBids],
                     [(d.price, d.size, d.marketMaker) for d in smart.domAsks])
            exchanges = await ib.reqMktDepthExchangesAsync()
            comps = await ib.reqSmartComponentsAsync("9c0001")
            ib.cancelMktDepth(smart.contract, isSmartDepth=True)
            return {"version": ib.client.serverVersion(), "first": first,
                    "exchanges": [(d.exchange, d.secType, d.serviceDataType) for d in exchanges],
                    "comps": [(c.bitNumber, c.exchange, c.exchangeLetter) for c in comps]}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    assert out["version"] == 178
    bids, asks = out["first"]
    assert len(bids) == len(asks) == 5
    assert bids[0][0] == q.bid and asks[0][0] == q.ask and bids[0][0] < asks[0][0]
    assert sum(b[1] for b in bids if b[0] == q.bid) == float(q.bid_size)
    assert [b[0] for b in bids] == sorted((b[0] for b in bids), reverse=True)
    assert all(b[2] for b in bids + asks)
    assert ("NASDAQ", "STK", "Deep2") in [tuple(e) for e in out["exchanges"]]
    assert (2, "NASDAQ", "Q") in [tuple(c) for c in out["comps"]]


def test_ib_async_book_follows_the_market(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async
    after: dict[str, Any] = {}

    async def scenario() -> None:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=14, timeout=10)
        try:
            (contract,) = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "ISLAND", "USD"))
            t = ib.reqMktDepth(contract, numRows=4)
            await ib_async_tools.until(ib, lambda: len(t.domBids) >= 4, "a book")
            await asyncio.to_thread(gateway.step, 90)
            q = await asyncio.to_thread(quote, gateway, AAPL)
            await ib_async_tools.until(ib, lambda: bool(
                t.domBids and t.domAsks and t.domBids[0].price == q.bid
                and t.domAsks[0].price == q.ask), "the book at the new quote")
            after["bids"] = [(d.price, d.size, d.marketMaker) for d in t.domBids]
            after["asks"] = [(d.price, d.size, d.marketMaker) for d in t.domAsks]
        finally:
            ib.disconnect()

    ib_async_tools.run(scenario)
    assert len(after["bids"]) == len(after["asks"]) == 4
    assert {b[2] for b in after["bids"]} == {"ISLAND"}  # the exchange asked for names its rows
    assert after["bids"][0][0] < after["asks"][0][0]


def test_notices_of_a_book_reach_listeners(gateway, broker):
    notices: list[Notice] = []
    broker.add_listener(lambda ev: notices.append(ev) if isinstance(ev, Notice) else None)
    book = broker.market_depth(Stock("AAPL"), rows=2)
    gateway.reset_depth()
    assert broker.wait_until(lambda: any(n.code == 317 and n.req_id == book.req_id
                                         for n in notices), WAIT_S)


def _send_to_clients(gateway: PaperGateway, msg: Any) -> None:
    """Have the gateway write ``msg`` to every client (TWS's reroute notices)."""
    gateway._on_core(lambda core: [s.send(msg) for s in list(core.sessions.values())])


def test_broker_follows_a_depth_reroute(gateway, broker):
    from ibwire.protocol.messages.depth import RerouteMktDepthReq

    rerouted: list[object] = []
    broker.add_listener(lambda ev: rerouted.append(ev)
                        if isinstance(ev, RerouteMktDepthReq) else None)
    book = broker.market_depth(Stock("AAPL"), rows=3)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    old = book.req_id
    _send_to_clients(gateway, RerouteMktDepthReq(req_id=old, con_id=AAPL, exchange="ISLAND"))
    assert broker.wait_until(lambda: book.req_id != old and full(book), WAIT_S)
    assert (book.contract.con_id, book.contract.exchange) == (AAPL, "ISLAND")
    assert {r.market_maker for r in book.bids} == {"ISLAND"}  # the new exchange's book
    assert broker.wait_until(lambda: len(rerouted) == 1, WAIT_S)
    assert book.active and book.error is None


def test_broker_follows_a_market_data_reroute(gateway, broker):
    from ibwire.protocol.messages.depth import RerouteMktDataReq

    t = broker.market_data(Stock("AAPL"))
    old = t.req_id
    _send_to_clients(gateway, RerouteMktDataReq(req_id=old, con_id=AAPL, exchange="ISLAND"))
    assert broker.wait_until(lambda: t.req_id != old, WAIT_S)
    n = t.updates
    gateway.step(30)
    assert t.wait_update(WAIT_S, after=n)
    assert (t.contract.con_id, t.contract.exchange) == (AAPL, "ISLAND") and t.error is None
    assert broker.wait_until(lambda: t.bid == quote(gateway, AAPL).bid, WAIT_S)


def test_a_rerouted_book_is_renewed_as_rerouted_and_cancels_cleanly(gateway, broker):
    from ibwire.protocol.messages.depth import RerouteMktDepthReq

    book = broker.market_depth(Stock("AAPL"), rows=2, smart=True)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    old = book.req_id
    _send_to_clients(gateway, RerouteMktDepthReq(req_id=old, con_id=AAPL, exchange="ISLAND"))
    assert broker.wait_until(lambda: book.req_id != old and full(book), WAIT_S)
    rerouted = book.req_id
    gateway.send_connectivity(1101)
    assert broker.wait_until(lambda: book.req_id != rerouted and full(book), WAIT_S)
    assert book.contract.exchange == "ISLAND" and book.smart
    broker.cancel_market_depth(book)
    broker.current_time()  # a round trip: a 310 for a wrong id would have arrived before it
    assert not [n for n in broker.notices if n.code == 310]
    assert gateway._on_core(lambda core: sum(len(s.state.get("depth") or {})
                                             for s in core.sessions.values())) == 0


def test_an_options_smart_book_names_option_exchanges(gateway, broker):
    details = broker.contract_details(Contract(symbol="AAPL", sec_type="OPT", exchange="SMART",
                                               currency="USD", right="C"))
    option = details[len(details) // 2].contract
    valid = set((details[len(details) // 2].valid_exchanges or "").split(",")) - {"SMART"}
    book = broker.market_depth(option, rows=4, smart=True)
    assert broker.wait_until(lambda: full(book), WAIT_S)
    sane(book)
    assert {r.market_maker for r in book.bids + book.asks} <= valid
    q = gateway.call(lambda ex: ex.quote(option.con_id))
    assert book.bids[0].price == q.bid and book.asks[0].price == q.ask


# --- the official ibapi 9.81 (server version 157) -------------------------------------------------------

def test_ibapi_981_gets_a_book_in_round_lots(gateway, ibapi_app):
    """ibapi 9.81 negotiates 157: SMART rows flagged (146+), stock sizes in round lots (below 159,
    as its market-data ticks are)."""
    from ibapi.contract import Contract as IbContract

    books: dict[int, OrderBook] = {}

    def l2(reqId, position, marketMaker, operation, side, price, size, isSmartDepth):  # noqa: N803
        def apply() -> None:
            books.setdefault(reqId, OrderBook(Stock("AAPL"), reqId, 4, smart=isSmartDepth)).apply(
                position, operation, side, price, Decimal(size), marketMaker)
        ibapi_app._note(apply)

    ibapi_app.updateMktDepthL2 = l2
    c = IbContract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    ibapi_app.reqMktDepth(61, c, 4, True, [])
    ibapi_app.wait(lambda: 61 in books and full(books[61]), "a SMART book")
    book = books[61]
    sane(book)
    q = quote(gateway, AAPL)
    assert book.smart and book.bids[0].price == q.bid and book.asks[0].price == q.ask
    assert book.size_at(DepthSide.BID, q.bid) == q.bid_size // 100
    ibapi_app.cancelMktDepth(61, True)
    ibapi_app.sync()
    assert not [e for e in ibapi_app.errors if e[0] == 61]


def test_async_broker_book_is_asked_for_again_after_a_reconnect(gateway):
    async def scenario() -> tuple[int, int, OrderBook]:
        b = await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=7, timeout=WAIT_S,
                                      reconnect=True)
        try:
            b.reconnect_initial_delay = 0.05
            book = await b.market_depth(Stock("AAPL"), rows=3, smart=True)
            await b.wait_for(lambda: full(book), WAIT_S, "a full book")
            first = book.req_id
            await asyncio.to_thread(gateway.drop_client, 7)
            await b.wait_for(lambda: book.req_id != first and full(book) and b.is_connected(),
                             WAIT_S, "the book asked for again on the new connection")
            await asyncio.to_thread(gateway.step, 30)
            await b.wait_for(lambda: top_is_the_quote(gateway, book), WAIT_S, "the new top")
            return first, book.req_id, book
        finally:
            await b.disconnect()

    first, again, book = run(scenario)
    assert again != first and book.active and book.error is None
    sane(book)
