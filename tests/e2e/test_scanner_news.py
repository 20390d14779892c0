"""Scanners and news end to end through Broker and AsyncBroker (issue 15)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ibwire import AsyncBroker, Stock
from ibwire.client.feeds import ScanSubscription
from ibwire.errors import RequestError
from ibwire.models.news import NewsBulletin

from .conftest import AAPL, WAIT_S, quote, run


def _change(gateway, con_id: int) -> float:
    q = quote(gateway, con_id)
    return (q.last - q.close) / q.close


# --- Broker: scanner ------------------------------------------------------------------------------

def test_scanner_parameters_are_parsed(broker):
    params = broker.scanner_parameters()
    assert ET.fromstring(params.xml).tag == "ScanParameterResponse"
    assert params.scan_code("TOP_PERC_GAIN").column == "Change %"
    assert "STK" in params.location("STK.US.MAJOR").instruments
    assert params.instrument("STK").name == "US Stocks"
    assert params.filter_codes()["priceAbove"].id == "PRICE"
    assert broker.scanner_parameters() is params  # asked once per session


def test_top_gainers_match_the_quotes_percent_changes(broker, gateway):
    rows = broker.scan("TOP_PERC_GAIN", "STK", "STK.US.MAJOR", rows=10)
    assert [r.rank for r in rows] == list(range(10))
    # the client's own quotes: percent change vs the previous close the ticks show
    changes = []
    for r in rows[:5]:
        t = broker.snapshot(r.contract)
        assert t.last is not None and t.close
        changes.append((t.last - t.close) / t.close)
    assert changes == sorted(changes, reverse=True) and changes[-1] > 0
    assert changes == [_change(gateway, r.contract.con_id) for r in rows[:5]]


def test_scan_filters_and_bad_names(broker, gateway):
    rows = broker.scan("MOST_ACTIVE", location="STK.NASDAQ", rows=5,
                       filters={"priceAbove": 50, "priceBelow": 400})
    assert rows and all(50 <= quote(gateway, r.contract.con_id).last <= 400 for r in rows)
    with pytest.raises(ValueError, match="TOP_PERC_GAIN"):
        broker.scan("TOP_PERC_GAINS")
    with pytest.raises(ValueError, match="STK.US.MAJOR"):
        broker.scan("TOP_PERC_GAIN", location="STK.US.MAJORS")
    with pytest.raises(ValueError, match="priceAbove"):
        broker.scan("TOP_PERC_GAIN", filters={"priceAbov": 5})
    # unchecked, the gateway refuses it and says why
    with pytest.raises(RequestError) as info:
        broker.scan("NOPE", validate=False)
    assert info.value.code == 321 and "NOPE" in str(info.value)


def test_a_live_scan_follows_the_market(broker, gateway):
    sub = broker.scan_subscription("TOP_PERC_GAIN", rows=10)
    assert isinstance(sub, ScanSubscription) and len(sub.rows) == 10
    first = [r.contract.con_id for r in sub.rows]
    n = sub.updates
    for _ in range(40):
        gateway.step(60)
        if sub.wait_update(0.5, after=n):
            break
    assert sub.updates > n and [r.contract.con_id for r in sub.rows] != first
    changes = [_change(gateway, r.contract.con_id) for r in sub.rows]
    assert changes == sorted(changes, reverse=True)
    broker.cancel_scan(sub)
    assert not sub.active and sub not in broker._scans.values()


# --- Broker: news ---------------------------------------------------------------------------------

def test_news_providers_history_and_an_article(broker):
    codes = {p.code for p in broker.news_providers()}
    assert codes == {"BRFG", "BRFUPDN", "DJNL"}
    page = broker.historical_news(Stock("AAPL"), total=5)
    assert len(page) == 5 and page.has_more
    assert [h.time for h in page] == sorted((h.time for h in page), reverse=True)
    older = broker.historical_news(Stock("AAPL"), ["DJNL"], end=page[-1].time, total=5)
    assert older and all(h.provider_code == "DJNL" and h.time <= page[-1].time for h in older)
    art = broker.news_article(page[0].provider_code, page[0].article_id)
    assert art.article_type == 0 and "AAPL" in art.text
    with pytest.raises(RequestError) as info:
        broker.news_article("BRFG", "BRFG$0-0-0")
    assert info.value.code == 321


def test_news_feed_and_bulletins(broker, gateway):
    feed = broker.news(Stock("AAPL"))
    assert broker.wait_until(lambda: len(feed.headlines) >= 1, WAIT_S)
    n = len(feed.headlines)
    bulletins = broker.news_bulletins(all_messages=True)
    for _ in range(84):  # over a weekend if need be: news comes in sessions
        gateway.step(7200)
        feed.wait_update(0.3, after=feed.updates)
        if len(feed.headlines) > n:
            break
    assert len(feed.headlines) > n
    assert all(h.article_id.startswith(h.provider_code) for h in feed.headlines)
    broker.cancel_news(feed)
    gateway.step(86400)
    assert broker.wait_until(lambda: bool(bulletins.bulletins), WAIT_S)
    assert all(isinstance(b, NewsBulletin) and b.message for b in bulletins.bulletins)
    broker.cancel_news_bulletins()


# --- AsyncBroker ----------------------------------------------------------------------------------

def test_async_broker_scans_and_reads_news(gateway):
    async def scenario() -> None:
        async with AsyncBroker("127.0.0.1", gateway.port, client_id=5, timeout=WAIT_S) as b:
            params = await b.scanner_parameters()
            assert params.scan_code("MOST_ACTIVE") is not None
            rows = await b.scan("TOP_PERC_LOSE", rows=5)
            changes = [_change(gateway, r.contract.con_id) for r in rows]
            assert changes == sorted(changes) and changes[0] < 0
            sub = await b.scan_subscription("HOT_BY_VOLUME", rows=5)
            assert len(sub.rows) == 5
            await b.cancel_scan(sub)
            providers = await b.news_providers()
            assert "BRFG" in {p.code for p in providers}
            page = await b.historical_news(Stock("AAPL"), "BRFG+DJNL", total=3)
            assert len(page) == 3
            art = await b.news_article(page[0].provider_code, page[0].article_id)
            assert page[0].headline.split(" ")[0] in art.text
            feed = await b.news(Stock("AAPL"))
            await feed.updated(WAIT_S)
            assert feed.headlines and feed.contract.symbol == "AAPL"
            await b.cancel_news(feed)

    run(scenario)


def test_aapl_constant_is_the_gateway_con_id(gateway):
    assert gateway.call(lambda ex: ex.instruments.get(AAPL)).symbol == "AAPL"


# --- EClient / EWrapper (the official 10.x names) ---------------------------------------------------

def test_eclient_scanner_and_news_callbacks(gateway):
    from ibwire.models.scanner import ScannerSubscription

    from .conftest import EApp, _recorder

    class App(EApp):
        pass

    for name in ("scannerParameters", "scannerData", "scannerDataEnd", "newsProviders",
                 "historicalNews", "historicalNewsEnd", "newsArticle", "tickNews"):
        setattr(App, name, _recorder(name))
    app = App()
    app.connect("127.0.0.1", gateway.port, 3)
    thread = app.start_dispatcher()
    try:
        app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
        app.reqScannerParameters()
        app.wait(lambda: bool(app.of("scannerParameters")), "scannerParameters")
        assert ET.fromstring(app.of("scannerParameters")[0][0]).tag == "ScanParameterResponse"
        sub = ScannerSubscription(number_of_rows=5, instrument="STK",
                                  location_code="STK.US.MAJOR", scan_code="TOP_PERC_GAIN")
        app.reqScannerSubscription(71, sub, [], None)
        app.wait(lambda: bool(app.of("scannerDataEnd", 71)), "scannerDataEnd")
        rows = app.of("scannerData", 71)
        assert [r[1] for r in rows] == list(range(5))
        changes = [_change(gateway, r[2].contract.con_id) for r in rows]
        assert changes == sorted(changes, reverse=True)
        app.cancelScannerSubscription(71)
        app.reqNewsProviders()
        app.wait(lambda: bool(app.of("newsProviders")), "newsProviders")
        assert {p.code for p in app.of("newsProviders")[0][0]} == {"BRFG", "BRFUPDN", "DJNL"}
        app.reqHistoricalNews(72, AAPL, "BRFG+DJNL", "", "", 3, [])
        app.wait(lambda: bool(app.of("historicalNewsEnd", 72)), "historicalNewsEnd")
        news = app.of("historicalNews", 72)
        assert len(news) == 3
        app.reqNewsArticle(73, news[0][2], news[0][3], [])
        app.wait(lambda: bool(app.of("newsArticle", 73)), "newsArticle")
        assert app.of("newsArticle", 73)[0][1] == 0
    finally:
        app.disconnect()
        thread.join(WAIT_S)
