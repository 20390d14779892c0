"""Order round trip with ib_async's IB against the paper gateway: ``placeOrder`` to Filled, sequential."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ib_async import IB, MarketOrder, Stock

from bench.clients.common import emit, parse_args, rtt_report

WARMUP_ORDERS = 20


async def run(a: Any) -> None:
    ib = IB()
    ib.client.MaxRequests = 0
    await ib.connectAsync(a.host, a.port, clientId=a.client_id, timeout=30)
    contract = Stock("AAPL", "SMART", "USD")
    samples: list[int] = []
    bad = 0
    stuck: list[str] = []
    clock = time.perf_counter_ns
    for i in range(WARMUP_ORDERS + a.count):
        t0 = clock()
        trade = ib.placeOrder(contract, MarketOrder("BUY" if i % 2 == 0 else "SELL", 100))
        try:
            while not trade.isDone():
                await asyncio.wait_for(trade.statusEvent, 30)
        except TimeoutError:
            stuck.append(f"order {trade.order.orderId}: {trade.orderStatus.status} "
                         f"{[(e.status, e.message, e.errorCode) for e in trade.log]}")
        t1 = clock()
        if trade.orderStatus.status != "Filled" or trade.orderStatus.filled != 100:
            bad += 1
        if i >= WARMUP_ORDERS:
            samples.append(t1 - t0)
    emit(rtt_report(samples, client="ib_async IB", mode="order-rtt", not_filled=bad,
                      stuck=stuck[:3]))
    ib.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)
    asyncio.run(run(parse_args("orders_ibasync")))


if __name__ == "__main__":
    main()
