"""ibwire ``EClient`` / ``EWrapper`` (178 from the text fake, 226 in its protobuf mode): reader + ``run()``.

The same program shape as the ibapi script: two threads (ibwire's reader thread, ``run()`` in the
main thread), requests sent from ``nextValidId`` and the ``currentTime`` callback. Like the official
client, ibwire's EClient adds an implied ``tickSize`` after each BID/ASK/LAST ``tickPrice``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from bench import burst
from bench.clients.common import (
    QUIET_S,
    WARMUP_PINGS,
    Meter,
    bids_in_order,
    busy,
    emit,
    parse_args,
    peak_rss_mb,
    rss_now_mb,
    rtt_report,
)

try:
    from ibwire import EClient, EWrapper, Stock
except Exception as exc:  # the runner reports the row as unavailable, never a number
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None


class App(EWrapper, EClient):
    def __init__(self, mode: str, count: int, work_us: float = 0.0) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.mode = mode
        self.count = count
        self.work_us = work_us  # slow mode: busy work per tick callback
        self.idle_rss = 0.0
        self.round_done = threading.Event()
        self.in_round = 0
        self.meter = Meter()
        self.n_price = 0
        self.n_size = 0
        self.bids: dict[Any, Any] = {}
        self.got_sentinel = False
        self.samples: list[int] = []
        self.i = 0
        self.t0 = 0
        self.version: int | None = None
        self.errors: list[tuple[Any, ...]] = []

    def nextValidId(self, orderId: Any) -> None:  # noqa: N802,N803
        self.version = self.serverVersion()
        if self.mode in ("burst", "slow"):
            self.idle_rss = rss_now_mb()
            self.meter.start()
            for r, s in zip(burst.DEFAULT_REQ_IDS, burst.SYMBOLS):
                self.reqMktData(r, Stock(s), "", False, False, [])
        elif self.mode == "rtt":
            self.t0 = time.perf_counter_ns()
            self.reqCurrentTime()

    def error(self, *args: Any) -> None:
        self.errors.append(args)

    def tickPrice(self, reqId: Any, tickType: Any, price: Any, attrib: Any) -> None:  # noqa: N802,N803
        self.n_price += 1
        if tickType == 1:
            self.bids[reqId] = price
        if self.work_us:
            busy(self.work_us)

    def tickSize(self, reqId: Any, tickType: Any, size: Any) -> None:  # noqa: N802,N803
        self.n_size += 1
        if self.work_us:
            busy(self.work_us)

    def currentTime(self, time_: Any) -> None:  # noqa: N802
        if self.mode == "row":
            self.samples.append(time.perf_counter_ns() - self.t0)
            self.in_round += 1
            if self.in_round < self.count:
                self.t0 = time.perf_counter_ns()
                self.reqCurrentTime()
            else:
                self.round_done.set()
            return
        if self.mode != "rtt":
            if time_ == burst.SENTINEL_EPOCH:
                self.meter.stop()
                self.got_sentinel = True
                if self.mode in ("burst", "slow"):
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


def run_feed(a: Any) -> None:
    """The whole burst in one read: ibwire's sans-I/O Connection decodes it, the EClient's
    dispatcher delivers the callbacks (what the reader thread and ``run()`` do, minus the queue)."""
    from ibwire.protocol.connection import Connection, Role
    from ibwire.protocol.handshake import encode_server_hello

    data = burst.burst_bytes(a.n, burst.DEFAULT_REQ_IDS) + burst.sentinel_frame()
    app = App("feed", 0)
    conn = Connection(Role.CLIENT)
    conn.initiate()
    conn.receive_data(encode_server_hello(178))
    conn.start_api(a.client_id)
    conn.receive_data(burst.frame("15", "1", burst.ACCOUNT) + burst.frame("9", "1", "1001"))
    handlers = app._handlers()
    m = app.meter
    m.start()
    events = conn.receive_data(data)
    app._dispatch(events, handlers, None)  # type: ignore[arg-type]
    if not app.got_sentinel:
        raise SystemExit("sentinel not delivered")
    del events
    emit(m.burst_report(a.n, {"1": app.n_price, "2": app.n_size},
                        bids_in_order(app.bids, list(burst.DEFAULT_REQ_IDS)),
                        client="ibwire EClient", mode="feed", errors=app.errors[:5]))


def run_row(a: Any) -> None:
    """Rounds of ``--per-round`` REQ_CURRENT_TIME, each sent from the previous one's callback."""
    app = App("row", a.per_round)
    app.connect(a.host, a.port, a.client_id)
    if not app.isConnected():
        raise SystemExit(f"connect failed: {app.errors}")
    dispatcher = app.start_dispatcher()
    for _ in range(a.rounds):
        time.sleep(QUIET_S)
        app.round_done.clear()
        app.in_round = 0
        app.t0 = time.perf_counter_ns()
        app.reqCurrentTime()
        if not app.round_done.wait(30):
            raise SystemExit("a round did not finish")
    app.disconnect()
    dispatcher.join(5)
    emit(rtt_report(app.samples, client="ibwire EClient", mode="row", settings="defaults"))


def main() -> None:
    logging.disable(logging.CRITICAL)
    a = parse_args("ibwire_eclient")
    if a.mode == "feed":
        run_feed(a)
        return
    if a.mode == "row":
        run_row(a)
        return
    app = App(a.mode, a.count, a.listener_us if a.mode == "slow" else 0.0)
    app.connect(a.host, a.port, a.client_id)
    if not app.isConnected():
        raise SystemExit(f"connect failed: {app.errors}")
    app.run()
    if a.mode == "slow":
        if not app.got_sentinel:
            raise SystemExit(f"connection ended before the sentinel; errors: {app.errors[:5]}")
        peak = peak_rss_mb()
        emit(app.meter.burst_report(a.n, {"1": app.n_price, "2": app.n_size},
                                    bids_in_order(app.bids, list(burst.DEFAULT_REQ_IDS)),
                                    client="ibwire EClient", mode="slow", listener_us=a.listener_us,
                                    idle_rss_mb=app.idle_rss, rss_growth_mb=peak - app.idle_rss,
                                    settings="defaults", errors=app.errors[:5]))
        return
    if a.mode == "burst":
        if not app.got_sentinel:
            raise SystemExit(f"connection ended before the sentinel; errors: {app.errors[:5]}")
        emit(app.meter.burst_report(a.n, {"1": app.n_price, "2": app.n_size},
                                    bids_in_order(app.bids, list(burst.DEFAULT_REQ_IDS)),
                                    client="ibwire EClient", mode="burst", server_version=app.version,
                                    idle_rss_mb=app.idle_rss, errors=app.errors[:5]))
    else:
        emit(rtt_report(app.samples, client="ibwire EClient", mode="rtt"))


if __name__ == "__main__":
    main()
