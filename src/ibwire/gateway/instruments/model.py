"""What one instrument of the paper gateway is: :class:`Instrument`, the con ids computed for
instruments without a kept one (:func:`stable_con_id`) and IB's exchange aliases."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# Order types advertised in CONTRACT_DATA (IB's tokens). The paper exchange executes MKT, LMT,
# STP and STP LMT; the rest are advertised the way TWS lists them but rejected with 387. Each
# asset class's list is beside the rows that build it (.files, .futures).
_STK_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,COND,CONDORDER,DAY,"
                    "DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,LOC,MIT,MKT,MOC,MTL,"
                    "NONALGO,OCA,OPG,PEGMID,POSTONLY,REL,RTH,SCALE,SNAPMID,SNAPMKT,STP,STPLMT,"
                    "TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
STK_EXCHANGES = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,NASDAQ,BATS,EDGEA,BYX,IEX,EDGX,MEMX,PSX"
_STK_RULES = ",".join(["26"] * len(STK_EXCHANGES.split(",")))


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument of the paper gateway.

    ``hours`` names the session rules (e.g. "stock", "cme", "nymex", "fx", "index") of the market
    calendar (:mod:`..calendar`), which :func:`~.details.session_hours` expands into TWS's hours
    strings. ``base_price``, ``volatility`` (log standard deviation per half hour),
    ``block_volume`` (typical volume per half hour) and ``lot`` (quote size unit) drive the
    simulated market.
    """

    con_id: int
    symbol: str
    sec_type: str  # STK, FUT, CASH, IND
    exchange: str  # listing / order exchange (NASDAQ, ARCA, TSE, CME, NYMEX, IDEALPRO, CBOE)
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
    valid_exchanges: str = STK_EXCHANGES
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
    last_trade_time: str | None = None  # HH:MM in the exchange's zone on the last trade date
    strike: float | None = None  # options (see .options)
    right: str | None = None  # C / P (options)
    first_date: str | None = None  # YYYYMMDD: where its history begins (None: see history_start)

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

    def history_start(self) -> date:
        """The first trading date of the instrument's history (HEAD_TIMESTAMP; no bars before
        it): ``first_date`` (a future's listing day), else a date in 1990..2009 derived from the
        con id (the paper universe does not know when a stock was listed; a fixed date per
        instrument, the same on every run)."""
        if self.first_date:
            return date(int(self.first_date[:4]), int(self.first_date[4:6]),
                        int(self.first_date[6:8]))
        h = int.from_bytes(hashlib.sha256(f"first|{self.con_id}".encode()).digest()[:4], "big")
        return date(1990, 1, 2) + timedelta(days=h % (20 * 365))

    def on_grid(self, price: float) -> bool:
        """Whether ``price`` is a whole number of ticks."""
        ticks = price / self.min_tick
        return abs(ticks - round(ticks)) < 1e-6


# Con ids computed for instruments without a kept one fall in [1e9, 2e9): above every con id the
# table keeps (all below 1e9, as IB's own are today) and inside the protocol's 32-bit range.
_HASHED_BASE = 1_000_000_000


def stable_con_id(*parts: str) -> int:
    """A con id that depends only on ``parts`` (e.g. sec type, symbol, exchange, currency and
    contract month): the same on every machine and run, in [1e9, 2e9)."""
    digest = hashlib.sha256("|".join(p.upper() for p in parts).encode()).digest()
    return _HASHED_BASE + int.from_bytes(digest[:8], "big") % _HASHED_BASE


_ALIASES = {"GLOBEX": "CME", "ISLAND": "NASDAQ", "NYSEARCA": "ARCA"}


def exchange_alias(exchange: str) -> str:
    """IB's older or alternative exchange names (GLOBEX = CME, ISLAND = NASDAQ)."""
    ex = exchange.strip().upper()
    return _ALIASES.get(ex, ex)

