"""The simulated market: a deterministic, seeded price process per instrument.

Theory of operation
-------------------
Market time runs in whole seconds; one :meth:`Market.step` is one second. The price path of an
instrument is built top-down so that any second, and the exact OHLC of any interval, can be computed
without generating the seconds in between:

1. **Blocks** (half hours, aligned to the epoch): a geometric random walk (with a slight pull back to
   the instrument's base price) gives each block's close; a block's open is the previous block's
   close; its high and low lie beyond them by a random margin. The walk is anchored at the block of
   the market's start time, where the price is the instrument's base price, and extends both ways.
2. **Minutes** inside a block: a Brownian bridge from the block's open to its close, clipped into
   the block's [low, high], with one minute forced to reach the high and one the low.
3. **Seconds** inside a minute: the same, one price per second.

Every random number comes from a hash of (seed, con id, level, index), so a given second has the
same price whatever was computed before -- the path is a pure function of the seed, the start time
and the instrument. Prices are whole numbers of ticks (the *bid*); the spread is 1-3 ticks, fixed
per block; the ask is bid + spread; the last trade is at the bid or the ask (a hashed bit per
second). Volume is a per-block total split among minutes and seconds.

A bar's open is the price of the second before it (so bars tile without gaps), its close the price
of its last second, its high / low the extremes over its seconds. Because a block's or minute's
extremes are exact, bars of every size agree with the tick path: every bid, ask and last the
market showed (and so every paper fill, which happens at the bid or ask) lies inside the bars that
cover it. TRADES bars report the highest ask and the lowest bid as high / low; BID_ASK bars report
open = bid, high = max ask, low = min bid, close = ask.

The simulated market trades around the clock, every day; ``use_rth`` bars keep only the liquid
hours (Monday-Friday) of the instrument's time zone.

Market time is not wall time: it starts at ``start`` and moves only when stepped. A gateway keeps
the two together with :meth:`~ibwire.gateway.exchange.PaperExchange.advance_to` (called with the
wall clock); tests step faster than that, and historical requests with an empty end time should
end at :meth:`Market.now`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..models.market import BarData
from .instruments import Instrument, InstrumentTable, liquid_window, table_of
from .pricepath import BLOCK, PricePath, aggregate, mix

__all__ = ["Market", "Quote", "Bar", "BarRequestError", "BAR_SIZES", "parse_duration"]

# --- errors and request parsing ------------------------------------------------------------------

class BarRequestError(ValueError):
    """A historical request TWS would refuse: ``code`` (162 or 321) and ``text`` as TWS words them."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


_HMDS = "Historical Market Data Service error message:"

BAR_SIZES: dict[str, int] = {
    "1 secs": 1, "5 secs": 5, "10 secs": 10, "15 secs": 15, "30 secs": 30,
    "1 min": 60, "2 mins": 120, "3 mins": 180, "5 mins": 300, "10 mins": 600, "15 mins": 900,
    "20 mins": 1200, "30 mins": 1800, "1 hour": 3600, "2 hours": 7200, "3 hours": 10800,
    "4 hours": 14400, "8 hours": 28800, "1 day": 86400, "1 week": 7 * 86400, "1W": 7 * 86400,
    "1 month": 31 * 86400, "1M": 31 * 86400,
}
"""Legal bar sizes (TWS's spelling) and their nominal length in seconds."""

_LEGAL = ("1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, 2 mins, 3 mins, 5 mins, 10 mins, "
          "15 mins, 20 mins, 30 mins, 1 hour, 2 hours, 3 hours, 4 hours, 8 hours, 1 day, 1W, 1M")

# (longest duration in seconds, smallest bar in seconds) -- the documented duration / bar size table
_STEP_LIMITS = ((1800, 1), (3600, 5), (14400, 10), (28800, 30), (86400, 60), (2 * 86400, 120),
                (7 * 86400, 180), (31 * 86400, 1800), (366 * 86400, 86400))
_MAX_UNITS = {"S": 86400, "D": 366, "W": 52, "M": 12, "Y": 5}
_WHAT = ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST")
_DURATION_RE = re.compile(r"^\s*(\d+)\s+([SDWMY])\s*$")


def parse_duration(duration: str) -> tuple[int, str]:
    """``"3 D"`` -> ``(3, "D")``; raises :class:`BarRequestError` (321) on a bad format."""
    m = _DURATION_RE.match(duration)
    if m is None or int(m.group(1)) <= 0:
        raise BarRequestError(321, f"Error validating request.-'bS' : cause - Invalid duration "
                                   f"format '{duration}'")
    n, unit = int(m.group(1)), m.group(2)
    if n > _MAX_UNITS[unit]:
        raise BarRequestError(162, _HMDS + "Time length exceed max.")
    return n, unit


# --- public value types ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Quote:
    """The market of one instrument at one second (prices on the tick grid; sizes in units)."""

    con_id: int
    time: datetime
    bid: float
    ask: float
    last: float
    bid_size: Decimal
    ask_size: Decimal
    last_size: Decimal
    volume: Decimal  # since the start of the day (instrument's time zone)
    high: float  # of the day
    low: float
    open: float
    close: float  # the previous day's close
    min_tick: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0


@dataclass(frozen=True, slots=True)
class Bar:
    """One historical bar. ``time`` is the bar's start (aware); ``daily`` says it is a 1-day or
    longer bar (dated by day). ``volume``, ``wap`` and ``bar_count`` are -1 for non-TRADES bars."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: Decimal
    wap: Decimal
    bar_count: int
    daily: bool = False

    def to_bar_data(self, format_date: int = 1) -> BarData:
        """The wire form: ``"20261120"`` for daily bars, ``"20261120 09:30:00 US/Eastern"`` (format
        1) or epoch seconds (format 2) for intraday bars."""
        if self.daily:
            text = self.time.strftime("%Y%m%d")
        elif format_date == 2:
            text = str(int(self.time.timestamp()))
        else:
            tz = self.time.tzinfo
            name = tz.key if isinstance(tz, ZoneInfo) else "UTC"
            text = self.time.strftime("%Y%m%d %H:%M:%S ") + name
        return BarData(date=text, open=self.open, high=self.high, low=self.low, close=self.close,
                       volume=self.volume, wap=self.wap, bar_count=self.bar_count)


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _epoch(t: datetime) -> int:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: give it a time zone")
    return math.floor(t.timestamp())


def _local_midnight(d: date, tz: ZoneInfo) -> int:
    return _epoch(datetime(d.year, d.month, d.day, tzinfo=tz))


def _minus_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + (d.month - 1) - months, 12)
    m += 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


# --- the market -----------------------------------------------------------------------------------

class Market:
    """Deterministic quotes and bars for every instrument of a table.

    ``start`` (aware; default: now, truncated to the second) is market time at step 0; ``step`` is
    the number of seconds already run (restored from a state file). Same ``seed`` and ``start`` ->
    the same quotes and bars.
    """

    def __init__(self, instruments: InstrumentTable | Sequence[Instrument] | None = None,
                 seed: int = 0, start: datetime | None = None, step: int = 0) -> None:
        self.instruments = table_of(instruments)
        self.seed = seed
        t = start if start is not None else datetime.now(UTC)
        self._start_s = _epoch(t)
        self.start = datetime.fromtimestamp(self._start_s, tz=UTC)
        self._step = step
        self._paths: dict[int, PricePath] = {}

    # time
    @property
    def step_count(self) -> int:
        """Seconds run since ``start``."""
        return self._step

    def now(self) -> datetime:
        """Market time (UTC): ``start`` + steps seconds."""
        return datetime.fromtimestamp(self._start_s + self._step, tz=UTC)

    def step(self, n: int = 1) -> None:
        """Advance market time by ``n`` seconds."""
        if n < 0:
            raise ValueError("the market does not run backwards")
        self._step += n

    def set_step(self, step: int) -> None:
        """Jump to ``step`` seconds after ``start`` (used when resuming from a state file)."""
        self._step = step

    def steps_until(self, t: datetime) -> int:
        """How many steps bring market time to ``t`` (0 if it is already there or past)."""
        return max(0, _epoch(t) - (self._start_s + self._step))

    # paths
    def _path(self, con_id: int) -> PricePath:
        path = self._paths.get(con_id)
        if path is None:
            inst = self.instruments.get(con_id)
            if inst is None:
                raise KeyError(f"unknown con id {con_id}")
            path = PricePath(inst, self.seed, self._start_s // BLOCK)
            self._paths[con_id] = path
        return path

    def _px(self, inst: Instrument, ticks: float) -> float:
        return round(ticks * inst.min_tick, inst.price_decimals + 1)

    # quotes
    def quote(self, con_id: int) -> Quote:
        """The quote now."""
        return self.quote_at(con_id, self._start_s + self._step)

    def quote_at(self, con_id: int, second: int | datetime) -> Quote:
        """The quote at ``second`` (epoch seconds or an aware datetime)."""
        s = second if isinstance(second, int) else _epoch(second)
        path = self._path(con_id)
        inst = path.inst
        bid = path.price(s)
        spread = path.spread(s)
        ask = bid + spread
        last = ask if path.last_at_ask(s) else bid
        tz = _zone(inst.time_zone_id)
        day0 = _local_midnight(datetime.fromtimestamp(s, tz).date(), tz)
        o, h, lo, _c, vol = aggregate(path, [(day0, s + 1)], "TRADES")
        prev_close = o  # bars tile: the day opens at the previous day's close
        hb = mix(path.key, 9, s)
        lot = inst.lot
        return Quote(
            con_id=con_id,
            time=datetime.fromtimestamp(s, tz=UTC),
            bid=self._px(inst, bid), ask=self._px(inst, ask), last=self._px(inst, last),
            bid_size=Decimal(lot * (1 + hb % 20)),
            ask_size=Decimal(lot * (1 + (hb >> 8) % 20)),
            last_size=Decimal(max(1, path.sec_volume(s)) if inst.block_volume else lot),
            volume=Decimal(vol), high=self._px(inst, h), low=self._px(inst, lo),
            open=self._px(inst, o), close=self._px(inst, prev_close), min_tick=inst.min_tick,
        )

    def touch(self, con_id: int, second: int | None = None) -> tuple[float, float, float]:
        """``(bid, ask, last)`` now (or at epoch ``second``): the cheap part of :meth:`quote`."""
        path = self._path(con_id)
        s = self._start_s + self._step if second is None else second
        bid = path.price(s)
        ask = bid + path.spread(s)
        last = ask if path.last_at_ask(s) else bid
        inst = path.inst
        return self._px(inst, bid), self._px(inst, ask), self._px(inst, last)

    def mark(self, con_id: int) -> float:
        """The mark price now: the mid of bid and ask."""
        path = self._path(con_id)
        s = self._start_s + self._step
        return self._px(path.inst, path.price(s) + path.spread(s) / 2)

    def fx_to_usd(self, currency: str) -> float:
        """USD per unit of ``currency`` at the current mid (1.0 for USD; a pair of the table with
        USD on one side gives the rate)."""
        ccy = currency.upper()
        if ccy in ("USD", "BASE", ""):
            return 1.0
        for inst in self.instruments.all:
            if inst.sec_type != "CASH":
                continue
            if inst.symbol == ccy and inst.currency == "USD":
                return self.mark(inst.con_id)
            if inst.symbol == "USD" and inst.currency == ccy:
                return 1.0 / self.mark(inst.con_id)
        raise KeyError(f"no USD rate for {currency}")

    # bars
    def bars(self, con_id: int, end: datetime | None, duration: str, bar_size: str,
             what_to_show: str = "TRADES", use_rth: bool = False) -> list[Bar]:
        """Historical bars of [end - duration, end) (``end`` None or later than now: up to and
        including the current second).

        Raises :class:`BarRequestError`: 321 for an illegal bar size, duration format or
        what-to-show; 162 "Time length exceed max." when the bar size is too small for the duration
        (the documented duration / bar size table) or the duration is too long (more than 86400 S,
        366 D, 52 W, 12 M or 5 Y); 162 for TRADES on a currency pair and when no bar falls in the
        window ("HMDS query returned no data").
        """
        path = self._path(con_id)
        inst = path.inst
        size = BAR_SIZES.get(bar_size.strip())
        if size is None:
            raise BarRequestError(321, "Error validating request.-'bS' : cause - Historical data "
                                       f"bar size setting is invalid. Legal ones are: {_LEGAL}")
        what = what_to_show.strip().upper()
        if what not in _WHAT:
            raise BarRequestError(321, "Error validating request.-'bS' : cause - Invalid what to "
                                       f"show: {what_to_show}")
        if inst.sec_type == "CASH" and what in ("TRADES", "ADJUSTED_LAST"):
            raise BarRequestError(162, _HMDS + f"No data of type {what} is available for the "
                                       f"exchange '{inst.exchange}' and the security type 'Forex'")
        n, unit = parse_duration(duration)
        tz = _zone(inst.time_zone_id)
        now_s = self._start_s + self._step
        end_s = min(_epoch(end), now_s + 1) if end is not None else now_s + 1
        end_local = datetime.fromtimestamp(end_s, tz)
        if unit == "S":
            start_s = end_s - n
        elif unit in ("D", "W"):
            start_s = _epoch(end_local - timedelta(days=n * (7 if unit == "W" else 1)))
        elif unit == "M":
            d = _minus_months(end_local.date(), n)
            start_s = _epoch(end_local.replace(year=d.year, month=d.month, day=d.day))
        else:
            d = _minus_months(end_local.date(), 12 * n)
            start_s = _epoch(end_local.replace(year=d.year, month=d.month, day=d.day))
        span = end_s - start_s
        for longest, smallest in _STEP_LIMITS:
            if span <= longest:
                if size < smallest:
                    raise BarRequestError(162, _HMDS + "Time length exceed max.")
                break
        else:
            if size < 86400:
                raise BarRequestError(162, _HMDS + "Time length exceed max.")
        daily = size >= 86400
        out: list[Bar] = []
        for label, pieces in self._windows(inst, tz, start_s, end_s, bar_size, size, use_rth):
            o, h, lo, c, vol = aggregate(path, pieces, what)
            if what in ("TRADES", "ADJUSTED_LAST"):
                volume = Decimal(vol)
                wap = Decimal(str(self._px(inst, (h + lo + c) / 3)))
                count = (vol + inst.lot - 1) // inst.lot if vol > 0 else 0
            else:
                volume, wap, count = Decimal(-1), Decimal(-1), -1
            out.append(Bar(time=label, open=self._px(inst, o), high=self._px(inst, h),
                           low=self._px(inst, lo), close=self._px(inst, c), volume=volume,
                           wap=wap, bar_count=count, daily=daily))
        if not out:
            raise BarRequestError(162, _HMDS + f"HMDS query returned no data: {inst.symbol}@"
                                       f"{inst.exchange} {what.title()}")
        return out

    def _sessions(self, inst: Instrument, tz: ZoneInfo, start_s: int,
                  end_s: int) -> list[tuple[int, int]]:
        """Liquid-hours sessions (epoch seconds, Monday-Friday) near [start_s, end_s), cut at
        ``end_s``. A session belongs to the day it closes on."""
        open_m, close_m, overnight = liquid_window(inst)
        d = datetime.fromtimestamp(start_s, tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end_s, tz).date() + timedelta(days=1)
        out: list[tuple[int, int]] = []
        while d <= last:
            if d.weekday() < 5:
                open_day = d - timedelta(days=1) if overnight else d
                a = _local_midnight(open_day, tz) + open_m * 60
                b = min(_local_midnight(d, tz) + close_m * 60, end_s)
                if a < b:
                    out.append((a, b))
            d += timedelta(days=1)
        return out

    def _windows(self, inst: Instrument, tz: ZoneInfo, start_s: int, end_s: int, bar_size: str,
                 size: int, use_rth: bool) -> Iterator[tuple[datetime, list[tuple[int, int]]]]:
        """(bar label, pieces) for each bar of [start_s, end_s): bars start at or after
        ``start_s`` (or, if none does, the one bar holding the end); the last one is cut at
        ``end_s``."""
        nominal: list[tuple[int, int, datetime]] = []
        if size < 86400:
            offset = int((datetime.fromtimestamp(start_s, tz).utcoffset()
                          or timedelta()).total_seconds())
            t = -((-(start_s + offset)) // size) * size - offset  # first boundary >= start_s
            if t >= end_s:
                t = (end_s - 1 + offset) // size * size - offset
            while t < end_s:
                nominal.append((t, t + size, datetime.fromtimestamp(t, tz)))
                t += size
        else:
            d = datetime.fromtimestamp(start_s, tz).date()
            if bar_size in ("1 week", "1W"):
                d -= timedelta(days=d.weekday())
            elif bar_size in ("1 month", "1M"):
                d = d.replace(day=1)
            while True:
                if bar_size == "1 day":
                    nxt = d + timedelta(days=1)
                elif bar_size in ("1 week", "1W"):
                    nxt = d + timedelta(days=7)
                else:
                    nxt = _minus_months(d, -1)
                a, b = _local_midnight(d, tz), _local_midnight(nxt, tz)
                if a >= end_s:
                    break
                nominal.append((a, b, datetime(d.year, d.month, d.day, tzinfo=tz)))
                d = nxt
            later = [bar for bar in nominal if bar[0] >= start_s]
            nominal = later or nominal[-1:]
        sessions = self._sessions(inst, tz, start_s, end_s) if use_rth else []
        for a, b, label in nominal:
            b = min(b, end_s)
            if not use_rth:
                yield label, [(a, b)]
                continue
            if size < 86400:
                pieces = [(max(a, sa), min(b, sb)) for sa, sb in sessions
                          if max(a, sa) < min(b, sb)]
                if pieces:
                    yield datetime.fromtimestamp(pieces[0][0], tz), pieces
            else:
                pieces = [(sa, sb) for sa, sb in sessions if a <= sb - 1 < b]
                if pieces:
                    yield label, pieces
