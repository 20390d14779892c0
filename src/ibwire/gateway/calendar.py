"""The market calendar: trading sessions per instrument class, with weekends, holidays, early closes
and DST, in each exchange's own time zone.

A *session* belongs to the trading date it closes on (a CME session that opens Sunday 17:00 CT is
Monday's). Each class has two kinds: the *trading* session (what trades at all: extended hours for
US stocks, the near-24h session for futures and FX) and the *liquid* session (regular hours: what
``useRTH=1`` keeps). Holidays and early closes come from the ``holidays`` package's NYSE and CME
financial calendars (a dependency of the gateway only: ``pip install ibwire[gateway]``); without it
the calendar knows weekends only and says so once in the log.

Everything here is a pure function of its arguments: no wall clock is read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

__all__ = ["Session", "SessionRules", "Calendar", "OpenBand", "RULES", "last_full_close", "utc"]

log = logging.getLogger("ibwire.gateway")


@dataclass(frozen=True, slots=True)
class Session:
    """One session: its trading date and [open, close) in epoch seconds."""

    date: date
    open: int
    close: int

    def __contains__(self, second: int) -> bool:
        return self.open <= second < self.close


@dataclass(frozen=True, slots=True)
class SessionRules:
    """How one instrument class trades: ``trading`` / ``liquid`` are (open, close, opens the evening
    before); ``early`` are the closes (trading, liquid) on an early-close day; ``holidays`` names
    the exchange calendar (``"NYSE"``, ``"CME"`` or ``""`` for none)."""

    name: str
    zone: str
    trading: tuple[time, time, bool]
    liquid: tuple[time, time, bool]
    early: tuple[time, time]
    holidays: str


RULES: dict[str, SessionRules] = {
    # US stocks and ETFs: extended 04:00-20:00 ET, regular 09:30-16:00 ET; NYSE early closes at
    # 13:00 (extended hours then end at 17:00).
    "stock": SessionRules("stock", "America/New_York", (time(4), time(20), False),
                          (time(9, 30), time(16), False), (time(17), time(13)), "NYSE"),
    # CME equity futures: Sunday 17:00 CT to Friday 16:00 CT with the daily 16:00-17:00 CT break
    # (18:00-17:00 ET); early closes ("markets pause") at 12:00 CT.
    "cme": SessionRules("cme", "America/Chicago", (time(17), time(16), True),
                        (time(8, 30), time(15), False), (time(12), time(12)), "CME"),
    # NYMEX energy: the same Globex hours.
    "nymex": SessionRules("nymex", "America/Chicago", (time(17), time(16), True),
                          (time(8, 30), time(15), False), (time(12), time(12)), "CME"),
    # FX on IDEALPRO: Sunday 17:15 ET to Friday 17:00 ET with the daily 17:00-17:15 break.
    "fx": SessionRules("fx", "America/New_York", (time(17, 15), time(17), True),
                       (time(17, 15), time(17), True), (time(17), time(17)), ""),
    # CBOT (treasuries, Dow futures) and COMEX metals: the same Globex hours as CME / NYMEX.
    "cbot": SessionRules("cbot", "America/Chicago", (time(17), time(16), True),
                         (time(7, 20), time(14), False), (time(12), time(12)), "CME"),
    "comex": SessionRules("comex", "America/Chicago", (time(17), time(16), True),
                          (time(7, 20), time(12, 30), False), (time(12), time(12)), "CME"),
    # CFE (VIX futures): 17:00 CT the evening before to 16:00 CT, regular 08:30-15:00 CT; Cboe
    # closes with the NYSE; early closes at 12:15 CT.
    "cfe": SessionRules("cfe", "America/Chicago", (time(17), time(16), True),
                        (time(8, 30), time(15), False), (time(12, 15), time(12)), "NYSE"),
    # Cash indices (SPX, NDX, RUT, VIX, DJX): disseminated 08:30-15:15 CT (09:30-16:15 ET),
    # regular hours 08:30-15:00 CT; NYSE holidays and 12:00 CT early closes.
    "index": SessionRules("index", "America/Chicago", (time(8, 30), time(15, 15), False),
                          (time(8, 30), time(15), False), (time(12, 15), time(12)), "NYSE"),
    # Toronto (TSE), Xetra (IBIS) and Euronext Amsterdam (AEB) stocks: the continuous session.
    "tsx": SessionRules("tsx", "America/Toronto", (time(9, 30), time(16), False),
                        (time(9, 30), time(16), False), (time(13), time(13)), "TSX"),
    "xetra": SessionRules("xetra", "Europe/Berlin", (time(9), time(17, 30), False),
                          (time(9), time(17, 30), False), (time(14), time(14)), "XETR"),
    "euronext": SessionRules("euronext", "Europe/Amsterdam", (time(9), time(17, 30), False),
                             (time(9), time(17, 30), False), (time(14, 5), time(14, 5)), "XAMS"),
}


# --- holidays ------------------------------------------------------------------------------------

def _from_holidays_package(exchange: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(closed dates, early-close dates) of ``exchange`` in ``year`` from the ``holidays``
    package (empty sets if it is not installed)."""
    try:
        import holidays
    except ImportError:  # pragma: no cover - the gateway extra installs it
        _warn_missing()
        return frozenset(), frozenset()
    closed = frozenset(holidays.financial_holidays(exchange, years=year))
    try:
        early = frozenset(holidays.financial_holidays(exchange, years=year,
                                                      categories=("half_day",)))
    except (NotImplementedError, ValueError):  # pragma: no cover - older package versions
        early = frozenset()
    return closed, early - closed


_warned = False


def _warn_missing() -> None:  # pragma: no cover - the gateway extra installs it
    global _warned
    if not _warned:
        _warned = True
        log.warning("the 'holidays' package is not installed: the paper gateway's calendar knows "
                    "weekends only (pip install 'ibwire[gateway]' for NYSE and CME holidays)")


@lru_cache(maxsize=256)
def _holidays(exchange: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    return _from_holidays_package(exchange, year)


def _epoch(d: date, t: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(d, t, tzinfo=zone).timestamp())


# --- the calendar --------------------------------------------------------------------------------

class Calendar:
    """Sessions of one instrument class (see :data:`RULES`)."""

    def __init__(self, rules: SessionRules) -> None:
        self.rules = rules
        self.zone = ZoneInfo(rules.zone)
        self._cache: dict[tuple[date, bool], Session | None] = {}
        self._last_hit: dict[bool, Session | None] = {False: None, True: None}

    @classmethod
    def of(cls, name: str) -> Calendar:
        return _calendar(name)

    def is_trading_date(self, d: date) -> bool:
        if d.weekday() >= 5:
            return False
        if not self.rules.holidays:
            return True
        closed, _early = _holidays(self.rules.holidays, d.year)
        return d not in closed

    def is_early_close(self, d: date) -> bool:
        if not self.rules.holidays:
            return False
        return d in _holidays(self.rules.holidays, d.year)[1]

    def session(self, d: date, liquid: bool = False) -> Session | None:
        """The session of trading date ``d`` (None if ``d`` does not trade)."""
        key = (d, liquid)
        if key in self._cache:
            return self._cache[key]
        s: Session | None = None
        if self.is_trading_date(d):
            open_t, close_t, overnight = self.rules.liquid if liquid else self.rules.trading
            if self.is_early_close(d):
                close_t = min(close_t, self.rules.early[1 if liquid else 0])
            a = _epoch(d - timedelta(days=1) if overnight else d, open_t, self.zone)
            b = _epoch(d, close_t, self.zone)
            if a < b:
                s = Session(d, a, b)
        self._cache[key] = s
        return s

    def trading_date_of(self, second: int) -> date:
        """The local date of ``second`` (a session that opens the evening before belongs to the
        next date; callers look at both)."""
        return datetime.fromtimestamp(second, self.zone).date()

    def session_at(self, second: int, liquid: bool = False) -> Session | None:
        """The session holding ``second``, or None outside sessions."""
        hit = self._last_hit[liquid]
        if hit is not None and second in hit:
            return hit
        d = self.trading_date_of(second)
        for day in (d, d + timedelta(days=1)):
            s = self.session(day, liquid)
            if s is not None and second in s:
                self._last_hit[liquid] = s
                return s
        return None

    def next_session(self, second: int, liquid: bool = False) -> Session:
        """The first session whose close is after ``second`` (the one holding it, or the next)."""
        d = self.trading_date_of(second)
        for i in range(0, 30):
            s = self.session(d + timedelta(days=i), liquid)
            if s is not None and s.close > second:
                return s
        raise LookupError(f"no {self.rules.name} session within 30 days after {second}")

    def previous_session(self, second: int, liquid: bool = False) -> Session | None:
        """The last session that opened at or before ``second`` (possibly still running)."""
        d = self.trading_date_of(second) + timedelta(days=1)
        for i in range(0, 30):
            s = self.session(d - timedelta(days=i), liquid)
            if s is not None and s.open <= second:
                return s
        return None

    def sessions_back(self, end: int, count: int, liquid: bool = False) -> list[Session]:
        """The last ``count`` sessions that opened before ``end``, oldest first."""
        out: list[Session] = []
        d = self.trading_date_of(end) + timedelta(days=1)
        misses = 0
        while len(out) < count and misses < 30:
            s = self.session(d, liquid)
            d -= timedelta(days=1)
            if s is None:
                misses += 1
                continue
            if s.open < end:
                out.append(s)
                misses = 0
        out.reverse()
        return out

    def sessions_between(self, first: date, last: date, liquid: bool = False) -> list[Session]:
        """Sessions with trading dates in [first, last], oldest first."""
        out: list[Session] = []
        d = first
        while d <= last:
            s = self.session(d, liquid)
            if s is not None:
                out.append(s)
            d += timedelta(days=1)
        return out

    def hours(self, start: date, days: int, liquid: bool = False) -> str:
        """TWS's ``tradingHours`` / ``liquidHours`` text for ``days`` dates from ``start``:
        ``20261207:0400-20261207:2000;20261205:CLOSED;...`` in this class's time zone."""
        parts: list[str] = []
        for i in range(days):
            d = start + timedelta(days=i)
            s = self.session(d, liquid)
            if s is None:
                parts.append(f"{d:%Y%m%d}:CLOSED")
                continue
            a = datetime.fromtimestamp(s.open, self.zone)
            b = datetime.fromtimestamp(s.close, self.zone)
            parts.append(f"{a:%Y%m%d:%H%M}-{b:%Y%m%d:%H%M}")
        return ";".join(parts)


@cache
def _calendar(name: str) -> Calendar:
    try:
        return Calendar(RULES[name])
    except KeyError:
        raise ValueError(f"unknown session template {name!r}; known: {', '.join(RULES)}") from None


# --- the band where every market is open ---------------------------------------------------------

class OpenBand:
    """The times at which every given class is inside its trading session (the default market
    clock stands only there: on a normal weekday 04:00-17:00 and 18:00-20:00 New York time)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.calendars = [Calendar.of(n) for n in sorted(set(names))] or [Calendar.of("stock")]

    def interval_at(self, second: int) -> tuple[int, int] | None:
        """[start, end) of the open stretch holding ``second`` (None if some class is closed)."""
        lo, hi = -(1 << 62), 1 << 62
        for cal in self.calendars:
            s = cal.session_at(second)
            if s is None:
                return None
            lo, hi = max(lo, s.open), min(hi, s.close)
        return lo, hi

    def next_open(self, second: int) -> int:
        """The first second >= ``second`` at which every class is open."""
        t = second
        for _ in range(200):
            moved = False
            for cal in self.calendars:
                s = cal.session_at(t)
                if s is None:
                    t = cal.next_session(t).open
                    moved = True
            if not moved:
                return t
        raise LookupError("the instrument classes have no common session")  # pragma: no cover

    def advance(self, second: float, seconds: float) -> float:
        """``second`` moved forward by ``seconds`` of open time (closed stretches skipped)."""
        t = float(self.next_open(int(second))) if self.interval_at(int(second)) is None else second
        left = seconds
        while left > 0:
            iv = self.interval_at(int(t))
            if iv is None:
                t = self.next_open(int(t))
                continue
            room = iv[1] - t
            if left < room:
                return t + left
            left -= room
            t = float(self.next_open(iv[1]))
        return t


def last_full_close(now: datetime, name: str = "stock") -> int:
    """The close (epoch seconds) of the most recent full (not early-close) liquid session of
    ``name`` that ended at or before ``now``."""
    cal = Calendar.of(name)
    s = int(now.timestamp())
    d = cal.trading_date_of(s)
    for i in range(0, 40):
        day = d - timedelta(days=i)
        sess = cal.session(day, liquid=True)
        if sess is not None and sess.close <= s and not cal.is_early_close(day):
            return sess.close
    raise LookupError("no full session in the last 40 days")  # pragma: no cover


def utc(second: int) -> datetime:
    return datetime.fromtimestamp(second, UTC)

