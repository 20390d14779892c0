"""The depth ladder: an order book around the live quote, and the row operations that turn one
book into the next. Pure and deterministic (no clock of its own: the market second is an
argument).

Theory of operation
-------------------
A book has ``rows`` rows a side. Its top is the quote the market-data ticks show: the best bid
row's price is the bid and the sizes at that price add up to the bid size (the same for the
ask). Below the top the levels step one tick at a time (bids down, asks up). A level's size is
a hash of (instrument, side, price in ticks, a five-second epoch staggered by price), so a level
keeps its size as the quote moves past it and changes now and then on its own -- what a real
book does. For SMART depth each price level is split among one to three of SMART's exchanges
(the rows name them as their market maker), the split a hash of the same kind; so one price can
show on several rows, as on TWS.

:func:`diff` gives the operations that turn the book a client has into the new one, in TWS's
vocabulary, position by position: an update where a row changed (price, size or market maker), an
insert past the end when the side grew, a delete at the end when it shrank. Inserting and
deleting only at the end means the same whether a client shifts the rows below (the official
client's documented model: insert moves the rows from there down, delete moves them up) or keeps
the rows in a dict by position (ib_async 2.1 does: insert overwrites, delete pops the key), so
both kinds of client hold exactly the new book after the operations, and a side never holds more
than ``rows`` rows on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..models.depth import DepthOperation
from .instruments import Instrument
from .pricepath import mix

__all__ = ["Row", "Op", "Ladder", "diff", "SMART_VENUES", "SMART_LETTERS", "EPOCH_S"]

EPOCH_S = 5
"""How long (market seconds) a level below the top keeps its size."""

SMART_VENUES: tuple[str, ...] = ("NYSE", "ARCA", "NASDAQ", "BATS", "IEX", "EDGX", "MEMX",
                                 "BYX", "EDGEA", "AMEX", "CHX", "PSX", "ISE", "CBOE", "PHLX")
"""The exchanges SMART routes US stocks to (the instruments' valid exchanges), in bit order."""

SMART_LETTERS: dict[str, str] = {
    "AMEX": "A", "BATS": "Z", "BYX": "Y", "CBOE": "W", "CHX": "M", "EDGEA": "J", "EDGX": "K",
    "IEX": "V", "ISE": "I", "MEMX": "U", "NASDAQ": "Q", "NYSE": "N", "ARCA": "P", "PHLX": "X",
    "PSX": "X",
}
"""Each exchange's one-letter code (the consolidated tape's participant letters)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a book side."""

    price: float
    size: Decimal
    market_maker: str | None = None


@dataclass(frozen=True, slots=True)
class Op:
    """One row operation: ``operation`` (a :class:`DepthOperation`) at ``position``; ``row`` is
    the new row (for a delete: the row deleted)."""

    position: int
    operation: DepthOperation
    row: Row


class Ladder:
    """The book of one instrument, ``rows`` rows a side; ``venues`` (SMART depth) are the
    exchanges a level is split among, else every row names ``market_maker`` (None: a price-level
    book without market makers)."""

    def __init__(self, inst: Instrument, rows: int, venues: Sequence[str] = (),
                 market_maker: str | None = None) -> None:
        if rows < 1:
            raise ValueError(f"a book has at least one row a side, not {rows}")
        self.inst = inst
        self.rows = rows
        self.venues = tuple(venues)
        self.market_maker = market_maker
        self._key = mix(inst.con_id, 0xDE97, len(self.venues))
        self._decimals = inst.price_decimals + 1

    def _px(self, ticks: int) -> float:
        return round(ticks * self.inst.min_tick, self._decimals)

    def _level_size(self, side: int, ticks: int, second: int) -> int:
        """Lots at a level below the top (changes every EPOCH_S seconds, staggered by price)."""
        stagger = mix(self._key, 7, ticks) % EPOCH_S
        h = mix(self._key, side, ticks, (second + stagger) // EPOCH_S)
        return 1 + h % 30 + (h >> 40) % 4 * 10

    def _split(self, side: int, ticks: int, lots: int, second: int) -> list[tuple[str, int]]:
        """A level's lots among one to three venues (SMART depth)."""
        h = mix(self._key, 11 + side, ticks, second // (EPOCH_S * 3))
        n = min(1 + h % 3, lots, len(self.venues))
        start = (h >> 8) % len(self.venues)
        names = [self.venues[(start + i * (1 + (h >> 16) % 3)) % len(self.venues)]
                 for i in range(n)]
        names = list(dict.fromkeys(names))  # (a short venue list may repeat a name)
        n = len(names)
        shares = [lots // n] * n
        for i in range(lots - sum(shares)):
            shares[i] += 1
        return sorted(zip(names, shares), key=lambda p: self.venues.index(p[0]))

    def side(self, side: int, top: float, top_size: Decimal, second: int) -> list[Row]:
        """One side's rows (``side`` 1 bids, 0 asks) under a top of book at ``top`` with
        ``top_size`` there."""
        tick = self.inst.min_tick
        top_ticks = round(top / tick)
        step = -1 if side == 1 else 1
        lot = self.inst.lot
        out: list[Row] = []
        level = 0
        while len(out) < self.rows:
            ticks = top_ticks + step * level
            if ticks <= 0:
                break  # no bids at or below zero
            if level == 0:
                total = top_size
                lots = max(1, int(total // lot)) if lot > 0 else 1
            else:
                lots = self._level_size(side, ticks, second)
                total = Decimal(lots * lot)
            price = self._px(ticks)
            if self.venues:
                parts = self._split(side, ticks, lots, second)
                rest = total
                for i, (venue, share) in enumerate(parts):
                    size = rest if i == len(parts) - 1 else Decimal(share * lot)
                    rest -= size
                    out.append(Row(price, size, venue))
            else:
                out.append(Row(price, total, self.market_maker))
            level += 1
        return out[:self.rows]

    def book(self, bid: float, ask: float, bid_size: Decimal, ask_size: Decimal,
             second: int) -> tuple[list[Row], list[Row]]:
        """``(asks, bids)`` for a quote: the best ask and bid first."""
        return self.side(0, ask, ask_size, second), self.side(1, bid, bid_size, second)


def diff(old: Sequence[Row], new: Sequence[Row]) -> list[Op]:
    """The operations that turn side ``old`` into side ``new``, row by row (see the module
    docstring): updates where a row changed, inserts past the old end, deletes from the end."""
    ops: list[Op] = []
    common = min(len(old), len(new))
    for i in range(common):
        if old[i] != new[i]:
            ops.append(Op(i, DepthOperation.UPDATE, new[i]))
    for i in range(common, len(new)):
        ops.append(Op(i, DepthOperation.INSERT, new[i]))
    for i in range(len(old) - 1, common - 1, -1):
        ops.append(Op(i, DepthOperation.DELETE, old[i]))
    return ops
