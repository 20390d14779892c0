"""Orders and their state. Field names are IB's, in snake_case.

NOTE: the orders domain completes this model with every field OPEN_ORDER / PLACE_ORDER carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..protocol.codec import TagValue

__all__ = ["Order", "OrderState", "SoftDollarTier", "MarketOrder", "LimitOrder", "StopOrder",
           "StopLimitOrder"]


@dataclass(slots=True)
class SoftDollarTier:
    name: str | None = None
    value: str | None = None
    display_name: str | None = None


@dataclass(slots=True)
class Order:
    order_id: int | None = 0
    client_id: int | None = 0
    perm_id: int | None = 0
    action: str | None = None  # BUY / SELL
    total_quantity: Decimal | None = Decimal(0)
    order_type: str | None = None  # MKT, LMT, STP, STP LMT ...
    lmt_price: float | None = None
    aux_price: float | None = None
    tif: str | None = None  # DAY, GTC, IOC ...
    oca_group: str | None = None
    account: str | None = None
    open_close: str | None = None
    origin: int | None = 0
    order_ref: str | None = None
    transmit: bool | None = True
    parent_id: int | None = 0
    outside_rth: bool | None = False
    hidden: bool | None = False
    algo_params: list[TagValue] = field(default_factory=list)
    soft_dollar_tier: SoftDollarTier = field(default_factory=SoftDollarTier)


@dataclass(slots=True)
class OrderState:
    status: str | None = None
    commission: float | None = None
    min_commission: float | None = None
    max_commission: float | None = None
    commission_currency: str | None = None
    warning_text: str | None = None


def _qty(quantity: Decimal | int | float | str) -> Decimal:
    q = Decimal(str(quantity))
    if not q.is_finite():
        raise ValueError(f"quantity must be a finite number, not {quantity!r}")
    return q


def MarketOrder(action: str, quantity: Decimal | int | float | str, **kw: object) -> Order:
    """``MarketOrder("BUY", 100)``"""
    return Order(action=action.upper(), total_quantity=_qty(quantity), order_type="MKT", **kw)  # type: ignore[arg-type]


def LimitOrder(action: str, quantity: Decimal | int | float | str, lmt_price: float,
               **kw: object) -> Order:
    """``LimitOrder("BUY", 100, 150.25)``"""
    return Order(action=action.upper(), total_quantity=_qty(quantity), order_type="LMT",
                 lmt_price=lmt_price, **kw)  # type: ignore[arg-type]


def StopOrder(action: str, quantity: Decimal | int | float | str, stop_price: float,
              **kw: object) -> Order:
    """``StopOrder("SELL", 100, 140.0)``: the stop price travels as ``aux_price``."""
    return Order(action=action.upper(), total_quantity=_qty(quantity), order_type="STP",
                 aux_price=stop_price, **kw)  # type: ignore[arg-type]


def StopLimitOrder(action: str, quantity: Decimal | int | float | str, lmt_price: float,
                   stop_price: float, **kw: object) -> Order:
    """``StopLimitOrder("SELL", 100, 139.5, 140.0)``"""
    return Order(action=action.upper(), total_quantity=_qty(quantity), order_type="STP LMT",
                 lmt_price=lmt_price, aux_price=stop_price, **kw)  # type: ignore[arg-type]
