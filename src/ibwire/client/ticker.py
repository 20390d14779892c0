"""Live quotes: a Ticker is kept current by the event handler as ticks arrive."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..models import Contract
from ..models.option import OptionComputation
from ..models.ticks import Dividends, RtVolume, parse_ratios
from .tickets import refuse_on_loop

__all__ = ["Ticker", "TickersUpdated", "PRICE_FIELDS", "SIZE_FIELDS", "GENERIC_FIELDS",
           "STRING_FIELDS"]

# tick type -> Ticker attribute (live and delayed types share attributes)
PRICE_FIELDS: dict[int | None, str] = {
    1: "bid", 2: "ask", 4: "last", 6: "high", 7: "low", 9: "close", 14: "open",
    66: "bid", 67: "ask", 68: "last", 72: "high", 73: "low", 75: "close", 76: "open",
    # generic ticks 165 (misc. stats), 221 (mark price), 225 (auction), 318 (last RTH trade)
    15: "low_13_week", 16: "high_13_week", 17: "low_26_week", 18: "high_26_week",
    19: "low_52_week", 20: "high_52_week", 35: "auction_price", 37: "mark_price",
    57: "last_rth_trade",
}
SIZE_FIELDS: dict[int | None, str] = {
    0: "bid_size", 3: "ask_size", 5: "last_size", 8: "volume",
    69: "bid_size", 70: "ask_size", 71: "last_size", 74: "volume",
    # generic ticks 100 / 101 / 105 (options), 165, 225, 236, 588, 595
    21: "avg_volume", 27: "call_open_interest", 28: "put_open_interest", 29: "call_volume",
    30: "put_volume", 34: "auction_volume", 36: "auction_imbalance", 61: "regulatory_imbalance",
    63: "volume_3_min", 64: "volume_5_min", 65: "volume_10_min", 86: "futures_open_interest",
    87: "avg_option_volume", 89: "shortable_shares",
}
GENERIC_FIELDS: dict[int | None, str] = {
    49: "halted", 90: "halted", 23: "hist_volatility", 24: "implied_volatility",
    46: "shortable", 54: "trade_count", 55: "trade_rate", 56: "volume_rate",
    58: "rt_hist_volatility",
}
"""TICK_GENERIC tick type -> Ticker attribute (generic ticks 104, 106, 236, 293..295, 411)."""
STRING_FIELDS: dict[int | None, tuple[str, Callable[[str], Any]]] = {
    48: ("rt_volume", RtVolume.parse), 77: ("rt_trade_volume", RtVolume.parse),
    59: ("dividends", Dividends.parse), 47: ("fundamental_ratios", parse_ratios),
}
"""TICK_STRING tick type -> (Ticker attribute, parser): generic ticks 233, 375, 456, 258."""
TIMESTAMP_TYPES = frozenset({45, 88})
# a price tick carries the size of the same side: BID -> BID_SIZE, ASK -> ASK_SIZE, LAST -> LAST_SIZE
IMPLIED_SIZE: dict[int | None, str] = {1: "bid_size", 2: "ask_size", 4: "last_size",
                                       66: "bid_size", 67: "ask_size", 68: "last_size"}


@dataclass(eq=False)
class Ticker:
    """Quotes for one contract; every value is None until TWS sent it."""

    contract: Contract
    req_id: int
    generic_ticks: str | None = None  # the generic tick list it was requested with
    bid: float | None = None
    ask: float | None = None
    last: float | None = None
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None
    last_size: Decimal | None = None
    volume: Decimal | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    open: float | None = None
    time: datetime | None = None  # time of the last trade
    halted: float | None = None
    market_data_type: int | None = None  # 1 live, 2 frozen, 3 delayed, 4 delayed frozen
    min_tick: float | None = None
    bbo_exchange: str | None = None  # the SMART components code (broker.smart_components(...))
    # options: the implied volatility and greeks of the bid, ask and last, and the model's
    bid_greeks: OptionComputation | None = None
    ask_greeks: OptionComputation | None = None
    last_greeks: OptionComputation | None = None
    model_greeks: OptionComputation | None = None
    # generic ticks (REQ_MKT_DATA's generic tick list), parsed: 165 misc. stats
    low_13_week: float | None = None
    high_13_week: float | None = None
    low_26_week: float | None = None
    high_26_week: float | None = None
    low_52_week: float | None = None
    high_52_week: float | None = None
    avg_volume: Decimal | None = None
    # 233 / 375 the last trade as RT volume reports it; 456 dividends; 258 fundamental ratios
    rt_volume: RtVolume | None = None
    rt_trade_volume: RtVolume | None = None
    dividends: Dividends | None = None
    fundamental_ratios: dict[str, float | str] | None = None
    # 236 shortable (3.0 easy to borrow, 2.0 hard, 1.0 not), shortable shares
    shortable: float | None = None
    shortable_shares: Decimal | None = None
    # 104 / 106 / 411 volatilities; 100 / 101 / 105 option volumes; 588 futures open interest
    hist_volatility: float | None = None
    implied_volatility: float | None = None
    rt_hist_volatility: float | None = None
    call_volume: Decimal | None = None
    put_volume: Decimal | None = None
    call_open_interest: Decimal | None = None
    put_open_interest: Decimal | None = None
    avg_option_volume: Decimal | None = None
    futures_open_interest: Decimal | None = None
    # 221 mark price; 318 last RTH trade; 293..295 trade count and rates; 595 short-term volume
    mark_price: float | None = None
    last_rth_trade: float | None = None
    trade_count: float | None = None
    trade_rate: float | None = None
    volume_rate: float | None = None
    volume_3_min: Decimal | None = None
    volume_5_min: Decimal | None = None
    volume_10_min: Decimal | None = None
    # 225 auction values
    auction_volume: Decimal | None = None
    auction_price: float | None = None
    auction_imbalance: Decimal | None = None
    regulatory_imbalance: Decimal | None = None
    snapshot_done: bool = False
    updates: int = 0
    notices: list[tuple[int, str]] = field(default_factory=list)
    error: Exception | None = None
    active: bool = True
    _waiting: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _broker: Any = field(default=None, repr=False)  # the Broker or AsyncBroker keeping it current

    @property
    def mid(self) -> float | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    def wait_update(self, timeout: float = 5.0, after: int | None = None) -> bool:
        """Block until the ticker changed (after update number ``after``); False on timeout.
        (Sync Broker; with an AsyncBroker: ``async for t in broker.stream(Ticker)``.)"""
        refuse_on_loop(self, "ticker.wait_update()", "async for ticker in broker.stream(Ticker)")
        seen = self.updates if after is None else after
        with self._cond:
            self._waiting += 1
            try:
                return self._cond.wait_for(lambda: self.updates > seen or self.error is not None, timeout)
            finally:
                self._waiting -= 1

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def __repr__(self) -> str:
        return (f"Ticker({self.contract}, bid={self.bid} x {self.bid_size}, ask={self.ask} x "
                f"{self.ask_size}, last={self.last}, volume={self.volume})")


@dataclass(frozen=True, slots=True)
class TickersUpdated:
    """Listener event: these tickers changed in the messages read together (after one ``Ticker``
    event per changed ticker; ticks are coalesced: a ticker changed by several ticks of one read
    is announced once). The bid and ask ticks of one quote change arrive in one read, so a state
    shown at this event is not half-applied. The sync Broker's listeners run on their own thread:
    when they are slower than the reader, one event covers several reads, and the Tickers already
    hold the newest values."""

    tickers: tuple[Ticker, ...]
