"""ib_async 2.1.0 ``IB``: ``ib.reqMktData`` with live ``Ticker`` objects (the way most users stream).

Counting: ib_async's Ticker keeps no per-message count, so the wrapper's two tick entry points are
wrapped with a one-line counter (about 0.1 us per message, charged to ib_async). The end of the burst
is observed with ``ib.reqCurrentTime()``: the fake TWS answers it only after the burst and its
sentinel, and the first CURRENT_TIME that arrives (the sentinel) completes the request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ib_async import IB, Stock

from bench import burst
from bench.clients.common import QUIET_S, WARMUP_PINGS, Meter, emit, parse_args, rtt_report


async def run_burst(a: object) -> None:
    ib = IB()
    await ib.connectAsync(a.host, a.port, clientId=a.client_id, timeout=10)  # type: ignore[attr-defined]
    w = ib.wrapper
    counts = {"1": 0, "2": 0}
    price_tick = w.priceSizeTick
    size_tick = w.tickSize

    def counted_price(reqId: int, tickType: int, price: float, size: float) -> None:  # noqa: N803
        counts["1"] += 1
        price_tick(reqId, tickType, price, size)

    def counted_size(reqId: int, tickType: int, size: float) -> None:  # noqa: N803
        counts["2"] += 1
        size_tick(reqId, tickType, size)

    w.priceSizeTick = counted_price  # type: ignore[method-assign]
    w.tickSize = counted_size  # type: ignore[method-assign]
    contracts = [Stock(s, "SMART", "USD", conId=cid) for s, cid in zip(burst.SYMBOLS, burst.CON_IDS)]
    m = Meter()
    m.start()
    tickers = [ib.reqMktData(c) for c in contracts]
    sentinel = await ib.reqCurrentTimeAsync()
    m.stop()
    assert int(sentinel.timestamp()) == burst.SENTINEL_EPOCH, sentinel
    emit(m.burst_report(a.n, counts, [t.bid for t in tickers],  # type: ignore[attr-defined]
                        client="ib_async IB", mode="burst", server_version=ib.client.serverVersion(),
                        final_ask=[t.ask for t in tickers], final_last=[t.last for t in tickers]))
    ib.disconnect()


async def run_rtt(a: object) -> None:
    ib = IB()
    ib.client.MaxRequests = 0  # pacing off for 10,000 pings: the row says so
    await ib.connectAsync(a.host, a.port, clientId=a.client_id, timeout=10)  # type: ignore[attr-defined]
    samples: list[int] = []
    clock = time.perf_counter_ns
    for i in range(WARMUP_PINGS + a.count):  # type: ignore[attr-defined]
        t0 = clock()
        await ib.reqCurrentTimeAsync()
        t1 = clock()
        if i >= WARMUP_PINGS:
            samples.append(t1 - t0)
    emit(rtt_report(samples, client="ib_async IB", mode="rtt", settings="MaxRequests=0 (pacing off)"))
    ib.disconnect()


def run_row(a: Any) -> None:
    """Rounds of ``--per-round`` calls of the blocking ``IB.reqCurrentTime()``, ib_async's
    defaults (its own pacing on)."""
    ib = IB()
    ib.connect(a.host, a.port, clientId=a.client_id, timeout=10)
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(a.rounds):
        ib.sleep(QUIET_S)
        for _ in range(a.per_round):
            t0 = clock()
            ib.reqCurrentTime()
            samples.append(clock() - t0)
    emit(rtt_report(samples, client="ib_async IB", mode="row", settings="defaults"))
    ib.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibasync_ib")
    if a.mode == "feed":
        raise SystemExit("feed mode is not offered for ib_async IB")
    if a.mode == "row":
        run_row(a)
        return
    asyncio.run(run_burst(a) if a.mode == "burst" else run_rtt(a))


if __name__ == "__main__":
    main()
