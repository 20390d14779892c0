"""The official client 10.51 trading against the paper gateway (run with the oracle's Python path).

``python e2e_app.py PORT LIMIT_PRICE`` connects with client id 31, walks the flow tests/interop
walks with ibapi 9.81 (greeting, market order with fill / execution / commission report,
positions, account values and summary, a resting limit in the open orders, its cancel with 202,
executions on request, a market data snapshot, contract details, historical bars) and prints one
JSON report of what its callbacks saw. Waits are on callbacks with a timeout, never sleeps; a
timeout is reported under "timeouts" and the flow goes on. Only the official package's public
classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.execution import ExecutionFilter
from ibapi.order import Order
from ibapi.order_cancel import OrderCancel


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "statuses": [], "open_orders": [], "execs": [],
                                  "exec_end": [], "commissions": [], "positions": [],
                                  "position_end": 0, "values": {}, "download_end": 0,
                                  "summary": [], "summary_end": [], "ticks": [], "sizes": [],
                                  "snapshot_end": [], "details": [], "details_end": [],
                                  "bars": [], "bars_end": [], "open_order_end": 0,
                                  "timeouts": [], "next_id": None, "accounts": None}

    def managedAccounts(self, accountsList: str) -> None:  # noqa: N802, N803
        self.note(lambda r: r.__setitem__("accounts", accountsList))

    def error(self, reqId: int, errorTime: int, errorCode: int, errorString: str,  # noqa: N803
              advancedOrderRejectJson: str = "") -> None:  # noqa: N803
        self.note(lambda r: r["errors"].append([reqId, errorCode, errorString, errorTime]))

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # noqa: N802, N803
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:  # noqa: N803
        self.note(lambda r: r["statuses"].append([orderId, status, float(filled)]))

    def openOrder(self, orderId, contract, order, orderState) -> None:  # noqa: N802, N803
        self.note(lambda r: r["open_orders"].append([orderId, contract.symbol, order.orderType,
                                                     float(order.totalQuantity),
                                                     orderState.status]))

    def openOrderEnd(self) -> None:  # noqa: N802
        self.note(lambda r: r.__setitem__("open_order_end", r["open_order_end"] + 1))

    def execDetails(self, reqId, contract, execution) -> None:  # noqa: N802, N803
        self.note(lambda r: r["execs"].append([reqId, contract.symbol, execution.execId,
                                               execution.side, float(execution.shares),
                                               execution.time]))

    def execDetailsEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["exec_end"].append(reqId))

    def commissionAndFeesReport(self, commissionAndFeesReport) -> None:  # noqa: N802, N803
        c = commissionAndFeesReport
        self.note(lambda r: r["commissions"].append([c.execId, c.commissionAndFees, c.currency]))

    def position(self, account, contract, position, avgCost) -> None:  # noqa: N803
        self.note(lambda r: r["positions"].append([account, contract.symbol, float(position)]))

    def positionEnd(self) -> None:  # noqa: N802
        self.note(lambda r: r.__setitem__("position_end", r["position_end"] + 1))

    def updateAccountValue(self, key, val, currency, accountName) -> None:  # noqa: N802, N803
        self.note(lambda r: r["values"].__setitem__(f"{key}/{currency}", val))

    def accountDownloadEnd(self, accountName) -> None:  # noqa: N802, N803
        self.note(lambda r: r.__setitem__("download_end", r["download_end"] + 1))

    def accountSummary(self, reqId, account, tag, value, currency) -> None:  # noqa: N802, N803
        self.note(lambda r: r["summary"].append([reqId, account, tag, value, currency]))

    def accountSummaryEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["summary_end"].append(reqId))

    def tickPrice(self, reqId, tickType, price, attrib) -> None:  # noqa: N802, N803
        self.note(lambda r: r["ticks"].append([reqId, tickType, price]))

    def tickSize(self, reqId, tickType, size) -> None:  # noqa: N802, N803
        self.note(lambda r: r["sizes"].append([reqId, tickType, str(size)]))

    def tickSnapshotEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["snapshot_end"].append(reqId))

    def contractDetails(self, reqId, contractDetails) -> None:  # noqa: N802, N803
        d = contractDetails
        self.note(lambda r: r["details"].append([reqId, d.contract.conId, d.contract.symbol,
                                                 d.longName, d.minTick]))

    def contractDetailsEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["details_end"].append(reqId))

    def historicalData(self, reqId, bar) -> None:  # noqa: N802, N803
        self.note(lambda r: r["bars"].append([reqId, bar.date, bar.open, bar.high, bar.low,
                                              bar.close]))

    def historicalDataEnd(self, reqId, start, end) -> None:  # noqa: N802, N803
        self.note(lambda r: r["bars_end"].append([reqId, start, end]))


def stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = symbol, "STK", "SMART", "USD"
    return c


def order(action: str, qty: int, order_type: str, price: float | None = None) -> Order:
    o = Order()
    o.action, o.totalQuantity, o.orderType = action, Decimal(qty), order_type
    if price is not None:
        o.lmtPrice = price
    return o


def main() -> None:
    port, limit = int(sys.argv[1]), float(sys.argv[2])
    app = App()
    app.start(port, 31)
    r = app.r
    app.wait(lambda r: r["accounts"] is not None, "managedAccounts")
    app.wait(lambda r: {2104, 2106, 2158} <= {e[1] for e in r["errors"]}, "farm notices")
    oid = r["next_id"] or 1
    r["oid"] = oid

    app.placeOrder(oid, stock("AAPL"), order("BUY", 100, "MKT"))
    app.wait(lambda r: [oid, "Filled", 100.0] in r["statuses"], "fill")
    app.wait(lambda r: r["execs"] and r["commissions"], "execution + commission")

    app.reqPositions()
    app.wait(lambda r: r["position_end"] >= 1, "positionEnd")
    app.reqAccountUpdates(True, "DU1234567")
    app.wait(lambda r: r["download_end"] >= 1, "accountDownloadEnd")
    app.reqAccountSummary(9, "All", "NetLiquidation,TotalCashValue")
    app.wait(lambda r: 9 in r["summary_end"], "accountSummaryEnd")

    app.placeOrder(oid + 1, stock("AAPL"), order("BUY", 10, "LMT", limit))
    app.wait(lambda r: [oid + 1, "Submitted", 0.0] in r["statuses"], "resting limit")
    app.reqOpenOrders()
    app.wait(lambda r: r["open_order_end"] >= 1, "openOrderEnd")
    app.cancelOrder(oid + 1, OrderCancel())
    app.wait(lambda r: [oid + 1, "Cancelled", 0.0] in r["statuses"], "cancel")
    app.wait(lambda r: any(e[:2] == [oid + 1, 202] for e in r["errors"]), "error 202")

    app.reqExecutions(77, ExecutionFilter())
    app.wait(lambda r: 77 in r["exec_end"], "execDetailsEnd")

    app.reqMktData(5, stock("AAPL"), "", True, False, [])
    app.wait(lambda r: 5 in r["snapshot_end"], "tickSnapshotEnd")
    app.reqContractDetails(6, stock("MSFT"))
    app.wait(lambda r: 6 in r["details_end"], "contractDetailsEnd")
    app.reqHistoricalData(7, stock("AAPL"), "", "2 D", "1 hour", "MIDPOINT", 0, 1, False, [])
    app.wait(lambda r: any(e[0] == 7 for e in r["bars_end"]), "historicalDataEnd")

    app.finish()
    print(json.dumps(r, default=str))


if __name__ == "__main__":
    main()
