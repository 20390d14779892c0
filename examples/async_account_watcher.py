"""Watch an account with asyncio: net liquidation and cash every few seconds, and every order
status, fill and notice as it happens. Runs for IBWIRE_WATCH_SECONDS (default 30), or until Ctrl-C.

    python examples/async_account_watcher.py [HOST] [PORT]
"""

from __future__ import annotations

import asyncio
import os

from _connect import address, client_id

from ibwire import AsyncBroker, FillEvent, Notice, OrderEvent


async def print_events(broker: AsyncBroker) -> None:
    async for ev in broker.stream(OrderEvent, FillEvent, Notice):
        if isinstance(ev, OrderEvent):
            t = ev.ticket
            print(f"order {t.order_id}: {t.status}, filled {t.filled}")
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
    async with await AsyncBroker.connect(host, port, client_id=client_id(15)) as broker:
        print(f"watching {', '.join(broker.accounts)} (server version {broker.server_version})")
        tasks = [asyncio.create_task(print_events(broker)),
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
