"""Historical reference data end to end: head timestamps, histograms, market rules and trading
schedules through ibwire's Broker, AsyncBroker and EClient and through ib_async 2.1 (at 178),
each compared with what the gateway's market and calendar say. (The official client 10.51 gets
the same in tests/oracle/test_reference_official_1051.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ibwire import (
    AsyncBroker,
    Broker,
    ContractError,
    Forex,
    Future,
    HistogramData,
    HistoricalDataError,
    MarketRule,
    RequestError,
    ServerTooOld,
    Stock,
    TradingSchedule,
)
from ibwire.gateway import PaperGateway

from .conftest import AAPL, WAIT_S, EApp, _recorder, run


def market_head(gateway: PaperGateway, con_id: int, use_rth: bool) -> datetime:
    def head(ex: Any) -> int:
        s = ex.market.history_start(con_id)
        return ex.market.calendar(con_id).next_session(s, liquid=True).open if use_rth else s
    return datetime.fromtimestamp(gateway.call(head), UTC)


def period_volume(gateway: PaperGateway, con_id: int, duration: str, use_rth: bool) -> Decimal:
    bars = gateway.call(lambda ex: ex.bars(con_id, None, duration, "1 day", "TRADES", use_rth))
    return sum((b.volume for b in bars), Decimal(0))


def check_histogram(gateway: PaperGateway, items: list[Any], duration: str, use_rth: bool) -> None:
    assert items
    prices = [float(i.price) for i in items]
    assert prices == sorted(prices)
    sizes = [i.count if hasattr(i, "count") else i.size for i in items]  # (ib_async: count)
    assert sum(Decimal(x) for x in sizes) == period_volume(gateway, AAPL, duration, use_rth)


# --- Broker -------------------------------------------------------------------------------------

def test_broker_head_timestamp_histogram_and_rule(gateway, broker):
    head = broker.head_timestamp(Stock("AAPL"))
    assert head.tzinfo is not None and head == market_head(gateway, AAPL, True)
    assert broker.head_timestamp(Stock("AAPL"), "MIDPOINT", use_rth=False) == \
        market_head(gateway, AAPL, False)
    # the bars begin there
    first = broker.historical_bars(Stock("AAPL"), end=head.replace(hour=head.hour + 1),
                                   duration="3600 S", bar_size="1 min")
    assert first[0].time == head

    items = broker.histogram(Stock("AAPL"), "3 days")
    assert all(isinstance(i, HistogramData) for i in items)
    check_histogram(gateway, items, "3 D", True)

    rule = broker.market_rule(26)
    assert isinstance(rule, MarketRule) and rule.increment_at(150.0) == 0.01
    assert broker.market_rules == {26: rule}
    assert broker.market_rule(26) is rule  # kept: not asked again


def test_broker_rounds_prices_on_the_contracts_grid(broker):
    assert broker.round_price(Stock("AAPL"), 150.123) == 150.12
    assert broker.round_price(Future("ES", "202612", "CME"), 6001.13) == 6001.25
    assert broker.round_price(Future("ES", "202612", "CME"), 6001.13, "down") == 6001.0
    # Xetra: the MiFID II table (0.05 from 200 EUR, 0.02 from 100 EUR)
    sap = broker.price_rule(Stock("SAP", "IBIS", "EUR"))
    assert sap.round(240.07) == 240.05 and sap.round(150.03) == 150.04
    # Toronto: half cents below 0.50
    ry = broker.price_rule(Stock("RY", "SMART", "CAD"))
    assert ry.round(0.4126) == 0.415 and ry.round(100.126) == 100.13


def test_broker_historical_schedule(gateway, broker):
    sched = broker.historical_schedule(Stock("AAPL"), "1 W")
    assert isinstance(sched, TradingSchedule) and sched.time_zone == "US/Eastern"
    days = gateway.call(lambda ex: ex.bars(AAPL, None, "1 W", "1 day", "TRADES", True))
    assert [s.ref_date for s in sched.sessions] == [b.time.date() for b in days]
    for s in sched.sessions:
        assert s.start.tzinfo is not None and (s.start.hour, s.start.minute) == (9, 30)
        assert (s.end - s.start).total_seconds() == 6.5 * 3600
    assert sched.start == sched.sessions[0].start and sched.end == sched.sessions[-1].end
    ext = broker.historical_schedule(Stock("AAPL"), "2 D", use_rth=False,
                                     end=datetime(2026, 11, 13, 21, 0, tzinfo=UTC))
    assert [(s.ref_date, s.start.hour, s.end.hour) for s in ext.sessions] == [
        (date(2026, 11, 12), 4, 20), (date(2026, 11, 13), 4, 20)]


def test_broker_errors(broker):
    with pytest.raises(ContractError):
        broker.head_timestamp(Stock("NOPE"))
    with pytest.raises(HistoricalDataError):
        broker.head_timestamp(Forex("EURUSD"), "TRADES")
    with pytest.raises(RequestError) as exc:
        broker.histogram(Stock("AAPL"), "3 fortnights")
    assert exc.value.code == 321
    with pytest.raises(RequestError, match="987654"):
        broker.market_rule(987654)
    with pytest.raises(TypeError):
        broker.market_rule("26")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        broker.historical_schedule(Stock("AAPL"), end=datetime(2026, 11, 13))


def test_broker_schedule_needs_165(gateway):
    with Broker.connect("127.0.0.1", gateway.port, client_id=7, timeout=WAIT_S,
                        max_version=164) as b:
        with pytest.raises(ServerTooOld, match="165"):
            b.historical_schedule(Stock("AAPL"))
        assert b.head_timestamp(Stock("AAPL")) == market_head(gateway, AAPL, True)


def test_eclient_refuses_what_the_server_version_lacks_with_503():
    # as the official client: "The TWS is out of date and must be upgraded." naming the request
    with PaperGateway(port=0, tick_interval=None, max_version=117) as gateway:
        app = RefApp()
        app.connect("127.0.0.1", gateway.port, 5)
        thread = app.start_dispatcher()
        try:
            app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
            app.reqHeadTimeStamp(51, Stock("AAPL"), "TRADES", 1, 1)
            app.reqMarketRule(26)
            app.reqHistoricalData(52, Stock("AAPL"), "", "1 W", "1 day", "SCHEDULE", 1, 1, False,
                                  [])
            app.wait(lambda: len([e for e in app.errors() if e[1] == 503]) == 3, "three 503s")
            texts = {e[0]: e[2] for e in app.errors() if e[1] == 503}
            assert "out of date" in texts[51] and "118" in texts[51]
            assert "126" in texts[-1] and "165" in texts[52]
            app.sync()
            assert not app.of("headTimestamp") and not app.of("marketRule")
        finally:
            app.disconnect()
            thread.join(WAIT_S)


# --- AsyncBroker --------------------------------------------------------------------------------

def test_async_broker_reference_data(gateway):
    async def scenario() -> tuple[Any, ...]:
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=3,
                                             timeout=WAIT_S) as b:
            head = await b.head_timestamp(Stock("AAPL"), "TRADES", use_rth=False)
            items = await b.histogram(Stock("AAPL"), "1 week", use_rth=False)
            rule = await b.market_rule(67)
            price = await b.round_price(Future("ES", "202612", "CME"), 6000.2)
            sched = await b.historical_schedule(Stock("AAPL"), "3 D")
            return head, items, rule, price, sched, b.market_rules

    head, items, rule, price, sched, rules = run(scenario)
    assert head == market_head(gateway, AAPL, False)
    check_histogram(gateway, items, "1 W", False)
    assert [(p.low_edge, p.increment) for p in rule.increments] == [(0.0, 0.25)]
    assert price == 6000.25 and set(rules) == {67}
    assert len(sched.sessions) == 3


# --- ibwire's EClient ---------------------------------------------------------------------------

class RefApp(EApp):
    pass


for _name in ("headTimestamp", "histogramData", "marketRule", "historicalSchedule"):
    setattr(RefApp, _name, _recorder(_name))


def test_eclient_reference_data(gateway):
    app = RefApp()
    app.connect("127.0.0.1", gateway.port, 4)
    thread = app.start_dispatcher()
    try:
        app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
        c = Stock("AAPL")
        app.reqHeadTimeStamp(41, c, "TRADES", 1, 2)
        app.reqHistogramData(42, c, True, "3 days")
        app.reqMarketRule(26)
        app.reqHistoricalData(43, c, "", "1 W", "1 day", "SCHEDULE", 1, 1, False, [])
        app.wait(lambda: bool(app.of("headTimestamp") and app.of("histogramData")
                              and app.of("marketRule") and app.of("historicalSchedule")),
                 "the four answers")
        [(rid, text)] = app.of("headTimestamp")
        assert rid == 41
        assert datetime.fromtimestamp(int(text), UTC) == market_head(gateway, AAPL, True)
        [(rid, items)] = app.of("histogramData")
        assert rid == 42
        check_histogram(gateway, items, "3 D", True)
        [(rule_id, increments)] = app.of("marketRule")
        assert rule_id == 26 and [(p.low_edge, p.increment) for p in increments] == [(0.0, 0.01)]
        [(rid, start, end, zone, sessions)] = app.of("historicalSchedule")
        assert (rid, zone, len(sessions)) == (43, "US/Eastern", 5)
        assert start == sessions[0].start_date_time and end == sessions[-1].end_date_time
        assert all(s.start_date_time.endswith("-09:30:00") for s in sessions)
    finally:
        app.disconnect()
        thread.join(WAIT_S)


# --- ib_async 2.1 (server version 178) ----------------------------------------------------------

def test_ib_async_reference_data(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=34, timeout=10)
        try:
            [aapl] = await ib.qualifyContractsAsync(ib_async.Stock("AAPL", "SMART", "USD"))
            [details] = await ib.reqContractDetailsAsync(aapl)
            head = await ib.reqHeadTimeStampAsync(aapl, "TRADES", True, 2)
            head_text = await ib.reqHeadTimeStampAsync(aapl, "TRADES", True, 1)
            histogram = await ib.reqHistogramDataAsync(aapl, True, "3 days")
            rule_id = int(details.marketRuleIds.split(",")[0])
            rule = await ib.reqMarketRuleAsync(rule_id)
            sched = await ib.reqHistoricalScheduleAsync(aapl, 5)
            return {"version": ib.client.serverVersion(), "head": head, "head_text": head_text,
                    "histogram": histogram, "rule_id": rule_id, "rule": rule, "sched": sched}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    assert out["version"] == 178
    expected = market_head(gateway, AAPL, True)
    assert out["head"] == expected
    assert out["head_text"].replace(tzinfo=UTC) == expected  # text form: UTC, no zone
    check_histogram(gateway, out["histogram"], "3 D", True)
    assert out["rule_id"] == 26
    assert [(p.lowEdge, p.increment) for p in out["rule"]] == [(0.0, 0.01)]
    sched = out["sched"]
    assert sched.timeZone == "US/Eastern" and len(sched.sessions) == 5
    assert all(s.startDateTime.endswith("-09:30:00") for s in sched.sessions)
