"""Order factories for the order types traders use, beside :func:`~ibwire.models.MarketOrder` and
:func:`~ibwire.models.LimitOrder`: trailing stops, on-close and if-touched orders, relative and
pegged-to-midpoint orders, brackets, OCA groups, IB algos by name and order conditions.

Each returns plain :class:`~ibwire.models.Order` objects (keyword arguments set any other field)::

    parent, take_profit, stop_loss = bracket("BUY", 100, 150.0, take_profit=155.0, stop_loss=147.0)
    broker.submit_bracket(Stock("AAPL"), parent, take_profit, stop_loss)
    order = algo(LimitOrder("BUY", 100, 150.0), "Adaptive", adaptivePriority="Urgent")
    order = when(MarketOrder("BUY", 100), price_above(265598, 151.0))

Field use follows TWS: a trailing amount in ``aux_price`` (or ``trailing_percent``), the initial
stop in ``trail_stop_price``, a trailing limit's offset in ``lmt_price_offset``; an if-touched
trigger in ``aux_price``; a relative / pegged order's offset in ``aux_price`` and its cap in
``lmt_price``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from .order import (
    ExecutionCondition,
    LimitOrder,
    MarginCondition,
    MarketOrder,
    Order,
    OrderCondition,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    StopLimitOrder,
    StopOrder,
    TimeCondition,
    VolumeCondition,
    _qty,
)
from .tag_value import TagValue

__all__ = [
    "TrailingStopOrder", "TrailingStopLimitOrder", "MarketOnCloseOrder", "LimitOnCloseOrder",
    "MarketIfTouchedOrder", "LimitIfTouchedOrder", "RelativeOrder", "PeggedToMidpointOrder",
    "Bracket", "bracket", "oca", "ALGOS", "algo", "when", "price_above", "price_below",
    "time_after", "margin_cushion_below", "on_execution", "volume_above", "percent_change",
    "WhatIf",
]

Qty = Decimal | int | float | str


def _base(action: str, quantity: Qty, order_type: str, **kw: object) -> Order:
    return Order(action=action.upper(), total_quantity=_qty(quantity), order_type=order_type,
                 **kw)  # type: ignore[arg-type]


def _trail(trailing_amount: float | None, trailing_percent: float | None) -> dict[str, object]:
    if (trailing_amount is None) == (trailing_percent is None):
        raise ValueError("give a trailing amount or a trailing percent (one of them)")
    if trailing_amount is not None:
        if trailing_amount <= 0:
            raise ValueError(f"the trailing amount must be positive, not {trailing_amount}")
        return {"aux_price": trailing_amount}
    assert trailing_percent is not None
    if not 0 < trailing_percent < 100:
        raise ValueError(f"the trailing percent must be between 0 and 100, not {trailing_percent}")
    return {"trailing_percent": trailing_percent}


def TrailingStopOrder(action: str, quantity: Qty, trailing_amount: float | None = None,
                      trailing_percent: float | None = None,
                      trail_stop_price: float | None = None, **kw: object) -> Order:
    """``TrailingStopOrder("SELL", 100, trailing_amount=1.5)``: a stop that follows the market by
    an amount (or ``trailing_percent``), starting at ``trail_stop_price`` when given."""
    return _base(action, quantity, "TRAIL", trail_stop_price=trail_stop_price,
                 **_trail(trailing_amount, trailing_percent), **kw)


def TrailingStopLimitOrder(action: str, quantity: Qty, limit_offset: float,
                           trailing_amount: float | None = None,
                           trailing_percent: float | None = None,
                           trail_stop_price: float | None = None, **kw: object) -> Order:
    """A trailing stop that becomes a limit order ``limit_offset`` beyond the stop when hit."""
    if limit_offset < 0:
        raise ValueError(f"the limit offset cannot be negative, not {limit_offset}")
    return _base(action, quantity, "TRAIL LIMIT", trail_stop_price=trail_stop_price,
                 lmt_price_offset=limit_offset, **_trail(trailing_amount, trailing_percent), **kw)


def MarketOnCloseOrder(action: str, quantity: Qty, **kw: object) -> Order:
    """MOC: fills at the session's closing price."""
    return _base(action, quantity, "MOC", tif="DAY", **kw)


def LimitOnCloseOrder(action: str, quantity: Qty, lmt_price: float, **kw: object) -> Order:
    """LOC: fills at the close if the closing price meets the limit, else is cancelled."""
    return _base(action, quantity, "LOC", lmt_price=lmt_price, tif="DAY", **kw)


def MarketIfTouchedOrder(action: str, quantity: Qty, trigger_price: float, **kw: object) -> Order:
    """MIT: a market order once the market touches ``trigger_price`` (a BUY below the market)."""
    return _base(action, quantity, "MIT", aux_price=trigger_price, **kw)


def LimitIfTouchedOrder(action: str, quantity: Qty, lmt_price: float, trigger_price: float,
                        **kw: object) -> Order:
    """LIT: a limit order at ``lmt_price`` once the market touches ``trigger_price``."""
    return _base(action, quantity, "LIT", lmt_price=lmt_price, aux_price=trigger_price, **kw)


def RelativeOrder(action: str, quantity: Qty, offset: float = 0.0, cap: float | None = None,
                  **kw: object) -> Order:
    """REL: pegged to the near side (the bid for a BUY) plus ``offset``, never beyond ``cap``."""
    return _base(action, quantity, "REL", aux_price=offset, lmt_price=cap, **kw)


def PeggedToMidpointOrder(action: str, quantity: Qty, offset: float = 0.0,
                          cap: float | None = None, **kw: object) -> Order:
    """PEG MID: pegged to the midpoint, ``offset`` less aggressive, never beyond ``cap``."""
    return _base(action, quantity, "PEG MID", aux_price=offset, lmt_price=cap, **kw)


# --- groups --------------------------------------------------------------------------------------

class Bracket(NamedTuple):
    """A bracket's three orders; submit them together (``broker.submit_bracket``)."""

    parent: Order
    take_profit: Order
    stop_loss: Order


def bracket(action: str, quantity: Qty, entry: float | None, take_profit: float,
            stop_loss: float, stop_limit: float | None = None, **kw: object) -> Bracket:
    """An entry (a limit at ``entry``, a market order when None), a take-profit limit and a
    stop-loss (a stop, or a stop-limit at ``stop_limit``) on the other side. The parent and the
    take-profit are staged (``transmit=False``) and the stop-loss transmits the group; the parent
    id is filled in when submitted. ``kw`` applies to all three (``tif="GTC"``, ``account``)."""
    action = action.upper()
    if action not in ("BUY", "SELL"):
        raise ValueError(f"a bracket's action is BUY or SELL, not {action!r}")
    buy = action == "BUY"
    ref = entry
    if ref is not None and ((take_profit <= ref) if buy else (take_profit >= ref)):
        raise ValueError(f"the take-profit {take_profit} must be {'above' if buy else 'below'} "
                         f"the entry {ref}")
    if ref is not None and ((stop_loss >= ref) if buy else (stop_loss <= ref)):
        raise ValueError(f"the stop-loss {stop_loss} must be {'below' if buy else 'above'} "
                         f"the entry {ref}")
    exit_ = "SELL" if buy else "BUY"
    parent = (LimitOrder(action, quantity, entry, transmit=False, **kw) if entry is not None
              else MarketOrder(action, quantity, transmit=False, **kw))
    tp = LimitOrder(exit_, quantity, take_profit, transmit=False, **kw)
    sl = (StopLimitOrder(exit_, quantity, stop_limit, stop_loss, **kw) if stop_limit is not None
          else StopOrder(exit_, quantity, stop_loss, **kw))
    sl.transmit = True
    return Bracket(parent, tp, sl)


def oca(orders: list[Order], group: str, oca_type: int = 1) -> list[Order]:
    """Put ``orders`` into one OCA group: type 1 cancels the others when one fills, 2 reduces
    them (with block), 3 reduces them without block."""
    if oca_type not in (1, 2, 3):
        raise ValueError(f"OCA types are 1, 2 and 3, not {oca_type}")
    if not group:
        raise ValueError("an OCA group needs a name")
    for o in orders:
        o.oca_group, o.oca_type = group, oca_type
    return orders


# --- algos ---------------------------------------------------------------------------------------

ALGOS: dict[str, frozenset[str]] = {
    "Adaptive": frozenset({"adaptivePriority"}),
    "ArrivalPx": frozenset({"maxPctVol", "riskAversion", "startTime", "endTime",
                            "forceCompletion", "allowPastEndTime"}),
    "Vwap": frozenset({"maxPctVol", "startTime", "endTime", "allowPastEndTime", "noTakeLiq",
                       "speedUp"}),
    "Twap": frozenset({"strategyType", "startTime", "endTime", "allowPastEndTime"}),
    "DarkIce": frozenset({"displaySize", "startTime", "endTime", "allowPastEndTime"}),
    "PctVol": frozenset({"pctVol", "startTime", "endTime", "noTakeLiq"}),
    "ClosePx": frozenset({"maxPctVol", "riskAversion", "startTime", "forceCompletion"}),
    "AD": frozenset({"componentSize", "timeBetweenOrders", "randomizeTime20",
                     "randomizeSize55", "giveUp", "catchUp", "waitForFill", "activeTimeStart",
                     "activeTimeEnd"}),
    "MinImpact": frozenset({"maxPctVol"}),
    "BalanceImpactRisk": frozenset({"maxPctVol", "riskAversion", "forceCompletion"}),
}
"""IB algo strategies (``algoStrategy``) and the parameter names each takes (``algoParams``)."""


def _param(v: object) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def algo(order: Order, strategy: str, **params: object) -> Order:
    """Run ``order`` as the IB algo ``strategy`` (see :data:`ALGOS`) with its parameters:
    ``algo(LimitOrder("BUY", 100, 150.0), "Adaptive", adaptivePriority="Normal")``. An unknown
    strategy or parameter raises ValueError."""
    names = ALGOS.get(strategy)
    if names is None:
        raise ValueError(f"unknown IB algo {strategy!r}; known: {', '.join(sorted(ALGOS))}")
    unknown = sorted(set(params) - names)
    if unknown:
        raise ValueError(f"{strategy} takes {', '.join(sorted(names))}; not {', '.join(unknown)}")
    if strategy == "Adaptive" and params.get("adaptivePriority", "Normal") not in (
            "Patient", "Normal", "Urgent"):
        raise ValueError("adaptivePriority is Patient, Normal or Urgent")
    order.algo_strategy = strategy
    order.algo_params = [TagValue(k, _param(v)) for k, v in params.items()]
    return order


# --- conditions ----------------------------------------------------------------------------------

def when(order: Order, *conditions: OrderCondition, any_of: bool = False, cancel: bool = False,
         ignore_rth: bool = False) -> Order:
    """Make ``order`` wait for ``conditions`` (all of them; ``any_of``: one of them); with
    ``cancel`` the order is cancelled instead when they hold."""
    if not conditions:
        raise ValueError("when() needs at least one condition")
    for c in conditions:
        c.is_conjunction_connection = not any_of
    order.conditions = list(conditions)
    order.conditions_cancel_order = cancel
    order.conditions_ignore_rth = ignore_rth
    return order


def price_above(con_id: int, price: float, exchange: str = "SMART",
                trigger_method: int = 0) -> PriceCondition:
    return PriceCondition(is_more=True, price=price, con_id=con_id, exchange=exchange,
                          trigger_method=trigger_method)


def price_below(con_id: int, price: float, exchange: str = "SMART",
                trigger_method: int = 0) -> PriceCondition:
    return PriceCondition(is_more=False, price=price, con_id=con_id, exchange=exchange,
                          trigger_method=trigger_method)


def time_after(time: str) -> TimeCondition:
    """``time_after("20261204 10:00:00 US/Eastern")``"""
    return TimeCondition(is_more=True, time=time)


def margin_cushion_below(percent: int) -> MarginCondition:
    return MarginCondition(is_more=False, percent=percent)


def on_execution(symbol: str, sec_type: str = "STK", exchange: str = "SMART") -> ExecutionCondition:
    return ExecutionCondition(sec_type=sec_type, exchange=exchange, symbol=symbol)


def volume_above(con_id: int, volume: int, exchange: str = "SMART") -> VolumeCondition:
    return VolumeCondition(is_more=True, volume=volume, con_id=con_id, exchange=exchange)


def percent_change(con_id: int, percent: float, exchange: str = "SMART") -> PercentChangeCondition:
    """Holds once the change since the previous close reaches ``percent`` (a fall when negative)."""
    return PercentChangeCondition(is_more=percent >= 0, change_percent=percent, con_id=con_id,
                                  exchange=exchange)


# --- what-if ------------------------------------------------------------------------------------

def _num(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    v = float(text)
    return None if v >= 1e300 else v


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The margin and commission preview of an order (TWS's answer to a what-if order): the
    account's initial / maintenance margin and equity with loan value before the order, the change
    it makes and the values after it, in ``margin_currency``; the commission with its min / max in
    ``commission_currency``; TWS's warning. A value TWS leaves unset is None."""

    init_margin_before: float | None
    maint_margin_before: float | None
    equity_with_loan_before: float | None
    init_margin_change: float | None
    maint_margin_change: float | None
    equity_with_loan_change: float | None
    init_margin_after: float | None
    maint_margin_after: float | None
    equity_with_loan_after: float | None
    commission: float | None
    min_commission: float | None
    max_commission: float | None
    commission_currency: str | None
    margin_currency: str | None
    warning_text: str | None
    order_state: OrderState

    @classmethod
    def of(cls, state: OrderState) -> WhatIf:
        def money(v: float | None) -> float | None:
            return None if v is None or v >= 1e300 else v

        return cls(
            _num(state.init_margin_before), _num(state.maint_margin_before),
            _num(state.equity_with_loan_before), _num(state.init_margin_change),
            _num(state.maint_margin_change), _num(state.equity_with_loan_change),
            _num(state.init_margin_after), _num(state.maint_margin_after),
            _num(state.equity_with_loan_after), money(state.commission),
            money(state.min_commission), money(state.max_commission),
            state.commission_currency or None, state.margin_currency or None,
            state.warning_text or None, state)
