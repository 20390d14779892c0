"""Watch an account with asyncio: net liquidation and cash every few seconds, the open orders of
every client, and every order status, fill and notice as it happens -- also of orders placed by
other clients. Runs for IBWIRE_WATCH_SECONDS (default 30), or until Ctrl-C.

    python examples/async_account_watcher.py [HOST] [PORT]

It connects as client id 0 (IBWIRE_CLIENT_ID to change) and asks for auto open orders: TWS then
binds the orders entered by hand in TWS to it and reports them live. The orders of other API
clients are reported live to the *Master API client ID* of TWS's API settings (set it to 0 to see
them here; the paper gateway reports them to client 0 once it asked for auto open orders). The
open orders of every client are listed at the start either way (``open_orders(all_clients=True)``).
"""

from __future__ import annotations

import asyncio
import os

from _connect import address, client_id

from ibwire import AsyncBroker, FillEvent, Notice, OrderEvent
from ibwire.client.streams import AsyncEventStream


async def print_events(events: AsyncEventStream) -> None:
    async for ev in events:
        if isinstance(ev, OrderEvent):
            t = ev.ticket
            print(f"client {t.order.client_id} order {t.order_id} ({t.order.action} "
                  f"{t.order.total_quantity} {t.contract.symbol}): {ev.status}, filled {ev.filled}")
        elif isinstance(ev, FillEvent):
            ex = ev.fill.execution
            print(f"fill: {ex.side} {ex.shares} {ev.fill.contract.symbol} at {ex.price}")
        elif isinstance(ev, Notice):
            print(f"notice {ev.code}: {ev.message}")


async def print_values(broker: AsyncBroker, every: float) -> None:
    last = None
    while True:
        for account in broker.accounts:
            values = {v.key: v.value for v in await broker.account_values(account)
                      if v.currency in ("USD", "BASE")}
            now = (values.get("NetLiquidation"), values.get("TotalCashValue"))
            if now != last:
                print(f"{account}: net liquidation {now[0]}, cash {now[1]}")
                last = now
        await asyncio.sleep(every)


async def main() -> None:
    host, port = address()
    seconds = float(os.environ.get("IBWIRE_WATCH_SECONDS", "30"))
    cid = client_id(0)
    async with await AsyncBroker.connect(host, port, client_id=cid) as broker:
        print(f"watching {', '.join(broker.accounts)} (server version {broker.server_version})")
        events = broker.stream(OrderEvent, FillEvent, Notice)  # from now on: nothing is missed
        if cid == 0:
            await broker.auto_open_orders()
        for t in await broker.open_orders(all_clients=True):
            print(f"open: client {t.order.client_id} order {t.order_id} {t.order.action} "
                  f"{t.order.total_quantity} {t.contract.symbol} {t.order.order_type}: {t.status}")
        tasks = [asyncio.create_task(print_events(events)),
                 asyncio.create_task(print_values(broker, every=2.0))]
        try:
            await asyncio.wait(tasks, timeout=seconds)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    print("done")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
