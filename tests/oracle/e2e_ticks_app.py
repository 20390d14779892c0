"""The official client 10.51 streaming tick-level data from the paper gateway (run with the
oracle's Python path).

``python e2e_ticks_app.py PORT`` connects with client id 32, asks for tick-by-tick Last and BidAsk,
5-second real-time bars and historical ticks (TRADES, BID_ASK, MIDPOINT), prints ``subscribed``
and waits for a line on stdin (the test moves the market meanwhile), then waits for the streams'
callbacks and prints one JSON report of what they saw. Waits are on callbacks with a timeout,
never sleeps. Only the official package's public classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "last": [], "bid_ask": [], "bars": [], "mid": [],
                                  "hist_last": [], "hist_bid_ask": [], "hist_mid": [],
                                  "timeouts": [], "next_id": None}

    def tickByTickAllLast(self, reqId, tickType, time, price, size, tickAttribLast,  # noqa: N802, N803
                          exchange, specialConditions) -> None:
        self.note(lambda r: r["last"].append([reqId, tickType, time, price, str(size),
                                              tickAttribLast.pastLimit, exchange]))

    def tickByTickBidAsk(self, reqId, time, bidPrice, askPrice, bidSize, askSize,  # noqa: N802, N803
                         tickAttribBidAsk) -> None:
        self.note(lambda r: r["bid_ask"].append([reqId, time, bidPrice, askPrice, str(bidSize),
                                                 str(askSize), tickAttribBidAsk.bidPastLow]))

    def tickByTickMidPoint(self, reqId, time, midPoint) -> None:  # noqa: N802, N803
        self.note(lambda r: r["mid"].append([reqId, time, midPoint]))

    def realtimeBar(self, reqId, time, open_, high, low, close, volume, wap, count) -> None:  # noqa: N802, N803
        self.note(lambda r: r["bars"].append([reqId, time, open_, high, low, close, str(volume),
                                              str(wap), count]))

    def historicalTicksLast(self, reqId, ticks, done) -> None:  # noqa: N802, N803
        self.note(lambda r: r["hist_last"].append(
            [reqId, [[t.time, t.price, str(t.size), t.exchange] for t in ticks], done]))

    def historicalTicksBidAsk(self, reqId, ticks, done) -> None:  # noqa: N802, N803
        self.note(lambda r: r["hist_bid_ask"].append(
            [reqId, [[t.time, t.priceBid, t.priceAsk, str(t.sizeBid), str(t.sizeAsk)]
                     for t in ticks], done]))

    def historicalTicks(self, reqId, ticks, done) -> None:  # noqa: N802, N803
        self.note(lambda r: r["hist_mid"].append(
            [reqId, [[t.time, t.price] for t in ticks], done]))


def stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = symbol, "STK", "SMART", "USD"
    return c


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 32)
    app.reqTickByTickData(1, stock("AAPL"), "Last", 0, False)
    app.reqTickByTickData(2, stock("AAPL"), "BidAsk", 0, False)
    app.reqRealTimeBars(3, stock("AAPL"), 5, "TRADES", False, [])
    app.reqTickByTickData(8, stock("AAPL"), "MidPoint", 0, False)
    app.reqTickByTickData(9, stock("AAPL"), "AllLast", 0, False)
    app.reqHistoricalTicks(4, stock("AAPL"), "", "", 50, "TRADES", 0, True, [])  # refused: no time
    app.wait(lambda r: any(e[0] == 4 for e in r["errors"]), "error for request 4")
    app.wait(lambda r: r["last"] and r["bid_ask"], "the first ticks")
    print("subscribed", flush=True)
    sys.stdin.readline()  # the test moves the market
    app.wait(lambda r: len(r["last"]) >= 5, "five trades")
    app.wait(lambda r: len(r["bid_ask"]) >= 5, "five quotes")
    app.wait(lambda r: len(r["bars"]) >= 2, "two real-time bars")
    app.wait(lambda r: len(r["mid"]) >= 2, "two midpoints")
    app.wait(lambda r: sum(1 for t in r["last"] if t[0] == 9) >= 5, "five AllLast trades")
    app.cancelTickByTickData(1)
    app.cancelTickByTickData(2)
    app.cancelRealTimeBars(3)
    app.cancelTickByTickData(8)
    app.cancelTickByTickData(9)
    last_trades = [t for t in app.r["last"] if t[0] == 1]
    end = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(last_trades[-1][2] + 1))
    app.reqHistoricalTicks(5, stock("AAPL"), "", end, 100, "TRADES", 0, True, [])
    app.reqHistoricalTicks(6, stock("AAPL"), "", end, 100, "BID_ASK", 0, True, [])
    app.reqHistoricalTicks(7, stock("AAPL"), "", end, 100, "MIDPOINT", 0, True, [])
    app.wait(lambda r: r["hist_last"] and r["hist_bid_ask"] and r["hist_mid"], "historical ticks")
    app.finish()
    print(json.dumps(app.r))


if __name__ == "__main__":
    main()
