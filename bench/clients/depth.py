# mypy: disable-error-code="no-untyped-call"
"""Depth benchmark clients: each subscribes to one SMART book and keeps it from the rows.

``python -m bench.clients.depth --client NAME --port P [--n N] [--rows R]``; NAME is

* ``ibwire_eclient`` -- ibwire's ``EClient`` / ``EWrapper`` (reader thread + ``run()``);
  ``updateMktDepthL2`` applies each row to two lists;
* ``ibwire_broker`` -- ``Broker.market_depth(..., smart=True)``: the Broker keeps its
  ``OrderBook`` (one ``DepthUpdate`` per row would go to listeners; there are none);
* ``ib_async_client`` -- ib_async 2.1's ``Client`` (its decoder) with a minimal wrapper whose
  ``updateMktDepthL2`` applies each row to two lists, as the EClient programs do;
* ``ib_async_ib`` -- ib_async 2.1's ``IB.reqMktDepth``: its wrapper keeps ``Ticker.domBids`` /
  ``domAsks`` (a dict by position, then lists, per row);
* ``official1051`` -- the official client 10.51 (run with its directory first on ``PYTHONPATH``),
  ``updateMktDepthL2`` as in the ibwire EClient program.

The window opens just before REQ_MKT_DEPTH is sent and closes when the sentinel CURRENT_TIME has
been handled (the Broker: when its book has applied every row). One JSON report on the last stdout
line: ``rows_handled``, the final ``bids`` / ``asks`` as ``[price, size, market maker]``,
``wall_s``, ``cpu_s``, ``msgs_per_s``, ``cpu_us_per_msg``, ``peak_rss_mb``, ``server_version``.
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
from bench.depth_stream import REQ_ID, ROWS, SENTINEL_EPOCH


class Book:
    """Two lists kept by row operations (insert shifts down, delete shifts up)."""

    __slots__ = ("sides", "n")

    def __init__(self) -> None:
        self.sides: tuple[list[list[Any]], list[list[Any]]] = ([], [])
        self.n = 0

    def apply(self, position: int, operation: int, side: int, price: float, size: Any,
              maker: str) -> None:
        self.n += 1
        rows = self.sides[side]
        if operation == 1:
            rows[position] = [price, size, maker]
        elif operation == 0:
            rows.insert(position, [price, size, maker])
        else:
            del rows[position]

    def report(self) -> dict[str, Any]:
        def rows(side: list[list[Any]]) -> list[list[Any]]:
            return [[p, float(s), m] for p, s, m in side]
        return {"rows_handled": self.n, "bids": rows(self.sides[1]), "asks": rows(self.sides[0])}


def run_ibwire_eclient(a: argparse.Namespace) -> None:
    from ibwire import EClient, EWrapper
    from ibwire.models import Contract

    class App(SentinelApp, EWrapper, EClient):
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)
            self.book = Book()
            self.meter = Meter()

        def nextValidId(self, orderId: Any) -> None:  # noqa: N802,N803
            self.meter.start()
            self.reqMktDepth(REQ_ID, Contract(symbol="AAPL", sec_type="STK", exchange="SMART",
                                              currency="USD"), a.rows, True, [])

        def updateMktDepthL2(self, reqId: Any, position: Any, marketMaker: Any,  # noqa: N802,N803
                             operation: Any, side: Any, price: Any, size: Any,
                             isSmartDepth: Any) -> None:  # noqa: N803
            self.book.apply(position, operation, side, price, size, marketMaker)

    app = App()
    run_to_sentinel(app, a, "ibwire EClient", app.book.report)


def run_ibwire_broker(a: argparse.Namespace) -> None:
    from ibwire import Broker, Stock

    with Broker.connect(a.host, a.port, client_id=a.client_id, timeout=60) as b:
        meter = Meter()
        meter.start()
        book = b.market_depth(Stock("AAPL"), rows=a.rows, smart=True)
        while book.updates < a.n:
            if not book.wait_update(60, after=book.updates) and book.updates < a.n:
                raise SystemExit(f"the book stopped at {book.updates} rows")
        meter.stop()
        rep = {"rows_handled": book.updates,
               "bids": [[r.price, float(r.size), r.market_maker] for r in book.bids],
               "asks": [[r.price, float(r.size), r.market_maker] for r in book.asks]}
        stream_report(meter, a.n, "ibwire Broker + OrderBook", b.server_version, rep)


async def _ib_async_client(a: argparse.Namespace) -> None:
    from ib_async.client import Client
    from ib_async.contract import Stock

    book = Book()

    class Wrapper(IbAsyncWrapper):
        def updateMktDepthL2(self, reqId: int, position: int, marketMaker: str,  # noqa: N802,N803
                             operation: int, side: int, price: float, size: float,
                             isSmartDepth: bool = False) -> None:  # noqa: N803
            book.apply(position, operation, side, price, size, marketMaker)

    w = Wrapper()
    c = Client(w)
    await c.connectAsync(a.host, a.port, a.client_id)
    done = w.expect_sentinel()
    meter = Meter()
    meter.start()
    c.reqMktDepth(REQ_ID, Stock("AAPL", "SMART", "USD"), a.rows, True, [])
    await done
    meter.stop()
    stream_report(meter, a.n, "ib_async Client", c.serverVersion(), book.report())
    c.disconnect()


async def _ib_async_ib(a: argparse.Namespace) -> None:
    from ib_async import IB, Stock

    ib = IB()
    await ib.connectAsync(a.host, a.port, clientId=a.client_id, timeout=60)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    counted = {"n": 0}
    wrapper = ib.wrapper
    apply_row = wrapper.updateMktDepthL2
    end_req = wrapper.currentTime

    def count_row(*args: Any) -> None:  # counts the rows ib_async applies (one call each)
        counted["n"] += 1
        apply_row(*args)

    def sentinel(time: int) -> None:
        if time == SENTINEL_EPOCH:
            if not done.done():
                done.set_result(None)
        else:
            end_req(time)

    wrapper.updateMktDepthL2 = count_row  # type: ignore[method-assign]
    wrapper.currentTime = sentinel  # type: ignore[method-assign]
    contract = Stock("AAPL", "SMART", "USD")
    contract.conId = 265598  # (ib_async keys its tickers by a qualified contract)
    meter = Meter()
    meter.start()
    t = ib.reqMktDepth(contract, numRows=a.rows, isSmartDepth=True)
    await done
    meter.stop()
    rep = {"rows_handled": counted["n"],
           "bids": [[d.price, float(d.size), d.marketMaker] for d in t.domBids],
           "asks": [[d.price, float(d.size), d.marketMaker] for d in t.domAsks]}
    stream_report(meter, a.n, "ib_async IB + Ticker.dom", ib.client.serverVersion(), rep)
    ib.disconnect()


def run_official1051(a: argparse.Namespace) -> None:
    EClient, Contract, EWrapper = official_1051()

    class App(SentinelApp, EWrapper, EClient):  # type: ignore[misc]
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)
            self.book = Book()
            self.meter = Meter()

        def nextValidId(self, orderId: int) -> None:  # noqa: N802,N803
            c = Contract()
            c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
            self.meter.start()
            self.reqMktDepth(REQ_ID, c, a.rows, True, [])

        def updateMktDepthL2(self, reqId: int, position: int, marketMaker: str,  # noqa: N802,N803
                             operation: int, side: int, price: float, size: Any,
                             isSmartDepth: bool) -> None:  # noqa: N803
            self.book.apply(position, operation, side, price, size, marketMaker)

        def error(self, *args: Any, **kwargs: Any) -> None: ...

    app = App()
    run_to_sentinel(app, a, "official client 10.51", app.book.report)


CLIENTS = {
    "ibwire_eclient": run_ibwire_eclient,
    "ibwire_broker": run_ibwire_broker,
    "ib_async_client": lambda a: asyncio.run(_ib_async_client(a)),
    "ib_async_ib": lambda a: asyncio.run(_ib_async_ib(a)),
    "official1051": run_official1051,
}


def main() -> None:
    run_stream_client("bench.clients.depth", CLIENTS, 100_000, {"rows": ROWS})


if __name__ == "__main__":
    main()
