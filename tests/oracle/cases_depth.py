"""Oracle cases of the market depth domain (protocol/messages/depth.py): REQ_MKT_DEPTH,
CANCEL_MKT_DEPTH, REQ_MKT_DEPTH_EXCHANGES, REQ_SMART_COMPONENTS and what answers them.

Requests the official client refuses at a version (SMART depth below 146, a primary exchange
below 149, the exchanges request below 112, SMART components below 114) must be refused by
ibwire at that version too; the fixed examples include such requests on purpose."""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.contract import Contract
from ibwire.models.depth import DepthMktDataDescription, SmartComponent
from ibwire.protocol.messages import depth
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
AAPL_ISLAND = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="ISLAND",
                       currency="USD", local_symbol="AAPL", trading_class="NMS")
AAPL_PRIMARY = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                        primary_exchange="NASDAQ")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="202612", multiplier="50", local_symbol="ESZ6",
              trading_class="ES")

REQUESTS: list[Message] = [
    depth.ReqMktDepth(41, AAPL_ISLAND, 10, False),
    depth.ReqMktDepth(42, ES, 5, False),
    depth.ReqMktDepth(43, AAPL, 20, True),  # SMART depth: refused below 146
    depth.ReqMktDepth(44, AAPL_PRIMARY, 3, False),  # primary exchange: refused below 149
    depth.CancelMktDepth(41, False),
    depth.CancelMktDepth(43, True),  # refused below 146
    depth.ReqMktDepthExchanges(),  # refused below 112
    depth.ReqSmartComponents(45, "9c0001"),  # refused below 114
    depth.ReqSmartComponents(46, "a6"),
]

_DESCRIPTIONS = [
    DepthMktDataDescription("ISLAND", "STK", "NASDAQ", "Deep2", 7),
    DepthMktDataDescription("ARCA", "STK", "NYSE", "Deep", 1),
    DepthMktDataDescription("CME", "FUT", "", "Deep", 2),
]
_COMPONENTS = [SmartComponent(0, "ARCA", "P"), SmartComponent(1, "NASDAQ", "Q"),
               SmartComponent(5, "IEX", "V")]

INCOMING: list[tuple[Feature | None, Message]] = [
    (None, depth.MarketDepth(41, 0, 0, 1, 5001.25, Decimal(12))),
    (None, depth.MarketDepth(41, 3, 1, 0, 5001.75, Decimal(7))),
    (None, depth.MarketDepth(41, 9, 2, 0, 5003.5, Decimal(0))),
    (None, depth.MarketDepthL2(43, 0, "ARCA", 0, 1, 150.25, Decimal(300), True)),
    (None, depth.MarketDepthL2(43, 4, "NSDQ", 1, 0, 150.31, Decimal(100), False)),
    (None, depth.MarketDepthL2(41, 2, "IEX", 2, 1, 150.2, Decimal(0), True)),
    (Feature.REQ_MKT_DEPTH_EXCHANGES, depth.MktDepthExchanges(_DESCRIPTIONS)),
    (Feature.REQ_MKT_DEPTH_EXCHANGES, depth.MktDepthExchanges([])),
    (Feature.REQ_SMART_COMPONENTS, depth.SmartComponents(45, _COMPONENTS)),
    (None, depth.RerouteMktDataReq(20621, 8314, "SMART")),
    (None, depth.RerouteMktDepthReq(20622, 8314, "SMART")),
]
