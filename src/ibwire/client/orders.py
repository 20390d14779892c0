"""Orders, tickets and fills: the order side of :class:`~ibwire.client.core.BrokerCore`.

Tickets are keyed by order id for this client id; other clients' orders (seen by client 0 or via
REQ_ALL_OPEN_ORDERS) are keyed by perm id. Executions are deduplicated by exec id; a commission
report that arrives before its execution is parked until the execution comes.
"""

from __future__ import annotations

from copy import copy
from typing import Any, ClassVar

from ..errors import (
    CancelRejected,
    ConnectionLost,
    ErrorCategory,
    IbwireError,
    OrderRejected,
    RequestTimeout,
    classify,
)
from ..models import CommissionReport, Contract, ExecutionFilter, Order
from ..protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ..protocol.messages.orders import (
    CancelOrder,
    OpenOrder,
    OpenOrderEnd,
    OrderStatus,
    PlaceOrder,
    ReqOpenOrders,
)
from .core import BrokerCore, Flow, Wait
from .requests import Pending
from .state import FillEvent, OrderEvent
from .tickets import Fill, OrderTicket

__all__ = ["OrdersMixin"]

CANCELLED = ("Cancelled", "ApiCancelled")


class OrdersMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        OpenOrder: "_on_open_order",
        OpenOrderEnd: "_on_open_order_end",
        OrderStatus: "_on_order_status",
        ExecutionData: "_on_execution",
        ExecutionDataEnd: "_on_execution_end",
        CommissionReportMsg: "_on_commission",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._tickets: dict[int, OrderTicket] = {}
        self._foreign: dict[int, OrderTicket] = {}  # other clients' orders, by perm id
        self._fills: dict[str, Fill] = {}  # exec id -> fill
        self._parked: dict[str, CommissionReport] = {}  # commission reports awaiting their execution

    # --- tickets ------------------------------------------------------------------------------

    def _ticket_for(self, order_id: int | None, client_id: int | None, perm_id: int | None,
                    contract: Contract | None = None, order: Order | None = None) -> OrderTicket | None:
        ours = client_id is None or client_id == self.client_id
        if order_id and ours:
            t = self._tickets.get(order_id)
            if t is not None:
                return t
            if contract is not None and order is not None and client_id == self.client_id:
                t = OrderTicket(order_id, contract, order, client_order_id=order.order_ref)
                self._tickets[order_id] = t
                return t
        if perm_id:
            t = self._foreign.get(perm_id)
            if t is None and contract is not None and order is not None:
                t = OrderTicket(order_id or 0, contract, order, client_order_id=order.order_ref)
                self._foreign[perm_id] = t
            return t
        return None

    def _on_open_order(self, msg: OpenOrder) -> None:
        order = msg.order
        t = self._ticket_for(msg.order_id, order.client_id, order.perm_id, msg.contract, order)
        if t is None:
            return
        t.contract = msg.contract
        if order.perm_id:
            t.perm_id = order.perm_id
        status = msg.order_state.status
        if status and not t.done:
            t.status = status
        self._acknowledge(t)
        p = self._registry.get("open_orders")
        if p is not None and t not in p.rows:
            p.rows.append(t)

    def _on_open_order_end(self, msg: OpenOrderEnd) -> None:
        p = self._registry.get("open_orders")
        if p is not None:
            p.finish([t for t in p.rows if not t.done])

    def _on_order_status(self, msg: OrderStatus) -> None:
        t = self._ticket_for(msg.order_id, msg.client_id, msg.perm_id)
        if t is None:
            return
        if msg.status:
            t.status = msg.status
        if msg.filled is not None:
            t.filled = msg.filled
        t.remaining = msg.remaining
        t.avg_fill_price = msg.avg_fill_price
        t.last_fill_price = msg.last_fill_price
        if msg.perm_id:
            t.perm_id = msg.perm_id
        t.why_held = msg.why_held
        self._acknowledge(t)
        if t.status in CANCELLED:
            c = self._registry.pop(f"cancel:{t.order_id}")
            if c is not None:
                c.finish(t)
        self._emit(OrderEvent(t))
        t._notify()

    def _acknowledge(self, t: OrderTicket) -> None:
        if not t.acknowledged:
            t.acknowledged = True
            p = self._registry.pop(f"order:{t.order_id}")
            if p is not None:
                p.finish(t)
            t._notify()

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        info = classify(code)
        t = self._tickets.get(req_id)
        cancel = self._registry.get(f"cancel:{req_id}")
        if t is None and cancel is None:
            return super()._route_error(req_id, code, text, advanced)
        if t is not None:
            t.errors.append((code, text))
        if info.category is ErrorCategory.CANCEL_CONFIRM:
            # For our own orders the ORDER_STATUS "Cancelled" completes the cancel, so the ticket
            # a caller gets back already says Cancelled; for other clients' orders 202 is all we see.
            if cancel is not None and (t is None or t.status in CANCELLED):
                self._registry.discard(cancel)
                cancel.finish(t)
        elif info.category is ErrorCategory.CANCEL_FAILURE:
            if cancel is not None:
                self._registry.discard(cancel)
                cancel.fail(CancelRejected(code, text, req_id, advanced))
        elif info.is_error and t is not None:
            if not t.acknowledged or t.status in ("PendingSubmit", "Inactive"):
                t.rejection = OrderRejected(code, text, req_id, advanced)
                t.status = "Inactive"
                p = self._registry.pop(f"order:{req_id}")
                if p is not None:
                    p.fail(t.rejection)
            self._emit(OrderEvent(t))
            t._notify()
        else:
            self._notice(code, text, req_id)
        return True

    def _connection_lost(self, lost: ConnectionLost) -> None:
        for ticket in list(self._tickets.values()):
            if not ticket.done:
                ticket.lost = lost
                ticket._notify()

    def _take_order_id(self) -> int:
        with self._id_lock:
            if self._next_id <= 0:
                raise IbwireError("no valid order id yet: the session is not ready")
            oid = self._next_id
            self._next_id += 1
            return oid

    # --- order flows --------------------------------------------------------------------------

    def flow_submit_order(self, contract: Contract, order: Order, client_order_id: str | None = None,
                          timeout: float = 10.0) -> Flow[OrderTicket]:
        """Send an order; return its ticket once TWS acknowledged it.

        ``client_order_id`` travels as ``orderRef`` and comes back on every open order and
        execution. Raises :class:`OrderRejected` when TWS rejects the order and
        :class:`RequestTimeout` when no acknowledgement comes in time.
        """
        self._ensure_connected()
        if not isinstance(contract, Contract) or not isinstance(order, Order):
            raise TypeError("submit_order takes an ibwire Contract and Order")
        if order.total_quantity is None or order.action not in ("BUY", "SELL", "SSHORT"):
            raise ValueError("an order needs action BUY or SELL and a total quantity")
        order = copy(order)
        if client_order_id is not None:
            order.order_ref = client_order_id
        oid = self._take_order_id()
        order.order_id = oid
        order.client_id = self.client_id
        ticket = OrderTicket(oid, contract, order, client_order_id=order.order_ref,
                             remaining=order.total_quantity)
        self._tickets[oid] = ticket
        p: Pending[Any] = Pending(f"acknowledgement of order {oid}", f"order:{oid}")
        self._registry.add(p)
        try:
            self._send(PlaceOrder(oid, contract, order))
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"acknowledgement of order {oid}", timeout)
            p.check()
        finally:
            self._registry.discard(p)
        return ticket

    def flow_cancel_order(self, order_id: int, timeout: float = 10.0) -> Flow[OrderTicket | None]:
        """Cancel an order. 202 / Cancelled is success; 10147, 10148, 161 raise CancelRejected."""
        self._ensure_connected()
        t = self._tickets.get(order_id)
        if t is not None and t.status in CANCELLED:
            return t
        p: Pending[Any] = Pending(f"cancel of order {order_id}", f"cancel:{order_id}")
        self._registry.add(p)
        try:
            self._send(CancelOrder(order_id))
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"cancel of order {order_id}", timeout)
            result: OrderTicket | None = p.check()
        finally:
            self._registry.discard(p)
        return result or t

    def flow_open_orders(self, timeout: float | None = None) -> Flow[list[OrderTicket]]:
        """Open orders of this client id (client id 0 also sees TWS's own orders)."""
        result: list[OrderTicket] = yield from self._read_flow(
            "open orders", "open_orders", lambda: self._send(ReqOpenOrders()), timeout)
        return result

    def tickets(self) -> list[OrderTicket]:
        """Every order this client submitted or saw in this session, oldest first."""
        return list(self._tickets.values())

    def ticket(self, order_id: int) -> OrderTicket | None:
        return self._tickets.get(order_id)

    # --- executions ---------------------------------------------------------------------------

    def _on_execution(self, msg: ExecutionData) -> None:
        ex = msg.execution
        exec_id = ex.exec_id or ""
        fill = self._fills.get(exec_id)
        is_new = fill is None
        if fill is None:
            fill = Fill(msg.contract, ex, self._parked.pop(exec_id, None))
            self._fills[exec_id] = fill
        if msg.req_id is not None and msg.req_id >= 0:
            p = self._registry.get(msg.req_id)
            if p is not None and fill not in p.rows:
                p.rows.append(fill)
        t = None
        if ex.client_id == self.client_id and ex.order_id:
            t = self._tickets.get(ex.order_id)
        if t is None and ex.perm_id:
            t = self._foreign.get(ex.perm_id)
        if t is not None and all(f.exec_id != exec_id for f in t.fills):
            t.fills.append(fill)
            t._notify()
        if is_new:
            self._emit(FillEvent(t, fill))

    def _on_execution_end(self, msg: ExecutionDataEnd) -> None:
        if msg.req_id is not None:
            p = self._registry.get(msg.req_id)
            if p is not None:
                p.finish(list(p.rows))

    def _on_commission(self, msg: CommissionReportMsg) -> None:
        report = msg.commission_report
        exec_id = report.exec_id or ""
        fill = self._fills.get(exec_id)
        if fill is None:
            self._parked[exec_id] = report  # its execution has not arrived yet
            return
        fill.commission_report = report
        owner = None
        for t in self._tickets.values():
            if fill in t.fills:
                owner = t
                t._notify()
        self._emit(FillEvent(owner, fill))

    def flow_executions(self, filter: ExecutionFilter | None = None,
                        timeout: float | None = None) -> Flow[list[Fill]]:
        """Executions of the day matching ``filter``, each paired with its commission report."""
        req_id = self._registry.next_id()
        flt = filter or ExecutionFilter()
        result: list[Fill] = yield from self._read_flow(
            "executions", req_id, lambda: self._send(ReqExecutions(req_id, flt)), timeout)
        return result

    def fills(self) -> list[Fill]:
        """Every execution seen in this session."""
        return list(self._fills.values())

