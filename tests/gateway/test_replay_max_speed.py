"""Recorded data at ``speed="max"`` (issue 18): the clock as fast as the clients keep up.

* an ib_async 2.1 moving-average bot runs over a month of 5-minute bars and its fills (price and
  time), positions, PnL and the report match a hand computation from the CSV (react="sync");
* the default react window (every message restarts it: a slow bracket), react="sync" with bars
  shorter than a minute, and a client that never stops sending: orders sent on a new bar fill at
  its open +/- one tick;
* a slow client (sleeping in its tick handler) receives every tick;
* the clock waits for a subscriber and stops at the end of the data;
* the guide's ``ibwire gateway --data ... --speed max --report`` command, run as a process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ibwire import LimitOrder, MarketOrder, Stock, StopOrder
from ibwire.gateway import PaperGateway, fastclock
from ibwire.gateway.replay import DATA_ENDED_CODE
from ibwire.protocol.messages.executions import ExecutionData
from ibwire.protocol.messages.historical import HistoricalDataUpdate, ReqHistoricalData
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import ErrMsg, ReqCurrentTime

from ..conftest import WireClient
from ..interop.test_interop_ib_async import run_in_thread
from .test_replay import _BARS, NY, _record, _rows, _write

# --- ib_async at speed max ----------------------------------------------------------------------

_run = run_in_thread  # ib_async owns its loop in a fresh thread (tests/interop)


@pytest.fixture
def quiet_ib_async() -> Iterator[None]:
    logger = logging.getLogger("ib_async")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


FAST, SLOW = 10, 30



def _start(c: WireClient, client_id: int) -> None:
    """Handshake and START_API: the session is ready."""
    c.handshake()
    c.start(client_id)


def _subscribe_bars(c: WireClient, bar_size: str = "1 min", *, duration: str = "1 D",
                    format_date: int = 2) -> None:
    """AAPL's TRADES bars of the regular session, kept up to date (request id 3): what makes the
    max-speed clock hold at each new bar."""
    c.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                             duration_str=duration, bar_size_setting=bar_size,
                             what_to_show="TRADES", use_rth=True, format_date=format_date,
                             keep_up_to_date=True))

def _cross(closes: list[float]) -> int:
    """+1 when the fast average crossed above the slow one at the last close, -1 below, else 0."""
    if len(closes) < SLOW + 1:
        return 0
    f0, s0 = sum(closes[-FAST - 1:-1]) / FAST, sum(closes[-SLOW - 1:-1]) / SLOW
    f1, s1 = sum(closes[-FAST:]) / FAST, sum(closes[-SLOW:]) / SLOW
    return 1 if f0 <= s0 and f1 > s1 else -1 if f0 >= s0 and f1 < s1 else 0


def _hand_fills(rows: list[dict[str, str]]) -> list[tuple[str, float, datetime]]:
    """The MA-cross bot's fills computed from the CSV alone: the signal at each bar's start from
    the closes of the bars before it; a market order sent then fills at that bar's open plus one
    tick (a buy) or minus one tick (a sell), the quote the gateway shows at a bar's first second
    (docs/backtesting.md); still long at the end: sold at the last close minus one tick when the
    data ends (a bar after the last bar's start)."""
    tick = 0.01  # a US stock's price grid
    closes = [float(r["close"]) for r in rows]
    out: list[tuple[str, float, datetime]] = []
    long = False
    for j in range(1, len(rows)):
        s = _cross(closes[:j])
        start = datetime.fromisoformat(rows[j]["time"])
        if s > 0 and not long:
            out.append(("BOT", round(float(rows[j]["open"]) + tick, 2), start))
            long = True
        elif s < 0 and long:
            out.append(("SLD", round(float(rows[j]["open"]) - tick, 2), start))
            long = False
    if long:
        end = datetime.fromisoformat(rows[-1]["time"]) + timedelta(minutes=5)
        out.append(("SLD", round(closes[-1] - tick, 2), end))
    return out


async def _ma_bot(ib_async: Any, port: int, sync: bool) -> dict[str, Any]:
    """An ordinary ib_async bar bot: a market order on each cross of the 10- and 30-bar
    averages of the completed 5-minute bars. ``sync``: it answers each new bar with
    reqCurrentTime after its order (the gateway's react="sync" rule)."""
    ib = ib_async.IB()
    # ib_async sends at most 45 requests a second by default; a month of bars answered at max
    # speed is far more (the gateway does not pace at max)
    ib.client.MaxRequests = 0
    await ib.connectAsync("127.0.0.1", port, clientId=7, timeout=10)
    ended = asyncio.Event()
    ib.errorEvent += lambda req_id, code, text, contract: (
        ended.set() if code == DATA_ENDED_CODE else None)
    contract = ib_async.Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(contract)
    long = False
    bars = await ib.reqHistoricalDataAsync(contract, "", "1 D", "5 mins", "TRADES",
                                           useRTH=True, keepUpToDate=True)

    def on_bar(bars: Any, has_new_bar: bool) -> None:
        nonlocal long
        if not has_new_bar:
            return
        signal = _cross([b.close for b in bars[:-1]])  # the bars that completed
        if signal > 0 and not long:
            ib.placeOrder(contract, ib_async.MarketOrder("BUY", 100))
            long = True
        elif signal < 0 and long:
            ib.placeOrder(contract, ib_async.MarketOrder("SELL", 100))
            long = False
        if sync:
            ib.client.reqCurrentTime()  # "done with this bar"

    bars.updateEvent += on_bar
    await asyncio.wait_for(ended.wait(), 100)
    if long:  # flat at the end, at the held last price
        trade = ib.placeOrder(contract, ib_async.MarketOrder("SELL", 100))
        while not trade.isDone():
            await trade.statusEvent
    while any(f.commissionReport.commission == 0 for f in ib.fills()):
        await ib.commissionReportEvent
    out = {"bars": [(b.date, b.close) for b in bars],
           "fills": [(f.execution.side, float(f.execution.shares), f.execution.price,
                      f.execution.time, f.commissionReport.commission,
                      f.commissionReport.realizedPNL) for f in ib.fills()]}
    ib.disconnect()
    return out


def test_a_moving_average_bot_backtests_a_month_at_max_speed(tmp_path: Path,
                                                              quiet_ib_async: None) -> None:
    """Exact fills, whatever the machine's load: react="sync" holds the clock at each new bar
    until the bot says it is done, so its orders are matched at the bar's first second."""
    ib_async = pytest.importorskip("ib_async")
    recorded = _record(tmp_path, "1 M")
    rows = _rows(recorded)
    assert len(rows) > 20 * 78  # a month of regular sessions
    report = tmp_path / "run.csv"

    with PaperGateway(port=0, speed="max", data=[str(recorded)], report=str(report),
                      react="sync") as gw:
        out = _run(lambda: _ma_bot(ib_async, gw.port, sync=True), 120.0)
        # the gateway settles accounts every few market minutes; make it report now
        values = gw.call(lambda ex: {v.key: v.value for v in ex.account_values("DU1234567")
                                     if v.currency in ("USD", "BASE", "")})
        positions = gw.call(lambda ex: [(p.contract.symbol, float(p.position or 0))
                                        for p in ex.positions()])

    # the bot saw every bar of the month as recorded
    assert [round(c, 2) for _d, c in out["bars"]] == [float(r["close"]) for r in rows]
    # its fills are the hand computation's, price and time
    expected = _hand_fills(rows)
    assert len(expected) >= 4  # (the month crosses a few times)
    fills = out["fills"]
    assert [(f[0], f[2], f[3]) for f in fills] == expected
    assert all(f[1] == 100 for f in fills)
    # PnL by hand: what the sales brought minus what the purchases cost minus $1.00 a fill
    # (100 shares at 0.005 is below the 1.00 minimum)
    assert all(f[4] == 1.0 for f in fills)
    pnl = round(sum(100 * p * (1 if side == "SLD" else -1) for side, p, _t in expected)
                - len(expected), 2)
    # each closing fill realizes its round trip net of both commissions
    trips = [round(100 * (sell[1] - buy[1]) - 2, 2) for buy, sell
             in zip(expected[::2], expected[1::2], strict=True)]
    assert [round(f[5], 2) for f in fills if f[0] == "SLD"] == trips
    assert round(sum(trips), 2) == pnl
    assert positions == [("AAPL", 0.0)]
    assert float(values["RealizedPnL"]) == pytest.approx(pnl, abs=0.005)
    assert float(values["NetLiquidation"]) == pytest.approx(1_000_000 + pnl, abs=0.005)
    # the report says the same
    pnl_rows = _rows(report)
    total = next(r for r in pnl_rows if r["symbol"] == "TOTAL")
    assert float(total["total_pnl"]) == pytest.approx(pnl, abs=0.005)
    fill_rows = _rows(tmp_path / "run.fills.csv")
    assert [(r["side"], float(r["price"])) for r in fill_rows] == [(s, p) for s, p, _t in expected]
    equity = _rows(tmp_path / "run.equity.csv")
    assert len(equity) > 20 * 78  # a sample per 5 minutes of market time, at least
    assert float(equity[-1]["equity"]) == pytest.approx(1_000_000 + pnl, abs=0.005)


def test_with_the_default_react_window_an_order_sent_on_a_new_bar_fills_at_its_open(
        tmp_path: Path) -> None:
    """The window rule (no cooperation from the bot): the clock holds at a new bar's first
    second until nobody has sent anything for ``react`` seconds. The test's window is 2 s: its
    client answers as soon as it reads the bar, so only a 2-second stall of the machine could
    make the order miss the held second."""
    data = _write(tmp_path / "AAPL.csv", "time,open,high,low,close,volume",
                  "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
                  "2026-11-18 09:31:00-05:00,100.25,100.60,100.10,100.50,5000",
                  "2026-11-18 09:32:00-05:00,100.45,100.70,100.30,100.60,5000")
    with PaperGateway(port=0, speed="max", data=[str(data)], react=2.0) as gw:
        c = WireClient(gw.port)
        try:
            _start(c, 1)
            _subscribe_bars(c)
            fills = []
            for order_id, (action, when) in enumerate(
                    [("BUY", "2026-11-18 09:31:00-05:00"), ("SELL", "2026-11-18 09:32:00-05:00")],
                    start=1):
                start = str(int(datetime.fromisoformat(when).timestamp()))
                c.expect(HistoricalDataUpdate, lambda m, s=start: m.bar.date == s)
                c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"),
                                  order=MarketOrder(action, 100)))
                fills.append(c.expect(ExecutionData, lambda m, i=order_id: m.execution.order_id
                                      == i).execution)
        finally:
            c.close()
    assert [(e.side, e.price, e.time) for e in fills] == [
        ("BOT", 100.26, datetime(2026, 11, 18, 14, 31, tzinfo=timezone.utc)),   # open + a tick
        ("SLD", 100.44, datetime(2026, 11, 18, 14, 32, tzinfo=timezone.utc))]   # open - a tick


def test_every_message_restarts_the_window_so_a_slow_bracket_lands_in_the_held_second(
        tmp_path: Path) -> None:
    """A bracket sent slowly on a new bar: 1.2 s between its orders, a 2-second window. The
    parent is transmitted only with the last child, 2.4 s after the bar began -- longer than one
    window, so its fill at the bar's open (and start) shows each order restarted the window."""
    data = _write(tmp_path / "AAPL.csv", "time,open,high,low,close,volume",
                  "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
                  "2026-11-18 09:31:00-05:00,100.25,100.60,100.10,100.50,5000")
    with PaperGateway(port=0, speed="max", data=[str(data)], react=2.0) as gw:
        c = WireClient(gw.port)
        try:
            _start(c, 1)
            _subscribe_bars(c)
            start = str(int(datetime(2026, 11, 18, 14, 31, tzinfo=timezone.utc).timestamp()))
            c.expect(HistoricalDataUpdate, lambda m: m.bar.date == start)
            parent = MarketOrder("BUY", 100, transmit=False)
            profit = LimitOrder("SELL", 100, 101.00, parent_id=1, transmit=False)
            stop = StopOrder("SELL", 100, 99.50, parent_id=1, transmit=True)
            for order_id, order in enumerate((parent, profit, stop), start=1):
                if order_id > 1:
                    time.sleep(1.2)  # a slow bot: each gap shorter than the window, all longer
                c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"), order=order))
            fill = c.expect(ExecutionData, lambda m: m.execution.order_id == 1).execution
        finally:
            c.close()
    assert (fill.side, fill.price, fill.time) == (
        "BOT", 100.26, datetime(2026, 11, 18, 14, 31, tzinfo=timezone.utc))


def test_a_client_that_never_stops_sending_does_not_stop_the_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Every message restarts the react window; a hold still ends after HOLD_CAP_S (made short
    here) while another client sends requests all the time."""
    monkeypatch.setattr(fastclock, "HOLD_CAP_S", 0.3)
    data = _write(tmp_path / "AAPL.csv", "time,open,high,low,close,volume",
                  "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
                  "2026-11-18 09:31:00-05:00,100.25,100.60,100.10,100.50,5000")
    stop = threading.Event()
    with PaperGateway(port=0, speed="max", data=[str(data)], react=0.05) as gw:
        watcher, chatty = WireClient(gw.port), WireClient(gw.port)
        try:
            _start(chatty, 2)

            def chatter() -> None:
                while not stop.wait(0.01):
                    chatty.send(ReqCurrentTime())

            thread = threading.Thread(target=chatter, daemon=True)
            thread.start()
            _start(watcher, 1)
            _subscribe_bars(watcher)
            watcher.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
        finally:
            stop.set()
            watcher.close()
            chatty.close()
    assert "the clients kept sending" in caplog.text


def test_react_sync_holds_at_bars_shorter_than_a_minute_until_the_client_answers(
        tmp_path: Path) -> None:
    """react="sync" with 30-second bars: the clock stops at each bar's start (not only at whole
    minutes) and waits for the client's reqCurrentTime, however long it takes (here it first
    sleeps on purpose), so the order sent before it fills at that bar's open +/- one tick."""
    data = _write(tmp_path / "AAPL.csv", "time,open,high,low,close,volume",
                  "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
                  "2026-11-18 09:30:30-05:00,100.25,100.60,100.10,100.50,5000",
                  "2026-11-18 09:31:00-05:00,100.45,100.70,100.30,100.60,5000",
                  "2026-11-18 09:31:30-05:00,100.65,100.90,100.50,100.80,5000")
    with PaperGateway(port=0, speed="max", data=[str(data)], react="sync") as gw:
        c = WireClient(gw.port)
        try:
            _start(c, 1)
            _subscribe_bars(c, "30 secs", duration="1800 S")
            fills = []
            for order_id, (action, when) in enumerate(
                    [("BUY", "09:30:30"), ("SELL", "09:31:00"), ("BUY", "09:31:30")], start=1):
                start = str(int(datetime.fromisoformat(f"2026-11-18 {when}-05:00").timestamp()))
                c.expect(HistoricalDataUpdate, lambda m, s=start: m.bar.date == s)
                time.sleep(0.2)  # a slow bot: far longer than the default window
                assert gw.market_time() == datetime.fromisoformat(f"2026-11-18 {when}-05:00")
                c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"),
                                  order=MarketOrder(action, 100)))
                c.send(ReqCurrentTime())
                fills.append(c.expect(ExecutionData, lambda m, i=order_id: m.execution.order_id
                                      == i).execution)
        finally:
            c.close()
    assert [(e.side, e.price, e.time.astimezone(NY).strftime("%H:%M:%S")) for e in fills] == [
        ("BOT", 100.26, "09:30:30"), ("SLD", 100.44, "09:31:00"), ("BOT", 100.66, "09:31:30")]


def test_a_slow_client_receives_every_tick_at_max_speed(tmp_path: Path,
                                                        quiet_ib_async: None) -> None:
    ib_async = pytest.importorskip("ib_async")
    t0 = datetime(2026, 11, 18, 10, 0, tzinfo=NY)
    prices = [round(150 + ((i * 37) % 23 - 11) * 0.01 + i * 0.01, 2) for i in range(240)]
    for a, b in zip(prices, prices[1:], strict=False):
        assert a != b
    lines = [f"{(t0 + timedelta(seconds=2 * i)).isoformat()},{p},{100 + i}"
             for i, p in enumerate(prices)]
    data = _write(tmp_path / "MSFT.csv", "time,price,size", *lines)

    async def slow_client(port: int) -> list[float]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", port, clientId=9, timeout=10)
        ended = asyncio.Event()
        ib.errorEvent += lambda req_id, code, text, contract: (
            ended.set() if code == DATA_ENDED_CODE else None)
        seen: list[float] = []

        def on_ticks(tickers: Any) -> None:
            for ticker in tickers:
                seen.extend(t.price for t in ticker.ticks if t.tickType == 4)
            time.sleep(0.005)  # a slow strategy: the point of this test

        ib.pendingTickersEvent += on_ticks
        contract = ib_async.Stock("MSFT", "SMART", "USD")
        await ib.qualifyContractsAsync(contract)
        ib.reqMktData(contract)
        await asyncio.wait_for(ended.wait(), 100)
        await asyncio.sleep(0)
        ib.disconnect()
        return seen

    with PaperGateway(port=0, speed="max", data=[str(data)]) as gw:
        seen = _run(lambda: slow_client(gw.port), 120.0)  # (a dropped client would never see the end)
    assert seen == prices


def test_the_guide_s_gateway_command_replays_and_writes_the_report_at_ctrl_c(
        tmp_path: Path) -> None:
    """``ibwire gateway --data AAPL.csv --speed max --report run.csv`` as docs/backtesting.md
    runs it: a bot buys on the second bar and sells on the third; at Ctrl-C the report names its
    files and says the fills' PnL, computed from the file (open +/- one tick)."""
    data = _write(tmp_path / "AAPL.csv", "time,open,high,low,close,volume",
                  "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
                  "2026-11-18 09:31:00-05:00,100.25,100.60,100.10,100.50,5000",
                  "2026-11-18 09:32:00-05:00,100.45,100.70,100.30,100.60,5000")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ibwire.cli", "gateway", "--port", "0", "--data", str(data),
         "--speed", "max", "--report", "run.csv", "--react", "sync"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        c = WireClient(int(line.rsplit(":", 1)[1]))
        try:
            _start(c, 1)
            _subscribe_bars(c)
            for order_id, (action, when) in enumerate(
                    [("BUY", "2026-11-18 09:31:00-05:00"), ("SELL", "2026-11-18 09:32:00-05:00")],
                    start=1):
                start = str(int(datetime.fromisoformat(when).timestamp()))
                c.expect(HistoricalDataUpdate, lambda m, s=start: m.bar.date == s)
                c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"),
                                  order=MarketOrder(action, 100)))
                c.send(ReqCurrentTime())  # react sync: done with this bar
            c.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
        finally:
            c.close()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Replay data of AAPL" in err  # the log line at the end of the data
    assert f"report: {tmp_path / 'run.csv'}" in err or "report: run.csv" in err, err
    fills = _rows(tmp_path / "run.fills.csv")
    assert [(r["side"], float(r["price"])) for r in fills] == [("BOT", 100.26), ("SLD", 100.44)]
    assert fills[1]["realized_pnl"] == "16.0"  # 100 x 0.18 less two 1.00 commissions
    total = next(r for r in _rows(tmp_path / "run.csv") if r["symbol"] == "TOTAL")
    assert float(total["total_pnl"]) == 16.0


def test_at_max_speed_the_clock_waits_for_a_subscriber_and_stops_at_the_end(
        tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    with PaperGateway(port=0, speed="max", data=[str(data)]) as gw:
        first = WireClient(gw.port)
        later = WireClient(gw.port)
        try:
            _start(first, 1)
            first.sync()  # a round trip: no subscription yet, so the market has not moved
            assert gw.market_time() == datetime(2026, 11, 18, 14, 30, tzinfo=timezone.utc)
            _subscribe_bars(first, "5 mins", format_date=1)
            first.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
            assert gw.market_time() == datetime(2026, 11, 18, 14, 40, tzinfo=timezone.utc)
            _start(later, 2)  # connecting after the end: told all the same
            later.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
            assert gw.market_time() == datetime(2026, 11, 18, 14, 40, tzinfo=timezone.utc)
        finally:
            first.close()
            later.close()
