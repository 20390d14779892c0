"""The paper gateway's listed options: which option classes exist, their expirations and strikes,
and the price path of each option (from :mod:`.option_model`).

Universe (built for the market date, like the futures months):

* **Index options** (SPX, NDX, RUT, DJX): cash-settled, European, on CBOE; a monthly class (the
  index's symbol, third Fridays, settled at the open) and a weekly class (SPXW, NDXP, RUTW, DJXW:
  every Friday, settled at the close).
* **ETF options** on the large ETFs and **equity options** on the largest stocks of the instrument
  table: physically settled, American, routed SMART (listed on CBOE, AMEX, ISE, PHLX ...); weekly
  Fridays for the next five weeks and the monthly third Fridays for six months.
* **Futures options** on the equity-index futures (ES, NQ, RTY, YM) and crude (CL): physically
  settled into the future, American; ES, NQ, RTY, YM quarterly (expiring with their future, at
  08:30 CT), ES also end-of-month (class EW, on the next quarterly future, 15:00 CT); CL monthly
  (class LO, one business day before its future's last trade date, 13:30 ET).

An expiry that falls on an exchange holiday moves to the business day before (the calendar of
:mod:`.calendar`). Strikes: 41 around the underlying's reference price on a grid whose step is the
venue increment nearest to 1% of that price (a multiple of the real grid: 0.5, 1, 2.5, 5, 10, 25,
50, 100 ...), the same for every expiry of a class. Con ids are :func:`~.instruments.stable_con_id`
of what identifies the option; local symbols follow OCC (``SPY   261218C00500000``) and CME
(``ESZ6 P6000``).

Prices: :class:`OptionPath` gives an option the interface of a price path, computed at every
second from its underlying's path (the mid), the calendar's time to expiry and the model's
volatility for its strike and expiry, so a chain's put-call parity holds and an option's quote
moves with its underlying. Bid and ask straddle the model value by half a spread of 0.5% of the
value (at least one tick; bids never below zero).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models.contract import Contract
from . import option_model as om
from .calendar import Calendar
from .instruments import Instrument, InstrumentTable, future_specs, stable_con_id
from .instruments.table import matches
from .pricepath import PricePath, mix, value_at
from .rules import option_rule_id

__all__ = ["OptionClass", "OptionTable", "OptionPath", "with_options", "option_classes",
           "strike_grid", "STRIKES_EACH_SIDE", "INDEX_CLASSES", "ETF_UNDERLYINGS",
           "STOCK_UNDERLYINGS", "FOP_CLASSES"]

STRIKES_EACH_SIDE = 20

INDEX_CLASSES: dict[str, tuple[str, str]] = {
    "SPX": ("SPX", "SPXW"), "NDX": ("NDX", "NDXP"), "RUT": ("RUT", "RUTW"), "DJX": ("DJX", "DJXW"),
}
"""Index -> (monthly class, weekly class)."""

ETF_UNDERLYINGS = ("SPY", "QQQ", "IWM", "DIA", "GLD", "SLV", "TLT", "EEM", "XLF", "XLE", "SMH",
                   "HYG")
STOCK_UNDERLYINGS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AVGO", "JPM",
                     "LLY", "V", "UNH", "XOM", "MA", "COST", "NFLX", "AMD", "ORCL", "BAC", "WMT")
"""The largest US stocks by market capitalisation (those of the instrument table get options)."""

FOP_CLASSES: dict[str, tuple[str, str | None, float]] = {
    "ES": ("ES", "EW", 0.25), "NQ": ("NQ", None, 0.25), "RTY": ("RTY", None, 0.05),
    "YM": ("YM", None, 1.0), "CL": ("LO", None, 0.01),
}
"""Future -> (class expiring with the future, end-of-month class, option tick)."""

_OPT_EXCHANGES = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,NASDAQBX,MIAX,GEMINI," \
                 "EDGX,MERCURY,PEARL,EMERALD,MEMX"
_OPT_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,"
                    "DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,"
                    "RELPCTOFS,SCALE,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,VOLAT,WHATIF")
_NICE = (0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0)
_MONTH_CODES = "FGHJKMNQUVXZ"


@dataclass(frozen=True, slots=True)
class OptionClass:
    """One listed option class (trading class) on one underlying."""

    underlying: Instrument
    sec_type: str  # OPT / FOP
    trading_class: str
    exchange: str  # SMART, CBOE, CME, NYMEX
    valid_exchanges: str
    multiplier: str
    min_tick: float
    strikes: tuple[float, ...]
    expiries: tuple[tuple[date, Instrument], ...]  # (expiry, the underlying it settles into)
    last_trade_time: str  # HH:MM in time_zone_id
    time_zone_id: str
    european: bool
    cash_settled: bool

    @property
    def symbol(self) -> str:
        return self.underlying.symbol

    @property
    def futures(self) -> bool:
        return self.sec_type == "FOP"


def strike_grid(reference: float, each_side: int = STRIKES_EACH_SIDE) -> tuple[float, ...]:
    """``2 * each_side + 1`` strikes centred on ``reference``, the step the venue increment
    nearest (in ratio) to 1% of it."""
    target = reference * 0.01
    step = min(_NICE, key=lambda s: abs(math.log(s / target)))
    centre = round(reference / step) * step
    return tuple(round(centre + k * step, 4) for k in range(-each_side, each_side + 1)
                 if centre + k * step > 0)


def _business(hours: str) -> Calendar:
    return Calendar.of(hours)


def _on_or_before(d: date, cal: Calendar) -> date:
    while not cal.is_trading_date(d):
        d -= timedelta(days=1)
    return d


def _third_friday(y: int, m: int) -> date:
    first = date(y, m, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def _months(on: date, n: int) -> list[tuple[int, int]]:
    y, m = on.year, on.month
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def _fridays(on: date, weeks: int) -> list[date]:
    first = on + timedelta(days=(4 - on.weekday()) % 7)
    return [first + timedelta(days=7 * k) for k in range(weeks)]


def _monthlies(on: date, months: int) -> list[date]:
    return [d for y, m in _months(on, months + 1) if (d := _third_friday(y, m)) >= on][:months]


def _live(dates: Iterable[date], on: date, cal: Calendar) -> list[date]:
    return sorted({x for d in dates if (x := _on_or_before(d, cal)) >= on})


def _equity_classes(inst: Instrument, on: date, etf: bool) -> list[OptionClass]:
    cal = _business("stock")
    expiries = _live([*_fridays(on, 5), *_monthlies(on, 6)], on, cal)
    return [OptionClass(inst, "OPT", inst.symbol, "SMART", _OPT_EXCHANGES, "100", 0.01,
                        strike_grid(inst.base_price), tuple((d, inst) for d in expiries),
                        "16:00", "US/Eastern", european=False, cash_settled=False)]


def _index_classes(inst: Instrument, on: date) -> list[OptionClass]:
    monthly, weekly = INDEX_CLASSES[inst.symbol]
    cal = _business("stock")
    months = _live(_monthlies(on, 6), on, cal)
    weeks = [d for d in _live(_fridays(on, 5), on, cal) if d not in months]
    strikes = strike_grid(inst.base_price)
    ex = "CBOE"
    return [
        OptionClass(inst, "OPT", monthly, ex, f"SMART,{ex}", "100", 0.05, strikes,
                    tuple((d, inst) for d in months), "09:30", "US/Eastern", european=True,
                    cash_settled=True),
        OptionClass(inst, "OPT", weekly, ex, f"SMART,{ex}", "100", 0.05, strikes,
                    tuple((d, inst) for d in weeks), "16:00", "US/Eastern", european=True,
                    cash_settled=True),
    ]


def _fop_classes(futures: Sequence[Instrument], on: date) -> list[OptionClass]:
    """Options on the listed months of one futures product (``futures`` sorted by expiry)."""
    first = futures[0]
    spec = next((s for s in future_specs() if s.symbol == first.symbol
                 and s.exchange == first.exchange), None)
    quarterly, eom, tick = FOP_CLASSES[first.symbol]
    cal = _business(first.hours)
    out: list[OptionClass] = []
    strikes = strike_grid(first.base_price)
    if first.symbol == "CL":  # LO: one business day before the future's last trade date
        pairs = []
        for fut in futures[:6]:
            ltd = _ymd(fut.last_trade_date)
            d = _on_or_before(ltd - timedelta(days=1), cal)
            if d >= on:
                pairs.append((d, fut))
        out.append(OptionClass(first, "FOP", quarterly, first.exchange, first.exchange,
                               first.multiplier or "1000", tick, strikes, tuple(pairs), "13:30",
                               "US/Eastern", european=False, cash_settled=False))
        return out
    pairs = [(_ymd(f.last_trade_date), f) for f in futures if _ymd(f.last_trade_date) >= on]
    out.append(OptionClass(first, "FOP", quarterly, first.exchange, first.exchange,
                           first.multiplier or "50", tick, strikes, tuple(pairs), "08:30",
                           "US/Central", european=False, cash_settled=False))
    if eom is not None and spec is not None:
        eoms: list[tuple[date, Instrument]] = []
        quarter_months = {(_ymd(f.last_trade_date).year, _ymd(f.last_trade_date).month)
                          for f in futures}
        for y, m in _months(on, 4):
            if (y, m) in quarter_months:
                continue
            last = date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)
            d = _on_or_before(last, cal)
            under = next((f for f in futures if _ymd(f.last_trade_date) >= d), None)
            if d >= on and under is not None:
                eoms.append((d, under))
        if eoms:
            out.append(OptionClass(first, "FOP", eom, first.exchange, first.exchange,
                                   first.multiplier or "50", tick, strikes, tuple(eoms), "15:00",
                                   "US/Central", european=False, cash_settled=False))
    return out


def _ymd(text: str | None) -> date:
    if not text or len(text) < 8:
        return date.max
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def option_classes(table: Iterable[Instrument], on: date) -> list[OptionClass]:
    """Every option class listed on market date ``on`` on the underlyings of ``table``."""
    out: list[OptionClass] = []
    futures: dict[str, list[Instrument]] = {}
    for inst in table:
        if inst.currency != "USD":
            continue
        if inst.sec_type == "IND" and inst.symbol in INDEX_CLASSES:
            out += _index_classes(inst, on)
        elif inst.sec_type == "STK" and inst.symbol in ETF_UNDERLYINGS:
            out += _equity_classes(inst, on, etf=True)
        elif inst.sec_type == "STK" and inst.symbol in STOCK_UNDERLYINGS:
            out += _equity_classes(inst, on, etf=False)
        elif inst.sec_type == "FUT" and inst.symbol in FOP_CLASSES:
            futures.setdefault(inst.symbol, []).append(inst)
    for group in futures.values():
        group.sort(key=lambda f: f.last_trade_date or "")
        out += _fop_classes(group, on)
    return out


def _local_symbol(cls: OptionClass, expiry: date, strike: float, right: str,
                  under: Instrument) -> str:
    if cls.sec_type == "OPT":
        return f"{cls.trading_class:<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"
    code = _MONTH_CODES[expiry.month - 1]
    return f"{cls.trading_class}{code}{expiry.year % 10} {right}{strike:g}"


def _con_id(cls: OptionClass, expiry: date, strike: float, right: str) -> int:
    return stable_con_id(cls.sec_type, cls.underlying.symbol, cls.trading_class,
                         expiry.strftime("%Y%m%d"), f"{strike:g}", right, cls.exchange)


def _option(cls: OptionClass, expiry: date, under: Instrument, strike: float,
            right: str) -> Instrument:
    ymd = expiry.strftime("%Y%m%d")
    u = cls.underlying
    return Instrument(
        con_id=_con_id(cls, expiry, strike, right),
        symbol=u.symbol, sec_type=cls.sec_type, exchange=cls.exchange, currency=u.currency,
        local_symbol=_local_symbol(cls, expiry, strike, right, under),
        trading_class=cls.trading_class,
        long_name=f"{u.symbol} {expiry:%b%d'%y} {strike:g} {'Call' if right == 'C' else 'Put'}",
        min_tick=cls.min_tick, base_price=max(cls.min_tick, u.base_price * 0.02),
        industry=u.industry, category=u.category, subcategory=u.subcategory,
        multiplier=cls.multiplier, last_trade_date=ymd, contract_month=ymd[:6],
        time_zone_id=cls.time_zone_id, hours=u.hours if cls.futures else "stock",
        valid_exchanges=cls.valid_exchanges, order_types=_OPT_ORDER_TYPES,
        market_rule_ids=",".join([str(option_rule_id(cls.min_tick))]
                                 * len(cls.valid_exchanges.split(","))),
        min_size=u.min_size.__class__(1), size_increment=u.min_size.__class__(1),
        suggested_size_increment=u.min_size.__class__(1), stock_type=None,
        under_con_id=under.con_id, under_symbol=under.symbol if cls.futures else u.symbol,
        under_sec_type=under.sec_type, market_name=cls.trading_class, agg_group=2,
        volatility=u.volatility, block_volume=2_000, lot=1, last_trade_time=cls.last_trade_time,
        strike=strike, right=right, first_date=f"{_listed(expiry, under):%Y%m%d}")


LISTED_DAYS = 730
"""How long before its expiry an option's history begins (HEAD_TIMESTAMP; no bars before it):
two years, and never before its underlying's."""


def _listed(expiry: date, under: Instrument) -> date:
    return max(under.history_start(), expiry - timedelta(days=LISTED_DAYS))


def _expiry_second(cls: OptionClass, expiry: date) -> int:
    hh, mm = (int(x) for x in cls.last_trade_time.split(":"))
    when = datetime.combine(expiry, time(hh, mm), ZoneInfo(_ZONES.get(cls.time_zone_id,
                                                                      cls.time_zone_id)))
    return int(when.timestamp())


_ZONES = {"US/Eastern": "America/New_York", "US/Central": "America/Chicago"}


@dataclass(frozen=True, slots=True)
class OptionTerms:
    """What prices one option: its class, expiry (epoch second), strike, right, underlying."""

    cls: OptionClass
    expiry: date
    expiry_second: int
    strike: float
    right: str
    under_con_id: int


class OptionTable(InstrumentTable):
    """An instrument table with the listed options of its underlyings: options resolve by symbol
    (sec type OPT / FOP, expiry, strike, right, trading class, exchange, multiplier, or the local
    symbol) and by con id; iterating it yields the base instruments only. ``start``: the market
    time the listing is for (expiries already past at that moment are not listed)."""

    def __init__(self, base: InstrumentTable, start: datetime) -> None:
        super().__init__(base.all, base.expired)
        self.start = start
        self.classes = tuple(_unexpired(option_classes(base.all, _market_date(start)), start))
        self._options: dict[int, Instrument] = {}
        self._terms: dict[int, OptionTerms] = {}
        self._by_class: dict[tuple[str, str], list[Instrument]] = {}
        self._built: set[int] = set()
        self._index: dict[int, tuple[OptionClass, date, Instrument, float, str]] | None = None

    def _make(self, cls: OptionClass, expiry: date, under: Instrument, strike: float,
              right: str) -> Instrument:
        inst = _option(cls, expiry, under, strike, right)
        if inst.con_id not in self._options:
            self._options[inst.con_id] = inst
            self._terms[inst.con_id] = OptionTerms(cls, expiry, _expiry_second(cls, expiry),
                                                   strike, right, under.con_id)
        return self._options[inst.con_id]

    def _build(self, i: int) -> list[Instrument]:
        """Every option of class ``i`` (made once)."""
        cls = self.classes[i]
        key = (cls.symbol.upper(), cls.trading_class)
        if i not in self._built:
            self._by_class[key] = [self._make(cls, expiry, under, strike, right)
                                   for expiry, under in cls.expiries
                                   for strike in cls.strikes for right in ("C", "P")]
            self._built.add(i)
        return list(self._by_class[key])

    def _where(self, con_id: int) -> tuple[OptionClass, date, Instrument, float, str] | None:
        """What identifies option ``con_id`` (from an index of every listed option's con id,
        made on the first lookup of a con id not seen yet: hashes only, no instruments)."""
        if self._index is None:
            self._index = {
                _con_id(cls, expiry, strike, right): (cls, expiry, under, strike, right)
                for cls in self.classes for expiry, under in cls.expiries
                for strike in cls.strikes for right in ("C", "P")}
        return self._index.get(con_id)

    def classes_of(self, symbol: str, sec_type: str | None = None,
                   exchange: str | None = None) -> list[OptionClass]:
        """The option classes on ``symbol`` (optionally: OPT or FOP; a futures exchange)."""
        out = []
        for cls in self.classes:
            if cls.symbol.upper() != symbol.upper():
                continue
            if sec_type and cls.sec_type != sec_type.upper():
                continue
            if exchange and cls.exchange != exchange.upper() and \
                    exchange.upper() not in cls.valid_exchanges.split(","):
                continue
            out.append(cls)
        return out

    def terms(self, con_id: int) -> OptionTerms | None:
        """How option ``con_id`` is priced (None: not an option)."""
        if con_id not in self._terms:
            self.get(con_id)
        return self._terms.get(con_id)

    def get(self, con_id: int) -> Instrument | None:
        inst = super().get(con_id)
        if inst is not None:
            return inst
        inst = self._options.get(con_id)
        if inst is None:
            where = self._where(con_id)
            if where is not None:
                inst = self._make(*where)
        return inst

    def __getitem__(self, con_id: int) -> Instrument:
        inst = self.get(con_id)
        if inst is None:
            raise KeyError(con_id)
        return inst

    def resolve(self, contract: Contract) -> list[Instrument]:
        if contract.con_id:
            inst = self.get(contract.con_id)
            return [inst] if inst is not None else []
        st = (contract.sec_type or "").upper()
        if st not in ("OPT", "FOP"):
            return super().resolve(contract)
        sym = (contract.symbol or "").upper()
        pool: list[Instrument] = []
        for i, cls in enumerate(self.classes):
            if cls.sec_type != st or (sym and cls.symbol.upper() != sym):
                continue
            if contract.trading_class and cls.trading_class != contract.trading_class.upper():
                continue
            if not sym and not contract.local_symbol:
                continue
            pool += self._build(i)
        c = dataclasses.replace(contract, symbol=contract.symbol or None)
        return [inst for inst in pool if matches(inst, c)]  # the shared rules


def _market_date(start: datetime) -> date:
    return start.astimezone(ZoneInfo("America/New_York")).date()


def _unexpired(classes: Iterable[OptionClass], start: datetime) -> list[OptionClass]:
    """The classes with the expiries still to come at ``start`` (classes left without one go)."""
    now = start.timestamp()
    out = []
    for cls in classes:
        live = tuple((d, u) for d, u in cls.expiries if _expiry_second(cls, d) > now)
        if live:
            out.append(dataclasses.replace(cls, expiries=live))
    return out


def with_options(table: InstrumentTable, start: datetime) -> InstrumentTable:
    """``table`` with the options listed at market time ``start`` (aware; the same table when
    none of its instruments has options)."""
    if isinstance(table, OptionTable):
        return table
    if not option_classes(table.all, _market_date(start)):
        return table
    return OptionTable(table, start)


# --- prices ---------------------------------------------------------------------------------------

_SPREAD = 0.005  # of the model value


class OptionPath(PricePath):
    """The price path of one option: at every second the model value from the underlying's mid
    then, the time to expiry and the smile; bid / ask around it on the option's tick grid."""

    def __init__(self, inst: Instrument, terms: OptionTerms, under: PricePath,
                 seed: int) -> None:  # (no walk of its own: PricePath.__init__ is not called)
        self.inst = inst
        self.terms = terms
        self.under = under
        self.key = mix(seed, inst.con_id, 0x0971)
        self.base_vol = om.annual_vol(under.inst.volatility)
        self.futures = terms.cls.futures
        self.skew = 0.1 if under.inst.symbol == "CL" else 0.35
        self._cache: dict[int, tuple[int, int, float]] = {}

    def under_price(self, s: int) -> float:
        """The underlying's mid at second ``s``."""
        u = self.under
        return value_at(u, s, "MIDPOINT") * u.inst.min_tick

    def years(self, s: int) -> float:
        return max(0.0, (self.terms.expiry_second - s) / om.YEAR_S)

    def vol(self, under: float, t: float) -> float:
        """The model's volatility for this option's strike at maturity ``t``."""
        fwd = under if self.futures else under * math.exp(om.RATE * t)
        return om.smile_vol(self.base_vol, fwd, self.terms.strike, max(t, 1e-6), self.skew)

    def model(self, s: int, under: float | None = None) -> tuple[om.Greeks, float, float]:
        """(value and greeks, volatility, underlying price) at second ``s`` (with the underlying
        at ``under`` if given)."""
        u = self.under_price(s) if under is None else under
        t = self.years(s)
        vol = self.vol(u, t)
        g = om.greeks(self.terms.right, u, self.terms.strike, t, vol, self.futures)
        return g, vol, u

    def _quote(self, s: int) -> tuple[int, int, float]:
        got = self._cache.get(s)
        if got is not None:
            return got
        g, _vol, _u = self.model(s)
        tick = self.inst.min_tick
        theo = g.price / tick
        spread = max(1, min(20, round(theo * _SPREAD)))
        bid = max(0, round(theo - spread / 2.0))
        if bid == 0:  # far out of the money: no bid, the ask a tick or so above the value
            spread = max(1, round(theo + spread / 2.0))
        got = (bid, spread, theo)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[s] = got
        return got

    def price(self, s: int) -> int:
        return self._quote(s)[0]

    def spread(self, s: int) -> int:
        return self._quote(s)[1]

    def last_at_ask(self, s: int) -> bool:
        return bool(mix(self.key, 8, s) & 1)

    def sec_volume(self, s: int) -> int:
        return int(mix(self.key, 10, s) % 4)

    def own_aggregate(self, pieces: Sequence[tuple[int, int]],
                      what: str) -> tuple[float, float, float, float, int]:
        """OHLC (option ticks) over ``pieces``: open and close exact, high and low from the
        model at the underlying's extremes (an option's value is monotone in its underlying)."""
        from .pricepath import aggregate

        first, last = pieces[0][0] - 1, pieces[-1][1] - 1
        o, c = value_at(self, first, what), value_at(self, last, what)
        _uo, uh, ul, _uc, uvol = aggregate(self.under, pieces, "MIDPOINT")
        tick, utick = self.inst.min_tick, self.under.inst.min_tick
        vals = [self.model(last, x * utick)[0].price / tick for x in (uh, ul)]
        half = 0.0 if what == "MIDPOINT" else self.spread(last) / 2.0
        hi = max(o, c, math.ceil((max(vals) + half) * 2) / 2)  # half ticks, as mids are
        lo = max(0.0, min(o, c, math.floor((min(vals) - half) * 2) / 2))
        return o, hi, lo, c, max(0, uvol // 5000)
