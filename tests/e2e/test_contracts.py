"""Contract details and qualification end to end, through every front end."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ibwire import AsyncBroker, ContractError, Forex, Future, Stock
from ibwire.models import Contract

from .conftest import AAPL, ESH7, ESZ6, EURUSD, MSFT, WAIT_S, EApp, run

# ES months listed on the suite's pinned market date (2026-11-20): the quarterly cycle, five deep
ES_MONTHS = {"ESZ6", "ESH7", "ESM7", "ESU7", "ESZ7"}

# --- Broker -----------------------------------------------------------------------------------------

def test_contract_details_of_a_stock(broker):
    [d] = broker.contract_details(Stock("MSFT"))
    c = d.contract
    assert (c.con_id, c.symbol, c.sec_type, c.exchange, c.primary_exchange, c.currency,
            c.local_symbol) == (MSFT, "MSFT", "STK", "SMART", "NASDAQ", "USD", "MSFT")
    assert d.long_name == "MICROSOFT CORP" and d.min_tick == 0.01
    assert d.time_zone_id == "US/Eastern" and "SMART" in (d.valid_exchanges or "").split(",")
    assert d.trading_hours and d.liquid_hours and d.order_types
    assert [(tv.tag, tv.value) for tv in d.sec_id_list] == [("ISIN", "US5949181045")]


def test_contract_details_of_a_future_without_a_month_lists_every_month(broker):
    details = broker.contract_details(Future("ES", exchange="CME"))
    assert {ESZ6, ESH7} <= {d.contract.con_id for d in details}
    assert {d.contract.local_symbol for d in details} == ES_MONTHS  # the quarterly cycle
    assert {d.contract.multiplier for d in details} == {"50"}
    assert all(d.min_tick == 0.25 and d.contract_month for d in details)


def test_qualify_fills_con_id_exchange_and_local_symbol(broker):
    aapl = broker.qualify(Stock("AAPL"))
    assert (aapl.con_id, aapl.exchange, aapl.primary_exchange, aapl.local_symbol) == (
        AAPL, "SMART", "NASDAQ", "AAPL")
    es = broker.qualify(Future("ES", "202612"))
    assert (es.con_id, es.exchange, es.local_symbol, es.multiplier) == (ESZ6, "CME", "ESZ6", "50")
    assert es.last_trade_date_or_contract_month == "20261218"
    fx = broker.qualify(Forex("EURUSD"))
    assert (fx.con_id, fx.exchange, fx.local_symbol) == (EURUSD, "IDEALPRO", "EUR.USD")
    # by con id alone
    again = broker.qualify(Contract(con_id=ESH7))
    assert (again.symbol, again.local_symbol, again.exchange) == ("ES", "ESH7", "CME")
    # a qualified contract trades: market data by con id
    t = broker.snapshot(again)
    assert t.bid is not None and t.bid < t.ask


def test_qualify_raises_on_ambiguity_and_unknown_contracts(broker):
    with pytest.raises(ContractError) as info:
        broker.qualify(Future("ES"))
    assert info.value.code == 200 and "ambiguous" in str(info.value)
    assert "ESZ6" in str(info.value) and "ESH7" in str(info.value)
    for unknown in (Stock("NOPE"), Future("ES", "202001"), Contract(con_id=1)):
        with pytest.raises(ContractError) as info:
            broker.qualify(unknown)
        assert info.value.code == 200
        with pytest.raises(ContractError) as info:
            broker.contract_details(unknown)
        assert info.value.code == 200
    # market data for an ambiguous description is refused like TWS refuses it
    with pytest.raises(ContractError) as info:
        broker.market_data(Future("ES"))
    assert info.value.code == 200 and "ambiguous" in str(info.value)
    assert broker.is_connected()


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_contract_details_and_qualify(gateway):
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            [d] = await b.contract_details(Stock("MSFT"))
            assert d.contract.con_id == MSFT and d.long_name == "MICROSOFT CORP"
            es = await b.qualify(Future("ES", "202703", "CME"))
            assert (es.con_id, es.local_symbol) == (ESH7, "ESH7")
            with pytest.raises(ContractError):
                await b.qualify(Future("ES"))
            with pytest.raises(ContractError) as info:
                await b.contract_details(Stock("NOPE"))
            assert info.value.code == 200

    run(scenario)


# --- EClient ----------------------------------------------------------------------------------------

def test_eclient_contract_details(eapp: EApp):
    eapp.reqContractDetails(11, Future("ES", exchange="CME"))
    eapp.wait(lambda: bool(eapp.of("contractDetailsEnd", 11)), "contractDetailsEnd")
    rows = eapp.of("contractDetails", 11)
    assert {ESZ6, ESH7} <= {a[1].contract.con_id for a in rows}
    assert {a[1].contract.local_symbol for a in rows} == ES_MONTHS
    eapp.reqContractDetails(12, Stock("NOPE"))
    eapp.wait(lambda: bool(eapp.errors(12)), "error 200")
    assert eapp.errors(12)[0][1] == 200 and not eapp.of("contractDetailsEnd", 12)


# --- ib_async 2.1.0 ---------------------------------------------------------------------------------

def test_ib_async_contract_details(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=32, timeout=10)
        try:
            es = await ib.reqContractDetailsAsync(ib_async.Future("ES", exchange="CME"))
            msft = await ib.reqContractDetailsAsync(ib_async.Stock("MSFT", "SMART", "USD"))
            unknown = await ib.reqContractDetailsAsync(ib_async.Stock("NOPE", "SMART", "USD"))
            [nq] = await ib.qualifyContractsAsync(
                ib_async.Future("NQ", "202612", "CME"))
            return {"es": sorted((d.contract.conId, d.contract.localSymbol) for d in es),
                    "msft": [(d.contract.conId, d.longName, d.minTick, d.timeZoneId)
                             for d in msft],
                    "unknown": unknown, "nq": (nq.conId, nq.localSymbol, nq.multiplier)}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    assert {(ESZ6, "ESZ6"), (ESH7, "ESH7")} <= set(out["es"])
    assert {local for _, local in out["es"]} == ES_MONTHS
    assert out["msft"] == [(MSFT, "MICROSOFT CORP", 0.01, "US/Eastern")]
    assert out["unknown"] == []
    assert out["nq"] == (649180678, "NQZ6", "20")
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= logging.ERROR]
    assert errors and all("200" in e for e in errors), errors  # only the refused request


# --- the official ibapi 9.81 ------------------------------------------------------------------------

def test_ibapi_contract_details(ibapi_app):
    from ibapi.contract import Contract as IbContract

    es = IbContract()
    es.symbol, es.secType, es.exchange, es.currency = "ES", "FUT", "CME", "USD"
    ibapi_app.reqContractDetails(51, es)
    ibapi_app.wait(lambda: 51 in ibapi_app.details_end, "contractDetailsEnd")
    rows = [d for r, d in ibapi_app.details if r == 51]
    assert {ESZ6, ESH7} <= {d.contract.conId for d in rows}
    assert {d.contract.localSymbol for d in rows} == ES_MONTHS
    assert {d.contract.multiplier for d in rows} == {"50"} and all(d.minTick == 0.25 for d in rows)
    nope = IbContract()
    nope.symbol, nope.secType, nope.exchange, nope.currency = "NOPE", "STK", "SMART", "USD"
    ibapi_app.reqContractDetails(52, nope)
    ibapi_app.wait(lambda: any(e[0] == 52 for e in ibapi_app.errors), "error 200")
    assert [e[1] for e in ibapi_app.errors if e[0] == 52] == [200]


def test_ibapi_universe_lookups(ibapi_app):
    from ibapi.contract import Contract as IbContract

    def ask(req_id: int, **fields: str) -> list[Any]:
        c = IbContract()
        for k, v in fields.items():
            setattr(c, k, v)
        ibapi_app.reqContractDetails(req_id, c)
        ibapi_app.wait(lambda: req_id in ibapi_app.details_end, "contractDetailsEnd")
        return [d for r, d in ibapi_app.details if r == req_id]

    [ibm] = ask(61, symbol="IBM", secType="STK", exchange="SMART", currency="USD")
    assert (ibm.contract.primaryExchange, ibm.longName) == ("NYSE", "INTL BUSINESS MACHINES CORP")
    [spx] = ask(62, symbol="SPX", secType="IND", exchange="CBOE", currency="USD")
    assert (spx.contract.conId, spx.contract.secType) == (416904, "IND")
    [chf] = ask(63, symbol="USD", secType="CASH", exchange="IDEALPRO", currency="CHF")
    assert chf.contract.localSymbol == "USD.CHF"
    amd = ask(64, symbol="AMD", secType="STK")  # no exchange, no currency: every listing
    assert {(d.contract.primaryExchange, d.contract.currency) for d in amd} == {
        ("NASDAQ", "USD"), ("IBIS", "EUR")}
    [one] = ask(65, symbol="AMD", secType="STK", exchange="SMART", currency="USD")
    assert one.contract.conId == 4391
