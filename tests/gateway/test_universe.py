"""The instrument universe: the contracts a TWS user looks up first, ambiguity as on TWS, futures
months from the market date, CONTFUT, and a user's CSV -- on the wire and through ib_async 2.1.

Every gateway here runs at a pinned market time (the suite's, 2026-11-20, unless a test gives
another): the futures months listed depend on the market date, never on the wall clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ibwire.cli import app
from ibwire.gateway import PaperGateway
from ibwire.gateway.instruments import (
    CLOCK_CLASSES,
    InstrumentFileError,
    builtin_table,
    future_specs,
    isin_valid,
    last_trade_date,
    listed_months,
    load_stocks,
    stable_con_id,
    universe,
)
from ibwire.models import Contract, Future, Stock
from ibwire.models.market import ContractDetails
from ibwire.protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ibwire.protocol.messages.system import ErrMsg

from ..conftest import MARKET_START, WireClient
from ..interop.test_interop_ib_async import run_in_thread

ON = MARKET_START.date()  # Friday 2026-11-20
AAPL, ESZ6, ESH7, EURUSD, SPX, VIX = 265598, 649180695, 672387468, 12087792, 416904, 13455763
ES_MONTHS = ["ESZ6", "ESH7", "ESM7", "ESU7", "ESZ7"]
_seq = iter(range(100, 10_000))


def details(c: WireClient, contract: Contract) -> list[ContractDetails]:
    """CONTRACT_DATA rows of one REQ_CONTRACT_DATA (fails on an error instead of the end)."""
    req_id = next(_seq)
    c.drain()
    c.send(ReqContractData(req_id=req_id, contract=contract))
    rows = c.until(ContractDataEnd, lambda m: m.req_id == req_id)
    errors = [m for m in rows if isinstance(m, ErrMsg)]
    assert not errors, errors
    return [m.details for m in rows if isinstance(m, ContractData) and m.req_id == req_id]


def refused(c: WireClient, contract: Contract) -> int:
    req_id = next(_seq)
    c.drain()
    c.send(ReqContractData(req_id=req_id, contract=contract))
    return int(c.expect(ErrMsg, lambda e: e.req_id == req_id).error_code)


# --- what the universe holds ------------------------------------------------------------------

def test_the_universe_by_class() -> None:
    table = universe(ON)
    stocks = [i for i in table if i.sec_type == "STK"]
    us = {i.symbol for i in stocks if i.currency == "USD"}
    assert len(us) >= 580  # 503 S&P 500 lines, 14 more Nasdaq-100, 70 ETFs
    # S&P 500 and Nasdaq-100 names users try first, and the most traded ETFs
    assert {"IBM", "TSLA", "AAPL", "BRK B", "JNJ", "XOM", "ASML", "MELI", "PDD"} <= us
    etfs = {i.symbol for i in stocks if i.stock_type == "ETF"}
    assert len(etfs) >= 50 and {"SPY", "QQQ", "IWM", "TQQQ", "XLF", "HYG", "UVXY"} <= etfs
    assert {i.exchange for i in stocks} >= {"NASDAQ", "NYSE", "ARCA", "BATS", "TSE", "IBIS"}
    indices = {(i.symbol, i.exchange) for i in table if i.sec_type == "IND"}
    assert indices == {("SPX", "CBOE"), ("NDX", "NASDAQ"), ("RUT", "RUSSELL"), ("VIX", "CBOE"),
                       ("DJX", "CBOE")}
    pairs = {i.local_symbol for i in table if i.sec_type == "CASH"}
    g10 = ["EUR", "GBP", "AUD", "NZD", "USD", "CAD", "CHF", "NOK", "SEK", "JPY"]
    for a in g10:  # every G10 pair, once, in the market's convention
        for b in g10:
            if a != b:
                assert (f"{a}.{b}" in pairs) != (f"{b}.{a}" in pairs), (a, b)
    assert {"USD.MXN", "USD.CNH", "EUR.PLN"} <= pairs
    futures = {(i.symbol, i.exchange) for i in table if i.sec_type == "FUT"}
    assert {ex for _, ex in futures} == {"CME", "CBOT", "NYMEX", "COMEX", "CFE"}
    assert {("ES", "CME"), ("ZN", "CBOT"), ("CL", "NYMEX"), ("GC", "COMEX"), ("VIX", "CFE")} \
        <= futures


def test_kept_con_ids_and_stable_ones() -> None:
    table = universe(ON)
    kept = {265598: "AAPL", 272093: "MSFT", 756733: "SPY", 4391: "AMD", 76792991: "TSLA",
            12087792: "EUR.USD", 15016059: "USD.JPY", ESZ6: "ESZ6", ESH7: "ESH7",
            659571534: "CLF7", 666262351: "CLH7", 649180678: "NQZ6", 672387412: "NQH7"}
    assert {cid: table[cid].local_symbol for cid in kept} == kept
    ibm = table.resolve(Stock("IBM"))[0]
    assert ibm.con_id == stable_con_id("STK", "IBM", "NYSE", "USD")
    assert 1_000_000_000 <= ibm.con_id < 2**31 and ibm.con_id not in kept
    # the same month has the same con id whatever the market date it is listed on
    later = universe(date(2027, 2, 1))
    esm7 = next(i for i in table if i.local_symbol == "ESM7")
    assert later.resolve(Future("ES", "202706"))[0].con_id == esm7.con_id


def test_data_is_sound() -> None:
    table = universe(ON)
    assert all(isin_valid(i.isin) for i in table if i.isin)
    assert table[AAPL].isin == "US0378331005" and table[AAPL].base_price > 0
    assert all(i.base_price > 0 and i.on_grid(i.base_price) for i in table)
    assert all(i.volatility > 0 for i in table)


def test_no_con_id_collides_on_any_market_date() -> None:
    d = date(2026, 1, 5)
    while d < date(2029, 1, 1):
        builtin_table(d)  # raises on a duplicate con id
        d += timedelta(days=61)


# --- futures months from rules ----------------------------------------------------------------

@pytest.mark.parametrize(("rule", "hours", "y", "m", "expected"), [
    ("third_friday", "cme", 2026, 12, date(2026, 12, 18)),
    ("third_friday", "cme", 2027, 3, date(2027, 3, 19)),
    # VIX: the Wednesday 30 days before the next month's third Friday (Jan 15 2027)
    ("vix", "cfe", 2026, 12, date(2026, 12, 16)),
    ("vix", "cfe", 2027, 1, date(2027, 1, 20)),  # Feb 19 2027 - 30 days
    # CL: 25 Nov 2026 is a Wednesday -> three business days before
    ("cl", "nymex", 2026, 12, date(2026, 11, 20)),
    # CL: 25 Dec is Christmas -> three business days before the 24th
    ("cl", "nymex", 2027, 1, date(2026, 12, 21)),
    ("third_last_business", "comex", 2026, 12, date(2026, 12, 29)),
    ("ng", "nymex", 2027, 1, date(2026, 12, 29)),
])
def test_last_trade_dates(rule: str, hours: str, y: int, m: int, expected: date) -> None:
    assert last_trade_date(rule, y, m, hours) == expected


def test_listed_months_follow_the_market_date() -> None:
    es = next(s for s in future_specs() if s.symbol == "ES")
    vix = next(s for s in future_specs() if s.symbol == "VIX")
    d = date(2026, 6, 1)
    while d < date(2028, 6, 1):
        months = listed_months(es, d)
        assert len(months) == 5 and [m % 3 for _, m in months] == [0] * 5
        assert last_trade_date("third_friday", *months[0], "cme") >= d
        v = listed_months(vix, d)
        assert len(v) == 9 and all(last_trade_date("vix", y, m, "cfe") >= d for y, m in v)
        d += timedelta(days=17)
    # on its last trade date a month is still listed; the day after, the next one is the front
    assert listed_months(es, date(2026, 12, 18))[0] == (2026, 12)
    assert listed_months(es, date(2026, 12, 19))[0] == (2027, 3)


# --- on the wire ------------------------------------------------------------------------------

def test_first_contracts_of_a_tutorial_on_the_wire(gateway: PaperGateway,
                                                   wire: Callable[..., WireClient]) -> None:
    c = wire(1)
    [ibm] = details(c, Stock("IBM"))
    assert (ibm.contract.exchange, ibm.contract.primary_exchange, ibm.contract.currency,
            ibm.long_name) == ("SMART", "NYSE", "USD", "INTL BUSINESS MACHINES CORP")
    assert ibm.industry == "Technology" and [t.value for t in ibm.sec_id_list] == ["US4592001014"]
    [tsla] = details(c, Stock("TSLA"))
    assert (tsla.contract.con_id, tsla.contract.primary_exchange) == (76792991, "NASDAQ")
    [spx] = details(c, Contract(symbol="SPX", sec_type="IND", exchange="CBOE", currency="USD"))
    assert (spx.contract.con_id, spx.contract.sec_type, spx.time_zone_id) == (SPX, "IND",
                                                                              "US/Central")
    assert spx.trading_hours.startswith("20261120:0830-20261120:1515")
    [chf] = details(c, Contract(symbol="USD", sec_type="CASH", currency="CHF",
                                exchange="IDEALPRO"))
    assert (chf.contract.local_symbol, chf.min_tick) == ("USD.CHF", 0.00005)
    [vx] = details(c, Contract(symbol="VIX", sec_type="FUT", exchange="CFE", currency="USD",
                               last_trade_date_or_contract_month="202612"))
    assert (vx.contract.local_symbol, vx.contract.last_trade_date_or_contract_month,
            vx.contract.multiplier, vx.min_tick) == ("VXZ6", "20261216", "1000", 0.05)
    assert vx.trading_hours.startswith("20261119:1700-20261120:1600")
    assert (vx.last_trade_time, vx.real_expiration_date) == ("08:00", "20261216")
    es = details(c, Future("ES", exchange="CME"))
    assert [d.contract.local_symbol for d in es] == ES_MONTHS
    assert [d.contract.con_id for d in es][:2] == [ESZ6, ESH7]


def test_unqualified_lookup_is_ambiguous_where_there_are_dual_listings(
        gateway: PaperGateway, wire: Callable[..., WireClient]) -> None:
    c = wire(1)
    amd = details(c, Contract(symbol="AMD", sec_type="STK"))
    assert {(d.contract.primary_exchange, d.contract.currency) for d in amd} == {
        ("NASDAQ", "USD"), ("IBIS", "EUR")}
    ry = details(c, Contract(symbol="RY", sec_type="STK", exchange="SMART"))
    assert {d.contract.currency for d in ry} == {"USD", "CAD"}
    [one] = details(c, Contract(symbol="AMD", sec_type="STK", exchange="SMART", currency="USD"))
    assert one.contract.con_id == 4391
    [cad] = details(c, Stock("RY", "SMART", "CAD"))
    assert (cad.contract.primary_exchange, cad.time_zone_id) == ("TSE", "America/Toronto")
    [ibis] = details(c, Stock("AMD", "IBIS", "EUR"))
    assert ibis.contract.exchange == "IBIS" and ibis.contract.con_id != 4391
    assert refused(c, Stock("AAPL", currency="CAD")) == 200


def test_contfut_resolves_to_the_front_month(gateway: PaperGateway,
                                             wire: Callable[..., WireClient]) -> None:
    c = wire(1)
    [es] = details(c, Contract(symbol="ES", sec_type="CONTFUT", exchange="CME"))
    assert (es.contract.sec_type, es.contract.con_id, es.contract.local_symbol,
            es.contract.last_trade_date_or_contract_month) == ("CONTFUT", ESZ6, "ESZ6", "20261218")
    [cl] = details(c, Contract(symbol="CL", sec_type="CONTFUT", exchange="NYMEX"))
    assert cl.contract.local_symbol == "CLZ6"  # its last trade date is the market date


def test_months_are_those_of_the_market_date() -> None:
    later = datetime(2027, 3, 22, 14, 30, tzinfo=UTC)  # the Monday after ESH7 expired
    with PaperGateway(port=0, tick_interval=None, market_start=later) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            es = details(c, Future("ES", exchange="CME"))
            assert [d.contract.local_symbol for d in es] == ["ESM7", "ESU7", "ESZ7", "ESH8",
                                                             "ESM8"]
            [front] = details(c, Contract(symbol="ES", sec_type="CONTFUT", exchange="CME"))
            assert front.contract.local_symbol == "ESM7"
            assert refused(c, Future("ES", "202703", "CME")) == 200  # expired
        finally:
            c.close()


# --- the user's instruments -------------------------------------------------------------------

_CSV = """symbol,exchange,currency,long_name,price,isin,stock_type
ACME,NYSE,USD,ACME CORP,12.5,,COMMON
AAPL,NASDAQ,USD,APPLE INC,99,US0378331005,COMMON
"""


def test_a_user_csv_adds_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(_CSV)
    with PaperGateway(port=0, tick_interval=None, instruments=path) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            [acme] = details(c, Stock("ACME"))
            assert (acme.long_name, acme.contract.primary_exchange) == ("ACME CORP", "NYSE")
            assert acme.contract.con_id == stable_con_id("STK", "ACME", "NYSE", "USD")
            [aapl] = details(c, Stock("AAPL"))
            assert aapl.contract.con_id == AAPL  # replaced in place: the con id stays
            assert gw.call(lambda ex: ex.instruments[AAPL].base_price) == 99.0
        finally:
            c.close()


@pytest.mark.parametrize(("row", "why"), [
    ("WHAT,NOWHERE,USD,X,1,,COMMON", "unknown exchange 'NOWHERE'"),
    ("WHAT,NYSE,USD,X,cheap,,COMMON", "price must be a number"),
    ("WHAT,NYSE,USD,X,-3,,COMMON", "price must be positive"),
    ("WHAT,NYSE,USD,X,3,US0378331006,COMMON", "not a valid ISIN"),
    (",NYSE,USD,X,3,,COMMON", "the symbol column is empty"),
    ("WHAT,NYSE,DOLLARS,X,3,,COMMON", "currency must be three letters"),
])
def test_a_bad_row_is_refused_naming_file_and_line(tmp_path: Path, row: str, why: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(_CSV + "\n# a comment\n" + row + "\n")
    with pytest.raises(InstrumentFileError) as info:
        PaperGateway(port=0, tick_interval=None, instruments=str(path))
    assert str(info.value).startswith(f"{path}:6: ") and why in str(info.value)
    with pytest.raises(InstrumentFileError, match="bad.csv:6"):
        load_stocks(path)


def test_instrument_objects_extend_the_universe(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("symbol,exchange,currency,price\nACME,ARCA,USD,10\n")
    [acme] = load_stocks(path)
    table = universe(ON, [acme])
    assert table.resolve(Stock("ACME"))[0].exchange == "ARCA"
    assert len(table) == len(universe(ON)) + 1


def test_cli_gateway_refuses_a_bad_instruments_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("symbol,exchange,currency,price\nWHAT,NOWHERE,USD,1\n")
    r = CliRunner().invoke(app, ["gateway", "--port", "0", "--instruments", str(path)])
    assert r.exit_code == 2
    assert f"{path}:2: unknown exchange 'NOWHERE'" in r.stderr


def test_the_open_clock_ignores_short_day_classes() -> None:
    classes = {i.hours for i in universe(ON)}
    assert {"index", "tsx", "xetra"} <= classes
    assert not {"index", "tsx", "xetra", "euronext", "cfe"} & CLOCK_CLASSES


# --- ib_async 2.1 -----------------------------------------------------------------------------

_run = run_in_thread  # ib_async owns its loop in a fresh thread (tests/interop)


@pytest.fixture
def quiet_ib_async() -> Iterator[None]:
    logger = logging.getLogger("ib_async")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # the ambiguous lookups are logged as errors by design
    yield
    logger.setLevel(level)


def test_ib_async_universe(gateway: PaperGateway, quiet_ib_async: None) -> None:
    ib_async = pytest.importorskip("ib_async")

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=41, timeout=10)
        try:
            out: dict[str, Any] = {}
            for key, contract in {
                "ibm": ib_async.Stock("IBM", "SMART", "USD"),
                "tsla": ib_async.Stock("TSLA", "SMART", "USD"),
                "spx": ib_async.Index("SPX", "CBOE"),
                "usdchf": ib_async.Forex("USDCHF"),
                "vix": ib_async.Future("VIX", "202701", "CFE"),
                "es": ib_async.Future("ES", exchange="CME"),
                "amd": ib_async.Stock("AMD"),
            }.items():
                rows = await ib.reqContractDetailsAsync(contract)
                out[key] = [(d.contract.conId, d.contract.localSymbol, d.contract.exchange,
                             d.contract.currency, d.longName) for d in rows]
            [amd] = await ib.qualifyContractsAsync(ib_async.Stock("AMD", "SMART", "USD"))
            out["amd_qualified"] = (amd.conId, amd.primaryExchange)
            [cont] = await ib.qualifyContractsAsync(ib_async.ContFuture("ES", "CME"))
            out["contfut"] = (cont.conId, cont.secType, cont.localSymbol)
            return out
        finally:
            ib.disconnect()

    out = _run(scenario)
    [ibm] = out["ibm"]
    assert ibm[1:] == ("IBM", "SMART", "USD", "INTL BUSINESS MACHINES CORP")
    assert [r[0] for r in out["tsla"]] == [76792991]
    assert [r[:3] for r in out["spx"]] == [(SPX, "SPX", "CBOE")]
    assert [r[1:4] for r in out["usdchf"]] == [("USD.CHF", "IDEALPRO", "CHF")]
    assert [r[1] for r in out["vix"]] == ["VXF7"]
    assert [r[1] for r in out["es"]] == ES_MONTHS
    assert {(r[2], r[3]) for r in out["amd"]} == {("SMART", "USD"), ("SMART", "EUR")}
    assert out["amd_qualified"] == (4391, "NASDAQ")
    assert out["contfut"] == (ESZ6, "CONTFUT", "ESZ6")


def test_second_listings_trade_in_their_currency() -> None:
    from ibwire.gateway.exchange import FillEvent, PaperExchange
    from ibwire.models import MarketOrder

    ex = PaperExchange(market_start=MARKET_START)
    for n, contract in enumerate((Stock("RY", "SMART", "CAD"), Stock("AMD", "IBIS", "EUR")), 1):
        [fill] = [e for e in ex.place_order(1, n, contract, MarketOrder("BUY", 10))
                  if isinstance(e, FillEvent)]
        assert fill.contract.currency == contract.currency
        assert fill.contract.primary_exchange in ("TSE", "IBIS")
    positions = {(p.contract.symbol, p.contract.currency): p.position for p in ex.positions()}
    assert positions == {("RY", "CAD"): 10, ("AMD", "EUR"): 10}
    [net] = [v for v in ex.account_values("DU1234567") if v.key == "NetLiquidation"]
    assert 990_000 < float(net.value) < 1_000_000  # valued in USD: commissions and spread only
