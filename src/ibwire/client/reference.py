"""Historical reference data on :class:`~ibwire.Broker` / :class:`~ibwire.AsyncBroker`: head
timestamps, histograms, market rules (and rounding a price onto a contract's grid) and trading
schedules (issue 13).

Each call sends one request and waits for its one answer (never re-sent: TWS paces historical
requests); a timeout cancels what can be cancelled and raises
:class:`~ibwire.RequestTimeout`. Market rules do not change: each rule id is asked for once per
Broker and kept (``market_rules`` holds them, local state).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import (
    ContractError,
    HistoricalDataError,
    IbwireError,
    RequestError,
    RequestTimeout,
)
from ..models import Contract
from ..models.market import ContractDetails
from ..models.reference import (
    HistogramData,
    MarketRule,
    TradingSchedule,
    TradingSession,
)
from ..protocol.codec import parse_tws_time
from ..protocol.messages.historical import CancelHistoricalData, ReqHistoricalData
from ..protocol.messages.reference import (
    CancelHeadTimestamp,
    CancelHistogramData,
    HeadTimestamp,
    HistogramDataMsg,
    HistoricalSchedule,
    MarketRuleMsg,
    ReqHeadTimestamp,
    ReqHistogramData,
    ReqMarketRule,
)
from ..protocol.messages.system import ErrMsg
from ..protocol.schema import Message
from .core import BrokerCore, Flow, Wait
from .flows import front_method
from .requests import Pending

__all__ = ["ReferenceMixin", "parse_head_timestamp"]

log = logging.getLogger("ibwire.broker")

_RULE_ERROR = re.compile(r"market rule id:?\s*(-?\d+)", re.IGNORECASE)


def parse_head_timestamp(text: str) -> datetime:
    """HEAD_TIMESTAMP's text as an aware datetime: epoch seconds (format date 2),
    ``yyyyMMdd-HH:mm:ss`` (UTC) or ``yyyyMMdd HH:mm:ss zone``."""
    t = text.strip()
    if t.isdigit():
        return datetime.fromtimestamp(int(t), tz=UTC)
    return parse_tws_time(t)


def _local_time(text: str, zone: ZoneInfo) -> datetime:
    """``yyyyMMdd-HH:mm:ss`` in ``zone`` (HISTORICAL_SCHEDULE's times)."""
    return datetime.strptime(text.strip(), "%Y%m%d-%H:%M:%S").replace(tzinfo=zone)


def _schedule(msg: HistoricalSchedule) -> TradingSchedule:
    name = msg.time_zone or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise IbwireError(f"HISTORICAL_SCHEDULE names an unknown time zone {name!r}") from exc
    sessions = tuple(
        TradingSession(_local_time(s.start_date_time or "", zone),
                       _local_time(s.end_date_time or "", zone),
                       datetime.strptime(s.ref_date or "", "%Y%m%d").date())
        for s in msg.sessions)
    return TradingSchedule(_local_time(msg.start_date_time or "", zone),
                           _local_time(msg.end_date_time or "", zone), name, sessions)


class ReferenceMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        HeadTimestamp: "_on_head_timestamp",
        HistogramDataMsg: "_on_histogram",
        MarketRuleMsg: "_on_market_rule",
        HistoricalSchedule: "_on_schedule",
    }

    if TYPE_CHECKING:  # (MarketMixin's, beside this one in the Broker's mixin chain)
        def flow_contract_details(self, contract: Contract, timeout: float | None = None
                                  ) -> Flow[list[ContractDetails]]: ...

    def _init_state(self) -> None:
        super()._init_state()
        self._market_rules: dict[int, MarketRule] = {}

    @property
    def market_rules(self) -> dict[int, MarketRule]:
        """The market rules received so far, by id (local state: a property on Broker and
        AsyncBroker)."""
        return dict(self._market_rules)

    # --- replies ----------------------------------------------------------------------------

    def _finish(self, req_id: int | None, make: Callable[[], Any]) -> None:
        p = self._registry.get(req_id) if req_id is not None else None
        if p is None:
            return
        try:
            p.finish(make())
        except (IbwireError, ValueError) as exc:
            p.fail(HistoricalDataError(162, f"cannot read the answer: {exc}", req_id or -1))

    def _on_head_timestamp(self, msg: HeadTimestamp) -> None:
        self._finish(msg.req_id, lambda: parse_head_timestamp(msg.head_timestamp or ""))

    def _on_histogram(self, msg: HistogramDataMsg) -> None:
        self._finish(msg.req_id, lambda: list(msg.items))

    def _on_schedule(self, msg: HistoricalSchedule) -> None:
        self._finish(msg.req_id, lambda: _schedule(msg))

    def _on_market_rule(self, msg: MarketRuleMsg) -> None:
        if msg.market_rule_id is None:
            return
        rule = MarketRule(msg.market_rule_id, list(msg.price_increments))
        self._market_rules[rule.market_rule_id] = rule
        p = self._registry.get(f"market_rule:{rule.market_rule_id}")
        if p is not None:
            p.finish(rule)

    def _on_error(self, msg: ErrMsg) -> None:
        # MARKET_RULE has no request id: TWS's error for a bad rule id comes with id -1
        if (msg.req_id is None or msg.req_id < 0) and msg.error_string:
            m = _RULE_ERROR.search(msg.error_string)
            p = self._registry.get(f"market_rule:{m.group(1)}") if m else None
            if p is not None:
                self._registry.discard(p)
                p.fail(RequestError(msg.error_code or 0, msg.error_string, -1))
        super()._on_error(msg)

    # --- requests ---------------------------------------------------------------------------

    def _ask(self, name: str, key: int | str, request: Message, cancel: Message | None,
             timeout: float | None) -> Flow[Any]:
        """Send ``request`` once and wait for the reply registered under ``key``."""
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        p: Pending[Any] = Pending(name, key)
        self._registry.add(p)
        try:
            self._send(request)
            if not (yield Wait(p, total)):
                if cancel is not None and self._transport_connected():
                    self._send(cancel)
                raise RequestTimeout(name, total)
            return p.check()
        finally:
            self._registry.discard(p)

    def flow_head_timestamp(self, contract: Contract, what_to_show: str = "TRADES",
                            use_rth: bool = True, timeout: float | None = None
                            ) -> Flow[datetime]:
        """When the earliest ``what_to_show`` data (TRADES, MIDPOINT, BID, ASK ...) of
        ``contract`` begins, as an aware UTC datetime (regular hours only with ``use_rth``).
        Raises HistoricalDataError (162) when TWS has none, ContractError (200) for an unknown
        contract."""
        req_id = self._registry.next_id()
        result: datetime = yield from self._ask(
            "head timestamp", req_id, ReqHeadTimestamp(req_id, contract, what_to_show, use_rth, 2),
            CancelHeadTimestamp(req_id), timeout)
        return result

    def flow_histogram(self, contract: Contract, period: str = "1 week", use_rth: bool = True,
                       timeout: float | None = None) -> Flow[list[HistogramData]]:
        """How much traded at each price over ``period`` (``"3 days"``, ``"1 week"``,
        ``"1 month"``): rows of price and size, lowest price first as TWS sends them."""
        req_id = self._registry.next_id()
        result: list[HistogramData] = yield from self._ask(
            "histogram", req_id, ReqHistogramData(req_id, contract, use_rth, period),
            CancelHistogramData(req_id), timeout)
        return result

    def flow_market_rule(self, rule_id: int, timeout: float | None = None) -> Flow[MarketRule]:
        """The price increments of market rule ``rule_id`` (an id of a contract's
        ``ContractDetails.market_rule_ids``); asked for once, then kept."""
        if isinstance(rule_id, bool) or not isinstance(rule_id, int):
            raise TypeError(f"a market rule id is an int, not {rule_id!r}")
        known = self._market_rules.get(rule_id)
        if known is not None:
            return known
        existing = self._registry.get(f"market_rule:{rule_id}")
        if existing is not None:  # the same rule is already being asked for: share the answer
            total = self.timeout if timeout is None else timeout
            if not (yield Wait(existing, total)):
                raise RequestTimeout(f"market rule {rule_id}", total)
            shared: MarketRule = existing.check()
            return shared
        result: MarketRule = yield from self._ask(
            f"market rule {rule_id}", f"market_rule:{rule_id}", ReqMarketRule(rule_id), None,
            timeout)
        return result

    def flow_price_rule(self, contract: Contract, timeout: float | None = None
                        ) -> Flow[MarketRule]:
        """The market rule valid for ``contract`` on its exchange (SMART, or the one given): the
        rule id CONTRACT_DATA's ``market_rule_ids`` lists for that exchange of its
        ``valid_exchanges``."""
        details: list[ContractDetails] = yield from self.flow_contract_details(contract, timeout)
        if len(details) != 1:
            what = "no contract" if not details else f"{len(details)} contracts"
            raise ContractError(200, f"{contract} matches {what}; a price rule needs one", -1)
        d = details[0]
        ids = [x.strip() for x in (d.market_rule_ids or "").split(",")]
        exchanges = [x.strip() for x in (d.valid_exchanges or "").split(",")]
        want = (contract.exchange or d.contract.exchange or "").upper()
        rid = next((r for e, r in zip(exchanges, ids) if e.upper() == want and r), None)
        if rid is None:
            rid = next((r for r in ids if r), None)
        if rid is None or not rid.lstrip("-").isdigit():
            raise IbwireError(f"{contract}: TWS names no market rule ({d.market_rule_ids!r})")
        rule: MarketRule = yield from self.flow_market_rule(int(rid), timeout)
        return rule

    def flow_round_price(self, contract: Contract, price: float, direction: str = "nearest",
                         timeout: float | None = None) -> Flow[float]:
        """``price`` rounded onto ``contract``'s valid increment at that price (its market
        rule; ``direction`` ``"nearest"``, ``"down"`` or ``"up"``). The rule is asked for once;
        ``broker.price_rule(contract).round(price)`` rounds many prices without asking again."""
        rule: MarketRule = yield from self.flow_price_rule(contract, timeout)
        return rule.round(price, direction)

    def flow_historical_schedule(self, contract: Contract, duration: str = "5 D",
                                 end: datetime | None = None, use_rth: bool = True,
                                 timeout: float | None = None) -> Flow[TradingSchedule]:
        """The trading sessions of ``duration`` (``"5 D"``, ``"2 W"``, ``"1 M"``) before ``end``
        (now when None): REQ_HISTORICAL_DATA with whatToShow SCHEDULE (server version 165 and
        later). Sessions are aware datetimes in the exchange's time zone."""
        if end is not None and end.tzinfo is None:
            raise ValueError("end must be an aware datetime (give it a time zone)")
        end_text = "" if end is None else end.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")
        req_id = self._registry.next_id()
        result: TradingSchedule = yield from self._ask(
            "historical schedule", req_id,
            ReqHistoricalData(req_id, contract, end_text, "1 day", duration, use_rth, "SCHEDULE",
                              1, False),
            CancelHistoricalData(req_id), timeout)
        return result

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    head_timestamp = front_method(flow_head_timestamp)
    histogram = front_method(flow_histogram)
    market_rule = front_method(flow_market_rule)
    price_rule = front_method(flow_price_rule)
    round_price = front_method(flow_round_price)
    historical_schedule = front_method(flow_historical_schedule)
