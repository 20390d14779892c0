"""Connection states and the events a Broker publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    """An order's status changed."""

    ticket: OrderTicket


@dataclass(frozen=True, slots=True)
class FillEvent:
    """An execution arrived (its commission report may follow: ``fill.commission_report``)."""

    ticket: OrderTicket | None
    fill: Fill


@dataclass(frozen=True, slots=True)
class GapEvent:
    """Reconciliation found something the client did not see while it happened."""

    description: str
