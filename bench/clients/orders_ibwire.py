"""Order round trip with ibwire's Broker against the paper gateway: submit to Filled, sequential.

Each order is a 100-share AAPL market order (BUY and SELL alternate, so the position stays flat);
the clock runs from ``submit_order`` to the moment the ticket shows status Filled.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bench.clients.common import emit, parse_args, rtt_report

try:
    from ibwire import Broker, MarketOrder, Stock
except Exception as exc:
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None

WARMUP_ORDERS = 20


def main() -> None:
    logging.disable(logging.CRITICAL)
    a: Any = parse_args("orders_ibwire")
    b = Broker.connect(a.host, a.port, a.client_id, timeout=30.0, max_rate=1_000_000.0)
    contract = Stock("AAPL")
    samples: list[int] = []
    bad = 0
    clock = time.perf_counter_ns
    for i in range(WARMUP_ORDERS + a.count):
        t0 = clock()
        ticket = b.submit_order(contract, MarketOrder("BUY" if i % 2 == 0 else "SELL", 100))
        ticket.wait_done(timeout=30.0)
        t1 = clock()
        if ticket.status != "Filled" or ticket.filled != 100:
            bad += 1
        if i >= WARMUP_ORDERS:
            samples.append(t1 - t0)
    emit(rtt_report(samples, client="ibwire Broker", mode="order-rtt", not_filled=bad,
                    settings="max_rate=1e6 (pacing off; the gateway's pacing is off too)"))
    b.disconnect()


if __name__ == "__main__":
    main()
