"""The official client 10.51 with the order types traders use, against the paper gateway (run with
the oracle's Python path): ``python e2e_orders_app.py PORT``.

Connects as client 33 and walks: what-if orders on AAPL and the ES future (openOrder's order
state), a resting bracket (parent, take-profit, stop-loss with parentId; the last transmits)
whose children wait PreSubmitted and are cancelled with the parent, a bracket whose take-profit
fills and cancels the stop-loss, an OCA group of type 1, a transmit=False order placed again with
transmit=True, then a trailing stop: it prints ``{"phase": "trail", ...}`` and, each time, reads a
line from stdin (the test moved the market) until the stop filled or the test says ``stop``.
Finally one JSON report. Waits are on callbacks with a timeout, never sleeps. Only the official
package's public classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
import threading
from decimal import Decimal
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.order import Order
from ibapi.order_cancel import OrderCancel


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "status": {}, "open": {}, "timeouts": [],
                                  "next_id": None, "execs": [], "times": 0}

    def sync(self) -> None:
        """A REQ_CURRENT_TIME round trip: what the gateway wrote before its answer has arrived."""
        n = self.r["times"]
        self.reqCurrentTime()
        self.wait(lambda r: r["times"] > n, "currentTime")

    def currentTime(self, time: int) -> None:  # noqa: N802
        self.note(lambda r: r.__setitem__("times", r["times"] + 1))

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # noqa: N802, N803
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:  # noqa: N803
        self.note(lambda r: r["status"].__setitem__(orderId, [status, float(filled), parentId]))

    def openOrder(self, orderId, contract, order, orderState) -> None:  # noqa: N802, N803
        row = {"status": orderState.status, "transmit": order.transmit,
               "trail": order.trailStopPrice, "what_if": order.whatIf,
               "oca": [order.ocaGroup, order.ocaType], "parent": order.parentId,
               "margins": [orderState.initMarginBefore, orderState.initMarginChange,
                           orderState.initMarginAfter, orderState.maintMarginChange,
                           orderState.equityWithLoanBefore, orderState.equityWithLoanAfter],
               "commission": [orderState.commissionAndFees, orderState.minCommissionAndFees,
                              orderState.maxCommissionAndFees,
                              orderState.commissionAndFeesCurrency]}

        def put(r: dict[str, Any]) -> None:
            r["open"].setdefault(orderId, []).append(row)
        self.note(put)

    def execDetails(self, reqId, contract, execution) -> None:  # noqa: N802, N803
        self.note(lambda r: r["execs"].append([execution.orderId, execution.price,
                                               float(execution.shares)]))


def stock() -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    return c


def es() -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "ES", "FUT", "CME", "USD"
    c.lastTradeDateOrContractMonth = "202612"
    return c


def spy_call(expiry: str, strike: float) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "SPY", "OPT", "SMART", "USD"
    c.lastTradeDateOrContractMonth, c.strike, c.right, c.multiplier = expiry, strike, "C", "100"
    return c


def order(action: str, qty: int, order_type: str, lmt: float | None = None,
          aux: float | None = None, **kw: Any) -> Order:
    o = Order()
    o.action, o.totalQuantity, o.orderType = action, Decimal(qty), order_type
    if lmt is not None:
        o.lmtPrice = lmt
    if aux is not None:
        o.auxPrice = aux
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def main() -> None:
    port = int(sys.argv[1])
    bid, ask = float(sys.argv[2]), float(sys.argv[3])
    expiry, strike = sys.argv[4], float(sys.argv[5])  # a listed SPY call
    app = App()
    app.connect("127.0.0.1", port, 33)
    threading.Thread(target=app.run, daemon=True).start()
    app.wait(lambda r: r["next_id"] is not None, "nextValidId")
    r = app.r
    oid = r["next_id"]
    ids: dict[str, Any] = {}

    def status(i: int) -> str:
        return r["status"].get(i, [""])[0]

    # what-if: a stock, a future and an option
    ids["wi_stk"], ids["wi_fut"], ids["wi_opt"] = oid, oid + 1, oid + 2
    app.placeOrder(oid, stock(), order("BUY", 1000, "MKT", whatIf=True))
    app.placeOrder(oid + 1, es(), order("BUY", 2, "MKT", whatIf=True))
    app.placeOrder(oid + 2, spy_call(expiry, strike), order("SELL", 1, "MKT", whatIf=True))
    app.wait(lambda r: all(i in r["open"] for i in (oid, oid + 1, oid + 2)), "what-if answers")
    oid += 3

    # a resting bracket: the children wait for the parent and go with its cancel
    p, tp, sl = oid, oid + 1, oid + 2
    ids["bracket"] = [p, tp, sl]
    app.placeOrder(p, stock(), order("BUY", 100, "LMT", round(bid - 20, 2), transmit=False))
    app.placeOrder(tp, stock(), order("SELL", 100, "LMT", round(bid + 20, 2), parentId=p,
                                      transmit=False))
    app.placeOrder(sl, stock(), order("SELL", 100, "STP", aux=round(bid - 40, 2), parentId=p))
    app.wait(lambda r: status(p) == "Submitted" and status(tp) == status(sl) == "PreSubmitted",
             "the waiting bracket")
    r["bracket_waiting"] = [status(i) for i in (p, tp, sl)]
    app.cancelOrder(p, OrderCancel())
    app.wait(lambda r: all(status(i) == "Cancelled" for i in (p, tp, sl)), "the bracket cancel")
    oid += 3

    # a bracket whose take-profit fills: the stop-loss is cancelled
    p, tp, sl = oid, oid + 1, oid + 2
    ids["bracket_fill"] = [p, tp, sl]
    app.placeOrder(p, stock(), order("BUY", 100, "LMT", round(ask + 1, 2), transmit=False))
    app.placeOrder(tp, stock(), order("SELL", 100, "LMT", round(bid - 1, 2), parentId=p,
                                      transmit=False))
    app.placeOrder(sl, stock(), order("SELL", 100, "STP", aux=round(bid - 40, 2), parentId=p))
    app.wait(lambda r: status(p) == status(tp) == "Filled" and status(sl) == "Cancelled",
             "the child OCA")
    oid += 3

    # an OCA group of type 1
    a, b = oid, oid + 1
    ids["oca"] = [a, b]
    app.placeOrder(a, stock(), order("BUY", 10, "LMT", round(bid - 20, 2), ocaGroup="oca-1051",
                                     ocaType=1))
    app.placeOrder(b, stock(), order("BUY", 10, "LMT", round(ask + 1, 2), ocaGroup="oca-1051",
                                     ocaType=1))
    app.wait(lambda r: status(b) == "Filled" and status(a) == "Cancelled", "the OCA cancel")
    oid += 2

    # staged, then transmitted
    s = oid
    ids["staged"] = s
    staged = order("BUY", 10, "LMT", round(ask + 1, 2), transmit=False)
    app.placeOrder(s, stock(), staged)
    app.wait(lambda r: status(s) == "PreSubmitted", "the staged order")
    app.sync()
    r["staged_before"] = [status(s), r["open"][s][-1]["transmit"]]
    staged.transmit = True
    app.placeOrder(s, stock(), staged)
    app.wait(lambda r: status(s) == "Filled", "the transmitted order")
    oid += 1

    # a trailing stop on a long position, while the test moves the market
    app.placeOrder(oid, stock(), order("BUY", 100, "MKT"))
    app.wait(lambda r: status(oid) == "Filled", "the long position")
    t = oid + 1
    ids["trail"] = t
    app.placeOrder(t, stock(), order("SELL", 100, "TRAIL", aux=0.2))
    app.wait(lambda r: status(t) == "PreSubmitted", "the trailing stop")
    while status(t) != "Filled":
        print(json.dumps({"phase": "trail", "status": status(t)}), flush=True)
        if sys.stdin.readline().strip() != "moved":
            break
        app.sync()
    app.wait(lambda r: status(t) == "Filled" and any(e[0] == t for e in r["execs"]),
             "the trailing stop's fill")
    r["ids"] = ids
    app.disconnect()
    r["open"] = {str(k): v for k, v in r["open"].items()}
    r["status"] = {str(k): v for k, v in r["status"].items()}
    print(json.dumps({"phase": "done", **r}, default=str), flush=True)


if __name__ == "__main__":
    main()
