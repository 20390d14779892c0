"""The one list of request flows that both front ends expose.

A flow is a generator method of the shared core (``flow_positions``, ``flow_historical_bars``
...): it sends, then yields what it waits for. :class:`Flows` lists each once as a
:class:`front_method`; :class:`~ibwire.Broker` turns it into a blocking method and
:class:`~ibwire.AsyncBroker` into a coroutine method, both with the flow's real signature and
docstring (``help(Broker.historical_bars)`` shows its parameters). A new request adds one line
here (and its flow in its domain's mixin); neither front end repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .core import BrokerCore, Flow
from .depth import DepthMixin
from .discovery import DiscoveryMixin
from .market import MarketMixin
from .news import NewsMixin
from .options import OptionsMixin
from .order_types import OrderTypesMixin
from .orders import OrdersMixin
from .pnl import PnLMixin
from .reconcile import ReconcileMixin
from .reference import ReferenceMixin
from .scanner import ScannerMixin
from .ticks import TicksMixin

__all__ = ["front_method", "Flows", "SyncFront", "AsyncFront"]

P = ParamSpec("P")
T = TypeVar("T")

FlowFn = Callable[Concatenate[Any, P], Flow[T]]


class SyncFront:
    """A front end whose flows block the calling thread (the Broker)."""

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        raise NotImplementedError


class AsyncFront:
    """A front end whose flows are coroutines (the AsyncBroker)."""

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        raise NotImplementedError


class front_method(Generic[P, T]):  # noqa: N801 - used like a decorator
    """A flow as a front-end method: blocking on a :class:`SyncFront`, a coroutine on an
    :class:`AsyncFront` (each front end's ``_wrap_flow`` makes it, once per class)."""

    def __init__(self, fn: FlowFn[P, T]) -> None:
        self.fn = fn
        self._made: dict[type, Callable[..., Any]] = {}

    def _for(self, owner: type) -> Callable[..., Any]:
        made = self._made.get(owner)
        if made is None:
            made = owner._wrap_flow(self.fn)  # type: ignore[attr-defined]
            self._made[owner] = made
        return made

    @overload
    def __get__(self, obj: AsyncFront, owner: type | None = None
                ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    @overload
    def __get__(self, obj: SyncFront, owner: type | None = None) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[..., Any]: ...

    def __get__(self, obj: object, owner: type | None = None) -> Callable[..., Any]:
        cls = owner if owner is not None else type(obj)
        fn = self._for(cls)
        if obj is None:
            return fn
        return fn.__get__(obj, cls)  # type: ignore[no-any-return]


class Flows:
    """Every request flow the Broker and the AsyncBroker expose, once."""

    current_time = front_method(BrokerCore.flow_current_time)
    next_order_id = front_method(BrokerCore.flow_next_order_id)
    positions = front_method(BrokerCore.flow_positions)
    account_values = front_method(BrokerCore.flow_account_values)
    portfolio = front_method(BrokerCore.flow_portfolio)
    open_orders = front_method(OrdersMixin.flow_open_orders)
    executions = front_method(OrdersMixin.flow_executions)
    submit_order = front_method(OrdersMixin.flow_submit_order)
    cancel_order = front_method(OrdersMixin.flow_cancel_order)
    market_data = front_method(MarketMixin.flow_market_data)
    snapshot = front_method(MarketMixin.flow_snapshot)
    contract_details = front_method(MarketMixin.flow_contract_details)
    qualify = front_method(MarketMixin.flow_qualify)
    historical_bars = front_method(MarketMixin.flow_historical_bars)
    account_summary = front_method(MarketMixin.flow_account_summary)
    completed_orders = front_method(MarketMixin.flow_completed_orders)
    reconcile = front_method(ReconcileMixin.flow_reconcile)
    # market depth (issue 13): order books, depth exchanges, SMART components
    market_depth = front_method(DepthMixin.flow_market_depth)
    depth_exchanges = front_method(DepthMixin.flow_depth_exchanges)
    smart_components = front_method(DepthMixin.flow_smart_components)
    # options (issue 14)
    option_chain = front_method(OptionsMixin.flow_option_chain)
    implied_volatility = front_method(OptionsMixin.flow_implied_volatility)
    option_price = front_method(OptionsMixin.flow_option_price)
    exercise = front_method(OptionsMixin.flow_exercise)
    # PnL and soft dollar tiers (issue 14, client/pnl.py)
    pnl = front_method(PnLMixin.flow_pnl)
    pnl_single = front_method(PnLMixin.flow_pnl_single)
    soft_dollar_tiers = front_method(PnLMixin.flow_soft_dollar_tiers)
    # tick-level market data (issue 13: client/ticks.py)
    tick_by_tick = front_method(TicksMixin.flow_tick_by_tick)
    realtime_bars = front_method(TicksMixin.flow_realtime_bars)
    historical_ticks = front_method(TicksMixin.flow_historical_ticks)
    # historical reference data (issue 13: client/reference.py)
    head_timestamp = front_method(ReferenceMixin.flow_head_timestamp)
    histogram = front_method(ReferenceMixin.flow_histogram)
    market_rule = front_method(ReferenceMixin.flow_market_rule)
    price_rule = front_method(ReferenceMixin.flow_price_rule)
    round_price = front_method(ReferenceMixin.flow_round_price)
    historical_schedule = front_method(ReferenceMixin.flow_historical_schedule)
    # discovery (issue 15, client/discovery.py): symbol search, family codes, user info, config
    search_symbols = front_method(DiscoveryMixin.flow_search_symbols)
    family_codes = front_method(DiscoveryMixin.flow_family_codes)
    user_info = front_method(DiscoveryMixin.flow_user_info)
    config = front_method(DiscoveryMixin.flow_config)
    update_config = front_method(DiscoveryMixin.flow_update_config)
    # order types (issue 14, client/order_types.py): what-if previews, brackets, OCA groups
    what_if = front_method(OrderTypesMixin.flow_what_if)
    submit_bracket = front_method(OrderTypesMixin.flow_submit_bracket)
    submit_oca = front_method(OrderTypesMixin.flow_submit_oca)
    transmit = front_method(OrderTypesMixin.flow_transmit)
    # scanner and news (issue 15)
    scanner_parameters = front_method(ScannerMixin.flow_scanner_parameters)
    scan = front_method(ScannerMixin.flow_scan)
    scan_subscription = front_method(ScannerMixin.flow_scan_subscription)
    news_providers = front_method(NewsMixin.flow_news_providers)
    historical_news = front_method(NewsMixin.flow_historical_news)
    news_article = front_method(NewsMixin.flow_news_article)
    news = front_method(NewsMixin.flow_news)
    news_bulletins = front_method(NewsMixin.flow_news_bulletins)
