"""The official client 10.51 as a bar-driven bot against a replaying gateway at speed "max" with
``react="sync"`` (run with the oracle's Python path).

``python e2e_replay_app.py PORT`` connects with client id 34 and asks for AAPL's 1-minute TRADES bars
kept up to date. On each bar that begins after the history it was sent (a
``historicalDataUpdate`` with a date the history did not end with) it places the
market order its plan names for that bar, if any, then answers the bar with ``reqCurrentTime`` --
what a ``sync`` bot does so that the gateway's clock waits for it. When the gateway says the data
ended (error 2199, request id -1) it prints one JSON report: the bars' dates in the order they
began, the executions and the errors. Waits are on callbacks with a timeout, never sleeps. Only
the official package's public classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.order import Order

PLAN = {0: "BUY", 1: "SELL"}
"""The n-th bar that began after the subscription -> the market order placed on it."""

DATA_ENDED = 2199


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "timeouts": [], "next_id": None, "starts": [],
                                  "fills": [], "ended": False}
        self.contract = Contract()
        self.contract.symbol, self.contract.secType = "AAPL", "STK"
        self.contract.exchange, self.contract.currency = "SMART", "USD"
        self.last_date: str | None = None
        self.next_order = 0

    def historicalData(self, reqId, bar) -> None:  # noqa: N802, N803
        self.last_date = bar.date  # the history ends with the bar in progress: not a new one

    def historicalDataUpdate(self, reqId, bar) -> None:  # noqa: N802, N803
        if bar.date == self.last_date:
            return
        self.last_date = bar.date
        n = len(self.r["starts"])
        self.note(lambda r: r["starts"].append(bar.date))
        action = PLAN.get(n)
        if action is not None:
            order = Order()
            order.action, order.orderType, order.totalQuantity = action, "MKT", 100
            self.placeOrder(self.next_order, self.contract, order)
            self.next_order += 1
        self.reqCurrentTime()  # the answer: this bar is handled

    def execDetails(self, reqId, contract, execution) -> None:  # noqa: N802, N803
        self.note(lambda r: r["fills"].append([execution.side, execution.price, execution.time]))

    def error(self, reqId, errorTime, errorCode, errorString,  # noqa: N802, N803
              advancedOrderRejectJson="") -> None:  # noqa: N803
        super().error(reqId, errorTime, errorCode, errorString, advancedOrderRejectJson)
        if reqId == -1 and errorCode == DATA_ENDED:
            self.note(lambda r: r.__setitem__("ended", True))


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 34)
    app.next_order = app.r["next_id"]
    app.reqHistoricalData(3, app.contract, "", "1 D", "1 min", "TRADES", 1, 2, True, [])
    app.wait(lambda r: r["ended"], "the end of the data")
    app.wait(lambda r: len(r["fills"]) >= len(PLAN), "the fills")
    app.finish()
    print(json.dumps(app.r))


if __name__ == "__main__":
    main()
