"""Typed models (dataclasses): IB's field names in snake_case, unset values as None."""

from .account import AccountValue, PortfolioItem, Position
from .contract import (
    ComboLeg,
    Contract,
    DeltaNeutralContract,
    Forex,
    Future,
    FuturesOption,
    Option,
    Stock,
)
from .depth import DepthLevel, DepthMktDataDescription, DepthOperation, DepthSide, SmartComponent
from .execution import CommissionReport, Execution, ExecutionFilter
from .market import BarData, ContractDetails, TickType
from .option import OptionChain, OptionComputation
from .order import (
    CONDITION_TYPES,
    ExecutionCondition,
    LimitOrder,
    MarginCondition,
    MarketOrder,
    Order,
    OrderComboLeg,
    OrderCondition,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    SoftDollarTier,
    StopLimitOrder,
    StopOrder,
    TimeCondition,
    VolumeCondition,
)
from .order_types import (
    ALGOS,
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
from .reference import (
    HistogramData,
    HistoricalSession,
    MarketRule,
    PriceIncrement,
    TradingSchedule,
    TradingSession,
)
from .tag_value import TagValue

__all__ = [
    "CONDITION_TYPES", "ExecutionCondition", "MarginCondition", "OrderComboLeg", "OrderCondition",
    "PercentChangeCondition", "PriceCondition", "TimeCondition", "VolumeCondition",
    "AccountValue", "PortfolioItem", "Position", "CommissionReport", "Execution", "ExecutionFilter",
    "ComboLeg", "Contract", "DeltaNeutralContract", "Forex", "Future", "Stock", "TagValue",
    "LimitOrder", "MarketOrder", "Order", "OrderState", "SoftDollarTier", "StopLimitOrder",
    "StopOrder", "ALGOS", "Bracket", "LimitIfTouchedOrder", "LimitOnCloseOrder",
    "MarketIfTouchedOrder", "MarketOnCloseOrder", "PeggedToMidpointOrder", "RelativeOrder",
    "TrailingStopLimitOrder", "TrailingStopOrder", "WhatIf", "algo", "bracket", "oca", "when",
    "BarData", "ContractDetails", "TickType",
    "DepthLevel", "DepthMktDataDescription", "DepthOperation", "DepthSide", "SmartComponent",
    "FuturesOption", "Option", "OptionChain", "OptionComputation",
    "HistogramData", "HistoricalSession", "MarketRule", "PriceIncrement", "TradingSchedule",
    "TradingSession",
]
