"""The market clock: wall time in, market time out (a pure component: the wall time is passed in).

Two models, chosen with ``calendar=``:

``"open"`` (the default)
    Market time runs at ``speed`` times wall time but only through the stretches where every
    instrument class of the gateway is inside its trading session (on a normal weekday 04:00-17:00
    and 18:00-20:00 New York time); closed stretches (nights, weekends, holidays) are skipped. So the gateway is
    usable at any hour -- quotes move and orders fill on a Sunday night -- and nothing it shows
    contradicts its calendar: every time it reports lies in a session, and the live price continues
    from the last historical bar.

``"strict"``
    Market time runs continuously at ``speed`` times wall time, through closed stretches too; the
    market then follows each class's real sessions (see :class:`~ibwire.gateway.market.Market`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .calendar import OpenBand

__all__ = ["MarketClock", "CALENDAR_MODES", "parse_market_time"]

CALENDAR_MODES = ("open", "strict")


class MarketClock:
    """Maps wall seconds to market seconds from ``(market_start, wall_start)``."""

    def __init__(self, market_start: int, wall_start: float, speed: float | str = 1.0,
                 mode: str = "open", classes: Iterable[str] = ("stock",)) -> None:
        if mode not in CALENDAR_MODES:
            raise ValueError(f"unknown calendar mode {mode!r}; use one of {', '.join(CALENDAR_MODES)}")
        # speed "max": wall time does not move the clock; the gateway steps it (see .fastclock)
        self.max = speed == "max"
        if self.max:
            speed = 1.0
        if isinstance(speed, str) or not speed > 0:
            raise ValueError(f"the market clock's speed must be positive, not {speed!r}")
        self.mode = mode
        self.speed = float(speed)
        self.band = OpenBand(classes)
        start = float(market_start)
        if mode == "open" and self.band.interval_at(market_start) is None:
            start = float(self.band.next_open(market_start))
        self._market = start
        self._wall = wall_start

    @property
    def start(self) -> int:
        """Market time (epoch seconds) at the wall time the clock started or was last read."""
        return int(self._market)

    def step(self, seconds: float) -> int:
        """Move market time on by ``seconds`` (through open stretches only in the open model);
        return it (used at speed ``"max"``)."""
        if seconds > 0:
            self._market = (self._market + seconds if self.mode == "strict"
                            else self.band.advance(self._market, seconds))
        return int(self._market)

    def market_time(self, wall: float) -> int:
        """Market time (whole epoch seconds) at wall time ``wall`` (never runs backwards; at
        speed ``"max"`` only :meth:`step` moves it)."""
        if self.max:
            return int(self._market)
        elapsed = (wall - self._wall) * self.speed
        if elapsed > 0:
            if self.mode == "strict":
                self._market += elapsed
            else:
                self._market = self.band.advance(self._market, elapsed)
            self._wall = wall
        return int(self._market)


def parse_market_time(text: str) -> datetime:
    """``"2026-03-09 09:25 America/New_York"`` (a time zone name after the time), or ISO 8601 with
    an offset (``"2026-03-09T14:25:00+00:00"``), as an aware datetime. Raises ValueError saying
    what is accepted."""
    raw = text.strip()
    head, _, zone = raw.rpartition(" ")
    if head and ("/" in zone or zone.upper() == "UTC"):
        try:
            tz = ZoneInfo("UTC" if zone.upper() == "UTC" else zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} in market time {text!r}") from None
        try:
            naive = datetime.fromisoformat(head.strip())
        except ValueError:
            raise ValueError(f"cannot read the date and time {head!r} in market time {text!r}; "
                             "write e.g. '2026-03-09 09:25 America/New_York'") from None
        if naive.tzinfo is not None:
            raise ValueError(f"market time {text!r} has both an offset and a zone; give one")
        return naive.replace(tzinfo=tz)
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise ValueError(f"market time {text!r} needs a time zone: write e.g. "
                         "'2026-03-09 09:25 America/New_York' or '2026-03-09T14:25:00+00:00'")
    return t
