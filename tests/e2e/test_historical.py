"""Historical bars end to end: every front end, both date formats, 162 / 321 and pacing.

The bars a client gets are compared with the gateway's own bars for the same request; intraday
requests use ``use_rth=False`` because the simulated market's clock starts at wall time (a weekend
has no regular trading hours).
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ibwire import (
    AsyncBroker,
    Bar,
    Broker,
    Forex,
    HistoricalDataError,
    RequestError,
    RequestTimeout,
    Stock,
)
from ibwire.client.market import parse_bar_time
from ibwire.client.pacing import HistoricalPacer
from ibwire.gateway import PaperGateway
from ibwire.models import Contract
from ibwire.models.market import BarData
from ibwire.protocol.messages.historical import (
    CancelHistoricalData,
    HistoricalData,
    ReqHistoricalData,
)

from .conftest import AAPL, EURUSD, MSFT, SPY, WAIT_S, EApp, run


def gateway_bars(gateway: PaperGateway, con_id: int, duration: str, bar_size: str,
                 what: str = "TRADES", use_rth: bool = False,
                 end: datetime | None = None) -> list[Any]:
    return gateway.call(lambda ex: ex.bars(con_id, end, duration, bar_size, what, use_rth))


def ohlc(bars: list[Any]) -> list[tuple[float, float, float, float]]:
    return [(b.open, b.high, b.low, b.close) for b in bars]


def assert_consistent(bars: list[Bar]) -> None:
    assert bars
    for b in bars:
        assert b.low <= min(b.open, b.close) and max(b.open, b.close) <= b.high, b
        assert b.volume is None or b.volume >= 0
    times = [b.time for b in bars]
    assert times == sorted(times) and len(set(times)) == len(times)


# --- Broker -----------------------------------------------------------------------------------------

def test_intraday_bars_have_aware_datetimes_and_match_the_market(gateway, broker):
    bars = broker.historical_bars(Stock("AAPL"), duration="2 D", bar_size="1 hour", use_rth=False)
    expected = gateway_bars(gateway, AAPL, "2 D", "1 hour")
    # two extended sessions at Friday 10:00: Thursday 04:00-20:00 and Friday 04:00 so far
    assert len(bars) == len(expected) == 16 + 7
    assert_consistent(bars)
    for b in bars:
        assert isinstance(b.time, datetime) and b.time.tzinfo is not None
        assert b.time.utcoffset() is not None
    assert [b.time for b in bars] == [e.time for e in expected]
    assert ohlc(bars) == ohlc(expected)
    assert [b.volume for b in bars] == [e.volume for e in expected]
    assert all(b.volume and b.volume > 0 and b.wap and b.bar_count for b in bars)
    # bars tile inside a session: each opens where the previous one closed (sessions gap)
    assert all(a.close == b.open for a, b in zip(bars, bars[1:]) if a.time.date() == b.time.date())
    assert bars[16].open != bars[15].close


def test_daily_bars_are_dates(gateway, broker):
    bars = broker.historical_bars(Stock("MSFT"), duration="1 M", bar_size="1 day")
    expected = gateway_bars(gateway, MSFT, "1 M", "1 day", use_rth=True)
    assert all(type(b.time) is date for b in bars)
    assert [b.time for b in bars] == [e.time.date() for e in expected]
    assert all(b.time.weekday() < 5 for b in bars)  # regular trading hours: weekdays only
    assert ohlc(bars) == ohlc(expected)
    assert_consistent(bars)


def test_bars_up_to_an_end_time_and_non_trades_data(gateway, broker):
    gateway.step(3 * 3600)
    end = gateway.call(lambda ex: ex.now()) - timedelta(minutes=95)
    bars = broker.historical_bars(Stock("SPY"), end=end, duration="7200 S", bar_size="10 mins",
                                  use_rth=False)
    expected = gateway_bars(gateway, SPY, "7200 S", "10 mins", end=end)
    assert ohlc(bars) == ohlc(expected) and len(bars) == 12
    assert all(b.time < end for b in bars)
    mid = broker.historical_bars(Stock("SPY"), end=end, duration="7200 S", bar_size="10 mins",
                                 what_to_show="MIDPOINT", use_rth=False)
    assert_consistent(mid)
    assert all(b.volume is None and b.wap is None and b.bar_count is None for b in mid)
    fx = broker.historical_bars(Forex("EURUSD"), duration="3600 S", bar_size="5 mins",
                                what_to_show="BID", use_rth=False)
    assert_consistent(fx)
    assert len(fx) == 12
    with pytest.raises(ValueError):
        broker.historical_bars(Stock("SPY"), end=datetime(2026, 1, 2, 10, 0))  # naive


def test_invalid_combinations_raise_typed_errors(broker):
    with pytest.raises(HistoricalDataError) as info:  # bar size too small for the duration
        broker.historical_bars(Stock("AAPL"), duration="1 M", bar_size="1 secs", use_rth=False)
    assert info.value.code == 162 and "Time length exceed max" in str(info.value)
    with pytest.raises(HistoricalDataError) as info:  # TRADES for a currency pair
        broker.historical_bars(Contract(con_id=EURUSD), duration="1 D", bar_size="1 hour",
                               use_rth=False)
    assert info.value.code == 162
    with pytest.raises(RequestError) as info:  # not a bar size TWS knows
        broker.historical_bars(Stock("AAPL"), duration="1 D", bar_size="7 mins", use_rth=False)
    assert info.value.code == 321
    with pytest.raises(RequestError) as info:  # not a duration
        broker.historical_bars(Stock("AAPL"), duration="1 fortnight", bar_size="1 hour",
                               use_rth=False)
    assert info.value.code == 321
    assert broker.is_connected()


def test_identical_request_within_15_seconds_is_a_pacing_violation(gateway, broker):
    """TWS's pacing is per login: a second client asking the same thing at once gets 162."""
    args = dict(duration="2 D", bar_size="30 mins", use_rth=False)
    first = broker.historical_bars(Stock("AAPL"), **args)
    assert first
    with Broker.connect("127.0.0.1", gateway.port, client_id=7, timeout=WAIT_S) as other:
        with pytest.raises(HistoricalDataError) as info:
            other.historical_bars(Stock("AAPL"), **args)
        assert info.value.code == 162 and "pacing violation" in str(info.value)
        # a different request is fine
        assert other.historical_bars(Stock("AAPL"), duration="3 D", bar_size="30 mins",
                                     use_rth=False)


def test_a_historical_request_without_an_answer_is_not_repeated():
    """Repeating an identical historical request would break TWS's 15 s pacing rule: on a
    timeout the request is cancelled, never sent again (nor left queued to go out later)."""
    from ..client.fakes import FakeTws

    with FakeTws() as tws, Broker.connect("127.0.0.1", tws.port, timeout=WAIT_S) as b:
        with pytest.raises(RequestTimeout):
            b.historical_bars(Stock("AAPL"), duration="1 D", bar_size="1 hour", timeout=0.5)
        cancel = tws.wait_for(CancelHistoricalData)
        requests = [m for _, m in tws.received if isinstance(m, ReqHistoricalData)]
        assert [m.req_id for m in requests] == [cancel.req_id]
        assert b.pacer.queue_depth == 0


def test_a_request_held_back_by_pacing_gets_a_whole_timeout_once_sent():
    """The pacer holds an identical request back; when it lets it go near the end of a wait
    period, TWS still gets a whole ``timeout`` to answer (here it takes 0.1 s)."""
    from ..client.fakes import FakeTws

    latency, timeout = 0.1, 0.5

    def answer(msg: ReqHistoricalData, session: Any) -> HistoricalData:
        time.sleep(latency)  # the server's response time, not a synchronisation
        bar = BarData("20260102", 1.0, 2.0, 0.5, 1.5, Decimal(10), Decimal("1.2"), 3)
        return HistoricalData(msg.req_id, "20260101-00:00:00", "20260103-00:00:00", [bar])

    with FakeTws({ReqHistoricalData: answer}) as tws, \
            Broker.connect("127.0.0.1", tws.port, timeout=WAIT_S) as b:
        # released exactly one wait period after the second call starts (that call starts
        # ``latency`` after the first request went out)
        b.pacer.historical = HistoricalPacer(identical_gap=latency + timeout)
        args: dict[str, Any] = dict(duration="1 D", bar_size="1 day", timeout=timeout)
        first = b.historical_bars(Stock("AAPL"), **args)
        second = b.historical_bars(Stock("AAPL"), **args)
        assert first == second == [Bar(date(2026, 1, 2), 1.0, 2.0, 0.5, 1.5, Decimal(10),
                                       Decimal("1.2"), 3)]
        assert len([m for _, m in tws.received if isinstance(m, ReqHistoricalData)]) == 2


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_historical_bars(gateway):
    async def scenario() -> None:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=5,
                                             timeout=WAIT_S) as b:
            bars = await b.historical_bars(Stock("AAPL"), duration="1 D", bar_size="1 hour",
                                           use_rth=False)
            assert ohlc(bars) == ohlc(gateway_bars(gateway, AAPL, "1 D", "1 hour"))
            assert all(isinstance(x.time, datetime) and x.time.tzinfo for x in bars)
            daily = await b.historical_bars(Stock("AAPL"), duration="2 W", bar_size="1 day")
            assert daily and all(type(x.time) is date for x in daily)
            with pytest.raises(HistoricalDataError) as info:
                await b.historical_bars(Stock("AAPL"), duration="1 Y", bar_size="1 min")
            assert info.value.code == 162

    run(scenario)


# --- EClient: both date formats ---------------------------------------------------------------------

def test_eclient_historical_data_in_both_date_formats(gateway, eapp: EApp):
    eapp.reqHistoricalData(21, Stock("AAPL"), "", "1 D", "1 hour", "TRADES", 0, 1, False, [])
    eapp.reqHistoricalData(22, Stock("AAPL"), "", "1 D", "1 hour", "MIDPOINT", 0, 2, False, [])
    eapp.reqHistoricalData(23, Stock("AAPL"), "", "1 M", "1 day", "TRADES", 1, 2, False, [])
    for req in (21, 22, 23):
        eapp.wait(lambda req=req: bool(eapp.of("historicalDataEnd", req)), f"end of {req}")
    text = [a[1] for a in eapp.of("historicalData", 21)]
    epoch = [a[1] for a in eapp.of("historicalData", 22)]
    daily = [a[1] for a in eapp.of("historicalData", 23)]
    assert text[0].date.endswith("US/Eastern") and epoch[0].date.isdigit()
    assert [parse_bar_time(b.date) for b in text] == [parse_bar_time(b.date) for b in epoch]
    assert [parse_bar_time(b.date) for b in text] == [b.time for b in gateway_bars(
        gateway, AAPL, "1 D", "1 hour")]
    assert all(len(b.date) == 8 for b in daily)  # daily bars are dates in either format
    assert all(b.volume == Decimal(-1) for b in epoch)  # MIDPOINT: no volume (TWS sends -1)
    start, end = eapp.of("historicalDataEnd", 21)[0][1:]
    assert start < end

    eapp.reqHistoricalData(24, Stock("AAPL"), "", "1 M", "1 secs", "TRADES", 0, 1, False, [])
    eapp.reqHistoricalData(25, Stock("AAPL"), "", "1 D", "1 hour", "TRADES", 0, 1, False, [])
    eapp.wait(lambda: bool(eapp.errors(24)) and bool(eapp.errors(25)), "errors 162")
    assert eapp.errors(24)[0][1] == 162  # time length exceeds max
    assert eapp.errors(25)[0][1] == 162 and "pacing" in eapp.errors(25)[0][2]  # same as 21
    assert not eapp.of("historicalDataEnd", 24) and not eapp.of("historicalDataEnd", 25)


# --- ib_async 2.1.0 ---------------------------------------------------------------------------------

def test_ib_async_historical_data(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=33, timeout=10)
        try:
            [aapl] = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "SMART", "USD"))
            hourly = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 hour", "TRADES", False)
            epoch = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 hour", "MIDPOINT", False,
                                                    formatDate=2)
            daily = await ib.reqHistoricalDataAsync(aapl, "", "1 M", "1 day", "TRADES", True)
            bad = await ib.reqHistoricalDataAsync(aapl, "", "1 M", "1 secs", "TRADES", False)
            return {"hourly": [(b.date, b.open, b.high, b.low, b.close) for b in hourly],
                    "epoch": [b.date for b in epoch], "daily": [b.date for b in daily],
                    "bad": list(bad)}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    expected = gateway_bars(gateway, AAPL, "1 D", "1 hour")
    assert [(t, o, h, lo, c) for t, o, h, lo, c in out["hourly"]] == [
        (e.time, e.open, e.high, e.low, e.close) for e in expected]
    assert all(isinstance(t, datetime) and t.tzinfo for t, *_ in out["hourly"])
    assert out["epoch"] == [e.time for e in expected]
    assert out["daily"] and all(type(d) is date for d in out["daily"])
    assert out["bad"] == []
    errors = [r.getMessage() for r in ib_async_tools.records if r.levelno >= logging.ERROR]
    assert errors and all("162" in e for e in errors), errors  # only the refused request


# --- the official ibapi 9.81 ------------------------------------------------------------------------

def test_ibapi_historical_data(gateway, ibapi_app):
    from ibapi.contract import Contract as IbContract

    c = IbContract()
    c.symbol, c.secType, c.exchange, c.currency = "MSFT", "STK", "SMART", "USD"
    ibapi_app.reqHistoricalData(61, c, "", "1 M", "1 day", "TRADES", 1, 1, False, [])
    ibapi_app.reqHistoricalData(62, c, "", "1 M", "1 secs", "TRADES", 0, 1, False, [])
    ibapi_app.wait(lambda: 61 in ibapi_app.bars_end, "historicalDataEnd")
    ibapi_app.wait(lambda: any(e[0] == 62 for e in ibapi_app.errors), "error 162")
    bars = [b for r, b in ibapi_app.bars if r == 61]
    expected = gateway_bars(gateway, MSFT, "1 M", "1 day", use_rth=True)
    assert [b.date for b in bars] == [e.time.strftime("%Y%m%d") for e in expected]
    assert [(b.open, b.high, b.low, b.close) for b in bars] == ohlc(expected)
    assert [e[1] for e in ibapi_app.errors if e[0] == 62] == [162]
