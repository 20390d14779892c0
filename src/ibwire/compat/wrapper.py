"""EWrapper for programs written against the official ``ibapi.wrapper``.

The callbacks and their arguments are the official ones; with :class:`ibwire.compat.client.EClient`
they receive :mod:`ibwire.compat` objects. ``from ibwire.compat.wrapper import *`` brings the names
``from ibapi.wrapper import *`` does for typical programs.
"""

from __future__ import annotations

from ..client.ewrapper import EWrapper as _TypedEWrapper
from .commission_report import CommissionReport
from .common import (
    NO_VALID_ID,
    UNSET_DECIMAL,
    UNSET_DOUBLE,
    UNSET_INTEGER,
    UNSET_LONG,
    BarData,
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    OrderId,
    RealTimeBar,
    TickAttrib,
    TickAttribBidAsk,
    TickAttribLast,
    TickerId,
)
from .contract import Contract, ContractDetails, DeltaNeutralContract
from .execution import Execution
from .order import Order
from .order_state import OrderState
from .ticktype import TickType, TickTypeEnum
from .utils import iswrapper

__all__ = [
    "EWrapper", "Contract", "ContractDetails", "DeltaNeutralContract", "Order", "OrderState",
    "Execution", "CommissionReport", "BarData", "TickAttrib", "TickerId", "OrderId", "TickType",
    "TickTypeEnum", "iswrapper", "NO_VALID_ID", "UNSET_INTEGER", "UNSET_DOUBLE", "UNSET_LONG",
    "UNSET_DECIMAL", "TickAttribLast", "TickAttribBidAsk", "HistoricalTick", "HistoricalTickBidAsk",
    "HistoricalTickLast", "RealTimeBar",
]


class EWrapper(_TypedEWrapper):
    """Override the callbacks you use; the defaults do nothing (``error`` logs)."""
