"""Depth, option greeks and real-time bars follow replayed data (issue 18), through the Broker and
ib_async 2.1.

A gateway replays SPY 5-minute bars written in the test. At a bar's first second the replayed
quote is centred on the bar's open (bid one tick below, ask one tick above; docs/backtesting.md),
so the expected prices come from the file alone: the top of the depth book is open -/+ 0.01 and an
option's underlying price (TICK_OPTION_COMPUTATION's undPrice, the underlying's mid) is the open.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ibwire import Broker, Option, OrderBook, Stock
from ibwire.gateway import PaperGateway

from .conftest import WAIT_S

EXPIRY = "20261218"
# (start in New York, open, high, low, close): a quiet first bar, then a jump up, then down
BARS = [("2026-11-18 09:30:00-05:00", 580.00, 580.60, 579.70, 580.30),
        ("2026-11-18 09:35:00-05:00", 586.50, 587.20, 586.10, 586.80),
        ("2026-11-18 09:40:00-05:00", 574.20, 575.00, 573.80, 574.60)]
T0 = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


@pytest.fixture
def replaying(tmp_path: Path) -> Iterator[PaperGateway]:
    data = tmp_path / "SPY.csv"
    data.write_text("time,open,high,low,close,volume\n" + "".join(
        f"{t},{o:.2f},{h:.2f},{lo:.2f},{c:.2f},100000\n" for t, o, h, lo, c in BARS))
    with PaperGateway(port=0, tick_interval=None, data=[str(data)]) as gw:
        assert gw.market_time() == T0  # the data's start
        yield gw


@pytest.fixture
def broker(replaying: PaperGateway) -> Iterator[Broker]:
    with Broker.connect("127.0.0.1", replaying.port, client_id=3, timeout=WAIT_S) as b:
        yield b


def _top(book: OrderBook) -> tuple[float, float] | None:
    if not book.bids or not book.asks:
        return None
    return book.bids[0].price, book.asks[0].price


def test_the_depth_book_stands_on_the_replayed_quote(replaying: PaperGateway,
                                                     broker: Broker) -> None:
    book = broker.market_depth(Stock("SPY"), rows=5)
    ticker = broker.market_data(Stock("SPY"))
    for i, (_t, o, _h, _lo, _c) in enumerate(BARS):
        if i:
            replaying.step(300)  # to the next bar's first second
        top = (round(o - 0.01, 2), round(o + 0.01, 2))  # the open, a tick either side
        assert broker.wait_until(lambda top=top: _top(book) == top, WAIT_S), (i, _top(book))
        assert broker.wait_until(lambda top=top: (ticker.bid, ticker.ask) == top, WAIT_S)
        # the top rows carry the quote's sizes; the rows below step a tick at a time
        assert broker.wait_until(lambda: book.bids[0].size == ticker.bid_size
                                 and book.asks[0].size == ticker.ask_size, WAIT_S)
        assert [r.price for r in book.bids] == [round(top[0] - 0.01 * k, 2) for k in range(5)]
        assert [r.price for r in book.asks] == [round(top[1] + 0.01 * k, 2) for k in range(5)]
    # inside a bar the book follows the path: its top is the quote, within the bar's range
    replaying.step(150)
    q = replaying.call(lambda ex: ex.quote(ex.resolve(Stock("SPY"))[0].con_id))
    assert broker.wait_until(lambda: _top(book) == (q.bid, q.ask), WAIT_S)
    _t, _o, h, lo, _c = BARS[-1]
    assert lo - 0.02 <= q.bid < q.ask <= h + 0.02


def test_an_option_on_the_replayed_underlying_is_priced_from_it(replaying: PaperGateway,
                                                                broker: Broker) -> None:
    call = broker.market_data(Option("SPY", EXPIRY, 580, "C"))
    put = broker.market_data(Option("SPY", EXPIRY, 580, "P"))
    seen: list[tuple[float, float, float, float, float]] = []
    for i, (_t, o, _h, _lo, _c) in enumerate(BARS):
        if i:
            replaying.step(300)
        # the model's underlying price is the replayed one: the mid at the bar's first second
        assert broker.wait_until(
            lambda o=o: all(t.model_greeks is not None and t.model_greeks.und_price is not None
                            and round(t.model_greeks.und_price, 2) == o for t in (call, put)),
            WAIT_S), (i, call.model_greeks)
        cm, pm = call.model_greeks, put.model_greeks
        assert cm is not None and pm is not None
        assert None not in (cm.delta, cm.opt_price, pm.delta, pm.opt_price)
        seen.append((o, cm.delta, cm.opt_price, pm.delta, pm.opt_price))  # type: ignore[arg-type]
    (o0, cd0, cp0, pd0, pp0), (o1, cd1, cp1, pd1, pp1), (o2, cd2, cp2, pd2, pp2) = seen
    assert o1 > o0 > o2
    # up 6.50: the call's delta and price rise, the put's fall; down 12.30: the other way
    assert cd1 > cd0 > cd2 and cp1 > cp0 > cp2
    assert pd1 > pd0 > pd2 and pp1 < pp0 < pp2  # (a put's delta is negative: it rises to 0)
    assert 0 < cd2 < cd0 < cd1 < 1 and -1 < pd2 < pd0 < pd1 < 0
    # put-call parity holds on the model prices at each replayed price (with the carry)
    for o, _cd, cp, _pd, pp in seen:
        assert cp - pp == pytest.approx(o - 580, abs=3.0)


def test_ib_async_sees_the_replayed_depth_and_option_underlying(replaying: PaperGateway) -> None:
    ib_async = pytest.importorskip("ib_async")
    from ..interop.test_interop_ib_async import run_in_thread

    async def scenario(port: int) -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", port, clientId=11, timeout=10)
        spy = ib_async.Stock("SPY", "SMART", "USD")
        opt = ib_async.Option("SPY", EXPIRY, 580, "C", "SMART")
        await ib.qualifyContractsAsync(spy, opt)
        depth = ib.reqMktDepth(spy, 5)
        ticker = ib.reqMktData(opt)
        for _ in range(200):
            await ib.updateEvent
            greeks = ticker.modelGreeks
            if depth.domBids and depth.domAsks and greeks is not None and greeks.undPrice:
                break
        out = {"bid": depth.domBids[0].price, "ask": depth.domAsks[0].price,
               "und": ticker.modelGreeks.undPrice if ticker.modelGreeks else None}
        ib.disconnect()
        return out

    out = run_in_thread(lambda: scenario(replaying.port), 60.0)
    o = BARS[0][1]
    assert (out["bid"], out["ask"]) == (round(o - 0.01, 2), round(o + 0.01, 2))
    assert out["und"] is not None and round(out["und"], 2) == o


def test_realtime_bars_tile_the_replayed_bar(replaying: PaperGateway, broker: Broker) -> None:
    """The 60 five-second bars of a replayed 5-minute bar add up to it: the first opens at its
    open, the last closes at its close, their highs and lows reach its high and low, their
    volumes sum to its volume."""
    with broker.realtime_bars(Stock("SPY"), "TRADES") as stream:
        stream.timeout = WAIT_S
        broker.current_time()  # (the gateway has the request before the market moves)
        replaying.step(300)  # through the first bar
        bars = [next(stream) for _ in range(60)]
    _t, o, h, lo, c = BARS[0]
    assert [b.time for b in bars] == [datetime.fromtimestamp(T0.timestamp() + 5 * k, UTC)
                                      for k in range(60)]
    assert (bars[0].open, max(b.high for b in bars), min(b.low for b in bars),
            bars[-1].close) == (o, h, lo, c)
    assert sum(b.volume for b in bars) == 100000
