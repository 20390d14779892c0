"""A live order book: kept current by the event handler as depth rows arrive.

TWS sends a book as row operations (MARKET_DEPTH / MARKET_DEPTH_L2): insert a row at a position
(the rows from there move down), update the row at a position, delete the row at a position (the
rows below move up), per side. :meth:`OrderBook.apply` does exactly that; a row operation that
does not fit the book (a position beyond its end) is counted in :attr:`OrderBook.inconsistencies`
and logged, never dropped silently; error 317 empties the book (TWS sends it again).
"""

from __future__ import annotations

import logging
import threading
import time as _time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..models import Contract
from ..models.depth import DepthLevel, DepthOperation, DepthSide
from .tickets import refuse_on_loop

__all__ = ["OrderBook", "DepthUpdate"]

log = logging.getLogger("ibwire.broker")

_now = _time.time
_ZERO = Decimal(0)
_SIDES = (DepthSide.ASK, DepthSide.BID)
_OPERATIONS = (DepthOperation.INSERT, DepthOperation.UPDATE, DepthOperation.DELETE)


@dataclass(slots=True)
class DepthUpdate:
    """Listener / stream event: one row operation applied to ``book`` (``level`` is the new row;
    for a delete, the row removed). A reset (317) is one event with ``operation`` None (and so is
    a row that did not fit the book)."""

    book: OrderBook
    side: DepthSide | None
    position: int
    operation: DepthOperation | None
    level: DepthLevel | None


@dataclass(eq=False)
class OrderBook:
    """The order book of one contract, ``rows`` rows a side: ``bids`` best (highest) first,
    ``asks`` best (lowest) first; each row a :class:`~ibwire.models.depth.DepthLevel` (price,
    size, market maker -- the exchange for SMART depth)."""

    contract: Contract
    req_id: int
    rows: int
    smart: bool = False
    bids: list[DepthLevel] = field(default_factory=list)
    asks: list[DepthLevel] = field(default_factory=list)
    updates: int = 0  # row operations applied
    resets: int = 0  # 317 resets seen
    inconsistencies: int = 0  # operations that did not fit the book (logged)
    notices: list[tuple[int, str]] = field(default_factory=list)
    error: Exception | None = None
    active: bool = True
    _changed_at: float = 0.0  # time.time() of the last change
    _waiting: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _broker: Any = field(default=None, repr=False)  # the Broker or AsyncBroker keeping it current

    # --- reading ------------------------------------------------------------------------------

    @property
    def best_bid(self) -> DepthLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> DepthLevel | None:
        return self.asks[0] if self.asks else None

    @property
    def spread(self) -> float | None:
        if not self.bids or not self.asks:
            return None
        return self.asks[0].price - self.bids[0].price

    @property
    def market_makers(self) -> list[str]:
        """Every market maker (exchange, for SMART depth) quoting in the book, in order seen."""
        out: dict[str, None] = {}
        for row in (*self.bids, *self.asks):
            if row.market_maker:
                out[row.market_maker] = None
        return list(out)

    def size_at(self, side: DepthSide, price: float) -> Decimal:
        """The total size at ``price`` on one side (over its market makers)."""
        rows = self.bids if side is DepthSide.BID else self.asks
        return sum((r.size for r in rows if r.price == price), Decimal(0))

    # --- changing -----------------------------------------------------------------------------

    def apply(self, position: int, operation: int, side: int, price: float | None,
              size: Decimal | None, market_maker: str | None = None
              ) -> tuple[DepthSide, DepthOperation, DepthLevel] | None:
        """Apply one row operation (as TWS sends it); return (side, operation, row) -- the row
        removed, for a delete -- or None when it does not fit the book (counted and logged)."""
        if not (0 <= side <= 1 and 0 <= operation <= 2):
            self._misfit(position, operation, side, "unknown operation or side")
            return None
        rows = self.bids if side else self.asks
        n = len(rows)
        if operation == 1:
            if not 0 <= position < n:
                self._misfit(position, operation, side, f"update beyond {n} rows")
                return None
            level = rows[position] = DepthLevel(price if price is not None else 0.0,
                                                size if size is not None else _ZERO,
                                                market_maker or None)
        elif operation == 0:
            if not 0 <= position <= n:
                self._misfit(position, operation, side, f"insert beyond {n} rows")
                return None
            level = DepthLevel(price if price is not None else 0.0,
                               size if size is not None else _ZERO, market_maker or None)
            rows.insert(position, level)
        else:
            if not 0 <= position < n:
                self._misfit(position, operation, side, f"delete beyond {n} rows")
                return None
            level = rows.pop(position)
        self.updates += 1
        self._changed_at = _now()
        return _SIDES[side], _OPERATIONS[operation], level

    def _misfit(self, position: int, operation: int, side: int, why: str) -> None:
        self.inconsistencies += 1
        log.warning("market depth %d for %s: operation %d at row %d of side %d does not fit the "
                    "book (%s)", self.req_id, self.contract, operation, position, side, why)

    @property
    def time(self) -> datetime | None:
        """When the book last changed (this machine's clock, UTC)."""
        t = self._changed_at
        return datetime.fromtimestamp(t, UTC) if t else None

    def clear(self) -> None:
        """Empty both sides (error 317, or before a new subscription resends the book)."""
        self.bids.clear()
        self.asks.clear()
        self._changed_at = _now()

    # --- waiting ------------------------------------------------------------------------------

    def wait_update(self, timeout: float = 5.0, after: int | None = None) -> bool:
        """Block until the book changed (after update number ``after``); False on timeout.
        (Sync Broker; with an AsyncBroker: ``async for ev in broker.stream(DepthUpdate)``.)"""
        refuse_on_loop(self, "book.wait_update()", "async for ev in broker.stream(DepthUpdate)")
        seen = self.updates + self.resets if after is None else after
        with self._cond:
            self._waiting += 1
            try:
                return self._cond.wait_for(
                    lambda: self.updates + self.resets > seen or self.error is not None, timeout)
            finally:
                self._waiting -= 1

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def __repr__(self) -> str:
        bid, ask = self.best_bid, self.best_ask
        top = (f"{bid.price} x {bid.size}" if bid else "-") + " / " + \
            (f"{ask.price} x {ask.size}" if ask else "-")
        return (f"OrderBook({self.contract}, {len(self.bids)} bids / {len(self.asks)} asks, "
                f"top {top}, updates={self.updates})")
