"""PnL, soft dollar tiers and FA on the paper gateway (REQ_PNL, REQ_PNL_SINGLE, REQ_SOFT_DOLLAR_TIERS,
REQ_FA, REPLACE_FA), through a bare wire client, text (178) and protobuf (226)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire import MarketOrder, Stock
from ibwire.protocol.messages.accounts import AcctDownloadEnd, PortfolioValue, ReqAcctData
from ibwire.protocol.messages.fa import ReplaceFA, ReqFA
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.pnl import (
    CancelPnL,
    CancelPnLSingle,
    PnL,
    PnLSingle,
    ReqPnL,
    ReqPnLSingle,
    ReqSoftDollarTiers,
    SoftDollarTiers,
)
from ibwire.protocol.messages.system import ErrMsg
from ibwire.protocol.versions import IB_ASYNC_VERSION, MAX_VERSION

ACCT = "DU1234567"
AAPL_CON_ID = 265598
VERSIONS = [IB_ASYNC_VERSION, MAX_VERSION]


def _trade(c, order_id: int, action: str, qty: int, symbol: str = "AAPL") -> None:
    c.send(PlaceOrder(order_id=order_id, contract=Stock(symbol), order=MarketOrder(action, qty)))
    c.expect(OrderStatus, lambda m: m.order_id == order_id and m.status == "Filled")


def _last(events: list[object], cls: type, req_id: int) -> object | None:
    found = [e for e in events if isinstance(e, cls) and e.req_id == req_id]
    return found[-1] if found else None


@pytest.mark.parametrize("version", VERSIONS)
def test_pnl_answers_at_once_and_follows_fills_and_the_market(gateway, wire, version):
    c = wire(1, max_version=version)
    c.send(ReqPnL(1, ACCT, ""))
    assert c.expect(PnL) == PnL(1, 0.0, 0.0, 0.0)  # no positions: every value set, 0

    _trade(c, 1, "BUY", 100)
    opened = c.expect(PnL, lambda m: m.unrealized_pnl != 0.0)
    # opened today: the day's PnL is the unrealized PnL (the commission is in the average cost)
    assert opened.daily_pnl == opened.unrealized_pnl < 0 and opened.realized_pnl == 0.0

    values = {opened.unrealized_pnl}
    for _ in range(30):
        gateway.step(60)
        values.update(e.unrealized_pnl for e in c.sync() if isinstance(e, PnL))
        if len(values) > 2:
            break
    assert len(values) > 2, "the PnL follows the market"


@pytest.mark.parametrize("version", VERSIONS)
def test_pnl_agrees_with_the_portfolio(gateway, wire, version):
    c = wire(1, max_version=version)
    _trade(c, 1, "BUY", 100)
    _trade(c, 2, "BUY", 3, "MSFT")
    gateway.step(900)
    c.send(ReqPnL(7, ACCT, ""))
    pnl = c.expect(PnL)
    rows = [e for e in c.ask(ReqAcctData(True, ACCT), AcctDownloadEnd)
            if isinstance(e, PortfolioValue)]
    assert len(rows) == 2
    total = sum(r.unrealized_pnl for r in rows)
    assert pnl.unrealized_pnl == pytest.approx(total, abs=0.01 * len(rows))
    assert pnl.daily_pnl == pytest.approx(pnl.unrealized_pnl)  # all of it bought today


@pytest.mark.parametrize("version", VERSIONS)
def test_pnl_single_position_value_and_realized(gateway, wire, version):
    c = wire(1, max_version=version)
    c.send(ReqPnLSingle(2, ACCT, "", AAPL_CON_ID))
    first = c.expect(PnLSingle)
    # no position: position 0, values 0, realized PnL unset
    assert first == PnLSingle(2, Decimal(0), 0.0, 0.0, None, 0.0)

    _trade(c, 1, "BUY", 100)
    gateway.step(1)
    single = _last(c.drain(), PnLSingle, 2)
    row = [e for e in c.ask(ReqAcctData(True, ACCT), AcctDownloadEnd)
           if isinstance(e, PortfolioValue)][0]
    assert isinstance(single, PnLSingle)
    assert single.position == Decimal(100)
    assert single.value == pytest.approx(row.market_value, abs=0.01)
    assert single.unrealized_pnl == pytest.approx(row.unrealized_pnl, abs=0.01)
    assert single.realized_pnl == 0.0  # traded today, nothing closed yet

    _trade(c, 2, "SELL", 40)
    after = c.expect(PnLSingle, lambda m: m.position == Decimal(60))
    assert after.realized_pnl is not None and after.realized_pnl != 0.0
    c.send(ReqPnL(3, ACCT, ""))
    assert c.expect(PnL, lambda m: m.req_id == 3).realized_pnl == after.realized_pnl


def test_daily_pnl_resets_at_the_session_close(gateway, wire):
    c = wire(1)
    _trade(c, 1, "BUY", 100)
    # past the stock session's close (20:00 New York): a new trading day for the PnL
    gateway.step(12 * 3600)
    reset = gateway.call(lambda ex: ex.accounts.daily_reset(AAPL_CON_ID))
    bid, ask, _ = gateway.call(lambda ex: ex.market.touch(AAPL_CON_ID, reset - 1))
    mark = gateway.call(lambda ex: ex.market.mark(AAPL_CON_ID))
    c.send(ReqPnLSingle(5, ACCT, "", AAPL_CON_ID))
    single = c.expect(PnLSingle)
    assert single.realized_pnl is None  # not traded since the reset: TWS leaves it unset
    assert single.daily_pnl == pytest.approx(100 * (mark - (bid + ask) / 2))
    assert single.daily_pnl != single.unrealized_pnl
    c.send(ReqPnL(6, ACCT, ""))
    pnl = c.expect(PnL)
    assert pnl.realized_pnl == 0.0 and pnl.daily_pnl == single.daily_pnl


def test_all_accounts_and_cancels(gateway, wire):
    c = wire(1)
    c.send(ReqPnL(1, "", ""), ReqPnLSingle(2, "All", "", AAPL_CON_ID))
    c.expect(PnL)
    c.expect(PnLSingle)
    c.send(CancelPnL(1), CancelPnLSingle(2))
    _trade(c, 1, "BUY", 10)
    gateway.step(60)
    assert not [e for e in c.sync() if isinstance(e, (PnL, PnLSingle))]
    # a cancel of nothing is answered, naming the request
    c.send(CancelPnL(1))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (1, 321) and "CANCEL_PNL" in err.error_string


def test_bad_pnl_requests_are_refused(gateway, wire):
    c = wire(1)
    c.send(ReqPnL(1, "DU9999999", ""))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (1, 321) and "DU9999999" in err.error_string
    c.send(ReqPnLSingle(2, ACCT, "MyModel", AAPL_CON_ID))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (2, 321) and "MyModel" in err.error_string


@pytest.mark.parametrize("version", VERSIONS)
def test_soft_dollar_tiers_of_a_paper_account_are_empty(gateway, wire, version):
    c = wire(1, max_version=version)
    c.send(ReqSoftDollarTiers(1001))
    assert c.expect(SoftDollarTiers) == SoftDollarTiers(1001, [])


@pytest.mark.parametrize("version", VERSIONS)
def test_fa_requests_answered_as_for_a_non_fa_account(gateway, wire, version):
    c = wire(1, max_version=version)
    c.send(ReqFA(1))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (-1, 321)
    assert err.error_string.endswith("FA data operations ignored for non FA customers.")
    c.send(ReplaceFA(58, 1, "<ListOfGroups/>"))
    err = c.expect(ErrMsg)
    assert (err.req_id, err.error_code) == (58, 321)
    assert "FA data operations ignored for non FA customers." in err.error_string
