"""Scanners and news through the paper gateway's wire (issue 15)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ibwire import Stock
from ibwire.models.scanner import ScannerSubscription, parse_scanner_parameters
from ibwire.protocol.codec import TagValue
from ibwire.protocol.messages.market_data import CancelMktData, ReqMktData
from ibwire.protocol.messages.news import (
    CancelNewsBulletins,
    HistoricalNews,
    HistoricalNewsEnd,
    NewsArticleMsg,
    NewsBulletins,
    NewsProviders,
    ReqHistoricalNews,
    ReqNewsArticle,
    ReqNewsBulletins,
    ReqNewsProviders,
    TickNews,
)
from ibwire.protocol.messages.scanner import (
    CancelScannerSubscription,
    ReqScannerParameters,
    ReqScannerSubscription,
    ScannerData,
    ScannerParameters,
)
from ibwire.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime
from ibwire.protocol.versions import MAX_VERSION

AAPL = 265598


def _gainers(req_id: int, rows: int = 10, **kw: object) -> ReqScannerSubscription:
    sub = ScannerSubscription(number_of_rows=rows, instrument="STK", location_code="STK.US.MAJOR",
                              scan_code="TOP_PERC_GAIN")
    filters = kw.pop("filters", [])
    for k, v in kw.items():
        setattr(sub, k, v)
    return ReqScannerSubscription(req_id, sub, [], filters)  # type: ignore[arg-type]


def _change(gateway, con_id: int) -> float:
    q = gateway.call(lambda ex: ex.quote(con_id))
    return (q.last - q.close) / q.close


# --- scanner ---------------------------------------------------------------------------------------

def test_scanner_parameters_are_well_formed_xml_listing_what_the_gateway_scans(gateway, wire):
    for version in (157, MAX_VERSION):
        c = wire(1 if version == 157 else 2, max_version=version)
        c.send(ReqScannerParameters())
        xml = c.expect(ScannerParameters).xml
        root = ET.fromstring(xml)
        assert root.tag == "ScanParameterResponse"
        params = parse_scanner_parameters(xml)
        assert {"STK", "ETF.EQ.US", "FUT.US"} <= {i.type for i in params.instruments}
        assert params.location("STK.US.MAJOR").parent == "STK.US"
        assert params.location("STK.NASDAQ").parent == "STK.US.MAJOR"
        assert {"TOP_PERC_GAIN", "TOP_PERC_LOSE", "MOST_ACTIVE", "HOT_BY_VOLUME"} <= {
            s.code for s in params.scan_codes}
        assert {"priceAbove", "priceBelow", "volumeAbove", "changePercAbove"} <= set(
            params.filter_codes())


def test_top_gainers_are_ranked_by_the_percent_change_the_quotes_show(gateway, wire):
    c = wire(1)
    c.send(_gainers(5))
    data = c.expect(ScannerData)
    assert data.req_id == 5 and len(data.rows) == 10
    assert [r.rank for r in data.rows] == list(range(10))
    changes = [_change(gateway, r.contract.con_id) for r in data.rows]
    assert changes == sorted(changes, reverse=True) and changes[-1] > 0
    top = data.rows[0].contract
    assert top.sec_type == "STK" and top.exchange == "SMART" and top.currency == "USD"
    assert top.symbol and top.local_symbol
    # nothing in STK.US.MAJOR gained more than the first row
    assert all(_change(gateway, i.con_id) <= changes[0] for i in gateway.call(
        lambda ex: [i for i in ex.instruments if i.sec_type == "STK" and i.currency == "USD"
                    and i.exchange in ("NYSE", "NASDAQ", "ARCA", "AMEX", "BATS")]))


def test_a_first_scan_does_not_hold_up_the_requests_after_it(gateway, wire):
    c = wire(1)
    c.send(_gainers(8), ReqCurrentTime())  # one write: the gateway reads both at once
    before = c.until(ScannerData, where=lambda d: d.req_id == 8)
    assert [type(ev) for ev in before].count(CurrentTime) == 1  # answered while the scan ran
    # a scan cancelled before its first run ends sends nothing, and the cancel is no error
    c.send(_gainers(9), CancelScannerSubscription(9))
    after = c.sync()
    assert not [ev for ev in after if isinstance(ev, ScannerData | ErrMsg)]
    c.send(_gainers(9, 3))  # the request id is free again; a cancelled run would answer first
    first = c.expect(ScannerData)
    assert (first.req_id, len(first.rows)) == (9, 3)


def test_losers_most_active_and_filters(gateway, wire):
    c = wire(1)
    c.send(_gainers(6, 20, scan_code="TOP_PERC_LOSE"))
    losers = c.expect(ScannerData).rows
    changes = [_change(gateway, r.contract.con_id) for r in losers]
    assert changes == sorted(changes) and changes[0] < 0
    c.send(_gainers(7, 5, scan_code="MOST_ACTIVE", location_code="STK.NASDAQ"))
    active = c.expect(ScannerData).rows
    vols = [gateway.call(lambda ex, i=r.contract.con_id: ex.quote(i)).volume for r in active]
    assert vols == sorted(vols, reverse=True)
    c.send(_gainers(8, 50, filters=[TagValue("priceAbove", "100"), TagValue("priceBelow", "300")]))
    filtered = c.expect(ScannerData).rows
    assert filtered and all(
        100 <= gateway.call(lambda ex, i=r.contract.con_id: ex.quote(i)).last <= 300
        for r in filtered)


def test_a_scan_gateway_cannot_run_is_refused_with_the_reason(gateway, wire):
    c = wire(1)
    c.send(_gainers(9, scan_code="NO_SUCH_SCAN"))
    err = c.expect(ErrMsg, lambda e: e.req_id == 9)
    assert err.error_code == 321 and "NO_SUCH_SCAN" in err.error_string
    c.send(_gainers(10, filters=[TagValue("sharesOutstandingAbove", "1")]))
    err = c.expect(ErrMsg, lambda e: e.req_id == 10)
    assert err.error_code == 321 and "sharesOutstandingAbove" in err.error_string
    c.send(_gainers(11, market_cap_above=1e9))
    assert c.expect(ErrMsg, lambda e: e.req_id == 11).error_code == 321
    c.send(CancelScannerSubscription(12))
    assert c.expect(ErrMsg, lambda e: e.req_id == 12).error_code == 300


def test_a_live_scan_refreshes_as_the_market_moves_until_cancelled(gateway, wire):
    c = wire(1)
    c.send(_gainers(5, 10))
    first = c.expect(ScannerData)
    for _ in range(40):  # until the ranking changes (the market moves every step)
        gateway.step(60)
        got = [e for e in c.sync() if isinstance(e, ScannerData)]
        if got:
            break
    else:
        raise AssertionError("the scan never changed in 40 minutes of market time")
    fresh = got[-1]
    assert [r.contract.con_id for r in fresh.rows] != [r.contract.con_id for r in first.rows]
    changes = [_change(gateway, r.contract.con_id) for r in fresh.rows]
    assert changes == sorted(changes, reverse=True)
    c.send(CancelScannerSubscription(5))
    c.sync()
    gateway.step(3600)
    assert not [e for e in c.sync() if isinstance(e, ScannerData)]


# --- news ----------------------------------------------------------------------------------------

def test_news_providers(gateway, wire):
    c = wire(1)
    c.send(ReqNewsProviders())
    providers = c.expect(NewsProviders).news_providers
    assert {p.code for p in providers} == {"BRFG", "BRFUPDN", "DJNL"}
    assert all(p.name for p in providers)


def test_historical_news_pages_newest_first_and_articles_by_id(gateway, wire):
    c = wire(1)
    c.send(ReqHistoricalNews(1, AAPL, "BRFG+BRFUPDN+DJNL", "", "", 10, []))
    before = c.until(HistoricalNewsEnd, lambda e: e.req_id == 1)
    page = [r for r in before if isinstance(r, HistoricalNews)]
    assert len(page) == 10 and all(r.req_id == 1 for r in page)
    times = [r.time for r in page]
    assert times == sorted(times, reverse=True)
    assert {r.provider_code for r in page} <= {"BRFG", "BRFUPDN", "DJNL"}
    assert all(r.headline and r.article_id.startswith(r.provider_code + "$") for r in page)
    # the next page: older than the last one, no overlap
    c.send(ReqHistoricalNews(2, AAPL, "BRFG+BRFUPDN+DJNL", "", page[-1].time, 10, []))
    older = [r for r in c.until(HistoricalNewsEnd, lambda e: e.req_id == 2)
             if isinstance(r, HistoricalNews)]
    assert older and older[0].time <= page[-1].time
    assert not {r.article_id for r in older} & {r.article_id for r in page[:-1]}
    # one provider only; the same answer again (deterministic)
    c.send(ReqHistoricalNews(3, AAPL, "DJNL", "", "", 5, []))
    dj = [r for r in c.until(HistoricalNewsEnd, lambda e: e.req_id == 3)
          if isinstance(r, HistoricalNews)]
    assert dj and {r.provider_code for r in dj} == {"DJNL"}
    # an article, by id
    first = page[0]
    c.send(ReqNewsArticle(4, first.provider_code, first.article_id, []))
    art = c.expect(NewsArticleMsg)
    assert art.req_id == 4 and art.article_type == 0
    assert first.headline.replace("&", "&amp;") in art.article_text and "AAPL" in art.article_text


def test_historical_news_is_deterministic_per_seed(gateway, wire):
    a, b = wire(1), wire(2)
    for c in (a, b):
        c.send(ReqHistoricalNews(1, AAPL, "BRFG+DJNL", "", "", 20, []))
    pa = [r for r in a.until(HistoricalNewsEnd) if isinstance(r, HistoricalNews)]
    pb = [r for r in b.until(HistoricalNewsEnd) if isinstance(r, HistoricalNews)]
    assert pa == pb and len(pa) == 20


def test_bad_news_requests_get_errors(gateway, wire):
    c = wire(1)
    c.send(ReqHistoricalNews(1, AAPL, "NOPE", "", "", 10, []))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 321 and "NOPE" in err.error_string and "BRFG" in err.error_string
    c.send(ReqHistoricalNews(2, 1, "BRFG", "", "", 10, []))
    assert c.expect(ErrMsg, lambda e: e.req_id == 2).error_code == 200
    c.send(ReqHistoricalNews(3, AAPL, "BRFG", "yesterday", "", 10, []))
    assert c.expect(ErrMsg, lambda e: e.req_id == 3).error_code == 321
    c.send(ReqNewsArticle(4, "BRFG", "BRFG$1-2-3", []))
    assert c.expect(ErrMsg, lambda e: e.req_id == 4).error_code == 321
    c.send(ReqNewsArticle(5, "BRFG", "garbage", []))
    assert c.expect(ErrMsg, lambda e: e.req_id == 5).error_code == 321


def test_tick_news_on_a_subscription_with_generic_tick_292(gateway, wire):
    c = wire(1)
    c.send(ReqMktData(1, Stock("AAPL"), "292", False, False))
    first = [e for e in c.sync() if isinstance(e, TickNews)]
    assert first and all(t.req_id == 1 and t.headline for t in first)
    stamps = [t.timestamp for t in first]
    assert stamps == sorted(stamps)
    assert stamps[-1] <= gateway.call(lambda ex: ex.now().timestamp() * 1000)
    # as market time passes, new headlines arrive (a trading day holds some)
    seen = {t.article_id for t in first}
    fresh: list[TickNews] = []
    for _ in range(84):  # over a weekend if need be: news comes in sessions
        gateway.step(7200)
        fresh += [e for e in c.sync() if isinstance(e, TickNews)]
        if fresh:
            break
    assert fresh and not {t.article_id for t in fresh} & seen
    c.send(CancelMktData(1))
    c.sync()
    gateway.step(86400)
    assert not [e for e in c.sync() if isinstance(e, TickNews)]


def test_bulletins_all_messages_then_new_ones_until_cancelled(gateway, wire):
    c = wire(1)
    c.send(ReqNewsBulletins(True))
    c.sync()
    got: list[NewsBulletins] = []
    for _ in range(4):
        gateway.step(86400 // 2)
        got += [e for e in c.sync() if isinstance(e, NewsBulletins)]
    assert got and all(b.news_msg_type == 1 and b.news_message for b in got)
    assert len({b.news_msg_id for b in got}) == len(got)
    c.send(CancelNewsBulletins())
    c.sync()
    gateway.step(86400 * 2)
    assert not [e for e in c.sync() if isinstance(e, NewsBulletins)]
