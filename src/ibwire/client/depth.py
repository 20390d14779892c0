"""Market depth: live order books, the exchanges that offer depth, SMART's components
(the depth side of :class:`~ibwire.client.core.BrokerCore`, issue 13).

``market_depth(contract, rows=10, smart=False)`` returns an :class:`~ibwire.client.book.OrderBook`
kept current from MARKET_DEPTH / MARKET_DEPTH_L2 until ``cancel_market_depth(book)``; every row
operation reaches listeners and streams as a :class:`~ibwire.client.book.DepthUpdate`. Books are
requested again (new request id, the book emptied first) after 1101 "data lost" and after a
reconnect (the core's subscription registry, from REQ_MKT_DEPTH's declared kind), and follow TWS's
REROUTE_MKT_DEPTH_REQ to the contract and exchange it names (REROUTE_MKT_DATA_REQ moves a market
data subscription the same way).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from ..errors import ConnectionLost, IbwireError, classify
from ..models import Contract
from ..models.depth import (
    DepthLevel,
    DepthMktDataDescription,
    DepthOperation,
    DepthSide,
    SmartComponent,
)
from ..protocol.messages.depth import (
    MarketDepth,
    MarketDepthL2,
    MktDepthExchanges,
    ReqMktDepth,
    ReqMktDepthExchanges,
    ReqSmartComponents,
    RerouteMktDataReq,
    RerouteMktDepthReq,
    SmartComponents,
)
from ..protocol.messages.market_data import ReqMktData
from ..protocol.schema import Message
from .accessors import LocalList
from .book import DepthUpdate, OrderBook
from .core import BrokerCore, Flow, Wait, request_error
from .flows import front_method
from .requests import Pending

__all__ = ["DepthMixin"]

log = logging.getLogger("ibwire.broker")

_RESET = 317


class DepthMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        MarketDepth: "_on_market_depth",
        MarketDepthL2: "_on_market_depth_l2",
        MktDepthExchanges: "_on_depth_exchanges",
        SmartComponents: "_on_smart_components",
        RerouteMktDepthReq: "_on_reroute_depth",
        RerouteMktDataReq: "_on_reroute_data",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._books: dict[int, OrderBook] = {}
        self._first_depth: dict[int, Pending[Any]] = {}  # books waiting for TWS's first answer

    # --- rows ---------------------------------------------------------------------------------

    def _changed_book(self, book: OrderBook,
                      change: tuple[DepthSide, DepthOperation, DepthLevel] | None,
                      position: int) -> None:
        if book._waiting:
            book._notify()
        if self._first_depth:
            first = self._first_depth.pop(book.req_id, None)
            if first is not None:
                first.finish(book)
        if self._listeners:
            if change is None:
                self._emit(DepthUpdate(book, None, position, None, None))
            else:
                self._emit(DepthUpdate(book, change[0], position, change[1], change[2]))

    def _on_market_depth(self, msg: MarketDepth) -> None:
        book = self._books.get(msg.req_id) if msg.req_id is not None else None
        if book is None:
            return
        position = msg.position if msg.position is not None else -1
        change = book.apply(position, msg.operation if msg.operation is not None else -1,
                            msg.side if msg.side is not None else -1, msg.price, msg.size)
        self._changed_book(book, change, position)

    def _on_market_depth_l2(self, msg: MarketDepthL2) -> None:
        book = self._books.get(msg.req_id) if msg.req_id is not None else None
        if book is None:
            return
        position = msg.position if msg.position is not None else -1
        change = book.apply(position, msg.operation if msg.operation is not None else -1,
                            msg.side if msg.side is not None else -1, msg.price, msg.size,
                            msg.market_maker)
        self._changed_book(book, change, position)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        book = self._books.get(req_id)
        if book is None:
            return super()._route_error(req_id, code, text, advanced)
        book.notices.append((code, text))
        if code == _RESET:  # TWS starts the book again: empty it, the rows follow
            book.clear()
            book.resets += 1
            self._changed_book(book, None, 0)
        elif classify(code).is_error:
            book.error = request_error(code, text, req_id, advanced)
            book.active = False
            self._books.pop(req_id, None)
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
            first = self._first_depth.pop(req_id, None)
            if first is not None:
                first.finish(book)
            book._notify()
        self._notice(code, text, req_id)
        return True

    # --- requests -----------------------------------------------------------------------------

    def flow_market_depth(self, contract: Contract, rows: int = 10, smart: bool = False,
                          timeout: float | None = None) -> Flow[OrderBook]:
        """Subscribe to ``contract``'s order book, ``rows`` rows a side (``smart``: SMART depth,
        aggregated over SMART's exchanges, each row naming its exchange). Returns the live
        :class:`OrderBook` once the first rows (or an error) arrived, or after ``timeout`` with
        the book still empty (a quiet market may send nothing for a while); an unknown contract or
        a refused request (309 too many books, 10092 no depth for it) raises here."""
        if rows < 1:
            raise ValueError(f"rows must be at least 1, not {rows}")
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        req_id = self._registry.next_id()
        book = OrderBook(contract, req_id, rows, smart, _broker=self)
        first: Pending[Any] = Pending(f"market depth for {contract}", f"depth:{req_id}")
        self._books[req_id] = book
        self._first_depth[req_id] = first
        request = ReqMktDepth(req_id, contract, rows, smart)
        self._subs.add(request, functools.partial(self._book_renewed, book))
        try:
            self._send(request)
            if not (yield Wait(first, total)):
                log.info("market depth for %s: no rows within %.1f s (the book stays open)",
                         contract, total)
        finally:
            self._first_depth.pop(req_id, None)
        if book.error is not None:
            raise book.error
        return book

    def cancel_market_depth(self, book: OrderBook) -> None:
        """Stop a book made with ``market_depth``."""
        self._cancel_book(book)

    def _cancel_book(self, book: OrderBook) -> None:
        book.active = False
        self._books.pop(book.req_id, None)
        cancel = self._subs.drop(book.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _book_renewed(self, book: OrderBook, request: object) -> None:
        """A live book asked for again under a new request id (after 1101, a reconnect or a
        reroute): emptied, TWS sends it whole."""
        assert isinstance(request, ReqMktDepth) and request.req_id is not None
        self._books.pop(book.req_id, None)
        book.req_id = request.req_id
        book.contract = request.contract
        book.clear()
        self._books[book.req_id] = book

    @property
    def books(self) -> LocalList[OrderBook]:
        """Open order books (local state: a property on Broker and AsyncBroker)."""
        return LocalList("books", self._books.values())

    def _on_depth_exchanges(self, msg: MktDepthExchanges) -> None:
        p = self._registry.get("depth_exchanges")
        if p is not None:
            p.finish(list(msg.depth_mkt_data_descriptions))

    def flow_depth_exchanges(self, timeout: float | None = None
                             ) -> Flow[list[DepthMktDataDescription]]:
        """Every exchange that offers market depth (exchange, security type, listing exchange,
        ``Deep`` / ``Deep2``, aggregation group)."""
        result: list[DepthMktDataDescription] = yield from self._read_flow(
            "depth exchanges", "depth_exchanges", lambda: self._send(ReqMktDepthExchanges()),
            timeout)
        return result

    def _on_smart_components(self, msg: SmartComponents) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.finish(list(msg.smart_component_map))

    def flow_smart_components(self, bbo_exchange: str, timeout: float | None = None
                              ) -> Flow[list[SmartComponent]]:
        """The exchanges behind a BBO exchange code (a ticker's ``bbo_exchange``, from TICK_REQ_
        PARAMS, e.g. ``9c0001``): bit number, exchange, one-letter code."""
        req_id = self._registry.next_id()
        result: list[SmartComponent] = yield from self._read_flow(
            f"SMART components of {bbo_exchange}", req_id,
            lambda: self._send(ReqSmartComponents(req_id, bbo_exchange)), timeout)
        return result

    # --- rerouting (renewal after 1101 / a reconnect is the core's: see _subs) -------------------

    def _reroute(self, old_id: int, request: Message, renewed: Callable[[Message], None]) -> None:
        """Cancel subscription ``old_id`` and ask again with ``request`` (TWS's reroute)."""
        cancel = self._subs.drop(old_id)
        renewed(request)
        self._subs.add(request, renewed)
        log.info("TWS reroutes request %d: %s as request %s", old_id, type(request).__name__,
                 getattr(request, "req_id", ""))
        try:
            if cancel is not None:
                self._send(cancel)
            self._send(request)
        except IbwireError as exc:
            log.warning("cannot follow the reroute of request %d: %s", old_id, exc)

    def _on_reroute_depth(self, msg: RerouteMktDepthReq) -> None:
        book = self._books.get(msg.req_id) if msg.req_id is not None else None
        self._emit(msg)
        if book is None:
            log.warning("TWS reroutes market depth request %s, which is not open", msg.req_id)
            return
        contract = Contract(con_id=msg.con_id, exchange=msg.exchange)
        self._reroute(book.req_id, ReqMktDepth(self._registry.next_id(), contract, book.rows,
                                               book.smart),
                      functools.partial(self._book_renewed, book))

    def _on_reroute_data(self, msg: RerouteMktDataReq) -> None:
        tickers: dict[int | None, Any] = getattr(self, "_tickers", {})
        ticker = tickers.get(msg.req_id)
        self._emit(msg)
        renew = getattr(self, "_ticker_renewed", None)
        if ticker is None or renew is None:
            log.warning("TWS reroutes market data request %s, which is not open", msg.req_id)
            return
        contract = Contract(con_id=msg.con_id, exchange=msg.exchange)

        def renewed(request: Message) -> None:
            ticker.contract = contract
            renew(ticker, request)

        self._reroute(ticker.req_id, ReqMktData(self._registry.next_id(), contract,
                                                ticker.generic_ticks, False, False), renewed)

    def _connection_lost(self, lost: ConnectionLost) -> None:
        super()._connection_lost(lost)
        for first in list(self._first_depth.values()):
            first.fail(lost)

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    market_depth = front_method(flow_market_depth)
    depth_exchanges = front_method(flow_depth_exchanges)
    smart_components = front_method(flow_smart_components)

