"""The official client 10.51 reading PnL from the paper gateway (run with the oracle's Python path).

``python e2e_pnl_app.py PORT`` connects with client id 41, buys 100 AAPL, subscribes to the
account's PnL (reqPnL) and the position's (reqPnLSingle) and reads the portfolio
(reqAccountUpdates). It then prints one JSON line ``{"phase": "ready", ...}`` and waits for a line
on stdin: the test moves the gateway's market clock meanwhile. Then it waits for PnL updates that
differ from the first ones, cancels, asks for soft dollar tiers and FA groups, and prints the final
JSON report. Waits are on callbacks with a timeout, never sleeps; a timeout is reported under
"timeouts". Only the official package's public classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.order import Order

ACCOUNT = "DU1234567"
AAPL = 265598


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "statuses": [], "pnl": [], "pnl_single": [],
                                  "portfolio": [], "download_end": 0, "tiers": [],
                                  "timeouts": [], "next_id": None}

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # noqa: N802, N803
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:  # noqa: N803
        self.note(lambda r: r["statuses"].append([orderId, status]))

    def pnl(self, reqId, dailyPnL, unrealizedPnL, realizedPnL) -> None:  # noqa: N803
        self.note(lambda r: r["pnl"].append([reqId, dailyPnL, unrealizedPnL, realizedPnL]))

    def pnlSingle(self, reqId, pos, dailyPnL, unrealizedPnL, realizedPnL, value) -> None:  # noqa: N802, N803
        self.note(lambda r: r["pnl_single"].append([reqId, str(pos), dailyPnL, unrealizedPnL,
                                                    realizedPnL, value]))

    def updatePortfolio(self, contract, position, marketPrice, marketValue, averageCost,  # noqa: N802, N803
                        unrealizedPNL, realizedPNL, accountName) -> None:  # noqa: N803
        self.note(lambda r: r["portfolio"].append([contract.conId, str(position), marketValue,
                                                   unrealizedPNL]))

    def accountDownloadEnd(self, accountName) -> None:  # noqa: N802, N803
        self.note(lambda r: r.__setitem__("download_end", r["download_end"] + 1))

    def softDollarTiers(self, reqId, tiers) -> None:  # noqa: N802, N803
        self.note(lambda r: r["tiers"].append([reqId, len(tiers)]))


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 41)
    r = app.r

    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    o = Order()
    o.action, o.totalQuantity, o.orderType = "BUY", Decimal(100), "MKT"
    oid = r["next_id"] or 1
    app.placeOrder(oid, c, o)
    app.wait(lambda r: [oid, "Filled"] in r["statuses"], "fill")

    app.reqPnL(1, ACCOUNT, "")
    app.reqPnLSingle(2, ACCOUNT, "", AAPL)
    app.wait(lambda r: any(p[0] == 1 and p[2] != 0 for p in r["pnl"])
             and any(p[0] == 2 and p[1] == "100" for p in r["pnl_single"]), "first PnL")
    app.reqAccountUpdates(True, ACCOUNT)
    app.wait(lambda r: r["download_end"] >= 1, "accountDownloadEnd")
    ready = {"phase": "ready", "pnl": r["pnl"][-1], "pnl_single": r["pnl_single"][-1],
             "portfolio": list(r["portfolio"])}
    print(json.dumps(ready), flush=True)

    sys.stdin.readline()  # the test moved the market
    first, first_single = ready["pnl"], ready["pnl_single"]
    app.wait(lambda r: r["pnl"][-1][2] != first[2]
             and r["pnl_single"][-1][5] != first_single[5], "PnL after the market moved")
    app.cancelPnL(1)
    app.cancelPnLSingle(2)
    app.reqSoftDollarTiers(9)
    app.wait(lambda r: r["tiers"], "softDollarTiers")
    app.requestFA(1)
    app.wait(lambda r: any(e[1] == 321 and "FA" in e[2] for e in r["errors"]), "FA refused")

    app.finish()
    print(json.dumps({"phase": "done", **r}, default=str), flush=True)


if __name__ == "__main__":
    main()
