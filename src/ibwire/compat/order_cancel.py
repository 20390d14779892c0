"""OrderCancel, as in the official ``ibapi.order_cancel`` (10.51's ``cancelOrder`` /
``reqGlobalCancel`` argument; its fields travel from server version 192)."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import Object
from .common import UNSET_INTEGER

__all__ = ["OrderCancel"]


@dataclass
class OrderCancel(Object):
    manualOrderCancelTime: str = ""
    extOperator: str = ""
    manualOrderIndicator: int = UNSET_INTEGER
