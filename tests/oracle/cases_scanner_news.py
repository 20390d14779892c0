"""Oracle cases of the scanner and news messages (issue 15): every request with realistic
arguments, every incoming message with the version from which it exists.

Filter options hold one entry each: the official client's protobuf runtime writes a map's entries
in its own order, so byte equality of a multi-entry map would test the runtime, not the layout.
"""

from __future__ import annotations

from ibwire.models.contract import Contract
from ibwire.models.market import ContractDetails
from ibwire.models.news import NewsProvider
from ibwire.models.scanner import ScanData, ScannerSubscription
from ibwire.protocol.codec import TagValue
from ibwire.protocol.messages import news, scanner
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

TOP_GAINERS = ScannerSubscription(number_of_rows=10, instrument="STK",
                                  location_code="STK.US.MAJOR", scan_code="TOP_PERC_GAIN")
MOST_ACTIVE = ScannerSubscription(instrument="STK", location_code="STK.US", scan_code="MOST_ACTIVE",
                                  above_price=5.0, below_price=500.0, above_volume=100000,
                                  stock_type_filter="CORP")

REQUESTS: list[Message] = [
    scanner.ReqScannerParameters(),
    scanner.ReqScannerSubscription(7001, TOP_GAINERS, [], [TagValue("priceAbove", "5")]),
    scanner.ReqScannerSubscription(7002, MOST_ACTIVE, [], None),
    scanner.ReqScannerSubscription(7004, MOST_ACTIVE, [], []),
    scanner.ReqScannerSubscription(7003, ScannerSubscription(
        number_of_rows=25, instrument="STK", location_code="STK.NASDAQ",
        scan_code="HOT_BY_VOLUME", market_cap_above=1e9, exclude_convertible=True,
        average_option_volume_above=1000, scanner_setting_pairs="Annual,true"),
        [TagValue("xyz", "1")], [TagValue("changePercAbove", "2.5")]),
    scanner.CancelScannerSubscription(7001),
    news.ReqNewsBulletins(True),
    news.ReqNewsBulletins(False),
    news.CancelNewsBulletins(),
    news.ReqNewsProviders(),
    news.ReqNewsArticle(7101, "BRFG", "BRFG$04fb9da2", []),
    news.ReqNewsArticle(7102, "DJNL", "DJNL$1b3c", [TagValue("origin", "api")]),
    news.ReqHistoricalNews(7201, 265598, "BRFG+DJNL", "", "", 10, []),
    news.ReqHistoricalNews(7202, 272093, "BRFUPDN", "2026-11-01 00:00:00.0",
                           "2026-11-20 15:00:00.0", 300, [TagValue("lang", "en")]),
]

AAPL = ContractDetails(Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART",
                                currency="USD", local_symbol="AAPL", trading_class="NMS"),
                       market_name="NMS")
ES = ContractDetails(Contract(con_id=649180695, symbol="ES", sec_type="FUT",
                              last_trade_date_or_contract_month="20261218", exchange="CME",
                              currency="USD", local_symbol="ESZ6", trading_class="ES"),
                     market_name="ES")

INCOMING: list[tuple[Feature | None, Message]] = [
    (None, scanner.ScannerParameters(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ScanParameterResponse><InstrumentList>"
        "<Instrument><name>US Stocks</name><type>STK</type></Instrument></InstrumentList>"
        "</ScanParameterResponse>")),
    (None, scanner.ScannerData(7001, [
        ScanData(0, AAPL, "", "", "", ""),
        ScanData(1, ES, "1.25", "SPX", "up", ""),
    ])),
    (None, scanner.ScannerData(7002, [])),
    (None, news.NewsBulletins(11, 1, "Trading in XYZ is halted pending news", "NYSE")),
    (None, news.NewsBulletins(12, 3, "ISLAND is available for trading", "ISLAND")),
    (Feature.REQ_NEWS_PROVIDERS, news.NewsProviders([
        NewsProvider("BRFG", "Briefing.com General Market Columns"),
        NewsProvider("BRFUPDN", "Briefing.com Analyst Actions"),
        NewsProvider("DJNL", "Dow Jones Newsletters")])),
    (Feature.REQ_NEWS_ARTICLE, news.NewsArticleMsg(7101, 0, "<html><body><p>AAPL rose.</p>"
                                                            "</body></html>")),
    (Feature.REQ_HISTORICAL_NEWS, news.HistoricalNews(7201, "2026-11-20 14:30:00.0", "BRFG",
                                                      "BRFG$04fb9da2", "Apple shares rise")),
    (Feature.REQ_HISTORICAL_NEWS, news.HistoricalNewsEnd(7201, True)),
    (Feature.REQ_HISTORICAL_NEWS, news.HistoricalNewsEnd(7202, False)),
    (Feature.TICK_NEWS, news.TickNews(1001, 1763649000000, "BRFUPDN", "BRFUPDN$1d2e",
                                      "Analyst upgrades AAPL", "A:800015:L:en:K:n/a:C:0.97")),
]
