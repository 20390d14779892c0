"""Order tickets and fills: what ``Broker.submit_order`` returns and keeps current.

A ticket is live: its fields move on as TWS reports the order. It also keeps every event of its
order (each :class:`~ibwire.client.state.OrderEvent` and :class:`~ibwire.client.state.FillEvent`),
so whenever they are called, ``ticket.events()`` yields them from the order's first one, and
``await ticket.acked()`` / ``await ticket.done()`` return at once when that already happened.

Waiting: the sync Broker's tickets block (``wait_done``, ``wait_for``, ``for ev in
ticket.events(timeout=...)``); with an AsyncBroker await instead (``await ticket.done()``,
``async for ev in ticket.events()``). A blocking wait called on the thread running the loop that
delivers the order's events could only time out, so it raises :class:`BlockingCallOnLoop` at once,
naming what to await.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import warnings
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import ConnectionLost, IbwireError, OrderRejected, RequestTimeout
from ..models import CommissionReport, Contract, Execution, Order

if TYPE_CHECKING:
    from .state import FillEvent, OrderEvent

__all__ = ["Fill", "OrderTicket", "TicketEvents", "BlockingCallOnLoop", "DONE_STATES"]

DONE_STATES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})


class BlockingCallOnLoop(IbwireError, RuntimeError):
    """A blocking wait was called on the thread that runs the event loop delivering the events it
    waits for (an AsyncBroker's loop): it could only time out. The message names the coroutine to
    await instead."""


def refuse_on_loop(owner: object, call: str, instead: str) -> None:
    """Raise :class:`BlockingCallOnLoop` when the calling thread runs the asyncio loop that
    delivers ``owner``'s events (``owner._broker._loop``: set by an AsyncBroker, None otherwise)."""
    loop = getattr(getattr(owner, "_broker", None), "_loop", None)
    if loop is None:
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if running is loop:
        raise BlockingCallOnLoop(
            f"{call} would block the event loop that delivers its events (it could only time "
            f"out): use `{instead}` instead")


async def await_change(owner: Any, ready: Callable[[], bool], timeout: float | None,
                       what: str) -> None:
    """Wait on the running loop until ``ready()`` holds, re-checked after each ``owner._notify()``
    (from this loop's thread or another: the sync Broker's reader); RequestTimeout after
    ``timeout`` seconds (None: no limit)."""
    if ready():
        return
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not fut.done() and ready():
            fut.set_result(None)

    def waiter() -> None:
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            wake()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(wake)

    waiters: list[Callable[[], None]] = owner._waiters
    waiters.append(waiter)
    try:
        if ready():  # it happened while we registered (another thread)
            return
        await asyncio.wait_for(fut, timeout)
    except TimeoutError:
        if not ready():
            assert timeout is not None
            raise RequestTimeout(what, timeout) from None
    finally:
        waiters.remove(waiter)


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


class _Done:
    """``ticket.done``: call it for the awaitable (``await ticket.done()``). Read as a bool it
    still says whether the order is finished (deprecated: use ``ticket.is_done``)."""

    __slots__ = ("_ticket",)

    def __init__(self, ticket: OrderTicket) -> None:
        self._ticket = ticket

    def __call__(self, timeout: float | None = None) -> Coroutine[Any, Any, OrderTicket]:
        return self._ticket._await_done(timeout)

    def __await__(self) -> Generator[Any, None, OrderTicket]:
        return self._ticket._await_done(None).__await__()  # ``await ticket.done`` works too

    def __bool__(self) -> bool:
        warnings.warn("ticket.done as a bool is deprecated: use ticket.is_done (await "
                      "ticket.done() waits for it)", DeprecationWarning, stacklevel=2)
        return self._ticket.is_done

    def __repr__(self) -> str:
        return f"<ticket.done of order {self._ticket.order_id}: {self._ticket.is_done}>"


@dataclass(eq=False)
class OrderTicket:
    """A submitted order as TWS reports it, kept current by the Broker (see the module docstring).

    Read: ``status``, ``filled``, ``remaining``, ``avg_fill_price``, ``fills``, ``is_done``.
    Sync Broker: ``wait_done(timeout)``, ``wait_for(predicate, timeout)``, ``for ev in
    events(timeout=...)``. AsyncBroker: ``await acked()``, ``await done()``, ``async for ev in
    events()``."""

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
    _broker: Any = field(default=None, repr=False)
    """The Broker or AsyncBroker that keeps this ticket (its ``_loop`` and ``_core_lock``)."""
    _history: list[OrderEvent | FillEvent] = field(default_factory=list, repr=False)
    _waiters: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def is_done(self) -> bool:
        """The order is Filled, Cancelled, ApiCancelled or Inactive."""
        return self.status in DONE_STATES

    @property
    def done(self) -> _Done:
        """``await ticket.done(timeout=None)``: the ticket once the order is Filled, Cancelled,
        ApiCancelled or Inactive (at once if it already is); raises ConnectionLost when the
        connection ended first. (As a bool, deprecated: ``is_done``.)"""
        return _Done(self)

    def __repr__(self) -> str:
        return (f"OrderTicket(order_id={self.order_id}, {self.order.action} "
                f"{self.order.total_quantity} {self.contract} {self.order.order_type}, "
                f"status={self.status}, filled={self.filled}, avg_fill_price={self.avg_fill_price})")

    def _record(self, ev: OrderEvent | FillEvent) -> None:
        """Keep an event of this order (the Broker calls it as it emits the event)."""
        with self._cond:
            self._history.append(ev)
        self._notify()

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()
        for waiter in list(self._waiters):
            waiter()

    def _locked(self) -> contextlib.AbstractContextManager[Any]:
        """The Broker's core lock: the handler that changes the status also records its event
        under it, so a check made holding it sees both or neither."""
        lock = getattr(self._broker, "_core_lock", None)
        return lock if lock is not None else contextlib.nullcontext()

    # --- sync waits -------------------------------------------------------------------------

    def wait_done(self, timeout: float = 30.0) -> OrderTicket:
        """Block until the order is Filled, Cancelled, ApiCancelled or Inactive (sync Broker;
        with an AsyncBroker: ``await ticket.done()``)."""
        refuse_on_loop(self, "ticket.wait_done()", "await ticket.done()")
        with self._cond:
            ok = self._cond.wait_for(lambda: self.is_done or self.lost is not None, timeout)
        if self.is_done:
            return self
        if self.lost is not None:
            raise self.lost
        assert not ok
        raise RequestTimeout(f"order {self.order_id} to finish (status {self.status})", timeout)

    def wait_for(self, predicate: object, timeout: float) -> bool:
        """Block until ``predicate(ticket)`` holds; False on timeout (sync Broker)."""
        assert callable(predicate)
        refuse_on_loop(self, "ticket.wait_for()", "await ticket.done()` or `async for event in "
                       "ticket.events()")
        with self._cond:
            return self._cond.wait_for(lambda: bool(predicate(self)) or self.lost is not None, timeout)

    # --- awaitables ---------------------------------------------------------------------------

    async def acked(self, timeout: float | None = None) -> OrderTicket:
        """The ticket once TWS acknowledged the order (at once if it did). Raises the
        OrderRejected when TWS rejected it, ConnectionLost when the connection ended first."""
        await await_change(self, lambda: self.acknowledged or self.rejection is not None
                           or self.lost is not None or self.is_done, timeout,
                           f"acknowledgement of order {self.order_id}")
        if self.rejection is not None:
            raise self.rejection
        if not self.acknowledged and self.lost is not None:
            raise self.lost
        return self

    async def _await_done(self, timeout: float | None) -> OrderTicket:
        await await_change(self, lambda: self.is_done or self.lost is not None, timeout,
                           f"order {self.order_id} to finish")
        if not self.is_done and self.lost is not None:
            raise self.lost
        return self

    def events(self, timeout: float | None = None) -> TicketEvents:
        """This order's events (OrderEvent and FillEvent) from its first one, whenever called:
        ``async for ev in ticket.events()`` (AsyncBroker) or ``for ev in
        ticket.events(timeout=30)`` (sync Broker). Ends once the order is finished and every
        event kept so far was yielded (a commission report coming later is on ``ticket.fills``);
        raises ConnectionLost when the connection ended before; ``timeout``: seconds without an
        event after which it ends (``timed_out`` then says so)."""
        return TicketEvents(self, timeout)


class TicketEvents:
    """The events of one order, from its first one: an iterator (sync Broker) and an async
    iterator (AsyncBroker); see :meth:`OrderTicket.events`."""

    def __init__(self, ticket: OrderTicket, timeout: float | None = None) -> None:
        self.ticket = ticket
        self.timeout = timeout
        self.timed_out = False
        self._next = 0

    def _step(self) -> tuple[bool, OrderEvent | FillEvent | None]:
        """(True, event) for the next event; (True, None) at the end; (False, None) when the
        next event has not happened yet."""
        t = self.ticket
        with t._locked():
            if self._next < len(t._history):
                ev = t._history[self._next]
                self._next += 1
                return True, ev
            if t.is_done:
                return True, None
            if t.lost is not None:
                raise t.lost
            return False, None

    def _ready(self) -> bool:
        t = self.ticket
        return self._next < len(t._history) or t.is_done or t.lost is not None

    def __iter__(self) -> TicketEvents:
        return self

    def __next__(self) -> OrderEvent | FillEvent:
        refuse_on_loop(self.ticket, "for ... in ticket.events()",
                       "async for event in ticket.events()")
        t = self.ticket
        while True:
            with t._cond:
                ready = t._cond.wait_for(self._ready, self.timeout)
            if not ready:
                self.timed_out = True
                raise StopIteration
            got, ev = self._step()
            if got:
                if ev is None:
                    raise StopIteration
                return ev

    def __aiter__(self) -> TicketEvents:
        return self

    async def __anext__(self) -> OrderEvent | FillEvent:
        while True:
            try:
                await await_change(self.ticket, self._ready, self.timeout,
                                   f"an event of order {self.ticket.order_id}")
            except RequestTimeout:
                self.timed_out = True
                raise StopAsyncIteration from None
            got, ev = self._step()
            if got:
                if ev is None:
                    raise StopAsyncIteration
                return ev
