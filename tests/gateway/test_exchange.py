"""The paper exchange: order types, states, fills, commissions, rejects, cancels and accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ibwire.gateway.exchange import (
    AccountUpdate,
    FillEvent,
    OrderError,
    OrderUpdate,
    PaperExchange,
)
from ibwire.models import (
    Contract,
    ExecutionFilter,
    Forex,
    Future,
    LimitOrder,
    MarketOrder,
    Order,
    Stock,
    StopLimitOrder,
    StopOrder,
)

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 10:00 New York
ACCT = "DU1234567"
AAPL, MSFT, INTC, ES, EURUSD = 265598, 272093, 270639, 649180695, 12087792
EXEC_ID = re.compile(r"^[0-9a-f]{8}\.[0-9a-f]{8}\.01\.01$")


class Clock:
    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def ex() -> PaperExchange:
    return PaperExchange(accounts=(ACCT, "DU7654321"), seed=42, clock=Clock())


def kinds(events: list) -> list[str]:  # type: ignore[type-arg]
    out = []
    for e in events:
        if isinstance(e, OrderUpdate):
            out.append(e.record.status)
        elif isinstance(e, FillEvent):
            out.append("fill")
        elif isinstance(e, OrderError):
            out.append(str(e.code))
        elif isinstance(e, AccountUpdate):
            out.append("account")
    return out


def fills(events: list) -> list[FillEvent]:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, FillEvent)]


def errors(events: list) -> list[OrderError]:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, OrderError)]


def future_touch(ex: PaperExchange, con_id: int, seconds: int) -> list[tuple[float, float, float]]:
    now = int(ex.market.now().timestamp())
    return [ex.market.touch(con_id, now + k) for k in range(1, seconds + 1)]


def summary(ex: PaperExchange, tag: str, account: str = ACCT) -> float:
    rows = [r for r in ex.account_summary(tag) if r[0] == account]
    return float(rows[0][2])


# --- market orders ---------------------------------------------------------------------------------

def test_market_buy_fills_at_the_ask(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 100, order_ref="ref-1"))
    assert kinds(events) == ["PreSubmitted", "Submitted", "fill", "Filled", "account"]
    fill = fills(events)[0]
    e, c = fill.execution, fill.commission
    assert EXEC_ID.match(e.exec_id or "")
    assert (e.side, e.shares, e.price, e.cum_qty, e.avg_price) == ("BOT", 100, ask, 100, ask)
    assert (e.acct_number, e.client_id, e.order_id, e.order_ref) == (ACCT, 1, 1, "ref-1")
    assert e.time == START and e.time.tzinfo is not None and e.exchange == "NASDAQ"
    assert e.perm_id == fill.record.perm_id and e.perm_id > 0
    assert (c.exec_id, c.commission, c.currency, c.realized_pnl) == (e.exec_id, 1.0, "USD", None)
    assert fill.contract.con_id == AAPL and fill.contract.exchange == "SMART"
    rec = events[2].record
    assert (rec.filled, rec.remaining, rec.avg_fill_price, rec.last_fill_price) == (100, 0, ask,
                                                                                    ask)
    assert rec.order_state().commission == 1.0
    assert ex.open_orders() == [] and ex.completed_orders()[0].perm_id == rec.perm_id
    assert ex.completed_orders()[0].order_state().completed_status == "Filled"


def until_done(ex: PaperExchange, events: list, limit: int = 120) -> list:  # type: ignore[type-arg]
    """``events`` plus what the next seconds bring until no order is open."""
    for _ in range(limit):
        if not ex.open_orders():
            break
        events = events + ex.step(1)
    return events


def test_market_sell_fills_at_the_bid_and_shorts(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(MSFT)
    events = ex.place_order(1, 1, Stock("MSFT"), MarketOrder("SELL", 1000))
    e = fills(events)[0].execution
    assert (e.side, e.price) == ("SLD", bid)
    events = until_done(ex, events)
    assert sum(f.commission.commission for f in fills(events)) == 5.0  # 0.005 x 1000
    assert sum(f.execution.shares for f in fills(events)) == 1000
    pos = ex.accounts.position(ACCT, MSFT)
    assert pos is not None and pos.quantity == -1000


def test_a_large_order_fills_in_parts_at_the_size_the_touch_shows(ex: PaperExchange) -> None:
    bid_size, ask_size = ex.market.touch_sizes(AAPL)
    qty = int(ask_size) + 100
    events = ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", qty))
    first = fills(events)
    assert [f.execution.shares for f in first] == [ask_size]
    assert kinds(events) == ["PreSubmitted", "Submitted", "fill", "Submitted", "account"]
    partial = [e.record for e in events if isinstance(e, OrderUpdate)][-1]
    assert (partial.filled, partial.remaining) == (ask_size, 100)
    events = until_done(ex, [])
    assert kinds(events)[-2:] == ["Filled", "account"]
    done = fills(events)[-1].execution
    assert done.cum_qty == qty and done.exec_id != first[0].execution.exec_id
    # one order, one commission schedule: 0.005 x qty in all, not a minimum per fill
    total = sum(f.commission.commission for f in first + fills(events))
    assert total == round(max(0.005 * qty, 1.0), 2)


def test_commission_schedule(ex: PaperExchange) -> None:
    events = ex.place_order(1, 1, Stock("INTC"), MarketOrder("BUY", 1))
    price = fills(events)[0].execution.price
    assert fills(events)[0].commission.commission == round(0.01 * price, 2)  # capped at 1%
    events = ex.place_order(1, 2, Future("ES", "202612"), MarketOrder("BUY", 2))
    assert fills(events)[0].commission.commission == 4.5
    events = ex.place_order(1, 3, Forex("EURUSD"), MarketOrder("BUY", 20000))
    assert fills(events)[0].commission.commission == 2.0  # minimum
    fx = ex.market.fx_to_usd("EUR")
    events = until_done(ex, ex.place_order(1, 4, Forex("EURUSD"), MarketOrder("SELL", 20_000_000)))
    assert sum(f.commission.commission for f in fills(events)) == pytest.approx(
        0.00002 * 20_000_000 * fx, abs=0.02)


def test_ids_are_unique_and_increasing(ex: PaperExchange) -> None:
    perms, execs = [], set()
    for oid in range(1, 6):
        f = fills(ex.place_order(3, oid, Stock("AAPL"), MarketOrder("BUY", 10)))[0]
        perms.append(f.record.perm_id)
        execs.add(f.execution.exec_id)
    assert perms == sorted(perms) and len(set(perms)) == 5 and len(execs) == 5


# --- limit, stop, IOC ---------------------------------------------------------------------------------

def test_limit_rests_then_fills_when_crossed(ex: PaperExchange) -> None:
    ahead = future_touch(ex, AAPL, 900)
    _, ask_now, _ = ex.market.touch(AAPL)
    limit = min(a for _, a, _ in ahead)
    assert limit < ask_now
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 100, limit))
    assert kinds(events) == ["PreSubmitted", "Submitted"]
    assert [r.order_id for r in ex.open_orders(1)] == [1]
    hit = next(k for k, (_, a, _) in enumerate(ahead) if a <= limit)
    assert ex.step(hit) == []  # not crossed yet
    events = ex.step()
    assert kinds(events) == ["fill", "Filled", "account"]
    e = fills(events)[0].execution
    assert e.price == ahead[hit][1] <= limit and e.last_liquidity == 1
    assert ex.open_orders() == []


def test_marketable_limit_fills_at_once_at_the_touch(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, round(ask + 1, 2)))
    assert kinds(events) == ["PreSubmitted", "Submitted", "fill", "Filled", "account"]
    assert fills(events)[0].execution.price == ask  # better than the limit
    events = ex.place_order(1, 2, Stock("AAPL"), LimitOrder("SELL", 10, round(bid - 1, 2)))
    assert fills(events)[0].execution.price == bid


def test_stop_triggers_and_becomes_market(ex: PaperExchange) -> None:
    ahead = future_touch(ex, AAPL, 900)
    bid_now, _, _ = ex.market.touch(AAPL)
    stop = min(min(b, last) for b, _, last in ahead)
    assert stop < bid_now
    events = ex.place_order(1, 1, Stock("AAPL"), StopOrder("SELL", 100, stop))
    assert kinds(events) == ["PreSubmitted"]
    hit = next(k for k, (b, _, last) in enumerate(ahead) if b <= stop or last <= stop)
    assert ex.step(hit) == []
    events = ex.step()
    assert kinds(events) == ["Submitted", "fill", "Filled", "account"]
    assert fills(events)[0].execution.price == ahead[hit][0]  # sold at the bid


def test_stop_limit_triggers_then_rests_as_limit(ex: PaperExchange) -> None:
    ahead = future_touch(ex, AAPL, 1800)
    _, ask_now, _ = ex.market.touch(AAPL)
    stop = round(ask_now + 0.05, 2)
    hit = next((k for k, (_, a, last) in enumerate(ahead) if a >= stop or last >= stop), None)
    assert hit is not None
    limit = round(min(a for _, a, _ in ahead[hit:]) - 0.01, 2)  # never reached: stays resting
    events = ex.place_order(1, 1, Stock("AAPL"), StopLimitOrder("BUY", 100, limit, stop))
    assert kinds(events) == ["PreSubmitted"]
    ex.step(hit)
    events = ex.step()
    assert kinds(events) == ["Submitted"]
    rec = ex.order(1, 1)
    assert rec is not None and rec.triggered and rec.status == "Submitted"


def test_stop_through_the_market_triggers_at_once(ex: PaperExchange) -> None:
    _, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), StopOrder("BUY", 10, round(ask - 1, 2)))
    assert kinds(events) == ["PreSubmitted", "Submitted", "fill", "Filled", "account"]


def test_ioc(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    events = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, round(bid - 1, 2),
                                                            tif="IOC"))
    assert kinds(events) == ["PreSubmitted", "Submitted", "Cancelled"]
    assert ex.open_orders() == []
    events = ex.place_order(1, 2, Stock("AAPL"), LimitOrder("BUY", 10, ask, tif="IOC"))
    assert kinds(events) == ["PreSubmitted", "Submitted", "fill", "Filled", "account"]


def test_day_orders_expire_at_the_session_close_gtc_orders_stay() -> None:
    clock = Clock()
    clock.t = datetime(2026, 11, 20, 20, 58, 0, tzinfo=UTC)  # Friday 15:58 in New York
    ex = PaperExchange(seed=1, clock=clock)
    bid, _, _ = ex.market.touch(AAPL)
    low = round(bid * 0.5, 2)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 1, low))
    ex.place_order(1, 2, Stock("AAPL"), LimitOrder("BUY", 1, low, tif="GTC"))
    assert ex.step(60) == []  # 15:59: still in the session
    events = ex.step(120)  # past the 16:00 close
    assert [(e.record.order_id, e.record.status) for e in events
            if isinstance(e, OrderUpdate)] == [(1, "Cancelled")]
    assert [r.order_id for r in ex.open_orders()] == [2]


def test_a_day_order_placed_after_the_close_lives_in_the_next_session() -> None:
    clock = Clock()
    clock.t = datetime(2026, 11, 21, 4, 59, 0, tzinfo=UTC)  # Friday 23:59 in New York
    ex = PaperExchange(seed=1, clock=clock)
    bid, _, _ = ex.market.touch(AAPL)
    rec = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 1, round(bid * 0.5, 2)))[0].record
    assert rec.trading_day == "20261123"  # Monday's session
    assert ex.step(2 * 86400) == []  # through the weekend: still working
    ex.market.step(86400)  # Tuesday 23:59: Monday's close has passed
    assert [e.record.status for e in ex.step(1) if isinstance(e, OrderUpdate)] == ["Cancelled"]


# --- modify, cancel, ids ---------------------------------------------------------------------------

def test_modify_an_open_order(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    low = round(bid - 5, 2)
    first = ex.place_order(1, 7, Stock("AAPL"), LimitOrder("BUY", 100, low))[0].record
    events = ex.place_order(1, 7, Stock("AAPL"), LimitOrder("BUY", 50, round(low - 1, 2)))
    assert kinds(events) == ["Submitted"]
    rec = events[0].record
    assert rec.perm_id == first.perm_id and rec.order.lmt_price == round(low - 1, 2)
    assert rec.remaining == 50 and len(ex.open_orders()) == 1
    bad = ex.place_order(1, 7, Stock("AAPL"), LimitOrder("BUY", 50, 1.001))
    assert kinds(bad) == ["110", "Submitted"]
    assert ex.order(1, 7).order.lmt_price == round(low - 1, 2)  # type: ignore[union-attr]
    events = ex.place_order(1, 7, Stock("AAPL"), LimitOrder("BUY", 50, round(ask + 1, 2)))
    assert kinds(events) == ["Submitted", "fill", "Filled", "account"]
    assert fills(events)[0].execution.shares == 50


def test_cancel(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 100, round(bid - 5, 2)))
    events = ex.cancel_order(1, 1)
    assert kinds(events) == ["Cancelled", "202"]
    assert errors(events)[0].text == "Order Canceled - reason:"
    assert ex.open_orders() == []
    again = errors(ex.cancel_order(1, 1))[0]
    assert (again.code, again.text) == (
        10148, "OrderId 1 that needs to be cancelled can not be cancelled, state: Cancelled.")
    missing = errors(ex.cancel_order(1, 99))[0]
    assert (missing.code, missing.text) == (
        10147, "OrderId 99 that needs to be cancelled is not found.")
    assert errors(ex.cancel_order(2, 1))[0].code == 10147  # another client's id
    ex.place_order(1, 2, Stock("AAPL"), MarketOrder("BUY", 1))
    filled = errors(ex.cancel_order(1, 2))[0]
    assert (filled.code, filled.text) == (
        10148, "OrderId 2 that needs to be cancelled can not be cancelled, state: Filled.")


def test_global_cancel(ex: PaperExchange) -> None:
    bid, _, _ = ex.market.touch(AAPL)
    for client, oid in ((1, 1), (1, 2), (2, 1)):
        ex.place_order(client, oid, Stock("AAPL"), LimitOrder("BUY", 1, round(bid - 5, 2)))
    assert [r.client_id for r in ex.open_orders()] == [1, 1, 2]
    assert len(ex.open_orders(2)) == 1
    events = ex.global_cancel()
    assert kinds(events) == ["Cancelled", "202"] * 3
    assert ex.open_orders() == []


def test_order_ids_must_increase_per_client(ex: PaperExchange) -> None:
    assert ex.next_valid_id(1) == 1
    ex.place_order(1, 10, Stock("AAPL"), MarketOrder("BUY", 1))
    assert ex.next_valid_id(1) == 11 and ex.next_valid_id(2) == 1
    for oid in (10, 5, 0, -3):
        err = errors(ex.place_order(1, oid, Stock("AAPL"), MarketOrder("BUY", 1)))
        if oid == 10:
            assert (err[0].code, err[0].text) == (104, "Can't modify a filled order")
        else:
            assert (err[0].code, err[0].text) == (103, "Duplicate order id")
    assert ex.place_order(2, 5, Stock("AAPL"), MarketOrder("BUY", 1))  # other client: fine
    ex.place_order(1, 11, Stock("NOPE"), MarketOrder("BUY", 1))  # 200 still uses the id
    assert ex.next_valid_id(1) == 12


# --- rejects ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("contract", "order", "code", "text"), [
    (Stock("AAPL"), MarketOrder("BUY", 0), 201, "quantity must be greater than zero"),
    (Stock("AAPL"), MarketOrder("SELL", -5), 201, "quantity must be greater than zero"),
    (Stock("AAPL"), MarketOrder("BUY", "0.5"), 201, "size increment"),
    (Stock("AAPL"), MarketOrder("BUY", 1, account="DU0000000"), 201, "account code"),
    (Stock("AAPL"), LimitOrder("BUY", 1, 230.001), 110,
     "The price does not conform to the minimum price variation for this contract."),
    (Future("ES", "202612"), StopOrder("SELL", 1, 5000.1), 110, "minimum price variation"),
    (Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(1), order_type="LMT"), 201,
     "limit price is required"),
    (Stock("AAPL"), MarketOrder("BUY", 1, tif="GTD"), 201, "Time in force GTD"),
    (Stock("AAPL"), Order(action="BUY", total_quantity=Decimal(1), order_type="BOX TOP"), 387,
     "Unsupported order type"),
    (Stock("AAPL"), Order(action="SELL", total_quantity=Decimal(1), order_type="TRAIL"), 201,
     "trailing amount"),
    (Stock("AAPL"), Order(action="SELL", total_quantity=Decimal(1), order_type="MOC",
                          tif="GTC"), 201, "DAY order"),
    (Stock("AAPL"), MarketOrder("HOLD", 1), 201, "Invalid action"),
    (Stock("AAPL"), MarketOrder("BUY", 20000), 201, "MUST EXCEED THE INITIAL MARGIN"),
])
def test_rejects(ex: PaperExchange, contract: Contract, order: Order, code: int,
                 text: str) -> None:
    events = ex.place_order(1, 1, contract, order)
    assert kinds(events) == [str(code), "Inactive"]
    err = errors(events)[0]
    assert err.code == code and text in err.text
    if code == 201:
        assert err.text.startswith("Order rejected - reason:")
    assert ex.open_orders() == [] and ex.executions() == []
    assert ex.completed_orders()[0].status == "Inactive"


def test_unknown_and_ambiguous_contracts(ex: PaperExchange) -> None:
    err = errors(ex.place_order(1, 1, Stock("NOPE"), MarketOrder("BUY", 1)))
    assert [(e.code, e.text) for e in err] == [
        (200, "No security definition has been found for the request")]
    err = errors(ex.place_order(1, 2, Future("ES"), MarketOrder("BUY", 1)))
    assert err[0].code == 200 and "ambiguous" in err[0].text
    assert ex.open_orders() == [] and ex.completed_orders() == []


def test_buying_power_is_four_times_equity(ex: PaperExchange) -> None:
    _, ask, _ = ex.market.touch(AAPL)
    max_shares = int(4 * 1_000_000 / ask)
    placed = ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", max_shares - 10))
    assert kinds(placed)[2] == "fill"
    assert kinds(until_done(ex, placed))[-2:] == ["Filled", "account"]  # in parts
    assert errors(ex.place_order(1, 2, Stock("AAPL"), MarketOrder("BUY", 100)))[0].code == 201
    assert fills(ex.place_order(1, 3, Stock("AAPL"), MarketOrder("SELL", 100)))  # reduces: ok


def test_reject_next_order_fault(ex: PaperExchange) -> None:
    ex.reject_next_order("Simulated outage")
    err = errors(ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 1)))[0]
    assert (err.code, err.text) == (201, "Order rejected - reason:Simulated outage")
    assert fills(ex.place_order(1, 2, Stock("AAPL"), MarketOrder("BUY", 1)))  # only the next


# --- positions, PnL, account values ----------------------------------------------------------------

def test_short_sale_and_cover_realize_pnl(ex: PaperExchange) -> None:
    sell = fills(ex.place_order(1, 1, Stock("AAPL"), MarketOrder("SELL", 100)))[0]
    assert sell.commission.realized_pnl is None
    pos = ex.accounts.position(ACCT, AAPL)
    assert pos is not None and pos.quantity == -100
    assert pos.avg_cost == pytest.approx(sell.execution.price - 1.0 / 100)  # net of commission
    short = [p for p in ex.positions() if p.account == ACCT][0]
    assert (short.position, short.avg_cost) == (-100, pos.avg_cost)
    ex.step(300)
    buy = fills(ex.place_order(1, 2, Stock("AAPL"), MarketOrder("BUY", 100)))[0]
    expected = (sell.execution.price - buy.execution.price) * 100 - 1.0 - 1.0
    assert buy.commission.realized_pnl == pytest.approx(expected)
    assert pos.quantity == 0
    item = ex.portfolio(ACCT)[0]
    assert item.position == 0 and item.realized_pnl == pytest.approx(expected, abs=0.01)
    assert summary(ex, "$LEDGER") is not None
    ledger = {r[1]: r[2] for r in ex.account_summary("$LEDGER") if r[0] == ACCT}
    assert float(ledger["RealizedPnL"]) == pytest.approx(expected, abs=0.01)
    assert summary(ex, "NetLiquidation") == pytest.approx(1_000_000 + expected, abs=0.01)


def test_partial_close_and_flip(ex: PaperExchange) -> None:
    buy = fills(ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 100)))[0]
    sell = fills(ex.place_order(1, 2, Stock("AAPL"), MarketOrder("SELL", 300)))[0]
    pos = ex.accounts.position(ACCT, AAPL)
    assert pos is not None and pos.quantity == -200
    fee = sell.commission.commission or 0.0
    cost = buy.execution.price + 1.0 / 100
    assert sell.commission.realized_pnl == pytest.approx(
        (sell.execution.price - cost) * 100 - fee / 3)
    assert pos.avg_cost == pytest.approx(sell.execution.price - fee * 2 / 3 / 200)


def _nlv_identity(ex: PaperExchange, account: str = ACCT) -> None:
    nlv = summary(ex, "NetLiquidation", account)
    cash = summary(ex, "TotalCashValue", account)
    value = sum(p.market_value or 0.0 for p in ex.portfolio(account)
                if p.contract.sec_type == "STK")
    assert nlv == pytest.approx(cash + value, abs=0.02)
    gross = summary(ex, "GrossPositionValue", account)
    assert gross == pytest.approx(sum(abs(p.market_value or 0.0) for p in ex.portfolio(account)
                                      if p.contract.sec_type == "STK"), abs=0.02)


def test_account_values_are_consistent(ex: PaperExchange) -> None:
    assert summary(ex, "NetLiquidation") == 1_000_000.0
    assert summary(ex, "BuyingPower") == 4_000_000.0
    _nlv_identity(ex)
    ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 300))
    ex.place_order(1, 2, Stock("MSFT"), MarketOrder("SELL", 200))
    ex.place_order(1, 3, Stock("SPY"), MarketOrder("BUY", 50, account="DU7654321"))
    for _ in range(3):
        ex.step(400)
        _nlv_identity(ex)
        _nlv_identity(ex, "DU7654321")
    nlv = summary(ex, "NetLiquidation")
    init = summary(ex, "InitMarginReq")
    assert summary(ex, "AvailableFunds") == pytest.approx(nlv - init, abs=0.02)
    assert summary(ex, "BuyingPower") == pytest.approx(4 * (nlv - init), abs=0.1)
    assert init == pytest.approx(0.25 * summary(ex, "GrossPositionValue"), abs=0.02)
    values = {(v.key, v.currency): v.value for v in ex.account_values(ACCT)}
    assert values[("AccountCode", "")] == ACCT
    assert values[("NetLiquidation", "USD")] == f"{nlv:.2f}"
    for key in ("TotalCashValue", "BuyingPower", "AvailableFunds", "ExcessLiquidity",
                "GrossPositionValue", "EquityWithLoanValue", "InitMarginReq", "MaintMarginReq",
                "FullInitMarginReq"):
        assert (key, "USD") in values
    for key in ("CashBalance", "UnrealizedPnL", "RealizedPnL"):
        assert (key, "USD") in values and (key, "BASE") in values
    assert ("AccountType", "") in values and ("Leverage-S", "") in values
    unreal = sum(p.unrealized_pnl or 0.0 for p in ex.portfolio(ACCT))
    assert float(values[("UnrealizedPnL", "BASE")]) == pytest.approx(unreal, abs=0.05)
    assert [p.account for p in ex.positions()] == [ACCT, ACCT, "DU7654321"]


def test_account_summary_tags(ex: PaperExchange) -> None:
    rows = ex.account_summary("AccountType,NetLiquidation,Bogus")
    assert rows == [(ACCT, "AccountType", "INDIVIDUAL", ""),
                    (ACCT, "NetLiquidation", "1000000.00", "USD"),
                    ("DU7654321", "AccountType", "INDIVIDUAL", ""),
                    ("DU7654321", "NetLiquidation", "1000000.00", "USD")]
    ledger = ex.account_summary("$LEDGER")
    assert {r[3] for r in ledger} == {"BASE"} and len(ledger) == 2 * 23
    ex.place_order(1, 1, Forex("EURUSD"), MarketOrder("BUY", 100_000))
    ccys = {r[3] for r in ex.account_summary("$LEDGER:ALL") if r[0] == ACCT}
    assert ccys == {"USD", "EUR", "BASE"}
    eur = {r[1]: r[2] for r in ex.account_summary("$LEDGER:EUR") if r[0] == ACCT}
    assert eur["CashBalance"] == "100000.00"
    assert ex.account_summary("$LEDGER:XYZ") == []


def test_forex_and_futures_accounting(ex: PaperExchange) -> None:
    f = fills(ex.place_order(1, 1, Forex("EURUSD"), MarketOrder("BUY", 100_000)))[0]
    cash = ex.accounts.state(ACCT).cash
    assert cash["EUR"] == 100_000
    assert cash["USD"] == pytest.approx(1_000_000 - 100_000 * f.execution.price - 2.0)
    nlv = summary(ex, "NetLiquidation")
    assert nlv == pytest.approx(cash["USD"] + 100_000 * ex.market.fx_to_usd("EUR"), abs=0.01)
    g = fills(ex.place_order(1, 2, Future("ES", "202612"), MarketOrder("BUY", 1)))[0]
    assert cash["USD"] == pytest.approx(1_000_000 - 100_000 * f.execution.price - 2.0 - 2.25)
    ex.step(200)
    mark = ex.market.mark(ES)
    unreal = (mark - g.execution.price) * 50
    nlv = summary(ex, "NetLiquidation")
    assert nlv == pytest.approx(cash["USD"] + 100_000 * ex.market.fx_to_usd("EUR") + unreal,
                                abs=0.02)
    close = fills(ex.place_order(1, 3, Future("ES", "202612"), MarketOrder("SELL", 1)))[0]
    gross = (close.execution.price - g.execution.price) * 50
    assert close.commission.realized_pnl == pytest.approx(gross - 4.5)


# --- queries -----------------------------------------------------------------------------------------

def test_executions_filter(ex: PaperExchange) -> None:
    ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 10))
    ex.step(3600)  # executions carry market time
    ex.place_order(2, 1, Stock("MSFT"), MarketOrder("SELL", 10, account="DU7654321"))
    ex.place_order(2, 2, Future("ES", "202612"), MarketOrder("BUY", 1))
    every = ex.executions()
    assert len(every) == 3 and all(r.exec_id == e.exec_id for e, _, r in every)
    assert len(ex.executions(ExecutionFilter(client_id=0))) == 3

    def count(**kw: object) -> int:
        return len(ex.executions(ExecutionFilter(**kw)))  # type: ignore[arg-type]

    assert count(client_id=2) == 2
    assert count(acct_code="DU7654321") == 1
    assert count(symbol="aapl") == 1
    assert count(sec_type="FUT") == 1
    assert count(side="SELL") == 1 and count(side="BUY") == 2
    assert count(exchange="CME") == 1
    assert count(time="20261120-15:30:00") == 2
    assert count(time="20261120 10:30:00 US/Eastern") == 2
    assert count(client_id=1, symbol="MSFT") == 0


def test_events_carry_snapshots(ex: PaperExchange) -> None:
    bid, ask, _ = ex.market.touch(AAPL)
    placed = ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, round(bid - 3, 2)))
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 10, round(ask + 1, 2)))
    first, working = placed[0].record, placed[1].record
    assert first.status == "PreSubmitted" and working.status == "Submitted"
    assert first.order.lmt_price == round(bid - 3, 2)
    assert ex.order(1, 1).status == "Filled"  # type: ignore[union-attr]


def test_details_and_bars_through_the_exchange(ex: PaperExchange) -> None:
    es = ex.contract_details(Future("ES"))  # the quarterly cycle: five months
    assert [d.contract.con_id for d in es][:2] == [649180695, 672387468]
    assert [d.contract.local_symbol for d in es] == ["ESZ6", "ESH7", "ESM7", "ESU7", "ESZ7"]
    assert ex.contract_details(Stock("NOPE")) == []
    assert ex.contract_details(Stock("AAPL"))[0].contract.exchange == "SMART"
    bars = ex.bars(AAPL, None, "600 S", "1 min", "MIDPOINT")
    assert len(bars) == 10 and ex.now() == START
    assert ex.quote(AAPL).time == START
    assert ex.managed_accounts == (ACCT, "DU7654321")


def test_advance_to_follows_a_clock(ex: PaperExchange) -> None:
    assert ex.advance_to(START - timedelta(seconds=5)) == []
    ex.advance_to(START + timedelta(seconds=30))
    assert ex.now() == START + timedelta(seconds=30)
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 1, Stock("AAPL"), LimitOrder("BUY", 1, round(bid * 0.5, 2), tif="GTC"))
    ex.advance_to(START + timedelta(days=2))  # a long pause gaps instead of stepping
    assert ex.now() == START + timedelta(days=2) and len(ex.open_orders()) == 1


def test_slippage_moves_market_fills_beyond_the_touch_and_never_limits() -> None:
    ex = PaperExchange(seed=42, clock=Clock(), slippage=2)
    bid, ask, _ = ex.market.touch(AAPL)
    buy = fills(ex.place_order(1, 1, Stock("AAPL"), MarketOrder("BUY", 1)))[0].execution
    assert buy.price == round(ask + 0.02, 2)
    sell = fills(ex.place_order(1, 2, Stock("AAPL"), MarketOrder("SELL", 1)))[0].execution
    assert sell.price == round(bid - 0.02, 2)
    limit = fills(ex.place_order(1, 3, Stock("AAPL"), LimitOrder("BUY", 1, ask)))[0].execution
    assert limit.price == ask
    with pytest.raises(ValueError, match="ticks"):
        PaperExchange(slippage=-1)
