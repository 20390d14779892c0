"""Market data, contract details, historical bars, account summary and completed orders:
the data side of :class:`~ibwire.client.core.BrokerCore` (issue 4)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from ..errors import ContractError, HistoricalDataError, IbwireError, RequestTimeout, classify
from ..models import Contract, Order, OrderState
from ..models.bar import AccountSummaryItem, Bar
from ..models.market import BarData, ContractDetails
from ..protocol.codec import parse_tws_time
from ..protocol.messages.accounts import (
    AccountSummary,
    AccountSummaryEnd,
    CancelAccountSummary,
    ReqAccountSummary,
)
from ..protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ..protocol.messages.historical import (
    CancelHistoricalData,
    HistoricalData,
    HistoricalDataUpdate,
    ReqHistoricalData,
)
from ..protocol.messages.market_data import (
    MarketDataType,
    ReqMarketDataType,
    ReqMktData,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ..protocol.messages.order_reports import CompletedOrder, CompletedOrdersEnd, ReqCompletedOrders
from ..protocol.messages.system import ErrMsg
from .accessors import LocalList
from .core import BrokerCore, Flow, Wait, request_error
from .flows import front_method
from .requests import Pending
from .router import singleton_key
from .ticker import (
    GENERIC_FIELDS,
    IMPLIED_SIZE,
    PRICE_FIELDS,
    SIZE_FIELDS,
    STRING_FIELDS,
    TIMESTAMP_TYPES,
    Ticker,
)

__all__ = ["MarketMixin", "CompletedOrderInfo", "STANDARD_SUMMARY_TAGS", "parse_bar_time"]

log = logging.getLogger("ibwire.broker")

STANDARD_SUMMARY_TAGS = (
    "AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,"
    "EquityWithLoanValue,PreviousDayEquityWithLoanValue,GrossPositionValue,RegTEquity,RegTMargin,"
    "SMA,InitMarginReq,MaintMarginReq,AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,"
    "FullMaintMarginReq,FullAvailableFunds,FullExcessLiquidity,LookAheadNextChange,"
    "LookAheadInitMarginReq,LookAheadMaintMarginReq,LookAheadAvailableFunds,"
    "LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,Leverage"
)


_COMPLETED = singleton_key(ReqCompletedOrders)


class CompletedOrderInfo:
    """An order TWS reports as completed (filled, cancelled or inactive)."""

    __slots__ = ("contract", "order", "order_state")

    def __init__(self, contract: Contract, order: Order, order_state: OrderState) -> None:
        self.contract = contract
        self.order = order
        self.order_state = order_state

    @property
    def status(self) -> str | None:
        return self.order_state.status

    def __repr__(self) -> str:
        return (f"CompletedOrderInfo({self.order.action} {self.order.total_quantity} {self.contract} "
                f"{self.order.order_type}, status={self.status}, ref={self.order.order_ref})")


def parse_bar_time(text: str) -> datetime | date:
    """A bar's time in either format TWS uses: ``20231110`` (a day), ``20231115  09:30:00 [zone]``
    (text) or epoch seconds (formatDate 2)."""
    t = text.strip()
    if len(t) == 8 and t.isdigit():
        return date(int(t[:4]), int(t[4:6]), int(t[6:8]))
    if t.isdigit():
        return datetime.fromtimestamp(int(t), tz=UTC)
    return parse_tws_time(t)


def _to_bar(b: BarData) -> Bar:
    if b.date is None or None in (b.open, b.high, b.low, b.close):
        raise IbwireError(f"incomplete bar {b!r}")
    volume = b.volume if b.volume is not None and b.volume >= 0 else None
    wap = b.wap if b.wap is not None and b.wap >= 0 else None
    count = b.bar_count if b.bar_count is not None and b.bar_count >= 0 else None
    assert b.open is not None and b.high is not None and b.low is not None and b.close is not None
    return Bar(parse_bar_time(b.date), b.open, b.high, b.low, b.close, volume, wap, count)


class MarketMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        TickPrice: "_on_tick_price",
        TickSize: "_on_tick_size",
        TickString: "_on_tick_string",
        TickGeneric: "_on_tick_generic",
        TickReqParams: "_on_tick_req_params",
        TickSnapshotEnd: "_on_snapshot_end",
        MarketDataType: "_on_market_data_type",
        ContractData: "_on_contract_data",
        ContractDataEnd: "_on_request_end",
        HistoricalData: "_on_historical_data",
        HistoricalDataUpdate: "_on_historical_update",
        AccountSummary: "_on_account_summary",
        AccountSummaryEnd: "_on_request_end",
        CompletedOrder: "_on_completed_order",
        CompletedOrdersEnd: "_on_completed_orders_end",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._tickers: dict[int | None, Ticker] = {}
        self._awaiting_first: dict[int, Pending[Any]] = {}  # subscriptions waiting for an answer

    # --- ticks --------------------------------------------------------------------------------

    def _touch(self, t: Ticker) -> None:
        """The ticker changed: wake its waiters now; listeners hear of it once per read."""
        t.updates += 1
        if t._waiting:
            t._notify()
        if self._awaiting_first:
            first = self._awaiting_first.pop(t.req_id, None)
            if first is not None:
                first.finish(t)
        if self._listeners:
            changed = self._changed
            if changed is not None:
                changed[id(t)] = t  # announced after the read (coalesced)
            else:
                self._tickers_changed([t])

    def _on_tick_price(self, msg: TickPrice) -> None:
        t = self._tickers.get(msg.req_id)
        if t is None:
            return
        name = PRICE_FIELDS.get(msg.tick_type)
        if name is not None:
            price = msg.price
            setattr(t, name, None if price is None or price == -1.0 else price)
            size_name = IMPLIED_SIZE.get(msg.tick_type)
            if size_name is not None and msg.size is not None:
                setattr(t, size_name, msg.size)  # the size implied by a price tick
        self._touch(t)

    def _on_tick_size(self, msg: TickSize) -> None:
        t = self._tickers.get(msg.req_id)
        if t is None:
            return
        name = SIZE_FIELDS.get(msg.tick_type)
        if name is not None:
            setattr(t, name, msg.size)
        self._touch(t)

    def _on_tick_string(self, msg: TickString) -> None:
        t = self._tickers.get(msg.req_id)
        if t is None:
            return
        if msg.tick_type in TIMESTAMP_TYPES and msg.value and msg.value.isdigit():
            t.time = datetime.fromtimestamp(int(msg.value), tz=UTC)
        parsed = STRING_FIELDS.get(msg.tick_type)
        if parsed is not None and msg.value:
            try:
                setattr(t, parsed[0], parsed[1](msg.value))
            except (ValueError, ArithmeticError):
                log.warning("ticker %d: cannot read tick %s %r", t.req_id, msg.tick_type,
                            msg.value)
        self._touch(t)

    def _on_tick_generic(self, msg: TickGeneric) -> None:
        t = self._tickers.get(msg.req_id)
        if t is None:
            return
        name = GENERIC_FIELDS.get(msg.tick_type)  # halted, shortable, volatilities ...
        if name is not None:
            setattr(t, name, msg.value)
        self._touch(t)

    def _on_tick_req_params(self, msg: TickReqParams) -> None:
        t = self._tickers.get(msg.req_id)
        if t is not None:
            t.min_tick = msg.min_tick
            t.bbo_exchange = msg.bbo_exchange
            self._touch(t)

    def _on_market_data_type(self, msg: MarketDataType) -> None:
        t = self._tickers.get(msg.req_id)
        if t is not None:
            t.market_data_type = msg.market_data_type
            self._touch(t)

    def _on_snapshot_end(self, msg: TickSnapshotEnd) -> None:
        t = self._tickers.pop(msg.req_id, None)
        if msg.req_id is not None:
            self._subs.drop(msg.req_id)  # (a snapshot is no subscription: nothing to cancel)
        if t is not None:
            t.snapshot_done = True
            t.active = False
            self._touch(t)
        p = self._registry.pop(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.finish(t)

    def _on_error(self, msg: ErrMsg) -> None:
        # a snapshot is both a pending request (answered by the core) and a ticker: its notices
        # (10167 delayed data ...) belong on the ticker too
        req_id = msg.req_id
        if req_id is not None and req_id >= 0 and self._registry.get(req_id) is not None:
            t = self._tickers.get(req_id)
            if t is not None:
                t.notices.append((msg.error_code or 0, msg.error_string or ""))
        super()._on_error(msg)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        t = self._tickers.get(req_id)
        if t is None:
            return super()._route_error(req_id, code, text, advanced)
        info = classify(code)
        t.notices.append((code, text))
        if info.is_error:
            t.error = request_error(code, text, req_id, advanced)
            t.active = False
            self._tickers.pop(req_id, None)
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
        self._notice(code, text, req_id)
        self._touch(t)
        return True

    def flow_market_data(self, contract: Contract, generic_ticks: str = "",
                         timeout: float | None = None) -> Flow[Ticker]:
        """Subscribe to live quotes; returns a Ticker kept current until cancelled.

        Waits for TWS's first answer (tick parameters, a tick or an error), so an unknown contract
        raises ContractError (200) here rather than leaving a silent ticker."""
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        req_id = self._registry.next_id()
        ticker = Ticker(contract, req_id, generic_ticks=generic_ticks or None, _broker=self)
        first: Pending[Any] = Pending(f"market data for {contract}", f"first:{req_id}")
        self._tickers[req_id] = ticker
        self._awaiting_first[req_id] = first  # the handlers finish it with TWS's first answer
        request = ReqMktData(req_id, contract, generic_ticks or None, False, False)
        self._subs.add(request, functools.partial(self._ticker_renewed, ticker))
        try:
            self._send(request)
            if not (yield Wait(first, total)):
                self._cancel_ticker(ticker)
                raise RequestTimeout(f"market data for {contract}", total)
        finally:
            self._awaiting_first.pop(req_id, None)
        if ticker.error is not None:
            raise ticker.error
        return ticker

    def cancel_market_data(self, ticker: Ticker) -> None:
        """Stop a subscription made with ``market_data``."""
        self._cancel_ticker(ticker)

    def _cancel_ticker(self, ticker: Ticker) -> None:
        # (flows call this one: AsyncBroker's public cancel_market_data is a coroutine)
        ticker.active = False
        self._tickers.pop(ticker.req_id, None)
        cancel = self._subs.drop(ticker.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _ticker_renewed(self, ticker: Ticker, request: object) -> None:
        """A live ticker asked for again (after 1101 or a reconnect) under a new request id."""
        self._tickers.pop(ticker.req_id, None)
        assert isinstance(request, ReqMktData) and request.req_id is not None
        ticker.req_id = request.req_id
        self._tickers[ticker.req_id] = ticker

    @property
    def tickers(self) -> LocalList[Ticker]:
        """Live subscriptions (local state: a property on Broker and AsyncBroker)."""
        return LocalList("tickers", self._tickers.values())

    def flow_snapshot(self, contract: Contract, timeout: float | None = None) -> Flow[Ticker]:
        """One-shot quotes: a Ticker filled until TICK_SNAPSHOT_END."""
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        req_id = self._registry.next_id()
        ticker = Ticker(contract, req_id, _broker=self)
        self._tickers[req_id] = ticker
        p: Pending[Any] = Pending(f"snapshot of {contract}", req_id)
        self._registry.add(p)
        try:
            self._send(ReqMktData(req_id, contract, None, True, False))
            if not (yield Wait(p, total)):
                raise RequestTimeout(f"snapshot of {contract}", total)
            p.check()
        finally:
            self._registry.discard(p)
            self._tickers.pop(req_id, None)
        return ticker

    def set_market_data_type(self, market_data_type: int) -> None:
        """1 live, 2 frozen, 3 delayed, 4 delayed frozen (applies to later subscriptions)."""
        if market_data_type not in (1, 2, 3, 4):
            raise ValueError("market data type is 1 (live), 2 (frozen), 3 (delayed) or 4 (delayed frozen)")
        self._send(ReqMarketDataType(market_data_type))

    # --- request / rows / end -----------------------------------------------------------------

    def _on_request_end(self, msg: ContractDataEnd | AccountSummaryEnd) -> None:
        if msg.req_id is not None:
            p = self._registry.get(msg.req_id)
            if p is not None:
                p.finish(list(p.rows))

    def _on_contract_data(self, msg: ContractData) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.rows.append(msg.details)

    def flow_contract_details(self, contract: Contract,
                              timeout: float | None = None) -> Flow[list[ContractDetails]]:
        """Every contract TWS matches to ``contract`` (raises ContractError when none)."""
        req_id = self._registry.next_id()
        result: list[ContractDetails] = yield from self._read_flow(
            "contract details", req_id, lambda: self._send(ReqContractData(req_id, contract)), timeout)
        return result

    def flow_qualify(self, contract: Contract, timeout: float | None = None) -> Flow[Contract]:
        """The one contract TWS matches, fully filled (con id, exchange, local symbol ...)."""
        details = yield from self.flow_contract_details(contract, timeout)
        if not details:
            raise ContractError(200, f"No security definition has been found for {contract}", -1)
        if len(details) > 1:
            names = ", ".join(str(d.contract.local_symbol or d.contract.con_id) for d in details[:10])
            raise ContractError(200, f"{contract} is ambiguous: {len(details)} contracts match ({names})", -1)
        return details[0].contract

    def _on_historical_data(self, msg: HistoricalData) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            try:
                p.finish([_to_bar(b) for b in msg.bars])
            except (IbwireError, ValueError) as exc:
                p.fail(HistoricalDataError(162, f"cannot read a bar: {exc}", msg.req_id or -1))

    def _on_historical_update(self, msg: HistoricalDataUpdate) -> None:
        self._emit(msg)

    def flow_historical_bars(self, contract: Contract, end: datetime | None = None,
                             duration: str = "1 D", bar_size: str = "5 mins",
                             what_to_show: str = "TRADES", use_rth: bool = True,
                             timeout: float | None = None) -> Flow[list[Bar]]:
        """Historical bars ending at ``end`` (now when None); raises HistoricalDataError (162).

        Sent once, never repeated: TWS answers an identical request within 15 s with a pacing
        violation (the connection's pacer holds such a request back instead; the wait lasts
        while it is held)."""
        if end is not None and end.tzinfo is None:
            raise ValueError("end must be an aware datetime (give it a time zone)")
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        end_text = "" if end is None else end.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")
        req_id = self._registry.next_id()
        p: Pending[Any] = Pending("historical bars", req_id)
        self._registry.add(p)
        try:
            self._send(ReqHistoricalData(req_id, contract, end_text, bar_size, duration, use_rth,
                                         what_to_show, 1, False))
            # The front end's driver keeps waiting while the pacer holds the request back (up to
            # 15 s for an identical one) and gives TWS a whole ``timeout`` once it is written.
            if not (yield Wait(p, total)):
                if self._transport_connected():
                    self._send(CancelHistoricalData(req_id))
                raise RequestTimeout("historical bars", total)
            result: list[Bar] = p.check()
        finally:
            self._registry.discard(p)
        return result

    def _on_account_summary(self, msg: AccountSummary) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.rows.append(AccountSummaryItem(msg.account or "", msg.tag or "", msg.value or "",
                                             msg.currency))

    def flow_account_summary(self, tags: str | Sequence[str] = STANDARD_SUMMARY_TAGS,
                             group: str = "All",
                             timeout: float | None = None) -> Flow[list[AccountSummaryItem]]:
        """Account summary values (NetLiquidation, BuyingPower ...) for every account in ``group``."""
        tag_text = tags if isinstance(tags, str) else ",".join(tags)
        req_id = self._registry.next_id()
        try:
            result: list[AccountSummaryItem] = yield from self._read_flow(
                "account summary", req_id,
                lambda: self._send(ReqAccountSummary(req_id, group, tag_text)), timeout)
        finally:
            if self._transport_connected():
                self._send(CancelAccountSummary(req_id))
        return result

    def _on_completed_order(self, msg: CompletedOrder) -> None:
        p = self._registry.get(_COMPLETED)
        if p is not None:
            p.rows.append(CompletedOrderInfo(msg.contract, msg.order, msg.order_state))

    def _on_completed_orders_end(self, msg: CompletedOrdersEnd) -> None:
        p = self._registry.get(_COMPLETED)
        if p is not None:
            p.finish(list(p.rows))

    def flow_completed_orders(self, api_only: bool = False,
                              timeout: float | None = None) -> Flow[list[CompletedOrderInfo]]:
        """Orders completed today (filled, cancelled, inactive)."""
        result: list[CompletedOrderInfo] = yield from self._read_flow(
            "completed orders", _COMPLETED,
            lambda: self._send(ReqCompletedOrders(api_only)), timeout, api_only=api_only)
        return result

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    market_data = front_method(flow_market_data)
    snapshot = front_method(flow_snapshot)
    contract_details = front_method(flow_contract_details)
    qualify = front_method(flow_qualify)
    historical_bars = front_method(flow_historical_bars)
    account_summary = front_method(flow_account_summary)
    completed_orders = front_method(flow_completed_orders)

