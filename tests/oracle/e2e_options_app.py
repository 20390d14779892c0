"""The official client 10.51 asking the paper gateway about options (run with the oracle's Python
path): ``python e2e_options_app.py PORT EXPIRY STRIKE`` connects with client id 32, asks for the
option chains of SPY and of the ES future (con ids 756733, 649180695), streams the SPY option of
EXPIRY / STRIKE (call) until its four computations (bid, ask, last, model) arrived, asks for its
implied volatility and its price, cancels both, exercises one contract (there is no position) and
prints one JSON report of its callbacks. Waits are on callbacks with a timeout, never sleeps."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.order import Order


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "chains": [], "chain_end": [], "comps": [],
                                  "ticks": [], "timeouts": [], "next_id": None, "details": [],
                                  "details_end": [], "statuses": [], "execs": []}

    def securityDefinitionOptionParameter(self, reqId, exchange, underlyingConId,  # noqa: N802, N803
                                          tradingClass, multiplier, expirations,  # noqa: N803
                                          strikes) -> None:
        self.note(lambda r: r["chains"].append([reqId, exchange, underlyingConId, tradingClass,
                                                multiplier, sorted(expirations),
                                                sorted(strikes)]))

    def securityDefinitionOptionParameterEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["chain_end"].append(reqId))

    def tickOptionComputation(self, reqId, tickType, tickAttrib, impliedVol, delta,  # noqa: N802, N803
                              optPrice, pvDividend, gamma, vega, theta, undPrice) -> None:  # noqa: N803
        self.note(lambda r: r["comps"].append([reqId, tickType, tickAttrib, impliedVol, delta,
                                               optPrice, pvDividend, gamma, vega, theta,
                                               undPrice]))

    def tickPrice(self, reqId, tickType, price, attrib) -> None:  # noqa: N802, N803
        self.note(lambda r: r["ticks"].append([reqId, tickType, price]))

    def contractDetails(self, reqId, contractDetails) -> None:  # noqa: N802, N803
        d = contractDetails
        c = d.contract
        self.note(lambda r: r["details"].append([
            reqId, c.conId, c.secType, c.lastTradeDateOrContractMonth, c.strike, c.right,
            c.multiplier, c.localSymbol, c.tradingClass, d.underConId, d.underSecType,
            d.lastTradeTime, d.timeZoneId]))

    def contractDetailsEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["details_end"].append(reqId))

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # noqa: N802, N803
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:  # noqa: N803
        self.note(lambda r: r["statuses"].append([orderId, status, float(filled), avgFillPrice]))

    def execDetails(self, reqId, contract, execution) -> None:  # noqa: N802, N803
        self.note(lambda r: r["execs"].append([contract.secType, contract.strike, contract.right,
                                               execution.side, float(execution.shares),
                                               execution.price]))


def option(expiry: str, strike: float) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "SPY", "OPT", "SMART", "USD"
    c.lastTradeDateOrContractMonth, c.strike, c.right, c.multiplier = expiry, strike, "C", "100"
    return c


def main() -> None:
    port, expiry, strike = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    app = App()
    app.start(port, 32)
    r = app.r

    app.reqSecDefOptParams(11, "SPY", "", "STK", 756733)
    app.wait(lambda r: 11 in r["chain_end"], "the SPY chain's end")
    app.reqSecDefOptParams(12, "ES", "CME", "FUT", 649180695)
    app.wait(lambda r: 12 in r["chain_end"], "the ES chain's end")

    app.reqMktData(13, option(expiry, strike), "", False, False, [])
    app.wait(lambda r: {c[1] for c in r["comps"] if c[0] == 13} >= {10, 11, 12, 13},
             "the four option computations")
    app.cancelMktData(13)

    app.calculateImpliedVolatility(14, option(expiry, strike), 10.0, 581.0, [])
    app.calculateOptionPrice(15, option(expiry, strike), 0.2, 581.0, [])
    app.wait(lambda r: {c[0] for c in r["comps"]} >= {14, 15}, "the two calculations")
    app.cancelCalculateImpliedVolatility(14)
    app.cancelCalculateOptionPrice(15)

    app.exerciseOptions(16, option(expiry, strike), 1, 1, "DU1234567", 0, "", "", False)
    app.wait(lambda r: any(e[0] == 16 for e in r["errors"]), "the exercise's answer")

    fop = Contract()
    fop.symbol, fop.secType, fop.exchange, fop.currency = "ES", "FOP", "CME", "USD"
    fop.lastTradeDateOrContractMonth, fop.strike, fop.right = expiry, 6000.0, "P"
    app.reqContractDetails(17, option(expiry, strike))
    app.reqContractDetails(18, fop)
    app.wait(lambda r: {17, 18} <= set(r["details_end"]), "the option contracts' details")

    oid = r["next_id"] or 1
    r["oid"] = oid
    order = Order()
    order.action, order.orderType, order.totalQuantity = "BUY", "MKT", Decimal(2)
    app.placeOrder(oid, option(expiry, strike), order)
    app.wait(lambda r: any(s[0] == oid and s[1] == "Filled" for s in r["statuses"]),
             "the option order's fill")

    app.finish()
    print(json.dumps(r, default=str))


if __name__ == "__main__":
    main()
