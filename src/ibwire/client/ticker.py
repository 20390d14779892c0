"""Live quotes: a Ticker is kept current by the event handler as ticks arrive."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..models import Contract
from ..models.option import OptionComputation
from .tickets import refuse_on_loop

__all__ = ["Ticker", "TickersUpdated", "PRICE_FIELDS", "SIZE_FIELDS"]

# tick type -> Ticker attribute (live and delayed types share attributes)
PRICE_FIELDS: dict[int | None, str] = {
    1: "bid", 2: "ask", 4: "last", 6: "high", 7: "low", 9: "close", 14: "open",
    66: "bid", 67: "ask", 68: "last", 72: "high", 73: "low", 75: "close", 76: "open",
}
SIZE_FIELDS: dict[int | None, str] = {
    0: "bid_size", 3: "ask_size", 5: "last_size", 8: "volume",
    69: "bid_size", 70: "ask_size", 71: "last_size", 74: "volume",
}
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
