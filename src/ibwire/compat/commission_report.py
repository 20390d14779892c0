"""CommissionReport, as in the official ``ibapi.commission_report``."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import Object
from .common import UNSET_DOUBLE

__all__ = ["CommissionReport"]


@dataclass
class CommissionReport(Object):
    """``realizedPNL`` and ``yield_`` are UNSET_DOUBLE when TWS leaves them unset (it sends
    Double.MAX_VALUE, which is what an ibapi program sees)."""

    execId: str = ""
    commission: float = 0.0
    currency: str = ""
    realizedPNL: float = UNSET_DOUBLE
    yield_: float = UNSET_DOUBLE
    yieldRedemptionDate: int = 0  # YYYYMMDD
