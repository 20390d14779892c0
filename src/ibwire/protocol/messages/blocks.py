"""The protobuf types shared by several messages, each declared once (PROTOCOL-V2.md Appendix A).

A message declares its own protobuf fields beside its text layout (``F(..., pb=N)``, ``P(...)``,
``Proto(...)``); the blocks that several messages embed -- the contract, the order and its state,
contract details, executions, bars, tag-value maps -- are declared here and referenced by
``P(number, path, sub=...)``. Field numbers are protocol facts from the sheet; IB's field names are
given as ``name`` for error messages. Fields ibwire's models do not hold yet are listed under each
type and skipped when decoding (as unknown fields are).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ...errors import LocalProtocolError, RemoteProtocolError
from ...models.contract import ComboLeg, Contract, DeltaNeutralContract
from ...models.execution import CommissionReport, Execution, ExecutionFilter
from ...models.market import BarData, ContractDetails, IneligibilityReason
from ...models.order import (
    CONDITION_TYPES,
    Order,
    OrderAllocation,
    OrderComboLeg,
    OrderCondition,
    OrderState,
    SoftDollarTier,
)
from ..codec import Kind
from ..elements import Refuse
from ..protobuf import PT, P, PbType, format_multiplier
from ..versions import Feature

__all__ = [
    "COMBO_LEG", "DELTA_NEUTRAL_CONTRACT", "CONTRACT", "SOFT_DOLLAR_TIER", "ORDER_CONDITION",
    "ORDER", "ORDER_STATE", "CONTRACT_DETAILS", "EXECUTION", "EXECUTION_FILTER",
    "COMMISSION_AND_FEES_REPORT", "HISTORICAL_DATA_BAR", "ORDER_CANCEL", "OrderCancel",
    "ORDER_REQUEST", "ATTACHED_ORDERS", "AttachedOrders", "PRICED_CONTRACT", "PricedComboLeg",
    "price_legs", "unprice_legs", "not_before",
]

INT, FLOAT, DEC, BOOL, STR, TAGS, TIME = (Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR,
                                          Kind.TAGS, Kind.DATETIME)

# 9 perLegPrice: PLACE_ORDER only, see PRICED_CONTRACT (ibwire keeps the prices in the order)
COMBO_LEG = PbType("ComboLeg", ComboLeg, (
    P(1, "con_id", INT, name="conId"), P(2, "ratio", INT, name="ratio"),
    P(3, "action", STR, name="action"), P(4, "exchange", STR, name="exchange"),
    P(5, "open_close", INT, name="openClose"), P(6, "short_sale_slot", INT, name="shortSalesSlot"),
    P(7, "designated_location", STR, name="designatedLocation"),
    P(8, "exempt_code", INT, name="exemptCode"),
))

DELTA_NEUTRAL_CONTRACT = PbType("DeltaNeutralContract", DeltaNeutralContract, (
    P(1, "con_id", INT, name="conId"), P(2, "delta", FLOAT, name="delta"),
    P(3, "price", FLOAT, name="price"),
))

CONTRACT = PbType("Contract", Contract, (
    P(1, "con_id", INT, unset=0, name="conId"), P(2, "symbol", STR, name="symbol"),
    P(3, "sec_type", STR, name="secType"),
    P(4, "last_trade_date_or_contract_month", STR, name="lastTradeDateOrContractMonth"),
    P(5, "strike", FLOAT, name="strike"), P(6, "right", STR, name="right"),
    P(7, "multiplier", STR, pt=PT.DOUBLE, convert=(format_multiplier, float), name="multiplier"),
    P(8, "exchange", STR, name="exchange"), P(9, "primary_exchange", STR, name="primaryExch"),
    P(10, "currency", STR, name="currency"), P(11, "local_symbol", STR, name="localSymbol"),
    P(12, "trading_class", STR, name="tradingClass"), P(13, "sec_id_type", STR, name="secIdType"),
    P(14, "sec_id", STR, name="secId"), P(15, "description", STR, name="description"),
    P(16, "issuer_id", STR, name="issuerId"),
    P(18, "include_expired", BOOL, name="includeExpired"),
    P(19, "combo_legs_descrip", STR, name="comboLegsDescrip"),
    P(21, "last_trade_date", STR, name="lastTradeDate"),
    P(17, "delta_neutral_contract", sub=DELTA_NEUTRAL_CONTRACT, name="deltaNeutralContract"),
    P(20, "combo_legs", sub=COMBO_LEG, repeated=True, name="comboLegs"),
))

@dataclass(slots=True)
class PricedComboLeg(ComboLeg):
    """A combo leg as PLACE_ORDER's protobuf carries it: with its order's price for the leg."""

    per_leg_price: float | None = None


PRICED_COMBO_LEG = PbType("ComboLeg", PricedComboLeg, (
    *COMBO_LEG.fields, P(9, "per_leg_price", FLOAT, name="perLegPrice")))
PRICED_CONTRACT = PbType("Contract", Contract, tuple(
    dataclasses.replace(f, sub=PRICED_COMBO_LEG) if f.number == 20 else f for f in CONTRACT.fields))
"""The contract of PLACE_ORDER: its legs carry the order's per-leg prices (ComboLeg 9)."""


def _leg_fields(leg: ComboLeg) -> dict[str, Any]:
    return {f.name: getattr(leg, f.name) for f in dataclasses.fields(ComboLeg)}


def price_legs(msg: Any) -> Any:
    """PLACE_ORDER before protobuf: each OrderComboLeg price goes into its contract leg, as the
    official client sends it (the text layout lists the prices after the legs instead)."""
    if not msg.contract.combo_legs:
        return msg
    prices = [leg.price for leg in msg.order.order_combo_legs]
    legs = [PricedComboLeg(**_leg_fields(leg), per_leg_price=prices[i] if i < len(prices) else None)
            for i, leg in enumerate(msg.contract.combo_legs)]
    return dataclasses.replace(msg, contract=dataclasses.replace(msg.contract, combo_legs=legs))


def unprice_legs(msg: Any) -> Any:
    """PLACE_ORDER after protobuf: the per-leg prices back into the order's OrderComboLegs."""
    legs = msg.contract.combo_legs if msg.contract is not None else []
    if not any(isinstance(leg, PricedComboLeg) for leg in legs):
        return msg
    prices = [leg.per_leg_price for leg in legs]
    msg.contract.combo_legs = [ComboLeg(**_leg_fields(leg)) for leg in legs]
    if msg.order is not None and any(p is not None for p in prices):
        msg.order.order_combo_legs = [OrderComboLeg(p) for p in prices]
    return msg


SOFT_DOLLAR_TIER = PbType("SoftDollarTier", SoftDollarTier, (
    P(1, "name", STR, name="name"), P(2, "value", STR, name="value"),
    P(3, "display_name", STR, name="displayName"),
))


@dataclass(slots=True)
class _Condition:
    """OrderCondition as protobuf has it: one flat message for the six kinds (sheet section 5.19)."""

    type: int | None = None
    is_conjunction_connection: bool | None = None
    is_more: bool | None = None
    con_id: int | None = None
    exchange: str | None = None
    symbol: str | None = None
    sec_type: str | None = None
    percent: int | None = None
    change_percent: float | None = None
    price: float | None = None
    trigger_method: int | None = None
    time: str | None = None
    volume: int | None = None


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _condition_from_pb(c: _Condition) -> OrderCondition:
    cls = CONDITION_TYPES.get(c.type or 0)
    if cls is None:
        raise RemoteProtocolError(f"order conditions of type {c.type} are not supported")
    kwargs: dict[str, Any] = {}
    for name in _names(cls):
        value = getattr(c, name)
        if value is not None:
            kwargs[name] = value
    return cls(**kwargs)


def _condition_to_pb(c: OrderCondition) -> _Condition:
    cls = type(c)
    if CONDITION_TYPES.get(cls.TYPE) is not cls:
        raise LocalProtocolError(f"order conditions of type {cls.TYPE} ({cls.__name__}) "
                                 "are not supported")
    out = _Condition(type=cls.TYPE)
    for name in _names(cls):
        setattr(out, name, getattr(c, name))
    return out


ORDER_CONDITION = PbType("OrderCondition", _Condition, (
    P(1, "type", INT, name="type"),
    P(2, "is_conjunction_connection", BOOL, always=True, name="isConjunctionConnection"),
    P(3, "is_more", BOOL, always=True, name="isMore"),
    P(4, "con_id", INT, name="conId"), P(5, "exchange", STR, name="exchange"),
    P(6, "symbol", STR, name="symbol"), P(7, "sec_type", STR, name="secType"),
    P(8, "percent", INT, name="percent"), P(9, "change_percent", FLOAT, name="changePercent"),
    P(10, "price", FLOAT, name="price"), P(11, "trigger_method", INT, name="triggerMethod"),
    P(12, "time", STR, name="time"), P(13, "volume", INT, name="volume"),
))

# 120 and 138 .. 145 exist only in protobuf (routeMarketableToBbo also in COMPLETED_ORDER's text);
# PLACE_ORDER refuses them below their versions (orders.py, ``refuse_newer_order_fields``)
ORDER = PbType("Order", Order, (
    P(1, "client_id", INT, name="clientId"), P(2, "order_id", INT, name="orderId"),
    P(3, "perm_id", INT, pt=PT.INT64, name="permId"), P(4, "parent_id", INT, name="parentId"),
    P(5, "action", STR, name="action"), P(6, "total_quantity", DEC, name="totalQuantity"),
    P(7, "display_size", INT, name="displaySize"), P(8, "order_type", STR, name="orderType"),
    P(9, "lmt_price", FLOAT, name="lmtPrice"), P(10, "aux_price", FLOAT, name="auxPrice"),
    P(11, "tif", STR, name="tif"), P(12, "account", STR, name="account"),
    P(13, "settling_firm", STR, name="settlingFirm"),
    P(14, "clearing_account", STR, name="clearingAccount"),
    P(15, "clearing_intent", STR, name="clearingIntent"),
    P(16, "all_or_none", BOOL, name="allOrNone"), P(17, "block_order", BOOL, name="blockOrder"),
    P(18, "hidden", BOOL, name="hidden"), P(19, "outside_rth", BOOL, name="outsideRth"),
    P(20, "sweep_to_fill", BOOL, name="sweepToFill"),
    P(21, "percent_offset", FLOAT, name="percentOffset"),
    P(22, "trailing_percent", FLOAT, name="trailingPercent"),
    P(23, "trail_stop_price", FLOAT, name="trailStopPrice"), P(24, "min_qty", INT, name="minQty"),
    P(25, "good_after_time", STR, name="goodAfterTime"),
    P(26, "good_till_date", STR, name="goodTillDate"), P(27, "oca_group", STR, name="ocaGroup"),
    P(28, "order_ref", STR, name="orderRef"), P(29, "rule80_a", STR, name="rule80A"),
    P(30, "oca_type", INT, name="ocaType"), P(31, "trigger_method", INT, name="triggerMethod"),
    P(32, "active_start_time", STR, name="activeStartTime"),
    P(33, "active_stop_time", STR, name="activeStopTime"), P(34, "fa_group", STR, name="faGroup"),
    P(35, "fa_method", STR, name="faMethod"), P(36, "fa_percentage", STR, name="faPercentage"),
    P(37, "volatility", FLOAT, name="volatility"),
    P(38, "volatility_type", INT, name="volatilityType"),
    P(39, "continuous_update", BOOL, name="continuousUpdate"),
    P(40, "reference_price_type", INT, name="referencePriceType"),
    P(41, "delta_neutral_order_type", STR, name="deltaNeutralOrderType"),
    P(42, "delta_neutral_aux_price", FLOAT, name="deltaNeutralAuxPrice"),
    P(43, "delta_neutral_con_id", INT, name="deltaNeutralConId"),
    P(44, "delta_neutral_open_close", STR, name="deltaNeutralOpenClose"),
    P(45, "delta_neutral_short_sale", BOOL, name="deltaNeutralShortSale"),
    P(46, "delta_neutral_short_sale_slot", INT, name="deltaNeutralShortSaleSlot"),
    P(47, "delta_neutral_designated_location", STR, name="deltaNeutralDesignatedLocation"),
    P(48, "scale_init_level_size", INT, name="scaleInitLevelSize"),
    P(49, "scale_subs_level_size", INT, name="scaleSubsLevelSize"),
    P(50, "scale_price_increment", FLOAT, name="scalePriceIncrement"),
    P(51, "scale_price_adjust_value", FLOAT, name="scalePriceAdjustValue"),
    P(52, "scale_price_adjust_interval", INT, name="scalePriceAdjustInterval"),
    P(53, "scale_profit_offset", FLOAT, name="scaleProfitOffset"),
    P(54, "scale_auto_reset", BOOL, name="scaleAutoReset"),
    P(55, "scale_init_position", INT, name="scaleInitPosition"),
    P(56, "scale_init_fill_qty", INT, name="scaleInitFillQty"),
    P(57, "scale_random_percent", BOOL, name="scaleRandomPercent"),
    P(58, "scale_table", STR, name="scaleTable"), P(59, "hedge_type", STR, name="hedgeType"),
    P(60, "hedge_param", STR, name="hedgeParam"), P(61, "algo_strategy", STR, name="algoStrategy"),
    P(62, "algo_params", TAGS, name="algoParams"), P(63, "algo_id", STR, name="algoId"),
    P(64, "smart_combo_routing_params", TAGS, name="smartComboRoutingParams"),
    P(65, "what_if", BOOL, name="whatIf"), P(66, "transmit", BOOL, name="transmit"),
    P(67, "override_percentage_constraints", BOOL, name="overridePercentageConstraints"),
    P(68, "open_close", STR, name="openClose"), P(69, "origin", INT, name="origin"),
    P(70, "short_sale_slot", INT, name="shortSaleSlot"),
    P(71, "designated_location", STR, name="designatedLocation"),
    P(72, "exempt_code", INT, name="exemptCode"),
    P(73, "delta_neutral_settling_firm", STR, name="deltaNeutralSettlingFirm"),
    P(74, "delta_neutral_clearing_account", STR, name="deltaNeutralClearingAccount"),
    P(75, "delta_neutral_clearing_intent", STR, name="deltaNeutralClearingIntent"),
    P(76, "discretionary_amt", FLOAT, name="discretionaryAmt"),
    P(77, "opt_out_smart_routing", BOOL, name="optOutSmartRouting"),
    P(78, "starting_price", FLOAT, name="startingPrice"),
    P(79, "stock_ref_price", FLOAT, name="stockRefPrice"), P(80, "delta", FLOAT, name="delta"),
    P(81, "stock_range_lower", FLOAT, name="stockRangeLower"),
    P(82, "stock_range_upper", FLOAT, name="stockRangeUpper"),
    P(83, "not_held", BOOL, name="notHeld"),
    P(84, "order_misc_options", TAGS, name="orderMiscOptions"),
    P(85, "solicited", BOOL, name="solicited"),
    P(86, "randomize_size", BOOL, name="randomizeSize"),
    P(87, "randomize_price", BOOL, name="randomizePrice"),
    P(88, "reference_contract_id", INT, name="referenceContractId"),
    P(89, "pegged_change_amount", FLOAT, name="peggedChangeAmount"),
    P(90, "is_pegged_change_amount_decrease", BOOL, name="isPeggedChangeAmountDecrease"),
    P(91, "reference_change_amount", FLOAT, name="referenceChangeAmount"),
    P(92, "reference_exchange_id", STR, name="referenceExchangeId"),
    P(93, "adjusted_order_type", STR, name="adjustedOrderType"),
    P(94, "trigger_price", FLOAT, name="triggerPrice"),
    P(95, "adjusted_stop_price", FLOAT, name="adjustedStopPrice"),
    P(96, "adjusted_stop_limit_price", FLOAT, name="adjustedStopLimitPrice"),
    P(97, "adjusted_trailing_amount", FLOAT, name="adjustedTrailingAmount"),
    P(98, "adjustable_trailing_unit", INT, name="adjustableTrailingUnit"),
    P(99, "lmt_price_offset", FLOAT, name="lmtPriceOffset"),
    P(101, "conditions_cancel_order", BOOL, name="conditionsCancelOrder"),
    P(102, "conditions_ignore_rth", BOOL, name="conditionsIgnoreRth"),
    P(103, "model_code", STR, name="modelCode"), P(104, "ext_operator", STR, name="extOperator"),
    P(106, "cash_qty", FLOAT, name="cashQty"),
    P(107, "mifid2_decision_maker", STR, name="mifid2DecisionMaker"),
    P(108, "mifid2_decision_algo", STR, name="mifid2DecisionAlgo"),
    P(109, "mifid2_execution_trader", STR, name="mifid2ExecutionTrader"),
    P(110, "mifid2_execution_algo", STR, name="mifid2ExecutionAlgo"),
    P(111, "dont_use_auto_price_for_hedge", BOOL, name="dontUseAutoPriceForHedge"),
    P(112, "is_oms_container", BOOL, name="isOmsContainer"),
    P(113, "discretionary_up_to_limit_price", BOOL, name="discretionaryUpToLimitPrice"),
    P(114, "auto_cancel_date", STR, name="autoCancelDate"),
    P(115, "filled_quantity", DEC, name="filledQuantity"),
    P(116, "ref_futures_con_id", INT, name="refFuturesConId"),
    P(117, "auto_cancel_parent", BOOL, name="autoCancelParent"),
    P(118, "shareholder", STR, name="shareholder"),
    P(119, "imbalance_only", BOOL, name="imbalanceOnly"),
    P(120, "route_marketable_to_bbo", BOOL, pt=PT.INT32, name="routeMarketableToBbo"),
    P(121, "parent_perm_id", INT, pt=PT.INT64, name="parentPermId"),
    P(122, "use_price_mgmt_algo", BOOL, pt=PT.INT32, name="usePriceMgmtAlgo"),
    P(123, "duration", INT, name="duration"), P(124, "post_to_ats", INT, name="postToAts"),
    P(125, "advanced_error_override", STR, name="advancedErrorOverride"),
    P(126, "manual_order_time", STR, name="manualOrderTime"),
    P(127, "min_trade_qty", INT, name="minTradeQty"),
    P(128, "min_compete_size", INT, name="minCompeteSize"),
    P(129, "compete_against_best_offset", Kind.FLOAT_INF, name="competeAgainstBestOffset"),
    P(130, "mid_offset_at_whole", FLOAT, name="midOffsetAtWhole"),
    P(131, "mid_offset_at_half", FLOAT, name="midOffsetAtHalf"),
    P(132, "customer_account", STR, name="customerAccount"),
    P(133, "professional_customer", BOOL, name="professionalCustomer"),
    P(134, "bond_accrued_interest", STR, name="bondAccruedInterest"),
    P(135, "include_overnight", BOOL, name="includeOvernight"),
    P(136, "manual_order_indicator", INT, name="manualOrderIndicator"),
    P(137, "submitter", STR, name="submitter"),
    P(138, "deactivate", BOOL, name="deactivate"), P(139, "post_only", BOOL, name="postOnly"),
    P(140, "allow_pre_open", BOOL, name="allowPreOpen"),
    P(141, "ignore_open_auction", BOOL, name="ignoreOpenAuction"),
    P(142, "seek_price_improvement", BOOL, pt=PT.INT32, name="seekPriceImprovement"),
    P(143, "what_if_type", INT, name="whatIfType"),
    P(144, "hedge_max_size", INT, name="hedgeMaxSize"),
    P(145, "conditions_include_overnight", BOOL, name="conditionsIncludeOvernight"),
    P(100, "conditions", sub=ORDER_CONDITION, repeated=True,
      convert=(_condition_from_pb, _condition_to_pb), name="conditions"),
    P(105, "soft_dollar_tier", sub=SOFT_DOLLAR_TIER, name="softDollarTier"),
))

ORDER_REQUEST = ORDER.without(2, 114, 115, 116, 118, 121)
"""The order as PLACE_ORDER carries it: the official client leaves orderId (2) out (the request's
own field 1 holds it) and never writes the fields only TWS reports (autoCancelDate,
filledQuantity, refFuturesConId, shareholder, parentPermId)."""

ORDER_ALLOCATION = PbType("OrderAllocation", OrderAllocation, (
    P(1, "account", STR, name="account"), P(2, "position", DEC, name="position"),
    P(3, "position_desired", DEC, name="positionDesired"),
    P(4, "position_after", DEC, name="positionAfter"),
    P(5, "desired_alloc_qty", DEC, name="desiredAllocQty"),
    P(6, "allowed_alloc_qty", DEC, name="allowedAllocQty"),
    P(7, "is_monetary", BOOL, name="isMonetary"),
))

ORDER_STATE = PbType("OrderState", OrderState, (
    P(1, "status", STR, name="status"),
    P(2, "init_margin_before", STR, pt=PT.DOUBLE, name="initMarginBefore"),
    P(3, "maint_margin_before", STR, pt=PT.DOUBLE, name="maintMarginBefore"),
    P(4, "equity_with_loan_before", STR, pt=PT.DOUBLE, name="equityWithLoanBefore"),
    P(5, "init_margin_change", STR, pt=PT.DOUBLE, name="initMarginChange"),
    P(6, "maint_margin_change", STR, pt=PT.DOUBLE, name="maintMarginChange"),
    P(7, "equity_with_loan_change", STR, pt=PT.DOUBLE, name="equityWithLoanChange"),
    P(8, "init_margin_after", STR, pt=PT.DOUBLE, name="initMarginAfter"),
    P(9, "maint_margin_after", STR, pt=PT.DOUBLE, name="maintMarginAfter"),
    P(10, "equity_with_loan_after", STR, pt=PT.DOUBLE, name="equityWithLoanAfter"),
    P(11, "commission", FLOAT, name="commissionAndFees"),
    P(12, "min_commission", FLOAT, name="minCommissionAndFees"),
    P(13, "max_commission", FLOAT, name="maxCommissionAndFees"),
    P(14, "commission_currency", STR, name="commissionAndFeesCurrency"),
    P(15, "margin_currency", STR, name="marginCurrency"),
    P(16, "init_margin_before_outside_rth", FLOAT, name="initMarginBeforeOutsideRTH"),
    P(17, "maint_margin_before_outside_rth", FLOAT, name="maintMarginBeforeOutsideRTH"),
    P(18, "equity_with_loan_before_outside_rth", FLOAT, name="equityWithLoanBeforeOutsideRTH"),
    P(19, "init_margin_change_outside_rth", FLOAT, name="initMarginChangeOutsideRTH"),
    P(20, "maint_margin_change_outside_rth", FLOAT, name="maintMarginChangeOutsideRTH"),
    P(21, "equity_with_loan_change_outside_rth", FLOAT, name="equityWithLoanChangeOutsideRTH"),
    P(22, "init_margin_after_outside_rth", FLOAT, name="initMarginAfterOutsideRTH"),
    P(23, "maint_margin_after_outside_rth", FLOAT, name="maintMarginAfterOutsideRTH"),
    P(24, "equity_with_loan_after_outside_rth", FLOAT, name="equityWithLoanAfterOutsideRTH"),
    P(25, "suggested_size", DEC, name="suggestedSize"),
    P(26, "reject_reason", STR, name="rejectReason"),
    P(27, "order_allocations", sub=ORDER_ALLOCATION, repeated=True, name="orderAllocations"),
    P(28, "warning_text", STR, name="warningText"),
    P(29, "completed_time", STR, name="completedTime"),
    P(30, "completed_status", STR, name="completedStatus"),
))

INELIGIBILITY_REASON = PbType("IneligibilityReason", IneligibilityReason, (
    P(1, "id", STR, name="id"), P(2, "description", STR, name="description"),
))

CONTRACT_DETAILS = PbType("ContractDetails", ContractDetails, (
    P(1, "market_name", STR, name="marketName"),
    P(2, "min_tick", FLOAT, pt=PT.STRING, name="minTick"),
    P(3, "order_types", STR, name="orderTypes"),
    P(4, "valid_exchanges", STR, name="validExchanges"),
    P(5, "price_magnifier", INT, name="priceMagnifier"),
    P(6, "under_con_id", INT, name="underConId"), P(7, "long_name", STR, name="longName"),
    P(8, "contract_month", STR, name="contractMonth"), P(9, "industry", STR, name="industry"),
    P(10, "category", STR, name="category"), P(11, "subcategory", STR, name="subcategory"),
    P(12, "time_zone_id", STR, name="timeZoneId"),
    P(13, "trading_hours", STR, name="tradingHours"),
    P(14, "liquid_hours", STR, name="liquidHours"), P(15, "ev_rule", STR, name="evRule"),
    P(16, "ev_multiplier", INT, pt=PT.DOUBLE, name="evMultiplier"),
    P(17, "sec_id_list", TAGS, name="secIdList"), P(18, "agg_group", INT, name="aggGroup"),
    P(19, "under_symbol", STR, name="underSymbol"),
    P(20, "under_sec_type", STR, name="underSecType"),
    P(21, "market_rule_ids", STR, name="marketRuleIds"),
    P(22, "real_expiration_date", STR, name="realExpirationDate"),
    P(23, "stock_type", STR, name="stockType"), P(24, "min_size", DEC, name="minSize"),
    P(25, "size_increment", DEC, name="sizeIncrement"),
    P(26, "suggested_size_increment", DEC, name="suggestedSizeIncrement"),
    P(27, "fund_name", STR, name="fundName"),
    P(28, "fund_family", STR, name="fundFamily"),
    P(29, "fund_type", STR, name="fundType"),
    P(30, "fund_front_load", STR, name="fundFrontLoad"),
    P(31, "fund_back_load", STR, name="fundBackLoad"),
    P(32, "fund_back_load_time_interval", STR, name="fundBackLoadTimeInterval"),
    P(33, "fund_management_fee", STR, name="fundManagementFee"),
    P(34, "fund_closed", BOOL, name="fundClosed"),
    P(35, "fund_closed_for_new_investors", BOOL, name="fundClosedForNewInvestors"),
    P(36, "fund_closed_for_new_money", BOOL, name="fundClosedForNewMoney"),
    P(37, "fund_notify_amount", STR, name="fundNotifyAmount"),
    P(38, "fund_minimum_initial_purchase", STR, name="fundMinimumInitialPurchase"),
    P(39, "fund_subsequent_minimum_purchase", STR, name="fundMinimumSubsequentPurchase"),
    P(40, "fund_blue_sky_states", STR, name="fundBlueSkyStates"),
    P(41, "fund_blue_sky_territories", STR, name="fundBlueSkyTerritories"),
    P(42, "fund_distribution_policy_indicator", STR, name="fundDistributionPolicyIndicator"),
    P(43, "fund_asset_type", STR, name="fundAssetType"),
    P(44, "cusip", STR, name="cusip"), P(45, "issue_date", STR, name="issueDate"),
    P(46, "ratings", STR, name="ratings"), P(47, "bond_type", STR, name="bondType"),
    P(48, "coupon", FLOAT, name="coupon"), P(49, "coupon_type", STR, name="couponType"),
    P(50, "convertible", BOOL, name="convertible"), P(51, "callable", BOOL, name="callable"),
    P(52, "putable", BOOL, name="puttable"), P(53, "desc_append", STR, name="descAppend"),
    P(54, "next_option_date", STR, name="nextOptionDate"),
    P(55, "next_option_type", STR, name="nextOptionType"),
    P(56, "next_option_partial", BOOL, name="nextOptionPartial"),
    P(57, "notes", STR, name="bondNotes"),
    P(58, "ineligibility_reason_list", sub=INELIGIBILITY_REASON, repeated=True,
      name="ineligibilityReasonList"),
    # 59 .. 65 exist in protobuf only (PROTOCOL-V2.md section 3.3)
    P(59, "event_contract1", STR, name="eventContract1"),
    P(60, "event_contract_description1", STR, name="eventContractDescription1"),
    P(61, "event_contract_description2", STR, name="eventContractDescription2"),
    P(62, "min_algo_size", DEC, name="minAlgoSize"),
    P(63, "last_price_precision", DEC, name="lastPricePrecision"),
    P(64, "last_size_precision", DEC, name="lastSizePrecision"),
    P(65, "settlement_method", STR, name="settlementMethod"),
))

EXECUTION = PbType("Execution", Execution, (
    P(1, "order_id", INT, name="orderId"), P(2, "exec_id", STR, name="execId"),
    P(3, "time", TIME, name="time"), P(4, "acct_number", STR, name="acctNumber"),
    P(5, "exchange", STR, name="exchange"), P(6, "side", STR, name="side"),
    P(7, "shares", DEC, name="shares"), P(8, "price", FLOAT, name="price"),
    P(9, "perm_id", INT, pt=PT.INT64, name="permId"), P(10, "client_id", INT, name="clientId"),
    P(11, "liquidation", INT, pt=PT.BOOL, name="isLiquidation"),
    P(12, "cum_qty", DEC, name="cumQty"), P(13, "avg_price", FLOAT, name="avgPrice"),
    P(14, "order_ref", STR, name="orderRef"), P(15, "ev_rule", STR, name="evRule"),
    P(16, "ev_multiplier", FLOAT, name="evMultiplier"), P(17, "model_code", STR, name="modelCode"),
    P(18, "last_liquidity", INT, name="lastLiquidity"),
    P(19, "pending_price_revision", BOOL, name="isPriceRevisionPending"),
    P(20, "submitter", STR, name="submitter"),
    P(21, "opt_exercise_or_lapse_type", INT, name="optExerciseOrLapseType"),  # protobuf only
))

# clientId 0 is "any client" (the filter's None), as the official client sends it
EXECUTION_FILTER = PbType("ExecutionFilter", ExecutionFilter, (
    P(1, "client_id", INT, unset=0, name="clientId"), P(2, "acct_code", STR, name="acctCode"),
    P(3, "time", STR, name="time"), P(4, "symbol", STR, name="symbol"),
    P(5, "sec_type", STR, name="secType"), P(6, "exchange", STR, name="exchange"),
    P(7, "side", STR, name="side"), P(8, "last_n_days", INT, name="lastNDays"),
    P(9, "specific_dates", INT, repeated=True, name="specificDates"),
))

COMMISSION_AND_FEES_REPORT = PbType("CommissionAndFeesReport", CommissionReport, (
    P(1, "exec_id", STR, name="execId"), P(2, "commission", FLOAT, name="commissionAndFees"),
    P(3, "currency", STR, name="currency"), P(4, "realized_pnl", FLOAT, name="realizedPNL"),
    P(5, "yield_", FLOAT, name="bondYield"),
    P(6, "yield_redemption_date", INT, pt=PT.STRING, name="yieldRedemptionDate"),
))

HISTORICAL_DATA_BAR = PbType("HistoricalDataBar", BarData, (
    P(1, "date", STR, name="date"), P(2, "open", FLOAT, name="open"),
    P(3, "high", FLOAT, name="high"), P(4, "low", FLOAT, name="low"),
    P(5, "close", FLOAT, name="close"), P(6, "volume", DEC, name="volume"),
    P(7, "wap", DEC, name="WAP"), P(8, "bar_count", INT, name="barCount"),
))


@dataclass(slots=True)
class OrderCancel:
    """CANCEL_ORDER's and REQ_GLOBAL_CANCEL's OrderCancel block."""

    manual_order_cancel_time: str | None = None
    ext_operator: str | None = None
    manual_order_indicator: int | None = None


# (flat: declared with path "" by the messages that hold these fields themselves)
ORDER_CANCEL = PbType("OrderCancel", OrderCancel, (
    P(1, "manual_order_cancel_time", STR, name="manualOrderCancelTime"),
    P(2, "ext_operator", STR, name="extOperator"),
    P(3, "manual_order_indicator", INT, name="manualOrderIndicator"),
))


@dataclass(slots=True)
class AttachedOrders:
    """PLACE_ORDER's attached stop-loss / profit-taker orders (protobuf only)."""

    sl_order_id: int | None = None
    sl_order_type: str | None = None
    pt_order_id: int | None = None
    pt_order_type: str | None = None


# (flat: the official client always attaches it, empty unless the order has these fields)
ATTACHED_ORDERS = PbType("AttachedOrders", AttachedOrders, (
    P(1, "sl_order_id", INT, name="slOrderId"), P(2, "sl_order_type", STR, name="slOrderType"),
    P(3, "pt_order_id", INT, name="ptOrderId"), P(4, "pt_order_type", STR, name="ptOrderType"),
))


def not_before(feature: Feature, name: str) -> Refuse:
    """A request the official client refuses to send below ``feature`` (error 503): encoding it
    for an older server raises (a :class:`~ibwire.protocol.elements.Refuse`: no wire width)."""
    return Refuse(f"{name} needs server version {int(feature)} or later", until=feature)
