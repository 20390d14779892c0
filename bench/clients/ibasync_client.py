# mypy: disable-error-code="no-untyped-call"
"""ib_async 2.1.0 ``Client``: its decoder and a minimal wrapper (decode + callbacks, no Tickers)."""

from __future__ import annotations

import asyncio
import logging
import time

from ib_async.client import Client
from ib_async.contract import Stock

from bench import burst
from bench.clients.common import (
    WARMUP_PINGS,
    IbAsyncWrapper,
    Meter,
    bids_in_order,
    emit,
    parse_args,
    rtt_report,
)


class Wrapper(IbAsyncWrapper):
    """The callbacks ib_async's Decoder needs for this workload, counting what arrives."""

    def __init__(self) -> None:
        self.n_price = 0
        self.n_size = 0
        self.bids: dict[int, float] = {}
        self.on_time: object = None

    def priceSizeTick(self, reqId: int, tickType: int, price: float, size: float) -> None:  # noqa: N802,N803
        self.n_price += 1
        if tickType == 1:
            self.bids[reqId] = price

    def tickSize(self, reqId: int, tickType: int, size: float) -> None:  # noqa: N802,N803
        self.n_size += 1

    def currentTime(self, time: int) -> None:  # noqa: N802
        if self.on_time is not None:
            self.on_time(time)  # type: ignore[operator]
        else:
            super().currentTime(time)


async def run_burst(a: object) -> None:
    w = Wrapper()
    c = Client(w)
    await c.connectAsync(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    done = w.expect_sentinel()
    ids = list(burst.DEFAULT_REQ_IDS)
    m = Meter()
    m.start()
    for r, s in zip(ids, burst.SYMBOLS):
        c.reqMktData(r, Stock(s, "SMART", "USD"), "", False, False, [])
    await done
    m.stop()
    emit(m.burst_report(a.n, {"1": w.n_price, "2": w.n_size}, bids_in_order(w.bids, ids),  # type: ignore[attr-defined]
                        client="ib_async Client", mode="burst", server_version=c.serverVersion()))
    c.disconnect()


def run_feed(a: object) -> None:
    """The whole burst handed to ib_async's protocol in one ``data_received`` call."""
    n = a.n  # type: ignore[attr-defined]
    data = burst.burst_bytes(n, burst.DEFAULT_REQ_IDS) + burst.sentinel_frame()
    w = Wrapper()
    hit: list[int] = []
    w.on_time = hit.append
    c = Client(w)
    c._serverVersion = 178  # what a real handshake sets; no socket here
    c.decoder.serverVersion = 178
    c._apiReady = True
    m = Meter()
    m.start()
    c.conn.data_received(data)
    m.stop()
    assert hit == [burst.SENTINEL_EPOCH], hit
    ids = list(burst.DEFAULT_REQ_IDS)
    emit(m.burst_report(n, {"1": w.n_price, "2": w.n_size}, bids_in_order(w.bids, ids),
                        client="ib_async Client", mode="feed"))


async def run_rtt(a: object) -> None:
    w = Wrapper()
    c = Client(w)
    c.MaxRequests = 0  # pacing off for 10,000 pings: the row says so
    await c.connectAsync(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    total = WARMUP_PINGS + a.count  # type: ignore[attr-defined]
    samples: list[int] = []
    clock = time.perf_counter_ns
    state = {"i": 0, "t0": 0}
    finished: asyncio.Future[None] = loop.create_future()

    def on_time(_t: int) -> None:
        t1 = clock()
        if state["i"] >= WARMUP_PINGS:
            samples.append(t1 - state["t0"])
        state["i"] += 1
        if state["i"] < total:
            state["t0"] = clock()
            c.reqCurrentTime()
        elif not finished.done():
            finished.set_result(None)

    w.on_time = on_time
    state["t0"] = clock()
    c.reqCurrentTime()
    await finished
    emit(rtt_report(samples, client="ib_async Client", mode="rtt", settings="MaxRequests=0 (pacing off)"))
    c.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibasync_client")
    if a.mode == "feed":
        run_feed(a)
    else:
        asyncio.run(run_burst(a) if a.mode == "burst" else run_rtt(a))


if __name__ == "__main__":
    main()
