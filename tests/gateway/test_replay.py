"""Recorded data through the paper gateway (issue 18): bars and ticks replayed through the TWS API.

* bars ``ibwire bars --csv`` writes from one gateway, replayed by a second, come back the same;
* a limit order between a bar's low and high fills, one outside it does not;
* at ``speed="max"`` an ib_async 2.1 moving-average bot runs over a month of 5-minute bars (made
  by a gateway in the test) and its fills, position and PnL match a hand computation from the data;
* a slow client (sleeping in its tick handler) receives every tick at ``speed="max"``;
* bad files are refused naming the file and the line; before the data there is none (162), after
  it the last price holds and the gateway says so.
"""

from __future__ import annotations

import asyncio
import csv
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
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ibwire import LimitOrder, MarketOrder, Stock
from ibwire.cli import app
from ibwire.gateway import PaperGateway, fastclock
from ibwire.gateway.replay import DATA_ENDED_CODE, DataFileError
from ibwire.protocol.messages.executions import ExecutionData
from ibwire.protocol.messages.historical import (
    HistoricalData,
    HistoricalDataUpdate,
    ReqHistoricalData,
)
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import ErrMsg, ReqCurrentTime

from ..conftest import WireClient
from ..interop.test_interop_ib_async import run_in_thread

NY = ZoneInfo("America/New_York")
FRIDAY_CLOSE = datetime(2026, 11, 20, 16, 0, tzinfo=NY)


def _bars_cli(port: int, *args: str) -> str:
    env = {"IBWIRE_PORT": str(port), "IBWIRE_HOST": "127.0.0.1", "COLUMNS": "200",
           "IBWIRE_CLIENT_ID": "1", "IBWIRE_TIMEOUT": "10", "IBWIRE_DEBUG": ""}
    r = CliRunner().invoke(app, ["bars", *args], env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.stdout + r.stderr
    return r.stdout


def _record(tmp_path: Path, duration: str, name: str = "AAPL.csv") -> Path:
    """Bars of AAPL recorded by ``ibwire bars --csv`` from a (walk) gateway at Friday's close."""
    out = tmp_path / name
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY_CLOSE) as gw:
        _bars_cli(gw.port, "AAPL", "--duration", duration, "--bar-size", "5 mins", "--csv",
                  str(out))
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- round trip -----------------------------------------------------------------------------

def test_bars_recorded_by_ibwire_bars_come_back_the_same(tmp_path: Path) -> None:
    recorded = _record(tmp_path, "2 D")
    rows = _rows(recorded)
    assert len(rows) == 2 * 78
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY_CLOSE,
                      data=[str(recorded)]) as gw:
        again = tmp_path / "again.csv"
        _bars_cli(gw.port, "AAPL", "--duration", "2 D", "--bar-size", "5 mins", "--csv",
                  str(again))
        assert again.read_text() == recorded.read_text()
        # finer bars follow the same path: each 5-minute bar's minutes span its high and low
        minutes = tmp_path / "minutes.csv"
        _bars_cli(gw.port, "AAPL", "--duration", "1 D", "--bar-size", "1 min", "--csv",
                  str(minutes))
    ones = _rows(minutes)
    fives = rows[78:]
    assert len(ones) == 5 * len(fives)
    for i, five in enumerate(fives):
        group = ones[5 * i:5 * i + 5]
        assert group[0]["time"] == five["time"]
        assert float(group[0]["open"]) == float(five["open"])
        assert float(group[-1]["close"]) == float(five["close"])
        assert max(float(r["high"]) for r in group) == float(five["high"])
        assert min(float(r["low"]) for r in group) == float(five["low"])
        assert sum(int(r["volume"]) for r in group) == int(five["volume"])


def test_the_symbol_comes_from_the_file_name_or_symbol_equals(tmp_path: Path) -> None:
    recorded = _record(tmp_path, "1 D", name="whatever.csv")
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY_CLOSE,
                      data=[f"MSFT={recorded}"]) as gw:
        out = tmp_path / "msft.csv"
        _bars_cli(gw.port, "MSFT", "--duration", "1 D", "--bar-size", "5 mins", "--csv", str(out))
    assert [r["close"] for r in _rows(out)] == [r["close"] for r in _rows(recorded)]


# --- fills --------------------------------------------------------------------------------------

_BARS = ("time,open,high,low,close,volume",
         "2026-11-18 09:30:00-05:00,100.00,101.00,99.00,100.50,50000",
         "2026-11-18 09:35:00-05:00,100.50,100.80,100.20,100.60,40000")


@pytest.mark.parametrize(("action", "limit", "fills"), [
    ("BUY", 99.50, True), ("SELL", 100.90, True),     # inside the first bar's range
    ("BUY", 98.99, False), ("SELL", 101.01, False),   # outside it
])
def test_a_limit_inside_the_bar_fills_one_outside_does_not(tmp_path: Path, action: str,
                                                           limit: float, fills: bool) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    with PaperGateway(port=0, tick_interval=None, data=[str(data)]) as gw:
        assert gw.market_time() == datetime(2026, 11, 18, 14, 30, tzinfo=timezone.utc)
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"),
                              order=LimitOrder(action, 100, limit)))
            c.expect(OrderStatus, lambda m: m.status == "Submitted")
            gw.step(299)  # through the first bar, to its last second
            statuses = [e for e in c.sync() if isinstance(e, OrderStatus)]
        finally:
            c.close()
    filled = [s for s in statuses if s.status == "Filled"]
    assert bool(filled) == fills
    if fills:
        price = filled[0].avg_fill_price
        assert 99.00 <= price <= 101.00
        assert price <= limit if action == "BUY" else price >= limit


@pytest.mark.parametrize(("slippage", "buy", "sell"), [(0, 100.01, 99.99), (2, 100.03, 99.97)])
def test_a_market_order_at_a_bar_s_open_fills_a_tick_off_plus_the_slippage(
        tmp_path: Path, slippage: int, buy: float, sell: float) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    with PaperGateway(port=0, tick_interval=None, data=[str(data)], slippage=slippage) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            prices = []
            for order_id, action in ((1, "BUY"), (2, "SELL")):
                c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"),
                                  order=MarketOrder(action, 100)))
                prices.append(c.expect(ExecutionData, lambda m, i=order_id:
                                       m.execution.order_id == i).execution.price)
        finally:
            c.close()
    assert prices == [buy, sell]  # the first bar opens at 100.00


def test_market_time_starts_the_replay_inside_the_data(tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    start = datetime(2026, 11, 18, 9, 35, tzinfo=NY)  # the second bar's start
    with PaperGateway(port=0, tick_interval=None, data=[str(data)], market_start=start) as gw:
        assert gw.market_time() == start
        con_id = gw.call(lambda ex: ex.resolve(Stock("AAPL"))[0].con_id)
        q = gw.call(lambda ex: ex.quote(con_id))
        bars = gw.call(lambda ex: ex.bars(con_id, None, "1 D", "5 mins", "TRADES", True))
    assert (q.bid, q.ask, q.last) == (100.49, 100.51, 100.50)  # the open, a tick either side
    assert [(b.open, b.high, b.low, b.close) for b in bars][0] == (100.0, 101.0, 99.0, 100.5)


def test_the_report_is_written_at_stop_with_a_png_when_matplotlib_is_there(
        tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    report = tmp_path / "out" / "run.csv"
    with PaperGateway(port=0, tick_interval=None, data=[str(data)], report=str(report)) as gw:
        gw.step(600)
    assert {p.name for p in report.parent.iterdir()} >= {"run.csv", "run.fills.csv",
                                                         "run.equity.csv"}
    assert [r["symbol"] for r in _rows(report)] == ["TOTAL"]  # nothing traded
    equity = _rows(tmp_path / "out" / "run.equity.csv")
    assert {float(r["equity"]) for r in equity} == {1_000_000.0}
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert not (tmp_path / "out" / "run.png").exists()
        return
    assert (tmp_path / "out" / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- before and after the data ------------------------------------------------------------------

def test_no_bars_before_the_data_and_the_last_price_holds_after_it(tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    with PaperGateway(port=0, tick_interval=None, data=[str(data)]) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            c.send(ReqHistoricalData(req_id=5, contract=Stock("AAPL"),
                                     end_date_time="20261117-21:00:00", duration_str="1 D",
                                     bar_size_setting="5 mins", what_to_show="TRADES", use_rth=True,
                                     format_date=1, keep_up_to_date=False))
            err = c.expect(ErrMsg, lambda m: m.req_id == 5)
            assert err.error_code == 162
            gw.step(600)  # to the end of the data
            notice = c.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
            assert "AAPL" in notice.error_string
            gw.step(3600)
            c.send(ReqHistoricalData(req_id=6, contract=Stock("AAPL"), end_date_time="",
                                     duration_str="1 D", bar_size_setting="5 mins",
                                     what_to_show="TRADES", use_rth=True, format_date=1,
                                     keep_up_to_date=False))
            bars = c.expect(HistoricalData, lambda m: m.req_id == 6).bars
            last = gw.call(lambda ex: ex.quote(ex.resolve(Stock("AAPL"))[0].con_id)).last
        finally:
            c.close()
    assert [(b.open, b.high, b.low, b.close) for b in bars[:2]] == [
        (100.0, 101.0, 99.0, 100.5), (100.5, 100.8, 100.2, 100.6)]
    assert {b.close for b in bars[2:]} == {100.6}  # held, without volume
    assert {int(b.volume) for b in bars[2:]} == {0}
    assert last == 100.6


@pytest.mark.parametrize(("row", "why"), [
    ("2026-11-18 09:40:00-05:00,100.6,100.5,100.7,100.6,10", "below low"),
    ("2026-11-18 09:40:00,100.6,100.9,100.5,100.7,10", "no zone"),
    ("2026-11-18 09:40:00-05:00,abc,100.9,100.5,100.7,10", "not a number"),
    ("2026-11-18 09:35:00-05:00,100.6,100.9,100.5,100.7,10", "not after"),
    ("2026-11-18 09:40:00-05:00,100.6,100.9,100.5,100.7,-5", "negative"),
])
def test_a_bad_row_is_an_error_naming_file_and_line(tmp_path: Path, row: str, why: str) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS, row)
    with pytest.raises(DataFileError) as info:
        PaperGateway(port=0, tick_interval=None, data=[str(data)])
    assert f"{data}, line 4" in str(info.value)
    assert why in str(info.value)


def test_unknown_symbols_and_unreadable_formats_are_refused(tmp_path: Path) -> None:
    data = _write(tmp_path / "NOSUCHSYM.csv", *_BARS)
    with pytest.raises(DataFileError, match="NOSUCHSYM is not in the gateway's instruments"):
        PaperGateway(port=0, tick_interval=None, data=[str(data)])
    odd = _write(tmp_path / "AAPL.csv", "when,value", "1,2")
    with pytest.raises(DataFileError, match="line 1"):
        PaperGateway(port=0, tick_interval=None, data=[str(odd)])


def test_parquet_needs_pyarrow(tmp_path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path = tmp_path / "AAPL.parquet"
        path.write_bytes(b"PAR1")
        with pytest.raises(DataFileError, match="pip install 'ibwire\\[parquet\\]'"):
            PaperGateway(port=0, tick_interval=None, data=[str(path)])
        return
    import pyarrow as pa
    import pyarrow.parquet as pq
    rows = [r.split(",") for r in _BARS[1:]]
    table = pa.table({"time": [r[0] for r in rows], "open": [float(r[1]) for r in rows],
                      "high": [float(r[2]) for r in rows], "low": [float(r[3]) for r in rows],
                      "close": [float(r[4]) for r in rows], "volume": [int(r[5]) for r in rows]})
    path = tmp_path / "AAPL.parquet"
    pq.write_table(table, path)
    with PaperGateway(port=0, tick_interval=None, data=[str(path)]) as gw:
        gw.step(600)
        con_id = gw.call(lambda ex: ex.resolve(Stock("AAPL"))[0].con_id)
        bars = gw.call(lambda ex: ex.bars(con_id, None, "1 D", "5 mins", "TRADES", True))
    assert (bars[0].high, bars[0].low) == (101.0, 99.0)


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
            c.handshake()
            c.start(1)
            c.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                                     duration_str="1 D", bar_size_setting="1 min",
                                     what_to_show="TRADES", use_rth=True, format_date=2,
                                     keep_up_to_date=True))
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
            chatty.handshake()
            chatty.start(2)

            def chatter() -> None:
                while not stop.wait(0.01):
                    chatty.send(ReqCurrentTime())

            thread = threading.Thread(target=chatter, daemon=True)
            thread.start()
            watcher.handshake()
            watcher.start(1)
            watcher.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                                           duration_str="1 D", bar_size_setting="1 min",
                                           what_to_show="TRADES", use_rth=True, format_date=2,
                                           keep_up_to_date=True))
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
            c.handshake()
            c.start(1)
            c.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                                     duration_str="1800 S", bar_size_setting="30 secs",
                                     what_to_show="TRADES", use_rth=True, format_date=2,
                                     keep_up_to_date=True))
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


def test_cli_gateway_refuses_a_bad_data_file_and_a_bad_speed(tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS, "2026-11-18 09:40:00-05:00,1,x,1,1,1")
    r = CliRunner().invoke(app, ["gateway", "--port", "0", "--data", str(data), "--speed", "max"])
    assert r.exit_code == 2
    assert f"{data}, line 4: high 'x' is not a number" in r.stderr
    r = CliRunner().invoke(app, ["gateway", "--port", "0", "--speed", "fast"])
    assert r.exit_code == 2
    assert "positive number or max" in r.stderr
    r = CliRunner().invoke(app, ["gateway", "--port", "0", "--speed", "max", "--react", "soon"])
    assert r.exit_code == 2
    assert "milliseconds or sync" in r.stderr
    r = CliRunner().invoke(app, ["gateway", "--port", "0", "--react", "sync"])
    assert r.exit_code == 2
    assert "--speed max only" in r.stderr
    with pytest.raises(ValueError, match="seconds or 'sync'"):
        PaperGateway(port=0, speed="max", react=0)
    with pytest.raises(ValueError, match="at speed 'max' only"):
        PaperGateway(port=0, react="sync")


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
            c.handshake()
            c.start(1)
            c.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                                     duration_str="1 D", bar_size_setting="1 min",
                                     what_to_show="TRADES", use_rth=True, format_date=2,
                                     keep_up_to_date=True))
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


def test_daily_bars_come_back_the_same(tmp_path: Path) -> None:
    recorded = tmp_path / "AAPL.csv"
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY_CLOSE) as gw:
        _bars_cli(gw.port, "AAPL", "--duration", "1 M", "--bar-size", "1 day", "--csv",
                  str(recorded))
    assert _rows(recorded)[0]["time"] == "2026-10-21"  # dated by day: the regular session
    with PaperGateway(port=0, tick_interval=None, market_start=FRIDAY_CLOSE,
                      data=[str(recorded)]) as gw:
        again = tmp_path / "again.csv"
        _bars_cli(gw.port, "AAPL", "--duration", "1 M", "--bar-size", "1 day", "--csv",
                  str(again))
    assert again.read_text() == recorded.read_text()


def test_at_max_speed_the_clock_waits_for_a_subscriber_and_stops_at_the_end(
        tmp_path: Path) -> None:
    data = _write(tmp_path / "AAPL.csv", *_BARS)
    with PaperGateway(port=0, speed="max", data=[str(data)]) as gw:
        first = WireClient(gw.port)
        later = WireClient(gw.port)
        try:
            first.handshake()
            first.start(1)
            first.sync()  # a round trip: no subscription yet, so the market has not moved
            assert gw.market_time() == datetime(2026, 11, 18, 14, 30, tzinfo=timezone.utc)
            first.send(ReqHistoricalData(req_id=3, contract=Stock("AAPL"), end_date_time="",
                                         duration_str="1 D", bar_size_setting="5 mins",
                                         what_to_show="TRADES", use_rth=True, format_date=1,
                                         keep_up_to_date=True))
            first.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
            assert gw.market_time() == datetime(2026, 11, 18, 14, 40, tzinfo=timezone.utc)
            later.handshake()
            later.start(2)  # connecting after the end: told all the same
            later.expect(ErrMsg, lambda m: m.req_id == -1 and m.error_code == DATA_ENDED_CODE)
            assert gw.market_time() == datetime(2026, 11, 18, 14, 40, tzinfo=timezone.utc)
        finally:
            first.close()
            later.close()


def test_ticks_with_quotes_are_replayed_as_they_are(tmp_path: Path) -> None:
    data = _write(tmp_path / "MSFT.csv", "time,price,size,bid,ask",
                  "2026-11-18T15:00:00+00:00,410.02,100,410.00,410.02",
                  "2026-11-18T15:00:00.500+00:00,410.00,50,410.00,410.03",
                  "2026-11-18T15:00:05+00:00,410.05,200,410.05,410.07")
    with PaperGateway(port=0, tick_interval=None, data=[str(data)]) as gw:
        con_id = gw.call(lambda ex: ex.resolve(Stock("MSFT"))[0].con_id)
        first = gw.call(lambda ex: ex.quote(con_id))
        gw.step(5)
        later = gw.call(lambda ex: ex.quote(con_id))
        bars = gw.call(lambda ex: ex.bars(con_id, None, "60 S", "5 secs", "TRADES", False))
    # the second's last trade and quote; both trades of the second in its volume
    assert (first.bid, first.ask, first.last, first.volume) == (410.00, 410.03, 410.00, 150)
    assert (later.bid, later.ask, later.last, later.last_size) == (410.05, 410.07, 410.05, 200)
    assert [(b.open, b.high, b.low, b.close, int(b.volume)) for b in bars] == [
        (410.02, 410.02, 410.00, 410.00, 150), (410.05, 410.05, 410.05, 410.05, 200)]
