"""The same user-visible outcomes whatever the wall clock says (issue: the market calendar).

The wall clock of this process is moved with time-machine to instants that used to break things
(a weekend, a holiday, before the open, after the close, the DST change); each then runs what a
new user runs against a default paper gateway (``ibwire demo``, the examples, historical bars
through the Broker and through ib_async) and must see the same story: a fill with its commission,
a resting limit cancelled, one full regular session of 5-minute bars, two sessions of hourly bars,
a month of daily bars, and a last bar that closes at the live price.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

time_machine = pytest.importorskip("time_machine")

from ibwire import Broker, Stock  # noqa: E402
from ibwire.gateway import PaperGateway  # noqa: E402

from ..examples.test_examples import run  # noqa: E402

NY = ZoneInfo("America/New_York")
AAPL = 265598

INSTANTS = {
    "saturday-noon": datetime(2026, 12, 5, 12, 0, tzinfo=NY),
    "sunday-23utc": datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
    "monday-before-open": datetime(2026, 12, 7, 8, 0, tzinfo=NY),
    "nyse-holiday": datetime(2026, 11, 26, 12, 0, tzinfo=NY),  # Thanksgiving
    "dst-sunday": datetime(2026, 3, 8, 12, 0, tzinfo=NY),
    "weekday-2030": datetime(2026, 12, 8, 20, 30, tzinfo=NY),
}


@pytest.fixture(params=sorted(INSTANTS), ids=sorted(INSTANTS))
def gw_at(request: pytest.FixtureRequest) -> Iterator[PaperGateway]:
    """A default paper gateway (its clock running) started at a travelled wall-clock instant."""
    with time_machine.travel(INSTANTS[request.param], tick=True):
        with PaperGateway(port=0) as gw:
            yield gw


def _session_dates(bars: list[Any]) -> list[date]:
    return sorted({b.time.astimezone(NY).date() for b in bars})


def test_demo(gw_at: PaperGateway, capsys: pytest.CaptureFixture[str]) -> None:
    from ibwire.cli.demo import run_demo

    assert run_demo() == 0
    out = capsys.readouterr().out
    assert re.search(r"market time \w{3} \d{4}-\d\d-\d\d 16:00 E[SD]T", out), out
    assert re.search(r"Filled: 100 at \d+\.\d+", out), out
    assert "1.00 USD" in out  # the commission
    assert re.search(r"cash 1000000\.00 -> 9\d{5}\.\d\d USD", out), out
    assert re.search(r"cancelled: order 2 Cancelled", out), out


def test_examples(gw_at: PaperGateway) -> None:
    out = run("buy_and_wait.py", gw_at, {"IBWIRE_QUANTITY": "25"}).stdout
    assert "Filled: 25 at" in out and "commission 1.00 USD" in out
    assert "AAPL" in run("positions.py", gw_at).stdout
    bars = run("bars_to_csv.py", gw_at, {"IBWIRE_SYMBOL": "MSFT", "IBWIRE_CSV": "/dev/null"})
    assert "78 bars of MSFT" in bars.stderr
    run("eclient_ported.py", gw_at)
    assert run("stream_quotes.py", gw_at, {"IBWIRE_UPDATES": "4"}).stdout.count("bid") == 4


def test_historical_bars_through_the_broker(gw_at: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gw_at.port, client_id=3, timeout=10.0) as b:
        one = b.historical_bars(Stock("AAPL"), duration="1 D", bar_size="5 mins", use_rth=True)
        assert len(one) == 78 and len(_session_dates(one)) == 1  # one full regular session
        two = b.historical_bars(Stock("AAPL"), duration="2 D", bar_size="1 hour", use_rth=True)
        assert len(two) == 14 and len(_session_dates(two)) == 2
        month = b.historical_bars(Stock("AAPL"), duration="1 M", bar_size="1 day", use_rth=True)
        assert 19 <= len(month) <= 23
        assert all(isinstance(bar.time, date) and not isinstance(bar.time, datetime)
                   for bar in month)
        assert all(bar.time.weekday() < 5 for bar in month)
    # the last bar of an extended-hours request ending now closes at the live price
    bars, quote = gw_at.call(lambda ex: (ex.bars(AAPL, None, "1 D", "5 mins", "TRADES", False),
                                         ex.quote(AAPL)))
    assert bars[-1].close == quote.last


def test_historical_bars_through_ib_async(gw_at: PaperGateway) -> None:
    ib_async = pytest.importorskip("ib_async")
    from ..interop.test_interop_ib_async import run_in_thread

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gw_at.port, clientId=4, timeout=10)
        try:
            aapl = ib_async.Stock("AAPL", "SMART", "USD")
            return {d: await ib.reqHistoricalDataAsync(aapl, "", d, size, "TRADES", True)
                    for d, size in (("1 D", "5 mins"), ("2 D", "1 hour"), ("1 M", "1 day"))}
        finally:
            ib.disconnect()

    got = run_in_thread(scenario)
    assert len(got["1 D"]) == 78
    assert len(got["2 D"]) == 14
    assert 19 <= len(got["1 M"]) <= 23
    assert all(type(bar.date) is date for bar in got["1 M"])
