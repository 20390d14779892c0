"""ibwire: the Interactive Brokers TWS API socket protocol, client and paper gateway.

Public names (stable): Broker, AsyncBroker, EClient, EWrapper, Contract, Stock, Future, Forex, Order,
MarketOrder, LimitOrder, StopOrder, StopLimitOrder, and the exceptions of :mod:`ibwire.errors`.
The paper gateway is :class:`ibwire.gateway.PaperGateway`.
"""

from .client.aio import AsyncBroker
from .client.broker import Broker
from .client.eclient import EClient
from .client.ewrapper import EWrapper
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
)
from .models import (
    AccountValue,
    CommissionReport,
    Contract,
    Execution,
    ExecutionFilter,
    Forex,
    Future,
    LimitOrder,
    MarketOrder,
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

__version__ = "0.1.0"

__all__ = [
    "AsyncBroker", "Broker", "EClient", "EWrapper", "OrderGap", "ReconcileReport",
    "ConnectionState", "FillEvent", "GapEvent", "Notice", "OrderEvent", "StateChanged", "Ticker",
    "Fill", "OrderTicket", "BlockingCallOnLoop",
    "CancelRejected", "ConnectError", "ConnectionLost", "ContractError", "HistoricalDataError",
    "IbwireError", "LocalProtocolError", "OrderRejected", "PacingViolation", "ProtocolError",
    "RemoteProtocolError", "RequestError", "RequestTimeout",
    "AccountValue", "CommissionReport", "Contract", "Execution", "ExecutionFilter", "Forex", "Future",
    "LimitOrder", "MarketOrder", "Order", "OrderState", "PortfolioItem", "Position", "Stock",
    "StopLimitOrder", "StopOrder", "TagValue", "AccountSummaryItem", "Bar", "ContractDetails",
    "__version__",
]
