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

Sessions come from the market calendar (:mod:`.calendar`): historical bars exist only inside
sessions, and durations count sessions as TWS does. The price path itself is a pure function of
time; with ``strict=True`` the quotes of an instrument stay frozen at its last session's close
while its market is closed. (The gateway's default clock, :mod:`.clock`, only ever stands where
every market is open, so the live market never shows a closed stretch.)

Market time is not wall time: it starts at ``start`` and moves only when stepped. A gateway keeps
the two together with :meth:`~ibwire.gateway.exchange.PaperExchange.advance_to` (called with the
wall clock); tests step faster than that, and historical requests with an empty end time should
end at :meth:`Market.now`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..models.market import BarData
from .calendar import Calendar, Session
from .instruments import Instrument, InstrumentTable, table_of
from .options import OptionPath, OptionTable
from .pricepath import BLOCK, PricePath, aggregate, mix, value_at

__all__ = ["Market", "Quote", "Bar", "BarRequestError", "BAR_SIZES", "parse_duration"]

# --- errors and request parsing ------------------------------------------------------------------

class BarRequestError(ValueError):
    """A historical request TWS would refuse: ``code`` (162 or 321) and ``text`` as TWS words them."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


HMDS = "Historical Market Data Service error message:"
"""The prefix of TWS's historical-data errors (162 and others)."""


def no_forex_data(inst: Instrument, what: str) -> str | None:
    """TWS's 162 text when a currency pair is asked for trades (``what`` TRADES or
    ADJUSTED_LAST: a pair has quotes only), else None."""
    if inst.sec_type == "CASH" and what in ("TRADES", "ADJUSTED_LAST"):
        return (HMDS + f"No data of type {what} is available for the exchange '{inst.exchange}' "
                "and the security type 'Forex'")
    return None

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
_NOMINAL = {"S": 1, "D": 86400, "W": 7 * 86400, "M": 31 * 86400, "Y": 365 * 86400}
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
        raise BarRequestError(162, HMDS + "Time length exceed max.")
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
                 seed: int = 0, start: datetime | None = None, step: int = 0,
                 strict: bool = False) -> None:
        self.strict = strict
        self.seed = seed
        t = start if start is not None else datetime.now(UTC)
        self.instruments = table_of(instruments, t)
        self._start_s = _epoch(t)
        self.start = datetime.fromtimestamp(self._start_s, tz=UTC)
        self._step = step
        self._paths: dict[int, PricePath] = {}

    # time
    @property
    def step_count(self) -> int:
        """Seconds run since ``start``."""
        return self._step

    @property
    def step_second(self) -> int:
        """Market time in epoch seconds."""
        return self._start_s + self._step

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
            terms = self.instruments.terms(con_id) if isinstance(self.instruments,
                                                                 OptionTable) else None
            if terms is not None:  # an option: priced from its underlying (see .options)
                path = OptionPath(inst, terms, self._path(terms.under_con_id), self.seed)
            else:
                path = PricePath(inst, self.seed, self._start_s // BLOCK)
            self._paths[con_id] = path
        return path

    def option_path(self, con_id: int) -> OptionPath | None:
        """The pricing of option ``con_id`` (None: not an option)."""
        path = self._path(con_id)
        return path if isinstance(path, OptionPath) else None

    def use_path(self, con_id: int, path: PricePath) -> None:
        """Serve ``con_id`` from ``path`` instead of the walk (recorded data, see :mod:`.replay`);
        its options, priced from it, follow it (any built before are dropped)."""
        self._paths[con_id] = path
        for other, p in list(self._paths.items()):
            if isinstance(p, OptionPath) and p.terms.under_con_id == con_id:
                del self._paths[other]

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
        s = self._live(inst, s)
        bid = path.price(s)
        spread = path.spread(s)
        ask = bid + spread
        last = path.last_trade(s)
        session = Calendar.of(inst.hours).previous_session(s)
        if session is not None and s < session.close:  # the day so far: the session's bar
            day0 = session.open
        else:
            tz = _zone(inst.time_zone_id)
            day0 = _local_midnight(datetime.fromtimestamp(s, tz).date(), tz)
        o, h, lo, _c, vol = aggregate(path, [(day0, s + 1)], "TRADES")
        prev_close = value_at(path, day0 - 1, "TRADES")  # (the walk: o; bars tile)
        bid_size, ask_size = self._sizes(path, s)
        lot = inst.lot
        return Quote(
            con_id=con_id,
            time=datetime.fromtimestamp(s, tz=UTC),
            bid=self._px(inst, bid), ask=self._px(inst, ask), last=self._px(inst, last),
            bid_size=bid_size, ask_size=ask_size,
            last_size=Decimal(max(1, path.sec_volume(s)) if inst.block_volume else lot),
            volume=Decimal(vol), high=self._px(inst, h), low=self._px(inst, lo),
            open=self._px(inst, o), close=self._px(inst, prev_close), min_tick=inst.min_tick,
        )

    def touch(self, con_id: int, second: int | None = None) -> tuple[float, float, float]:
        """``(bid, ask, last)`` now (or at epoch ``second``): the cheap part of :meth:`quote`."""
        path = self._path(con_id)
        s = self._live(path.inst, self._start_s + self._step if second is None else second)
        bid = path.price(s)
        ask = bid + path.spread(s)
        last = path.last_trade(s)
        inst = path.inst
        return self._px(inst, bid), self._px(inst, ask), self._px(inst, last)

    @staticmethod
    def _sizes(path: PricePath, s: int) -> tuple[Decimal, Decimal]:
        hb = mix(path.key, 9, s)
        lot = path.inst.lot
        return Decimal(lot * (1 + hb % 20)), Decimal(lot * (1 + (hb >> 8) % 20))

    def touch_sizes(self, con_id: int) -> tuple[Decimal, Decimal]:
        """``(bid size, ask size)`` now: what an order can take at the touch in one second."""
        path = self._path(con_id)
        return self._sizes(path, self._live(path.inst, self._start_s + self._step))

    def trades_at(self, con_id: int, second: int) -> list[tuple[float, Decimal]]:
        """The trades printed at epoch ``second``: (price, size), in order -- the tape that
        tick-by-tick and historical ticks show. Their sizes add up to the volume of the bars that
        cover the second, their prices lie inside those bars."""
        path = self._path(con_id)
        return [(self._px(path.inst, p), Decimal(v)) for p, v in path.trades(second)]

    def first_second(self, con_id: int) -> int | None:
        """Where ``con_id``'s recorded data begins (None: the walk, which has no start)."""
        return self._path(con_id).first_second

    def touch_sizes_at(self, con_id: int, second: int) -> tuple[Decimal, Decimal]:
        """``(bid size, ask size)`` at epoch ``second`` (what :meth:`quote_at` shows)."""
        path = self._path(con_id)
        return self._sizes(path, self._live(path.inst, second))

    def mark(self, con_id: int) -> float:
        """The mark price now: the mid of bid and ask."""
        path = self._path(con_id)
        s = self._live(path.inst, self._start_s + self._step)
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

    # sessions
    def calendar(self, con_id: int) -> Calendar:
        """The session calendar of ``con_id``'s instrument class."""
        return Calendar.of(self._path(con_id).inst.hours)

    def in_session(self, con_id: int, second: int | None = None, liquid: bool = False) -> bool:
        """Whether ``con_id`` trades at ``second`` (default: now): inside its trading session
        (``liquid``: its regular hours)."""
        s = self._start_s + self._step if second is None else second
        return self.calendar(con_id).session_at(s, liquid) is not None

    def history_start(self, con_id: int) -> int:
        """The first second of ``con_id``'s history (epoch seconds): where recorded data begins,
        else the open of the first trading session on or after the instrument's
        :meth:`~ibwire.gateway.instruments.Instrument.history_start` date. No bars exist before
        it; HEAD_TIMESTAMP reports it."""
        path = self._path(con_id)
        if path.first_second is not None:
            return path.first_second
        cal = Calendar.of(path.inst.hours)
        d = path.inst.history_start()
        for i in range(30):
            s = cal.session(d + timedelta(days=i))
            if s is not None:
                return s.open
        raise LookupError(f"no session within 30 days of {d}")  # pragma: no cover

    def _live(self, inst: Instrument, s: int) -> int:
        """The second whose prices the market shows at ``s``: ``s`` itself, or in strict mode and
        outside the instrument's trading session the last second of the previous session (quotes
        stay frozen until the next open)."""
        if not self.strict:
            return s
        cal = Calendar.of(inst.hours)
        if cal.session_at(s) is not None:
            return s
        prev = cal.previous_session(s)
        return prev.close - 1 if prev is not None else s

    # bars
    def bars(self, con_id: int, end: datetime | None, duration: str, bar_size: str,
             what_to_show: str = "TRADES", use_rth: bool = False) -> list[Bar]:
        """Historical bars of the ``duration`` before ``end`` (``end`` None or later than now: up to
        and including the current second), as TWS counts them.

        Bars exist only inside sessions: regular hours with ``use_rth``, the trading session (the
        extended hours of a stock, the near-24h session of a future or a pair) without. Durations
        count sessions as TWS does: ``"S"`` seconds back from the end; ``"D"`` the last n sessions
        that opened before the end, ``"W"`` the last 5n; ``"M"`` and ``"Y"`` the sessions of the
        last n calendar months or years. A request ending on a weekend or a holiday returns the
        sessions before it. Daily bars are one per session (dated by the trading date the session
        closes on); weekly and monthly bars group sessions by week and month.

        Raises :class:`BarRequestError`: 321 for an illegal bar size, duration format or
        what-to-show; 162 "Time length exceed max." when the bar size is too small for the duration
        (the documented duration / bar size table) or the duration is too long (more than 86400 S,
        366 D, 52 W, 12 M or 5 Y); 162 for TRADES on a currency pair and when the request covers no
        session ("HMDS query returned no data").
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
        forex = no_forex_data(inst, what)
        if forex is not None:
            raise BarRequestError(162, forex)
        n, unit = parse_duration(duration)
        span = n * _NOMINAL[unit]
        for longest, smallest in _STEP_LIMITS:
            if span <= longest:
                if size < smallest:
                    raise BarRequestError(162, HMDS + "Time length exceed max.")
                break
        else:
            if size < 86400:
                raise BarRequestError(162, HMDS + "Time length exceed max.")
        tz = _zone(inst.time_zone_id)
        end_s = self._end_second(end)
        pieces = self.pieces(con_id, end, n, unit, use_rth)
        if not pieces:
            raise BarRequestError(162, HMDS + f"HMDS query returned no data: {inst.symbol}@"
                                       f"{inst.exchange} {what.title()}")
        daily = size >= 86400
        windows = self._daily_windows(pieces, bar_size, tz) if daily else \
            self._intraday_windows(pieces, size, tz, end_s - n if unit == "S" else None)
        out: list[Bar] = []
        for label, parts in windows:
            o, h, lo, c, vol = aggregate(path, parts, what)
            if what in ("TRADES", "ADJUSTED_LAST"):
                volume = Decimal(vol)
                wap = Decimal(str(self._px(inst, (h + lo + c) / 3)))
                count = (vol + inst.lot - 1) // inst.lot if vol > 0 else 0
            else:
                volume, wap, count = Decimal(-1), Decimal(-1), -1
            out.append(Bar(time=label, open=self._px(inst, o), high=self._px(inst, h),
                           low=self._px(inst, lo), close=self._px(inst, c), volume=volume,
                           wap=wap, bar_count=count, daily=daily))
        return out

    def _end_second(self, end: datetime | None) -> int:
        """The (exclusive) end of a request ending at ``end``: at most the current second."""
        now_s = self._start_s + self._step
        return min(_epoch(end), now_s + 1) if end is not None else now_s + 1

    def pieces(self, con_id: int, end: datetime | None, n: int, unit: str,
               use_rth: bool = False) -> list[tuple[int, int, date]]:
        """``(start, end, trading date)`` of the stretches of market time a duration of ``n``
        ``unit`` (S, D, W, M, Y; see :meth:`bars`) before ``end`` covers: inside sessions (the
        liquid ones with ``use_rth``), not after now, not before the instrument's history
        (:meth:`history_start`). Bars and histograms aggregate these."""
        cal = self.calendar(con_id)
        end_s = self._end_second(end)
        sessions = self._covered(cal, end_s, n, unit, use_rth)
        out = [(max(ss.open, lo), min(ss.close, end_s), ss.date) for ss, lo in sessions
               if max(ss.open, lo) < min(ss.close, end_s)]
        first = self.history_start(con_id)  # no data before the instrument's history begins
        return [(max(a, first), b, d) for a, b, d in out if b > first]

    def sessions(self, con_id: int, end: datetime | None, n: int, unit: str,
                 use_rth: bool = False) -> list[Session]:
        """The whole sessions a duration of ``n`` ``unit`` before ``end`` covers (the schedule
        of HISTORICAL_SCHEDULE): every session that opened before ``end`` (default: now) and
        ends after the instrument's history begins, not clipped to now."""
        cal = self.calendar(con_id)
        now_s = self._start_s + self._step
        end_s = _epoch(end) if end is not None else now_s + 1
        first = self.history_start(con_id)
        return [ss for ss, _lo in self._covered(cal, end_s, n, unit, use_rth) if ss.close > first]

    @staticmethod
    def _covered(cal: Calendar, end_s: int, n: int, unit: str,
                 use_rth: bool) -> list[tuple[Session, int]]:
        """(session, earliest second wanted) for every session the duration covers."""
        if unit == "S":
            start_s = end_s - n
            first = cal.trading_date_of(start_s) - timedelta(days=1)
            last = cal.trading_date_of(end_s) + timedelta(days=1)
            return [(ss, start_s) for ss in cal.sessions_between(first, last, use_rth)
                    if ss.close > start_s and ss.open < end_s]
        if unit in ("D", "W"):
            return [(ss, ss.open) for ss in cal.sessions_back(end_s, n * (5 if unit == "W" else 1),
                                                              use_rth)]
        last_session = cal.previous_session(end_s - 1, use_rth)
        if last_session is None:
            return []
        last_date = last_session.date
        first_date = _minus_months(last_date, n * (12 if unit == "Y" else 1)) + timedelta(days=1)
        return [(ss, ss.open) for ss in cal.sessions_between(first_date, last_date, use_rth)
                if ss.open < end_s]

    @staticmethod
    def _intraday_windows(pieces: list[tuple[int, int, date]], size: int, tz: ZoneInfo,
                          cut_at: int | None) -> list[tuple[datetime, list[tuple[int, int]]]]:
        """Bars of ``size`` seconds aligned to the local clock, clipped to each session piece and
        labelled by their first second. With ``cut_at`` (the start of an "S" duration), a bar that
        began before it is left out, unless no bar would be left."""
        out: list[tuple[datetime, list[tuple[int, int]]]] = []
        dropped: list[tuple[datetime, list[tuple[int, int]]]] = []
        for a, b, _d in pieces:
            offset = int((datetime.fromtimestamp(a, tz).utcoffset() or timedelta()).total_seconds())
            t = (a + offset) // size * size - offset  # the boundary at or before a
            while t < b:
                lo, hi = max(t, a), min(t + size, b)
                if lo < hi:
                    bar = (datetime.fromtimestamp(lo, tz), [(lo, hi)])
                    (dropped if cut_at is not None and lo == cut_at and t < cut_at
                     else out).append(bar)
                t += size
        return out or dropped

    @staticmethod
    def _daily_windows(pieces: list[tuple[int, int, date]], bar_size: str,
                       tz: ZoneInfo) -> list[tuple[datetime, list[tuple[int, int]]]]:
        """One bar per session (``1 day``), or sessions grouped by ISO week or month; labelled by
        the group's first trading date."""
        groups: dict[object, list[tuple[int, int, date]]] = {}
        for a, b, d in pieces:
            if bar_size in ("1 week", "1W"):
                key: object = d.isocalendar()[:2]
            elif bar_size in ("1 month", "1M"):
                key = (d.year, d.month)
            else:
                key = d
            groups.setdefault(key, []).append((a, b, d))
        return [(datetime(g[0][2].year, g[0][2].month, g[0][2].day, tzinfo=tz),
                 [(a, b) for a, b, _ in g]) for g in groups.values()]
