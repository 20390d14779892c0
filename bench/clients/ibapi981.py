"""The official ibapi 9.81 (negotiates 157): EReader thread + ``run()`` loop, EWrapper callbacks.

Two-thread design as IB documents it: the reader thread frames bytes onto a queue, ``run()`` in the
main thread decodes and calls ``tickPrice`` / ``tickSize``. The official decoder also calls an
implied ``tickSize`` after each BID/ASK/LAST ``tickPrice``; the runner accepts that exact total.
"""

from __future__ import annotations

import logging
import time

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.wrapper import EWrapper

from bench import burst
from bench.clients.common import WARMUP_PINGS, Meter, bids_in_order, emit, parse_args, rtt_report


def stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol = symbol
    c.secType = "STK"
    c.exchange = "SMART"
    c.currency = "USD"
    return c


class App(EWrapper, EClient):  # type: ignore[misc]
    def __init__(self, mode: str, count: int) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.mode = mode
        self.count = count
        self.meter = Meter()
        self.n_price = 0
        self.n_size = 0
        self.bids: dict[int, float] = {}
        self.got_sentinel = False
        self.samples: list[int] = []
        self.i = 0
        self.t0 = 0
        self.version: int | None = None

    # --- session -------------------------------------------------------------------------------
    def nextValidId(self, orderId: int) -> None:  # noqa: N802,N803
        self.version = self.serverVersion()
        if self.mode == "burst":
            self.meter.start()
            for r, s in zip(burst.DEFAULT_REQ_IDS, burst.SYMBOLS):
                self.reqMktData(r, stock(s), "", False, False, [])
        else:
            self.t0 = time.perf_counter_ns()
            self.reqCurrentTime()

    def error(self, *args: object) -> None:
        pass

    # --- data ----------------------------------------------------------------------------------
    def tickPrice(self, reqId: int, tickType: int, price: float, attrib: object) -> None:  # noqa: N802,N803
        self.n_price += 1
        if tickType == 1:
            self.bids[reqId] = price

    def tickSize(self, reqId: int, tickType: int, size: int) -> None:  # noqa: N802,N803
        self.n_size += 1

    def currentTime(self, time_: int) -> None:  # noqa: N802
        if self.mode == "burst":
            if time_ == burst.SENTINEL_EPOCH:
                self.meter.stop()
                self.got_sentinel = True
                self.disconnect()
            return
        t1 = time.perf_counter_ns()
        if self.i >= WARMUP_PINGS:
            self.samples.append(t1 - self.t0)
        self.i += 1
        if self.i < WARMUP_PINGS + self.count:
            self.t0 = time.perf_counter_ns()
            self.reqCurrentTime()
        else:
            self.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibapi981")
    if a.mode == "feed":
        raise SystemExit("feed mode is not offered for ibapi")
    app = App(a.mode, a.count)
    app.connect(a.host, a.port, a.client_id)
    app.run()
    if a.mode == "burst":
        if not app.got_sentinel:
            raise SystemExit("connection ended before the sentinel")
        emit(app.meter.burst_report(a.n, {"1": app.n_price, "2": app.n_size},
                                    bids_in_order(app.bids, list(burst.DEFAULT_REQ_IDS)),
                                    client="ibapi 9.81", mode="burst", server_version=app.version))
    else:
        emit(rtt_report(app.samples, client="ibapi 9.81", mode="rtt"))


if __name__ == "__main__":
    main()
