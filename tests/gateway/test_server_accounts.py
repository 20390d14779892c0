"""Account streams of the paper gateway: account updates, positions, *_MULTI, account summary."""

from __future__ import annotations

from decimal import Decimal

from ibwire import MarketOrder, Stock
from ibwire.protocol.messages.accounts import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPositions,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPositions,
    ReqPositionsMulti,
)
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import ErrMsg

ACCT = "DU1234567"


def _values(events: list[object]) -> dict[tuple[str, str], str]:
    return {(e.key, e.currency or ""): e.value for e in events if isinstance(e, AcctValue)}


def _buy(c, order_id: int, symbol: str = "AAPL", qty: int = 100) -> None:
    c.send(PlaceOrder(order_id=order_id, contract=Stock(symbol), order=MarketOrder("BUY", qty)))
    c.expect(OrderStatus, lambda m: m.order_id == order_id and m.status == "Filled")


def test_req_acct_data_snapshot_then_updates(gateway, wire):
    c = wire(1)
    snapshot = c.ask(ReqAcctData(subscribe=True, acct_code=ACCT), AcctDownloadEnd)
    values = _values(snapshot)
    assert values[("AccountCode", "")] == ACCT
    assert float(values[("NetLiquidation", "USD")]) == 1_000_000.0
    assert float(values[("TotalCashValue", "USD")]) == 1_000_000.0
    assert any(isinstance(e, AcctUpdateTime) for e in snapshot)
    assert all(e.account_name == ACCT for e in snapshot if isinstance(e, AcctValue))
    assert not [e for e in snapshot if isinstance(e, PortfolioValue)]

    _buy(c, 1)
    # the stream keeps going: the fill changes the cash and brings a portfolio row
    row = c.expect(PortfolioValue)
    assert row.contract.symbol == "AAPL" and row.position == Decimal(100)
    assert row.account_name == ACCT
    cash = c.expect(AcctValue, lambda e: e.key == "TotalCashValue" and e.currency == "USD")
    assert float(cash.value) < 1_000_000.0
    c.expect(AcctUpdateTime)


def test_req_acct_data_portfolio_moves_with_the_market(gateway, wire):
    c = wire(1)
    _buy(c, 1)
    c.ask(ReqAcctData(subscribe=True, acct_code=""), AcctDownloadEnd)
    seen = set()
    for _ in range(20):
        gateway.step(600)
        for e in c.sync():
            if isinstance(e, PortfolioValue):
                seen.add(e.market_price)
        if len(seen) > 1:
            break
    assert len(seen) > 1


def test_req_acct_data_unsubscribe_stops_the_stream(gateway, wire):
    c = wire(1)
    c.ask(ReqAcctData(subscribe=True, acct_code=ACCT), AcctDownloadEnd)
    c.send(ReqAcctData(subscribe=False, acct_code=ACCT))
    c.drain()
    _buy(c, 1)
    assert not [e for e in c.sync() + c.inbox if isinstance(e, (AcctValue, PortfolioValue))]


def test_req_acct_data_unknown_account(gateway, wire):
    c = wire(1)
    c.send(ReqAcctData(subscribe=True, acct_code="DU0000000"))
    assert c.expect(ErrMsg).error_code == 321


def test_positions_stream_until_cancelled(gateway, wire):
    c = wire(1)
    assert c.ask(ReqPositions(), PositionEnd) == []
    _buy(c, 1)
    pos = c.expect(PositionData)
    assert (pos.account, pos.contract.symbol, pos.position) == (ACCT, "AAPL", Decimal(100))
    assert pos.avg_cost and pos.avg_cost > 0
    c.send(CancelPositions())
    c.drain()
    _buy(c, 2, "MSFT")
    assert not [e for e in c.sync() if isinstance(e, PositionData)]


def test_positions_of_other_clients_trades_stream_too(gateway, wire):
    watcher, trader = wire(1), wire(2)
    watcher.ask(ReqPositions(), PositionEnd)
    _buy(trader, 1, "SPY", 3)
    pos = watcher.expect(PositionData)
    assert pos.contract.symbol == "SPY" and pos.position == Decimal(3)


def test_account_updates_multi(gateway, wire):
    c = wire(1)
    rows = c.ask(ReqAccountUpdatesMulti(req_id=9, account=ACCT, model_code="",
                                        ledger_and_nlv=False),
                 AccountUpdateMultiEnd, lambda m: m.req_id == 9)
    multi = [r for r in rows if isinstance(r, AccountUpdateMulti)]
    assert multi and all(r.req_id == 9 and r.account == ACCT for r in multi)
    assert any(r.key == "NetLiquidation" for r in multi)
    _buy(c, 1)
    assert c.expect(AccountUpdateMulti, lambda r: r.key == "TotalCashValue").req_id == 9
    c.send(CancelAccountUpdatesMulti(req_id=9))
    c.drain()
    _buy(c, 2)
    assert not [e for e in c.sync() if isinstance(e, AccountUpdateMulti)]


def test_positions_multi(gateway, wire):
    c = wire(1)
    _buy(c, 1, "MSFT", 7)
    rows = c.ask(ReqPositionsMulti(req_id=4, account=ACCT, model_code=""), PositionMultiEnd)
    pos = [r for r in rows if isinstance(r, PositionMulti)]
    assert [(p.req_id, p.contract.symbol, p.position) for p in pos] == [(4, "MSFT", Decimal(7))]


def test_account_summary(gateway, wire):
    c = wire(1)
    rows = c.ask(ReqAccountSummary(req_id=3, group_name="All",
                                   tags="NetLiquidation,BuyingPower,TotalCashValue"),
                 AccountSummaryEnd, lambda m: m.req_id == 3)
    summary = {(r.tag, r.currency): r.value for r in rows if isinstance(r, AccountSummary)}
    assert set(summary) == {("NetLiquidation", "USD"), ("BuyingPower", "USD"),
                            ("TotalCashValue", "USD")}
    assert float(summary[("BuyingPower", "USD")]) == 4_000_000.0
    c.send(CancelAccountSummary(req_id=3))
    c.drain()
    _buy(c, 1)
    assert not [e for e in c.sync() if isinstance(e, AccountSummary)]
