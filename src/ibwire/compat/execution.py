"""Execution and ExecutionFilter, as in the official ``ibapi.execution``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ._base import Object
from .common import UNSET_DECIMAL, UNSET_INTEGER

__all__ = ["Execution", "ExecutionFilter"]


@dataclass
class Execution(Object):
    """A fill. ``time`` is TWS's text ("20231115 09:20:44 US/Eastern"); shares are Decimals."""

    execId: str = ""
    time: str = ""
    acctNumber: str = ""
    exchange: str = ""
    side: str = ""
    shares: Decimal = UNSET_DECIMAL
    price: float = 0.0
    permId: int = 0
    clientId: int = 0
    orderId: int = 0
    liquidation: int = 0
    cumQty: Decimal = UNSET_DECIMAL
    avgPrice: float = 0.0
    orderRef: str = ""
    evRule: str = ""
    evMultiplier: float = 0.0
    modelCode: str = ""
    lastLiquidity: int = 0
    pendingPriceRevision: bool = False
    submitter: str = ""
    optExerciseOrLapseType: int = -1
    """The official client's OptionExerciseType code (-1 none, 1 exercise, 2 lapse, 3 do nothing,
    100 assigned, 101 / 200 auto-exercise clearing / trading, 102 expired, 103 netting); ibapi
    10.51 holds the enum member whose value starts with this code."""


@dataclass
class ExecutionFilter(Object):
    """Which executions ``reqExecutions`` returns; empty fields match everything."""

    clientId: int = 0
    acctCode: str = ""
    time: str = ""
    symbol: str = ""
    secType: str = ""
    exchange: str = ""
    side: str = ""
    lastNDays: int = UNSET_INTEGER
    specificDates: list[int] = field(default_factory=list)
