"""ibwire ``Broker`` with live ``Ticker`` objects (``broker.market_data(Stock(...))``).

Counting: the Ticker keeps one ``updates`` counter for all tick kinds, so the Broker's TICK_PRICE and
TICK_SIZE handlers are wrapped with a one-line counter (the same shim the ib_async IB script uses).
The end of the burst is observed with ``broker.current_time()``: TWS answers it only after the
burst and its sentinel, and the one dispatcher thread handles events in order.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bench import burst
from bench.clients.common import WARMUP_PINGS, Meter, emit, parse_args, rtt_report

try:
    from ibwire import Broker, Stock
    from ibwire.protocol.messages.market_data import TickPrice, TickSize
except Exception as exc:  # the runner reports the row as unavailable, never a number
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None

UNPACED = 1_000_000.0
"""Outgoing rate limit for the benchmark: the fake TWS does not pace, 10,000 pings must not wait."""


def connect(a: Any) -> Any:
    return Broker.connect(a.host, a.port, a.client_id, timeout=30.0, max_rate=UNPACED)


def run_burst(a: Any) -> None:
    b = connect(a)
    counts = {"1": 0, "2": 0}
    handlers = b._handlers
    on_price = handlers[TickPrice]
    on_size = handlers[TickSize]

    def counted_price(msg: Any) -> None:
        counts["1"] += 1
        on_price(msg)

    def counted_size(msg: Any) -> None:
        counts["2"] += 1
        on_size(msg)

    handlers[TickPrice] = counted_price
    handlers[TickSize] = counted_size
    m = Meter()
    m.start()
    tickers = [b.market_data(Stock(s)) for s in burst.SYMBOLS]
    end = b.current_time(timeout=600.0)
    m.stop()
    epoch = int(end.timestamp())
    assert epoch in (burst.SENTINEL_EPOCH, burst.PONG_EPOCH), end
    emit(m.burst_report(a.n, counts, [t.bid for t in tickers], client="ibwire Broker", mode="burst",
                        server_version=b.server_version, ticker_updates=sum(t.updates for t in tickers),
                        final_ask=[t.ask for t in tickers], final_last=[t.last for t in tickers]))
    b.disconnect()


def run_rtt(a: Any) -> None:
    b = connect(a)
    samples: list[int] = []
    clock = time.perf_counter_ns
    for i in range(WARMUP_PINGS + a.count):
        t0 = clock()
        b.current_time()
        t1 = clock()
        if i >= WARMUP_PINGS:
            samples.append(t1 - t0)
    emit(rtt_report(samples, client="ibwire Broker", mode="rtt"))
    b.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibwire_broker")
    if a.mode == "feed":
        raise SystemExit("feed mode is not offered for the Broker")
    (run_burst if a.mode == "burst" else run_rtt)(a)


if __name__ == "__main__":
    main()
