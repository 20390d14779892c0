"""The paper exchange's order records and the events its calls return (see :mod:`.exchange`).

* :class:`OrderUpdate` -> OPEN_ORDER + ORDER_STATUS (the record holds the order's whole state);
* :class:`FillEvent` -> EXECUTION_DATA (req id -1) + COMMISSION_REPORT;
* :class:`OrderError` -> ERR_MSG with the order id;
* :class:`AccountUpdate` -> fresh ACCT_VALUE / PORTFOLIO_VALUE / POSITION_DATA for that account.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..models.contract import Contract
from ..models.execution import CommissionReport, Execution
from ..models.order import Order, OrderState
from .instruments import Instrument
from .margin import commission

__all__ = ["OrderRecord", "OrderUpdate", "FillEvent", "OrderError", "AccountUpdate", "Event",
           "OPEN_STATES", "commission_for", "reject"]

_NEW_YORK = ZoneInfo("America/New_York")

OPEN_STATES = frozenset({"PendingSubmit", "PreSubmitted", "Submitted"})
"""Statuses of an order that can still fill, be modified or be cancelled."""


@dataclass(slots=True)
class OrderRecord:
    """One order's full current state (what OPEN_ORDER and ORDER_STATUS report).

    ``order`` is the gateway's copy of the client's order with ``order_id``, ``client_id``,
    ``perm_id`` and ``account`` filled in; ``contract`` the fully qualified contract.
    ``completed_at`` / ``completed_status`` are set once the order is Filled, Cancelled or Inactive
    (COMPLETED_ORDER's completedTime / completedStatus).
    """

    client_id: int
    order_id: int
    perm_id: int
    contract: Contract
    order: Order
    con_id: int
    account: str
    status: str = "PendingSubmit"
    filled: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    why_held: str = ""
    triggered: bool = False
    trading_day: str = ""  # YYYYMMDD: the trading date of the session a DAY order lives in
    submitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    completed_at: datetime | None = None
    completed_status: str = ""
    commission: float = 0.0  # total of the fills so far, USD
    conditions_met: bool = False  # the order's conditions held once (it works from then on)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def order_state(self) -> OrderState:
        """The OPEN_ORDER / COMPLETED_ORDER order state: status, the commission once something
        filled, and for completed orders the completed time (TWS's text, New York time) and
        status."""
        done = self.filled > 0
        completed = None
        if self.completed_at is not None:
            completed = self.completed_at.astimezone(_NEW_YORK).strftime("%Y%m%d %H:%M:%S ") \
                + "America/New_York"
        return OrderState(status=self.status, commission=self.commission if done else None,
                          commission_currency="USD" if done else None, completed_time=completed,
                          completed_status=self.completed_status or None)

    def snapshot(self) -> OrderRecord:
        """A copy whose later changes do not affect this one (events carry snapshots)."""
        c = copy.copy(self)
        c.order = copy.copy(self.order)
        return c


@dataclass(slots=True)
class OrderUpdate:
    """The order changed (accepted, triggered, modified, filled, cancelled, rejected)."""

    record: OrderRecord


@dataclass(slots=True)
class FillEvent:
    """A fill: the execution and its commission report (realized PnL set on closing fills)."""

    record: OrderRecord
    contract: Contract
    execution: Execution
    commission: CommissionReport


@dataclass(slots=True)
class OrderError:
    """An ERR_MSG about an order: ``order_id`` is the id the client used."""

    client_id: int
    order_id: int
    code: int
    text: str


@dataclass(slots=True)
class AccountUpdate:
    """Something in ``account`` changed (cash, positions, values)."""

    account: str


Event = OrderUpdate | FillEvent | OrderError | AccountUpdate


def commission_for(inst: Instrument, quantity: Decimal, price: float, fx_to_usd: float) -> float:
    """The fixed-rate commission in USD (see :func:`.margin.commission`): stocks 0.005 / share,
    min 1.00, max 1% of the trade value; futures 2.25 per contract; options 0.65 per contract,
    min 1.00; futures options 0.85 per contract; currency pairs 0.2 basis points of the value
    (USD), min 2.00. ``fx_to_usd`` converts the value's currency (for pairs: the base currency)
    to USD."""
    return commission(inst.sec_type, float(quantity), price, inst.multiplier_value, fx_to_usd)


def reject(reason: str) -> tuple[int, str]:
    """(201, the text TWS rejects an order with for ``reason``)."""
    return 201, f"Order rejected - reason:{reason}"
