"""The tape: trades, quotes and midpoints second by second, from the price path that fills orders.

Pure functions of a :class:`~ibwire.gateway.market.Market` (and so of its seed, its start and its
recorded data): tick-by-tick streams and historical ticks read the same seconds, so a tick a client
saw live is the tick a later REQ_HISTORICAL_TICKS returns for that second.

* **Trades** (``Last`` / ``AllLast``, historical ``TRADES``): :meth:`Market.trades_at` -- one trade
  per second that has volume on the seeded walk (the last trade, at the bid or the ask), the
  recorded ticks as they are when ticks are replayed. A second's trade sizes add up to the volume
  the historical bars count for it, and every trade lies inside those bars.
* **Quotes** (``BidAsk``, historical ``BID_ASK``): a tick whenever bid, ask or a size changes
  (with ``ignore_size``: the bid or the ask).
* **Midpoints** (``MidPoint``, historical ``MIDPOINT``): a tick whenever the midpoint changes.

Ticks exist inside the instrument's sessions only (its regular hours with ``use_rth``), as bars do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..models.ticks import (
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    TickAttribBidAsk,
    TickAttribLast,
)
from .calendar import Calendar
from .market import Market

__all__ = ["MAX_TICKS", "WHAT", "Quote2", "trades", "quote", "forward", "backward",
           "historical_ticks", "TapeTick"]

MAX_TICKS = 1000
"""The most ticks one REQ_HISTORICAL_TICKS returns (TWS's limit)."""

WHAT = ("TRADES", "BID_ASK", "MIDPOINT")

_MAX_SESSIONS = 60  # how far back (in sessions) a historical request looks for ticks
_MAX_SCAN = 7 * 86400  # and how many seconds it reads at most (a quiet instrument has none)

TapeTick = HistoricalTick | HistoricalTickBidAsk | HistoricalTickLast


@dataclass(frozen=True, slots=True)
class Quote2:
    """Bid, ask and their sizes at one second."""

    bid: float
    ask: float
    bid_size: Decimal
    ask_size: Decimal

    @property
    def mid(self) -> float:
        return round((self.bid + self.ask) / 2, 10)


def trades(market: Market, con_id: int, second: int, exchange: str | None) -> list[HistoricalTickLast]:
    """The trades printed at ``second``."""
    return [HistoricalTickLast(second, TickAttribLast(), price, size, exchange, None)
            for price, size in market.trades_at(con_id, second)]


def quote(market: Market, con_id: int, second: int) -> Quote2:
    bid, ask, _last = market.touch(con_id, second)
    bid_size, ask_size = market.touch_sizes_at(con_id, second)
    return Quote2(bid, ask, bid_size, ask_size)


def bid_ask_tick(q: Quote2, second: int) -> HistoricalTickBidAsk:
    return HistoricalTickBidAsk(second, TickAttribBidAsk(), q.bid, q.ask, q.bid_size, q.ask_size)


def changed(a: Quote2 | None, b: Quote2, what: str, ignore_size: bool) -> bool:
    """Whether ``b`` (the next second's quote) makes a tick of ``what`` after ``a``."""
    if a is None:
        return True
    if what == "MIDPOINT":
        return a.mid != b.mid
    if ignore_size:
        return (a.bid, a.ask) != (b.bid, b.ask)
    return a != b


def forward(cal: Calendar, start: int, stop: int, liquid: bool) -> Iterator[int]:
    """The seconds in [start, stop) inside sessions, in order."""
    s = start
    while s < stop:
        try:
            session = cal.next_session(s, liquid)
        except LookupError:
            return
        a = max(s, session.open)
        if a >= stop:
            return
        b = min(session.close, stop)
        yield from range(a, b)
        s = session.close


def backward(cal: Calendar, end: int, liquid: bool, floor: int | None = None) -> Iterator[int]:
    """The seconds before ``end`` inside sessions, newest first (not before ``floor``)."""
    s = end
    for _ in range(_MAX_SESSIONS):
        session = cal.previous_session(s - 1, liquid)
        if session is None:
            return
        b = min(session.close, s)
        a = session.open if floor is None else max(session.open, floor)
        yield from range(b - 1, a - 1, -1)
        if floor is not None and session.open <= floor:
            return
        s = session.open


def _ticks_at(market: Market, con_id: int, s: int, what: str, ignore_size: bool,
              exchange: str | None) -> list[TapeTick]:
    if what == "TRADES":
        return list(trades(market, con_id, s, exchange))
    q = quote(market, con_id, s)
    if not changed(quote(market, con_id, s - 1), q, what, ignore_size):
        return []
    if what == "MIDPOINT":
        return [HistoricalTick(s, q.mid, Decimal(0))]
    return [bid_ask_tick(q, s)]


def historical_ticks(market: Market, con_id: int, what: str, start: int | None, end: int | None,
                     count: int, use_rth: bool, ignore_size: bool = False,
                     exchange: str | None = None) -> list[TapeTick]:
    """Up to ``count`` (at most :data:`MAX_TICKS`) ticks of ``what`` from ``start`` on, or up to
    ``end`` (included), oldest first, never after market time now. Whole seconds: the last second
    may bring a few more ticks than asked for, as TWS's answers do."""
    count = max(1, min(count, MAX_TICKS))
    cal = market.calendar(con_id)
    now = market.step_second + 1
    out: list[TapeTick] = []
    if start is not None:
        for i, s in enumerate(forward(cal, start, now, use_rth)):
            out += _ticks_at(market, con_id, s, what, ignore_size, exchange)
            if len(out) >= count or i >= _MAX_SCAN:
                break
        return out
    stop = now if end is None else min(end + 1, now)  # (the end second included)
    floor = market.first_second(con_id)
    chunks: list[list[TapeTick]] = []
    n = 0
    for i, s in enumerate(backward(cal, stop, use_rth, floor)):
        if i >= _MAX_SCAN:
            break
        got = _ticks_at(market, con_id, s, what, ignore_size, exchange)
        if got:
            chunks.append(got)
            n += len(got)
            if n >= count:
                break
    for chunk in reversed(chunks):
        out += chunk
    return out
