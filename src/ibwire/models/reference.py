"""Historical reference data: histograms, market rules (price increments) and trading schedules.

``HistogramData``, ``PriceIncrement`` and ``HistoricalSession`` are the items of HISTOGRAM_DATA,
MARKET_RULE and HISTORICAL_SCHEDULE (their official twins have the same fields in camelCase).
:class:`MarketRule` and :class:`TradingSchedule` are what :class:`~ibwire.Broker` returns: a
rule that finds the increment valid at a price and rounds a price onto it, and a schedule whose
sessions are aware datetimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

__all__ = ["HistogramData", "PriceIncrement", "HistoricalSession", "MarketRule",
           "TradingSession", "TradingSchedule"]


@dataclass(slots=True)
class HistogramData:
    """One row of a histogram: how much traded at ``price`` over the period."""

    price: float | None = None
    size: Decimal | None = None


@dataclass(slots=True)
class PriceIncrement:
    """From ``low_edge`` up (to the next row's low edge) prices move in steps of ``increment``."""

    low_edge: float | None = None
    increment: float | None = None


@dataclass(slots=True)
class HistoricalSession:
    """One session of HISTORICAL_SCHEDULE, as TWS writes it: ``start_date_time`` /
    ``end_date_time`` ``"20261207-09:30:00"`` in the schedule's time zone, ``ref_date``
    ``"20261207"`` (the trading date the session belongs to)."""

    start_date_time: str | None = None
    end_date_time: str | None = None
    ref_date: str | None = None


_ROUNDING = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


@dataclass(slots=True)
class MarketRule:
    """A market rule: the price increments of a venue, by price band.

    ``increments`` is sorted by ``low_edge``; the first band starts at 0. ``increment_at(price)``
    is the step valid at ``price``; ``round(price)`` puts ``price`` on that grid (``"nearest"``,
    ``"down"`` or ``"up"``), in exact decimal arithmetic so that ``round(150.123)`` is ``150.12``.
    """

    market_rule_id: int
    increments: list[PriceIncrement] = field(default_factory=list)

    def __post_init__(self) -> None:
        rows = [r for r in self.increments if r.low_edge is not None and r.increment is not None]
        if len(rows) != len(self.increments):
            raise ValueError(f"market rule {self.market_rule_id}: a band without low edge or "
                             "increment")
        for r in rows:
            assert r.increment is not None
            if not (r.increment > 0 and math.isfinite(r.increment)):
                raise ValueError(f"market rule {self.market_rule_id}: increment {r.increment!r} "
                                 "is not a positive number")
        self.increments = sorted(rows, key=lambda r: r.low_edge or 0.0)

    def increment_at(self, price: float) -> float:
        """The increment valid at ``price`` (for a negative price: at its absolute value)."""
        if not self.increments:
            raise ValueError(f"market rule {self.market_rule_id} has no increments")
        p = abs(price)
        step = self.increments[0].increment
        for row in self.increments:
            assert row.low_edge is not None
            if p >= row.low_edge:
                step = row.increment
        assert step is not None
        return step

    def round(self, price: float, direction: str = "nearest") -> float:
        """``price`` on the grid valid at it: ``"nearest"`` (ties to the even step), ``"down"``
        or ``"up"``, counted in steps from the low edge of the band ``price`` is in."""
        mode = _ROUNDING.get(direction)
        if mode is None:
            raise ValueError(f"direction must be 'nearest', 'down' or 'up', not {direction!r}")
        if not math.isfinite(price):
            raise ValueError(f"cannot round {price!r}")
        if price < 0:  # a negative price (a spread) mirrors the grid of its absolute value
            flip = {"down": "up", "up": "down"}.get(direction, direction)
            return -self.round(-price, flip)
        step = _dec(self.increment_at(price))
        edge = _dec(self._edge_at(price))
        steps = ((_dec(price) - edge) / step).to_integral_value(rounding=mode)
        return float(edge + steps * step)

    def is_valid(self, price: float) -> bool:
        """Whether ``price`` is on the grid valid at it."""
        return self.round(price) == price

    def _edge_at(self, price: float) -> float:
        edge = 0.0
        for row in self.increments:
            assert row.low_edge is not None
            if abs(price) >= row.low_edge:
                edge = row.low_edge
        return edge


@dataclass(frozen=True, slots=True)
class TradingSession:
    """One session of a schedule: [``start``, ``end``) as aware datetimes in the exchange's time
    zone, and ``ref_date``, the trading date it belongs to."""

    start: datetime
    end: datetime
    ref_date: date


@dataclass(frozen=True, slots=True)
class TradingSchedule:
    """A contract's sessions over a period (HISTORICAL_SCHEDULE): ``start`` / ``end`` of the
    period, the exchange's ``time_zone`` (IANA name as TWS gives it) and the ``sessions``."""

    start: datetime
    end: datetime
    time_zone: str
    sessions: tuple[TradingSession, ...] = ()
