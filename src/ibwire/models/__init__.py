"""Typed models (dataclasses): IB's field names in snake_case, unset values as None."""

from .account import AccountValue, PortfolioItem, Position
from .contract import ComboLeg, Contract, DeltaNeutralContract, Forex, Future, Stock
from .execution import CommissionReport, Execution, ExecutionFilter
from .market import BarData, ContractDetails, TickType
from .order import (
    LimitOrder,
    MarketOrder,
    Order,
    OrderState,
    SoftDollarTier,
    StopLimitOrder,
    StopOrder,
)
from .tag_value import TagValue

__all__ = [
    "AccountValue", "PortfolioItem", "Position", "CommissionReport", "Execution", "ExecutionFilter",
    "ComboLeg", "Contract", "DeltaNeutralContract", "Forex", "Future", "Stock", "TagValue",
    "LimitOrder", "MarketOrder", "Order", "OrderState", "SoftDollarTier", "StopLimitOrder",
    "StopOrder",
    "BarData", "ContractDetails", "TickType",
]
