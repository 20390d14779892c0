"""Tick-level market data: tick-by-tick ticks, historical ticks and 5-second real-time bars.

Two layers, as elsewhere in ibwire:

* the wire models, with the official names in snake_case and TWS's epoch-second ``time``
  (:class:`HistoricalTick`, :class:`HistoricalTickBidAsk`, :class:`HistoricalTickLast`,
  :class:`TickAttribLast`, :class:`TickAttribBidAsk`, :class:`RealTimeBar`); each has a camelCase
  twin in the official client (``models.camel``);
* what the Broker hands out: :class:`LastTick`, :class:`BidAskTick`, :class:`MidPointTick` and
  :class:`RealtimeBar`, with aware UTC datetimes (built with :func:`last_tick`, ... from the wire
  models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

__all__ = [
    "TickAttribLast", "TickAttribBidAsk", "LAST_ATTRIBS", "HistoricalTick", "HistoricalTickBidAsk",
    "HistoricalTickLast", "RealTimeBar", "LastTick", "BidAskTick", "MidPointTick", "RealtimeBar",
    "Tick", "TICK_BY_TICK_TYPES", "TickByTickType", "epoch_time", "RtVolume", "Dividends",
    "parse_ratios",
]


# --- wire models --------------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class TickAttribLast:
    """A trade's attributes: ``past_limit`` (traded beyond the day's limit), ``unreported``.
    Immutable: the decoders share one instance per combination."""

    past_limit: bool = False
    unreported: bool = False

    def __post_init__(self) -> None:  # an absent protobuf bool is False
        if self.past_limit is None or self.unreported is None:
            object.__setattr__(self, "past_limit", bool(self.past_limit))
            object.__setattr__(self, "unreported", bool(self.unreported))


@dataclass(slots=True, frozen=True)
class TickAttribBidAsk:
    """A quote's attributes: the bid below the day's low, the ask above the day's high.
    Immutable: the decoders share one instance per combination."""

    bid_past_low: bool = False
    ask_past_high: bool = False

    def __post_init__(self) -> None:  # an absent protobuf bool is False
        if self.bid_past_low is None or self.ask_past_high is None:
            object.__setattr__(self, "bid_past_low", bool(self.bid_past_low))
            object.__setattr__(self, "ask_past_high", bool(self.ask_past_high))


LAST_ATTRIBS = tuple(TickAttribLast(bool(m & 1), bool(m & 2)) for m in range(4))
"""TickAttribLast by mask (bit 0 pastLimit, bit 1 unreported)."""


@dataclass(slots=True)
class HistoricalTick:
    """A midpoint tick (HISTORICAL_TICKS for MIDPOINT; tick-by-tick MidPoint): ``time`` in epoch
    seconds, ``price`` the midpoint, ``size`` 0."""

    time: int | None = None
    price: float | None = None
    size: Decimal | None = None


@dataclass(slots=True)
class HistoricalTickBidAsk:
    """A quote tick (HISTORICAL_TICKS_BID_ASK; tick-by-tick BidAsk)."""

    time: int | None = None
    tick_attrib_bid_ask: TickAttribBidAsk = field(default_factory=TickAttribBidAsk)
    # (None when a protobuf body leaves it out: read as no attributes)
    price_bid: float | None = None
    price_ask: float | None = None
    size_bid: Decimal | None = None
    size_ask: Decimal | None = None


@dataclass(slots=True)
class HistoricalTickLast:
    """A trade tick (HISTORICAL_TICKS_LAST; tick-by-tick Last / AllLast)."""

    time: int | None = None
    tick_attrib_last: TickAttribLast = field(default_factory=TickAttribLast)
    # (None when a protobuf body leaves it out: read as no attributes)
    price: float | None = None
    size: Decimal | None = None
    exchange: str | None = None
    special_conditions: str | None = None


@dataclass(slots=True)
class RealTimeBar:
    """One 5-second bar as the official client's ``RealTimeBar`` holds it (``time`` = the bar's
    start in epoch seconds)."""

    time: int | None = None
    end_time: int | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: Decimal | None = None
    wap: Decimal | None = None
    count: int | None = None


# --- what the Broker hands out ------------------------------------------------------------------

TICK_BY_TICK_TYPES = {"Last": 1, "AllLast": 2, "BidAsk": 3, "MidPoint": 4}
"""The tick-by-tick types a request names, and the number TICK_BY_TICK carries for each."""

TickByTickType = str


def epoch_time(t: int | None) -> datetime:
    """TWS's epoch seconds as an aware UTC datetime (None -> the epoch)."""
    return datetime.fromtimestamp(t or 0, UTC)


@dataclass(slots=True)
class LastTick:
    """A trade: tick-by-tick ``Last`` / ``AllLast`` (``all_last``) or a historical TRADES tick."""

    time: datetime
    price: float
    size: Decimal
    exchange: str | None = None
    special_conditions: str | None = None
    past_limit: bool = False
    unreported: bool = False
    all_last: bool = False

    @classmethod
    def of(cls, t: HistoricalTickLast, all_last: bool = False) -> LastTick:
        a = t.tick_attrib_last or LAST_ATTRIBS[0]
        return cls(epoch_time(t.time), t.price or 0.0, t.size if t.size is not None else Decimal(0),
                   t.exchange, t.special_conditions, bool(a.past_limit), bool(a.unreported),
                   all_last)


@dataclass(slots=True)
class BidAskTick:
    """A quote: tick-by-tick ``BidAsk`` or a historical BID_ASK tick."""

    time: datetime
    bid_price: float
    ask_price: float
    bid_size: Decimal
    ask_size: Decimal
    bid_past_low: bool = False
    ask_past_high: bool = False

    @classmethod
    def of(cls, t: HistoricalTickBidAsk) -> BidAskTick:
        a = t.tick_attrib_bid_ask or TickAttribBidAsk()
        zero = Decimal(0)
        return cls(epoch_time(t.time), t.price_bid or 0.0, t.price_ask or 0.0,
                   t.size_bid if t.size_bid is not None else zero,
                   t.size_ask if t.size_ask is not None else zero, bool(a.bid_past_low),
                   bool(a.ask_past_high))


@dataclass(slots=True)
class MidPointTick:
    """A midpoint: tick-by-tick ``MidPoint`` or a historical MIDPOINT tick."""

    time: datetime
    mid_point: float

    @classmethod
    def of(cls, t: HistoricalTick) -> MidPointTick:
        return cls(epoch_time(t.time), t.price or 0.0)


Tick = LastTick | BidAskTick | MidPointTick


@dataclass(slots=True)
class RealtimeBar:
    """A 5-second bar: ``time`` its start (aware, UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: Decimal | None
    wap: Decimal | None
    count: int | None


# --- generic tick values, parsed (the Ticker's typed fields) -----------------------------------

@dataclass(slots=True)
class RtVolume:
    """A trade as generic tick 233 (RT_VOLUME) or 375 (RT_TRD_VOLUME) reports it."""

    price: float | None
    size: Decimal | None
    time: datetime | None
    total_volume: Decimal | None
    vwap: float | None
    single_trade: bool

    @classmethod
    def parse(cls, text: str) -> RtVolume:
        """``price;size;epoch_ms;totalVolume;vwap;singleTrade`` (empty price and size: a volume
        correction without a trade)."""
        parts = text.split(";")
        if len(parts) < 6:
            raise ValueError(f"an RT volume has 6 fields: {text!r}")
        price, size, ms, total, vwap, single = parts[:6]
        return cls(float(price) if price else None, Decimal(size) if size else None,
                   datetime.fromtimestamp(int(ms) / 1000, UTC) if ms else None,
                   Decimal(total) if total else None, float(vwap) if vwap else None,
                   single.strip().lower() == "true")


@dataclass(slots=True)
class Dividends:
    """Generic tick 456 (IB_DIVIDENDS): the past and next twelve months' dividends and the next
    one (``next_date`` None when none is announced)."""

    past_12_months: float | None
    next_12_months: float | None
    next_date: date | None
    next_amount: float | None

    @classmethod
    def parse(cls, text: str) -> Dividends:
        """``past12,next12,yyyymmdd,amount``."""
        parts = (text.split(",") + ["", "", "", ""])[:4]
        past, nxt, day, amount = (p.strip() for p in parts)
        return cls(float(past) if past else None, float(nxt) if nxt else None,
                   datetime.strptime(day, "%Y%m%d").date() if day else None,
                   float(amount) if amount else None)


def parse_ratios(text: str) -> dict[str, float | str]:
    """Generic tick 258 (FUNDAMENTAL_RATIOS): ``TAG=value;...`` with numbers as floats."""
    out: dict[str, float | str] = {}
    for item in text.split(";"):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            continue
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out
