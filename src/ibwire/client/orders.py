"""Orders, tickets and fills: the order side of :class:`~ibwire.client.core.BrokerCore`.

Tickets are keyed by order id for this client id; other clients' orders (seen by client 0 or via
REQ_ALL_OPEN_ORDERS) are keyed by perm id. Executions are deduplicated by exec id; a commission
report that arrives before its execution is parked until the execution comes.

Every order goes through the Broker's journal (:mod:`.journal`): the intent is committed before the
PLACE_ORDER bytes are handed to the socket, then every acknowledgement, status change, rejection,
execution and commission is recorded. ``submit_order`` with a ``client_order_id`` the journal knows
never sends a second order: it returns the ticket of the first (see :meth:`flow_submit_order`).
Order ids are never below one the journal or TWS has seen for this client id.
"""

from __future__ import annotations

import threading
from copy import copy
from decimal import Decimal
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
from ..protocol.messages.order_reports import (
    OpenOrder,
    OpenOrderEnd,
    OrderStatus,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqOpenOrders,
)
from ..protocol.messages.orders import CancelOrder, PlaceOrder, ReqGlobalCancel
from ..protocol.schema import Message
from .accessors import LocalList
from .core import BrokerCore, Flow, Wait
from .flows import front_method
from .journal import ACKNOWLEDGED, REJECTED, UNKNOWN, IntentRecord
from .requests import Pending
from .router import singleton_key
from .state import FillEvent, OrderEvent
from .tickets import Fill, OrderTicket

__all__ = ["OrdersMixin", "UNKNOWN_STATUS"]

CANCELLED = ("Cancelled", "ApiCancelled")

UNKNOWN_STATUS = "Unknown"
"""Ticket status of an order that was sent just before the connection was lost and that TWS,
asked after reconnecting, does not know: it was not placed, and ibwire will not send it again."""


OPEN_ORDERS = singleton_key(ReqOpenOrders)
"""The registry key of the open-orders read (REQ_OPEN_ORDERS or REQ_ALL_OPEN_ORDERS)."""


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
        self._journaled: dict[tuple[int, int], OrderTicket] = {}  # (client id, order id) -> ticket
        self._by_ref: dict[str, OrderTicket] = {}  # client order id -> ticket (submit-once)
        self._fills: dict[str, Fill] = {}  # exec id -> fill
        self._parked: dict[str, CommissionReport] = {}  # commission reports awaiting their execution
        self._submit_lock = threading.Lock()
        self._restore_from_journal()

    # --- journal ------------------------------------------------------------------------------

    def _restore_from_journal(self) -> None:
        """Tickets and fills of every order the journal knows (a restart resumes them)."""
        for rec in self.journal.intents():
            if (rec.client_id, rec.order_id) not in self._journaled:
                self._ticket_from_intent(rec)
        for stored in self.journal.fills():
            ex = stored.execution
            exec_id = ex.exec_id or ""
            if exec_id in self._fills:
                continue
            fill = Fill(stored.contract, ex, stored.commission_report)
            self._fills[exec_id] = fill
            t = self._ticket_of_execution(ex.client_id, ex.order_id, ex.perm_id, ex.order_ref)
            if t is not None and all(f.exec_id != exec_id for f in t.fills):
                t.fills.append(fill)

    def _ticket_from_intent(self, rec: IntentRecord) -> OrderTicket:
        t = OrderTicket(rec.order_id, rec.contract, rec.order, client_order_id=rec.order.order_ref,
                        status=rec.status, filled=rec.filled, remaining=rec.remaining,
                        avg_fill_price=rec.avg_fill_price, perm_id=rec.perm_id,
                        acknowledged=rec.state == ACKNOWLEDGED, _broker=self)
        if rec.state == REJECTED:
            t.rejection = OrderRejected(rec.reject_code or 201, rec.reject_text or "rejected",
                                        rec.order_id)
            t.status = "Inactive"
        elif rec.state == UNKNOWN:
            t.status = UNKNOWN_STATUS
            t.lost = self._unknown_error(t)
        self._journaled[(rec.client_id, rec.order_id)] = t
        if rec.client_id == self.client_id:
            self._tickets[rec.order_id] = t
        elif rec.perm_id:
            self._foreign[rec.perm_id] = t
        if rec.client_order_id is not None:
            self._by_ref[rec.client_order_id] = t
        return t

    def _unknown_error(self, t: OrderTicket) -> ConnectionLost:
        ref = f" (client order id {t.client_order_id!r})" if t.client_order_id else ""
        return ConnectionLost(
            f"order {t.order_id}{ref} was sent just before the connection was lost and TWS does "
            f"not know it: it was not placed, and ibwire will not send it again")

    def _intent(self, t: OrderTicket) -> IntentRecord | None:
        return self.journal.intent(t.order.client_id or self.client_id, t.order_id)

    def _journal_update(self, t: OrderTicket, **changes: Any) -> None:
        rec = self._intent(t)
        if rec is not None:
            self.journal.update(rec, **changes)

    def _journal_status(self, t: OrderTicket) -> None:
        self._journal_update(t, state=ACKNOWLEDGED, status=t.status, filled=t.filled,
                             remaining=t.remaining, avg_fill_price=t.avg_fill_price,
                             perm_id=t.perm_id)

    def _note_order_id(self, client_id: int | None, order_id: int | None) -> None:
        """An order id TWS has seen for this client id: never allocate it again."""
        if order_id and client_id == self.client_id:
            self.journal.note_order_id(self.client_id, order_id)
            with self._id_lock:
                if order_id >= self._next_id > 0:
                    self._next_id = order_id + 1

    # --- tickets ------------------------------------------------------------------------------

    def _ticket_for(self, order_id: int | None, client_id: int | None, perm_id: int | None,
                    contract: Contract | None = None, order: Order | None = None) -> OrderTicket | None:
        ours = client_id is None or client_id == self.client_id
        if order_id and ours:
            t = self._tickets.get(order_id)
            if t is not None:
                return t
        if order_id and client_id is not None:
            t = self._journaled.get((client_id, order_id))
            if t is not None:
                if perm_id:
                    self._foreign.setdefault(perm_id, t)
                return t
        if perm_id:
            t = self._foreign.get(perm_id)
            if t is not None:
                return t
        if order_id and ours and contract is not None and order is not None \
                and client_id == self.client_id:
            t = OrderTicket(order_id, contract, order, client_order_id=order.order_ref, _broker=self)
            self._tickets[order_id] = t
            return t
        if perm_id and contract is not None and order is not None:
            t = OrderTicket(order_id or 0, contract, order, client_order_id=order.order_ref,
                            _broker=self)
            self._foreign[perm_id] = t
            return t
        return None

    def _on_open_order(self, msg: OpenOrder) -> None:
        order = msg.order
        t = self._ticket_for(msg.order_id, order.client_id, order.perm_id, msg.contract, order)
        if t is None:
            return
        self._note_order_id(order.client_id, msg.order_id)
        t.contract = msg.contract
        if order.perm_id:
            t.perm_id = order.perm_id
        status = msg.order_state.status
        if status and not t.is_done and status != "Filled":
            t.status = status  # "Filled" waits for its ORDER_STATUS, which carries the quantities
        if t.status == UNKNOWN_STATUS:  # it exists after all
            t.status = status or "Submitted"
        t.lost = None
        self._acknowledge(t)
        self._journal_status(t)
        p = self._registry.get(OPEN_ORDERS)
        if p is not None and t not in p.rows:
            p.rows.append(t)

    def _on_open_order_end(self, msg: OpenOrderEnd) -> None:
        p = self._registry.get(OPEN_ORDERS)
        if p is not None:
            p.finish([t for t in p.rows if not t.is_done])

    def _on_order_status(self, msg: OrderStatus) -> None:
        t = self._ticket_for(msg.order_id, msg.client_id, msg.perm_id)
        if t is None:
            return
        self._note_order_id(msg.client_id, msg.order_id)
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
        t.lost = None
        self._acknowledge(t)
        self._journal_status(t)
        if t.status in CANCELLED:
            c = self._registry.pop(f"cancel:{t.order_id}")
            if c is not None:
                c.finish(t)
        self._order_event(OrderEvent(t))
        t._notify()

    def _order_event(self, ev: OrderEvent | FillEvent) -> None:
        """Emit an order's event and keep it on its ticket (``ticket.events()`` replays it)."""
        if ev.ticket is not None:
            ev.ticket._record(ev)
        self._emit(ev)

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
                self._journal_update(t, state=REJECTED, status="Inactive", reject_code=code,
                                     reject_text=text)
                p = self._registry.pop(f"order:{req_id}")
                if p is not None:
                    p.fail(t.rejection)
            self._order_event(OrderEvent(t))
            t._notify()
        else:
            self._notice(code, text, req_id)
        return True

    def _connection_lost(self, lost: ConnectionLost) -> None:
        super()._connection_lost(lost)
        if self.reconnect and not self._closing:
            return  # tickets carry on after the reconnect and its reconciliation
        for ticket in list(self._tickets.values()):
            if not ticket.is_done and ticket.lost is None:
                ticket.lost = lost
                ticket._notify()

    def _take_order_id(self) -> int:
        with self._id_lock:
            if self._next_id <= 0:
                raise IbwireError("no valid order id yet: the session is not ready")
            oid = max(self._next_id, self.journal.max_order_id(self.client_id) + 1)
            self._next_id = oid + 1
            return oid

    # --- order flows --------------------------------------------------------------------------

    def _flow_reconciled(self, timeout: float) -> Flow[None]:
        """Wait until this connection's reconciliation with TWS is done (mixins run it)."""
        return
        yield  # pragma: no cover - makes this a generator

    def flow_submit_order(self, contract: Contract, order: Order, client_order_id: str | None = None,
                          timeout: float = 10.0) -> Flow[OrderTicket]:
        """Send an order; return its ticket once TWS acknowledged it.

        ``client_order_id`` travels as ``orderRef`` and comes back on every open order and
        execution. It also makes the call idempotent: with a ``client_order_id`` the journal
        already knows (this session, or before a crash when the Broker has a journal file) no
        second order is ever sent; the existing ticket is returned (once acknowledged), its
        rejection raised again, or, for an order TWS turned out never to have received, the
        ticket is returned with status ``"Unknown"``. Raises :class:`OrderRejected` when TWS
        rejects the order and :class:`RequestTimeout` when no acknowledgement comes in time (the
        order may still be live: submit again with the same ``client_order_id`` to find out).
        """
        self._ensure_connected()
        if not isinstance(contract, Contract) or not isinstance(order, Order):
            raise TypeError("submit_order takes an ibwire Contract and Order")
        if order.total_quantity is None or order.action not in ("BUY", "SELL", "SSHORT"):
            raise ValueError("an order needs action BUY or SELL and a total quantity")
        yield from self._flow_reconciled(timeout)
        order = copy(order)
        if client_order_id is not None:
            order.order_ref = client_order_id
        with self._submit_lock:
            existing = self._by_ref.get(client_order_id) if client_order_id is not None else None
            if existing is None:
                oid = self._take_order_id()
                order.order_id = oid
                order.client_id = self.client_id
                rec = self.journal.record_intent(IntentRecord(
                    self.client_id, oid, contract, order, client_order_id,
                    remaining=order.total_quantity))
                if rec.order_id != oid or rec.client_id != self.client_id:
                    existing = self._ticket_from_intent(rec)  # recorded by someone else
                else:
                    ticket = OrderTicket(oid, contract, order, client_order_id=order.order_ref,
                                         remaining=order.total_quantity, _broker=self)
                    self._tickets[oid] = ticket
                    self._journaled[(self.client_id, oid)] = ticket
                    if client_order_id is not None:
                        self._by_ref[client_order_id] = ticket
        if existing is not None:
            result: OrderTicket = yield from self._flow_existing(existing, timeout)
            return result
        p: Pending[Any] = Pending(f"acknowledgement of order {oid}", f"order:{oid}")
        self._registry.add(p)
        try:
            try:
                self._send(PlaceOrder(oid, contract, order))
            except ConnectionLost:
                self._unsent(ticket, rec)  # provably never written: it may be sent later
                raise
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"acknowledgement of order {oid}", timeout)
            p.check()
        finally:
            self._registry.discard(p)
        return ticket

    def _unsent(self, ticket: OrderTicket, rec: IntentRecord) -> None:
        with self._submit_lock:
            self.journal.forget(rec)
            self._tickets.pop(ticket.order_id, None)
            self._journaled.pop((rec.client_id, rec.order_id), None)
            if rec.client_order_id is not None and self._by_ref.get(rec.client_order_id) is ticket:
                del self._by_ref[rec.client_order_id]

    def _flow_existing(self, t: OrderTicket, timeout: float) -> Flow[OrderTicket]:
        """``submit_order`` of a client order id already sent: never send it again."""
        if t.rejection is not None:
            raise t.rejection
        if t.acknowledged or t.is_done or t.status == UNKNOWN_STATUS:
            return t
        if t.lost is not None:
            raise t.lost
        # sent in this session and not acknowledged yet: wait for TWS's answer, do not resend
        key = f"order:{t.order_id}"
        p: Pending[Any] | None = self._registry.get(key)
        own = p is None
        if p is None:
            p = Pending(f"acknowledgement of order {t.order_id}", key)
            self._registry.add(p)
        try:
            if t.acknowledged:  # it came while we registered
                return t
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"acknowledgement of order {t.order_id} (sent once, not "
                                     f"sent again)", timeout)
            p.check()
        finally:
            if own:
                self._registry.discard(p)
        return t

    def flow_cancel_order(self, order_id: int | OrderTicket,
                          timeout: float = 10.0) -> Flow[OrderTicket | None]:
        """Cancel an order, named by its id or its ticket. 202 / Cancelled is success; 10147,
        10148, 161 raise CancelRejected."""
        if isinstance(order_id, OrderTicket):
            order_id = order_id.order_id
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise TypeError(f"cancel_order takes an order id (int) or an OrderTicket, not "
                            f"{type(order_id).__name__} {order_id!r}")
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

    def flow_open_orders(self, timeout: float | None = None,
                         all_clients: bool = False) -> Flow[list[OrderTicket]]:
        """Open orders of this client id (client id 0 also sees TWS's own orders); with
        ``all_clients``, every API client's and TWS's open orders (REQ_ALL_OPEN_ORDERS)."""
        req: Message = ReqAllOpenOrders() if all_clients else ReqOpenOrders()
        result: list[OrderTicket] = yield from self._read_flow(
            "open orders", OPEN_ORDERS, lambda: self._send(req), timeout, all_clients=all_clients)
        return result

    def auto_open_orders(self, auto_bind: bool = True) -> None:
        """Client id 0 only: bind orders entered by hand in TWS to this client, which then hears
        their status, executions and commissions live and may modify or cancel them
        (REQ_AUTO_OPEN_ORDERS). Orders of other API clients reach the *Master API client ID* of
        TWS's API settings (the paper gateway: client 0 once auto-bound); ``open_orders(
        all_clients=True)`` lists every client's open orders at any time."""
        if self.client_id != 0:
            raise IbwireError(f"auto_open_orders needs client id 0, not {self.client_id} "
                              f"(TWS answers any other with error 327)")
        self._ensure_connected()
        self._send(ReqAutoOpenOrders(auto_bind=auto_bind))

    def global_cancel(self) -> None:
        """Cancel every open order of every client and of TWS itself (REQ_GLOBAL_CANCEL)."""
        self._ensure_connected()
        self._send(ReqGlobalCancel())

    @property
    def tickets(self) -> LocalList[OrderTicket]:
        """Every order this client submitted or saw (with a journal: also before a restart),
        oldest first (local state: a property on Broker and AsyncBroker)."""
        return LocalList("tickets", self._tickets.values())

    def ticket(self, order_id: int) -> OrderTicket | None:
        return self._tickets.get(order_id)

    def ticket_by_client_order_id(self, client_order_id: str) -> OrderTicket | None:
        """The ticket of the order submitted with ``client_order_id``, if any."""
        return self._by_ref.get(client_order_id)

    # --- executions ---------------------------------------------------------------------------

    def _ticket_of_execution(self, client_id: int | None, order_id: int | None,
                             perm_id: int | None, order_ref: str | None) -> OrderTicket | None:
        t = None
        if order_id and client_id is not None:
            t = (self._tickets.get(order_id) if client_id == self.client_id
                 else self._journaled.get((client_id, order_id)))
        if t is None and perm_id:
            t = self._foreign.get(perm_id)
        if t is None and order_ref:
            t = self._by_ref.get(order_ref)
            if t is not None and perm_id and t.perm_id and t.perm_id != perm_id:
                t = None  # the same reference on another order: not ours to claim
        return t

    def _on_execution(self, msg: ExecutionData) -> None:
        ex = msg.execution
        exec_id = ex.exec_id or ""
        fill = self._fills.get(exec_id)
        is_new = fill is None
        if fill is None:
            fill = Fill(msg.contract, ex, self._parked.pop(exec_id, None))
            self._fills[exec_id] = fill
            stored = self.journal.record_execution(msg.contract, ex)
            if stored is not None and fill.commission_report is None:
                fill.commission_report = stored.commission_report
            elif fill.commission_report is not None:
                self.journal.record_commission(fill.commission_report)
        self._note_order_id(ex.client_id, ex.order_id)
        if msg.req_id is not None and msg.req_id >= 0:
            p = self._registry.get(msg.req_id)
            if p is not None and fill not in p.rows:
                p.rows.append(fill)
        t = self._ticket_of_execution(ex.client_id, ex.order_id, ex.perm_id, ex.order_ref)
        if t is not None and all(f.exec_id != exec_id for f in t.fills):
            t.fills.append(fill)
            if not t.acknowledged or t.status == UNKNOWN_STATUS:  # an execution proves it exists
                if t.status in ("PendingSubmit", UNKNOWN_STATUS):
                    t.status = "Submitted"
                t.lost = None
                self._acknowledge(t)
                self._journal_status(t)
            t._notify()
        if is_new:
            self._order_event(FillEvent(t, fill))

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
            self.journal.record_commission(report)
            return
        if fill.commission_report == report:
            return  # seen before (executions asked for again after a reconnect)
        fill.commission_report = report
        self.journal.record_commission(report)
        owner = None
        for t in self._tickets.values():
            if fill in t.fills:
                owner = t
                t._notify()
        self._order_event(FillEvent(owner, fill))

    def flow_executions(self, filter: ExecutionFilter | None = None,
                        timeout: float | None = None) -> Flow[list[Fill]]:
        """Executions of the day matching ``filter``, each paired with its commission report."""
        req_id = self._registry.next_id()
        flt = filter or ExecutionFilter()
        result: list[Fill] = yield from self._read_flow(
            "executions", req_id, lambda: self._send(ReqExecutions(req_id, flt)), timeout)
        return result

    @property
    def fills(self) -> LocalList[Fill]:
        """Every execution seen (with a journal: also before a restart); local state (a
        property on Broker and AsyncBroker). Executions of earlier sessions without a journal:
        ``broker.executions()`` asks TWS."""
        return LocalList("fills", self._fills.values())

    def _fill_shares(self, t: OrderTicket) -> Decimal:
        return sum((f.execution.shares or Decimal(0) for f in t.fills), Decimal(0))

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    open_orders = front_method(flow_open_orders)
    executions = front_method(flow_executions)
    submit_order = front_method(flow_submit_order)
    cancel_order = front_method(flow_cancel_order)
