"""EWrapper for programs written against the official ``ibapi.wrapper``.

The callbacks and their arguments are the official ones; with :class:`ibwire.compat.client.EClient`
they receive :mod:`ibwire.compat` objects. ``from ibwire.compat.wrapper import *`` brings the names
``from ibapi.wrapper import *`` does for typical programs.
"""

from __future__ import annotations

from ..client.ewrapper import EWrapper as _TypedEWrapper
from .commission_report import CommissionReport
from .common import *  # noqa: F403 - the names ibapi.wrapper re-exports
from .common import BarData, OrderId, TickAttrib, TickerId
from .contract import Contract, ContractDetails, DeltaNeutralContract
from .execution import Execution
from .order import Order
from .order_state import OrderState
from .ticktype import TickType, TickTypeEnum
from .utils import iswrapper

__all__ = [
    "EWrapper", "Contract", "ContractDetails", "DeltaNeutralContract", "Order", "OrderState",
    "Execution", "CommissionReport", "BarData", "TickAttrib", "TickerId", "OrderId", "TickType",
    "TickTypeEnum", "iswrapper",
]


class EWrapper(_TypedEWrapper):
    """Override the callbacks you use; the defaults do nothing (``error`` logs)."""
