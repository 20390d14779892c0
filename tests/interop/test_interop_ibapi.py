"""The official ibapi 9.81 (EClient / EWrapper; it negotiates server version 157) against the
paper gateway: the reader thread ibapi starts itself, plus its run() loop in a thread of ours."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("ibapi")

from ibapi.client import EClient  # noqa: E402
from ibapi.contract import Contract  # noqa: E402
from ibapi.execution import ExecutionFilter  # noqa: E402
from ibapi.order import Order  # noqa: E402
from ibapi.wrapper import EWrapper  # noqa: E402

WAIT_S = 15.0


class App(EWrapper, EClient):  # type: ignore[misc]
    """Records every callback; tests wait on conditions over what it recorded."""

    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.cond = threading.Condition()
        self.next_id: int | None = None
        self.accounts: str | None = None
        self.errors: list[tuple[int, int, str]] = []
        self.statuses: list[tuple[int, str, float]] = []
        self.open_orders: list[int] = []
        self.open_order_end = 0
        self.execs: list[tuple[int, Any, Any]] = []
        self.exec_end: list[int] = []
        self.commissions: list[Any] = []
        self.positions: list[tuple[str, str, float]] = []
        self.position_end = 0
        self.values: dict[tuple[str, str], str] = {}
        self.download_end = 0
        self.ticks: list[tuple[int, int, float]] = []
        self.sizes: list[tuple[int, int, Any]] = []
        self.snapshot_end: list[int] = []
        self.details: list[tuple[int, Any]] = []
        self.details_end: list[int] = []
        self.bars: list[tuple[int, Any]] = []
        self.bars_end: list[int] = []

    def _note(self, fn: Callable[[], None]) -> None:
        with self.cond:
            fn()
            self.cond.notify_all()

    def wait(self, pred: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        with self.cond:
            if not self.cond.wait_for(pred, timeout):
                raise AssertionError(f"ibapi never saw: {what}; errors {self.errors}")

    # EWrapper callbacks
    def nextValidId(self, orderId: int) -> None:
        self._note(lambda: setattr(self, "next_id", orderId))

    def managedAccounts(self, accountsList: str) -> None:
        self._note(lambda: setattr(self, "accounts", accountsList))

    def error(self, reqId: int, errorCode: int, errorString: str) -> None:
        self._note(lambda: self.errors.append((reqId, errorCode, errorString)))

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId, parentId,
                    lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:
        self._note(lambda: self.statuses.append((orderId, status, float(filled))))

    def openOrder(self, orderId, contract, order, orderState) -> None:
        self._note(lambda: self.open_orders.append(orderId))

    def openOrderEnd(self) -> None:
        self._note(lambda: setattr(self, "open_order_end", self.open_order_end + 1))

    def execDetails(self, reqId, contract, execution) -> None:
        self._note(lambda: self.execs.append((reqId, contract, execution)))

    def execDetailsEnd(self, reqId) -> None:
        self._note(lambda: self.exec_end.append(reqId))

    def commissionReport(self, commissionReport) -> None:
        self._note(lambda: self.commissions.append(commissionReport))

    def position(self, account, contract, position, avgCost) -> None:
        self._note(lambda: self.positions.append((account, contract.symbol, float(position))))

    def positionEnd(self) -> None:
        self._note(lambda: setattr(self, "position_end", self.position_end + 1))

    def updateAccountValue(self, key, val, currency, accountName) -> None:
        self._note(lambda: self.values.__setitem__((key, currency), val))

    def accountDownloadEnd(self, accountName) -> None:
        self._note(lambda: setattr(self, "download_end", self.download_end + 1))

    def tickPrice(self, reqId, tickType, price, attrib) -> None:
        self._note(lambda: self.ticks.append((reqId, tickType, price)))

    def tickSize(self, reqId, tickType, size) -> None:
        self._note(lambda: self.sizes.append((reqId, tickType, size)))

    def tickSnapshotEnd(self, reqId) -> None:
        self._note(lambda: self.snapshot_end.append(reqId))

    def contractDetails(self, reqId, contractDetails) -> None:
        self._note(lambda: self.details.append((reqId, contractDetails)))

    def contractDetailsEnd(self, reqId) -> None:
        self._note(lambda: self.details_end.append(reqId))

    def historicalData(self, reqId, bar) -> None:
        self._note(lambda: self.bars.append((reqId, bar)))

    def historicalDataEnd(self, reqId, start, end) -> None:
        self._note(lambda: self.bars_end.append(reqId))


def _stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = symbol, "STK", "SMART", "USD"
    return c


def _order(action: str, qty: float, order_type: str, price: float | None = None) -> Order:
    o = Order()
    o.action, o.totalQuantity, o.orderType = action, qty, order_type
    if price is not None:
        o.lmtPrice = price
    return o


@pytest.fixture
def app(gateway, caplog):
    caplog.set_level(logging.INFO, logger="ibapi")
    a = App()
    a.connect("127.0.0.1", gateway.port, clientId=21)
    runner = threading.Thread(target=a.run, name="ibapi-run", daemon=True)
    runner.start()
    yield a
    a.disconnect()
    runner.join(WAIT_S)
    # ibapi drops what it cannot decode with a log line: there must be none
    bad = [r.getMessage() for r in caplog.records if r.name.startswith("ibapi")
           and ("diff len fields" in r.getMessage() or "BadMessage" in r.getMessage())]
    assert not bad, bad


def test_ibapi_connects_at_157(app):
    app.wait(lambda: app.next_id is not None and app.accounts is not None, "the greeting")
    assert app.serverVersion() == 157
    assert app.accounts == "DU1234567"
    app.wait(lambda: {2104, 2106, 2158} <= {e[1] for e in app.errors}, "the farm notices")


def test_ibapi_trades_against_the_gateway(gateway, app):
    app.wait(lambda: app.next_id is not None, "nextValidId")
    oid = app.next_id
    assert oid is not None

    # a market order: Filled, its execution (reqId -1) and its commission report
    app.placeOrder(oid, _stock("AAPL"), _order("BUY", 100, "MKT"))
    app.wait(lambda: (oid, "Filled", 100.0) in app.statuses, "the fill")
    app.wait(lambda: app.execs and app.commissions, "execution + commission")
    req_id, contract, execution = app.execs[0]
    assert req_id == -1 and contract.symbol == "AAPL"
    assert execution.side == "BOT" and float(execution.shares) == 100.0
    assert app.commissions[0].execId == execution.execId
    assert app.commissions[0].commission == 1.0

    # positions and account values
    app.reqPositions()
    app.wait(lambda: app.position_end >= 1, "positionEnd")
    assert ("DU1234567", "AAPL", 100.0) in app.positions
    app.reqAccountUpdates(True, "DU1234567")
    app.wait(lambda: app.download_end >= 1, "accountDownloadEnd")
    assert float(app.values[("TotalCashValue", "USD")]) < 1_000_000.0

    # a resting limit shows in the open orders and is cancelled
    price = round(gateway.call(lambda ex: ex.quote(265598).bid) * 0.9, 2)
    app.placeOrder(oid + 1, _stock("AAPL"), _order("BUY", 10, "LMT", price))
    app.wait(lambda: (oid + 1, "Submitted", 0.0) in app.statuses, "the resting limit")
    app.reqOpenOrders()
    app.wait(lambda: app.open_order_end >= 1, "openOrderEnd")
    assert oid + 1 in app.open_orders
    app.cancelOrder(oid + 1)
    app.wait(lambda: (oid + 1, "Cancelled", 0.0) in app.statuses, "the cancel")
    app.wait(lambda: any(e[:2] == (oid + 1, 202) for e in app.errors), "error 202")

    # executions on request
    app.reqExecutions(77, ExecutionFilter())
    app.wait(lambda: 77 in app.exec_end, "execDetailsEnd")
    assert [e[2].execId for e in app.execs if e[0] == 77] == [execution.execId]


def test_ibapi_duplicate_order_id_is_103(app):
    app.wait(lambda: app.next_id is not None, "nextValidId")
    oid = app.next_id
    app.placeOrder(oid, _stock("MSFT"), _order("BUY", 1, "MKT"))
    app.wait(lambda: (oid, "Filled", 1.0) in app.statuses, "the fill")
    app.placeOrder(oid - 1 if oid > 1 else oid, _stock("MSFT"), _order("BUY", 1, "MKT"))
    app.wait(lambda: any(e[1] in (103, 104) for e in app.errors), "error 103")


def test_ibapi_market_data_contracts_and_history(gateway, app):
    app.wait(lambda: app.next_id is not None, "nextValidId")
    q = gateway.call(lambda ex: ex.quote(265598))
    app.reqMktData(5, _stock("AAPL"), "", True, False, [])
    app.wait(lambda: 5 in app.snapshot_end, "tickSnapshotEnd")
    prices = {t: p for r, t, p in app.ticks if r == 5}
    assert prices[1] == q.bid and prices[2] == q.ask
    app.reqContractDetails(6, _stock("MSFT"))
    app.wait(lambda: 6 in app.details_end, "contractDetailsEnd")
    assert [d.contract.conId for r, d in app.details if r == 6] == [272093]
    app.reqHistoricalData(7, _stock("AAPL"), "", "2 D", "1 hour", "MIDPOINT", 0, 1, False, [])
    app.wait(lambda: 7 in app.bars_end, "historicalDataEnd")
    bars = [b for r, b in app.bars if r == 7]
    assert len(bars) == 16 + 7 and all(b.low <= b.close <= b.high for b in bars)
