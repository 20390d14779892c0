"""Market depth models: a book row, the exchanges that offer depth, the components of SMART.

IB's depth protocol numbers its operations and sides; :class:`DepthOperation` and
:class:`DepthSide` name them (``operation`` 0 insert, 1 update, 2 delete; ``side`` 0 ask, 1 bid).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

__all__ = ["DepthOperation", "DepthSide", "DepthLevel", "DepthMktDataDescription",
           "SmartComponent"]


class DepthOperation(IntEnum):
    """What a MARKET_DEPTH / MARKET_DEPTH_L2 row does at its position."""

    INSERT = 0  # a new row at ``position``; the rows from there move down one
    UPDATE = 1  # the row at ``position`` gets a new price / size / market maker
    DELETE = 2  # the row at ``position`` goes; the rows below it move up one


class DepthSide(IntEnum):
    """The side of the book a depth row belongs to."""

    ASK = 0
    BID = 1


@dataclass(slots=True)
class DepthLevel:
    """One row of an order book: a price, the size offered there, and (L2 / SMART depth) who
    offers it (a market maker, or the exchange for SMART depth). A book replaces its rows, it
    never changes one in place (not frozen only because a frozen dataclass is three times
    slower to make, and a busy book makes one per row operation)."""

    price: float
    size: Decimal
    market_maker: str | None = None


@dataclass(slots=True)
class DepthMktDataDescription:
    """An exchange that offers market depth (MKT_DEPTH_EXCHANGES): ``service_data_type`` is
    ``Deep`` (price levels) or ``Deep2`` (market makers per level); ``agg_group`` the
    aggregation group of its depth subscription."""

    exchange: str | None = None
    sec_type: str | None = None
    listing_exch: str | None = None
    service_data_type: str | None = None
    agg_group: int | None = None


@dataclass(slots=True)
class SmartComponent:
    """One exchange SMART routes to (SMART_COMPONENTS): its bit in the BBO exchange mask, its
    name, and the single letter a SMART depth row's market maker can name it by."""

    bit_number: int | None = None
    exchange: str | None = None
    exchange_letter: str | None = None
