"""Connection states and the events a Broker publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tickets import Fill, OrderTicket

__all__ = ["ConnectionState", "StateChanged", "Notice", "OrderEvent", "FillEvent", "GapEvent"]


class ConnectionState(Enum):
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"  # session ready
    DEGRADED = "DEGRADED"  # TWS lost its connection to IB (1100): requests wait, nothing is lost
    OFFLINE = "OFFLINE"  # socket closed


@dataclass(frozen=True, slots=True)
class StateChanged:
    old: ConnectionState
    new: ConnectionState
    reason: str
    code: int | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """An informational message or warning from TWS (farm status, 2100s, 10167 ...)."""

    code: int
    message: str
    req_id: int = -1
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order's status changed.

    ``status``, ``filled``, ``remaining``, ``avg_fill_price`` and ``time`` are what this event
    announced: a snapshot of the ticket taken when the change was handled, so a listener or a
    stream that reads the event later still sees the status it announced. ``ticket`` is the live
    ticket (its fields move on with later changes)."""

    ticket: OrderTicket
    status: str = field(init=False)
    filled: Decimal = field(init=False)
    remaining: Decimal | None = field(init=False)
    avg_fill_price: float | None = field(init=False)
    time: datetime = field(init=False)
    """When the change was handled (UTC)."""

    def __post_init__(self) -> None:
        t = self.ticket
        set_ = object.__setattr__
        set_(self, "status", t.status)
        set_(self, "filled", t.filled)
        set_(self, "remaining", t.remaining)
        set_(self, "avg_fill_price", t.avg_fill_price)
        set_(self, "time", datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class FillEvent:
    """An execution arrived (its commission report may follow: ``fill.commission_report``)."""

    ticket: OrderTicket | None
    fill: Fill


@dataclass(frozen=True, slots=True)
class GapEvent:
    """Reconciliation found something the client did not see while it happened."""

    description: str
