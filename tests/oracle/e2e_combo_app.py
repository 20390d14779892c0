"""The official client 10.51 trading a combo of two stocks on the paper gateway (run with the
oracle's Python path): ``python e2e_combo_app.py PORT`` places a BAG order (BUY 1 AAPL, SELL 1
MSFT, quantity 4, market) with client id 42, waits for it to fill and for its commission reports,
asks for the positions and prints one JSON report. Waits are on callbacks with a timeout, never
sleeps. Only the official package's public classes are used; none of its code is copied."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import ComboLeg, Contract
from ibapi.order import Order


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "statuses": [], "open_orders": [], "execs": [],
                                  "commissions": [], "positions": [], "position_end": 0,
                                  "timeouts": [], "next_id": None}

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # noqa: N802, N803
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:  # noqa: N803
        self.note(lambda r: r["statuses"].append([orderId, status, float(filled), avgFillPrice]))

    def openOrder(self, orderId, contract, order, orderState) -> None:  # noqa: N802, N803
        legs = [[leg.conId, leg.ratio, leg.action] for leg in (contract.comboLegs or [])]
        self.note(lambda r: r["open_orders"].append([orderId, contract.secType, legs,
                                                     orderState.status]))

    def execDetails(self, reqId, contract, execution) -> None:  # noqa: N802, N803
        self.note(lambda r: r["execs"].append([contract.secType, contract.conId, execution.side,
                                               float(execution.shares), execution.price,
                                               execution.orderId, execution.execId]))

    def commissionAndFeesReport(self, commissionAndFeesReport) -> None:  # noqa: N802, N803
        c = commissionAndFeesReport
        self.note(lambda r: r["commissions"].append([c.execId, c.commissionAndFees]))

    def position(self, account, contract, position, avgCost) -> None:  # noqa: N803
        self.note(lambda r: r["positions"].append([contract.conId, float(position)]))

    def positionEnd(self) -> None:  # noqa: N802
        self.note(lambda r: r.__setitem__("position_end", r["position_end"] + 1))


def leg(con_id: int, action: str) -> ComboLeg:
    c = ComboLeg()
    c.conId, c.ratio, c.action, c.exchange = con_id, 1, action, "SMART"
    return c


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 42)
    r = app.r
    combo = Contract()
    combo.symbol, combo.secType, combo.exchange, combo.currency = "AAPL,MSFT", "BAG", "SMART", "USD"
    combo.comboLegs = [leg(265598, "BUY"), leg(272093, "SELL")]
    o = Order()
    o.action, o.totalQuantity, o.orderType = "BUY", Decimal(4), "MKT"
    oid = r["next_id"] or 1
    r["oid"] = oid
    app.placeOrder(oid, combo, o)
    app.wait(lambda r: any(s[0] == oid and s[1] == "Filled" for s in r["statuses"]), "fill")
    app.wait(lambda r: len(r["commissions"]) >= 3, "commission reports")
    app.reqPositions()
    app.wait(lambda r: r["position_end"] >= 1, "positionEnd")
    app.finish()
    print(json.dumps(r, default=str))


if __name__ == "__main__":
    main()
