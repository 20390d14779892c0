"""Tick-level market data end to end: tick-by-tick Last and BidAsk, 5-second real-time bars and
historical ticks, through the Broker, the AsyncBroker, ibwire's EClient (typed and compat) and
ib_async 2.1 (at 178), against the gateway's tape. The market moves only through gateway.step();
every tick a client shows is compared with the gateway's own tape for that second."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ibwire import AsyncBroker, ContractError, MarketOrder, Stock
from ibwire.compat.client import EClient as CompatEClient
from ibwire.compat.wrapper import EWrapper as CompatEWrapper
from ibwire.gateway import PaperGateway
from ibwire.models.ticks import BidAskTick, LastTick, MidPointTick, RealtimeBar, epoch_time

from .conftest import AAPL, WAIT_S, EApp, run


def now_second(gateway: PaperGateway) -> int:
    return int(gateway.call(lambda ex: ex.market.step_second))


def tape(gateway: PaperGateway, first: int, last: int) -> list[tuple[int, float, Decimal]]:
    """Every trade the gateway printed for AAPL in seconds [first, last]."""
    return gateway.call(lambda ex: [(s, p, q) for s in range(first, last + 1)
                                    for p, q in ex.market.trades_at(AAPL, s)])


def quotes(gateway: PaperGateway, first: int, last: int) -> dict[int, tuple[float, float]]:
    return gateway.call(lambda ex: {s: ex.market.touch(AAPL, s)[:2]
                                    for s in range(first, last + 1)})


# --- Broker -------------------------------------------------------------------------------------

def test_broker_tick_by_tick_last_is_the_tape_and_shows_a_fill(gateway, broker):
    start = now_second(gateway)
    with broker.tick_by_tick(Stock("AAPL"), "Last") as ticks:
        ticks.timeout = WAIT_S
        first = next(ticks)  # the last trade before the subscription
        assert isinstance(first, LastTick) and first.time <= epoch_time(start)
        gateway.step(10)
        printed = tape(gateway, start + 1, start + 10)
        got = [next(ticks) for _ in printed]
        assert [(int(t.time.timestamp()), t.price, t.size) for t in got] == printed
        assert all(t.exchange == "NASDAQ" and not t.all_last for t in got)
        # a paper fill prints on the tape at its price and size
        ticket = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 7)).wait_done(WAIT_S)
        assert ticket.status == "Filled"
        gateway.step(1)
        fill = next(t for t in ticks if t.size == 7)
        assert fill.price == ticket.avg_fill_price


def test_broker_tick_by_tick_bid_ask_follows_the_quote(gateway, broker):
    start = now_second(gateway)
    with broker.tick_by_tick(Stock("AAPL"), "BidAsk", ignore_size=True) as ticks:
        ticks.timeout = WAIT_S
        broker.current_time()  # (the gateway has the request before the market moves)
        gateway.step(20)
        broker.current_time()  # everything stepped has been read
        shown = quotes(gateway, start, start + 20)
        items = list(ticks.items)
        assert items and all(isinstance(t, BidAskTick) for t in items)
        for t in items:
            assert (t.bid_price, t.ask_price) == shown[int(t.time.timestamp())]
            assert t.bid_price < t.ask_price and t.bid_size > 0 and t.ask_size > 0
        # ignore_size: a tick only when a price moved
        pairs = [(t.bid_price, t.ask_price) for t in items]
        assert all(a != b for a, b in zip(pairs, pairs[1:]))
    assert not ticks.active and ticks not in broker.live_streams


def test_broker_tick_by_tick_history_first_then_live(gateway, broker):
    start = now_second(gateway)
    with broker.tick_by_tick(Stock("AAPL"), "MidPoint", number_of_ticks=5) as ticks:
        ticks.timeout = WAIT_S
        history = [next(ticks) for _ in range(5)]
        assert all(isinstance(t, MidPointTick) and t.time <= epoch_time(start) for t in history)
        gateway.step(30)  # (the history came: the gateway has the request)
        live = next(ticks)
        assert live.time > epoch_time(start)


def test_broker_realtime_bars_equal_the_historical_5_second_bars(gateway, broker):
    with broker.realtime_bars(Stock("AAPL"), "TRADES") as bars:
        bars.timeout = WAIT_S
        broker.current_time()  # (the gateway has the request before the market moves)
        gateway.step(16)
        got = [next(bars), next(bars)]
    assert all(isinstance(b, RealtimeBar) for b in got)
    assert got[1].time - got[0].time == timedelta(seconds=5)
    end = got[1].time + timedelta(seconds=5)
    hist = broker.historical_bars(Stock("AAPL"), end=end, duration="10 S", bar_size="5 secs",
                                  use_rth=False)
    assert [(b.time, b.open, b.high, b.low, b.close, b.volume) for b in hist] == \
        [(b.time, b.open, b.high, b.low, b.close, b.volume) for b in got]


def test_broker_historical_ticks_page_past_1000_and_match_the_bars(gateway, broker):
    gateway.step(5)
    now = broker.current_time()
    ticks = broker.historical_ticks(Stock("AAPL"), end=now, count=2300)
    assert len(ticks) == 2300 and all(isinstance(t, LastTick) for t in ticks)
    times = [t.time for t in ticks]
    assert times == sorted(times) and times[-1] <= now
    first = int(times[0].timestamp())
    assert [(int(t.time.timestamp()), t.price, t.size) for t in ticks] == \
        tape(gateway, first, int(now.timestamp()))[-2300:]
    # a minute of ticks adds up to the minute's bar
    minute = (first // 60 + 1) * 60
    bar, = broker.historical_bars(Stock("AAPL"), end=epoch_time(minute + 60), duration="60 S",
                                  bar_size="1 min", use_rth=False)
    inside = [t for t in ticks if minute <= t.time.timestamp() < minute + 60]
    assert sum(t.size for t in inside) == bar.volume
    assert all(bar.low <= t.price <= bar.high for t in inside)
    # forward from a start, and the other kinds
    fwd = broker.historical_ticks(Stock("AAPL"), start=times[0], count=1200,
                                  what_to_show="BID_ASK")
    assert len(fwd) == 1200 and all(isinstance(t, BidAskTick) for t in fwd)
    assert fwd[0].time >= times[0]
    mids = broker.historical_ticks(Stock("AAPL"), end=now, count=10, what_to_show="MIDPOINT")
    assert len(mids) >= 10 and all(isinstance(t, MidPointTick) for t in mids)


def test_broker_errors_reach_the_stream_and_the_caller(gateway, broker):
    with broker.tick_by_tick(Stock("NOSUCH"), "Last") as bad:
        bad.timeout = WAIT_S
        with pytest.raises(ContractError):
            next(bad)
    streams = [broker.tick_by_tick(Stock("AAPL"), "BidAsk") for _ in range(5)]
    extra = broker.tick_by_tick(Stock("MSFT"), "Last")
    extra.timeout = WAIT_S
    with pytest.raises(Exception) as exc:
        next(extra)
    assert getattr(exc.value, "code", None) == 10190
    for s in streams:
        s.close()
    with pytest.raises(ValueError):
        broker.historical_ticks(Stock("AAPL"), count=10)  # neither start nor end
    with pytest.raises(ValueError):
        broker.tick_by_tick(Stock("AAPL"), "Trades")


def test_tick_by_tick_resubscribes_after_1101(gateway, broker):
    with broker.tick_by_tick(Stock("AAPL"), "Last") as ticks:
        ticks.timeout = WAIT_S
        next(ticks)
        old = ticks.req_id
        gateway.send_connectivity(1101)
        assert broker.wait_until(lambda: ticks.req_id != old, WAIT_S)
        start = now_second(gateway)
        gateway.step(3)
        t = next(ticks)
        while t.time <= epoch_time(start):
            t = next(ticks)
        assert t.time > epoch_time(start)


# --- AsyncBroker ----------------------------------------------------------------------------------

def test_async_broker_streams_ticks_bars_and_history(gateway):
    async def scenario() -> dict[str, Any]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            last = await b.tick_by_tick(Stock("AAPL"), "Last")
            bid_ask = await b.tick_by_tick(Stock("AAPL"), "BidAsk")
            bars = await b.realtime_bars(Stock("AAPL"), "MIDPOINT")
            await b.current_time()
            gateway.step(12)
            got: dict[str, Any] = {"last": [], "bid_ask": [], "bars": []}
            async for t in last:
                got["last"].append(t)
                if len(got["last"]) >= 5:
                    break
            async for q in bid_ask:
                got["bid_ask"].append(q)
                if len(got["bid_ask"]) >= 5:
                    break
            async for bar in bars:
                got["bars"].append(bar)
                if len(got["bars"]) >= 2:
                    break
            for s in (last, bid_ask, bars):
                await s.aclose()
            now = await b.current_time()
            got["hist"] = await b.historical_ticks(Stock("AAPL"), end=now, count=1500)
            return got

    got = run(scenario)
    assert all(isinstance(t, LastTick) for t in got["last"])
    assert all(isinstance(t, BidAskTick) and t.bid_price < t.ask_price for t in got["bid_ask"])
    assert [b.time.second % 5 for b in got["bars"]] == [0, 0]
    assert all(b.volume is None for b in got["bars"])  # MIDPOINT bars have no volume
    assert len(got["hist"]) == 1500
    assert [t for t in got["hist"] if t.time in {x.time for x in got["last"][1:]}]


# --- ibwire's EClient (typed) and compat ------------------------------------------------------------

class TickApp(EApp):
    pass


for _name in ("tickByTickAllLast", "tickByTickBidAsk", "tickByTickMidPoint", "realtimeBar",
              "historicalTicks", "historicalTicksBidAsk", "historicalTicksLast"):
    def _cb(self: EApp, *args: Any, _n: str = _name) -> None:
        self._record(_n, args)
    setattr(TickApp, _name, _cb)


@pytest.fixture
def tick_app(gateway: PaperGateway) -> Any:
    app = TickApp()
    app.connect("127.0.0.1", gateway.port, 3)
    thread = app.start_dispatcher()
    app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
    yield app
    app.disconnect()
    thread.join(WAIT_S)


def test_eclient_tick_by_tick_real_time_bars_and_historical_ticks(gateway, tick_app):
    app = tick_app
    start = now_second(gateway)
    contract = Stock("AAPL")
    app.reqTickByTickData(1, contract, "Last", 0, False)
    app.reqTickByTickData(2, contract, "BidAsk", 0, False)
    app.reqRealTimeBars(3, contract, 5, "TRADES", False, [])
    app.sync()
    gateway.step(11)
    printed = tape(gateway, start + 1, start + 11)
    app.wait(lambda: len(app.of("tickByTickAllLast", 1)) > len(printed), "the trades")
    got = [(a[2], a[3], a[4]) for a in app.of("tickByTickAllLast", 1)[1:]]
    assert got == printed
    assert all(a[1] == 1 and not a[5].past_limit for a in app.of("tickByTickAllLast", 1))
    app.wait(lambda: len(app.of("realtimeBar", 3)) >= 2, "two bars")
    rid, t, o, h, lo, c, volume, wap, count = app.of("realtimeBar", 3)[0]
    assert t % 5 == 0 and lo <= o <= h and count > 0 and volume > 0
    assert app.of("tickByTickBidAsk", 2)
    for _rid, _t, bid, ask, _bid_size, _ask_size, attrib in app.of("tickByTickBidAsk", 2):
        assert bid < ask and attrib.bid_past_low is False
    app.cancelTickByTickData(1)
    app.cancelTickByTickData(2)
    app.cancelRealTimeBars(3)
    app.reqHistoricalTicks(4, contract, "", "", 10, "TRADES", 1, True, [])  # neither start nor end
    app.reqHistoricalTicks(5, contract, "", epoch_time(start + 12).strftime("%Y%m%d-%H:%M:%S"),
                           100, "TRADES", 0, True, [])
    app.wait(lambda: bool(app.of("historicalTicksLast", 5)), "historical ticks")
    (rid, ticks, done), = app.of("historicalTicksLast", 5)
    assert done and len(ticks) >= 100
    assert [(t.time, t.price, t.size) for t in ticks[-len(printed):]] == printed
    assert [e[1] for e in app.errors(4)] == [321]


def test_compat_eclient_ports_an_ibapi_tick_program(gateway):
    """An ibapi program using reqTickByTickData runs by changing its imports."""
    import threading

    seen: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    cond = threading.Condition()

    class App(CompatEWrapper, CompatEClient):
        def __init__(self) -> None:
            CompatEWrapper.__init__(self)
            CompatEClient.__init__(self, self)

        def tickByTickBidAsk(self, reqId, time, bidPrice, askPrice, bidSize, askSize,
                             tickAttribBidAsk):
            with cond:
                seen.append((reqId, time, bidPrice, askPrice, bidSize, askSize,
                             tickAttribBidAsk.bidPastLow, tickAttribBidAsk.askPastHigh))
                cond.notify_all()

        def historicalTicksLast(self, reqId, ticks, done):
            with cond:
                history.append((reqId, ticks, done))
                cond.notify_all()

    from ibwire.compat.contract import Contract

    app = App()
    app.connect("127.0.0.1", gateway.port, 4)
    thread = app.start_dispatcher()
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    app.reqTickByTickData(9, c, "BidAsk", 0, False)
    app.reqHistoricalTicks(10, c, "", epoch_time(now_second(gateway)).strftime("%Y%m%d-%H:%M:%S"),
                           20, "TRADES", 0, True, [])
    with cond:
        assert cond.wait_for(lambda: bool(seen) and bool(history), WAIT_S)
    app.disconnect()
    thread.join(WAIT_S)
    req, t, bid, ask, bid_size, ask_size, low, high = seen[0]
    assert req == 9 and bid < ask and isinstance(bid_size, Decimal) and low is False
    (req, ticks, done), = history
    assert req == 10 and done and len(ticks) >= 20
    first = ticks[0]  # the official camelCase HistoricalTickLast
    assert type(first).__name__ == "HistoricalTickLast" and first.tickAttribLast.pastLimit is False
    assert isinstance(first.time, int) and first.price > 0 and first.exchange == "NASDAQ"


# --- ib_async 2.1 (at 178) -------------------------------------------------------------------------

def test_ib_async_tick_by_tick_real_time_bars_and_historical_ticks(gateway, ib_async_tools):
    tools = ib_async_tools
    ib_async = tools.ib_async
    start = now_second(gateway)

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=15, timeout=10)
        try:
            aapl, = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "SMART", "USD"))
            trades: list[Any] = []  # (a Ticker's tickByTicks hold one update's ticks only)
            quotes: list[Any] = []
            last = ib.reqTickByTickData(aapl, "Last")
            bid_ask = ib.reqTickByTickData(aapl, "BidAsk")
            assert last is bid_ask  # ib_async keeps one Ticker per contract

            def sort(t: Any) -> None:
                for x in t.tickByTicks:
                    (quotes if isinstance(x, ib_async.TickByTickBidAsk) else trades).append(x)
            last.updateEvent += sort
            bars = ib.reqRealTimeBars(aapl, 5, "TRADES", False)
            await ib.reqCurrentTimeAsync()
            gateway.step(11)
            await tools.until(ib, lambda: len(trades) >= 12, "the trades")
            await tools.until(ib, lambda: len(quotes) >= 3, "three quotes")
            await tools.until(ib, lambda: len(bars) >= 2, "two real-time bars")
            now = await ib.reqCurrentTimeAsync()
            hist = await ib.reqHistoricalTicksAsync(aapl, "", now, 100, "TRADES", False)
            ib.cancelTickByTickData(aapl, "Last")
            ib.cancelTickByTickData(aapl, "BidAsk")
            ib.cancelRealTimeBars(bars)
            return {"version": ib.client.serverVersion(),
                    # (ib_async stamps a tick-by-tick tick with its own clock: no TWS time)
                    "last": [(t.price, t.size) for t in trades],
                    "bid_ask": [(t.bidPrice, t.askPrice, t.bidSize) for t in quotes],
                    "bars": [(int(b.time.timestamp()), b.open_, b.high, b.low, b.close, b.volume)
                             for b in bars],
                    "hist": [(int(t.time.timestamp()), t.price, t.size) for t in hist]}
        finally:
            ib.disconnect()

    out = tools.run(scenario)
    assert out["version"] == 178
    printed = [(s, p, float(q)) for s, p, q in tape(gateway, start + 1, start + 11)]
    live = out["last"][1:]  # (the first: the last trade before the request)
    assert live == [(p, q) for _, p, q in printed][:len(live)] and len(live) >= 11
    assert all(bid < ask and size > 0 for bid, ask, size in out["bid_ask"])
    assert all(t % 5 == 0 and lo <= o <= h for t, o, h, lo, c, v in out["bars"])
    assert len(out["hist"]) >= 100 and out["hist"][-len(printed):] == printed
