"""Futures: the products of the shipped ``data/futures.csv`` (CME, CBOT, NYMEX, COMEX and CFE,
with their month cycles and last-trade rules) and the contract months each lists on a market
date, generated from those rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from ..calendar import RULES, Calendar
from .files import InstrumentFileError, data_text, read_csv
from .model import Instrument, stable_con_id

# Order types advertised in CONTRACT_DATA for a future (see .model).
_FUT_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,"
                    "DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,"
                    "NONALGO,OCA,RTH,SCALE,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
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
    for n, row in read_csv(data_text("futures.csv"), "futures.csv"):
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
        valid_exchanges=f"{spec.exchange},QBALGO", order_types=_FUT_ORDER_TYPES,
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


def expired_months(spec: FutureSpec, on: date, months: int = 15) -> list[tuple[int, int]]:
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
