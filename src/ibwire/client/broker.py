"""The synchronous Broker: request / response over a TWS API session, typed results.

A Broker owns one :class:`~ibwire.client.transport.Transport` and one dispatcher thread that takes
event batches from the reader's queue, keeps tickets, fills and subscriptions current, and completes
pending requests. Public methods block the calling thread only; the Broker never touches an asyncio
event loop, so it works in scripts, worker threads, Jupyter and inside a running asyncio program.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from copy import copy
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, ClassVar

from ..errors import (
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ContractError,
    ErrorCategory,
    HistoricalDataError,
    IbwireError,
    OrderRejected,
    PacingViolation,
    RequestError,
    classify,
)
from ..models import (
    AccountValue,
    CommissionReport,
    Contract,
    ExecutionFilter,
    Order,
    PortfolioItem,
    Position,
)
from ..protocol.connection import BadMessage, ConnectionClosed, SessionReady
from ..protocol.messages.accounts import (
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    PortfolioValue,
    PositionData,
    PositionEnd,
    ReqAcctData,
    ReqPositions,
)
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
from ..protocol.messages.system import (
    CurrentTime,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqIds,
)
from ..protocol.schema import Message, UnknownMessage
from .requests import Pending, Registry
from .state import ConnectionState, FillEvent, Notice, OrderEvent, StateChanged
from .tickets import DONE_STATES, Fill, OrderTicket
from .transport import Transport

__all__ = ["Broker"]

log = logging.getLogger("ibwire.broker")

Listener = Callable[[object], None]

# Where a frame that failed to decode belongs: msg id -> singleton request key, or the field index
# holding its request id. A failure that cannot be attributed fails every pending read request.
_BAD_SINGLETON = {61: "positions", 62: "positions", 5: "open_orders", 53: "open_orders",
                  6: "account", 7: "account", 8: "account", 54: "account", 49: "current_time",
                  9: "ids"}
_BAD_REQ_ID_INDEX = {11: 1, 55: 2, 63: 2, 64: 2, 10: 1, 52: 2, 17: 1, 1: 2, 2: 2}


def _request_error(code: int, text: str, req_id: int, advanced: str | None = None) -> RequestError:
    category = classify(code).category
    cls: type[RequestError] = RequestError
    if category is ErrorCategory.CONTRACT:
        cls = ContractError
    elif category is ErrorCategory.HISTORICAL:
        cls = HistoricalDataError
    elif category is ErrorCategory.PACING:
        cls = PacingViolation
    elif category in (ErrorCategory.ORDER_REJECT, ErrorCategory.DUPLICATE_ORDER_ID):
        cls = OrderRejected
    elif category is ErrorCategory.CANCEL_FAILURE:
        cls = CancelRejected
    return cls(code, text, req_id, advanced)


class Broker:
    """A synchronous TWS client: ``Broker.connect(...)`` then call methods; each returns typed data."""

    _HANDLERS: ClassVar[dict[type, str]] = {
        SessionReady: "_on_ready",
        NextValidId: "_on_next_valid_id",
        ManagedAccts: "_on_managed_accts",
        ErrMsg: "_on_error",
        CurrentTime: "_on_current_time",
        OpenOrder: "_on_open_order",
        OpenOrderEnd: "_on_open_order_end",
        OrderStatus: "_on_order_status",
        ExecutionData: "_on_execution",
        ExecutionDataEnd: "_on_execution_end",
        CommissionReportMsg: "_on_commission",
        PositionData: "_on_position",
        PositionEnd: "_on_position_end",
        AcctValue: "_on_account_row",
        PortfolioValue: "_on_account_row",
        AcctUpdateTime: "_on_account_row",
        AcctDownloadEnd: "_on_account_end",
        BadMessage: "_on_bad_message",
        UnknownMessage: "_on_unknown",
        ConnectionClosed: "_on_closed",
    }

    def __init__(self, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                 timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.timeout = timeout
        self.state = ConnectionState.OFFLINE
        self.accounts: list[str] = []
        self.notices: collections.deque[Notice] = collections.deque(maxlen=1000)
        self.unknown_messages: collections.deque[UnknownMessage] = collections.deque(maxlen=100)
        self._transport: Transport | None = None
        self._registry = Registry()
        self._listeners: list[Listener] = []
        self._tickets: dict[int, OrderTicket] = {}
        self._foreign: dict[int, OrderTicket] = {}  # other clients' orders, by perm id
        self._fills: dict[str, Fill] = {}  # exec id -> fill (deduplicates executions)
        self._parked: dict[str, CommissionReport] = {}  # commission reports awaiting their execution
        self._next_id = 0
        self._id_lock = threading.Lock()
        self._request_locks: dict[str, threading.Lock] = collections.defaultdict(threading.Lock)
        self._ready = threading.Event()
        self._connect_error: IbwireError | None = None
        self._dispatcher: threading.Thread | None = None
        self._handlers: dict[type, Callable[[Any], None]] = {
            t: getattr(self, name) for t, name in self._all_handlers().items()}

    @classmethod
    def _all_handlers(cls) -> dict[type, str]:
        merged: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("_HANDLERS", {}))
        return merged

    # --- connecting ---------------------------------------------------------------------------

    @classmethod
    def connect(cls, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                timeout: float = 10.0) -> Broker:
        """Connect and block until the session is ready (NEXT_VALID_ID and MANAGED_ACCTS seen)."""
        broker = cls(host, port, client_id, timeout)
        broker.open()
        return broker

    def open(self) -> None:
        if self._transport is not None and self._transport.is_connected():
            raise IbwireError("already connected")
        self._ready.clear()
        self._connect_error = None
        self._registry = Registry()
        self._set_state(ConnectionState.CONNECTING, "connecting")
        transport = Transport(self.host, self.port, self.client_id, timeout=self.timeout)
        self._transport = transport
        try:
            transport.connect()
        except ConnectError:
            self._set_state(ConnectionState.OFFLINE, "connect failed")
            raise
        self._dispatcher = threading.Thread(target=self._dispatch_loop, args=(transport,),
                                            name=f"ibwire-dispatch-{self.client_id}", daemon=True)
        self._dispatcher.start()
        if not self._ready.wait(self.timeout) or self._connect_error is not None:
            error = self._connect_error or ConnectError(
                f"TWS at {self.host}:{self.port} completed the handshake but did not send "
                f"nextValidId and managedAccounts within {self.timeout:g} s.", code=502,
                host=self.host, port=self.port)
            transport.close()
            self._join_dispatcher()
            raise error

    def __enter__(self) -> Broker:
        if self._transport is None:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def disconnect(self) -> None:
        """Close the connection; returns once the socket is closed and events are delivered."""
        transport = self._transport
        if transport is None:
            return
        transport.close()
        self._join_dispatcher()

    def _join_dispatcher(self) -> None:
        d = self._dispatcher
        if d is not None and d is not threading.current_thread():
            d.join(timeout=5.0)

    @property
    def server_version(self) -> int | None:
        return self._transport.server_version if self._transport else None

    @property
    def connection_time(self) -> datetime | None:
        return self._transport.connection_time if self._transport else None

    def is_connected(self) -> bool:
        return self._transport is not None and self._transport.is_connected() and self._ready.is_set()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` from the dispatcher thread for every Broker event
        (StateChanged, Notice, OrderEvent, FillEvent ...). Keep it quick."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # --- the dispatcher -----------------------------------------------------------------------

    def _dispatch_loop(self, transport: Transport) -> None:
        get = transport.events.get
        handlers = self._handlers
        while True:
            batch = get()
            for ev in batch:
                handler = handlers.get(type(ev))
                if handler is None:
                    continue
                try:
                    handler(ev)
                except Exception:
                    log.exception("error handling %s", type(ev).__name__)
                if type(ev) is ConnectionClosed:
                    return

    def _emit(self, event: object) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed", listener)

    def _set_state(self, new: ConnectionState, reason: str, code: int | None = None) -> None:
        old = self.state
        if old is new:
            return
        self.state = new
        self._emit(StateChanged(old, new, reason, code))

    def _send(self, msg: Message) -> None:
        transport = self._transport
        if transport is None:
            raise ConnectionLost("not connected (error 504)")
        transport.send(msg)

    # --- session handlers ---------------------------------------------------------------------

    def _on_ready(self, ev: SessionReady) -> None:
        with self._id_lock:
            self._next_id = max(self._next_id, ev.next_valid_id)
        self.accounts = list(ev.accounts)
        self._set_state(ConnectionState.CONNECTED, "session ready")
        self._ready.set()

    def _on_next_valid_id(self, msg: NextValidId) -> None:
        if msg.order_id is not None:
            with self._id_lock:
                self._next_id = max(self._next_id, msg.order_id)
        p = self._registry.pop("ids")
        if p is not None:
            p.finish(msg.order_id)

    def _on_managed_accts(self, msg: ManagedAccts) -> None:
        self.accounts = msg.accounts

    def _on_current_time(self, msg: CurrentTime) -> None:
        p = self._registry.pop("current_time")
        if p is not None and msg.time is not None:
            p.finish(datetime.fromtimestamp(msg.time, tz=timezone.utc))

    def _on_unknown(self, msg: UnknownMessage) -> None:
        log.warning("unknown message id %d with %d fields", msg.msg_id, len(msg.fields))
        self.unknown_messages.append(msg)
        self._emit(msg)

    def _on_bad_message(self, ev: BadMessage) -> None:
        err = ev.error
        log.error("cannot decode a frame: %s", err)
        target: Pending[Any] | None = None
        if err.msg_id in _BAD_SINGLETON:
            target = self._registry.get(_BAD_SINGLETON[err.msg_id])
        elif err.msg_id in _BAD_REQ_ID_INDEX:
            idx = _BAD_REQ_ID_INDEX[err.msg_id]
            if len(ev.fields) > idx and ev.fields[idx].lstrip("-").isdigit():
                target = self._registry.get(int(ev.fields[idx]))
        if target is not None:
            target.fail(err)
        else:
            for p in self._registry.all():
                if not p.name.startswith("order"):
                    p.fail(err)
        self._emit(ev)

    def _on_closed(self, ev: ConnectionClosed) -> None:
        cause = ev.cause
        detail = f"connection to {self.host}:{self.port} closed" + (f": {cause}" if cause else "")
        if not self._ready.is_set():
            if self._connect_error is None:
                self._connect_error = ConnectError(
                    f"TWS at {self.host}:{self.port} closed the connection before the session was "
                    f"ready (is client id {self.client_id} already in use? is the API enabled?)",
                    code=502, host=self.host, port=self.port)
            self._ready.set()
        lost = ConnectionLost(detail)
        self._registry.fail_all(lost)
        for ticket in list(self._tickets.values()):
            if not ticket.done:
                ticket.lost = lost
                ticket._notify()
        self._set_state(ConnectionState.OFFLINE, detail)

    def _on_error(self, msg: ErrMsg) -> None:
        code = msg.error_code or 0
        text = msg.error_string or ""
        req_id = msg.req_id if msg.req_id is not None else -1
        info = classify(code)
        if req_id >= 0:
            p = self._registry.get(req_id)
            if p is not None:
                if info.is_error:
                    self._registry.discard(p)
                    p.fail(_request_error(code, text, req_id, msg.advanced_order_reject_json))
                else:
                    self._notice(code, text, req_id)
                return
            if self._order_error(req_id, code, text, msg.advanced_order_reject_json):
                return
        if info.category is ErrorCategory.CONNECTIVITY:
            self._connectivity(code, text)
        elif code == 326 or info.category is ErrorCategory.CONNECTION:
            if not self._ready.is_set():
                self._connect_error = ConnectError(f"{text} (error {code})", code=code,
                                                   host=self.host, port=self.port)
                self._ready.set()
        self._notice(code, text, req_id)

    def _notice(self, code: int, text: str, req_id: int) -> None:
        notice = Notice(code, text, req_id, datetime.now(timezone.utc))
        self.notices.append(notice)
        self._emit(notice)

    def _connectivity(self, code: int, text: str) -> None:
        if code == 1100:
            self._set_state(ConnectionState.DEGRADED, text, code)
        elif code in (1101, 1102) and self.state is ConnectionState.DEGRADED:
            self._set_state(ConnectionState.CONNECTED, text, code)

    # --- simple requests ----------------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if not self.is_connected():
            raise ConnectionLost(f"not connected to {self.host}:{self.port} (error 504)")

    def _read_request(self, name: str, key: int | str, send: Callable[[], None],
                      timeout: float | None, **extra: Any) -> Any:
        """Send a read-only request and wait for its reply; resend once if nothing came back."""
        self._ensure_connected()
        timeout = self.timeout if timeout is None else timeout
        with self._request_locks[name]:
            p: Pending[Any] = Pending(name, key)
            p.extra.update(extra)
            self._registry.add(p)
            try:
                send()
                if not p.wait(timeout / 2) and not p.rows:
                    log.info("%s: no reply within %.1f s, asking once more", name, timeout / 2)
                    send()
                return p.outcome(timeout / 2)
            finally:
                self._registry.discard(p)

    def current_time(self, timeout: float | None = None) -> datetime:
        """TWS's clock, as an aware UTC datetime."""
        result: datetime = self._read_request(
            "current time", "current_time", lambda: self._send(ReqCurrentTime()), timeout)
        return result

    def next_order_id(self, timeout: float | None = None) -> int:
        """Ask TWS for its next valid order id; returns the id the next order will use."""
        self._read_request("next valid id", "ids", lambda: self._send(ReqIds(1)), timeout)
        with self._id_lock:
            return self._next_id

    # positions ---------------------------------------------------------------------------------

    def _on_position(self, msg: PositionData) -> None:
        p = self._registry.get("positions")
        if p is not None:
            p.rows.append(Position(msg.account, msg.contract, msg.position, msg.avg_cost))

    def _on_position_end(self, msg: PositionEnd) -> None:
        p = self._registry.get("positions")
        if p is not None:
            seen: dict[tuple[str | None, int | None], Position] = {}
            for row in p.rows:
                seen[(row.account, row.contract.con_id)] = row
            p.finish(list(seen.values()))

    def positions(self, timeout: float | None = None) -> list[Position]:
        """Every position of every managed account (short positions are negative)."""
        try:
            result: list[Position] = self._read_request(
                "positions", "positions", lambda: self._send(ReqPositions()), timeout)
        finally:
            self._cancel_positions()
        return result

    def _cancel_positions(self) -> None:
        from ..protocol.messages.accounts import CancelPositions
        try:
            self._send(CancelPositions())
        except IbwireError:
            pass

    # account values and portfolio ---------------------------------------------------------------

    def _on_account_row(self, msg: AcctValue | PortfolioValue | AcctUpdateTime) -> None:
        p = self._registry.get("account")
        if p is not None:
            p.rows.append(msg)

    def _on_account_end(self, msg: AcctDownloadEnd) -> None:
        p = self._registry.get("account")
        if p is not None and (msg.account_name == p.extra.get("account") or not p.extra.get("account")):
            values: dict[tuple[str | None, str | None, str | None], AccountValue] = {}
            items: dict[tuple[str | None, int | None], PortfolioItem] = {}
            for row in p.rows:
                if isinstance(row, AcctValue):
                    values[(row.key, row.currency, row.account_name)] = AccountValue(
                        row.key, row.value, row.currency, row.account_name)
                elif isinstance(row, PortfolioValue):
                    items[(row.account_name, row.contract.con_id)] = PortfolioItem(
                        row.contract, row.position, row.market_price, row.market_value,
                        row.average_cost, row.unrealized_pnl, row.realized_pnl, row.account_name)
            p.finish((list(values.values()), list(items.values())))

    def _account_snapshot(self, account: str | None,
                          timeout: float | None) -> tuple[list[AccountValue], list[PortfolioItem]]:
        acct = account or (self.accounts[0] if len(self.accounts) == 1 else None)
        if acct is None:
            raise IbwireError(f"this login manages several accounts {self.accounts}: name one")
        if self.accounts and acct not in self.accounts:
            raise IbwireError(f"account {acct!r} is not managed by this login {self.accounts}")

        def send() -> None:
            self._send(ReqAcctData(True, acct))

        try:
            result = self._read_request("account values", "account", send, timeout, account=acct)
        finally:
            try:
                self._send(ReqAcctData(False, acct))
            except IbwireError:
                pass
        values, items = result
        return values, items

    def account_values(self, account: str | None = None,
                       timeout: float | None = None) -> list[AccountValue]:
        """Every account value (NetLiquidation, TotalCashValue, BuyingPower ...) of ``account``."""
        return self._account_snapshot(account, timeout)[0]

    def portfolio(self, account: str | None = None,
                  timeout: float | None = None) -> list[PortfolioItem]:
        """Positions of ``account`` with market price and value, average cost and PnL."""
        return self._account_snapshot(account, timeout)[1]

    # orders ------------------------------------------------------------------------------------

    def _ticket_for(self, order_id: int | None, client_id: int | None, perm_id: int | None,
                    contract: Contract | None = None, order: Order | None = None) -> OrderTicket | None:
        if order_id is not None and (client_id is None or client_id == self.client_id) and order_id > 0:
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
        if t.status in ("Cancelled", "ApiCancelled"):
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

    def _order_error(self, order_id: int, code: int, text: str, advanced: str | None) -> bool:
        """Route an error naming an order id; False when no order of ours has that id."""
        info = classify(code)
        t = self._tickets.get(order_id)
        cancel = self._registry.get(f"cancel:{order_id}")
        if t is None and cancel is None:
            return False
        if t is not None:
            t.errors.append((code, text))
        if info.category is ErrorCategory.CANCEL_CONFIRM:
            if cancel is not None:
                self._registry.discard(cancel)
                cancel.finish(t)
        elif info.category is ErrorCategory.CANCEL_FAILURE:
            if cancel is not None:
                self._registry.discard(cancel)
                cancel.fail(CancelRejected(code, text, order_id, advanced))
        elif info.is_error and t is not None:
            error = OrderRejected(code, text, order_id, advanced)
            if not t.acknowledged or t.status in ("PendingSubmit", "Inactive"):
                t.rejection = error
                t.status = "Inactive"
                p = self._registry.pop(f"order:{order_id}")
                if p is not None:
                    p.fail(error)
            self._emit(OrderEvent(t))
            t._notify()
        else:
            self._notice(code, text, order_id)
        return True

    def _take_order_id(self) -> int:
        with self._id_lock:
            if self._next_id <= 0:
                raise IbwireError("no valid order id yet: the session is not ready")
            oid = self._next_id
            self._next_id += 1
            return oid

    def submit_order(self, contract: Contract, order: Order, client_order_id: str | None = None,
                     timeout: float = 10.0) -> OrderTicket:
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
        p: Pending[Any] = Pending(f"order {oid} acknowledgement", f"order:{oid}")
        self._registry.add(p)
        try:
            self._send(PlaceOrder(oid, contract, order))
            p.outcome(timeout)
        finally:
            self._registry.discard(p)
        return ticket

    def cancel_order(self, order_id: int, timeout: float = 10.0) -> OrderTicket | None:
        """Cancel an order. 202 / Cancelled is success; 10147, 10148, 161 raise CancelRejected."""
        self._ensure_connected()
        t = self._tickets.get(order_id)
        if t is not None and t.status in ("Cancelled", "ApiCancelled"):
            return t
        p: Pending[Any] = Pending(f"cancel of order {order_id}", f"cancel:{order_id}")
        self._registry.add(p)
        try:
            self._send(CancelOrder(order_id))
            result: OrderTicket | None = p.outcome(timeout)
        finally:
            self._registry.discard(p)
        if t is not None and t.status not in DONE_STATES:
            t.wait_for(lambda tk: tk.status in DONE_STATES, timeout)
        return result or t

    def tickets(self) -> list[OrderTicket]:
        """Every order this Broker submitted in this session, oldest first."""
        return list(self._tickets.values())

    def open_orders(self, timeout: float | None = None) -> list[OrderTicket]:
        """Open orders of this client id (client id 0 also sees TWS's own orders)."""
        result: list[OrderTicket] = self._read_request(
            "open orders", "open_orders", lambda: self._send(ReqOpenOrders()), timeout)
        return result

    # executions --------------------------------------------------------------------------------

    def _on_execution(self, msg: ExecutionData) -> None:
        ex = msg.execution
        exec_id = ex.exec_id or ""
        fill = self._fills.get(exec_id)
        is_new = fill is None
        if fill is None:
            fill = Fill(msg.contract, ex, self._parked.pop(exec_id, None))
            self._fills[exec_id] = fill
        p = self._registry.get(msg.req_id) if msg.req_id is not None and msg.req_id >= 0 else None
        if p is not None and fill not in p.rows:
            p.rows.append(fill)
        t = None
        if ex.client_id == self.client_id and ex.order_id:
            t = self._tickets.get(ex.order_id)
        elif ex.perm_id:
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
        for t in self._tickets.values():
            if fill in t.fills:
                t._notify()

    def executions(self, filter: ExecutionFilter | None = None,
                   timeout: float | None = None) -> list[Fill]:
        """Executions of the day (TWS keeps them since midnight) matching ``filter``."""
        req_id = self._registry.next_id()
        flt = filter or ExecutionFilter()
        result: list[Fill] = self._read_request(
            "executions", req_id, lambda: self._send(ReqExecutions(req_id, flt)), timeout)
        return result

    # exposed for subclasses and front ends ---------------------------------------------------------

    @property
    def registry(self) -> Registry:
        return self._registry

    def send(self, msg: Message) -> None:
        """Send a raw protocol message (advanced use)."""
        self._send(msg)

    def fills(self) -> list[Fill]:
        """Every execution seen in this session."""
        return list(self._fills.values())

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Poll-free wait helper for tests and scripts: True once ``predicate()`` holds."""
        done = threading.Event()

        def check(_: object) -> None:
            if predicate():
                done.set()

        if predicate():
            return True
        self.add_listener(check)
        try:
            return done.wait(timeout) or predicate()
        finally:
            self.remove_listener(check)

    def __repr__(self) -> str:
        return (f"<Broker {self.host}:{self.port} client_id={self.client_id} {self.state.value} "
                f"v{self.server_version}>")

    # quantities helper for users
    @staticmethod
    def qty(value: Decimal | int | float | str) -> Decimal:
        return Decimal(str(value))

