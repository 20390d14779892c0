"""ibwire: the Interactive Brokers TWS API socket protocol, client and paper gateway.

Public names (stable): Broker, AsyncBroker, EClient, EWrapper, Contract, Stock, Future, Forex, Option,
FuturesOption, Order,
MarketOrder, LimitOrder, StopOrder, StopLimitOrder, and the exceptions of :mod:`ibwire.errors`.
The paper gateway is :class:`ibwire.gateway.PaperGateway`.

Names load on first use (``from ibwire import EClient`` imports the EClient and what it needs,
not the Broker, the AsyncBroker or the journal), so a program pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client.aio import AsyncBroker
    from .client.book import DepthUpdate, OrderBook
    from .client.broker import Broker
    from .client.eclient import EClient
    from .client.ewrapper import EWrapper
    from .client.pnl import PnL, PnLSingle
    from .client.reconcile import OrderGap, ReconcileReport
    from .client.state import ConnectionState, FillEvent, GapEvent, Notice, OrderEvent, StateChanged
    from .client.ticker import Ticker
    from .client.tickets import BlockingCallOnLoop, Fill, OrderTicket
    from .errors import (
        CancelRejected,
        ConnectError,
        ConnectionLost,
        ContractError,
        HistoricalDataError,
        IbwireError,
        LocalProtocolError,
        OrderRejected,
        PacingViolation,
        ProtocolError,
        RemoteProtocolError,
        RequestError,
        RequestTimeout,
        ServerTooOld,
    )
    from .models import (
        AccountValue,
        CommissionReport,
        Contract,
        Execution,
        ExecutionFilter,
        Forex,
        Future,
        FuturesOption,
        LimitOrder,
        MarketOrder,
        Option,
        OptionChain,
        OptionComputation,
        Order,
        OrderState,
        PortfolioItem,
        Position,
        Stock,
        StopLimitOrder,
        StopOrder,
        TagValue,
    )
    from .models.bar import AccountSummaryItem, Bar
    from .models.market import ContractDetails
    from .models.order_types import (
        Bracket,
        LimitIfTouchedOrder,
        LimitOnCloseOrder,
        MarketIfTouchedOrder,
        MarketOnCloseOrder,
        PeggedToMidpointOrder,
        RelativeOrder,
        TrailingStopLimitOrder,
        TrailingStopOrder,
        WhatIf,
        algo,
        bracket,
        oca,
        when,
    )
    from .models.reference import (
        HistogramData,
        MarketRule,
        PriceIncrement,
        TradingSchedule,
        TradingSession,
    )

_WHERE: dict[str, str] = {
    "AsyncBroker": ".client.aio",
    "Broker": ".client.broker",
    "DepthUpdate": ".client.book",
    "OrderBook": ".client.book",
    "EClient": ".client.eclient",
    "EWrapper": ".client.ewrapper",
    "PnL": ".client.pnl",
    "PnLSingle": ".client.pnl",
    "OrderGap": ".client.reconcile",
    "ReconcileReport": ".client.reconcile",
    "ConnectionState": ".client.state",
    "FillEvent": ".client.state",
    "GapEvent": ".client.state",
    "Notice": ".client.state",
    "OrderEvent": ".client.state",
    "StateChanged": ".client.state",
    "Ticker": ".client.ticker",
    "BlockingCallOnLoop": ".client.tickets",
    "Fill": ".client.tickets",
    "OrderTicket": ".client.tickets",
    "CancelRejected": ".errors",
    "ConnectError": ".errors",
    "ConnectionLost": ".errors",
    "ContractError": ".errors",
    "HistoricalDataError": ".errors",
    "IbwireError": ".errors",
    "LocalProtocolError": ".errors",
    "OrderRejected": ".errors",
    "PacingViolation": ".errors",
    "ProtocolError": ".errors",
    "RemoteProtocolError": ".errors",
    "RequestError": ".errors",
    "RequestTimeout": ".errors",
    "ServerTooOld": ".errors",
    "AccountValue": ".models",
    "CommissionReport": ".models",
    "Contract": ".models",
    "Execution": ".models",
    "ExecutionFilter": ".models",
    "Forex": ".models",
    "Future": ".models",
    "FuturesOption": ".models",
    "Option": ".models",
    "OptionChain": ".models",
    "OptionComputation": ".models",
    "LimitOrder": ".models",
    "MarketOrder": ".models",
    "Order": ".models",
    "OrderState": ".models",
    "PortfolioItem": ".models",
    "Position": ".models",
    "Stock": ".models",
    "StopLimitOrder": ".models",
    "StopOrder": ".models",
    "TagValue": ".models",
    "AccountSummaryItem": ".models.bar",
    "Bar": ".models.bar",
    "ContractDetails": ".models.market",
    "HistogramData": ".models.reference",
    "MarketRule": ".models.reference",
    "PriceIncrement": ".models.reference",
    "TradingSchedule": ".models.reference",
    "TradingSession": ".models.reference",
    "Bracket": ".models.order_types",
    "LimitIfTouchedOrder": ".models.order_types",
    "LimitOnCloseOrder": ".models.order_types",
    "MarketIfTouchedOrder": ".models.order_types",
    "MarketOnCloseOrder": ".models.order_types",
    "PeggedToMidpointOrder": ".models.order_types",
    "RelativeOrder": ".models.order_types",
    "TrailingStopLimitOrder": ".models.order_types",
    "TrailingStopOrder": ".models.order_types",
    "WhatIf": ".models.order_types",
    "algo": ".models.order_types",
    "bracket": ".models.order_types",
    "oca": ".models.order_types",
    "when": ".models.order_types",
}
"""Public name -> the module that defines it (loaded when the name is first used)."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ibwire' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "AsyncBroker", "Broker", "EClient", "EWrapper", "OrderGap", "ReconcileReport",
    "ConnectionState", "FillEvent", "GapEvent", "Notice", "OrderEvent", "StateChanged", "Ticker",
    "Fill", "OrderTicket", "BlockingCallOnLoop", "OrderBook", "DepthUpdate", "PnL", "PnLSingle",
    "CancelRejected", "ConnectError", "ConnectionLost", "ContractError", "HistoricalDataError",
    "IbwireError", "LocalProtocolError", "OrderRejected", "PacingViolation", "ProtocolError",
    "RemoteProtocolError", "RequestError", "RequestTimeout", "ServerTooOld",
    "AccountValue", "CommissionReport", "Contract", "Execution", "ExecutionFilter", "Forex", "Future",
    "LimitOrder", "MarketOrder", "Order", "OrderState", "PortfolioItem", "Position", "Stock",
    "StopLimitOrder", "StopOrder", "TagValue", "AccountSummaryItem", "Bar", "ContractDetails",
    "Option", "FuturesOption", "OptionChain", "OptionComputation",
    "HistogramData", "MarketRule", "PriceIncrement", "TradingSchedule", "TradingSession",
    "Bracket", "LimitIfTouchedOrder", "LimitOnCloseOrder", "MarketIfTouchedOrder",
    "MarketOnCloseOrder", "PeggedToMidpointOrder", "RelativeOrder", "TrailingStopLimitOrder",
    "TrailingStopOrder", "WhatIf", "algo", "bracket", "oca", "when",
    "__version__",
]
