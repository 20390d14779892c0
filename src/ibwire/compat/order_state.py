"""OrderState, as in the official ``ibapi.order_state``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ._base import Object
from .common import UNSET_DECIMAL, UNSET_DOUBLE

__all__ = ["OrderState", "OrderAllocation"]


@dataclass
class OrderAllocation(Object):
    account: str = ""
    position: Decimal = UNSET_DECIMAL
    positionDesired: Decimal = UNSET_DECIMAL
    positionAfter: Decimal = UNSET_DECIMAL
    desiredAllocQty: Decimal = UNSET_DECIMAL
    allowedAllocQty: Decimal = UNSET_DECIMAL
    isMonetary: bool = False


@dataclass
class OrderState(Object):
    status: str = ""
    initMarginBefore: str = ""
    maintMarginBefore: str = ""
    equityWithLoanBefore: str = ""
    initMarginChange: str = ""
    maintMarginChange: str = ""
    equityWithLoanChange: str = ""
    initMarginAfter: str = ""
    maintMarginAfter: str = ""
    equityWithLoanAfter: str = ""
    commission: float = UNSET_DOUBLE
    minCommission: float = UNSET_DOUBLE
    maxCommission: float = UNSET_DOUBLE
    commissionCurrency: str = ""
    warningText: str = ""
    completedTime: str = ""
    completedStatus: str = ""
    marginCurrency: str = ""
    initMarginBeforeOutsideRTH: float = UNSET_DOUBLE
    maintMarginBeforeOutsideRTH: float = UNSET_DOUBLE
    equityWithLoanBeforeOutsideRTH: float = UNSET_DOUBLE
    initMarginChangeOutsideRTH: float = UNSET_DOUBLE
    maintMarginChangeOutsideRTH: float = UNSET_DOUBLE
    equityWithLoanChangeOutsideRTH: float = UNSET_DOUBLE
    initMarginAfterOutsideRTH: float = UNSET_DOUBLE
    maintMarginAfterOutsideRTH: float = UNSET_DOUBLE
    equityWithLoanAfterOutsideRTH: float = UNSET_DOUBLE
    suggestedSize: Decimal = UNSET_DECIMAL
    rejectReason: str = ""
    orderAllocations: list[OrderAllocation] = field(default_factory=list)
