"""The synchronous Broker: request / response over a TWS API session, typed results.

A Broker owns one :class:`~ibwire.client.transport.Transport` (socket + reader thread) and one
dispatcher thread that hands every event batch to the shared session logic. Public methods block the
calling thread only. The Broker never touches an asyncio event loop, so it works in scripts, worker
threads, Jupyter and inside a running asyncio program's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import ConnectError, ConnectionLost, IbwireError
from ..models import Contract, Order
from ..protocol.connection import ConnectionClosed
from ..protocol.schema import Message
from .core import BrokerCore, Flow
from .market import MarketMixin
from .orders import OrdersMixin
from .tickets import OrderTicket
from .transport import Transport

__all__ = ["Broker", "run_flow"]

P = ParamSpec("P")
T = TypeVar("T")


def run_flow(flow: Flow[T]) -> T:
    """Drive a flow to its end, blocking the calling thread on each wait."""
    try:
        step = next(flow)
        while True:
            step = flow.send(step.pending.wait(step.timeout))
    except StopIteration as stop:
        result: T = stop.value
        return result


def blocking(fn: Callable[Concatenate[Any, P], Flow[T]]) -> Callable[Concatenate[Any, P], T]:
    """Turn a core flow method into a blocking method with the same signature and docstring."""
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return run_flow(fn(self, *args, **kwargs))
    name = fn.__name__.removeprefix("flow_")
    method.__name__, method.__qualname__, method.__doc__ = name, name, fn.__doc__
    return method


class Broker(MarketMixin, OrdersMixin, BrokerCore):
    """A synchronous TWS client. ``Broker.connect(host, port, client_id)`` blocks until the session is
    ready; every method sends a request and returns its typed reply (or raises)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                 timeout: float = 10.0) -> None:
        super().__init__(host, port, client_id, timeout)
        self._transport: Transport | None = None
        self._dispatcher: threading.Thread | None = None

    # --- connecting ---------------------------------------------------------------------------

    @classmethod
    def connect(cls, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                timeout: float = 10.0) -> Broker:
        """Connect and block until the session is ready (NEXT_VALID_ID and MANAGED_ACCTS seen).

        Raises :class:`~ibwire.ConnectError` (code 502 when TWS cannot be reached, 503 when its
        version is out of range, 326 when the client id is in use) -- never hangs past ``timeout``.
        """
        broker = cls(host, port, client_id, timeout)
        broker.open()
        return broker

    def open(self) -> None:
        """Connect this Broker (``connect`` does it for you)."""
        if self._transport is not None and self._transport.is_connected():
            raise IbwireError("already connected")
        session = self._begin_session()
        transport = Transport(self.host, self.port, self.client_id, timeout=self.timeout)
        try:
            transport.connect()
        except ConnectError as exc:
            self._set_state(self.state.OFFLINE, str(exc), exc.code)
            raise
        self._transport = transport
        self._dispatcher = threading.Thread(target=self._dispatch_loop, args=(transport,),
                                            name=f"ibwire-dispatch-{self.client_id}", daemon=True)
        self._dispatcher.start()
        if not session.wait(self.timeout) or session.error is not None:
            error = session.error or ConnectError(
                f"TWS at {self.host}:{self.port} completed the handshake but sent no nextValidId and "
                f"managedAccounts within {self.timeout:g} s.", code=502, host=self.host, port=self.port)
            self.disconnect()
            raise error

    def __enter__(self) -> Broker:
        if self._transport is None:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def disconnect(self) -> None:
        """Close the connection. Returns once the socket is closed and every pending request has
        failed with ConnectionLost, so the same client id can connect again at once."""
        transport = self._transport
        if transport is None:
            return
        transport.close()
        d = self._dispatcher
        if d is not None and d is not threading.current_thread():
            d.join(timeout=5.0)

    def _dispatch_loop(self, transport: Transport) -> None:
        get = transport.events.get
        handle = self.handle
        while True:
            for ev in get():
                handle(ev)
                if type(ev) is ConnectionClosed:
                    return

    def _send(self, msg: Message) -> None:
        transport = self._transport
        if transport is None:
            raise ConnectionLost(f"not connected to {self.host}:{self.port} (error 504)")
        transport.send(msg)

    def _transport_connected(self) -> bool:
        return self._transport is not None and self._transport.is_connected()

    # --- requests (one line each: the logic lives in the shared flows) ----------------------------

    current_time = blocking(BrokerCore.flow_current_time)
    next_order_id = blocking(BrokerCore.flow_next_order_id)
    positions = blocking(BrokerCore.flow_positions)
    account_values = blocking(BrokerCore.flow_account_values)
    portfolio = blocking(BrokerCore.flow_portfolio)
    open_orders = blocking(OrdersMixin.flow_open_orders)
    executions = blocking(OrdersMixin.flow_executions)
    cancel_order = blocking(OrdersMixin.flow_cancel_order)
    market_data = blocking(MarketMixin.flow_market_data)
    snapshot = blocking(MarketMixin.flow_snapshot)
    contract_details = blocking(MarketMixin.flow_contract_details)
    qualify = blocking(MarketMixin.flow_qualify)
    historical_bars = blocking(MarketMixin.flow_historical_bars)
    account_summary = blocking(MarketMixin.flow_account_summary)
    completed_orders = blocking(MarketMixin.flow_completed_orders)

    def submit_order(self, contract: Contract, order: Order, client_order_id: str | None = None,
                     timeout: float = 10.0) -> OrderTicket:
        """Send an order; return its ticket once TWS acknowledged it (OPEN_ORDER or ORDER_STATUS).

        ``client_order_id`` travels as ``orderRef``. Raises :class:`~ibwire.OrderRejected` when TWS
        rejects the order and :class:`~ibwire.RequestTimeout` when no acknowledgement comes."""
        return run_flow(self.flow_submit_order(contract, order, client_order_id, timeout))

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate()`` holds, re-checking after each Broker event; False on timeout."""
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
