"""ibwire inside asyncio programs, against the paper gateway.

* the sync Broker called from a coroutine, in the running loop's own thread (it never touches the
  loop: each call blocks that thread only, and the loop carries on afterwards);
* the sync Broker in worker threads while the loop keeps running its own tasks;
* an AsyncBroker inside an application that already runs its own loop (a loop in a background
  thread, as GUI frameworks and Jupyter kernels have), with several requests in flight at once.

Nothing here installs nest_asyncio or patches asyncio; the tests check that too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from datetime import date, datetime
from typing import Any

from ibwire import AsyncBroker, Broker, MarketOrder, Stock, Ticker
from ibwire.gateway import PaperGateway

from .conftest import AAPL, MSFT, WAIT_S, quote

_ASYNCIO_RUN = asyncio.run
_RUN_UNTIL_COMPLETE = asyncio.BaseEventLoop.run_until_complete
_POLICY = asyncio.get_event_loop_policy()


def assert_asyncio_untouched() -> None:
    assert "nest_asyncio" not in sys.modules
    assert asyncio.run is _ASYNCIO_RUN
    assert asyncio.BaseEventLoop.run_until_complete is _RUN_UNTIL_COMPLETE
    assert asyncio.get_event_loop_policy() is _POLICY


def test_sync_broker_inside_a_running_loops_thread(gateway: PaperGateway):
    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        beats: list[int] = []

        async def heartbeat() -> None:
            while True:
                beats.append(len(beats))
                await asyncio.sleep(0)

        task = loop.create_task(heartbeat())
        await asyncio.sleep(0)
        with Broker.connect("127.0.0.1", gateway.port, client_id=3, timeout=WAIT_S) as b:
            t = b.market_data(Stock("AAPL"))
            assert b.wait_until(lambda: t.bid is not None and t.ask is not None, WAIT_S)
            gateway.step(30)
            q = quote(gateway, AAPL)
            assert b.wait_until(lambda: (t.bid, t.ask) == (q.bid, q.ask), WAIT_S)
            out = {
                "quote": (t.bid, t.ask),
                "bars": b.historical_bars(Stock("AAPL"), duration="1 D", bar_size="1 hour",
                                          use_rth=False),
                "details": b.contract_details(Stock("MSFT")),
                "summary": b.account_summary(["NetLiquidation"]),
                "snapshot": b.snapshot(Stock("MSFT")),
                "completed": b.completed_orders(),
            }
        assert asyncio.get_running_loop() is loop
        before = len(beats)
        await asyncio.sleep(0.01)  # the loop still runs its tasks afterwards
        assert len(beats) > before
        task.cancel()
        return out

    out = asyncio.run(main())
    q = quote(gateway, AAPL)
    assert out["quote"] == (q.bid, q.ask)
    assert out["bars"] and all(isinstance(b.time, datetime) for b in out["bars"])
    assert out["details"][0].contract.con_id == MSFT
    assert out["summary"][0].value == "1000000.00"
    assert out["snapshot"].snapshot_done and out["completed"] == []
    assert_asyncio_untouched()


def test_sync_broker_in_worker_threads_while_a_loop_runs(gateway: PaperGateway):
    """Worker threads share one Broker while the loop keeps working: the loop moves the market
    when a worker asks it to, and the worker sees the ticks."""

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        moved = threading.Event()

        def watcher(b: Broker) -> tuple[float | None, float | None]:
            t = b.market_data(Stock("AAPL"))
            assert b.wait_until(lambda: t.ask is not None, WAIT_S)
            loop.call_soon_threadsafe(ready.set)  # ask the loop to move the market
            assert moved.wait(WAIT_S)
            q = quote(gateway, AAPL)
            assert b.wait_until(lambda: (t.bid, t.ask) == (q.bid, q.ask), WAIT_S)
            return t.bid, t.ask

        def bars(b: Broker) -> list[Any]:
            return b.historical_bars(Stock("MSFT"), duration="1 M", bar_size="1 day")

        def trade(b: Broker) -> str:
            ticket = b.submit_order(Stock("MSFT"), MarketOrder("BUY", 5))
            return ticket.wait_done(WAIT_S).status

        with Broker.connect("127.0.0.1", gateway.port, client_id=4, timeout=WAIT_S) as b:
            with concurrent.futures.ThreadPoolExecutor(3) as pool:
                jobs = [loop.run_in_executor(pool, fn, b) for fn in (watcher, bars, trade)]
                await asyncio.wait_for(ready.wait(), WAIT_S)
                await asyncio.to_thread(gateway.step, 45)
                moved.set()
                quote_seen, daily, status = await asyncio.wait_for(asyncio.gather(*jobs), WAIT_S)
            completed = await loop.run_in_executor(None, b.completed_orders)
        return {"quote": quote_seen, "daily": daily, "status": status, "completed": completed}

    out = asyncio.run(main())
    q = quote(gateway, AAPL)
    assert out["quote"] == (q.bid, q.ask)
    assert out["daily"] and all(type(b.time) is date for b in out["daily"])
    assert out["status"] == "Filled" and [c.status for c in out["completed"]] == ["Filled"]
    assert_asyncio_untouched()


def test_async_broker_inside_an_application_that_runs_its_own_loop(gateway: PaperGateway):
    loop = asyncio.new_event_loop()
    app_thread = threading.Thread(target=loop.run_forever, name="app-loop", daemon=True)
    app_thread.start()
    app_ticks: list[int] = []
    app_done = threading.Event()

    async def app_background() -> None:  # the application's own work on its loop
        while not app_done.is_set():
            app_ticks.append(len(app_ticks))
            await asyncio.sleep(0.001)

    async def use_ibwire() -> dict[str, Any]:
        assert asyncio.get_running_loop() is loop
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=8,
                                             timeout=WAIT_S) as b:
            # several requests in flight at once on the application's loop
            bars, details, summary, snap, ticker = await asyncio.gather(
                b.historical_bars(Stock("AAPL"), duration="1 D", bar_size="30 mins",
                                  use_rth=False),
                b.contract_details(Stock("MSFT")),
                b.account_summary(["NetLiquidation", "TotalCashValue"]),
                b.snapshot(Stock("MSFT")),
                b.market_data(Stock("AAPL")),
            )
            await b.wait_for(lambda: ticker.ask is not None and ticker.volume is not None, WAIT_S)

            # ticks as an async stream while the market moves
            updates: list[Ticker] = []

            async def watch() -> None:
                async for ev in b.stream(Ticker):
                    assert isinstance(ev, Ticker)
                    updates.append(ev)
                    q = quote(gateway, AAPL)
                    if (ev.bid, ev.ask, ev.last, ev.volume) == (q.bid, q.ask, q.last, q.volume):
                        return

            watcher = asyncio.ensure_future(watch())
            await asyncio.sleep(0)
            await asyncio.to_thread(gateway.step, 20)
            await asyncio.wait_for(watcher, WAIT_S)
            await b.cancel_market_data(ticker)
            return {"bars": bars, "details": details, "summary": summary, "snap": snap,
                    "ticker": (ticker.bid, ticker.ask), "updates": len(updates),
                    "same_loop": asyncio.get_running_loop() is loop}

    background = asyncio.run_coroutine_threadsafe(app_background(), loop)
    try:
        out = asyncio.run_coroutine_threadsafe(use_ibwire(), loop).result(60)
        # the application's own task kept running on its loop throughout
        n = len(app_ticks)
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01), loop).result(WAIT_S)
        assert len(app_ticks) > n > 0
    finally:
        app_done.set()  # the application's task ends before its loop stops
        background.result(WAIT_S)
        loop.call_soon_threadsafe(loop.stop)
        app_thread.join(WAIT_S)
        loop.close()

    q = quote(gateway, AAPL)
    assert out["same_loop"] and out["updates"] >= 1
    assert out["ticker"] == (q.bid, q.ask)
    assert out["bars"] and all(b.low <= b.high for b in out["bars"])
    assert out["details"][0].contract.con_id == MSFT
    assert {i.tag for i in out["summary"]} == {"NetLiquidation", "TotalCashValue"}
    assert out["snap"].snapshot_done and out["snap"].bid < out["snap"].ask
    assert_asyncio_untouched()


def test_two_async_brokers_on_one_loop(gateway: PaperGateway):
    async def main() -> tuple[Any, Any]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=9,
                                             timeout=WAIT_S) as a, \
                await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=10,
                                          timeout=WAIT_S) as b:
            return await asyncio.gather(a.snapshot(Stock("AAPL")), b.snapshot(Stock("AAPL")))

    one, two = asyncio.run(main())
    q = quote(gateway, AAPL)
    assert (one.bid, one.ask) == (two.bid, two.ask) == (q.bid, q.ask)
