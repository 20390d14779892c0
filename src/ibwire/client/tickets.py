"""Order tickets and fills: what ``Broker.submit_order`` returns and keeps current."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..errors import ConnectionLost, OrderRejected, RequestTimeout
from ..models import CommissionReport, Contract, Execution, Order

__all__ = ["Fill", "OrderTicket", "DONE_STATES"]

DONE_STATES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})


@dataclass(slots=True)
class Fill:
    """One execution paired with its commission report (None until it arrives)."""

    contract: Contract
    execution: Execution
    commission_report: CommissionReport | None = None

    @property
    def time(self) -> datetime | None:
        return self.execution.time

    @property
    def exec_id(self) -> str | None:
        return self.execution.exec_id


@dataclass(eq=False)
class OrderTicket:
    """A submitted order as TWS reports it. Updated by the Broker's dispatcher thread."""

    order_id: int
    contract: Contract
    order: Order
    client_order_id: str | None = None
    status: str = "PendingSubmit"
    filled: Decimal = Decimal(0)
    remaining: Decimal | None = None
    avg_fill_price: float | None = None
    last_fill_price: float | None = None
    perm_id: int | None = None
    why_held: str | None = None
    fills: list[Fill] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    acknowledged: bool = False
    rejection: OrderRejected | None = None
    lost: ConnectionLost | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def done(self) -> bool:
        return self.status in DONE_STATES

    def __repr__(self) -> str:
        return (f"OrderTicket(order_id={self.order_id}, {self.order.action} "
                f"{self.order.total_quantity} {self.contract} {self.order.order_type}, "
                f"status={self.status}, filled={self.filled}, avg_fill_price={self.avg_fill_price})")

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def wait_done(self, timeout: float = 30.0) -> OrderTicket:
        """Block until the order is Filled, Cancelled, ApiCancelled or Inactive."""
        with self._cond:
            ok = self._cond.wait_for(lambda: self.done or self.lost is not None, timeout)
        if self.done:
            return self
        if self.lost is not None:
            raise self.lost
        assert not ok
        raise RequestTimeout(f"order {self.order_id} to finish (status {self.status})", timeout)

    def wait_for(self, predicate: object, timeout: float) -> bool:
        """Block until ``predicate(ticket)`` holds; False on timeout."""
        assert callable(predicate)
        with self._cond:
            return self._cond.wait_for(lambda: bool(predicate(self)) or self.lost is not None, timeout)
