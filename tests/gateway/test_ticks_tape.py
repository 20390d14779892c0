"""The gateway's tape (gateway/tape.py, ticks_api.py): historical ticks agree with the historical bars
of the same seconds, TWS's limits hold (1,000 ticks per request, 5 tick-by-tick streams), bad
requests get TWS's errors, and replayed tick data comes back as it was recorded."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ibwire.gateway import PaperGateway
from ibwire.gateway.calendar import utc
from ibwire.gateway.market import Market
from ibwire.gateway.tape import MAX_TICKS, historical_ticks
from ibwire.models.contract import Contract
from ibwire.models.ticks import HistoricalTick, HistoricalTickBidAsk, HistoricalTickLast
from ibwire.protocol.messages.system import ErrMsg
from ibwire.protocol.messages.ticks import (
    HistoricalTicksLast,
    ReqHistoricalTicks,
    ReqRealTimeBars,
    ReqTickByTickData,
    TickByTick,
)

from ..conftest import WireClient

NY = ZoneInfo("America/New_York")
FRIDAY = datetime(2026, 11, 20, 14, 0, tzinfo=NY)  # inside regular hours
AAPL = 265598
STOCK = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")


@pytest.fixture
def market() -> Market:
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY, seed=7) as gw:
        yield gw.call(lambda ex: ex.market)


def test_trades_add_up_to_the_bars_of_their_seconds(market: Market) -> None:
    end = market.step_second
    ticks = historical_ticks(market, AAPL, "TRADES", None, end, 1000, False)
    assert 1000 <= len(ticks) < 1010 and all(isinstance(t, HistoricalTickLast) for t in ticks)
    assert [t.time for t in ticks] == sorted(t.time for t in ticks)
    first_minute = (ticks[0].time // 60 + 1) * 60
    bars = market.bars(AAPL, utc(end - end % 60), f"{end - end % 60 - first_minute} S", "1 min",
                       "TRADES", False)
    assert len(bars) >= 10
    for bar in bars:
        t0 = int(bar.time.timestamp())
        inside = [t for t in ticks if t0 <= (t.time or 0) < t0 + 60]
        assert sum(t.size for t in inside if t.size is not None) == bar.volume
        assert all(bar.low <= (t.price or 0) <= bar.high for t in inside)


def test_quotes_and_midpoints_change_tick_by_tick(market: Market) -> None:
    end = market.step_second
    quotes = historical_ticks(market, AAPL, "BID_ASK", None, end, 200, False)
    assert all(isinstance(q, HistoricalTickBidAsk) for q in quotes) and len(quotes) == 200
    for q in quotes:
        bid, ask, _ = market.touch(AAPL, q.time)
        assert (q.price_bid, q.price_ask) == (bid, ask)
    priced = historical_ticks(market, AAPL, "BID_ASK", None, end, 200, False, ignore_size=True)
    pairs = [(q.price_bid, q.price_ask) for q in priced if isinstance(q, HistoricalTickBidAsk)]
    assert all(a != b for a, b in zip(pairs, pairs[1:]))
    mids = historical_ticks(market, AAPL, "MIDPOINT", None, end, 50, False)
    values = [m.price for m in mids if isinstance(m, HistoricalTick)]
    assert len(values) == 50 and all(a != b for a, b in zip(values, values[1:]))


def test_a_request_returns_at_most_1000_ticks_and_never_the_future(market: Market) -> None:
    now = market.step_second
    assert MAX_TICKS == 1000
    back = historical_ticks(market, AAPL, "BID_ASK", None, now + 3600, 5000, False)
    assert len(back) == 1000 and max(t.time or 0 for t in back) <= now
    fwd = historical_ticks(market, AAPL, "TRADES", now - 120, None, 1000, False)
    assert fwd and max(t.time or 0 for t in fwd) <= now and min(t.time or 0 for t in fwd) >= now - 120


def test_regular_hours_only_with_use_rth(market: Market) -> None:
    monday_open = int(datetime(2026, 11, 16, 9, 30, tzinfo=NY).timestamp())
    ticks = historical_ticks(market, AAPL, "TRADES", None, monday_open + 30, 100, True)
    assert len(ticks) >= 100
    cal = market.calendar(AAPL)
    assert all(cal.session_at(t.time or 0, liquid=True) is not None for t in ticks)
    assert min(t.time or 0 for t in ticks) < monday_open  # back into Friday's regular hours


def _client(gw: PaperGateway) -> WireClient:
    c = WireClient(gw.port)
    c.handshake()
    c.start(9)
    return c


def test_tws_errors_for_bad_requests_and_the_stream_limit() -> None:
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY) as gw:
        c = _client(gw)
        c.drain()
        c.send(ReqHistoricalTicks(1, STOCK, None, None, 10, "TRADES"))
        c.send(ReqHistoricalTicks(2, STOCK, "20261120 10:00:00 US/Eastern", None, 10, "BIDS"))
        c.send(ReqHistoricalTicks(3, Contract(symbol="NOSUCH", sec_type="STK"),
                                  "20261120 10:00:00 US/Eastern", None, 10, "TRADES"))
        c.send(ReqHistoricalTicks(4, Contract(symbol="EUR", sec_type="CASH", currency="USD",
                                              exchange="IDEALPRO"),
                                  "20261120 10:00:00 US/Eastern", None, 10, "TRADES"))
        c.send(ReqRealTimeBars(5, STOCK, 10, "TRADES"))
        c.send(ReqTickByTickData(6, STOCK, "Trades"))
        for i in range(7):
            c.send(ReqTickByTickData(10 + i, STOCK, "BidAsk"))
        got = c.sync()
        errors = {e.req_id: e.error_code for e in got if isinstance(e, ErrMsg)}
        assert errors == {1: 321, 2: 321, 3: 200, 4: 162, 5: 321, 6: 321, 15: 10190, 16: 10190}
        streams = {m.req_id for m in got if isinstance(m, TickByTick)}
        assert streams == {10, 11, 12, 13, 14}


def test_replayed_ticks_print_as_recorded(tmp_path: Path) -> None:
    start = datetime(2026, 11, 20, 10, 0, tzinfo=NY)
    rows = [(start + timedelta(seconds=s // 2, milliseconds=(s % 2) * 500), 230.0 + s * 0.01,
             100 + s) for s in range(40)]
    path = tmp_path / "AAPL.csv"
    path.write_text("time,price,size\n" + "".join(
        f"{t.isoformat()},{p:.2f},{q}\n" for t, p, q in rows))
    with PaperGateway(port=0, tick_interval=None, data=[path]) as gw:
        gw.step(25)
        c = _client(gw)
        c.drain()
        c.send(ReqHistoricalTicks(1, STOCK, None, "20261120-15:00:30", 1000, "TRADES"))
        (hist,) = [m for m in c.sync() if isinstance(m, HistoricalTicksLast)]
    want = [(int(t.timestamp()), round(p, 2), Decimal(q)) for t, p, q in rows]
    assert [(t.time, t.price, t.size) for t in hist.ticks] == want


def test_replayed_ticks_stream_tick_by_tick(tmp_path: Path) -> None:
    """Replayed data drives the live tape too: a Last stream prints the recorded trades."""
    start = datetime(2026, 11, 20, 10, 0, tzinfo=NY)
    rows = [(start + timedelta(seconds=s), 230.0 + s * 0.01, 100 + s) for s in range(30)]
    path = tmp_path / "AAPL.csv"
    path.write_text("time,price,size\n" + "".join(
        f"{t.isoformat()},{p:.2f},{q}\n" for t, p, q in rows))
    with PaperGateway(port=0, tick_interval=None, data=[path]) as gw:
        gw.step(5)
        c = _client(gw)
        c.drain()
        c.send(ReqTickByTickData(1, STOCK, "Last"))
        first = [m for m in c.sync() if isinstance(m, TickByTick)]
        gw.step(10)
        later = [m for m in c.sync() if isinstance(m, TickByTick)]
    got = [(m.last.time, m.last.price, m.last.size) for m in first + later if m.last is not None]
    want = [(int(t.timestamp()), round(p, 2), Decimal(q)) for t, p, q in rows]
    assert got == want[5:16]  # the last trade before the request, then every one after it


def test_at_speed_max_a_tick_by_tick_reader_gets_every_replayed_trade(tmp_path: Path) -> None:
    """At speed "max" the clock runs while a tick-by-tick stream is open and waits for its reader:
    a Broker reading the tape of a replayed file sees every recorded trade, in order."""
    from ibwire import Broker, Stock

    start = datetime(2026, 11, 20, 10, 0, tzinfo=NY)
    rows = [(start + timedelta(seconds=2 * s), 230.0 + (s % 7) * 0.01, 100 + s)
            for s in range(300)]
    path = tmp_path / "AAPL.csv"
    path.write_text("time,price,size\n" + "".join(
        f"{t.isoformat()},{p:.2f},{q}\n" for t, p, q in rows))
    with PaperGateway(port=0, speed="max", data=[path]) as gw, \
            Broker.connect("127.0.0.1", gw.port, client_id=3, timeout=10) as broker:
        with broker.tick_by_tick(Stock("AAPL"), "Last") as ticks:
            ticks.timeout = 10
            got = []
            for t in ticks:
                got.append((int(t.time.timestamp()), t.price, t.size))
                if got[-1][0] >= int(rows[-1][0].timestamp()):
                    break
    want = [(int(t.timestamp()), round(p, 2), Decimal(q)) for t, p, q in rows]
    assert got == want[-len(got):] and len(got) >= len(want) - 1
