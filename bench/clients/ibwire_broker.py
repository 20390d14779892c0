"""ibwire ``Broker`` with live ``Ticker`` objects (``broker.market_data(Stock(...))``).

Counting: the Ticker keeps one ``updates`` counter for all tick kinds, so the Broker's TICK_PRICE and
TICK_SIZE handlers are wrapped with a one-line counter (the same shim the ib_async IB script uses).
The end of the burst is observed with ``broker.current_time()``: the fake TWS answers it only after
the burst and its sentinel (a CURRENT_TIME), which completes the request on the reader thread.

Every mode connects with the defaults a user gets (pacing at 45 messages per second, default queue
bounds) unless ``--unpaced`` is given: the 10,000-ping round-trip table needs it (at the default
rate 10,000 requests take four minutes) and labels its row with the setting.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bench import burst
from bench.clients.common import (
    QUIET_S,
    WARMUP_PINGS,
    Meter,
    busy,
    emit,
    parse_args,
    peak_rss_mb,
    rss_now_mb,
    rtt_report,
)

try:
    from ibwire import Broker, Stock
    from ibwire.client.ticker import Ticker
    from ibwire.protocol.messages.market_data import TickPrice, TickSize
except Exception as exc:  # the runner reports the row as unavailable, never a number
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None

UNPACED = 1_000_000.0
"""``--unpaced`` only: the outgoing rate limit for the 10,000-ping round trips (not the default)."""


def connect(a: Any) -> Any:
    if a.unpaced:
        return Broker.connect(a.host, a.port, a.client_id, timeout=30.0, max_rate=UNPACED)
    return Broker.connect(a.host, a.port, a.client_id, timeout=30.0)  # the defaults


def settings(a: Any) -> str:
    return "max_rate=1e6 (pacing off)" if a.unpaced else "defaults"


def count_ticks(b: Any) -> dict[str, int]:
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
    return counts


def run_burst(a: Any) -> None:
    b = connect(a)
    counts = count_ticks(b)
    idle = rss_now_mb()
    m = Meter()
    m.start()
    tickers = [b.market_data(Stock(s)) for s in burst.SYMBOLS]
    end = b.current_time(timeout=600.0)
    m.stop()
    epoch = int(end.timestamp())
    assert epoch in (burst.SENTINEL_EPOCH, burst.PONG_EPOCH), end
    emit(m.burst_report(a.n, counts, [t.bid for t in tickers], client="ibwire Broker", mode="burst",
                        server_version=b.server_version, ticker_updates=sum(t.updates for t in tickers),
                        final_ask=[t.ask for t in tickers], final_last=[t.last for t in tickers],
                        idle_rss_mb=idle, settings=settings(a)))
    b.disconnect()


def run_slow(a: Any) -> None:
    """The burst with a slow ticker listener (``--listener-us`` per notification): memory over
    the idle process, and how long ``current_time()`` issued as the burst starts takes."""
    b = connect(a)
    counts = count_ticks(b)
    notified = [0]

    def listener(ev: object) -> None:
        if isinstance(ev, Ticker):
            notified[0] += 1
            busy(a.listener_us)

    if a.listener_us > 0:
        b.add_listener(listener)
    idle = rss_now_mb()
    m = Meter()
    m.start()
    tickers = [b.market_data(Stock(s)) for s in burst.SYMBOLS]
    t0 = time.perf_counter()
    end = b.current_time(timeout=600.0)  # answered once the burst and its sentinel are read
    reply_s = time.perf_counter() - t0
    m.stop()
    assert int(end.timestamp()) in (burst.SENTINEL_EPOCH, burst.PONG_EPOCH), end
    peak = peak_rss_mb()
    emit(m.burst_report(a.n, counts, [t.bid for t in tickers], client="ibwire Broker", mode="slow",
                        server_version=b.server_version,
                        ticker_updates=sum(t.updates for t in tickers),
                        listener_us=a.listener_us, listener_calls=notified[0],
                        current_time_reply_ms=reply_s * 1000.0, idle_rss_mb=idle,
                        rss_growth_mb=peak - idle, settings=settings(a)))
    b.disconnect()


def run_row(a: Any) -> None:
    """``--per-round`` calls of ``broker.current_time()`` back to back, in ``--rounds`` rounds."""
    b = connect(a)
    samples: list[int] = []
    clock = time.perf_counter_ns
    delayed = b.pacer.delayed
    for _ in range(a.rounds):
        time.sleep(QUIET_S)
        for _ in range(a.per_round):
            t0 = clock()
            b.current_time()
            samples.append(clock() - t0)
    emit(rtt_report(samples, client="ibwire Broker", mode="row", settings=settings(a),
                    pacer_delayed=b.pacer.delayed - delayed))
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
    emit(rtt_report(samples, client="ibwire Broker", mode="rtt", settings=settings(a)))
    b.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibwire_broker")
    if a.mode == "feed":
        raise SystemExit("feed mode is not offered for the Broker")
    {"burst": run_burst, "rtt": run_rtt, "row": run_row, "slow": run_slow}[a.mode](a)


if __name__ == "__main__":
    main()
