"""The paper gateway's instrument universe: what it trades, and how a request's contract finds it.

The universe lives in data files shipped in the package (``data/``; its README says where each
column's facts come from): ``stocks.csv`` (the S&P 500 and Nasdaq-100 members, the most traded US
ETFs and a few listings of the same symbols in Toronto, Frankfurt and Amsterdam), ``indices.csv``,
``fx.csv`` (every G10 pair on IDEALPRO and common crosses) and ``futures.csv`` (CME, CBOT, NYMEX,
COMEX and CFE products with their month cycles and last-trade rules, from which the listed months
of a market date are generated). :func:`universe` builds the table of a market date, optionally
extended by a user's stocks CSV or instruments.

* :func:`resolve` turns a request's (possibly partial) :class:`~ibwire.models.Contract` into the
  matching instruments: ``[]`` when none match (the session answers 200 "No security definition has
  been found for the request"), several when the contract is ambiguous (a future without a month,
  a stock listed on several exchanges or in several currencies when those are not given). A
  CONTFUT contract resolves to the front month.
* :func:`to_contract` gives the fully qualified contract, :func:`to_details` the
  :class:`~ibwire.models.market.ContractDetails`.

Con ids: those users hard-code (AAPL 265598, SPY 756733, EUR.USD 12087792, ...) are kept in the
data files; every other instrument gets :func:`stable_con_id`, a hash of what identifies it.

Everything here is pure and synchronous; tables are immutable.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Union

from ..models.contract import Contract
from ..models.market import ContractDetails
from ..protocol.codec import TagValue
from .calendar import RULES, Calendar
from .rules import BANDED_RULES, EURONEXT_RULE, XETRA_RULE, increment_at

__all__ = [
    "Instrument",
    "InstrumentTable",
    "InstrumentFileError",
    "FutureSpec",
    "CLOCK_CLASSES",
    "builtin_table",
    "clock_classes",
    "future_specs",
    "isin_valid",
    "last_trade_date",
    "listed_months",
    "listing_date",
    "load_stocks",
    "resolve",
    "stable_con_id",
    "to_contract",
    "to_details",
    "session_hours",
    "table_of",
    "universe",
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

    ``hours`` names the session rules (e.g. "stock", "cme", "nymex", "fx", "index") of the market calendar
    (:mod:`.calendar`), which :func:`session_hours` expands into TWS's hours strings. ``base_price``,
    ``volatility`` (log standard deviation per half hour), ``block_volume`` (typical volume per half
    hour) and ``lot`` (quote size unit) drive the simulated market.
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




def _unset(v: object) -> bool:
    return v is None or v == "" or v == 0


def _same(a: str, b: str) -> bool:
    return a.upper() == b.upper()


# --- the universe: data files in the package --------------------------------------------------

class InstrumentFileError(ValueError):
    """A bad row in an instrument CSV: the message names the file and the line."""


_GLOBEX_ORDER_TYPES = _FUT_ORDER_TYPES
_IND_ORDER_TYPES = "ALERT"  # an index is quoted, not traded


@dataclass(frozen=True, slots=True)
class _Venue:
    """What a stock's listing exchange implies: session class, time zone, routing."""

    hours: str
    time_zone_id: str
    valid_exchanges: str
    market_rule: str = "26"


_US_VENUE = _Venue("stock", "US/Eastern", _STK_EXCHANGES)
_VENUES: dict[str, _Venue] = {
    "NASDAQ": _US_VENUE, "NYSE": _US_VENUE, "ARCA": _US_VENUE, "BATS": _US_VENUE,
    "AMEX": _US_VENUE, "IEX": _US_VENUE,
    "TSE": _Venue("tsx", "America/Toronto", "SMART,TSE,ALPHA,CHIXCA,OMEGA,PURE", "1"),
    "IBIS": _Venue("xetra", "MET", "SMART,IBIS,FWB,SWB,GETTEX,TGATE", str(XETRA_RULE)),
    "AEB": _Venue("euronext", "MET", "SMART,AEB,BATEEN,CHIXEN,TRQXEN", str(EURONEXT_RULE)),
}
_STOCK_TYPES = ("COMMON", "ETF", "ADR", "REIT", "PREFERRED", "ETN", "CLOSED-END FUND", "MLP")
_STOCK_COLUMNS = ("con_id", "symbol", "exchange", "currency", "long_name", "industry", "category",
                  "subcategory", "price", "isin", "stock_type", "volatility", "volume")
_REQUIRED = ("symbol", "exchange", "currency", "price")

# Con ids computed for instruments without a kept one fall in [1e9, 2e9): above every con id the
# table keeps (all below 1e9, as IB's own are today) and inside the protocol's 32-bit range.
_HASHED_BASE = 1_000_000_000


def stable_con_id(*parts: str) -> int:
    """A con id that depends only on ``parts`` (e.g. sec type, symbol, exchange, currency and
    contract month): the same on every machine and run, in [1e9, 2e9)."""
    digest = hashlib.sha256("|".join(p.upper() for p in parts).encode()).digest()
    return _HASHED_BASE + int.from_bytes(digest[:8], "big") % _HASHED_BASE


def isin_valid(isin: str) -> bool:
    """Whether ``isin`` is two letters, nine alphanumerics and a correct check digit."""
    if len(isin) != 12 or not isin[:2].isalpha() or not isin[:11].isalnum() \
            or not isin[11].isdigit():
        return False
    digits = "".join(str(int(ch, 36)) for ch in isin[:11].upper())
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(isin[11])


def _read_csv(text: str, where: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each data row (blank lines and ``#`` comments skipped)."""
    lines = text.splitlines()
    body = [(n, line) for n, line in enumerate(lines, 1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        return
    header_no, header = body[0]
    reader = csv.reader([line for _, line in body])
    names = [h.strip().lower() for h in next(reader)]
    if len(set(names)) != len(names):
        raise InstrumentFileError(f"{where}:{header_no}: a column name repeats: {header}")
    for (n, _line), values in zip(body[1:], reader, strict=True):
        if len(values) > len(names):
            raise InstrumentFileError(f"{where}:{n}: {len(values)} fields but the header has "
                                      f"{len(names)} columns")
        yield n, {k: v.strip() for k, v in zip(names, values, strict=False)}


def _num(row: dict[str, str], key: str, where: str, *, integer: bool = False,
         positive: bool = True) -> float | None:
    raw = row.get(key, "")
    if raw == "":
        return None
    try:
        value = float(int(raw)) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InstrumentFileError(f"{where}: {key} must be {kind}, not {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise InstrumentFileError(f"{where}: {key} must be {'positive' if positive else '>= 0'}"
                                  f", not {raw!r}")
    return value


def stock_from_row(row: dict[str, str], where: str) -> Instrument:
    """One row of a stocks CSV (the format of the shipped ``data/stocks.csv``) as an instrument.

    ``symbol``, ``exchange`` (a listing exchange: NASDAQ, NYSE, ARCA, BATS, AMEX, IEX, TSE, IBIS
    or AEB), ``currency`` and ``price`` are required; ``con_id`` (default: :func:`stable_con_id`),
    ``long_name``, ``industry``, ``category``, ``subcategory``, ``isin`` (checked),
    ``stock_type`` (COMMON, ETF, ...), ``volatility`` (log standard deviation per half hour),
    ``volume`` (typical shares per half hour) and ``min_tick`` (default: the increment the
    venue's market rule gives at ``price``, 0.01 for US stocks) are optional.
    Raises :class:`InstrumentFileError` naming ``where`` (``file:line``).
    """
    for key in _REQUIRED:
        if not row.get(key):
            raise InstrumentFileError(f"{where}: the {key} column is empty")
    symbol = row["symbol"].upper()
    exchange = _alias(row["exchange"])
    venue = _VENUES.get(exchange)
    if venue is None:
        raise InstrumentFileError(f"{where}: unknown exchange {row['exchange']!r}; known: "
                                  f"{', '.join(_VENUES)}")
    currency = row["currency"].upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InstrumentFileError(f"{where}: currency must be three letters, not "
                                  f"{row['currency']!r}")
    price = _num(row, "price", where)
    assert price is not None
    con_id = _num(row, "con_id", where, integer=True)
    if con_id is not None and con_id >= 2**31:
        raise InstrumentFileError(f"{where}: con_id must be below 2**31, not {row['con_id']}")
    isin = row.get("isin", "").upper()
    if isin and not isin_valid(isin):
        raise InstrumentFileError(f"{where}: {isin!r} is not a valid ISIN (check digit)")
    stock_type = (row.get("stock_type") or "COMMON").upper()
    if stock_type not in _STOCK_TYPES:
        raise InstrumentFileError(f"{where}: unknown stock_type {stock_type!r}; known: "
                                  f"{', '.join(_STOCK_TYPES)}")
    vol = _num(row, "volatility", where)
    volume = _num(row, "volume", where, integer=True, positive=False)
    tick = _num(row, "min_tick", where)
    if tick is None:  # the increment the venue's market rule gives at the price
        bands = BANDED_RULES.get(int(venue.market_rule))
        tick = increment_at(bands, price) if bands is not None else 0.01
        price = round(round(price / tick) * tick, 10)  # a price level on that grid
    nms = exchange == "NASDAQ"
    return Instrument(
        con_id=int(con_id) if con_id is not None
        else stable_con_id("STK", symbol, exchange, currency),
        symbol=symbol, sec_type="STK", exchange=exchange, currency=currency,
        local_symbol=symbol, trading_class="NMS" if nms else symbol,
        long_name=row.get("long_name") or symbol, min_tick=tick, base_price=price,
        industry=row.get("industry", ""), category=row.get("category", ""),
        subcategory=row.get("subcategory", ""), time_zone_id=venue.time_zone_id,
        hours=venue.hours, valid_exchanges=venue.valid_exchanges,
        market_rule_ids=",".join([venue.market_rule] * len(venue.valid_exchanges.split(","))),
        stock_type=stock_type, isin=isin or None, market_name="NMS" if nms else symbol,
        volatility=vol if vol is not None else 0.004,
        block_volume=int(volume) if volume is not None else 400_000,
    )


def load_stocks(path: str | os.PathLike[str]) -> list[Instrument]:
    """The instruments of a stocks CSV file (see :func:`stock_from_row`); a bad row raises
    :class:`InstrumentFileError` naming the file and the line."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InstrumentFileError(f"{name}: cannot read the instrument file: "
                                  f"{exc.strerror or exc}") from None
    return _stocks(text, name)


def _stocks(text: str, name: str) -> list[Instrument]:
    out: list[Instrument] = []
    for n, row in _read_csv(text, name):
        out.append(stock_from_row(row, f"{name}:{n}"))
    return out


def _data(name: str) -> str:
    return resources.files(__package__ or "ibwire.gateway").joinpath("data", name) \
        .read_text(encoding="utf-8")


def _pair_from_row(row: dict[str, str], where: str) -> Instrument:
    base, quote = row["symbol"].upper(), row["currency"].upper()
    pair = f"{base}.{quote}"
    price = _num(row, "price", where)
    tick = _num(row, "min_tick", where)
    assert price is not None and tick is not None
    con_id = _num(row, "con_id", where, integer=True)
    return Instrument(
        con_id=int(con_id) if con_id else stable_con_id("CASH", base, "IDEALPRO", quote),
        symbol=base, sec_type="CASH", exchange="IDEALPRO", currency=quote,
        local_symbol=pair, trading_class=pair, long_name=row["long_name"], min_tick=tick,
        base_price=price, time_zone_id="US/Eastern", hours="fx", valid_exchanges="IDEALPRO",
        order_types=_FX_ORDER_TYPES, market_rule_ids="240" if tick >= 0.001 else "239",
        min_size=Decimal(1), size_increment=Decimal(1), suggested_size_increment=Decimal(1),
        stock_type=None, market_name=pair, volatility=0.0012, block_volume=0, lot=1_000_000,
    )


def _index_from_row(row: dict[str, str], where: str) -> Instrument:
    symbol, exchange, currency = row["symbol"].upper(), row["exchange"].upper(), \
        row["currency"].upper()
    price = _num(row, "price", where)
    tick = _num(row, "min_tick", where)
    vol = _num(row, "volatility", where)
    assert price is not None and tick is not None and vol is not None
    con_id = _num(row, "con_id", where, integer=True)
    return Instrument(
        con_id=int(con_id) if con_id else stable_con_id("IND", symbol, exchange, currency),
        symbol=symbol, sec_type="IND", exchange=exchange, currency=currency,
        local_symbol=symbol, trading_class=symbol, long_name=row["long_name"], min_tick=tick,
        base_price=price, time_zone_id=row["time_zone_id"], hours="index",
        valid_exchanges=exchange, order_types=_IND_ORDER_TYPES, market_rule_ids="109",
        min_size=Decimal(1), size_increment=Decimal(1), suggested_size_increment=Decimal(1),
        stock_type=None, market_name=symbol, volatility=vol, block_volume=0, lot=1,
    )


# --- futures: listed months from rules --------------------------------------------------------

_MONTH_CODES = "FGHJKMNQUVXZ"
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True, slots=True)
class FutureSpec:
    """One futures product of ``data/futures.csv``: how its months are listed and priced."""

    symbol: str
    exchange: str
    currency: str
    long_name: str
    multiplier: str
    min_tick: float
    trading_class: str
    local_style: str  # "compact" (ESZ6) or "padded" (ZN   DEC 26)
    cycle: str  # month codes listed (HMUZ)
    serial: int  # nearest calendar months always listed as well
    listed: int  # how many cycle months are listed
    last_trade_rule: str
    last_trade_time: str
    hours: str
    time_zone_id: str
    under_sec_type: str
    under_con_id: int
    market_rule: str
    anchor_month: int  # YYYYMM where the price is anchor_price
    anchor_price: float
    step_per_month: float
    volatility: float
    volume: int
    volume_decay: float
    con_ids: tuple[tuple[str, int], ...]  # kept con ids by contract month


def _business(spec_hours: str) -> Callable[[date], bool]:
    return Calendar.of(spec_hours).is_trading_date


def _last_day(y: int, m: int) -> date:
    return (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1))


def _back(d: date, n: int, ok: Callable[[date], bool]) -> date:
    """The ``n``-th business day before ``d`` (``n`` = 0: ``d`` itself if a business day, else
    the business day before)."""
    if n == 0:
        while not ok(d):
            d -= timedelta(days=1)
        return d
    while n:
        d -= timedelta(days=1)
        if ok(d):
            n -= 1
    return d


def _nth_weekday(y: int, m: int, weekday: int, n: int) -> date:
    first = date(y, m, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _prev_month(y: int, m: int) -> tuple[int, int]:
    return (y, m - 1) if m > 1 else (y - 1, 12)


def _next_month(y: int, m: int) -> tuple[int, int]:
    return (y, m + 1) if m < 12 else (y + 1, 1)


def last_trade_date(rule: str, y: int, m: int, hours: str) -> date:
    """The last trade date of the ``y``/``m`` contract under ``rule`` (business days are the
    trading dates of the session class ``hours``, i.e. its exchange's holiday calendar):

    * ``third_friday``: the third Friday (the business day before if it is a holiday) -- CME / CBOT
      equity index futures;
    * ``cme_fx``: the second business day before the third Wednesday -- CME currency futures;
    * ``treasury_long``: the seventh business day before the month's last business day -- ZN, ZB;
    * ``last_business``: the month's last business day -- ZF, ZT;
    * ``cl``: the third business day before the 25th of the previous month; when the 25th is not a
      business day, the third business day before the last business day preceding the 25th
      (NYMEX's rule for CL);
    * ``ng``: the third business day before the first day of the contract month;
    * ``prior_month_last_business``: the previous month's last business day -- RB, HO;
    * ``third_last_business``: the month's third-last business day -- COMEX metals;
    * ``vix``: the Wednesday 30 days before the third Friday of the next month (each the business
      day before when a holiday) -- CFE VIX futures.
    """
    ok = _business(hours)
    if rule == "third_friday":
        return _back(_nth_weekday(y, m, 4, 3), 0, ok)
    if rule == "cme_fx":
        return _back(_nth_weekday(y, m, 2, 3), 2, ok)
    if rule == "treasury_long":
        return _back(_back(_last_day(y, m), 0, ok), 7, ok)
    if rule == "last_business":
        return _back(_last_day(y, m), 0, ok)
    if rule == "cl":
        py, pm = _prev_month(y, m)
        d25 = date(py, pm, 25)
        return _back(d25 if ok(d25) else _back(d25, 1, ok), 3, ok)
    if rule == "ng":
        return _back(date(y, m, 1), 3, ok)
    if rule == "prior_month_last_business":
        py, pm = _prev_month(y, m)
        return _back(_last_day(py, pm), 0, ok)
    if rule == "third_last_business":
        return _back(_back(_last_day(y, m), 0, ok), 2, ok)
    if rule == "vix":
        ny, nm = _next_month(y, m)
        friday = _back(_nth_weekday(ny, nm, 4, 3), 0, ok)
        return _back(friday - timedelta(days=30), 0, ok)
    raise ValueError(f"unknown last trade rule {rule!r}")


_RULES = ("third_friday", "cme_fx", "treasury_long", "last_business", "cl", "ng",
          "prior_month_last_business", "third_last_business", "vix")


@cache
def future_specs() -> tuple[FutureSpec, ...]:
    """The futures products of the shipped ``data/futures.csv``."""
    out: list[FutureSpec] = []
    for n, row in _read_csv(_data("futures.csv"), "futures.csv"):
        where = f"futures.csv:{n}"
        if row["last_trade_rule"] not in _RULES or row["hours"] not in RULES:
            raise InstrumentFileError(f"{where}: unknown rule or hours")
        kept = tuple((k, int(v)) for k, v in
                     (item.split("=") for item in row["con_ids"].split()))
        out.append(FutureSpec(
            symbol=row["symbol"], exchange=row["exchange"], currency=row["currency"],
            long_name=row["long_name"], multiplier=row["multiplier"],
            min_tick=float(row["min_tick"]), trading_class=row["trading_class"],
            local_style=row["local_style"], cycle=row["cycle"], serial=int(row["serial"]),
            listed=int(row["listed"]), last_trade_rule=row["last_trade_rule"],
            last_trade_time=row["last_trade_time"],
            hours=row["hours"], time_zone_id=row["time_zone_id"],
            under_sec_type=row["under_sec_type"],
            under_con_id=int(row["under_con_id"]) if row["under_con_id"]
            else stable_con_id(row["under_sec_type"], row["symbol"], row["exchange"]),
            market_rule=row["market_rule"], anchor_month=int(row["anchor_month"]),
            anchor_price=float(row["anchor_price"]),
            step_per_month=float(row["step_per_month"]), volatility=float(row["volatility"]),
            volume=int(row["volume"]), volume_decay=float(row["volume_decay"]), con_ids=kept,
        ))
    return tuple(out)


def _months_between(a: int, b: int) -> int:
    """Months from YYYYMM ``a`` to YYYYMM ``b``."""
    return (b // 100 - a // 100) * 12 + (b % 100 - a % 100)


def future_instrument(spec: FutureSpec, y: int, m: int) -> Instrument:
    """The ``y``/``m`` contract of ``spec``."""
    month = y * 100 + m
    ltd = last_trade_date(spec.last_trade_rule, y, m, spec.hours)
    if spec.local_style == "padded":
        local = f"{spec.trading_class:<5}{_MONTH_NAMES[m - 1]} {y % 100:02d}"
    else:
        local = f"{spec.trading_class}{_MONTH_CODES[m - 1]}{y % 10}"
    kept = dict(spec.con_ids)
    con_id = kept.get(str(month)) or stable_con_id("FUT", spec.symbol, spec.exchange,
                                                   spec.currency, spec.trading_class, str(month))
    k = _months_between(spec.anchor_month, month)
    ticks = round((spec.anchor_price + spec.step_per_month * k) / spec.min_tick)
    return Instrument(
        con_id=con_id, symbol=spec.symbol, sec_type="FUT", exchange=spec.exchange,
        currency=spec.currency, local_symbol=local, trading_class=spec.trading_class,
        long_name=spec.long_name, min_tick=spec.min_tick,
        base_price=round(max(1, ticks) * spec.min_tick, 10), multiplier=spec.multiplier,
        last_trade_date=f"{ltd:%Y%m%d}", contract_month=str(month),
        time_zone_id=spec.time_zone_id, hours=spec.hours,
        valid_exchanges=f"{spec.exchange},QBALGO", order_types=_GLOBEX_ORDER_TYPES,
        market_rule_ids=f"{spec.market_rule},{spec.market_rule}", min_size=Decimal(1),
        size_increment=Decimal(1), suggested_size_increment=Decimal(1), stock_type=None,
        under_con_id=spec.under_con_id, under_symbol=spec.symbol,
        under_sec_type=spec.under_sec_type, market_name=spec.trading_class,
        agg_group=2147483647, volatility=spec.volatility,
        block_volume=max(100, int(spec.volume * spec.volume_decay ** max(0, k))), lot=1,
        last_trade_time=spec.last_trade_time, first_date=f"{listing_date(spec, y, m):%Y%m%d}",
    )


def listing_date(spec: FutureSpec, y: int, m: int) -> date:
    """The first date on which the ``y``/``m`` contract is listed (see :func:`listed_months`):
    the day after the contract ``listed`` cycle months before it stopped trading (it took its
    place), or for a serial month the day after the one ``serial`` calendar months before."""
    ltd = last_trade_date(spec.last_trade_rule, y, m, spec.hours)
    found: list[date] = []
    if _MONTH_CODES[m - 1] in spec.cycle:
        py, pm, n = y, m, spec.listed
        while n:
            py, pm = _prev_month(py, pm)
            if _MONTH_CODES[pm - 1] in spec.cycle:
                n -= 1
        found.append(last_trade_date(spec.last_trade_rule, py, pm, spec.hours) + timedelta(days=1))
    if spec.serial:
        py, pm = y, m
        for _ in range(spec.serial):
            py, pm = _prev_month(py, pm)
        found.append(last_trade_date(spec.last_trade_rule, py, pm, spec.hours) + timedelta(days=1))
    return min(found) if found else ltd


def listed_months(spec: FutureSpec, on: date) -> list[tuple[int, int]]:
    """The contract months of ``spec`` trading on ``on`` (last trade date not before it): the
    first ``listed`` months of its cycle plus the ``serial`` nearest calendar months."""
    y, m = on.year, on.month
    live: list[tuple[int, int]] = []
    for _ in range(12 * 12):
        if last_trade_date(spec.last_trade_rule, y, m, spec.hours) >= on:
            live.append((y, m))
        y, m = _next_month(y, m)
        if sum(1 for (_, mm) in live if _MONTH_CODES[mm - 1] in spec.cycle) >= spec.listed \
                and len(live) >= spec.serial:
            break
    cycle = [ym for ym in live if _MONTH_CODES[ym[1] - 1] in spec.cycle][:spec.listed]
    return sorted(set(cycle) | set(live[:spec.serial]))


def _expired_months(spec: FutureSpec, on: date, months: int = 15) -> list[tuple[int, int]]:
    """Months of the last ``months`` whose contracts stopped trading before ``on``."""
    y, m = on.year, on.month
    out: list[tuple[int, int]] = []
    for _ in range(months):
        y, m = _prev_month(y, m)
    for _ in range(months + 2):
        if last_trade_date(spec.last_trade_rule, y, m, spec.hours) < on:
            out.append((y, m))
        y, m = _next_month(y, m)
    return out


# --- the built-in universe ----------------------------------------------------------------------

@cache
def _static_instruments() -> tuple[Instrument, ...]:
    """Stocks and ETFs, indices and currency pairs of the shipped data files."""
    out = _stocks(_data("stocks.csv"), "stocks.csv")
    for n, row in _read_csv(_data("indices.csv"), "indices.csv"):
        out.append(_index_from_row(row, f"indices.csv:{n}"))
    for n, row in _read_csv(_data("fx.csv"), "fx.csv"):
        out.append(_pair_from_row(row, f"fx.csv:{n}"))
    return tuple(out)


@lru_cache(maxsize=16)
def builtin_table(on: date) -> InstrumentTable:
    """The shipped universe as it trades on market date ``on``: every stock, ETF, index and pair,
    and the futures months listed that day (contracts that expired in the 15 months before are
    kept for con id lookups, e.g. positions in a state file, but no longer resolve by symbol)."""
    futures: list[Instrument] = []
    expired: list[Instrument] = []
    for spec in future_specs():
        futures += [future_instrument(spec, y, m) for y, m in listed_months(spec, on)]
        expired += [future_instrument(spec, y, m) for y, m in _expired_months(spec, on)]
    return InstrumentTable(_static_instruments() + tuple(futures), expired=expired)


InstrumentSource = Union[str, "os.PathLike[str]", Iterable["Instrument"]]


def universe(on: date | datetime | None = None, extra: InstrumentSource | None = None
             ) -> InstrumentTable:
    """The instrument table on market date ``on`` (default: today, UTC): the shipped universe,
    with ``extra`` -- a stocks CSV path (the format of ``data/stocks.csv``) or instruments --
    added, or replacing the shipped instrument with the same con id, or with the same sec type,
    symbol, exchange and currency (which then keeps its con id unless the row gives one)."""
    base = builtin_table(_market_date(on))
    if extra is None:
        return base
    if isinstance(extra, (str, os.PathLike)):
        return base.extended(load_stocks(extra), os.fspath(extra))
    return base.extended(list(extra), "instruments")


def _market_date(on: date | datetime | None) -> date:
    if on is None:
        return datetime.now(UTC).date()
    if isinstance(on, datetime):
        return on.astimezone(UTC).date() if on.tzinfo is not None else on.date()
    return on


CLOCK_CLASSES = frozenset({"stock", "cme", "nymex", "fx", "cbot", "comex"})
"""Session classes the default ("open") market clock follows: the US stock day, the Globex
futures (CBOT and COMEX trade CME's hours) and IDEALPRO -- the band is what it was before the
universe grew. Classes with shorter days (cash indices, Toronto and European stocks) and CFE (on
NYSE's holiday calendar, with its own early closes) are left out, or the open band would shrink to
their common hours."""


def clock_classes(instruments: Iterable[Instrument]) -> set[str]:
    """The session classes of ``instruments`` that the open market clock follows."""
    return {inst.hours for inst in instruments if inst.hours in CLOCK_CLASSES} or {"stock"}


class InstrumentTable:
    """An immutable collection of instruments with lookups by con id and symbol.

    ``expired`` instruments (futures past their last trade date) answer con id lookups only: they
    are not iterated and do not resolve by symbol, as TWS answers 200 for them unless asked to
    include expired contracts.
    """

    def __init__(self, instruments: Iterable[Instrument] = (),
                 expired: Iterable[Instrument] = ()) -> None:
        self._all: tuple[Instrument, ...] = tuple(instruments)
        self._expired: tuple[Instrument, ...] = tuple(expired)
        self._by_con_id: dict[int, Instrument] = {}
        self._by_symbol: dict[str, list[Instrument]] = {}
        for inst in self._all:
            if inst.con_id in self._by_con_id:
                raise ValueError(f"duplicate con id {inst.con_id} ({inst.local_symbol} and "
                                 f"{self._by_con_id[inst.con_id].local_symbol})")
            self._by_con_id[inst.con_id] = inst
            self._by_symbol.setdefault(inst.symbol.upper(), []).append(inst)
        for inst in self._expired:
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

    @property
    def expired(self) -> tuple[Instrument, ...]:
        """The expired instruments kept for con id lookups."""
        return self._expired

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
        if contract.sec_type and contract.sec_type.upper() == "CONTFUT":
            return self._front_months(contract)
        pool = self._by_symbol.get(contract.symbol.upper(), []) if contract.symbol else self._all
        return [inst for inst in pool if _matches(inst, contract)]

    def _front_months(self, contract: Contract) -> list[Instrument]:
        """CONTFUT: the front month of each futures product the contract names, as TWS answers
        a continuous future (sec type CONTFUT, the front month's con id and expiry)."""
        as_future = dataclasses.replace(contract, sec_type="FUT",
                                        last_trade_date_or_contract_month=None)
        fronts: dict[tuple[str, str, str, str], Instrument] = {}
        for inst in self.resolve(as_future):
            key = (inst.symbol, inst.exchange, inst.currency, inst.trading_class)
            best = fronts.get(key)
            if best is None or (inst.last_trade_date or "") < (best.last_trade_date or ""):
                fronts[key] = inst
        return [dataclasses.replace(inst, sec_type="CONTFUT") for inst in fronts.values()]

    def extended(self, added: Sequence[Instrument], where: str = "instruments"
                 ) -> InstrumentTable:
        """This table with ``added`` instruments: one with the con id of an instrument here
        replaces it; one with the sec type, symbol, exchange and currency of an instrument here
        replaces it too (keeping that con id when the new one's is the computed
        :func:`stable_con_id`); the others are appended. ``where`` names the source in errors."""
        rows = list(self._all)
        at = {inst.con_id: i for i, inst in enumerate(rows)}
        by_key = {_key(inst): i for i, inst in enumerate(rows)}
        for inst in added:
            if not isinstance(inst, Instrument):
                raise TypeError(f"{where}: not an Instrument: {inst!r}")
            if inst.con_id in at:
                rows[at[inst.con_id]] = inst
                continue
            i = by_key.get(_key(inst))
            if i is not None:
                if inst.con_id == stable_con_id(inst.sec_type, inst.symbol, inst.exchange,
                                                inst.currency):
                    inst = dataclasses.replace(inst, con_id=rows[i].con_id)
                del at[rows[i].con_id]
                rows[i] = inst
                at[inst.con_id] = i
                continue
            at[inst.con_id] = len(rows)
            by_key[_key(inst)] = len(rows)
            rows.append(inst)
        try:
            return InstrumentTable(rows, self._expired)
        except ValueError as exc:
            raise InstrumentFileError(f"{where}: {exc}") from None


def _key(inst: Instrument) -> tuple[str, str, str, str]:
    return (inst.sec_type, inst.symbol.upper(), inst.exchange, inst.currency)


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
    if c.local_symbol and not _same(c.local_symbol.replace(" ", ""),
                                    inst.local_symbol.replace(" ", "")):
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
    right = _RIGHTS.get((c.right or "").upper(), c.right)
    if inst.right is None:  # not an option: a strike or a right does not describe it
        return _unset(c.strike) and right in (None, "", "0", "?")
    if not _unset(c.strike) and abs((c.strike or 0.0) - (inst.strike or 0.0)) > 1e-6:
        return False
    return right in (None, "", "0", "?") or right == inst.right


_RIGHTS = {"CALL": "C", "PUT": "P"}




def resolve(contract: Contract, table: InstrumentTable | None = None) -> list[Instrument]:
    """The instruments ``contract`` describes, in table order.

    A con id decides alone. Otherwise the symbol (or the local symbol) must match and every other
    field that is set must agree: sec type, currency, exchange (SMART matches stocks; an exchange
    matches its listing exchange or one of its valid exchanges), primary exchange, the expiry (a
    ``YYYYMM`` month or a ``YYYYMMDD`` prefix of the last trade date), local symbol, trading class,
    multiplier. ``[]`` means unknown; more than one means ambiguous (e.g. ``Future("ES")``).
    """
    return (table or universe()).resolve(contract)


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
        strike=inst.strike if inst.strike is not None else 0.0,
        right=inst.right,
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


def _default_last_trade_time(inst: Instrument) -> str | None:
    if inst.sec_type not in ("FUT", "CONTFUT"):
        return None
    return "13:30" if inst.exchange == "NYMEX" else "08:30"


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
        last_trade_time=inst.last_trade_time or _default_last_trade_time(inst),
        stock_type=inst.stock_type,
        min_size=inst.min_size,
        size_increment=inst.size_increment,
        suggested_size_increment=inst.suggested_size_increment,
    )


def table_of(instruments: InstrumentTable | Sequence[Instrument] | None,
             on: date | datetime | None = None) -> InstrumentTable:
    """``instruments`` as an :class:`InstrumentTable` (None = the built-in universe on market
    date ``on``, see :func:`universe`)."""
    if instruments is None:
        return universe(on)
    if isinstance(instruments, InstrumentTable):
        return instruments
    return InstrumentTable(instruments)
