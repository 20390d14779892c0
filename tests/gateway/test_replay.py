"""Recorded data through the paper gateway (issue 18): bars and ticks replayed through the TWS API.

* bars ``ibwire bars --csv`` writes from one gateway, replayed by a second, come back the same
  (intraday and daily);
* a limit order between a bar's low and high fills, one outside it does not; a market order at a
  bar's open fills a tick off (plus the slippage);
* ``market_start`` inside the data; the report at stop;
* bad files are refused naming the file and the line (also by ``ibwire gateway``); before the data
  there is none (162), after it the last price holds and the gateway says so; ticks with quotes
  are replayed as they are.

At ``speed="max"``: test_replay_max_speed.py.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ibwire import LimitOrder, MarketOrder, Stock
from ibwire.cli import app
from ibwire.gateway import PaperGateway
from ibwire.gateway.replay import DATA_ENDED_CODE, DataFileError
from ibwire.protocol.messages.executions import ExecutionData
from ibwire.protocol.messages.historical import HistoricalData, ReqHistoricalData
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import ErrMsg

from ..conftest import WireClient

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
