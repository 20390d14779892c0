"""The official client 10.51 asking the paper gateway about options, end to end, at 226 (all
protobuf), 212 / 211 (the option requests' protobuf gates), 206 (TICK_OPTION_COMPUTATION's), 200
(text), 178 and 151 (TICK_OPTION_COMPUTATION with its version field, below 156): chains for SPY and
the ES future, an option's computations for bid / ask / last / model, the two calculations and an
exercise refused (e2e_options_app.py, in a subprocess with the oracle's own ``ibapi``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ibwire import Option
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle

APP = Path(__file__).with_name("e2e_options_app.py")
START = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # a Wednesday, 11:00 in New York
EXPIRY, STRIKE = "20261218", 580.0



@pytest.mark.parametrize("version", [MAX_VERSION, 212, 211, 206, 200, 178, 151])
def test_official_1051_option_chain_ticker_and_calculations(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version, market_start=START,
                      seed=5) as gateway:
        r = oracle.run_app(APP, gateway.port, EXPIRY, STRIKE)
        expected = gateway.call(lambda ex: {
            c.trading_class: (sorted(d.strftime("%Y%m%d") for d, _ in c.expiries),
                              list(c.strikes), c.multiplier)
            for sym, kind in (("SPY", "OPT"), ("ES", "FOP"))
            for c in ex.instruments.classes_of(sym, kind)})
        con_id = gateway.call(lambda ex: ex.resolve(Option("SPY", EXPIRY, STRIKE, "C"))[0].con_id)
        g, vol, under = gateway.call(
            lambda ex: ex.market.option_path(con_id).model(ex.market.step_second))
    assert r["timeouts"] == [] and r["server_version"] == version

    spy = [c for c in r["chains"] if c[0] == 11]
    smart = [c for c in spy if c[1] == "SMART"]
    assert len(smart) == 1 and smart[0][2:5] == [756733, "SPY", "100"]
    assert (smart[0][5], smart[0][6], smart[0][4]) == expected["SPY"]
    es = {c[3]: c for c in r["chains"] if c[0] == 12}
    assert set(es) == {"ES", "EW"} and all(c[1] == "CME" and c[2] == 649180695 for c in es.values())
    assert es["ES"][5] == expected["ES"][0] and es["EW"][6] == expected["EW"][1]

    comps = {c[1]: c for c in r["comps"] if c[0] == 13}
    ticks = {t[1]: t[2] for t in r["ticks"] if t[0] == 13}
    model = comps[13]
    assert model[3] == pytest.approx(vol) and model[4] == pytest.approx(g.delta)
    assert model[5] == pytest.approx(g.price) and model[10] == pytest.approx(under)
    assert model[2] == (0 if version >= 156 else None)  # tickAttrib: from PRICE_BASED_VOLATILITY
    assert comps[10][5] == ticks[1] and comps[11][5] == ticks[2]  # optPrice: the bid, the ask
    assert comps[10][3] < model[3] < comps[11][3]

    iv = next(c for c in r["comps"] if c[0] == 14)
    price = next(c for c in r["comps"] if c[0] == 15)
    assert iv[1] == price[1] == 53 and iv[5] == 10.0 and iv[10] == 581.0 and iv[3] > 0
    assert iv[6] is None  # pvDividend: not computed (-1 on the wire)
    assert price[3] == 0.2 and price[5] > 0 and 0 < price[4] < 1
    assert not [e for e in r["errors"] if e[0] in (14, 15)]  # the cancels found their requests
    assert [e[1] for e in r["errors"] if e[0] == 16] == [321]  # nothing to exercise

    [opt] = [d for d in r["details"] if d[0] == 17]
    assert opt[1:9] == [con_id, "OPT", EXPIRY, STRIKE, "C", "100", "SPY   261218C00580000", "SPY"]
    assert opt[9:] == [756733, "STK", "16:00", "US/Eastern"]
    [fop] = [d for d in r["details"] if d[0] == 18]
    assert fop[2:9] == ["FOP", EXPIRY, 6000.0, "P", "50", "ESZ6 P6000", "ES"]
    assert fop[9:11] == [649180695, "FUT"]

    oid = r["oid"]
    [fill] = r["execs"]
    assert fill[:5] == ["OPT", STRIKE, "C", "BOT", 2.0]
    assert [oid, "Filled", 2.0, fill[5]] in r["statuses"]  # the premium, per share
