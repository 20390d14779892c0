"""Oracle cases of the order types traders use (issue 14, orders): brackets, OCA groups,
trailing stops, on-close and if-touched orders, REL / PEG MID, IB algos, order conditions of
every type, what-if orders, the protobuf-only order fields 138..145 and attached orders (refused
below their versions exactly where the official client 10.51 refuses them), ORDER_BOUND, and
OPEN_ORDER / COMPLETED_ORDER carrying all of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ibwire.models.contract import Contract
from ibwire.models.order import (
    ExecutionCondition,
    MarginCondition,
    Order,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ibwire.protocol.codec import TagValue
from ibwire.protocol.messages import order_reports, orders
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                primary_exchange="NASDAQ")
AAPL_Q = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                  local_symbol="AAPL", trading_class="NMS")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="20261218", multiplier="50", local_symbol="ESZ6",
              trading_class="ES")


def _o(action: str = "BUY", qty: str = "100", order_type: str = "LMT", **kw: Any) -> Order:
    base: dict[str, Any] = dict(action=action, total_quantity=Decimal(qty),
                                order_type=order_type, tif="DAY")
    base.update(kw)
    return Order(**base)


CONDITIONS = [
    PriceCondition(is_more=True, price=151.5, con_id=265598, exchange="SMART", trigger_method=2),
    TimeCondition(is_conjunction_connection=False, is_more=True, time="20261204 10:00:00 US/Eastern"),
    MarginCondition(is_more=False, percent=30),
    ExecutionCondition(sec_type="STK", exchange="SMART", symbol="MSFT"),
    VolumeCondition(is_more=True, volume=1_000_000, con_id=265598, exchange="SMART"),
    PercentChangeCondition(is_more=False, change_percent=-2.5, con_id=265598, exchange="SMART"),
]

REQUESTS: list[Message] = [
    # a bracket: parent (not transmitted), take-profit and stop-loss (the last one transmits)
    orders.PlaceOrder(41, AAPL, _o(lmt_price=150.0, transmit=False)),
    orders.PlaceOrder(42, AAPL, _o("SELL", lmt_price=155.0, parent_id=41, transmit=False)),
    orders.PlaceOrder(43, AAPL, _o("SELL", order_type="STP", aux_price=145.0, parent_id=41)),
    # an OCA group of each type
    *(orders.PlaceOrder(44 + t, AAPL, _o(lmt_price=149.0 + t, oca_group="oca-1", oca_type=t))
      for t in (1, 2, 3)),
    # trailing stop by amount and by percent, trailing stop-limit
    orders.PlaceOrder(48, AAPL, _o("SELL", order_type="TRAIL", aux_price=1.5)),
    orders.PlaceOrder(49, AAPL, _o("SELL", order_type="TRAIL", trailing_percent=2.0,
                                   trail_stop_price=146.0)),
    orders.PlaceOrder(50, AAPL, _o("SELL", order_type="TRAIL LIMIT", aux_price=1.0,
                                   lmt_price_offset=0.1, trail_stop_price=147.0)),
    # on close, if touched, relative, pegged to midpoint
    orders.PlaceOrder(51, AAPL, _o(order_type="MOC")),
    orders.PlaceOrder(52, AAPL, _o(order_type="LOC", lmt_price=150.0)),
    orders.PlaceOrder(53, AAPL, _o(order_type="MIT", aux_price=148.0)),
    orders.PlaceOrder(54, AAPL, _o(order_type="LIT", lmt_price=148.1, aux_price=148.0)),
    orders.PlaceOrder(55, AAPL, _o(order_type="REL", aux_price=0.01, lmt_price=151.0)),
    orders.PlaceOrder(56, AAPL, _o(order_type="PEG MID", aux_price=0.0, lmt_price=151.0)),
    # IB algos
    orders.PlaceOrder(57, AAPL, _o(lmt_price=150.0, algo_strategy="Adaptive",
                                   algo_params=[TagValue("adaptivePriority", "Normal")])),
    # (one parameter: the official client writes a protobuf map in its own hash order, so a
    # several-entry map cannot be compared byte for byte)
    orders.PlaceOrder(58, AAPL, _o(order_type="MKT", algo_strategy="Vwap",
                                   algo_params=[TagValue("maxPctVol", "0.1")])),
    # conditions of every type, then the what-if orders
    orders.PlaceOrder(59, AAPL, _o(lmt_price=150.0, conditions=CONDITIONS,
                                   conditions_ignore_rth=True, conditions_cancel_order=False)),
    orders.PlaceOrder(60, AAPL, _o(order_type="MKT", what_if=True)),
    orders.PlaceOrder(61, ES, _o(qty="2", order_type="MKT", what_if=True)),
    # the protobuf-only fields, one by one (refused below 216 / 217 / 218 / 223 / 226)
    orders.PlaceOrder(62, AAPL, _o(lmt_price=150.0, deactivate=True)),
    orders.PlaceOrder(63, AAPL, _o(lmt_price=150.0, post_only=True)),
    orders.PlaceOrder(64, AAPL, _o(lmt_price=150.0, allow_pre_open=True)),
    orders.PlaceOrder(65, AAPL, _o(lmt_price=150.0, ignore_open_auction=True)),
    orders.PlaceOrder(66, AAPL, _o(lmt_price=150.0, route_marketable_to_bbo=False)),
    orders.PlaceOrder(67, AAPL, _o(lmt_price=150.0, seek_price_improvement=True)),
    orders.PlaceOrder(68, AAPL, _o(order_type="MKT", what_if=True, what_if_type=1)),
    orders.PlaceOrder(69, AAPL, _o(lmt_price=150.0, hedge_type="D", hedge_param="0.5",
                                   hedge_max_size=200)),
    orders.PlaceOrder(70, AAPL, _o(lmt_price=150.0, conditions=CONDITIONS[:1],
                                   conditions_include_overnight=True)),
    orders.PlaceOrder(71, AAPL, _o(lmt_price=150.0, sl_order_id=72, sl_order_type="STP",
                                   pt_order_id=73, pt_order_type="LMT")),
    # unset tri-states and false flags are nothing to refuse
    orders.PlaceOrder(74, AAPL, _o(lmt_price=150.0, deactivate=False, seek_price_improvement=None,
                                   conditions_include_overnight=False)),
]


def _open(order_id: int, **kw: Any) -> Order:
    base: dict[str, Any] = dict(order_id=order_id, client_id=5, perm_id=900000 + order_id,
                                action="BUY", total_quantity=Decimal(100), order_type="LMT",
                                lmt_price=150.0, tif="DAY", account="DU1234567",
                                delta_neutral_order_type="None")
    base.update(kw)
    return Order(**base)


_WHAT_IF = OrderState(
    status="PreSubmitted", init_margin_before="1000.00", maint_margin_before="800.00",
    equity_with_loan_before="1000000.00", init_margin_change="7500.00",
    maint_margin_change="3750.00", equity_with_loan_change="-1.00",
    init_margin_after="8500.00", maint_margin_after="4550.00",
    equity_with_loan_after="999999.00", commission=1.0, min_commission=1.0, max_commission=1.0,
    commission_currency="USD", warning_text="", margin_currency="USD")
_SUBMITTED = OrderState(status="Submitted")
_NEWER = dict(deactivate=True, post_only=True, allow_pre_open=True, ignore_open_auction=True,
              seek_price_improvement=True, what_if_type=1, hedge_type="D", hedge_param="0.5",
              hedge_max_size=200, route_marketable_to_bbo=True)

INCOMING: list[tuple[Feature | None, Message]] = [
    (None, order_reports.OrderBound(1100000001, 0, 17)),
    (None, order_reports.OpenOrder(41, AAPL_Q, _open(41, transmit=True), _SUBMITTED)),
    (None, order_reports.OpenOrder(42, AAPL_Q, _open(42, action="SELL", lmt_price=155.0, parent_id=41),
                            OrderState(status="PreSubmitted"))),
    (None, order_reports.OpenOrder(44, AAPL_Q, _open(44, oca_group="oca-1", oca_type=1), _SUBMITTED)),
    (None, order_reports.OpenOrder(48, AAPL_Q, _open(48, action="SELL", order_type="TRAIL",
                                              lmt_price=None, aux_price=1.5,
                                              trail_stop_price=148.5), _SUBMITTED)),
    (None, order_reports.OpenOrder(49, AAPL_Q, _open(49, action="SELL", order_type="TRAIL",
                                              lmt_price=None, trailing_percent=2.0,
                                              trail_stop_price=147.0), _SUBMITTED)),
    (None, order_reports.OpenOrder(57, AAPL_Q, _open(57, algo_strategy="Adaptive", algo_params=[
        TagValue("adaptivePriority", "Normal")]), _SUBMITTED)),
    (Feature.PEGGED_TO_BENCHMARK, order_reports.OpenOrder(59, AAPL_Q, _open(
        59, conditions=CONDITIONS, conditions_ignore_rth=True, conditions_cancel_order=True),
        OrderState(status="PreSubmitted"))),
    (None, order_reports.OpenOrder(60, AAPL_Q, _open(60, order_type="MKT", lmt_price=None, what_if=True),
                            _WHAT_IF)),
    (Feature.PROTOBUF_PLACE_ORDER, order_reports.OpenOrder(62, AAPL_Q, _open(62, **_NEWER), _SUBMITTED)),
    (Feature.PEGGED_TO_BENCHMARK, order_reports.CompletedOrder(AAPL_Q, _open(
        59, conditions=CONDITIONS[:2], filled_quantity=Decimal(0)),
        OrderState(status="Cancelled", completed_time="20261204 15:30:00 America/New_York",
                   completed_status="Cancelled by Trader"))),
]
