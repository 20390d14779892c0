"""The paper gateway's instrument table: what it trades, and how a request's contract finds it.

A built-in table (:data:`INSTRUMENTS`) holds US stocks and ETFs, CME / NYMEX futures with two
contract months each, and IDEALPRO currency pairs, with con ids, exchanges, tick sizes, trading and
liquid hours in TWS's format, and the other fields a CONTRACT_DATA answer carries.

* :func:`resolve` turns a request's (possibly partial) :class:`~ibwire.models.Contract` into the
  matching instruments: ``[]`` when none match (the session answers 200 "No security definition has
  been found for the request"), several when the contract is ambiguous (a future without a month).
* :func:`to_contract` gives the fully qualified contract, :func:`to_details` the
  :class:`~ibwire.models.market.ContractDetails`.

Everything here is pure and synchronous; the table is immutable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..models.contract import Contract
from ..models.market import ContractDetails
from ..protocol.codec import TagValue
from .calendar import Calendar

__all__ = [
    "Instrument",
    "InstrumentTable",
    "INSTRUMENTS",
    "DEFAULT_TABLE",
    "resolve",
    "to_contract",
    "to_details",
    "session_hours",
]

# Order types advertised in CONTRACT_DATA (IB's tokens). The paper exchange executes MKT, LMT,
# STP and STP LMT; the rest are advertised the way TWS lists them but rejected with 387.
_STK_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,COND,CONDORDER,DAY,"
                    "DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,LOC,MIT,MKT,MOC,MTL,"
                    "NONALGO,OCA,OPG,PEGMID,POSTONLY,REL,RTH,SCALE,SNAPMID,SNAPMKT,STP,STPLMT,"
                    "TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
_FUT_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,"
                    "DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,"
                    "NONALGO,OCA,RTH,SCALE,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
_FX_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASH,COND,CONDORDER,DAY,"
                   "DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,"
                   "STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
_STK_EXCHANGES = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,NASDAQ,BATS,EDGEA,BYX,IEX,EDGX,MEMX,PSX"
_STK_RULES = ",".join(["26"] * len(_STK_EXCHANGES.split(",")))


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument of the paper gateway.

    ``hours`` names the session rules ("stock", "cme", "nymex" or "fx") of the market calendar
    (:mod:`.calendar`), which :func:`session_hours` expands into TWS's hours strings. ``base_price``,
    ``volatility`` (log standard deviation per half hour), ``block_volume`` (typical volume per half
    hour) and ``lot`` (quote size unit) drive the simulated market.
    """

    con_id: int
    symbol: str
    sec_type: str  # STK, FUT, CASH
    exchange: str  # listing / order exchange (NASDAQ, ARCA, CME, NYMEX, IDEALPRO)
    currency: str
    local_symbol: str
    trading_class: str
    long_name: str
    min_tick: float
    base_price: float
    industry: str = ""
    category: str = ""
    subcategory: str = ""
    multiplier: str | None = None
    last_trade_date: str | None = None  # YYYYMMDD (futures)
    contract_month: str | None = None  # YYYYMM (futures)
    time_zone_id: str = "US/Eastern"
    hours: str = "stock"
    valid_exchanges: str = _STK_EXCHANGES
    order_types: str = _STK_ORDER_TYPES
    market_rule_ids: str = _STK_RULES
    min_size: Decimal = Decimal(1)
    size_increment: Decimal = Decimal(1)
    suggested_size_increment: Decimal = Decimal(100)
    stock_type: str | None = "COMMON"
    isin: str | None = None
    under_con_id: int = 0
    under_symbol: str | None = None
    under_sec_type: str | None = None
    market_name: str = ""
    agg_group: int = 1
    volatility: float = 0.004
    block_volume: int = 500_000
    lot: int = 100

    @property
    def primary_exchange(self) -> str:
        """Where the instrument is listed (for stocks, the primaryExchange of a SMART contract)."""
        return self.exchange

    @property
    def multiplier_value(self) -> float:
        """The contract multiplier as a number (1 for stocks and currency pairs)."""
        return float(self.multiplier) if self.multiplier else 1.0

    @property
    def price_decimals(self) -> int:
        """Decimal places of a price on this instrument's tick grid."""
        text = f"{self.min_tick:.10f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0

    def round_price(self, price: float) -> float:
        """``price`` as a float with no more decimals than the tick grid has."""
        return round(price, self.price_decimals)

    def on_grid(self, price: float) -> bool:
        """Whether ``price`` is a whole number of ticks."""
        ticks = price / self.min_tick
        return abs(ticks - round(ticks)) < 1e-6


def _stock(con_id: int, symbol: str, exchange: str, long_name: str, price: float, industry: str,
           category: str, subcategory: str, *, isin: str, etf: bool = False, vol: float = 0.004,
           volume: int = 400_000) -> Instrument:
    return Instrument(
        con_id=con_id, symbol=symbol, sec_type="STK", exchange=exchange, currency="USD",
        local_symbol=symbol, trading_class="NMS" if exchange == "NASDAQ" else symbol,
        long_name=long_name, min_tick=0.01, base_price=price, industry=industry,
        category=category, subcategory=subcategory, isin=isin, stock_type="ETF" if etf else "COMMON",
        market_name="NMS" if exchange == "NASDAQ" else symbol, volatility=vol,
        block_volume=volume,
    )


def _future(con_id: int, symbol: str, exchange: str, month: str, last: str, local: str,
            long_name: str, multiplier: str, tick: float, price: float, under_con_id: int, *,
            under_type: str = "IND", tz: str = "US/Central", vol: float = 0.0025,
            volume: int = 40_000, rule: str = "67") -> Instrument:
    return Instrument(
        con_id=con_id, symbol=symbol, sec_type="FUT", exchange=exchange, currency="USD",
        local_symbol=local, trading_class=symbol, long_name=long_name, min_tick=tick,
        base_price=price, industry="", category="", subcategory="", multiplier=multiplier,
        last_trade_date=last, contract_month=month, time_zone_id=tz,
        hours="cme" if exchange == "CME" else "nymex", valid_exchanges=f"{exchange},QBALGO",
        order_types=_FUT_ORDER_TYPES, market_rule_ids=f"{rule},{rule}", min_size=Decimal(1),
        size_increment=Decimal(1), suggested_size_increment=Decimal(1), stock_type=None,
        under_con_id=under_con_id, under_symbol=symbol, under_sec_type=under_type,
        market_name=symbol, agg_group=2147483647, volatility=vol, block_volume=volume, lot=1,
    )


def _pair(con_id: int, base: str, quote: str, long_name: str, tick: float, price: float,
          rule: str = "239") -> Instrument:
    pair = f"{base}.{quote}"
    return Instrument(
        con_id=con_id, symbol=base, sec_type="CASH", exchange="IDEALPRO", currency=quote,
        local_symbol=pair, trading_class=pair, long_name=long_name, min_tick=tick,
        base_price=price, industry="", category="", subcategory="", time_zone_id="US/Eastern",
        hours="fx", valid_exchanges="IDEALPRO", order_types=_FX_ORDER_TYPES,
        market_rule_ids=rule, min_size=Decimal(1), size_increment=Decimal(1),
        suggested_size_increment=Decimal(1), stock_type=None, market_name=pair,
        volatility=0.0012, block_volume=0, lot=1_000_000,
    )


_TECH = ("Technology", "Computers")
INSTRUMENTS: tuple[Instrument, ...] = (
    _stock(265598, "AAPL", "NASDAQ", "APPLE INC", 230.0, *_TECH, "Computers",
           isin="US0378331005", volume=1_500_000),
    _stock(272093, "MSFT", "NASDAQ", "MICROSOFT CORP", 420.0, "Technology", "Software",
           "Applications Software", isin="US5949181045", volume=600_000),
    _stock(756733, "SPY", "ARCA", "SPDR S&P 500 ETF TRUST", 580.0, "Funds", "Equity Fund",
           "Growth&Income-Large Cap", isin="US78462F1030", etf=True, vol=0.0025,
           volume=2_000_000),
    _stock(320227571, "QQQ", "NASDAQ", "INVESCO QQQ TRUST SERIES 1", 500.0, "Funds",
           "Equity Fund", "Growth-Large Cap", isin="US46090E1038", etf=True, vol=0.003,
           volume=1_200_000),
    _stock(9579970, "IWM", "ARCA", "ISHARES RUSSELL 2000 ETF", 220.0, "Funds", "Equity Fund",
           "Growth-Small Cap", isin="US4642876555", etf=True, vol=0.003, volume=900_000),
    _stock(76792991, "TSLA", "NASDAQ", "TESLA INC", 250.0, "Consumer, Cyclical",
           "Auto Manufacturers", "Auto-Cars/Light Trucks", isin="US88160R1014", vol=0.007,
           volume=2_500_000),
    _stock(3691937, "AMZN", "NASDAQ", "AMAZON.COM INC", 200.0, "Communications", "Internet",
           "E-Commerce/Products", isin="US0231351067", volume=1_300_000),
    _stock(4815747, "NVDA", "NASDAQ", "NVIDIA CORP", 140.0, "Technology", "Semiconductors",
           "Electronic Compo-Semicon", isin="US67066G1040", vol=0.006, volume=5_000_000),
    _stock(208813719, "GOOGL", "NASDAQ", "ALPHABET INC-CL A", 170.0, "Communications",
           "Internet", "Web Portals/ISP", isin="US02079K3059", volume=800_000),
    _stock(107113386, "META", "NASDAQ", "META PLATFORMS INC-CLASS A", 560.0, "Communications",
           "Internet", "Internet Content-Entmnt", isin="US30303M1027", volume=500_000),
    _stock(15124833, "NFLX", "NASDAQ", "NETFLIX INC", 700.0, "Communications", "Internet",
           "Internet Content-Entmnt", isin="US64110L1061", volume=150_000),
    _stock(4391, "AMD", "NASDAQ", "ADVANCED MICRO DEVICES", 150.0, "Technology",
           "Semiconductors", "Electronic Compo-Semicon", isin="US0079031078", vol=0.006,
           volume=1_800_000),
    _stock(270639, "INTC", "NASDAQ", "INTEL CORP", 22.0, "Technology", "Semiconductors",
           "Electronic Compo-Semicon", isin="US4581401001", volume=2_500_000),
    _stock(1520593, "JPM", "NYSE", "JPMORGAN CHASE & CO", 220.0, "Financial", "Banks",
           "Money Center Banks", isin="US46625H1005", volume=400_000),
    _stock(10098, "BAC", "NYSE", "BANK OF AMERICA CORP", 42.0, "Financial", "Banks",
           "Money Center Banks", isin="US0605051046", volume=1_600_000),
    _stock(13977, "XOM", "NYSE", "EXXON MOBIL CORP", 118.0, "Energy", "Oil&Gas",
           "Oil Comp-Integrated", isin="US30231G1022", volume=700_000),
    _stock(8894, "KO", "NYSE", "COCA-COLA CO/THE", 70.0, "Consumer, Non-cyclical", "Beverages",
           "Beverages-Non-alcoholic", isin="US1912161007", vol=0.0025, volume=600_000),
    _stock(13824, "WMT", "NYSE", "WALMART INC", 85.0, "Consumer, Cyclical", "Retail",
           "Retail-Discount", isin="US9311421039", vol=0.003, volume=800_000),
    _stock(51529211, "GLD", "ARCA", "SPDR GOLD SHARES", 240.0, "Funds", "Commodity Fund",
           "Precious Metals", isin="US78463V1070", etf=True, vol=0.002, volume=400_000),
    _stock(15547841, "TLT", "NASDAQ", "ISHARES 20+ YEAR TREASURY BD", 92.0, "Funds",
           "Debt Fund", "Government-Long", isin="US4642874329", etf=True, vol=0.002,
           volume=1_000_000),
    _future(649180695, "ES", "CME", "202612", "20261218", "ESZ6", "E-mini S&P 500", "50", 0.25,
            6000.0, 11004968),
    _future(672387468, "ES", "CME", "202703", "20270319", "ESH7", "E-mini S&P 500", "50", 0.25,
            6050.0, 11004968),
    _future(649180678, "NQ", "CME", "202612", "20261218", "NQZ6", "E-mini NASDAQ 100", "20",
            0.25, 21000.0, 11004958, vol=0.003),
    _future(672387412, "NQ", "CME", "202703", "20270319", "NQH7", "E-mini NASDAQ 100", "20",
            0.25, 21200.0, 11004958, vol=0.003),
    _future(659571534, "CL", "NYMEX", "202701", "20261217", "CLF7", "Light Sweet Crude Oil",
            "1000", 0.01, 70.0, 17340715, under_type="CMDTY", vol=0.004, volume=30_000,
            rule="32"),
    _future(666262351, "CL", "NYMEX", "202703", "20270219", "CLH7", "Light Sweet Crude Oil",
            "1000", 0.01, 69.5, 17340715, under_type="CMDTY", vol=0.004, volume=20_000,
            rule="32"),
    _pair(12087792, "EUR", "USD", "European Monetary Union Euro", 0.00005, 1.08),
    _pair(12087797, "GBP", "USD", "British pound", 0.00005, 1.27),
    _pair(15016059, "USD", "JPY", "US dollar", 0.005, 150.0, rule="240"),
    _pair(14433401, "AUD", "USD", "Australian dollar", 0.00005, 0.66),
    _pair(15016062, "USD", "CAD", "US dollar", 0.00005, 1.36),
)
"""The built-in table: 20 stocks and ETFs, 6 futures (ES, NQ, CL; two months each), 5 pairs."""


def _unset(v: object) -> bool:
    return v is None or v == "" or v == 0


def _same(a: str, b: str) -> bool:
    return a.upper() == b.upper()


class InstrumentTable:
    """An immutable collection of instruments with lookups by con id and symbol."""

    def __init__(self, instruments: Iterable[Instrument] = INSTRUMENTS) -> None:
        self._all: tuple[Instrument, ...] = tuple(instruments)
        self._by_con_id: dict[int, Instrument] = {}
        for inst in self._all:
            if inst.con_id in self._by_con_id:
                raise ValueError(f"duplicate con id {inst.con_id}")
            self._by_con_id[inst.con_id] = inst

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    @property
    def all(self) -> tuple[Instrument, ...]:
        """Every instrument, in table order."""
        return self._all

    def get(self, con_id: int) -> Instrument | None:
        """The instrument with this con id, or None."""
        return self._by_con_id.get(con_id)

    def __getitem__(self, con_id: int) -> Instrument:
        return self._by_con_id[con_id]

    def resolve(self, contract: Contract) -> list[Instrument]:
        """Every instrument ``contract`` describes (see :func:`resolve`)."""
        if contract.con_id:
            inst = self._by_con_id.get(contract.con_id)
            return [inst] if inst is not None else []
        if not contract.symbol and not contract.local_symbol:
            return []
        return [inst for inst in self._all if _matches(inst, contract)]


_ALIASES = {"GLOBEX": "CME", "ISLAND": "NASDAQ", "NYSEARCA": "ARCA"}


def _alias(exchange: str) -> str:
    """IB's older or alternative exchange names (GLOBEX = CME, ISLAND = NASDAQ)."""
    ex = exchange.strip().upper()
    return _ALIASES.get(ex, ex)


def _matches(inst: Instrument, c: Contract) -> bool:
    if c.symbol and not _same(c.symbol, inst.symbol):
        return False
    if c.sec_type and not _same(c.sec_type, inst.sec_type):
        return False
    if c.currency and not _same(c.currency, inst.currency):
        return False
    if c.local_symbol and not _same(c.local_symbol.replace(" ", ""), inst.local_symbol):
        return False
    if c.trading_class and not _same(c.trading_class, inst.trading_class):
        return False
    if c.exchange:
        ex = _alias(c.exchange)
        if ex != inst.exchange and ex not in inst.valid_exchanges.split(","):
            return False
    if c.primary_exchange and _alias(c.primary_exchange) != inst.primary_exchange:
        return False
    if c.last_trade_date_or_contract_month:
        expiry = c.last_trade_date_or_contract_month.split()[0]
        if inst.last_trade_date is None or inst.contract_month is None:
            return False
        if len(expiry) == 6:
            if expiry != inst.contract_month:
                return False
        elif not inst.last_trade_date.startswith(expiry):
            return False
    if c.multiplier:
        try:
            if float(c.multiplier) != inst.multiplier_value:
                return False
        except ValueError:
            return False
    if not _unset(c.strike) or (c.right and c.right not in ("0", "?")):
        return False  # no options in the table
    return True


DEFAULT_TABLE = InstrumentTable()
"""The built-in :data:`INSTRUMENTS` as a table."""


def resolve(contract: Contract, table: InstrumentTable | None = None) -> list[Instrument]:
    """The instruments ``contract`` describes, in table order.

    A con id decides alone. Otherwise the symbol (or the local symbol) must match and every other
    field that is set must agree: sec type, currency, exchange (SMART matches stocks; an exchange
    matches its listing exchange or one of its valid exchanges), primary exchange, the expiry (a
    ``YYYYMM`` month or a ``YYYYMMDD`` prefix of the last trade date), local symbol, trading class,
    multiplier. ``[]`` means unknown; more than one means ambiguous (e.g. ``Future("ES")``).
    """
    return (table or DEFAULT_TABLE).resolve(contract)


def to_contract(inst: Instrument, exchange: str | None = None) -> Contract:
    """The fully qualified contract of ``inst``.

    Stocks route through ``exchange`` (default SMART) with the listing exchange as primary exchange;
    futures and pairs use their own exchange unless a valid other one is given.
    """
    if inst.sec_type == "STK":
        ex = exchange.upper() if exchange else "SMART"
        primary: str | None = inst.primary_exchange
    else:
        ex = _alias(exchange) if exchange else inst.exchange
        primary = None
    return Contract(
        con_id=inst.con_id,
        symbol=inst.symbol,
        sec_type=inst.sec_type,
        last_trade_date_or_contract_month=inst.last_trade_date,
        strike=0.0,
        right=None,
        multiplier=inst.multiplier,
        exchange=ex,
        primary_exchange=primary,
        currency=inst.currency,
        local_symbol=inst.local_symbol,
        trading_class=inst.trading_class,
    )


# --- trading hours -------------------------------------------------------------------------------

def session_hours(inst: Instrument, start: date, days: int = 7) -> tuple[str, str]:
    """``(trading_hours, liquid_hours)`` in TWS's format for ``days`` dates from ``start``, from
    the market calendar (:mod:`.calendar`): ``"20261120:0400-20261120:2000;20261121:CLOSED;..."``
    for a stock; sessions of futures and currency pairs open the evening before their trade date;
    weekends and exchange holidays are ``CLOSED``, early closes end early."""
    cal = Calendar.of(inst.hours)
    return cal.hours(start, days), cal.hours(start, days, liquid=True)


def to_details(inst: Instrument, today: date, exchange: str | None = None) -> ContractDetails:
    """The CONTRACT_DATA content for ``inst`` (contract qualified as :func:`to_contract` does);
    its hours are those of the 7 dates from ``today`` (market time)."""
    trading, liquid = session_hours(inst, today)
    sec_ids: list[TagValue] = [TagValue("ISIN", inst.isin)] if inst.isin else []
    return ContractDetails(
        contract=to_contract(inst, exchange),
        market_name=inst.market_name,
        min_tick=inst.min_tick,
        order_types=inst.order_types,
        valid_exchanges=inst.valid_exchanges,
        price_magnifier=1,
        under_con_id=inst.under_con_id,
        long_name=inst.long_name,
        contract_month=inst.contract_month,
        industry=inst.industry,
        category=inst.category,
        subcategory=inst.subcategory,
        time_zone_id=inst.time_zone_id,
        trading_hours=trading,
        liquid_hours=liquid,
        ev_rule=None,
        ev_multiplier=None,
        sec_id_list=sec_ids,
        agg_group=inst.agg_group,
        under_symbol=inst.under_symbol,
        under_sec_type=inst.under_sec_type,
        market_rule_ids=inst.market_rule_ids,
        real_expiration_date=inst.last_trade_date,
        last_trade_time="13:30" if inst.sec_type == "FUT" and inst.exchange == "NYMEX"
        else ("08:30" if inst.sec_type == "FUT" else None),
        stock_type=inst.stock_type,
        min_size=inst.min_size,
        size_increment=inst.size_increment,
        suggested_size_increment=inst.suggested_size_increment,
    )


def table_of(instruments: InstrumentTable | Sequence[Instrument] | None) -> InstrumentTable:
    """``instruments`` as an :class:`InstrumentTable` (None = the built-in table)."""
    if instruments is None:
        return DEFAULT_TABLE
    if isinstance(instruments, InstrumentTable):
        return instruments
    return InstrumentTable(instruments)
