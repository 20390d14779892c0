"""Account summary end to end: standard tags, ledger tags, updates after a fill."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from ibwire import AccountSummaryItem, AsyncBroker, MarketOrder, Stock
from ibwire.client.market import STANDARD_SUMMARY_TAGS

from .conftest import WAIT_S, EApp, run

ACCOUNT = "DU1234567"
KEY_TAGS = {"AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "BuyingPower",
            "EquityWithLoanValue", "GrossPositionValue", "InitMarginReq", "MaintMarginReq",
            "AvailableFunds", "ExcessLiquidity", "Cushion", "DayTradesRemaining", "Leverage"}


def by_tag(items: list[AccountSummaryItem]) -> dict[str, AccountSummaryItem]:
    out = {i.tag: i for i in items}
    assert len(out) == len(items), "a tag came twice"
    return out


# --- Broker -----------------------------------------------------------------------------------------

def test_account_summary_standard_tags(gateway, broker):
    items = broker.account_summary()
    tags = by_tag(items)
    assert KEY_TAGS <= set(tags) <= set(STANDARD_SUMMARY_TAGS.split(","))
    assert all(i.account == ACCOUNT for i in items)
    assert tags["NetLiquidation"].value == "1000000.00" and tags["NetLiquidation"].currency == "USD"
    assert tags["AccountType"].currency is None and tags["AccountType"].value
    assert Decimal(tags["BuyingPower"].value) > Decimal(tags["TotalCashValue"].value)
    # exactly what the gateway's accounts say, row for row
    expected = gateway.call(lambda ex: ex.account_summary(STANDARD_SUMMARY_TAGS))
    assert [(i.account, i.tag, i.value, i.currency or "") for i in items] == [
        tuple(row) for row in expected]


def test_account_summary_follows_a_fill(gateway, broker):
    before = by_tag(broker.account_summary(["TotalCashValue", "GrossPositionValue"]))
    assert set(before) == {"TotalCashValue", "GrossPositionValue"}
    assert Decimal(before["GrossPositionValue"].value) == 0
    ticket = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100))
    ticket.wait_done(WAIT_S)
    after = by_tag(broker.account_summary(["TotalCashValue", "GrossPositionValue"]))
    cost = Decimal(100) * Decimal(str(ticket.avg_fill_price))
    assert Decimal(after["TotalCashValue"].value) < Decimal(before["TotalCashValue"].value) - cost + 1
    assert Decimal(after["GrossPositionValue"].value) > 0


def test_account_summary_ledger_tags(broker):
    items = broker.account_summary("$LEDGER:ALL")
    assert {i.currency for i in items} >= {"USD", "BASE"}
    base = {i.tag: i.value for i in items if i.currency == "BASE"}
    assert base["NetLiquidationByCurrency"] == "1000000.00" and base["TotalCashBalance"]


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_account_summary(gateway):
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            tags = by_tag(await b.account_summary())
            assert KEY_TAGS <= set(tags)
            few = await b.account_summary(("NetLiquidation", "Cushion"), group="All")
            assert [i.tag for i in few] == ["NetLiquidation", "Cushion"]

    run(scenario)


# --- EClient: a subscription that streams changes -----------------------------------------------

def test_eclient_account_summary_streams_changes_until_cancelled(gateway, eapp: EApp):
    eapp.reqAccountSummary(31, "All", "NetLiquidation,TotalCashValue,AccountType")
    eapp.wait(lambda: bool(eapp.of("accountSummaryEnd", 31)), "accountSummaryEnd")
    rows = eapp.of("accountSummary", 31)
    assert sorted(r[2] for r in rows) == ["AccountType", "NetLiquidation", "TotalCashValue"]
    assert all(r[1] == ACCOUNT for r in rows)
    cash = {r[2]: r[3] for r in rows}["TotalCashValue"]

    # a fill changes the cash: the subscription sends the new value by itself
    oid = eapp.of("nextValidId")[-1][0]
    eapp.placeOrder(oid, Stock("MSFT"), MarketOrder("BUY", 10))
    eapp.wait(lambda: any(a[0] == oid and a[1] == "Filled" for a in eapp.of("orderStatus")),
              "the fill")
    eapp.wait(lambda: any(r[2] == "TotalCashValue" and r[3] != cash
                          for r in eapp.of("accountSummary", 31)), "the new cash value")

    eapp.cancelAccountSummary(31)
    eapp.sync()
    n = len(eapp.of("accountSummary", 31))
    eapp.placeOrder(oid + 1, Stock("MSFT"), MarketOrder("SELL", 10))
    eapp.wait(lambda: any(a[0] == oid + 1 and a[1] == "Filled" for a in eapp.of("orderStatus")),
              "the second fill")
    eapp.sync()
    assert len(eapp.of("accountSummary", 31)) == n
    assert not eapp.errors(31)


# --- ib_async 2.1.0 ---------------------------------------------------------------------------------

def test_ib_async_account_summary(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async

    async def scenario() -> list[Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=34, timeout=10)
        try:
            return [(v.account, v.tag, v.value, v.currency)
                    for v in await ib.accountSummaryAsync()]
        finally:
            ib.disconnect()

    values = ib_async_tools.run(scenario)
    tags = {tag: (value, ccy) for _, tag, value, ccy in values}
    assert KEY_TAGS <= set(tags)
    assert tags["NetLiquidation"] == ("1000000.00", "USD")
    assert {acct for acct, *_ in values} == {ACCOUNT}
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= logging.ERROR]
    assert not errors, errors


# --- the official ibapi 9.81 ------------------------------------------------------------------------

def test_ibapi_account_summary(ibapi_app):
    from ibapi.account_summary_tags import AccountSummaryTags

    ibapi_app.reqAccountSummary(71, "All", AccountSummaryTags.AllTags)
    ibapi_app.wait(lambda: 71 in ibapi_app.summary_end, "accountSummaryEnd")
    rows = {tag: (value, ccy) for r, acct, tag, value, ccy in ibapi_app.summary if r == 71}
    assert KEY_TAGS <= set(rows)
    assert rows["NetLiquidation"] == ("1000000.00", "USD")
    ibapi_app.cancelAccountSummary(71)
