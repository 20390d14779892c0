"""The gateway's options: the model, the universe (expirations from the calendar, strikes on the
venue's grid), option quotes that follow their underlying with put-call parity, fills at premium x
multiplier, exercise and expiry."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ibwire.gateway import option_model as om
from ibwire.gateway.exchange import AccountUpdate, FillEvent, PaperExchange
from ibwire.gateway.options import OptionTable, strike_grid
from ibwire.models.contract import Contract, Future, FuturesOption, Option, Stock
from ibwire.models.order import LimitOrder, MarketOrder

START = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # a Wednesday, 11:00 New York
SPY, ESZ6 = 756733, 649180695


@pytest.fixture(scope="module")
def ex() -> PaperExchange:
    return PaperExchange(market_start=START, seed=7)


def _table(ex: PaperExchange) -> OptionTable:
    assert isinstance(ex.instruments, OptionTable)
    return ex.instruments


def _one(ex: PaperExchange, c: Contract) -> int:
    found = ex.resolve(c)
    assert len(found) == 1, (c, [i.local_symbol for i in found])
    return found[0].con_id


def _parity_gap(ex: PaperExchange, call: int, put: int) -> float:
    """C - P - (S - K e^(-rT)) from the model values (0 when parity holds)."""
    pc = ex.market.option_path(call)
    pp = ex.market.option_path(put)
    assert pc is not None and pp is not None
    s = ex.market.step_second
    gc, _, under = pc.model(s)
    gp, _, _ = pp.model(s)
    t = pc.years(s)
    disc = math.exp(-om.RATE * t)
    k = pc.terms.strike
    forward_value = disc * (under - k) if pc.futures else under - k * disc
    return gc.price - gp.price - forward_value


# --- the model -----------------------------------------------------------------------------------

@pytest.mark.parametrize("futures", [False, True])
def test_model_parity_greeks_and_implied_volatility(futures: bool) -> None:
    s, k, t, vol = 100.0, 105.0, 0.25, 0.3
    c = om.greeks("C", s, k, t, vol, futures)
    p = om.greeks("P", s, k, t, vol, futures)
    disc = math.exp(-om.RATE * t)
    assert c.price - p.price == pytest.approx(disc * (s - k) if futures else s - k * disc)
    h = 1e-4
    up = om.price("C", s + h, k, t, vol, futures)
    down = om.price("C", s - h, k, t, vol, futures)
    assert c.delta == pytest.approx((up - down) / (2 * h), rel=1e-5)
    assert c.gamma == pytest.approx((up - 2 * c.price + down) / h**2, rel=1e-3)
    assert c.vega == pytest.approx(om.price("C", s, k, t, vol + 0.01, futures) - c.price, rel=2e-2)
    assert c.theta == pytest.approx(om.price("C", s, k, t - 1 / 365, vol, futures) - c.price,
                                    rel=2e-2)
    assert c.delta - p.delta == pytest.approx(disc if futures else 1.0)
    assert om.implied_vol("P", p.price, s, k, t, futures) == pytest.approx(vol, abs=1e-8)
    assert om.implied_vol("C", 0.0, s, k, t, futures) is None  # nothing implies a zero price
    assert om.implied_vol("C", s * 2, s, k, t, futures) is None  # above any volatility's value


def test_smile_and_term_structure() -> None:
    base, fwd = 0.2, 100.0
    short, long = om.smile_vol(base, fwd, fwd, 0.02), om.smile_vol(base, fwd, fwd, 2.0)
    assert short < long  # the term structure rises
    low, atm, above, wing = (om.smile_vol(base, fwd, k, 0.25) for k in (80.0, 100.0, 110.0, 160.0))
    assert low > atm > above  # skewed to the lower strikes
    assert wing > atm  # and both wings rise


def test_strike_grid_is_a_multiple_of_the_venue_increment() -> None:
    grid = strike_grid(580.0)
    assert len(grid) == 41 and grid[20] == 580.0 and grid[1] - grid[0] == 5.0
    assert strike_grid(6000.0)[1] - strike_grid(6000.0)[0] == 50.0
    assert strike_grid(70.0)[1] - strike_grid(70.0)[0] == 0.5


# --- the universe --------------------------------------------------------------------------------

def test_equity_expirations_are_weekly_and_monthly_fridays(ex: PaperExchange) -> None:
    [cls] = _table(ex).classes_of("SPY")
    days = [d for d, _ in cls.expiries]
    assert days[:5] == [date(2026, 11, 20), date(2026, 11, 27), date(2026, 12, 4),
                        date(2026, 12, 11), date(2026, 12, 18)]
    assert date(2027, 1, 15) in days and date(2027, 4, 16) in days  # monthlies: third Fridays
    assert not cls.european and not cls.cash_settled and cls.multiplier == "100"


def test_a_holiday_friday_moves_the_expiry_to_thursday() -> None:
    # Good Friday 2027 (March 26) closes the NYSE: that week's options expire on Thursday
    ex = PaperExchange(market_start=datetime(2027, 3, 15, 15, 0, tzinfo=UTC))
    [cls] = _table(ex).classes_of("SPY")
    days = [d for d, _ in cls.expiries]
    assert date(2027, 3, 25) in days and date(2027, 3, 26) not in days


def test_index_options_are_european_cash_settled_monthly_and_weekly(ex: PaperExchange) -> None:
    classes = {c.trading_class: c for c in _table(ex).classes_of("SPX")}
    assert set(classes) == {"SPX", "SPXW"}
    assert all(c.european and c.cash_settled and c.exchange == "CBOE" for c in classes.values())
    assert [d for d, _ in classes["SPX"].expiries][:2] == [date(2026, 11, 20), date(2026, 12, 18)]
    assert date(2026, 11, 27) in [d for d, _ in classes["SPXW"].expiries]


def test_futures_options_settle_into_their_future(ex: PaperExchange) -> None:
    classes = {c.trading_class: c for c in _table(ex).classes_of("ES", "FOP")}
    assert set(classes) == {"ES", "EW"}
    es = classes["ES"]
    assert es.expiries[0][0] == date(2026, 12, 18) and es.expiries[0][1].con_id == ESZ6
    assert es.multiplier == "50" and es.exchange == "CME"
    eom = classes["EW"].expiries[0]
    assert eom[0] == date(2026, 11, 30) and eom[1].con_id == ESZ6  # end of month, on the Dec future
    [lo] = _table(ex).classes_of("CL", "FOP")
    assert lo.trading_class == "LO" and lo.multiplier == "1000"
    assert all(d < date(int(u.last_trade_date[:4]), int(u.last_trade_date[4:6]),
                        int(u.last_trade_date[6:]))
               for d, u in lo.expiries if u.last_trade_date)


def test_options_resolve_by_fields_local_symbol_and_con_id(ex: PaperExchange) -> None:
    con_id = _one(ex, Option("SPY", "20261218", 580, "C"))
    inst = ex.instruments[con_id]
    assert inst.local_symbol == "SPY   261218C00580000" and inst.under_con_id == SPY
    assert _one(ex, Contract(sec_type="OPT", local_symbol="SPY   261218C00580000",
                             symbol="SPY")) == con_id
    assert ex.resolve(Contract(con_id=con_id))[0] is inst
    assert len(ex.resolve(Option("SPY", "202612", 580, "C"))) == 3  # the month's expiries
    assert ex.resolve(Option("SPY", "20261218", 581, "C")) == []  # not on the grid
    fop = _one(ex, FuturesOption("ES", "20261218", 6000, "P", "CME"))
    assert ex.instruments[fop].local_symbol == "ESZ6 P6000"
    details = ex.contract_details(Contract(con_id=fop))[0]
    assert details.contract.strike == 6000.0 and details.contract.right == "P"
    assert details.under_con_id == ESZ6 and details.contract.multiplier == "50"
    # a stock contract is still a stock: a strike or a right does not describe it
    assert ex.resolve(Contract(symbol="SPY", sec_type="STK", strike=580.0)) == []


# --- prices --------------------------------------------------------------------------------------

def test_put_call_parity_holds_on_the_chain(ex: PaperExchange) -> None:
    for strike in strike_grid(ex.instruments[SPY].base_price)[10:31:5]:
        call = _one(ex, Option("SPY", "20261218", strike, "C"))
        put = _one(ex, Option("SPY", "20261218", strike, "P"))
        assert abs(_parity_gap(ex, call, put)) < 1e-9
        qc, qp = ex.quote(call), ex.quote(put)
        assert 0 <= qc.bid < qc.ask and 0 <= qp.bid < qp.ask
    es_c = _one(ex, FuturesOption("ES", "20261218", 6000, "C", "CME"))
    es_p = _one(ex, FuturesOption("ES", "20261218", 6000, "P", "CME"))
    assert abs(_parity_gap(ex, es_c, es_p)) < 1e-9


def test_an_option_quote_moves_with_its_underlying() -> None:
    ex = PaperExchange(market_start=START, seed=11)
    call = _one(ex, Option("SPY", "20261218", 580, "C"))
    put = _one(ex, Option("SPY", "20261218", 580, "P"))
    seen = []
    for _ in range(30):
        ex.step(60)
        under = ex.market.option_path(call)
        assert under is not None
        seen.append((under.under_price(ex.market.step_second), ex.market.mark(call),
                     ex.market.mark(put)))
    moves = [(b[0] - a[0], b[1] - a[1], b[2] - a[2]) for a, b in zip(seen, seen[1:])
             if abs(b[0] - a[0]) > 0.2]
    assert moves  # the underlying moved in half an hour
    for du, dc, dp in moves:
        assert (dc > 0) == (du > 0) and (dp < 0) == (du > 0)


# --- orders, exercise, expiry ----------------------------------------------------------------------

def _cash(ex: PaperExchange, account: str = "DU1234567") -> float:
    return ex.accounts.state(account).cash["USD"]


def test_an_option_order_fills_at_premium_times_multiplier() -> None:
    ex = PaperExchange(market_start=START, seed=3)
    con_id = _one(ex, Option("SPY", "20261218", 580, "C"))
    before = _cash(ex)
    events = ex.place_order(1, 1, Option("SPY", "20261218", 580, "C"), MarketOrder("BUY", 2))
    fill = next(e for e in events if isinstance(e, FillEvent))
    assert fill.execution.shares == Decimal(2) and fill.contract.sec_type == "OPT"
    paid = fill.execution.price * 100 * 2
    assert _cash(ex) == pytest.approx(before - paid - fill.commission.commission)
    pos = ex.accounts.position("DU1234567", con_id)
    assert pos is not None and pos.quantity == 2
    assert fill.commission.commission == 1.30  # 0.65 per contract
    values = {(v.key, v.currency): v.value for v in ex.account_values("DU1234567")}
    assert float(values[("OptionMarketValue", "USD")]) == pytest.approx(
        2 * 100 * ex.market.mark(con_id), abs=0.01)
    # a limit off the option's tick grid is refused like any other
    events = ex.place_order(1, 2, Option("SPY", "20261218", 580, "C"),
                            LimitOrder("BUY", 1, 1.234))
    assert any(getattr(e, "code", None) == 110 for e in events)


def test_exercise_turns_a_call_into_shares_at_the_strike() -> None:
    ex = PaperExchange(market_start=START, seed=3)
    contract = Option("SPY", "20261218", 500, "C")  # deep in the money
    ex.place_order(1, 1, contract, MarketOrder("BUY", 1))
    con_id = _one(ex, contract)
    cash = _cash(ex)
    events = ex.exercise("DU1234567", con_id, Decimal(1), exercise=True)
    assert isinstance(events, list) and isinstance(events[0], AccountUpdate)
    assert ex.accounts.position("DU1234567", con_id).quantity == 0  # type: ignore[union-attr]
    shares = ex.accounts.position("DU1234567", SPY)
    assert shares is not None and shares.quantity == 100
    assert _cash(ex) == pytest.approx(cash - 500.0 * 100)  # the strike changed hands
    # more than held, and out of the money without override: refused
    assert ex.exercise("DU1234567", con_id, Decimal(1), exercise=True)[0] == 321  # type: ignore[index]
    otm = Option("SPY", "20261218", 650, "C")
    ex.place_order(1, 2, otm, MarketOrder("BUY", 1))
    problem = ex.exercise("DU1234567", _one(ex, otm), Decimal(1), exercise=True)
    assert isinstance(problem, tuple) and "override" in problem[1]


def test_expiry_settles_in_the_money_options_and_lapses_the_rest() -> None:
    ex = PaperExchange(market_start=START, seed=3)
    itm, otm = Option("SPX", "20261120", 5000, "P", trading_class="SPX"), \
        Option("SPY", "20261120", 650, "C")
    ex.place_order(1, 1, Option("SPX", "20261120", 5000, "C", trading_class="SPX"),
                   MarketOrder("BUY", 1))
    ex.place_order(1, 2, otm, MarketOrder("BUY", 3))
    call = _one(ex, Option("SPX", "20261120", 5000, "C", trading_class="SPX"))
    ex.step(3 * 86400)  # past Friday's settlement
    assert ex.accounts.position("DU1234567", call).quantity == 0  # type: ignore[union-attr]
    assert ex.accounts.position("DU1234567", _one(ex, otm)).quantity == 0  # type: ignore[union-attr]
    spx = ex.resolve(Contract(symbol="SPX", sec_type="IND"))[0].con_id
    assert ex.accounts.position("DU1234567", spx) is None  # cash-settled: no index position
    assert ex.resolve(itm)  # (still resolvable by its fields: listed at the start)


def test_options_on_futures_value_and_future_positions() -> None:
    ex = PaperExchange(market_start=START, seed=3)
    fop = FuturesOption("ES", "20261218", 5000, "C", "CME")
    ex.place_order(1, 1, fop, MarketOrder("BUY", 1))
    assert ex.exercise("DU1234567", _one(ex, fop), Decimal(1), exercise=True)
    fut = ex.accounts.position("DU1234567", ESZ6)
    assert fut is not None and fut.quantity == 1
    assert ex.resolve(Future("ES", "202612", "CME"))[0].con_id == ESZ6
    assert ex.resolve(Stock("SPY"))[0].con_id == SPY


def test_an_option_has_historical_bars() -> None:
    ex = PaperExchange(market_start=START, seed=3)
    con_id = _one(ex, Option("SPY", "20261218", 580, "C"))
    ex.step(3600)
    bars = ex.bars(con_id, None, "1 D", "30 mins", "TRADES", True)
    assert len(bars) >= 3
    for b in bars:
        assert 0 <= b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
    assert bars[-1].close == ex.quote(con_id).last


def test_an_option_con_id_is_found_without_listing_every_option() -> None:
    listed = PaperExchange(market_start=START, seed=3)
    con_id = _one(listed, FuturesOption("ES", "20261218", 6000, "C", "CME"))
    fresh = PaperExchange(market_start=START, seed=3)  # (a state file's position, a bot's con id)
    table = _table(fresh)
    assert table.get(con_id) is not None and table.get(con_id).local_symbol == "ESZ6 C6000"  # type: ignore[union-attr]
    assert fresh.resolve(Contract(con_id=12345)) == []
    assert len(table._options) == 1  # only the option asked for was made
