"""The order rules TWS enforces (gateway/order_rules.py, what_if.py), on the pure exchange with
an injected clock: transmit, brackets, OCA groups, trailing stops, if-touched, on-close, pegged
orders, conditions and what-if previews."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ibwire.gateway.exchange import FillEvent, OrderError, OrderUpdate, PaperExchange
from ibwire.gateway.margin import scan_range
from ibwire.gateway.what_if import what_if
from ibwire.models import Future, LimitOrder, MarketOrder, Option, Order, Stock, StopOrder
from ibwire.models.order import PriceCondition, TimeCondition

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 10:00 New York
ACCT = "DU1234567"
AAPL = 265598


@pytest.fixture
def ex() -> PaperExchange:
    return PaperExchange(accounts=(ACCT,), seed=42, clock=lambda: START)


def statuses(events: list, order_id: int) -> list[str]:  # type: ignore[type-arg]
    return [e.record.status for e in events
            if isinstance(e, OrderUpdate) and e.record.order_id == order_id]


def fills_of(events: list, order_id: int) -> list[FillEvent]:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, FillEvent) and e.record.order_id == order_id]


def run(ex: PaperExchange, seconds: int, until: object = None) -> list:  # type: ignore[type-arg]
    """Step up to ``seconds``, stopping once ``until(events)`` holds."""
    events: list = []  # type: ignore[type-arg]
    for _ in range(seconds):
        events += ex.step(1)
        if until is not None and until(events):  # type: ignore[operator]
            break
    return events


def status(ex: PaperExchange, order_id: int) -> str:
    rec = ex.order(1, order_id)
    assert rec is not None
    return rec.status


# --- transmit ------------------------------------------------------------------------------------

def test_a_staged_order_works_only_once_transmitted(ex: PaperExchange) -> None:
    _, ask, _ = ex.market.touch(AAPL)
    staged = LimitOrder("BUY", 100, ask + 1, transmit=False)  # marketable, yet held
    events = ex.place_order(1, 1, Stock("AAPL"), staged)
    assert statuses(events, 1) == ["PreSubmitted"] and not fills_of(events, 1)
    assert ex.order(1, 1).order.transmit is False  # type: ignore[union-attr]
    assert not fills_of(run(ex, 30), 1) and status(ex, 1) == "PreSubmitted"
    # placed again with transmit=True: it goes out and fills
    _, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 100, ask + 1))
    assert fills_of(events, 1) and status(ex, 1) == "Filled"


def test_the_last_child_transmits_the_whole_bracket(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    parent = LimitOrder("BUY", 100, ask + 1, transmit=False)
    take = LimitOrder("SELL", 100, ask + 50, parent_id=1, transmit=False)
    stop = StopOrder("SELL", 100, bid - 50, parent_id=1)
    assert statuses(ex.place_order(1, 1, Stock("AAPL"), parent), 1) == ["PreSubmitted"]
    assert statuses(ex.place_order(1, 2, Stock("AAPL"), take), 2) == ["PreSubmitted"]
    assert not fills_of(run(ex, 5), 1)
    events = ex.place_order(1, 3, Stock("AAPL"), stop)
    assert fills_of(events, 1)  # the parent went out with the last child
    assert status(ex, 1) == "Filled" and status(ex, 2) == "Submitted"
    assert status(ex, 3) == "PreSubmitted"  # a stop waits for its trigger
    assert all(ex.order(1, i).order.transmit for i in (1, 2, 3))  # type: ignore[union-attr]


# --- brackets ------------------------------------------------------------------------------------

def test_bracket_children_wait_for_the_parent_and_go_with_its_cancel(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 100, bid - 20, transmit=False))
    # a take-profit below the market would fill at once if it were working
    ex.place_order(1, 2, Stock("AAPL"), LimitOrder("SELL", 100, bid - 30, parent_id=1,
                                                   transmit=False))
    ex.place_order(1, 3, Stock("AAPL"), StopOrder("SELL", 100, bid - 40, parent_id=1))
    events = run(ex, 60)
    assert not [e for e in events if isinstance(e, FillEvent)]
    assert [status(ex, i) for i in (1, 2, 3)] == ["Submitted", "PreSubmitted", "PreSubmitted"]
    events = ex.cancel_order(1, 1)
    assert [status(ex, i) for i in (1, 2, 3)] == ["Cancelled"] * 3
    assert sorted(e.order_id for e in events if isinstance(e, OrderError) and e.code == 202) \
        == [1, 2, 3]


def test_a_child_fill_cancels_its_sibling(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 100, transmit=False))
    ex.place_order(1, 2, Stock("AAPL"), LimitOrder("SELL", 100, bid - 1, parent_id=1,
                                                   transmit=False))
    events = ex.place_order(1, 3, Stock("AAPL"), StopOrder("SELL", 100, bid - 40, parent_id=1))
    events += run(ex, 60, lambda ev: status(ex, 2) == "Filled")
    assert status(ex, 1) == "Filled" and status(ex, 2) == "Filled"
    assert status(ex, 3) == "Cancelled"
    kinds = [(type(e).__name__, getattr(e, "order_id", None) or e.record.order_id)
             for e in events if isinstance(e, (FillEvent, OrderError))]
    assert kinds.index(("FillEvent", 1)) < kinds.index(("FillEvent", 2)) \
        < kinds.index(("OrderError", 3))
    pos = ex.accounts.position(ACCT, AAPL)
    assert pos is not None and pos.quantity == 0


# --- OCA groups ----------------------------------------------------------------------------------

def test_oca_type_1_cancels_the_others(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 100, bid - 20, oca_group="g",
                                                   oca_type=1))
    ex.place_order(1, 2, Stock("AAPL"), LimitOrder("BUY", 100, bid - 30, oca_group="g",
                                                   oca_type=1))
    events = ex.place_order(1, 3, Stock("AAPL"), LimitOrder("BUY", 50, ask + 1, oca_group="g",
                                                            oca_type=1))
    assert fills_of(events, 3)
    assert status(ex, 1) == status(ex, 2) == "Cancelled"


def test_oca_type_2_reduces_the_others_proportionately(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 400, bid - 20, oca_group="g2",
                                                   oca_type=2))
    events = ex.place_order(1, 2, Stock("AAPL"), LimitOrder("BUY", 200, ask + 1,
                                                            oca_group="g2", oca_type=2))
    events = events + run(ex, 30, lambda ev: status(ex, 2) == "Filled")
    filled = ex.order(1, 2).filled  # type: ignore[union-attr]
    rec = ex.order(1, 1)
    assert rec is not None and filled == 200
    assert rec.status == "Cancelled" and rec.order.total_quantity == 0  # 200 of 200: all of it


@pytest.mark.parametrize(("oca_type", "bought"), [(1, 1), (2, 1), (3, 2)])
def test_oca_block_protects_from_overfill_only_with_block(ex: PaperExchange, oca_type: int,
                                                          bought: int) -> None:
    """Two members at the same limit become marketable in the same second: with block (types 1
    and 2) one fills and the other is cancelled / reduced to nothing; without (type 3) both fill."""
    bid, _, _ = ex.market.touch(AAPL)
    for oid in (1, 2):
        ex.place_order(1, oid, Stock("AAPL"), LimitOrder("BUY", 1, bid, oca_group="blk",
                                                         oca_type=oca_type))
    events = run(ex, 3600, lambda ev: any(isinstance(e, FillEvent) for e in ev))
    assert any(isinstance(e, FillEvent) for e in events)
    run(ex, 5)
    total = sum(ex.order(1, oid).filled for oid in (1, 2))  # type: ignore[union-attr]
    assert total == bought
    assert not ex.open_orders()


# --- trailing stops ------------------------------------------------------------------------------

def test_a_trailing_stop_follows_the_market_then_fills(ex: PaperExchange) -> None:
    ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 100))
    events = ex.place_order(1, 2, Stock("AAPL"), Order(action="SELL", total_quantity=Decimal(100),
                                                       order_type="TRAIL", aux_price=0.25))
    stops = [e.record.order.trail_stop_price for e in events if isinstance(e, OrderUpdate)
             and e.record.order_id == 2]
    assert stops and stops[0] is not None
    events = run(ex, 3600, lambda ev: bool(fills_of(ev, 2)))
    stops += [e.record.order.trail_stop_price for e in events if isinstance(e, OrderUpdate)
              and e.record.order_id == 2]
    assert fills_of(events, 2), "the trailing stop never fired in an hour"
    moved = [s for s in stops if s is not None]
    assert moved == sorted(moved) and len(set(moved)) > 1  # it rose with the market, never fell
    fill = fills_of(events, 2)[0].execution
    assert fill.price is not None and fill.price <= moved[-1] + 1e-9


def test_a_trailing_percent_stop_limit_sets_its_limit_when_triggered(ex: PaperExchange) -> None:
    ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 100))
    ex.place_order(1, 2, Stock("AAPL"), Order(action="SELL", total_quantity=Decimal(100),
                                              order_type="TRAIL LIMIT", trailing_percent=0.1,
                                              lmt_price_offset=0.05))
    run(ex, 3600, lambda ev: ex.order(1, 2).triggered)  # type: ignore[union-attr]
    rec = ex.order(1, 2)
    assert rec is not None and rec.triggered
    assert rec.order.lmt_price == pytest.approx((rec.order.trail_stop_price or 0) - 0.05)


# --- if touched, on close, pegged ----------------------------------------------------------------

def test_market_if_touched_waits_for_its_price(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(10),
                                                       order_type="MIT", aux_price=bid - 0.05))
    assert statuses(events, 1) == ["PreSubmitted"] and not fills_of(events, 1)
    events = run(ex, 3600, lambda ev: bool(fills_of(ev, 1)))
    assert fills_of(events, 1)
    fill = fills_of(events, 1)[0].execution
    assert fill.price is not None and fill.price <= bid - 0.05 + 0.5  # bought on the dip


def test_market_on_close_fills_at_the_close() -> None:
    start = datetime(2026, 11, 20, 20, 59, tzinfo=UTC)  # 15:59 New York
    ex = PaperExchange(accounts=(ACCT,), seed=42, clock=lambda: start)
    events = ex.place_order(1, 1, Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(10),
                                                       order_type="MOC"))
    assert statuses(events, 1) == ["PreSubmitted"]
    close = int((start + timedelta(minutes=1)).timestamp())
    events = run(ex, 120, lambda ev: bool(fills_of(ev, 1)))
    fill = fills_of(events, 1)[0].execution
    assert fill.price == ex.market.touch(AAPL, close - 1)[2]
    assert fill.time is not None and fill.time.timestamp() == close


def test_limit_on_close_not_met_is_cancelled() -> None:
    start = datetime(2026, 11, 20, 20, 59, tzinfo=UTC)
    ex = PaperExchange(accounts=(ACCT,), seed=42, clock=lambda: start)
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(10),
                                              order_type="LOC", lmt_price=round(bid - 20, 2)))
    run(ex, 120)
    assert status(ex, 1) == "Cancelled" and not ex.executions()


@pytest.mark.parametrize("order_type", ["REL", "PEG MID"])
def test_pegged_orders_rest_at_their_peg_and_fill_there(ex: PaperExchange,
                                                        order_type: str) -> None:
    events = ex.place_order(1, 1, Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(10),
                                                       order_type=order_type, aux_price=0.0))
    events += run(ex, 600, lambda ev: bool(fills_of(ev, 1)))
    fill = fills_of(events, 1)[0].execution
    assert fill.time is not None and fill.price is not None
    bid, ask, last = ex.market.touch(AAPL, int(fill.time.timestamp()))
    peg = bid if order_type == "REL" else math.floor((bid + ask) / 2 / 0.01 + 1e-9) * 0.01
    if fill.last_liquidity == 1:  # a maker: at its own (pegged) price, a trade printed through it
        assert fill.price == pytest.approx(peg) and last <= peg + 1e-9
    else:  # marketable: at the touch
        assert fill.last_liquidity == 2 and fill.price == ask and ask <= peg + 1e-9


# --- conditions ----------------------------------------------------------------------------------

def test_a_time_condition_holds_the_order_until_its_time(ex: PaperExchange) -> None:
    when = (START + timedelta(seconds=90)).strftime("%Y%m%d %H:%M:%S") + " UTC"
    order = MarketOrder("BUY", 10, conditions=[TimeCondition(is_more=True, time=when)])
    events = ex.place_order(1, 1, Stock("AAPL"), order)
    assert statuses(events, 1) == ["PreSubmitted"]
    events = run(ex, 80)
    assert not fills_of(events, 1)
    events = run(ex, 30, lambda ev: bool(fills_of(ev, 1)))
    fill = fills_of(events, 1)[0].execution
    assert fill.time is not None and fill.time >= START + timedelta(seconds=90)


def test_a_price_condition_can_cancel_the_order(ex: PaperExchange) -> None:
    _, _, last = ex.market.touch(AAPL)
    cond = PriceCondition(is_more=True, price=last - 100, con_id=AAPL, exchange="SMART")
    order = LimitOrder("BUY", 10, 1.0, conditions=[cond], conditions_cancel_order=True)
    events = ex.place_order(1, 1, Stock("AAPL"), order)
    assert statuses(events, 1)[-1] == "Cancelled"


def test_conditions_join_with_and_or(ex: PaperExchange) -> None:
    _, _, last = ex.market.touch(AAPL)
    never = PriceCondition(is_more=True, price=last * 10, con_id=AAPL, exchange="SMART",
                           is_conjunction_connection=False)  # OR the next
    now = PriceCondition(is_more=True, price=1.0, con_id=AAPL, exchange="SMART")
    events = ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 10, conditions=[never, now]))
    assert fills_of(events, 1)
    never.is_conjunction_connection = True  # AND
    events = ex.place_order(1, 2, Stock("AAPL"), MarketOrder("BUY", 10, conditions=[never, now]))
    assert not fills_of(events, 2) and status(ex, 2) == "PreSubmitted"


# --- what-if -------------------------------------------------------------------------------------

def test_what_if_a_stock_follows_reg_t(ex: PaperExchange) -> None:
    _, ask, _ = ex.market.touch(AAPL)
    contract, order, state = what_if(ex, 1, 7, Stock("AAPL"),  # type: ignore[misc]
                                     MarketOrder("BUY", 1000, what_if=True))
    value = 1000 * ask
    assert float(state.init_margin_before) == 0 and float(state.init_margin_change) \
        == pytest.approx(value * 0.5, abs=0.01)
    assert float(state.maint_margin_after) == pytest.approx(value * 0.25, abs=0.01)
    assert state.commission == 5.0 and state.min_commission is None is state.max_commission
    assert float(state.equity_with_loan_after) == 1_000_000 - 5.0
    assert state.warning_text == "" and state.margin_currency == "USD"
    assert state.init_margin_before_outside_rth is None and state.suggested_size is None
    assert order.what_if and order.order_id == 7 and contract.con_id == AAPL
    assert ex.open_orders() == [] and ex.executions() == []


def test_what_if_a_short_stock_needs_more_maintenance(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(AAPL)
    _, _, state = what_if(ex, 1, 7, Stock("AAPL"), MarketOrder("SELL", 100))  # type: ignore[misc]
    assert float(state.maint_margin_change) == pytest.approx(100 * bid * 0.30, abs=0.01)


def test_what_if_a_future_is_span_like(ex: PaperExchange) -> None:
    es = Future("ES", "202612")
    inst = ex.resolve(es)[0]
    _, ask, _ = ex.market.touch(inst.con_id)
    _, _, state = what_if(ex, 1, 8, es, MarketOrder("BUY", 2))  # type: ignore[misc]
    maint = 2 * ask * 50 * scan_range("ES")
    assert float(state.maint_margin_change) == pytest.approx(maint, abs=0.01)
    assert float(state.init_margin_change) == pytest.approx(maint * 1.1, abs=0.01)
    assert state.commission == 4.5


def test_what_if_beyond_the_equity_warns(ex: PaperExchange) -> None:
    _, _, state = what_if(ex, 1, 9, Stock("AAPL"), MarketOrder("BUY", 20000))  # type: ignore[misc]
    assert "would not cover the initial margin" in (state.warning_text or "")


def test_what_if_of_a_bad_order_gets_the_orders_error(ex: PaperExchange) -> None:
    err = what_if(ex, 1, 9, Stock("AAPL"), LimitOrder("BUY", 1, 230.001))
    assert isinstance(err, OrderError) and err.code == 110
    err = what_if(ex, 1, 9, Stock("NOSUCH"), MarketOrder("BUY", 1))
    assert isinstance(err, OrderError) and err.code == 200


def test_what_if_options_by_premium_rules() -> None:
    ex = PaperExchange(accounts=(ACCT,), seed=7,
                       market_start=datetime(2026, 11, 18, 16, 0, tzinfo=UTC))
    call = Option("SPY", "20261218", 580, "C")
    inst = ex.resolve(call)[0]
    bid, ask, _ = ex.market.touch(inst.con_id)
    _, _, long_ = what_if(ex, 1, 1, call, MarketOrder("BUY", 1))  # type: ignore[misc]
    assert float(long_.init_margin_change) == 0.0  # a long option is paid in full
    assert long_.commission == 1.0  # 0.65 per contract, at least 1.00
    _, _, short = what_if(ex, 1, 2, call, MarketOrder("SELL", 1))  # type: ignore[misc]
    path = ex.market.option_path(inst.con_id)
    assert path is not None
    under = path.under_price(ex.market.step_second)
    otm = max(0.0, 580 - under)
    need = bid * 100 + max(0.2 * under - otm, 0.1 * under) * 100
    assert float(short.init_margin_change) == pytest.approx(need, abs=0.02)
    assert float(short.maint_margin_change) == float(short.init_margin_change)


def test_a_staged_day_order_expires_with_its_session() -> None:
    start = datetime(2026, 11, 20, 20, 59, tzinfo=UTC)  # 15:59 New York, Friday
    ex = PaperExchange(accounts=(ACCT,), seed=42, clock=lambda: start)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 1, 1.0, transmit=False))
    ex.place_order(1, 2, Stock("AAPL"), LimitOrder("SELL", 1, 500.0, parent_id=1,
                                                   transmit=False))
    run(ex, 120)
    assert status(ex, 1) == "Cancelled" and status(ex, 2) == "Cancelled"


def test_post_only_orders_never_take_liquidity(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, ask + 1, post_only=True))
    (err,) = [e for e in events if isinstance(e, OrderError)]
    assert err.code == 201 and "post-only" in err.text and status(ex, 1) == "Inactive"
    events = ex.place_order(1, 2, Stock("AAPL"), LimitOrder("BUY", 10, bid, post_only=True))
    assert statuses(events, 2)[-1] == "Submitted"
    events = ex.place_order(1, 3, Stock("AAPL"), MarketOrder("BUY", 10, post_only=True))
    assert [e.code for e in events if isinstance(e, OrderError)] == [201]


def test_a_deactivated_order_waits_until_reactivated(ex: PaperExchange) -> None:
    _, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, ask + 1, deactivate=True))
    assert statuses(events, 1) == ["PreSubmitted"] and not fills_of(run(ex, 10), 1)
    _, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, ask + 1))
    assert fills_of(events, 1)
