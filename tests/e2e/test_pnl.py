"""PnL end to end: Broker, AsyncBroker and ibwire's EClient against the paper gateway -- live PnL
objects that follow a position's price as the market clock moves, consistent with the portfolio,
and soft dollar tiers."""

from __future__ import annotations

import math

import pytest

from ibwire import AsyncBroker, MarketOrder, PnL, PnLSingle, RequestError, Stock

from .conftest import AAPL, MSFT, WAIT_S, EApp, run

ACCOUNT = "DU1234567"


def _moved(gateway, con_id: int, before: float, limit: int = 60) -> float:
    """Step the market a minute at a time until ``con_id``'s mark differs from ``before``."""
    for _ in range(limit):
        gateway.step(60)
        mark = gateway.call(lambda ex: ex.market.mark(con_id))
        if mark != before:
            return mark
    raise AssertionError("the market did not move")


def _portfolio_unrealized(gateway) -> float:
    return sum(i.unrealized_pnl or 0.0 for i in gateway.call(lambda ex: ex.portfolio(ACCOUNT)))


# --- Broker -----------------------------------------------------------------------------------------

def test_broker_pnl_is_live_and_agrees_with_the_portfolio(gateway, broker):
    pnl = broker.pnl()
    assert isinstance(pnl, PnL) and pnl.account == ACCOUNT
    assert (pnl.daily_pnl, pnl.unrealized_pnl, pnl.realized_pnl) == (0.0, 0.0, 0.0)
    single = broker.pnl_single(ACCOUNT, AAPL)
    assert single.position == 0 and single.realized_pnl is None

    seen = single.updates
    broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100)).wait_done(WAIT_S)
    assert single.wait_update(WAIT_S, after=seen)
    assert broker.wait_until(lambda: single.position == 100 and pnl.unrealized_pnl != 0, WAIT_S)
    assert pnl.unrealized_pnl == pytest.approx(_portfolio_unrealized(gateway), abs=0.01)
    assert single.value == pytest.approx(
        100 * gateway.call(lambda ex: ex.market.mark(AAPL)), abs=0.01)

    # the price moves: the PnL follows (no new trade)
    before = pnl.unrealized_pnl
    seen = pnl.updates
    mark = _moved(gateway, AAPL, gateway.call(lambda ex: ex.market.mark(AAPL)))
    assert pnl.wait_update(WAIT_S, after=seen)
    assert broker.wait_until(lambda: pnl.unrealized_pnl != before
                             and single.value == pytest.approx(100 * mark), WAIT_S)
    assert pnl.unrealized_pnl == pytest.approx(_portfolio_unrealized(gateway), abs=0.01)
    assert pnl.daily_pnl == pytest.approx(pnl.unrealized_pnl)  # bought today
    assert single.unrealized_pnl == pytest.approx(pnl.unrealized_pnl)
    # the same subscription asked for again is the same live object
    assert broker.pnl(ACCOUNT) is pnl
    assert set(broker.pnls) == {pnl, single}

    broker.cancel_pnl(pnl)
    assert not pnl.active and list(broker.pnls) == [single]
    frozen = (pnl.updates, pnl.unrealized_pnl)
    _moved(gateway, AAPL, mark)
    broker.current_time()  # a round trip: whatever the gateway sent before has been read
    assert (pnl.updates, pnl.unrealized_pnl) == frozen


def test_broker_pnl_events_and_realized(gateway, broker):
    events = broker.stream(PnLSingle, timeout=WAIT_S)
    single = broker.pnl_single(None, MSFT)
    broker.submit_order(Stock("MSFT"), MarketOrder("BUY", 10)).wait_done(WAIT_S)
    broker.submit_order(Stock("MSFT"), MarketOrder("SELL", 4)).wait_done(WAIT_S)
    assert broker.wait_until(lambda: single.position == 6, WAIT_S)
    assert single.realized_pnl is not None and single.realized_pnl < 0  # the spread + commissions
    got = []
    for ev in events:
        got.append(ev)
        if ev.position == 6:
            break
    events.close()
    assert got and all(ev is single for ev in got)


def test_broker_pnl_errors(broker):
    with pytest.raises(RequestError) as info:
        broker.pnl("DU0000000")
    assert info.value.code == 321
    with pytest.raises(ValueError):
        broker.pnl_single(ACCOUNT, 0)
    assert list(broker.pnls) == []


def test_broker_soft_dollar_tiers(broker):
    assert broker.soft_dollar_tiers() == []


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_pnl(gateway):
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=7,
                                             timeout=WAIT_S) as b:
            pnl = await b.pnl()
            ticket = await b.submit_order(Stock("AAPL"), MarketOrder("BUY", 50))
            await ticket.done(WAIT_S)
            await b.wait_for(lambda: pnl.unrealized_pnl != 0, WAIT_S)
            seen, before = pnl.updates, pnl.unrealized_pnl
            mark = gateway.call(lambda ex: ex.market.mark(AAPL))
            _moved(gateway, AAPL, mark)
            await pnl.updated(WAIT_S, after=seen)
            assert pnl.unrealized_pnl != before
            assert pnl.unrealized_pnl == pytest.approx(_portfolio_unrealized(gateway), abs=0.01)
            assert await b.soft_dollar_tiers() == []
            await b.cancel_pnl(pnl)
            assert not pnl.active

    run(scenario)


# --- ibwire's EClient -------------------------------------------------------------------------------

def test_eclient_pnl_callbacks(gateway, eapp: EApp):
    eapp.reqPnL(41, ACCOUNT, "")
    eapp.reqPnLSingle(42, ACCOUNT, "", AAPL)
    eapp.wait(lambda: eapp.of("pnl", 41) and eapp.of("pnlSingle", 42), "pnl + pnlSingle")
    assert eapp.of("pnl", 41)[0] == (41, 0.0, 0.0, 0.0)
    single = eapp.of("pnlSingle", 42)[0]
    assert single[1] == 0 and math.isclose(single[5], 0.0)
    eapp.placeOrder(eapp.of("nextValidId")[0][0], Stock("AAPL"), MarketOrder("BUY", 100))
    eapp.wait(lambda: any(a[1] == 100 for a in eapp.of("pnlSingle", 42)), "the position's PnL")
    mark = gateway.call(lambda ex: ex.market.mark(AAPL))
    n = len(eapp.of("pnl", 41))
    _moved(gateway, AAPL, mark)
    eapp.wait(lambda: len(eapp.of("pnl", 41)) > n, "a PnL update after the market moved")
    last = eapp.of("pnl", 41)[-1]
    assert last[2] == pytest.approx(_portfolio_unrealized(gateway), abs=0.01)
    eapp.cancelPnL(41)
    eapp.cancelPnLSingle(42)
    eapp.reqSoftDollarTiers(43)
    eapp.wait(lambda: bool(eapp.of("softDollarTiers", 43)), "softDollarTiers")
    assert eapp.of("softDollarTiers", 43)[0] == (43, [])


def test_pnl_agrees_with_the_account_values(gateway, broker):
    broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100)).wait_done(WAIT_S)
    broker.submit_order(Stock("MSFT"), MarketOrder("BUY", 20)).wait_done(WAIT_S)
    _moved(gateway, AAPL, gateway.call(lambda ex: ex.market.mark(AAPL)))
    pnl = broker.pnl()
    values = {(v.key, v.currency): v.value for v in broker.account_values()}
    assert pnl.unrealized_pnl == pytest.approx(float(values[("UnrealizedPnL", "BASE")]), abs=0.01)


def test_pnl_is_asked_for_again_after_1101(gateway, broker):
    pnl = broker.pnl()
    first = pnl.req_id
    gateway.send_connectivity(1101)  # restored, data lost: TWS dropped every subscription
    assert broker.wait_until(lambda: pnl.req_id != first, WAIT_S)
    seen = pnl.updates
    broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10)).wait_done(WAIT_S)
    assert pnl.wait_update(WAIT_S, after=seen)  # it streams again, under its new id
    assert broker.wait_until(lambda: pnl.unrealized_pnl != 0, WAIT_S)
    assert pnl.active and list(broker.pnls) == [pnl]
