"""What TWS reports about orders, and the requests for those reports: REQ_OPEN_ORDERS,
REQ_ALL_OPEN_ORDERS, REQ_AUTO_OPEN_ORDERS and REQ_COMPLETED_ORDERS (client -> TWS); OPEN_ORDER,
OPEN_ORDER_END, ORDER_STATUS, COMPLETED_ORDER, COMPLETED_ORDERS_END and ORDER_BOUND (TWS ->
client). Placing and cancelling orders is :mod:`.orders`; the text pieces both share, and how
unset values are written, are in :mod:`._order_text`.

Layouts follow PROTOCOL.md sections 4.2 (OPEN_ORDER), 4.2b (COMPLETED_ORDER) and 4.3
(ORDER_STATUS), for every server version 157..178.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...models.contract import ComboLeg, Contract
from ...models.order import Order, OrderAllocation, OrderComboLeg, OrderState
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE_STR, TagValue
from ..elements import PT, P, Proto, W
from ..ids import In, Out
from ..schema import Cond, Element, F, Message, Repeat, Skip, Version, to_client, to_server
from ..versions import Feature
from ._order_text import (
    ALGO,
    BOOL,
    CONDITIONS,
    DEC,
    DISCRETIONARY_AMT,
    FINF,
    FLOAT,
    INT,
    PEG_BENCH,
    SCALE_BLOCK,
    STR,
    TAG_VALUE,
    U_INT,
    combo_leg,
    compact,
    has_scale_block,
    is_peg_bench,
    nonempty,
    since,
)
from .blocks import CONTRACT, ORDER, ORDER_STATE

__all__ = [
    "ReqOpenOrders",
    "ReqAllOpenOrders",
    "ReqAutoOpenOrders",
    "ReqCompletedOrders",
    "OpenOrder",
    "OpenOrderEnd",
    "OrderStatus",
    "CompletedOrder",
    "CompletedOrdersEnd",
    "OrderBound",
]

U_LONG = "9223372036854775807"  # Long.MAX_VALUE


def _since_all(feature: Feature, fields: tuple[F, ...]) -> tuple[F, ...]:
    """Plain fields present only from ``feature`` on."""
    return tuple(F(f.path, f.kind, since=feature, until=f.until, unset=f.unset, none=f.none)
                 for f in fields)


_UNSET = "?"  # TWS's right / deltaNeutralOpenClose for "none"
# OPEN_ORDER's what-if preview block from FULL_ORDER_PREVIEW_FIELDS (195), after commissionCurrency.
_ORDER_PREVIEW: tuple[Element, ...] = (
    F("order_state.margin_currency", STR, since=Feature.FULL_ORDER_PREVIEW_FIELDS),
    *(F(f"order_state.{name}_outside_rth", FLOAT, since=Feature.FULL_ORDER_PREVIEW_FIELDS)
      for name in ("init_margin_before", "maint_margin_before", "equity_with_loan_before",
                   "init_margin_change", "maint_margin_change", "equity_with_loan_change",
                   "init_margin_after", "maint_margin_after", "equity_with_loan_after")),
    F("order_state.suggested_size", DEC, since=Feature.FULL_ORDER_PREVIEW_FIELDS),
    F("order_state.reject_reason", STR, since=Feature.FULL_ORDER_PREVIEW_FIELDS),
    Repeat("order_state.order_allocations", OrderAllocation, (
        F("account", STR), F("position", DEC), F("position_desired", DEC),
        F("position_after", DEC), F("desired_alloc_qty", DEC), F("allowed_alloc_qty", DEC),
        F("is_monetary", BOOL)), since=Feature.FULL_ORDER_PREVIEW_FIELDS),
)


_TWS_NONE = ("None",)
# Contract as OPEN_ORDER / COMPLETED_ORDER carry it: 11 fields, no primaryExchange.
_CONTRACT_11: tuple[Element, ...] = (
    F("contract.con_id", INT), F("contract.symbol", STR), F("contract.sec_type", STR),
    F("contract.last_trade_date_or_contract_month", STR), compact("contract.strike"),
    F("contract.right", STR, unset=_UNSET, none=(_UNSET,)), F("contract.multiplier", STR),
    F("contract.exchange", STR), F("contract.currency", STR), F("contract.local_symbol", STR),
    F("contract.trading_class", STR),
)


# comboLegsDescrip .. smartComboRoutingParams, unconditional in OPEN_ORDER / COMPLETED_ORDER.
_COMBO_TO_CLIENT: tuple[Element, ...] = (
    F("contract.combo_legs_descrip", STR),
    Repeat("contract.combo_legs", ComboLeg, combo_leg("")),
    Repeat("order.order_combo_legs", OrderComboLeg, (F("price", FLOAT),)),
    Repeat("order.smart_combo_routing_params", TagValue, TAG_VALUE),
)


_SCALE_TO_CLIENT: tuple[Element, ...] = (
    F("order.scale_init_level_size", INT, unset=U_INT),
    F("order.scale_subs_level_size", INT, unset=U_INT),
    F("order.scale_price_increment", FLOAT),
    Cond("order.scale_price_increment", has_scale_block, SCALE_BLOCK),
    F("order.hedge_type", STR), Cond("order.hedge_type", nonempty, (F("order.hedge_param", STR),)),
)


_PEG_BEST_MID_TO_CLIENT: tuple[Element, ...] = (
    F("order.min_trade_qty", INT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.min_compete_size", INT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.compete_against_best_offset", FINF, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.mid_offset_at_whole", FLOAT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.mid_offset_at_half", FLOAT, since=Feature.PEGBEST_PEGMID_OFFSETS),
)


# --- client -> TWS ---------------------------------------------------------------------------------

@to_server(Out.REQ_OPEN_ORDERS, Version(1),
           Proto("OpenOrdersRequest", Feature.PROTOBUF_COMPLETED_ORDER),
           request=Request(replies=(In.OPEN_ORDER, In.ORDER_STATUS), end=In.OPEN_ORDER_END, key=None),
           api=Api("reqOpenOrders"))
@dataclass(slots=True)
class ReqOpenOrders(Message):
    """REQ_OPEN_ORDERS (5, v1): this client's open orders, then OPEN_ORDER_END."""


@to_server(Out.REQ_ALL_OPEN_ORDERS, Version(1),
           Proto("AllOpenOrdersRequest", Feature.PROTOBUF_COMPLETED_ORDER),
           request=Request(replies=(In.OPEN_ORDER, In.ORDER_STATUS), end=In.OPEN_ORDER_END, key=None),
           api=Api("reqAllOpenOrders"))
@dataclass(slots=True)
class ReqAllOpenOrders(Message):
    """REQ_ALL_OPEN_ORDERS (16, v1): every API client's open orders, then OPEN_ORDER_END."""


@to_server(Out.REQ_AUTO_OPEN_ORDERS, Version(1), "auto_bind",
           Proto("AutoOpenOrdersRequest", Feature.PROTOBUF_COMPLETED_ORDER),
           api=Api("reqAutoOpenOrders", "bAutoBind:auto_bind"))
@dataclass(slots=True)
class ReqAutoOpenOrders(Message):
    """REQ_AUTO_OPEN_ORDERS (15, v1): bind TWS's manual orders to client 0 (else error 327)."""

    auto_bind: Annotated[bool | None, W(BOOL, pb=1)] = True


@to_server(Out.REQ_COMPLETED_ORDERS, "api_only",
           Proto("CompletedOrdersRequest", Feature.PROTOBUF_COMPLETED_ORDER),
           request=Request(replies=(In.COMPLETED_ORDER,), end=In.COMPLETED_ORDERS_END, key=None),
           api=Api("reqCompletedOrders", "apiOnly"))
@dataclass(slots=True)
class ReqCompletedOrders(Message):
    """REQ_COMPLETED_ORDERS (99, no version field): COMPLETED_ORDER rows, then COMPLETED_ORDERS_END."""

    api_only: Annotated[bool | None, W(BOOL, pb=1)] = False


# --- TWS -> client ---------------------------------------------------------------------------------

@to_client(
    In.OPEN_ORDER,
    Version(34, until=Feature.ORDER_CONTAINER),  # the highest OPEN_ORDER version parsers know
    F("order_id", INT),
    *_CONTRACT_11,
    F("order.action", STR), F("order.total_quantity", DEC), F("order.order_type", STR),
    F("order.lmt_price", FLOAT), F("order.aux_price", FLOAT), F("order.tif", STR),
    F("order.oca_group", STR), F("order.account", STR), F("order.open_close", STR),
    F("order.origin", INT), F("order.order_ref", STR), F("order.client_id", INT),
    F("order.perm_id", INT), F("order.outside_rth", BOOL), F("order.hidden", BOOL),
    DISCRETIONARY_AMT, F("order.good_after_time", STR),
    Skip(""),  # sharesAllocation (TWS fills e.g. "permId.0/ACCOUNT/100"; ignored)
    F("order.fa_group", STR), F("order.fa_method", STR), F("order.fa_percentage", STR),
    F("order.fa_profile", STR, until=Feature.FA_PROFILE_DESUPPORT),
    F("order.model_code", STR, since=Feature.MODELS_SUPPORT), F("order.good_till_date", STR), F("order.rule80_a", STR),
    F("order.percent_offset", FLOAT), F("order.settling_firm", STR),
    F("order.short_sale_slot", INT), F("order.designated_location", STR),
    F("order.exempt_code", INT), F("order.auction_strategy", INT),
    F("order.starting_price", FLOAT), F("order.stock_ref_price", FLOAT), F("order.delta", FLOAT),
    F("order.stock_range_lower", FLOAT), F("order.stock_range_upper", FLOAT),
    F("order.display_size", INT, unset=U_INT), F("order.block_order", BOOL),
    F("order.sweep_to_fill", BOOL), F("order.all_or_none", BOOL), F("order.min_qty", INT),
    F("order.oca_type", INT), F("order.e_trade_only", BOOL), F("order.firm_quote_only", BOOL),
    F("order.nbbo_price_cap", FLOAT), F("order.parent_id", INT), F("order.trigger_method", INT),
    F("order.volatility", FLOAT), F("order.volatility_type", INT),
    F("order.delta_neutral_order_type", STR, unset="None", none=_TWS_NONE),
    F("order.delta_neutral_aux_price", FLOAT),
    Cond("order.delta_neutral_order_type", nonempty, (
        F("order.delta_neutral_con_id", INT), F("order.delta_neutral_settling_firm", STR),
        F("order.delta_neutral_clearing_account", STR),
        F("order.delta_neutral_clearing_intent", STR),
        F("order.delta_neutral_open_close", STR, unset=_UNSET, none=(_UNSET,)),
        F("order.delta_neutral_short_sale", BOOL), F("order.delta_neutral_short_sale_slot", INT),
        F("order.delta_neutral_designated_location", STR),
    )),
    F("order.continuous_update", BOOL), F("order.reference_price_type", INT),
    F("order.trail_stop_price", FLOAT), F("order.trailing_percent", FLOAT),
    F("order.basis_points", FLOAT), F("order.basis_points_type", INT),
    *_COMBO_TO_CLIENT,
    *_SCALE_TO_CLIENT,
    F("order.opt_out_smart_routing", BOOL), F("order.clearing_account", STR),
    F("order.clearing_intent", STR), F("order.not_held", BOOL),
    *ALGO,
    F("order.solicited", BOOL), F("order.what_if", BOOL), F("order_state.status", STR),
    *(F(f"order_state.{name}", STR, unset=UNSET_DOUBLE_STR, none=(UNSET_DOUBLE_STR,),
        since=Feature.WHAT_IF_EXT_FIELDS)
      for name in ("init_margin_before", "maint_margin_before", "equity_with_loan_before",
                   "init_margin_change", "maint_margin_change", "equity_with_loan_change")),
    *(F(f"order_state.{name}", STR, unset=UNSET_DOUBLE_STR, none=(UNSET_DOUBLE_STR,))
      for name in ("init_margin_after", "maint_margin_after", "equity_with_loan_after")),
    F("order_state.commission", FLOAT), F("order_state.min_commission", FLOAT),
    F("order_state.max_commission", FLOAT), F("order_state.commission_currency", STR),
    *_ORDER_PREVIEW,
    F("order_state.warning_text", STR),
    F("order.randomize_size", BOOL), F("order.randomize_price", BOOL),
    Cond("order.order_type", is_peg_bench, PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    since(CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
    *(_since_all(Feature.PEGGED_TO_BENCHMARK, (
        F("order.adjusted_order_type", STR, unset="None", none=_TWS_NONE),
        F("order.trigger_price", FLOAT, unset=UNSET_DOUBLE_STR),
        F("order.trail_stop_price", FLOAT, unset=UNSET_DOUBLE_STR),  # again; this one wins
        F("order.lmt_price_offset", FLOAT, unset=UNSET_DOUBLE_STR),
        F("order.adjusted_stop_price", FLOAT, unset=UNSET_DOUBLE_STR),
        F("order.adjusted_stop_limit_price", FLOAT, unset=UNSET_DOUBLE_STR),
        F("order.adjusted_trailing_amount", FLOAT, unset=UNSET_DOUBLE_STR),
        F("order.adjustable_trailing_unit", INT),
    ))),
    *_since_all(Feature.SOFT_DOLLAR_TIER, (
        F("order.soft_dollar_tier.name", STR), F("order.soft_dollar_tier.value", STR),
        F("order.soft_dollar_tier.display_name", STR))),
    compact("order.cash_qty", since=Feature.CASH_QTY),
    F("order.dont_use_auto_price_for_hedge", BOOL, since=Feature.AUTO_PRICE_FOR_HEDGE),
    F("order.is_oms_container", BOOL, since=Feature.ORDER_CONTAINER),
    F("order.discretionary_up_to_limit_price", BOOL, since=Feature.D_PEG_ORDERS),
    F("order.use_price_mgmt_algo", BOOL, since=Feature.PRICE_MGMT_ALGO),
    F("order.duration", INT, since=Feature.DURATION),
    F("order.post_to_ats", INT, since=Feature.POST_TO_ATS),
    F("order.auto_cancel_parent", BOOL, since=Feature.AUTO_CANCEL_PARENT),
    *_PEG_BEST_MID_TO_CLIENT,
    F("order.customer_account", STR, since=Feature.CUSTOMER_ACCOUNT),
    F("order.professional_customer", BOOL, since=Feature.PROFESSIONAL_CUSTOMER),
    F("order.bond_accrued_interest", STR, since=Feature.BOND_ACCRUED_INTEREST),
    F("order.include_overnight", BOOL, since=Feature.INCLUDE_OVERNIGHT),
    F("order.ext_operator", STR, since=Feature.CME_TAGGING_FIELDS_IN_OPEN_ORDER),
    F("order.manual_order_indicator", INT, unset=U_INT,
      since=Feature.CME_TAGGING_FIELDS_IN_OPEN_ORDER),
    F("order.submitter", STR, since=Feature.SUBMITTER),
    F("order.imbalance_only", BOOL, since=Feature.IMBALANCE_ONLY),
    Proto("OpenOrder", Feature.PROTOBUF_PLACE_ORDER), P(1, "order_id"), P(2, "contract", sub=CONTRACT),
    P(3, "order", sub=ORDER), P(4, "order_state", sub=ORDER_STATE),
           callback=Callback("openOrder", "orderId", "contract", "order", "orderState"))
@dataclass(slots=True)
class OpenOrder(Message):
    """OPEN_ORDER (5; no version field since 145): an order and its state.

    127 fields at 178 without optional blocks; real TWS always sends deltaNeutralOrderType
    ``None`` plus the 8-field delta-neutral block (135 at 178, 136 below 177 with faProfile).
    ``order.order_id`` mirrors ``order_id`` when it is left at 0.
    """

    order_id: int | None = None
    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)
    order_state: OrderState = field(default_factory=OrderState)

    def __post_init__(self) -> None:
        if not self.order.order_id and self.order_id is not None:
            self.order.order_id = self.order_id


@to_client(In.OPEN_ORDER_END, Version(1),
           Proto("OpenOrdersEnd", Feature.PROTOBUF_PLACE_ORDER),
           callback=Callback("openOrderEnd"))
@dataclass(slots=True)
class OpenOrderEnd(Message):
    """OPEN_ORDER_END (53, v1): the open-order snapshot is complete."""


@to_client(In.ORDER_STATUS, Version(6, until=Feature.MARKET_CAP_PRICE), "order_id", "status",
           "filled", "remaining", compact("avg_fill_price"), "perm_id", "parent_id",
           compact("last_fill_price"), "client_id", "why_held",
           compact("mkt_cap_price", since=Feature.MARKET_CAP_PRICE),
           Proto("OrderStatus", Feature.PROTOBUF_PLACE_ORDER), P(5, "avg_fill_price", FLOAT),
           P(6, "perm_id", INT, pt=PT.INT64), P(8, "last_fill_price", FLOAT),
           P(11, "mkt_cap_price", FLOAT),
           callback=Callback("orderStatus", "orderId", "status", "filled", "remaining", "avgFillPrice", "permId", "parentId", "lastFillPrice", "clientId", "whyHeld", "mktCapPrice"))
@dataclass(slots=True)
class OrderStatus(Message):
    """ORDER_STATUS (3; no version field since 131): PreSubmitted, Submitted, Filled, Cancelled ..."""

    order_id: Annotated[int | None, W(INT, pb=1)] = None
    status: Annotated[str | None, W(STR, pb=2)] = None
    filled: Annotated[Decimal | None, W(DEC, pb=3)] = None
    remaining: Annotated[Decimal | None, W(DEC, pb=4)] = None
    avg_fill_price: float | None = None
    perm_id: Annotated[int | None, W(INT)] = None
    parent_id: Annotated[int | None, W(INT, pb=7)] = None
    last_fill_price: float | None = None
    client_id: Annotated[int | None, W(INT, pb=9)] = None
    why_held: Annotated[str | None, W(STR, pb=10)] = None
    mkt_cap_price: float | None = None


@to_client(
    In.COMPLETED_ORDER,
    *_CONTRACT_11,
    F("order.action", STR), F("order.total_quantity", DEC), F("order.order_type", STR),
    F("order.lmt_price", FLOAT), F("order.aux_price", FLOAT), F("order.tif", STR),
    F("order.oca_group", STR), F("order.account", STR), F("order.open_close", STR),
    F("order.origin", INT), F("order.order_ref", STR), F("order.perm_id", INT),
    F("order.outside_rth", BOOL), F("order.hidden", BOOL),
    DISCRETIONARY_AMT, F("order.good_after_time", STR),
    F("order.fa_group", STR), F("order.fa_method", STR), F("order.fa_percentage", STR),
    F("order.fa_profile", STR, until=Feature.FA_PROFILE_DESUPPORT),
    F("order.model_code", STR, since=Feature.MODELS_SUPPORT), F("order.good_till_date", STR),
    F("order.rule80_a", STR),
    F("order.percent_offset", FLOAT), F("order.settling_firm", STR),
    F("order.short_sale_slot", INT), F("order.designated_location", STR),
    F("order.exempt_code", INT),
    F("order.starting_price", FLOAT), F("order.stock_ref_price", FLOAT), F("order.delta", FLOAT),
    F("order.stock_range_lower", FLOAT), F("order.stock_range_upper", FLOAT),
    F("order.display_size", INT, unset=U_INT), F("order.sweep_to_fill", BOOL),
    F("order.all_or_none", BOOL), F("order.min_qty", INT), F("order.oca_type", INT),
    F("order.trigger_method", INT), F("order.volatility", FLOAT), F("order.volatility_type", INT),
    F("order.delta_neutral_order_type", STR, unset="None", none=_TWS_NONE),
    F("order.delta_neutral_aux_price", FLOAT),
    Cond("order.delta_neutral_order_type", nonempty, (
        F("order.delta_neutral_con_id", INT), F("order.delta_neutral_short_sale", BOOL),
        F("order.delta_neutral_short_sale_slot", INT),
        F("order.delta_neutral_designated_location", STR),
    )),
    F("order.continuous_update", BOOL), F("order.reference_price_type", INT),
    F("order.trail_stop_price", FLOAT), F("order.trailing_percent", FLOAT),
    *_COMBO_TO_CLIENT,
    *_SCALE_TO_CLIENT,
    F("order.clearing_account", STR), F("order.clearing_intent", STR), F("order.not_held", BOOL),
    *ALGO,
    F("order.solicited", BOOL), F("order_state.status", STR),
    F("order.randomize_size", BOOL), F("order.randomize_price", BOOL),
    Cond("order.order_type", is_peg_bench, PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    since(CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
    F("order.trail_stop_price", FLOAT, unset=UNSET_DOUBLE_STR),  # again; this one wins
    F("order.lmt_price_offset", FLOAT, unset=UNSET_DOUBLE_STR),
    compact("order.cash_qty", since=Feature.CASH_QTY),
    F("order.dont_use_auto_price_for_hedge", BOOL, since=Feature.AUTO_PRICE_FOR_HEDGE),
    F("order.is_oms_container", BOOL, since=Feature.ORDER_CONTAINER),
    F("order.auto_cancel_date", STR), F("order.filled_quantity", DEC),
    F("order.ref_futures_con_id", INT, unset=U_INT), F("order.auto_cancel_parent", BOOL),
    F("order.shareholder", STR), F("order.imbalance_only", BOOL),
    F("order.route_marketable_to_bbo", BOOL), F("order.parent_perm_id", INT, unset=U_LONG),
    F("order_state.completed_time", STR), F("order_state.completed_status", STR),
    *_PEG_BEST_MID_TO_CLIENT,
    F("order.customer_account", STR, since=Feature.CUSTOMER_ACCOUNT),
    F("order.professional_customer", BOOL, since=Feature.PROFESSIONAL_CUSTOMER),
    F("order.submitter", STR, since=Feature.SUBMITTER),
    Proto("CompletedOrder", Feature.PROTOBUF_COMPLETED_ORDER), P(1, "contract", sub=CONTRACT), P(2, "order", sub=ORDER),
    P(3, "order_state", sub=ORDER_STATE),
           callback=Callback("completedOrder", "contract", "order", "orderState"))
@dataclass(slots=True)
class CompletedOrder(Message):
    """COMPLETED_ORDER (101; no version field): a filled or cancelled order (no order id).

    96 fields at 178 without optional blocks; TWS sends deltaNeutralOrderType ``None`` plus a
    4-field delta-neutral block.
    """

    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)
    order_state: OrderState = field(default_factory=OrderState)


@to_client(In.COMPLETED_ORDERS_END,
           Proto("CompletedOrdersEnd", Feature.PROTOBUF_COMPLETED_ORDER),
           callback=Callback("completedOrdersEnd"))
@dataclass(slots=True)
class CompletedOrdersEnd(Message):
    """COMPLETED_ORDERS_END (102; no fields): the completed-order list is complete."""


@to_client(In.ORDER_BOUND, "perm_id", "client_id", "order_id",
           Proto("OrderBound", Feature.PROTOBUF_COMPLETED_ORDER),
           callback=Callback("orderBound", "permId", "clientId", "orderId"))
@dataclass(slots=True)
class OrderBound(Message):
    """ORDER_BOUND (100; no version field): an order entered in TWS was bound to an API order id
    (client 0 with auto-binding): its perm id, the client id and the order id it now has."""

    perm_id: Annotated[int | None, W(INT, pb=1, pbt=PT.INT64)] = None
    client_id: Annotated[int | None, W(INT, pb=2)] = None
    order_id: Annotated[int | None, W(INT, pb=3)] = None
