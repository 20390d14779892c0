# mypy: disable-error-code="no-untyped-call"
"""Tick-by-tick benchmark clients: each asks for AAPL's ``Last`` and ``BidAsk`` streams and tallies
every tick.

``python -m bench.clients.tbt --client NAME --port P [--n N]``; NAME is

* ``ibwire_eclient`` -- ibwire's ``EClient`` / ``EWrapper`` (reader thread + ``run()``);
  ``tickByTickAllLast`` / ``tickByTickBidAsk`` tally each tick;
* ``ibwire_broker`` -- ``Broker.tick_by_tick`` twice: two LiveStreams of typed ticks (aware
  datetimes), each read by a thread of its own;
* ``ib_async_client`` -- ib_async 2.1's ``Client`` (its decoder) with a minimal wrapper tallying
  each tick, as the EClient programs do;
* ``ib_async_ib`` -- ib_async 2.1's ``IB.reqTickByTickData``: its wrapper builds a
  ``TickByTickAllLast`` / ``TickByTickBidAsk`` per tick on the Ticker (tallied from the calls);
* ``official1051`` -- the official client 10.51 (its directory first on ``PYTHONPATH``), tallying
  as the ibwire EClient program does.

The window opens just before the requests are sent and closes when the sentinel CURRENT_TIME has
been handled (the Broker: when its streams have delivered every tick). One JSON report on the last
stdout line: ``trades``, ``quotes``, ``volume`` (sum of trade sizes), ``last`` ([time, price,
size]), ``quote`` ([time, bid, ask, bid size, ask size]), ``wall_s``, ``cpu_s``, ``msgs_per_s``,
``cpu_us_per_msg``, ``peak_rss_mb``, ``server_version``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench.clients.common import (
    IbAsyncWrapper,
    Meter,
    SentinelApp,
    official_1051,
    run_stream_client,
    run_to_sentinel,
    stream_report,
)
from bench.tbt_stream import BID_ASK_ID, LAST_ID, SENTINEL_EPOCH


class Tally:
    __slots__ = ("trades", "quotes", "volume", "last", "quote")

    def __init__(self) -> None:
        self.trades = self.quotes = self.volume = 0
        self.last: list[Any] = []
        self.quote: list[Any] = []

    def trade(self, time: Any, price: float, size: Any) -> None:
        self.trades += 1
        self.volume += int(size)
        self.last = [time, price, size]

    def bid_ask(self, time: Any, bid: float, ask: float, bid_size: Any, ask_size: Any) -> None:
        self.quotes += 1
        self.quote = [time, bid, ask, bid_size, ask_size]

    def report(self) -> dict[str, Any]:
        return {"trades": self.trades, "quotes": self.quotes, "volume": self.volume,
                "last": [0, self.last[1], float(self.last[2])] if self.last else [],
                "quote": ([0, self.quote[1], self.quote[2], float(self.quote[3]),
                           float(self.quote[4])] if self.quote else [])}


def run_ibwire_eclient(a: argparse.Namespace) -> None:
    from ibwire import EClient, EWrapper
    from ibwire.models import Contract

    class App(SentinelApp, EWrapper, EClient):
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)
            self.tally = Tally()
            self.meter = Meter()

        def nextValidId(self, orderId: Any) -> None:  # noqa: N802,N803
            c = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
            self.meter.start()
            self.reqTickByTickData(LAST_ID, c, "Last", 0, False)
            self.reqTickByTickData(BID_ASK_ID, c, "BidAsk", 0, False)

        def tickByTickAllLast(self, reqId: Any, tickType: Any, time: Any, price: Any,  # noqa: N802,N803
                              size: Any, tickAttribLast: Any, exchange: Any,  # noqa: N803
                              specialConditions: Any) -> None:  # noqa: N803
            self.tally.trade(time, price, size)

        def tickByTickBidAsk(self, reqId: Any, time: Any, bidPrice: Any, askPrice: Any,  # noqa: N802,N803
                             bidSize: Any, askSize: Any, tickAttribBidAsk: Any) -> None:  # noqa: N803
            self.tally.bid_ask(time, bidPrice, askPrice, bidSize, askSize)

    app = App()
    run_to_sentinel(app, a, "ibwire EClient", app.tally.report)


def run_ibwire_broker(a: argparse.Namespace) -> None:
    import threading

    from ibwire import Broker, Stock
    from ibwire.models.ticks import BidAskTick, LastTick

    with Broker.connect(a.host, a.port, client_id=a.client_id, timeout=60) as b:
        tally = Tally()
        meter = Meter()
        meter.start()
        last = b.tick_by_tick(Stock("AAPL"), "Last")
        quotes = b.tick_by_tick(Stock("AAPL"), "BidAsk")
        last.timeout = quotes.timeout = 60
        seen = [0, 0]
        total = {"n": a.n}

        def read_quotes() -> None:  # one thread per stream, as a program would read them
            for tick in quotes:
                assert isinstance(tick, BidAskTick)
                tally.bid_ask(tick.time, tick.bid_price, tick.ask_price, tick.bid_size,
                              tick.ask_size)
                seen[1] += 1
                if seen[0] + seen[1] >= total["n"]:
                    last.close()
                    break

        reader = threading.Thread(target=read_quotes, daemon=True)
        reader.start()
        for tick in last:
            assert isinstance(tick, LastTick)
            tally.trade(tick.time, tick.price, tick.size)
            seen[0] += 1
            if seen[0] + seen[1] >= total["n"]:
                quotes.close()
                break
        reader.join(60)
        if seen[0] + seen[1] < a.n:
            raise SystemExit(f"the streams stopped at {seen[0] + seen[1]} ticks")
        meter.stop()
        stream_report(meter, a.n, "ibwire Broker + LiveStreams", b.server_version, tally.report())


async def _ib_async_client(a: argparse.Namespace) -> None:
    from ib_async.client import Client
    from ib_async.contract import Stock

    tally = Tally()

    class Wrapper(IbAsyncWrapper):
        def tickByTickAllLast(self, reqId: int, tickType: int, time: int, price: float,  # noqa: N802,N803
                              size: float, tickAttribLast: Any, exchange: str,  # noqa: N803
                              specialConditions: str) -> None:  # noqa: N803
            tally.trade(time, price, size)

        def tickByTickBidAsk(self, reqId: int, time: int, bidPrice: float, askPrice: float,  # noqa: N802,N803
                             bidSize: float, askSize: float, tickAttribBidAsk: Any) -> None:  # noqa: N803
            tally.bid_ask(time, bidPrice, askPrice, bidSize, askSize)

    w = Wrapper()
    c = Client(w)
    await c.connectAsync(a.host, a.port, a.client_id)
    done = w.expect_sentinel()
    meter = Meter()
    meter.start()
    c.reqTickByTickData(LAST_ID, Stock("AAPL", "SMART", "USD"), "Last", 0, False)
    c.reqTickByTickData(BID_ASK_ID, Stock("AAPL", "SMART", "USD"), "BidAsk", 0, False)
    await done
    meter.stop()
    stream_report(meter, a.n, "ib_async Client", c.serverVersion(), tally.report())
    c.disconnect()


async def _ib_async_ib(a: argparse.Namespace) -> None:
    from ib_async import IB, Stock

    ib = IB()
    await ib.connectAsync(a.host, a.port, clientId=a.client_id, timeout=60)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    tally = Tally()
    wrapper = ib.wrapper
    on_last, on_quote, end_req = (wrapper.tickByTickAllLast, wrapper.tickByTickBidAsk,
                                  wrapper.currentTime)

    def count_last(reqId: int, tickType: int, time: int, price: float, size: float,  # noqa: N803
                   *rest: Any) -> None:
        tally.trade(time, price, size)
        on_last(reqId, tickType, time, price, size, *rest)

    def count_quote(reqId: int, time: int, bid: float, ask: float, bid_size: float,  # noqa: N803
                    ask_size: float, *rest: Any) -> None:
        tally.bid_ask(time, bid, ask, bid_size, ask_size)
        on_quote(reqId, time, bid, ask, bid_size, ask_size, *rest)

    def sentinel(time: int) -> None:
        if time == SENTINEL_EPOCH:
            if not done.done():
                done.set_result(None)
        else:
            end_req(time)

    wrapper.tickByTickAllLast = count_last  # type: ignore[method-assign]
    wrapper.tickByTickBidAsk = count_quote  # type: ignore[method-assign]
    wrapper.currentTime = sentinel  # type: ignore[method-assign]
    contract = Stock("AAPL", "SMART", "USD")
    contract.conId = 265598  # (ib_async keys its tickers by a qualified contract)
    meter = Meter()
    meter.start()
    ib.reqTickByTickData(contract, "Last")
    ib.reqTickByTickData(contract, "BidAsk")
    await done
    meter.stop()
    stream_report(meter, a.n, "ib_async IB + Ticker.tickByTicks", ib.client.serverVersion(), tally.report())
    ib.disconnect()


def run_official1051(a: argparse.Namespace) -> None:
    EClient, Contract, EWrapper = official_1051()

    class App(SentinelApp, EWrapper, EClient):  # type: ignore[misc]
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)
            self.tally = Tally()
            self.meter = Meter()

        def nextValidId(self, orderId: int) -> None:  # noqa: N802,N803
            c = Contract()
            c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
            self.meter.start()
            self.reqTickByTickData(LAST_ID, c, "Last", 0, False)
            self.reqTickByTickData(BID_ASK_ID, c, "BidAsk", 0, False)

        def tickByTickAllLast(self, reqId, tickType, time, price, size, tickAttribLast,  # noqa: N802,N803
                              exchange, specialConditions) -> None:  # noqa: N803
            self.tally.trade(time, price, size)

        def tickByTickBidAsk(self, reqId, time, bidPrice, askPrice, bidSize, askSize,  # noqa: N802,N803
                             tickAttribBidAsk) -> None:  # noqa: N803
            self.tally.bid_ask(time, bidPrice, askPrice, bidSize, askSize)

        def error(self, *args: Any, **kwargs: Any) -> None: ...

    app = App()
    run_to_sentinel(app, a, "official client 10.51", app.tally.report)


CLIENTS = {
    "ibwire_eclient": run_ibwire_eclient,
    "ibwire_broker": run_ibwire_broker,
    "ib_async_client": lambda a: asyncio.run(_ib_async_client(a)),
    "ib_async_ib": lambda a: asyncio.run(_ib_async_ib(a)),
    "official1051": run_official1051,
}


def main() -> None:
    run_stream_client("bench.clients.tbt", CLIENTS, 200_000)


if __name__ == "__main__":
    main()
