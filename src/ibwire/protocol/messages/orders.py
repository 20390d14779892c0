"""Order placement messages (client -> TWS): PLACE_ORDER, CANCEL_ORDER and REQ_GLOBAL_CANCEL.
What TWS reports about orders (OPEN_ORDER, ORDER_STATUS, COMPLETED_ORDER, ORDER_BOUND) and the
requests for those reports are in :mod:`.order_reports`; the text pieces both share, and how
unset values are written, in :mod:`._order_text`.

Layouts follow PROTOCOL.md sections 4.1 (PLACE_ORDER) and 4.19 (CANCEL_ORDER), for every server
version 157..178.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...models.contract import ComboLeg, Contract
from ...models.order import Order, OrderComboLeg
from ..api import Api, Request
from ..codec import TagValue
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import Cond, Custom, Element, F, Message, Repeat, Skip, Version, to_server
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
    TAGS,
    U_INT,
    combo_leg,
    has_scale_block,
    is_peg_bench,
    nonempty,
    since,
)
from ._place_order_pb import place_from_pb, place_to_pb, refuse_newer_order_fields
from .blocks import ATTACHED_ORDERS, ORDER_CANCEL, ORDER_REQUEST, PRICED_CONTRACT

__all__ = [
    "PlaceOrder",
    "CancelOrder",
    "ReqGlobalCancel",
]

PY_UNSET_DOUBLE = "1.7976931348623157e+308"  # str(sys.float_info.max): the official client's form
_INFINITY_TEXTS = frozenset({"Infinity", "Infinite", "inf", "+Infinity"})


def _is_bag(s: str) -> bool:
    return s == "BAG"


def _is_ibkrats(s: str) -> bool:
    return s == "IBKRATS"


def _is_peg_best(s: str) -> bool:
    return s in ("PEG BEST", "PEGBEST")


def _is_peg_mid(s: str) -> bool:
    return s in ("PEG MID", "PEGMID")


def _is_up_to_mid(s: str) -> bool:
    return s in _INFINITY_TEXTS


def _dec_whole_qty(f: list[str], i: int) -> tuple[Decimal | None, int]:
    return (Decimal(f[i]) if f[i] else None), i + 1


def _enc_whole_qty(v: object, a: Callable[[str], None]) -> None:
    """Below FRACTIONAL_POSITIONS quantities are whole numbers (the official client: ``int()``)."""
    a("" if v is None else str(int(v)))  # type: ignore[call-overload]


_MID_OFFSETS: tuple[Element, ...] = (F("order.mid_offset_at_whole", FLOAT),
                                     F("order.mid_offset_at_half", FLOAT))


# --- client -> TWS ---------------------------------------------------------------------------------

@to_server(
    Out.PLACE_ORDER,
    Version(45, until=Feature.ORDER_CONTAINER),
    F("order_id", INT),
    F("contract.con_id", INT, unset="0"), F("contract.symbol", STR), F("contract.sec_type", STR),
    F("contract.last_trade_date_or_contract_month", STR), F("contract.strike", FLOAT),
    F("contract.right", STR), F("contract.multiplier", STR), F("contract.exchange", STR),
    F("contract.primary_exchange", STR), F("contract.currency", STR),
    F("contract.local_symbol", STR), F("contract.trading_class", STR),
    F("contract.sec_id_type", STR), F("contract.sec_id", STR),
    F("order.action", STR),
    Custom("order.total_quantity", _dec_whole_qty, _enc_whole_qty,
           until=Feature.FRACTIONAL_POSITIONS),
    F("order.total_quantity", DEC, since=Feature.FRACTIONAL_POSITIONS),
    F("order.order_type", STR),
    F("order.lmt_price", FLOAT), F("order.aux_price", FLOAT),
    F("order.tif", STR), F("order.oca_group", STR), F("order.account", STR),
    F("order.open_close", STR), F("order.origin", INT), F("order.order_ref", STR),
    F("order.transmit", BOOL, unset="1"), F("order.parent_id", INT), F("order.block_order", BOOL),
    F("order.sweep_to_fill", BOOL), F("order.display_size", INT), F("order.trigger_method", INT),
    F("order.outside_rth", BOOL), F("order.hidden", BOOL),
    Cond("contract.sec_type", _is_bag, (
        Repeat("contract.combo_legs", ComboLeg, combo_leg("-1")),
        Repeat("order.order_combo_legs", OrderComboLeg, (F("price", FLOAT),)),
        Repeat("order.smart_combo_routing_params", TagValue, TAG_VALUE),
    )),
    Skip(""),  # sharesAllocation (deprecated)
    DISCRETIONARY_AMT, F("order.good_after_time", STR), F("order.good_till_date", STR),
    F("order.fa_group", STR), F("order.fa_method", STR), F("order.fa_percentage", STR),
    F("order.fa_profile", STR, until=Feature.FA_PROFILE_DESUPPORT),
    F("order.model_code", STR, since=Feature.MODELS_SUPPORT), F("order.short_sale_slot", INT),
    F("order.designated_location", STR), F("order.exempt_code", INT, unset="-1"),
    F("order.oca_type", INT), F("order.rule80_a", STR), F("order.settling_firm", STR),
    F("order.all_or_none", BOOL), F("order.min_qty", INT), F("order.percent_offset", FLOAT),
    F("order.e_trade_only", BOOL, unset="0"), F("order.firm_quote_only", BOOL, unset="0"),
    F("order.nbbo_price_cap", FLOAT), F("order.auction_strategy", INT),
    F("order.starting_price", FLOAT), F("order.stock_ref_price", FLOAT), F("order.delta", FLOAT),
    F("order.stock_range_lower", FLOAT), F("order.stock_range_upper", FLOAT),
    F("order.override_percentage_constraints", BOOL),
    F("order.volatility", FLOAT), F("order.volatility_type", INT),
    F("order.delta_neutral_order_type", STR), F("order.delta_neutral_aux_price", FLOAT),
    Cond("order.delta_neutral_order_type", nonempty, (
        F("order.delta_neutral_con_id", INT), F("order.delta_neutral_settling_firm", STR),
        F("order.delta_neutral_clearing_account", STR),
        F("order.delta_neutral_clearing_intent", STR), F("order.delta_neutral_open_close", STR),
        F("order.delta_neutral_short_sale", BOOL), F("order.delta_neutral_short_sale_slot", INT),
        F("order.delta_neutral_designated_location", STR),
    )),
    F("order.continuous_update", BOOL), F("order.reference_price_type", INT),
    F("order.trail_stop_price", FLOAT), F("order.trailing_percent", FLOAT),
    F("order.scale_init_level_size", INT), F("order.scale_subs_level_size", INT),
    F("order.scale_price_increment", FLOAT),
    Cond("order.scale_price_increment", has_scale_block, SCALE_BLOCK),
    F("order.scale_table", STR), F("order.active_start_time", STR),
    F("order.active_stop_time", STR),
    F("order.hedge_type", STR), Cond("order.hedge_type", nonempty, (F("order.hedge_param", STR),)),
    F("order.opt_out_smart_routing", BOOL), F("order.clearing_account", STR),
    F("order.clearing_intent", STR), F("order.not_held", BOOL),
    *ALGO,
    F("order.algo_id", STR), F("order.what_if", BOOL), F("order.order_misc_options", TAGS),
    F("order.solicited", BOOL), F("order.randomize_size", BOOL), F("order.randomize_price", BOOL),
    Cond("order.order_type", is_peg_bench, PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    since(CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
    F("order.adjusted_order_type", STR, since=Feature.PEGGED_TO_BENCHMARK),
    F("order.trigger_price", FLOAT, unset=PY_UNSET_DOUBLE, since=Feature.PEGGED_TO_BENCHMARK),
    F("order.lmt_price_offset", FLOAT, unset=PY_UNSET_DOUBLE, since=Feature.PEGGED_TO_BENCHMARK),
    F("order.adjusted_stop_price", FLOAT, unset=PY_UNSET_DOUBLE,
      since=Feature.PEGGED_TO_BENCHMARK),
    F("order.adjusted_stop_limit_price", FLOAT, unset=PY_UNSET_DOUBLE,
      since=Feature.PEGGED_TO_BENCHMARK),
    F("order.adjusted_trailing_amount", FLOAT, unset=PY_UNSET_DOUBLE,
      since=Feature.PEGGED_TO_BENCHMARK),
    F("order.adjustable_trailing_unit", INT, since=Feature.PEGGED_TO_BENCHMARK),
    F("order.ext_operator", STR, since=Feature.EXT_OPERATOR),
    F("order.soft_dollar_tier.name", STR, since=Feature.SOFT_DOLLAR_TIER),
    F("order.soft_dollar_tier.value", STR, since=Feature.SOFT_DOLLAR_TIER),
    F("order.cash_qty", FLOAT, unset=PY_UNSET_DOUBLE, since=Feature.CASH_QTY),
    F("order.mifid2_decision_maker", STR, since=Feature.DECISION_MAKER),
    F("order.mifid2_decision_algo", STR, since=Feature.DECISION_MAKER),
    F("order.mifid2_execution_trader", STR, since=Feature.MIFID_EXECUTION),
    F("order.mifid2_execution_algo", STR, since=Feature.MIFID_EXECUTION),
    F("order.dont_use_auto_price_for_hedge", BOOL, since=Feature.AUTO_PRICE_FOR_HEDGE),
    F("order.is_oms_container", BOOL, since=Feature.ORDER_CONTAINER),
    F("order.discretionary_up_to_limit_price", BOOL, since=Feature.D_PEG_ORDERS),
    F("order.use_price_mgmt_algo", BOOL, since=Feature.PRICE_MGMT_ALGO),
    F("order.duration", INT, unset=U_INT, since=Feature.DURATION),
    F("order.post_to_ats", INT, unset=U_INT, since=Feature.POST_TO_ATS),
    F("order.auto_cancel_parent", BOOL, since=Feature.AUTO_CANCEL_PARENT),
    F("order.advanced_error_override", STR, since=Feature.ADVANCED_ORDER_REJECT),
    F("order.manual_order_time", STR, since=Feature.MANUAL_ORDER_TIME),
    Cond("contract.exchange", _is_ibkrats, (F("order.min_trade_qty", INT),),
         since=Feature.PEGBEST_PEGMID_OFFSETS),
    Cond("order.order_type", _is_peg_best, (
        F("order.min_compete_size", INT), F("order.compete_against_best_offset", FINF),
        Cond("order.compete_against_best_offset", _is_up_to_mid, _MID_OFFSETS),
    ), since=Feature.PEGBEST_PEGMID_OFFSETS),
    Cond("order.order_type", _is_peg_mid, _MID_OFFSETS, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.customer_account", STR, since=Feature.CUSTOMER_ACCOUNT),
    F("order.professional_customer", BOOL, since=Feature.PROFESSIONAL_CUSTOMER),
    Skip("", since=Feature.RFQ_FIELDS, until=Feature.UNDO_RFQ_FIELDS),  # RFQ placeholders
    Skip(U_INT, since=Feature.RFQ_FIELDS, until=Feature.UNDO_RFQ_FIELDS),
    F("order.include_overnight", BOOL, since=Feature.INCLUDE_OVERNIGHT),
    F("order.manual_order_indicator", INT, unset=U_INT, since=Feature.CME_TAGGING_FIELDS),
    F("order.imbalance_only", BOOL, since=Feature.IMBALANCE_ONLY),
    Proto("PlaceOrderRequest", Feature.PROTOBUF_PLACE_ORDER, prepare=place_to_pb,
          finish=place_from_pb, check=refuse_newer_order_fields),
    P(1, "order_id"), P(2, "contract", sub=PRICED_CONTRACT), P(3, "order", sub=ORDER_REQUEST),
    P(4, "", sub=ATTACHED_ORDERS),
    request=Request(replies=(In.OPEN_ORDER, In.ORDER_STATUS, In.EXECUTION_DATA,
                             In.COMMISSION_AND_FEES_REPORT), key="order_id"),
    api=Api("placeOrder", "orderId", "contract", "order"))
@dataclass(slots=True)
class PlaceOrder(Message):
    """PLACE_ORDER (3; no version field since 145): place or modify an order.

    Data-dependent blocks: BAG combo legs, the delta-neutral block (deltaNeutralOrderType set),
    the scale block (0 < scalePriceIncrement), hedgeParam, the delta-neutral contract, algo
    params, PEG BENCH fields, order conditions, and from 170 minTradeQty (IBKRATS) and the PEG
    BEST / PEG MID offsets. 110 fields for a plain order at 157, 113 at 163, 114 at 178.
    """

    order_id: int | None = None
    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)
    # the protobuf AttachedOrders block while encoding / decoding (the model keeps them in
    # ``order.sl_order_id`` ...; these stay None outside the codec)
    sl_order_id: int | None = field(default=None, repr=False, compare=False)
    sl_order_type: str | None = field(default=None, repr=False, compare=False)
    pt_order_id: int | None = field(default=None, repr=False, compare=False)
    pt_order_type: str | None = field(default=None, repr=False, compare=False)


@to_server(Out.CANCEL_ORDER, Version(1, until=Feature.CME_TAGGING_FIELDS), F("order_id", INT),
           F("manual_order_cancel_time", STR, since=Feature.MANUAL_ORDER_TIME),
           Skip("", since=Feature.RFQ_FIELDS, until=Feature.UNDO_RFQ_FIELDS),  # RFQ placeholders
           Skip("", since=Feature.RFQ_FIELDS, until=Feature.UNDO_RFQ_FIELDS),
           Skip(U_INT, since=Feature.RFQ_FIELDS, until=Feature.UNDO_RFQ_FIELDS),
           F("ext_operator", STR, since=Feature.CME_TAGGING_FIELDS),
           F("manual_order_indicator", INT, unset=U_INT, none=(U_INT,),
             since=Feature.CME_TAGGING_FIELDS),
           Proto("CancelOrderRequest", Feature.PROTOBUF_PLACE_ORDER), P(1, "order_id"), P(2, "", sub=ORDER_CANCEL))
@dataclass(slots=True)
class CancelOrder(Message):
    """CANCEL_ORDER (4; v1 below 192): manualOrderCancelTime from 169 (``""`` normally), the
    official OrderCancel's extOperator and manualOrderIndicator from 192 (no version field)."""

    order_id: int | None = None
    manual_order_cancel_time: str | None = None
    ext_operator: str | None = None
    manual_order_indicator: int | None = None


@to_server(Out.REQ_GLOBAL_CANCEL, Version(1, until=Feature.CME_TAGGING_FIELDS), "ext_operator",
           "manual_order_indicator", Proto("GlobalCancelRequest", Feature.PROTOBUF_PLACE_ORDER),
           P(1, "", sub=ORDER_CANCEL))
@dataclass(slots=True)
class ReqGlobalCancel(Message):
    """REQ_GLOBAL_CANCEL (58; v1 below 192, then the OrderCancel fields): cancel every open
    order."""

    ext_operator: Annotated[str | None, W(STR, since=Feature.CME_TAGGING_FIELDS)] = None
    manual_order_indicator: Annotated[int | None, W(INT, unset=U_INT, none=(U_INT,), since=Feature.CME_TAGGING_FIELDS)] = None

