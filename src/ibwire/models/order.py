"""Orders and their state. Field names are IB's, in snake_case.

Defaults follow the official client's defaults, so that a plain order encodes to exactly what the
official client sends (``exempt_code`` -1, ``transmit`` True, ``origin`` 0 ...). ``None`` means
"unset": it travels as the empty field (or, where TWS and the official client use one, as the
sentinel ``2147483647`` / ``1.7976931348623157E308``) and comes back as ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from .tag_value import TagValue

__all__ = [
    "Order",
    "OrderState",
    "OrderAllocation",
    "OrderComboLeg",
    "SoftDollarTier",
    "OrderCondition",
    "PriceCondition",
    "TimeCondition",
    "MarginCondition",
    "ExecutionCondition",
    "VolumeCondition",
    "PercentChangeCondition",
    "CONDITION_TYPES",
    "MarketOrder",
    "LimitOrder",
    "StopOrder",
    "StopLimitOrder",
]


@dataclass(slots=True)
class SoftDollarTier:
    name: str | None = None
    value: str | None = None
    display_name: str | None = None


@dataclass(slots=True)
class OrderComboLeg:
    """The per-leg price of a combo (BAG) order."""

    price: float | None = None


# --- order conditions --------------------------------------------------------------------------
# Wire form of one condition: type, conjunction ("a" and / "o" or), then the type's fields.

@dataclass(slots=True)
class OrderCondition:
    """Base of the order conditions; ``is_conjunction_connection`` False means OR."""

    TYPE: ClassVar[int] = 0
    is_conjunction_connection: bool = True


@dataclass(slots=True)
class PriceCondition(OrderCondition):
    """Type 1: the price of ``con_id`` on ``exchange`` is >= (``is_more``) or <= ``price``."""

    TYPE: ClassVar[int] = 1
    is_more: bool = True
    price: float = 0.0
    con_id: int = 0
    exchange: str = ""
    trigger_method: int = 0  # 0 default, 1 double bid/ask, 2 last, 3 double last, 4 bid/ask ...


@dataclass(slots=True)
class TimeCondition(OrderCondition):
    """Type 3: the time is after (``is_more``) or before ``time`` ("yyyyMMdd HH:mm:ss TZ")."""

    TYPE: ClassVar[int] = 3
    is_more: bool = True
    time: str = ""


@dataclass(slots=True)
class MarginCondition(OrderCondition):
    """Type 4: the margin cushion percent is >= (``is_more``) or <= ``percent``."""

    TYPE: ClassVar[int] = 4
    is_more: bool = True
    percent: int = 0


@dataclass(slots=True)
class ExecutionCondition(OrderCondition):
    """Type 5: a trade of ``symbol`` / ``sec_type`` occurs on ``exchange``."""

    TYPE: ClassVar[int] = 5
    sec_type: str = ""
    exchange: str = ""
    symbol: str = ""


@dataclass(slots=True)
class VolumeCondition(OrderCondition):
    """Type 6: the volume of ``con_id`` on ``exchange`` is >= (``is_more``) or <= ``volume``."""

    TYPE: ClassVar[int] = 6
    is_more: bool = True
    volume: int = 0
    con_id: int = 0
    exchange: str = ""


@dataclass(slots=True)
class PercentChangeCondition(OrderCondition):
    """Type 7: the percent change of ``con_id`` is >= (``is_more``) or <= ``change_percent``."""

    TYPE: ClassVar[int] = 7
    is_more: bool = True
    change_percent: float = 0.0
    con_id: int = 0
    exchange: str = ""


CONDITION_TYPES: dict[int, type[OrderCondition]] = {
    c.TYPE: c for c in (PriceCondition, TimeCondition, MarginCondition, ExecutionCondition,
                        VolumeCondition, PercentChangeCondition)
}
"""Condition type number (as on the wire) -> condition class."""


# --- the order ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Order:
    # identification
    order_id: int | None = 0
    client_id: int | None = 0
    perm_id: int | None = 0

    # main order fields
    action: str | None = None  # BUY / SELL / SSHORT
    total_quantity: Decimal | None = Decimal(0)
    order_type: str | None = None  # MKT, LMT, STP, STP LMT, TRAIL, PEG BENCH ...
    lmt_price: float | None = None
    aux_price: float | None = None  # the stop price of STP orders, the offset of TRAIL orders

    # extended order fields
    tif: str | None = None  # DAY, GTC, IOC, GTD, OPG, FOK, DTC
    active_start_time: str | None = None
    active_stop_time: str | None = None
    oca_group: str | None = None
    oca_type: int | None = 0  # 1 cancel with block, 2 reduce with block, 3 reduce non-block
    order_ref: str | None = None
    transmit: bool | None = True
    parent_id: int | None = 0
    block_order: bool | None = False
    sweep_to_fill: bool | None = False
    display_size: int | None = 0
    trigger_method: int | None = 0
    outside_rth: bool | None = False
    hidden: bool | None = False
    good_after_time: str | None = None  # "yyyyMMdd HH:mm:ss TZ"
    good_till_date: str | None = None  # "yyyyMMdd HH:mm:ss TZ"
    rule80_a: str | None = None
    all_or_none: bool | None = False
    min_qty: int | None = None
    percent_offset: float | None = None  # REL orders
    override_percentage_constraints: bool | None = False
    trail_stop_price: float | None = None
    trailing_percent: float | None = None

    # financial advisors
    fa_group: str | None = None
    fa_method: str | None = None
    fa_percentage: str | None = None
    fa_profile: str | None = None  # sent only below server version 177

    # institutional
    designated_location: str | None = None
    open_close: str | None = None  # O / C
    origin: int | None = 0  # 0 customer, 1 firm
    short_sale_slot: int | None = 0
    exempt_code: int | None = -1

    # SMART routing
    discretionary_amt: float | None = 0.0
    e_trade_only: bool | None = False  # True is rejected by current TWS (10268)
    firm_quote_only: bool | None = False  # True is rejected by current TWS (10269)
    nbbo_price_cap: float | None = None
    opt_out_smart_routing: bool | None = False

    # BOX exchange, pegged to stock, VOL
    auction_strategy: int | None = 0
    starting_price: float | None = None
    stock_ref_price: float | None = None
    delta: float | None = None
    stock_range_lower: float | None = None
    stock_range_upper: float | None = None
    randomize_price: bool | None = False
    randomize_size: bool | None = False

    # volatility orders
    volatility: float | None = None
    volatility_type: int | None = None  # 1 daily, 2 annual
    delta_neutral_order_type: str | None = None
    delta_neutral_aux_price: float | None = None
    delta_neutral_con_id: int | None = 0
    delta_neutral_settling_firm: str | None = None
    delta_neutral_clearing_account: str | None = None
    delta_neutral_clearing_intent: str | None = None
    delta_neutral_open_close: str | None = None
    delta_neutral_short_sale: bool | None = False
    delta_neutral_short_sale_slot: int | None = 0
    delta_neutral_designated_location: str | None = None
    continuous_update: bool | None = False
    reference_price_type: int | None = None  # 1 average, 2 bid or ask

    # EFP
    basis_points: float | None = None
    basis_points_type: int | None = None

    # scale orders
    scale_init_level_size: int | None = None
    scale_subs_level_size: int | None = None
    scale_price_increment: float | None = None
    scale_price_adjust_value: float | None = None
    scale_price_adjust_interval: int | None = None
    scale_profit_offset: float | None = None
    scale_auto_reset: bool | None = False
    scale_init_position: int | None = None
    scale_init_fill_qty: int | None = None
    scale_random_percent: bool | None = False
    scale_table: str | None = None

    # hedge orders
    hedge_type: str | None = None  # D delta, B beta, F FX, P pair
    hedge_param: str | None = None

    # clearing
    account: str | None = None
    settling_firm: str | None = None
    clearing_account: str | None = None
    clearing_intent: str | None = None  # "", IB, Away, PTA

    # algo orders
    algo_strategy: str | None = None
    algo_params: list[TagValue] = field(default_factory=list)
    smart_combo_routing_params: list[TagValue] = field(default_factory=list)
    algo_id: str | None = None

    what_if: bool | None = False
    not_held: bool | None = False
    solicited: bool | None = False
    model_code: str | None = None
    order_combo_legs: list[OrderComboLeg] = field(default_factory=list)
    order_misc_options: list[TagValue] = field(default_factory=list)

    # pegged to benchmark, adjusted orders
    reference_contract_id: int | None = 0
    pegged_change_amount: float | None = 0.0
    is_pegged_change_amount_decrease: bool | None = False
    reference_change_amount: float | None = 0.0
    reference_exchange_id: str | None = None
    adjusted_order_type: str | None = None
    trigger_price: float | None = None
    adjusted_stop_price: float | None = None
    adjusted_stop_limit_price: float | None = None
    adjusted_trailing_amount: float | None = None
    adjustable_trailing_unit: int | None = 0
    lmt_price_offset: float | None = None

    # conditions
    conditions: list[OrderCondition] = field(default_factory=list)
    conditions_cancel_order: bool | None = False
    conditions_ignore_rth: bool | None = False

    ext_operator: str | None = None
    soft_dollar_tier: SoftDollarTier = field(default_factory=SoftDollarTier)
    cash_qty: float | None = None
    mifid2_decision_maker: str | None = None
    mifid2_decision_algo: str | None = None
    mifid2_execution_trader: str | None = None
    mifid2_execution_algo: str | None = None
    dont_use_auto_price_for_hedge: bool | None = False
    is_oms_container: bool | None = False
    discretionary_up_to_limit_price: bool | None = False
    use_price_mgmt_algo: bool | None = None  # None lets TWS decide

    # completed orders only (COMPLETED_ORDER)
    auto_cancel_date: str | None = None
    filled_quantity: Decimal | None = None
    ref_futures_con_id: int | None = 0
    auto_cancel_parent: bool | None = False
    shareholder: str | None = None
    imbalance_only: bool | None = False
    route_marketable_to_bbo: bool | None = None
    parent_perm_id: int | None = 0

    # server version >= 158 .. 170
    duration: int | None = None
    post_to_ats: int | None = None
    advanced_error_override: str | None = None
    manual_order_time: str | None = None
    min_trade_qty: int | None = None
    min_compete_size: int | None = None
    compete_against_best_offset: float | None = None  # math.inf: "up to mid"
    mid_offset_at_whole: float | None = None
    mid_offset_at_half: float | None = None

    # server version >= 183 .. 198
    customer_account: str | None = None
    professional_customer: bool | None = False
    bond_accrued_interest: str | None = None  # OPEN_ORDER only
    include_overnight: bool | None = False
    manual_order_indicator: int | None = None
    submitter: str | None = None  # OPEN_ORDER / COMPLETED_ORDER only

    # protobuf only (server version >= 216 .. 226): the official client refuses to send a set one
    # below its version (see PLACE_ORDER)
    hedge_max_size: int | None = None  # 223
    conditions_include_overnight: bool | None = False  # 226
    post_only: bool | None = False  # 216
    allow_pre_open: bool | None = False  # 216
    ignore_open_auction: bool | None = False  # 216
    deactivate: bool | None = False  # 216
    seek_price_improvement: bool | None = None  # 217; None lets TWS decide
    what_if_type: int | None = None  # 217
    # attached stop-loss / profit-taker orders (PLACE_ORDER's AttachedOrders, 218)
    sl_order_id: int | None = None
    sl_order_type: str | None = None
    pt_order_id: int | None = None
    pt_order_type: str | None = None


@dataclass(slots=True)
class OrderAllocation:
    """One account's share of an order (OPEN_ORDER from server version 195, what-if previews)."""

    account: str | None = None
    position: Decimal | None = None
    position_desired: Decimal | None = None
    position_after: Decimal | None = None
    desired_alloc_qty: Decimal | None = None
    allowed_alloc_qty: Decimal | None = None
    is_monetary: bool | None = False


@dataclass(slots=True)
class OrderState:
    """What OPEN_ORDER / COMPLETED_ORDER report about an order; margins are TWS's text."""

    status: str | None = None
    init_margin_before: str | None = None
    maint_margin_before: str | None = None
    equity_with_loan_before: str | None = None
    init_margin_change: str | None = None
    maint_margin_change: str | None = None
    equity_with_loan_change: str | None = None
    init_margin_after: str | None = None
    maint_margin_after: str | None = None
    equity_with_loan_after: str | None = None
    commission: float | None = None
    min_commission: float | None = None
    max_commission: float | None = None
    commission_currency: str | None = None
    warning_text: str | None = None
    completed_time: str | None = None  # COMPLETED_ORDER only, TWS's text
    completed_status: str | None = None  # COMPLETED_ORDER only
    # OPEN_ORDER from server version 195 (what-if previews)
    margin_currency: str | None = None
    init_margin_before_outside_rth: float | None = None
    maint_margin_before_outside_rth: float | None = None
    equity_with_loan_before_outside_rth: float | None = None
    init_margin_change_outside_rth: float | None = None
    maint_margin_change_outside_rth: float | None = None
    equity_with_loan_change_outside_rth: float | None = None
    init_margin_after_outside_rth: float | None = None
    maint_margin_after_outside_rth: float | None = None
    equity_with_loan_after_outside_rth: float | None = None
    suggested_size: Decimal | None = None
    reject_reason: str | None = None
    order_allocations: list[OrderAllocation] = field(default_factory=list)


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
