"""Options end to end against the paper gateway, through ibwire's Broker, AsyncBroker and EClient
and ib_async 2.1 (at 178): chains for SPY and the ES future, an option ticker with greeks for bid,
ask, last and model, implied volatility and option price calculations, put-call parity on the
chain, exercise. (The official client 10.51: tests/oracle/test_options_official_1051.py.)"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ibwire import (
    AsyncBroker,
    Broker,
    Future,
    FuturesOption,
    MarketOrder,
    Option,
    OptionChain,
    Stock,
    Ticker,
)
from ibwire.errors import ContractError, RequestError
from ibwire.gateway import PaperGateway
from ibwire.gateway import option_model as om

from .conftest import WAIT_S, EApp, run

START = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # a Wednesday, 11:00 in New York
SPY, ESZ6 = 756733, 649180695
EXPIRY = "20261218"


@pytest.fixture
def gateway() -> Iterator[PaperGateway]:
    with PaperGateway(port=0, seed=20261118, tick_interval=None, market_start=START) as gw:
        yield gw


def gateway_chain(gateway: PaperGateway, symbol: str, sec_type: str = "OPT") -> dict[str, Any]:
    """trading class -> (expirations, strikes, multiplier, exchange) as the gateway lists them."""
    def read(ex: Any) -> dict[str, Any]:
        return {c.trading_class: (sorted(d.strftime("%Y%m%d") for d, _ in c.expiries),
                                  list(c.strikes), c.multiplier, c.exchange)
                for c in ex.instruments.classes_of(symbol, sec_type)}
    return gateway.call(read)


def model(gateway: PaperGateway, con_id: int) -> tuple[om.Greeks, float, float, float]:
    """(greeks, volatility, underlying price, years to expiry) of the gateway's model now."""
    def read(ex: Any) -> tuple[om.Greeks, float, float, float]:
        path = ex.market.option_path(con_id)
        s = ex.market.step_second
        g, vol, under = path.model(s)
        return g, vol, under, path.years(s)
    return gateway.call(read)


def greeks_complete(t: Ticker) -> bool:
    return None not in (t.bid_greeks, t.ask_greeks, t.last_greeks, t.model_greeks) \
        and t.bid is not None and t.ask is not None


# --- Broker --------------------------------------------------------------------------------------

def test_broker_option_chain_of_spy_and_of_the_es_future(gateway: PaperGateway,
                                                         broker_at_start: Broker) -> None:
    b = broker_at_start
    chains = b.option_chain(Stock("SPY"))
    assert {c.exchange for c in chains} >= {"SMART", "CBOE", "AMEX"}
    smart = [c for c in chains if c.exchange == "SMART"]
    assert len(smart) == 1 and isinstance(smart[0], OptionChain)
    expected = gateway_chain(gateway, "SPY")["SPY"]
    assert (smart[0].expirations, smart[0].strikes, smart[0].multiplier) == expected[:3]
    assert smart[0].underlying_con_id == SPY and smart[0].trading_class == "SPY"
    assert smart[0].expirations[0] == "20261120" and EXPIRY in smart[0].expirations
    assert b.option_chain(Stock("SPY"), exchange="CBOE")[0].exchange == "CBOE"

    es = b.option_chain(Future("ES", "202612", "CME"))
    by_class = {c.trading_class: c for c in es}
    assert set(by_class) == {"ES", "EW"} and {c.exchange for c in es} == {"CME"}
    assert all(c.multiplier == "50" and c.underlying_con_id == ESZ6 for c in es)
    fop = gateway_chain(gateway, "ES", "FOP")
    assert by_class["ES"].expirations == fop["ES"][0] and by_class["EW"].strikes == fop["EW"][1]

    with pytest.raises(ContractError):
        b.option_chain(Stock("NOPE"))
    assert b.option_chain(Stock("MMM")) == []  # a stock without listed options: the end alone


def test_broker_option_ticker_has_greeks_for_bid_ask_last_and_model(
        gateway: PaperGateway, broker_at_start: Broker) -> None:
    b = broker_at_start
    contract = Option("SPY", EXPIRY, 580, "C")
    con_id = b.qualify(contract).con_id
    t = b.market_data(contract)
    assert b.wait_until(lambda: greeks_complete(t), WAIT_S)
    g, vol, under, _ = model(gateway, con_id)
    m = t.model_greeks
    assert m is not None
    assert (m.implied_vol, m.delta, m.gamma, m.vega, m.theta, m.opt_price, m.und_price) == \
        pytest.approx((vol, g.delta, g.gamma, g.vega, g.theta, g.price, under))
    assert 0 < m.delta < 1 and m.gamma > 0 and m.vega > 0 and m.theta < 0
    bid, ask = t.bid_greeks, t.ask_greeks
    assert bid is not None and ask is not None and t.last_greeks is not None
    assert bid.opt_price == t.bid and ask.opt_price == t.ask and t.last_greeks.opt_price == t.last
    assert bid.implied_vol is not None and ask.implied_vol is not None
    assert bid.implied_vol < m.implied_vol < ask.implied_vol  # bid below the model, ask above
    assert bid.und_price == ask.und_price == m.und_price

    # the option moves with its underlying
    before = (m.und_price, t.bid)
    gateway.step(1800)
    assert b.wait_until(lambda: t.model_greeks is not None and t.model_greeks.und_price != before[0],
                        WAIT_S)
    after = t.model_greeks
    assert after is not None and after.und_price is not None and before[0] is not None
    g2, _, under2, _ = model(gateway, con_id)
    assert after.und_price == pytest.approx(under2) and after.opt_price == pytest.approx(g2.price)
    if abs(under2 - before[0]) > 0.5:
        assert (after.opt_price - m.opt_price > 0) == (under2 > before[0])  # type: ignore[operator]
    b.cancel_market_data(t)


def test_put_call_parity_on_the_chain_through_the_broker(gateway: PaperGateway,
                                                         broker_at_start: Broker) -> None:
    b = broker_at_start
    [chain] = b.option_chain(Stock("SPY"), exchange="SMART")
    strikes = chain.strikes[15:26:5]
    pairs = [(b.market_data(Option("SPY", EXPIRY, k, "C")),
              b.market_data(Option("SPY", EXPIRY, k, "P"))) for k in strikes]
    assert b.wait_until(lambda: all(c.model_greeks and p.model_greeks for c, p in pairs), WAIT_S)
    _, _, under, years = model(gateway, pairs[0][0].contract.con_id or
                               b.qualify(pairs[0][0].contract).con_id)
    for k, (c, p) in zip(strikes, pairs):
        assert c.model_greeks is not None and p.model_greeks is not None
        gap = c.model_greeks.opt_price - p.model_greeks.opt_price  # type: ignore[operator]
        assert gap == pytest.approx(under - k * math.exp(-om.RATE * years), abs=1e-6)
        # the quotes too, within their spreads
        assert c.bid is not None and c.ask is not None and p.bid is not None and p.ask is not None
        assert c.bid - p.ask - 0.02 <= gap <= c.ask - p.bid + 0.02
        b.cancel_market_data(c)
        b.cancel_market_data(p)


def test_broker_implied_volatility_and_option_price(gateway: PaperGateway,
                                                    broker_at_start: Broker) -> None:
    b = broker_at_start
    call, put = Option("SPY", EXPIRY, 590, "C"), Option("SPY", EXPIRY, 590, "P")
    priced = b.option_price(call, 0.25, 585.0)
    assert priced.implied_vol == 0.25 and priced.und_price == 585.0
    assert priced.opt_price is not None and priced.delta is not None and 0 < priced.delta < 1
    back = b.implied_volatility(call, priced.opt_price, 585.0)
    assert back.implied_vol == pytest.approx(0.25, abs=1e-6)
    assert back.opt_price == pytest.approx(priced.opt_price) and back.delta == pytest.approx(
        priced.delta)
    put_price = b.option_price(put, 0.25, 585.0).opt_price
    assert put_price is not None
    _, _, _, years = model(gateway, b.qualify(call).con_id)
    assert priced.opt_price - put_price == pytest.approx(
        585.0 - 590.0 * math.exp(-om.RATE * years), abs=1e-6)
    fop = b.option_price(FuturesOption("ES", "20261218", 6000, "P", "CME"), 0.18, 6000.0)
    assert fop.opt_price is not None and fop.opt_price > 0 and fop.delta is not None \
        and -1 < fop.delta < 0
    with pytest.raises(ContractError):
        b.implied_volatility(Option("SPY", EXPIRY, 591, "C"), 5.0, 585.0)  # not listed
    with pytest.raises(ValueError):
        b.option_price(call, 25, 585.0)  # 25 = 2500%: a fraction is wanted


def test_broker_buys_and_exercises_an_option(gateway: PaperGateway,
                                             broker_at_start: Broker) -> None:
    b = broker_at_start
    call = Option("SPY", EXPIRY, 500, "C")  # deep in the money
    ticket = b.submit_order(call, MarketOrder("BUY", 1))
    assert ticket.wait_done(WAIT_S).status == "Filled"
    held = {p.contract.con_id: p.position for p in b.positions()}
    con_id = b.qualify(call).con_id
    assert held[con_id] == 1
    b.exercise(call, 1)
    held = {p.contract.con_id: p.position for p in b.positions()}
    assert held.get(con_id, 0) == 0 and held[SPY] == 100
    with pytest.raises(RequestError) as info:
        b.exercise(call, 1)  # nothing left to exercise
    assert info.value.code == 321

    otm = Option("SPY", EXPIRY, 650, "C")
    assert b.submit_order(otm, MarketOrder("BUY", 2)).wait_done(WAIT_S).status == "Filled"
    with pytest.raises(RequestError) as info:
        b.exercise(otm, 1)  # out of the money: TWS wants an override
    assert "override" in info.value.message
    b.exercise(otm, 2, lapse=True)
    held = {p.contract.con_id: p.position for p in b.positions()}
    assert held.get(b.qualify(otm).con_id, 0) == 0


def test_delayed_option_data_has_the_delayed_computations(gateway: PaperGateway,
                                                          broker_at_start: Broker) -> None:
    b = broker_at_start
    b.set_market_data_type(3)
    t = b.market_data(Option("SPY", EXPIRY, 580, "C"))
    assert b.wait_until(lambda: greeks_complete(t), WAIT_S)
    assert t.market_data_type == 3
    con_id = b.qualify(t.contract).con_id

    def delayed_model(ex: Any) -> float:
        path = ex.market.option_path(con_id)
        return float(path.model(ex.market.step_second - 15 * 60)[0].price)

    assert t.model_greeks is not None
    assert t.model_greeks.opt_price == pytest.approx(gateway.call(delayed_model))


@pytest.fixture
def broker_at_start(gateway: PaperGateway) -> Iterator[Broker]:
    with Broker.connect("127.0.0.1", gateway.port, client_id=1, timeout=WAIT_S) as b:
        yield b


# --- AsyncBroker -----------------------------------------------------------------------------------

def test_async_broker_options(gateway: PaperGateway) -> None:
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            chains = await b.option_chain(Future("ES", "202612", "CME"))
            assert {c.trading_class for c in chains} == {"ES", "EW"}
            t = await b.market_data(FuturesOption("ES", "20261218", 6000, "C", "CME"))
            await b.wait_for(lambda: greeks_complete(t), WAIT_S)
            assert t.model_greeks is not None and t.model_greeks.und_price is not None
            iv = await b.implied_volatility(t.contract, t.ask or 1.0, t.model_greeks.und_price)
            assert iv.implied_vol == pytest.approx(t.ask_greeks.implied_vol)  # type: ignore[union-attr]
            price = await b.option_price(t.contract, 0.2, 6000.0)
            assert price.opt_price is not None and price.opt_price > 0
            await b.cancel_market_data(t)

    run(scenario)


# --- EClient ---------------------------------------------------------------------------------------

@pytest.fixture
def eapp_options(gateway: PaperGateway) -> Iterator[EApp]:
    app = EApp()
    for name in ("securityDefinitionOptionParameter", "securityDefinitionOptionParameterEnd",
                 "tickOptionComputation"):
        setattr(app, name, (lambda n: lambda *args: app._record(n, args))(name))
    app.connect("127.0.0.1", gateway.port, 2)
    thread = app.start_dispatcher()
    app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
    yield app
    app.disconnect()
    thread.join(WAIT_S)


def test_eclient_options(gateway: PaperGateway, eapp_options: EApp) -> None:
    app = eapp_options
    app.reqSecDefOptParams(3, "SPY", "", "STK", SPY)
    app.wait(lambda: bool(app.of("securityDefinitionOptionParameterEnd", 3)), "the chain's end")
    rows = app.of("securityDefinitionOptionParameter", 3)
    smart = [r for r in rows if r[1] == "SMART"]
    assert len(smart) == 1 and smart[0][2:5] == (SPY, "SPY", "100")
    assert EXPIRY in smart[0][5] and 580.0 in smart[0][6]

    app.reqMktData(4, Option("SPY", EXPIRY, 580, "P"), "", False, False, [])
    app.wait(lambda: {a[1] for a in app.of("tickOptionComputation", 4)} >= {10, 11, 12, 13},
             "the four computations")
    comps = {a[1]: a for a in app.of("tickOptionComputation", 4)}
    prices = {a[1]: a[2] for a in app.of("tickPrice", 4)}
    assert comps[10][5] == prices[1] and comps[11][5] == prices[2]  # optPrice = the bid / ask
    assert comps[13][2] == 0 and -1 < comps[13][4] < 0  # tickAttrib, a put's delta
    app.cancelMktData(4)

    app.calculateImpliedVolatility(5, Option("SPY", EXPIRY, 580, "C"), 9.5, 581.0, [])
    app.calculateOptionPrice(6, Option("SPY", EXPIRY, 580, "C"), 0.2, 581.0, [])
    app.wait(lambda: bool(app.of("tickOptionComputation", 5) and app.of("tickOptionComputation",
                                                                        6)), "the calculations")
    iv = app.of("tickOptionComputation", 5)[0]
    price = app.of("tickOptionComputation", 6)[0]
    assert iv[1] == price[1] == 53  # CUST_OPTION_COMPUTATION
    assert iv[5] == 9.5 and iv[6] is None and iv[10] == 581.0  # pvDividend not computed
    assert price[3] == 0.2 and price[5] > 0

    app.exerciseOptions(7, Option("SPY", EXPIRY, 580, "C"), 1, 1, "DU1234567", 0, "", "", False)
    app.wait(lambda: bool(app.errors(7)), "the exercise's error")
    assert app.errors(7)[0][1] == 321  # no position to exercise


# --- ib_async 2.1 (server version 178) ------------------------------------------------------------

def test_ib_async_options(gateway: PaperGateway, ib_async_tools: Any) -> None:
    ib_async, until = ib_async_tools.ib_async, ib_async_tools.until

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=31, timeout=10)
        try:
            [spy] = await ib.qualifyContractsAsync(ib_async.Stock("SPY", "SMART", "USD"))
            chains = await ib.reqSecDefOptParamsAsync("SPY", "", "STK", spy.conId)
            [es] = await ib.qualifyContractsAsync(ib_async.Future("ES", "202612", "CME"))
            es_chains = await ib.reqSecDefOptParamsAsync("ES", "CME", "FUT", es.conId)
            [opt] = await ib.qualifyContractsAsync(ib_async.Option("SPY", EXPIRY, 580, "C",
                                                                   "SMART"))
            ticker = ib.reqMktData(opt, "", False, False)
            await until(ib, lambda: None not in (ticker.bidGreeks, ticker.askGreeks,
                                                 ticker.lastGreeks, ticker.modelGreeks),
                        "the option's greeks")
            iv = await ib.calculateImpliedVolatilityAsync(opt, ticker.ask, 581.0)
            price = await ib.calculateOptionPriceAsync(opt, 0.2, 581.0)
            ib.cancelMktData(opt)
            return {"chains": chains, "es": es_chains, "opt": opt, "ticker": ticker, "iv": iv,
                    "price": price}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    smart = [c for c in out["chains"] if c.exchange == "SMART"]
    expected = gateway_chain(gateway, "SPY")["SPY"]
    assert len(smart) == 1 and list(smart[0].expirations) == expected[0]
    assert [float(k) for k in smart[0].strikes] == expected[1] and smart[0].multiplier == "100"
    assert {c.tradingClass for c in out["es"]} == {"ES", "EW"}
    opt, ticker = out["opt"], out["ticker"]
    assert opt.conId and opt.localSymbol == "SPY   261218C00580000" and opt.multiplier == "100"
    g, vol, under, _ = model(gateway, opt.conId)
    assert ticker.modelGreeks.impliedVol == pytest.approx(vol)
    assert ticker.modelGreeks.delta == pytest.approx(g.delta)
    assert ticker.bidGreeks.optPrice == ticker.bid and ticker.askGreeks.optPrice == ticker.ask
    assert out["iv"].impliedVol is not None and out["iv"].impliedVol > 0
    assert out["price"].optPrice is not None and out["price"].optPrice > 0
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= 40]
    assert not errors, errors


# --- the official ibapi 9.81 (server version 157) ---------------------------------------------------

def test_ibapi_981_options(gateway: PaperGateway, ibapi_app: Any) -> None:
    from ibapi.contract import Contract as IbContract

    app = ibapi_app
    chains: list[tuple[Any, ...]] = []
    comps: list[tuple[Any, ...]] = []
    app.securityDefinitionOptionParameter = lambda *a: app._note(lambda: chains.append(a))
    app.securityDefinitionOptionParameterEnd = lambda req_id: app._note(
        lambda: chains.append(("end", req_id)))
    app.tickOptionComputation = lambda *a: app._note(lambda: comps.append(a))

    app.reqSecDefOptParams(3, "SPY", "", "STK", SPY)
    app.wait(lambda: ("end", 3) in chains, "the chain's end")
    smart = [c for c in chains if c[0] == 3 and c[1] == "SMART"]
    assert len(smart) == 1 and smart[0][3:5] == ("SPY", "100") and EXPIRY in smart[0][5]

    option = IbContract()
    option.symbol, option.secType, option.exchange, option.currency = "SPY", "OPT", "SMART", "USD"
    option.lastTradeDateOrContractMonth, option.strike, option.right = EXPIRY, 580.0, "P"
    app.reqMktData(4, option, "", False, False, [])
    app.wait(lambda: {c[1] for c in comps if c[0] == 4} >= {10, 11, 12, 13}, "the computations")
    model = [c for c in comps if c[0] == 4 and c[1] == 13][-1]
    assert model[2] == 0 and model[3] > 0 and -1 < model[4] < 0 and model[10] > 0
    app.cancelMktData(4)
    app.calculateOptionPrice(5, option, 0.2, 581.0, [])
    app.wait(lambda: any(c[0] == 5 for c in comps), "the option price")
    price = next(c for c in comps if c[0] == 5)
    assert price[1] == 53 and price[3] == 0.2 and price[5] > 0
    app.cancelCalculateOptionPrice(5)
    app.sync()
    assert not [e for e in app.errors if e[0] in (3, 4, 5)]


# --- what-if on an option (issue 14: what-if on a stock, an option and a future) -----------------

def _option_margin(gateway: PaperGateway, con_id: int, strike: float) -> tuple[float, float]:
    """(bid, the short call's margin by the premium rule) from the gateway's own market."""
    def read(ex: Any) -> tuple[float, float]:
        bid, _, _ = ex.market.touch(con_id)
        path = ex.market.option_path(con_id)
        under = path.under_price(ex.market.step_second)
        otm = max(0.0, strike - under)
        return bid, bid * 100 + max(0.2 * under - otm, 0.1 * under) * 100
    return gateway.call(read)


def test_what_if_an_option_through_the_broker(gateway: PaperGateway,
                                              broker_at_start: Broker) -> None:
    b = broker_at_start
    call = Option("SPY", EXPIRY, 580, "C")
    long_ = b.what_if(call, MarketOrder("BUY", 1))
    assert long_.init_margin_change == 0.0 and long_.commission == 1.0  # paid in full; 0.65, min 1
    short = b.what_if(call, MarketOrder("SELL", 1))
    con_id = b.qualify(call).con_id
    _, need = _option_margin(gateway, con_id, 580.0)
    assert short.init_margin_change == pytest.approx(need, abs=0.02)
    assert short.maint_margin_change == short.init_margin_change
    assert not b.tickets and gateway.call(lambda ex: ex.open_orders()) == []  # nothing placed


def test_ib_async_what_if_on_an_option(gateway: PaperGateway, ib_async_tools: Any) -> None:
    ib_async = ib_async_tools.ib_async

    async def scenario() -> Any:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=33, timeout=10)
        try:
            [opt] = await ib.qualifyContractsAsync(ib_async.Option("SPY", EXPIRY, 580, "C",
                                                                   "SMART"))
            state = await ib.whatIfOrderAsync(opt, ib_async.MarketOrder("SELL", 1))
            return opt.conId, state
        finally:
            ib.disconnect()

    con_id, state = ib_async_tools.run(scenario)
    _, need = _option_margin(gateway, con_id, 580.0)
    assert float(state.initMarginChange) == pytest.approx(need, abs=0.02)
    assert float(state.commission) == 1.0
