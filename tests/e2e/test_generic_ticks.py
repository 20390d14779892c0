"""Generic tick lists end to end: the values of 165, 233, 236, 456 ... reach the Broker's Ticker as
typed fields (not strings) and ib_async 2.1's Ticker as its fields; an unknown id is refused with
TWS's 321 before any tick. The market moves only through gateway.step()."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ibwire import RequestError, Stock
from ibwire.models.ticks import Dividends, RtVolume

from .conftest import AAPL, WAIT_S

GENERIC = "100,101,104,106,165,221,225,233,236,258,293,294,295,318,375,411,456,595"


def test_broker_ticker_has_typed_generic_values(gateway, broker):
    t = broker.market_data(Stock("AAPL"), GENERIC)
    assert broker.wait_until(lambda: t.dividends is not None and t.rt_volume is not None
                             and t.high_52_week is not None and t.volume_10_min is not None,
                             WAIT_S)
    assert isinstance(t.dividends, Dividends) and isinstance(t.dividends.next_date, date)
    assert 0 < (t.dividends.next_amount or 0) <= (t.dividends.next_12_months or 0)
    assert t.shortable == 3.0 and isinstance(t.shortable_shares, Decimal)
    assert t.low_52_week <= t.low_13_week <= t.high_13_week <= t.high_52_week
    assert isinstance(t.avg_volume, Decimal) and t.avg_volume > 0
    assert 0 < t.hist_volatility < t.implied_volatility < 5
    assert isinstance(t.fundamental_ratios, dict) and t.fundamental_ratios["MKTCAP"] > 0
    assert t.mark_price == pytest.approx((t.bid + t.ask) / 2)
    assert t.trade_count and t.volume_rate and t.call_volume and t.put_open_interest
    rt = t.rt_volume
    assert isinstance(rt, RtVolume) and rt.price is not None and rt.time is not None
    # RT volume streams each trade of the tape
    start = int(gateway.call(lambda ex: ex.market.step_second))
    gateway.step(5)
    last_trade = gateway.call(lambda ex: ex.market.trades_at(AAPL, start + 5))
    if last_trade:
        price, size = last_trade[-1]
        assert broker.wait_until(lambda: t.rt_volume is not None and t.rt_volume.time is not None
                                 and int(t.rt_volume.time.timestamp()) == start + 5, WAIT_S)
        assert (t.rt_volume.price, t.rt_volume.size) == (price, size)


def test_an_unknown_generic_tick_is_refused(gateway, broker):
    with pytest.raises(RequestError) as exc:
        broker.market_data(Stock("AAPL"), "233,999")
    assert exc.value.code == 321 and "999" in str(exc.value)


def test_ib_async_reads_the_generic_ticks(gateway, ib_async_tools):
    tools = ib_async_tools
    ib_async = tools.ib_async

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=16, timeout=10)
        try:
            aapl, = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "SMART", "USD"))
            t = ib.reqMktData(aapl, "165,233,236,456,104,293", False, False)
            await tools.until(ib, lambda: t.dividends is not None and t.shortableShares > 0
                              and t.high52week > 0 and t.histVolatility > 0 and t.tradeCount > 0,
                              "the generic ticks")
            ib.cancelMktData(aapl)
            return {"dividends": t.dividends, "shortable": t.shortable,
                    "high52": t.high52week, "low52": t.low52week, "avg": t.avVolume}
        finally:
            ib.disconnect()

    out = tools.run(scenario)
    assert out["dividends"].nextAmount > 0 and out["shortable"] == 3.0
    assert out["low52"] <= out["high52"] and out["avg"] > 0
