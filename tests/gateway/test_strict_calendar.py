"""``calendar="strict"``: the market follows real sessions, as a TWS user sees them on the wire.

Each test pins market time with ``market_start`` and moves it with ``step`` (the clock never
follows the wall here), so the outcome is the same whenever the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ibwire import LimitOrder, MarketOrder, Stock
from ibwire.gateway import PaperGateway
from ibwire.models.contract import Contract
from ibwire.protocol.messages.executions import ExecutionData
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder

from ..conftest import WireClient

NY = ZoneInfo("America/New_York")
AAPL, ES = 265598, 649180695


@pytest.fixture
def strict() -> Iterator[tuple[PaperGateway, WireClient]]:
    gateways: list[PaperGateway] = []
    clients: list[WireClient] = []

    def make(start: datetime) -> tuple[PaperGateway, WireClient]:
        gw = PaperGateway(port=0, tick_interval=None, calendar="strict", market_start=start)
        gw.start()
        gateways.append(gw)
        c = WireClient(gw.port)
        clients.append(c)
        c.handshake()
        c.start(1)
        return gw, c

    yield make  # type: ignore[misc]
    for c in clients:
        c.close()
    for gw in gateways:
        gw.stop()


def statuses(c: WireClient, order_id: int) -> list[str]:
    """The ORDER_STATUS statuses of ``order_id`` that arrived (waits for what is in flight)."""
    return [e.status for e in c.drain() if isinstance(e, OrderStatus) and e.order_id == order_id]


def test_a_day_limit_order_expires_at_the_close(strict) -> None:  # type: ignore[no-untyped-def]
    gw, c = strict(datetime(2026, 11, 20, 15, 58, tzinfo=NY))  # Friday, two minutes to the close
    bid = gw.call(lambda ex: ex.quote(AAPL).bid)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"),
                      order=LimitOrder("BUY", 10, round(bid * 0.9, 2))))
    assert statuses(c, 1) == ["PreSubmitted", "Submitted"]
    gw.step(60)  # 15:59
    assert statuses(c, 1) == []
    gw.step(120)  # 16:01: the session has closed
    assert statuses(c, 1) == ["Cancelled"]


def test_a_market_order_before_the_open_waits_presubmitted(strict) -> None:  # type: ignore[no-untyped-def]
    gw, c = strict(datetime(2026, 11, 23, 9, 0, tzinfo=NY))  # Monday, before the open
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 10)))
    assert statuses(c, 1) == ["PreSubmitted"]
    gw.step(29 * 60)  # 09:29: still closed
    assert statuses(c, 1) == []
    gw.step(120)  # the open
    events = c.drain()
    assert [e.status for e in events if isinstance(e, OrderStatus)] == ["Submitted", "Filled"]
    fill = next(e for e in events if isinstance(e, ExecutionData))
    assert fill.execution.time is not None
    t = fill.execution.time.astimezone(NY)
    assert (t.hour, t.minute) == (9, 30)  # filled at the open, stamped with market time


def test_outside_rth_orders_trade_in_extended_hours(strict) -> None:  # type: ignore[no-untyped-def]
    gw, c = strict(datetime(2026, 11, 23, 9, 0, tzinfo=NY))
    order = MarketOrder("BUY", 10)
    order.outside_rth = True
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=order))
    assert statuses(c, 1) == ["PreSubmitted", "Submitted", "Filled"]


def test_quotes_freeze_and_nothing_trades_while_the_market_is_closed(strict) -> None:  # type: ignore[no-untyped-def]
    gw, c = strict(datetime(2026, 11, 21, 12, 0, tzinfo=NY))  # Saturday
    first = gw.call(lambda ex: ex.quote(AAPL))
    gw.step(3600)
    later = gw.call(lambda ex: ex.quote(AAPL))
    assert (first.bid, first.ask, first.last) == (later.bid, later.ask, later.last)
    friday_close = gw.call(lambda ex: ex.bars(AAPL, None, "1 D", "1 min", "TRADES", False))[-1]
    assert later.last == friday_close.close
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 10)))
    assert statuses(c, 1) == ["PreSubmitted"]


def test_futures_keep_their_near_24h_session(strict) -> None:  # type: ignore[no-untyped-def]
    gw, c = strict(datetime(2026, 11, 22, 19, 0, tzinfo=NY))  # Sunday evening: Globex is open
    es = Contract(symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
                  last_trade_date_or_contract_month="202612")
    c.send(PlaceOrder(order_id=1, contract=es, order=MarketOrder("BUY", 1)))
    assert statuses(c, 1) == ["PreSubmitted", "Submitted", "Filled"]
    first = gw.call(lambda ex: ex.quote(ES))
    gw.step(3 * 3600)
    assert gw.call(lambda ex: ex.market.in_session(ES))
    later = gw.call(lambda ex: ex.quote(ES))
    assert (first.bid, first.time) != (later.bid, later.time)  # quotes keep moving


def test_the_default_calendar_trades_at_any_market_time() -> None:
    # a Saturday start moves to the next moment every market is open, and orders fill there
    with PaperGateway(port=0, tick_interval=None,
                      market_start=datetime(2026, 11, 21, 12, tzinfo=NY)) as gw:
        assert gw.market_time().astimezone(NY) == datetime(2026, 11, 23, 4, 0, tzinfo=NY)
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
            assert statuses(c, 1) == ["PreSubmitted", "Submitted", "Filled"]
        finally:
            c.close()
