"""Constants, type aliases and small data classes, as in the official ``ibapi.common``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..models.camel import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER, UNSET_LONG
from ._base import Object

__all__ = [
    "NO_VALID_ID", "MAX_MSG_LEN", "UNSET_INTEGER", "UNSET_DOUBLE", "UNSET_LONG", "UNSET_DECIMAL",
    "DOUBLE_INFINITY", "TickerId", "OrderId", "TagValueList", "FaDataType", "MarketDataType",
    "SetOfString", "SetOfFloat", "ListOfOrder", "BarData", "TickAttrib",
    "DepthMktDataDescription", "SmartComponent", "ListOfDepthExchanges", "SmartComponentMap",
    "TickAttribLast", "TickAttribBidAsk", "HistoricalTick", "HistoricalTickBidAsk",
    "HistoricalTickLast", "RealTimeBar", "ListOfHistoricalTick", "ListOfHistoricalTickBidAsk",
    "ListOfHistoricalTickLast",
    "HistogramData", "PriceIncrement", "HistoricalSession", "ListOfPriceIncrements",
    "ListOfHistoricalSessions",
    "FamilyCode", "WshEventData", "ListOfFamilyCode", "ListOfContractDescription",
    "NewsProvider", "ListOfNewsProviders",
]

NO_VALID_ID = -1
MAX_MSG_LEN = 0xFFFFFF

DOUBLE_INFINITY = float("inf")

TickerId = int
OrderId = int
TagValueList = list
FaDataType = int
MarketDataType = int
SetOfString = set
SetOfFloat = set
ListOfOrder = list
ListOfDepthExchanges = list
SmartComponentMap = list
ListOfHistoricalTick = list
ListOfHistoricalTickBidAsk = list
ListOfHistoricalTickLast = list
ListOfPriceIncrements = list
ListOfHistoricalSessions = list
ListOfFamilyCode = list
ListOfContractDescription = list
ListOfNewsProviders = list


@dataclass
class BarData(Object):
    """One historical bar. ``volume`` / ``wap`` are Decimals (UNSET_DECIMAL when unset), as in
    ibapi 10; ``average`` is the 9.81 name of ``wap``."""

    date: str = ""
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    volume: Decimal = UNSET_DECIMAL
    wap: Decimal = UNSET_DECIMAL
    barCount: int = 0

    @property
    def average(self) -> Decimal:
        return self.wap

    @average.setter
    def average(self, value: Decimal) -> None:
        self.wap = value


@dataclass
class TickAttrib(Object):
    """The attribute bits of a price tick."""

    canAutoExecute: bool = False
    pastLimit: bool = False
    preOpen: bool = False


@dataclass
class DepthMktDataDescription(Object):
    """An exchange that offers market depth (``mktDepthExchanges``)."""

    exchange: str = ""
    secType: str = ""
    listingExch: str = ""
    serviceDataType: str = ""
    aggGroup: int = UNSET_INTEGER


@dataclass
class SmartComponent(Object):
    """One exchange behind a BBO exchange code (``smartComponents``)."""

    bitNumber: int = 0
    exchange: str = ""
    exchangeLetter: str = ""


@dataclass
class TickAttribLast(Object):
    """A trade tick's attributes (tick-by-tick and historical TRADES ticks)."""

    pastLimit: bool = False
    unreported: bool = False


@dataclass
class TickAttribBidAsk(Object):
    """A quote tick's attributes (tick-by-tick and historical BID_ASK ticks)."""

    bidPastLow: bool = False
    askPastHigh: bool = False


@dataclass
class HistoricalTick(Object):
    """A MIDPOINT tick of reqHistoricalTicks (``time`` in epoch seconds)."""

    time: int = 0
    price: float = 0.0
    size: Decimal = UNSET_DECIMAL


@dataclass
class HistoricalTickBidAsk(Object):
    """A BID_ASK tick of reqHistoricalTicks."""

    time: int = 0
    tickAttribBidAsk: TickAttribBidAsk = field(default_factory=TickAttribBidAsk)
    priceBid: float = 0.0
    priceAsk: float = 0.0
    sizeBid: Decimal = UNSET_DECIMAL
    sizeAsk: Decimal = UNSET_DECIMAL


@dataclass
class HistoricalTickLast(Object):
    """A TRADES tick of reqHistoricalTicks."""

    time: int = 0
    tickAttribLast: TickAttribLast = field(default_factory=TickAttribLast)
    price: float = 0.0
    size: Decimal = UNSET_DECIMAL
    exchange: str = ""
    specialConditions: str = ""


@dataclass
class RealTimeBar(Object):
    """A 5-second bar (``realtimeBar`` passes its fields one by one)."""

    time: int = 0
    endTime: int = -1
    open_: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    volume: Decimal = UNSET_DECIMAL
    wap: Decimal = UNSET_DECIMAL
    count: int = 0


# --- historical reference data (issue 13) ----------------------------------------------------------

@dataclass
class HistogramData(Object):
    """One row of ``histogramData``: the size traded at a price."""

    price: float = 0.0
    size: Decimal = UNSET_DECIMAL


@dataclass
class PriceIncrement(Object):
    """One band of ``marketRule``: from ``lowEdge`` up, prices move by ``increment``."""

    lowEdge: float = 0.0
    increment: float = 0.0


@dataclass
class HistoricalSession(Object):
    """One session of ``historicalSchedule`` (times as TWS writes them)."""

    startDateTime: str = ""
    endDateTime: str = ""
    refDate: str = ""


# --- discovery (issue 15) ------------------------------------------------------------------------

@dataclass
class FamilyCode(Object):
    """One account's family code (``familyCodes`` callback)."""

    accountID: str = ""
    familyCodeStr: str = ""


@dataclass
class WshEventData(Object):
    """What ``reqWshEventData`` asks for: a contract, or the watchlist / portfolio / competitors
    (server version 171), between dates and up to a count (173)."""

    conId: int = UNSET_INTEGER
    filter: str = ""
    fillWatchlist: bool = False
    fillPortfolio: bool = False
    fillCompetitors: bool = False
    startDate: str = ""
    endDate: str = ""
    totalLimit: int = UNSET_INTEGER


@dataclass
class NewsProvider(Object):
    """A news provider: ``code`` (BRFG, DJNL ...) and ``name``."""

    code: str = ""
    name: str = ""
