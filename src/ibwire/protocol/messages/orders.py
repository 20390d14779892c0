"""Order messages: place / cancel / request (client -> TWS), open, status, completed (TWS -> client).

Layouts follow PROTOCOL.md sections 4.1 (PLACE_ORDER), 4.2 (OPEN_ORDER), 4.2b (COMPLETED_ORDER),
4.3 (ORDER_STATUS) and 4.19 (CANCEL_ORDER), for every server version 157..178.

Unset values. Client -> TWS, ``None`` is written the way the official client writes an unset
value: mostly ``""``; ``2147483647`` for duration / postToAts and Python's ``1.7976931348623157e+308``
for triggerPrice, lmtPriceOffset, the adjusted-order prices and cashQty; ``0`` for a missing conId;
``-1`` for exemptCode; ``1`` for transmit. TWS -> client, ``None`` is written the way real TWS writes
it (captured frames), and those forms decode back to ``None``: ``?`` for the right of a
non-option and for deltaNeutralOpenClose, ``None`` for deltaNeutralOrderType (followed by its
delta-neutral block, which every parser then reads) and adjustedOrderType, ``2147483647`` for
displaySize and the scale level sizes, ``1.7976931348623157E308`` for the margins and adjusted
prices. No field that ib_async or ibapi parse with ``int()`` is ever written as anything but an
integer or ``""``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from ...errors import LocalProtocolError, RemoteProtocolError
from ...models.contract import ComboLeg, Contract, DeltaNeutralContract
from ...models.order import (
    CONDITION_TYPES,
    ExecutionCondition,
    MarginCondition,
    Order,
    OrderAllocation,
    OrderComboLeg,
    OrderCondition,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE, UNSET_DOUBLE_STR, Kind, TagValue, dec_bool, dec_float, enc_float, enc_str
from ..elements import PT, P, Proto, W
from ..ids import In, Out
from ..schema import Cond, Custom, Element, F, Message, Opt, Repeat, Skip, Version, to_client, to_server
from ..versions import Feature
from ._place_order_pb import place_from_pb, place_to_pb, refuse_newer_order_fields
from .blocks import (
    ATTACHED_ORDERS,
    CONTRACT,
    ORDER,
    ORDER_CANCEL,
    ORDER_REQUEST,
    ORDER_STATE,
    PRICED_CONTRACT,
)

__all__ = [
    "PlaceOrder",
    "CancelOrder",
    "ReqOpenOrders",
    "ReqAllOpenOrders",
    "ReqAutoOpenOrders",
    "ReqGlobalCancel",
    "ReqCompletedOrders",
    "OpenOrder",
    "OpenOrderEnd",
    "OrderStatus",
    "CompletedOrder",
    "CompletedOrdersEnd",
    "OrderBound",
]

INT, FLOAT, FINF, DEC, BOOL, STR, TAGS = (Kind.INT, Kind.FLOAT, Kind.FLOAT_INF, Kind.DECIMAL,
                                          Kind.BOOL, Kind.STR, Kind.TAGS)
U_INT = "2147483647"  # Integer.MAX_VALUE
U_LONG = "9223372036854775807"  # Long.MAX_VALUE
PY_UNSET_DOUBLE = "1.7976931348623157e+308"  # str(sys.float_info.max): the official client's form

# --- data-dependent block tests (on the wire text of an earlier field) --------------------------

_INFINITY_TEXTS = frozenset({"Infinity", "Infinite", "inf", "+Infinity"})


def _nonempty(s: str) -> bool:
    return s != ""


def _is_bag(s: str) -> bool:
    return s == "BAG"


def _is_ibkrats(s: str) -> bool:
    return s == "IBKRATS"


def _is_peg_bench(s: str) -> bool:
    return s in ("PEG BENCH", "PEGBENCH")


def _is_peg_best(s: str) -> bool:
    return s in ("PEG BEST", "PEGBEST")


def _is_peg_mid(s: str) -> bool:
    return s in ("PEG MID", "PEGMID")


def _is_up_to_mid(s: str) -> bool:
    return s in _INFINITY_TEXTS


def _has_scale_block(s: str) -> bool:
    """The 7 scale fields follow when 0 < scalePriceIncrement < unset (all parsers agree)."""
    try:
        v = float(s)
    except ValueError:
        return False
    return 0.0 < v < UNSET_DOUBLE


# --- custom pieces -------------------------------------------------------------------------------

def _dec_amount(f: list[str], i: int) -> tuple[float | None, int]:
    return dec_float(f[i]), i + 1


def _enc_amount(v: object, a: Callable[[str], None]) -> None:
    """TWS (and, for discretionaryAmt, the official client) write these doubles compactly:
    ``0`` / ``10`` / ``201.94``, not ``0.0`` / ``10.0``."""
    s = "" if v is None else enc_float(v)
    if s.endswith(".0") and "e" not in s:
        s = s[:-2]
    a(s)


def _dec_whole_qty(f: list[str], i: int) -> tuple[Decimal | None, int]:
    return (Decimal(f[i]) if f[i] else None), i + 1


def _enc_whole_qty(v: object, a: Callable[[str], None]) -> None:
    """Below FRACTIONAL_POSITIONS quantities are whole numbers (the official client: ``int()``)."""
    a("" if v is None else str(int(v)))  # type: ignore[call-overload]


def _int0(s: str) -> int:
    if not s:
        return 0
    try:
        return int(s)
    except ValueError:  # a float text such as "30.0" (the official client's MarginCondition)
        v = float(s)
        if not v.is_integer():
            raise
        return int(v)


def _str(v: object) -> str:
    return enc_str(v, "")


def _int(v: Any) -> str:
    return str(int(v))


def _bool(v: object) -> str:
    return "1" if v else "0"


# (decode, encode) per condition field kind, and each condition's fields after the conjunction.
_B = (lambda s: bool(dec_bool(s)), _bool)
_I = (_int0, _int)
_D = (lambda s: float(s) if s else 0.0, enc_float)
_S = (lambda s: s, _str)
_CONDITION_FIELDS: dict[type[OrderCondition], tuple[tuple[str, tuple[Any, Any]], ...]] = {
    PriceCondition: (("is_more", _B), ("price", _D), ("con_id", _I), ("exchange", _S),
                     ("trigger_method", _I)),
    TimeCondition: (("is_more", _B), ("time", _S)),
    MarginCondition: (("is_more", _B), ("percent", _I)),
    ExecutionCondition: (("sec_type", _S), ("exchange", _S), ("symbol", _S)),
    VolumeCondition: (("is_more", _B), ("volume", _I), ("con_id", _I), ("exchange", _S)),
    PercentChangeCondition: (("is_more", _B), ("change_percent", _D), ("con_id", _I),
                             ("exchange", _S)),
}


def _dec_conditions(f: list[str], i: int) -> tuple[tuple[list[OrderCondition], bool | None,
                                                           bool | None], int]:
    """conditionsCount, then per condition its type, conjunction and fields, then (if any)
    conditionsIgnoreRth and conditionsCancelOrder."""
    n = int(f[i]) if f[i] else 0
    if n < 0 or n > 1000:
        raise ValueError(f"implausible order conditions count {n}")
    i += 1
    out: list[OrderCondition] = []
    for _ in range(n):
        ctype = int(f[i])
        cls = CONDITION_TYPES.get(ctype)
        if cls is None:
            raise RemoteProtocolError(f"order conditions of type {ctype} are not supported")
        kwargs: dict[str, Any] = {"is_conjunction_connection": f[i + 1] == "a"}
        i += 2
        for name, (dec, _) in _CONDITION_FIELDS[cls]:
            kwargs[name] = dec(f[i])
            i += 1
        out.append(cls(**kwargs))
    if not n:
        return (out, False, False), i
    return (out, dec_bool(f[i]), dec_bool(f[i + 1])), i + 2


def _enc_conditions(value: tuple[list[OrderCondition], bool | None, bool | None],
                    append: Callable[[str], None]) -> None:
    conds, ignore_rth, cancel_order = value
    conds = conds or []
    append(str(len(conds)))
    for c in conds:
        cls = type(c)
        if CONDITION_TYPES.get(cls.TYPE) is not cls:
            raise LocalProtocolError(f"order conditions of type {cls.TYPE} ({cls.__name__}) "
                                     "are not supported")
        append(str(cls.TYPE))
        append("a" if c.is_conjunction_connection else "o")
        for name, (_, enc) in _CONDITION_FIELDS[cls]:
            append(enc(getattr(c, name)))
    if conds:
        append(_bool(ignore_rth))
        append(_bool(cancel_order))


_CONDITIONS = Custom(("order.conditions", "order.conditions_ignore_rth",
                      "order.conditions_cancel_order"), _dec_conditions, _enc_conditions)


def _compact(path: str, since: Feature | None = None) -> Custom:
    """A double written the compact way (see :func:`_enc_amount`)."""
    return Custom(path, _dec_amount, _enc_amount, since=since)


_DISCRETIONARY_AMT = _compact("order.discretionary_amt")


def _since(el: Custom, feature: Feature) -> Custom:
    """``el`` present only from ``feature`` on."""
    return Custom(el.path, el.decode, el.encode, since=feature, until=el.until)


def _since_all(feature: Feature, fields: tuple[F, ...]) -> tuple[F, ...]:
    """Plain fields present only from ``feature`` on."""
    return tuple(F(f.path, f.kind, since=feature, until=f.until, unset=f.unset, none=f.none)
                 for f in fields)

# --- shared blocks ---------------------------------------------------------------------------------

_TAG_VALUE: tuple[Element, ...] = (F("tag", STR), F("value", STR))
_DN_CONTRACT: tuple[Element, ...] = (F("con_id", INT), F("delta", FLOAT), F("price", FLOAT))


def _combo_leg(exempt_unset: str) -> tuple[Element, ...]:
    return (F("con_id", INT), F("ratio", INT), F("action", STR), F("exchange", STR),
            F("open_close", INT), F("short_sale_slot", INT), F("designated_location", STR),
            F("exempt_code", INT, unset=exempt_unset))


_SCALE_BLOCK: tuple[Element, ...] = (
    F("order.scale_price_adjust_value", FLOAT), F("order.scale_price_adjust_interval", INT),
    F("order.scale_profit_offset", FLOAT), F("order.scale_auto_reset", BOOL),
    F("order.scale_init_position", INT), F("order.scale_init_fill_qty", INT),
    F("order.scale_random_percent", BOOL),
)
_PEG_BENCH: tuple[Element, ...] = (
    F("order.reference_contract_id", INT), F("order.is_pegged_change_amount_decrease", BOOL),
    F("order.pegged_change_amount", FLOAT), F("order.reference_change_amount", FLOAT),
    F("order.reference_exchange_id", STR),
)
_MID_OFFSETS: tuple[Element, ...] = (F("order.mid_offset_at_whole", FLOAT),
                                     F("order.mid_offset_at_half", FLOAT))
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
    F("contract.last_trade_date_or_contract_month", STR), _compact("contract.strike"),
    F("contract.right", STR, unset=_UNSET, none=(_UNSET,)), F("contract.multiplier", STR),
    F("contract.exchange", STR), F("contract.currency", STR), F("contract.local_symbol", STR),
    F("contract.trading_class", STR),
)
# comboLegsDescrip .. smartComboRoutingParams, unconditional in OPEN_ORDER / COMPLETED_ORDER.
_COMBO_TO_CLIENT: tuple[Element, ...] = (
    F("contract.combo_legs_descrip", STR),
    Repeat("contract.combo_legs", ComboLeg, _combo_leg("")),
    Repeat("order.order_combo_legs", OrderComboLeg, (F("price", FLOAT),)),
    Repeat("order.smart_combo_routing_params", TagValue, _TAG_VALUE),
)
_SCALE_TO_CLIENT: tuple[Element, ...] = (
    F("order.scale_init_level_size", INT, unset=U_INT),
    F("order.scale_subs_level_size", INT, unset=U_INT),
    F("order.scale_price_increment", FLOAT),
    Cond("order.scale_price_increment", _has_scale_block, _SCALE_BLOCK),
    F("order.hedge_type", STR), Cond("order.hedge_type", _nonempty, (F("order.hedge_param", STR),)),
)
_ALGO: tuple[Element, ...] = (
    Opt("contract.delta_neutral_contract", DeltaNeutralContract, _DN_CONTRACT),
    F("order.algo_strategy", STR),
    Cond("order.algo_strategy", _nonempty, (Repeat("order.algo_params", TagValue, _TAG_VALUE),)),
)
_PEG_BEST_MID_TO_CLIENT: tuple[Element, ...] = (
    F("order.min_trade_qty", INT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.min_compete_size", INT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.compete_against_best_offset", FINF, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.mid_offset_at_whole", FLOAT, since=Feature.PEGBEST_PEGMID_OFFSETS),
    F("order.mid_offset_at_half", FLOAT, since=Feature.PEGBEST_PEGMID_OFFSETS),
)


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
        Repeat("contract.combo_legs", ComboLeg, _combo_leg("-1")),
        Repeat("order.order_combo_legs", OrderComboLeg, (F("price", FLOAT),)),
        Repeat("order.smart_combo_routing_params", TagValue, _TAG_VALUE),
    )),
    Skip(""),  # sharesAllocation (deprecated)
    _DISCRETIONARY_AMT, F("order.good_after_time", STR), F("order.good_till_date", STR),
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
    Cond("order.delta_neutral_order_type", _nonempty, (
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
    Cond("order.scale_price_increment", _has_scale_block, _SCALE_BLOCK),
    F("order.scale_table", STR), F("order.active_start_time", STR),
    F("order.active_stop_time", STR),
    F("order.hedge_type", STR), Cond("order.hedge_type", _nonempty, (F("order.hedge_param", STR),)),
    F("order.opt_out_smart_routing", BOOL), F("order.clearing_account", STR),
    F("order.clearing_intent", STR), F("order.not_held", BOOL),
    *_ALGO,
    F("order.algo_id", STR), F("order.what_if", BOOL), F("order.order_misc_options", TAGS),
    F("order.solicited", BOOL), F("order.randomize_size", BOOL), F("order.randomize_price", BOOL),
    Cond("order.order_type", _is_peg_bench, _PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    _since(_CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
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


@to_server(Out.REQ_GLOBAL_CANCEL, Version(1, until=Feature.CME_TAGGING_FIELDS), "ext_operator",
           "manual_order_indicator", Proto("GlobalCancelRequest", Feature.PROTOBUF_PLACE_ORDER),
           P(1, "", sub=ORDER_CANCEL))
@dataclass(slots=True)
class ReqGlobalCancel(Message):
    """REQ_GLOBAL_CANCEL (58; v1 below 192, then the OrderCancel fields): cancel every open
    order."""

    ext_operator: Annotated[str | None, W(STR, since=Feature.CME_TAGGING_FIELDS)] = None
    manual_order_indicator: Annotated[int | None, W(INT, unset=U_INT, none=(U_INT,), since=Feature.CME_TAGGING_FIELDS)] = None


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
    _DISCRETIONARY_AMT, F("order.good_after_time", STR),
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
    Cond("order.delta_neutral_order_type", _nonempty, (
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
    *_ALGO,
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
    Cond("order.order_type", _is_peg_bench, _PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    _since(_CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
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
    _compact("order.cash_qty", since=Feature.CASH_QTY),
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
           "filled", "remaining", _compact("avg_fill_price"), "perm_id", "parent_id",
           _compact("last_fill_price"), "client_id", "why_held",
           _compact("mkt_cap_price", since=Feature.MARKET_CAP_PRICE),
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
    _DISCRETIONARY_AMT, F("order.good_after_time", STR),
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
    Cond("order.delta_neutral_order_type", _nonempty, (
        F("order.delta_neutral_con_id", INT), F("order.delta_neutral_short_sale", BOOL),
        F("order.delta_neutral_short_sale_slot", INT),
        F("order.delta_neutral_designated_location", STR),
    )),
    F("order.continuous_update", BOOL), F("order.reference_price_type", INT),
    F("order.trail_stop_price", FLOAT), F("order.trailing_percent", FLOAT),
    *_COMBO_TO_CLIENT,
    *_SCALE_TO_CLIENT,
    F("order.clearing_account", STR), F("order.clearing_intent", STR), F("order.not_held", BOOL),
    *_ALGO,
    F("order.solicited", BOOL), F("order_state.status", STR),
    F("order.randomize_size", BOOL), F("order.randomize_price", BOOL),
    Cond("order.order_type", _is_peg_bench, _PEG_BENCH, since=Feature.PEGGED_TO_BENCHMARK),
    _since(_CONDITIONS, Feature.PEGGED_TO_BENCHMARK),
    F("order.trail_stop_price", FLOAT, unset=UNSET_DOUBLE_STR),  # again; this one wins
    F("order.lmt_price_offset", FLOAT, unset=UNSET_DOUBLE_STR),
    _compact("order.cash_qty", since=Feature.CASH_QTY),
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
