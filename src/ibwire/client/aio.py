"""AsyncBroker: the Broker's API on the caller's running asyncio loop -- every method that talks to
TWS is a coroutine, local state is read as on the Broker (see :class:`AsyncBroker`).

It uses a plain :class:`asyncio.Protocol` (no threads, no nest_asyncio, no global loop patching) that
feeds the sans-I/O core and hands events to the same session logic and request flows as the sync
Broker, so both behave alike. Streams (order updates, fills, notices, state changes, tickers) are
async iterators that start when made: ``events = broker.stream(OrderEvent, FillEvent)``, act, then
``async for event in events: ...``.

Journal, reconciliation, pacing and ``reconnect=True`` work as in the sync Broker: the pacer's queue
is drained with ``loop.call_later`` and reconnecting is a task on the caller's loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import (
    CONNECT_ADVICE,
    ConnectError,
    ConnectionLost,
    IbwireError,
    ProtocolError,
    RequestTimeout,
)
from ..protocol.connection import (
    Connection,
    ConnectionClosed,
    HandshakeComplete,
    Role,
    SessionReady,
)
from ..protocol.messages.system import StartApi
from ..protocol.schema import Message
from ..protocol.versions import MAX_VERSION
from .book import OrderBook
from .core import BrokerCore, Flow, flow_signature
from .depth import DepthMixin
from .feeds import NewsFeed, ScanSubscription
from .flows import AsyncFront
from .journal import Journal
from .market import MarketMixin
from .news import NewsMixin
from .options import OptionsMixin
from .orders import OrdersMixin
from .pacing import DEFAULT_MAX_RATE
from .pnl import PnL, PnLMixin, PnLSingle
from .reconcile import ReconcileMixin
from .requests import Pending
from .scanner import ScannerMixin
from .streams import AsyncEventStream
from .ticker import Ticker
from .tickets import OrderTicket
from .transport import DEFAULT_MAX_HELD, READ_SIZE

__all__ = ["AsyncBroker"]

log = logging.getLogger("ibwire.broker")

P = ParamSpec("P")
T = TypeVar("T")


async def _wait_pending(pending: Pending[Any], timeout: float) -> bool:
    if pending.done:
        return True
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not fut.done():
            fut.set_result(None)

    def schedule() -> None:
        loop.call_soon_threadsafe(wake)

    pending.add_callback(schedule)
    try:
        await asyncio.wait_for(fut, timeout)
    except TimeoutError:
        return pending.done
    return True


async def _room(core: BrokerCore) -> None:
    """Wait while the pacer's queue is full, or while ``max_held`` requests wait for the session to
    be ready (the loop cannot block a sender: a flow or ``send()`` waits here before it sends)."""
    if isinstance(core, AsyncBroker):
        proto = core._proto
        while (proto is not None and not proto.ready and not proto.closed.done()
               and len(proto.held) >= core.max_held):
            await proto.ready_or_closed.wait()
    pacer = core.pacer
    while pacer.full and core._transport_connected():
        due = pacer.next_due(time.monotonic())
        await asyncio.sleep(max(due or 0.0, 0.01))


async def arun_flow(flow: Flow[T], core: BrokerCore | None = None) -> T:
    """Drive a flow to its end, awaiting each wait (extended while ``core`` says so, like the sync
    driver); each step waits first while the pacer's queue is full."""
    try:
        if core is not None:
            await _room(core)
        step = next(flow)
        while True:
            patience = core._patience() if core is not None else None
            ok = await _wait_pending(step.pending, step.timeout)
            while not ok and patience is not None and patience.again():
                ok = await _wait_pending(step.pending, step.timeout)
            if core is not None and core.pacer.full:
                await _room(core)
            step = flow.send(ok)
    except StopIteration as stop:
        result: T = stop.value
        return result


def awaitable(fn: Callable[Concatenate[Any, P], Flow[T]]
              ) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """Turn a core flow method into a coroutine method with the same signature and docstring."""
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await arun_flow(fn(self, *args, **kwargs), self)
    name = fn.__name__.removeprefix("flow_")
    method.__name__, method.__qualname__, method.__doc__ = name, name, fn.__doc__
    method.__signature__ = flow_signature(fn)  # type: ignore[attr-defined]
    return method


class _Protocol(asyncio.BufferedProtocol):
    """The connection: the loop reads into one buffer allocated once (``get_buffer``), as the
    threaded transport does (see ``client/transport.py``'s ``READ_SIZE``), instead of a fresh
    256 KiB object per read."""

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker
        self._view = memoryview(bytearray(READ_SIZE))
        self.conn = Connection(Role.CLIENT, max_version=broker.max_version)
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.handshake: asyncio.Future[HandshakeComplete] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.ready = False
        self.ready_or_closed = asyncio.Event()
        """Set when the session is ready (held requests go out) or the connection ended."""
        self.held: list[Message] = []
        self.cause: BaseException | None = None
        self._drain: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.conn.initiate())

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._view[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except Exception as exc:  # framing broke (or a bug): fail this connection, never silently
            if not isinstance(exc, ConnectError | ProtocolError):
                log.exception("cannot read from %s:%s", self.broker.host, self.broker.port)
            self.cause = exc
            if not self.handshake.done():
                self.handshake.set_exception(exc)
            assert self.transport is not None
            self.transport.abort()
            return
        broker = self.broker
        changed = broker._begin_batch()  # a ticker changed by several events is announced once
        try:
            for ev in events:
                if isinstance(ev, HandshakeComplete):
                    if not self.handshake.done():
                        self.handshake.set_result(ev)
                    self.write(self.conn.start_api(broker.client_id))
                elif isinstance(ev, SessionReady):
                    self.ready = True
                    self.ready_or_closed.set()
                    held, self.held = self.held, []
                    for msg in held:
                        self._submit(msg)
                broker.handle(ev)
        finally:
            broker._end_batch(changed)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None
        self.broker.pacer.clear()
        cause = exc or self.cause
        if not self.handshake.done():
            self.handshake.set_exception(ConnectError(
                f"TWS at {self.broker.host}:{self.broker.port} closed the connection during the "
                f"handshake (error 502). {CONNECT_ADVICE}", code=502))
        if not self.closed.done():
            self.closed.set_result(None)
        self.ready_or_closed.set()
        self.conn.close()
        self.broker.handle(ConnectionClosed(cause))
        self.broker._after_close(self)

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionLost("not connected (error 504)")
        self.transport.write(data)

    def send(self, msg: Message) -> None:
        if self.closed.done():
            raise ConnectionLost(f"not connected (error 504): cannot send {type(msg).__name__}")
        if not self.ready and not isinstance(msg, StartApi):
            self.held.append(msg)
            return
        self._submit(msg)

    def _submit(self, msg: Message) -> None:
        data = self.conn.send(msg)
        pacer = self.broker.pacer
        if isinstance(msg, StartApi) or pacer.submit(data, time.monotonic(), msg):
            self.write(data)
        else:
            self._schedule_drain()

    def _schedule_drain(self) -> None:
        if self._drain is not None or self.closed.done():
            return
        wait = self.broker.pacer.next_due(time.monotonic())
        if wait is not None:
            self._drain = asyncio.get_running_loop().call_later(wait, self._drain_queue)

    def _drain_queue(self) -> None:
        self._drain = None
        if self.closed.done():
            return
        try:
            for data in self.broker.pacer.take_due(time.monotonic()):
                self.write(data)
        except ConnectionLost:
            return
        self._schedule_drain()


class AsyncBroker(AsyncFront, OptionsMixin, ReconcileMixin, ScannerMixin, NewsMixin):
    """The Broker's API on the caller's asyncio loop: ``broker = await AsyncBroker.connect(host,
    port, client_id)``.

    The rule: every method that talks to TWS (requests, orders, cancels, subscriptions, ``send``,
    ``open`` / ``disconnect``) is a coroutine here and blocks on :class:`~ibwire.Broker`; what only
    reads the state the broker keeps is the same on both and never awaited: the properties
    ``tickets``, ``fills``, ``tickers``, ``accounts``, ``state``, ``server_version``, ``pacer``,
    ``journal``; the plain methods ``ticket(order_id)``, ``ticket_by_client_order_id(ref)``,
    ``is_connected()``, ``add_listener`` / ``remove_listener`` and ``stream(*types)`` (an async
    iterator). (``broker.fills()``, ``tickets()``, ``tickers()`` still work, deprecated.)

    A ticket waits by awaiting: ``await ticket.acked()``, ``await ticket.done()``, ``async for ev
    in ticket.events()`` (every event of the order, from its first, whenever called). A blocking
    wait (``ticket.wait_done()``, ``ticket.wait_for()``, ``ticker.wait_update()``) called on this
    loop's thread would stall the loop that delivers its events: it raises
    :class:`~ibwire.client.tickets.BlockingCallOnLoop` at once, naming what to await instead.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                 timeout: float = 10.0, *, journal: str | Path | Journal | None = None,
                 reconnect: bool = False, max_rate: float = DEFAULT_MAX_RATE,
                 max_version: int = MAX_VERSION) -> None:
        super().__init__(host, port, client_id, timeout, journal=journal, reconnect=reconnect,
                         max_rate=max_rate, max_version=max_version)
        self._proto: _Protocol | None = None
        self.max_held = DEFAULT_MAX_HELD
        """Requests held at most before the session is ready; more wait (nothing is dropped)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        """The loop that delivers this broker's events (a blocking wait on its thread fails)."""
        self._reconnector: asyncio.Task[None] | None = None
        self._established = False

    @classmethod
    async def connect(cls, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                      timeout: float = 10.0, *, journal: str | Path | Journal | None = None,
                      reconnect: bool = False, max_rate: float = DEFAULT_MAX_RATE,
                      max_version: int = MAX_VERSION) -> AsyncBroker:
        """Connect and return once the session is ready and the journal reconciled; raises
        ConnectError like Broker.connect (same ``journal``, ``reconnect``, ``max_rate`` and
        ``max_version``)."""
        broker = cls(host, port, client_id, timeout, journal=journal, reconnect=reconnect,
                     max_rate=max_rate, max_version=max_version)
        try:
            await broker.open()
        except BaseException:
            if not isinstance(journal, Journal):
                broker.journal.close()
            raise
        return broker

    async def open(self) -> None:
        """Connect this broker (``connect`` does it; also reconnects after a drop)."""
        if self._proto is not None and not self._proto.closed.done():
            raise IbwireError("already connected")
        self._closing = False
        if not self.reconnect:
            await self._open_once()
            return
        deadline = time.monotonic() + self.timeout
        delay = self.reconnect_initial_delay
        while True:  # with reconnect=True, 326 at connect is waited out too
            try:
                await self._open_once()
                return
            except ConnectError as exc:
                if exc.code != 326 or deadline - time.monotonic() <= delay or self._closing:
                    raise
                log.warning("client id %d is still in use at %s:%s; retrying in %.2f s",
                            self.client_id, self.host, self.port, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)

    async def _open_once(self) -> None:
        self._established = False
        self._loop = asyncio.get_running_loop()
        session = self._begin_session()
        loop = asyncio.get_running_loop()
        where = f"{self.host}:{self.port}"
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(lambda: _Protocol(self), self.host, self.port), self.timeout)
        except TimeoutError:
            self._set_state(self.state.OFFLINE, "connect timed out", 502)
            raise ConnectError(f"Couldn't connect to TWS at {where} (error 502): no answer within "
                               f"{self.timeout:g} s. {CONNECT_ADVICE}", code=502, host=self.host,
                               port=self.port) from None
        except OSError as exc:
            self._set_state(self.state.OFFLINE, str(exc), 502)
            raise ConnectError(f"Couldn't connect to TWS at {where} (error 502): "
                               f"{exc.strerror or exc}. {CONNECT_ADVICE}", code=502, host=self.host,
                               port=self.port) from None
        self._proto = proto
        try:
            await asyncio.wait_for(asyncio.shield(proto.handshake), self.timeout)
            if not await _wait_pending(session, self.timeout):
                raise ConnectError(
                    f"TWS at {where} completed the handshake but sent no nextValidId and "
                    f"managedAccounts within {self.timeout:g} s.", code=502, host=self.host,
                    port=self.port)
            session.check()
            await arun_flow(self.flow_reconcile(), self)
        except BaseException as exc:
            await self._close_transport()
            if isinstance(exc, TimeoutError):
                raise ConnectError(f"TWS at {where} sent no handshake within {self.timeout:g} s "
                                   f"(error 502). {CONNECT_ADVICE}", code=502, host=self.host,
                                   port=self.port) from None
            if isinstance(exc, ConnectError):
                exc.host, exc.port = self.host, self.port
            raise
        self._resubscribe(new_connection=True)
        self._established = True

    async def __aenter__(self) -> AsyncBroker:
        if self._proto is None:
            await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    async def disconnect(self) -> None:
        """Close the connection; returns once the socket is closed. Stops reconnecting and closes
        the journal file (``open()`` opens it again)."""
        self._closing = True
        task = self._reconnector
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, IbwireError):
                pass
        await self._close_transport()
        self._connection_lost(ConnectionLost(f"disconnected from {self.host}:{self.port}"))
        if self._journal_spec is not None and not isinstance(self._journal_spec, Journal):
            self.journal.close()

    async def _close_transport(self) -> None:
        proto = self._proto
        if proto is None or proto.transport is None:
            return
        proto.transport.close()
        await asyncio.shield(proto.closed)

    def _after_close(self, proto: _Protocol) -> None:
        """A connection ended: start reconnecting if asked to (on the loop)."""
        if proto is not self._proto or not self.reconnect or self._closing or not self._established:
            return
        if self._reconnector is not None and not self._reconnector.done():
            return
        self._reconnector = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        delay = self.reconnect_initial_delay
        attempt = 0
        while not self._closing:
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await self._open_once()
            except ConnectError as exc:
                if exc.code == 326:
                    log.warning("reconnect %d: client id %d still in use (TWS has not released "
                                "the old socket yet); waiting, same client id", attempt,
                                self.client_id)
                else:
                    log.warning("reconnect %d failed: %s", attempt, exc)
            except IbwireError as exc:
                log.warning("reconnect %d failed: %s", attempt, exc)
            else:
                log.info("reconnected to %s:%s after %d attempt(s)", self.host, self.port, attempt)
                return
            delay = min(delay * 2, self.reconnect_max_delay)

    def _send(self, msg: Message) -> None:
        if self._proto is None:
            raise ConnectionLost(f"not connected to {self.host}:{self.port} (error 504)")
        self._proto.send(msg)

    def _transport_connected(self) -> bool:
        return self._proto is not None and not self._proto.closed.done()

    # --- requests: every flow of client/flows.py, as coroutines ---------------------------------

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        return awaitable(fn)

    async def cancel_market_depth(self, book: OrderBook) -> None:  # type: ignore[override]
        """Stop a book made with ``market_depth``."""
        DepthMixin.cancel_market_depth(self, book)

    async def cancel_pnl(self, pnl: PnL | PnLSingle) -> None:  # type: ignore[override]
        """Stop a subscription made with ``pnl`` or ``pnl_single`` (PnL, issue 14)."""
        PnLMixin.cancel_pnl(self, pnl)

    async def global_cancel(self) -> None:  # type: ignore[override]
        """Cancel every open order of every client and of TWS itself (REQ_GLOBAL_CANCEL)."""
        OrdersMixin.global_cancel(self)

    async def auto_open_orders(self, auto_bind: bool = True) -> None:  # type: ignore[override]
        """Client id 0 only: bind orders entered in TWS to this client and hear them live (see
        Broker.auto_open_orders)."""
        OrdersMixin.auto_open_orders(self, auto_bind)

    async def cancel_market_data(self, ticker: Ticker) -> None:  # type: ignore[override]
        """Stop a subscription made with ``market_data``."""
        MarketMixin.cancel_market_data(self, ticker)

    async def set_market_data_type(self, market_data_type: int) -> None:  # type: ignore[override]
        """1 live, 2 frozen, 3 delayed, 4 delayed frozen (applies to later subscriptions)."""
        MarketMixin.set_market_data_type(self, market_data_type)

    # scanner and news (issue 15)
    async def cancel_scan(self, sub: ScanSubscription) -> None:  # type: ignore[override]
        """Stop a live scan made with ``scan_subscription``."""
        ScannerMixin.cancel_scan(self, sub)

    async def cancel_news(self, feed: NewsFeed) -> None:  # type: ignore[override]
        """Stop a news feed made with ``news``."""
        NewsMixin.cancel_news(self, feed)

    async def cancel_news_bulletins(self) -> None:  # type: ignore[override]
        """Stop the bulletins."""
        NewsMixin.cancel_news_bulletins(self)

    async def wait_done(self, ticket: OrderTicket, timeout: float = 30.0) -> OrderTicket:
        """Wait until the order is Filled, Cancelled, ApiCancelled or Inactive (the same as
        ``await ticket.done(timeout)``)."""
        return await ticket.done(timeout)

    async def send(self, msg: Message) -> None:  # type: ignore[override]
        """Send a raw protocol message (advanced use). Waits while the pacer's queue is full or
        ``max_held`` messages wait for the session to be ready; nothing is dropped."""
        await _room(self)
        self._send(msg)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float,
                       what: str = "condition") -> None:
        """Wait until ``predicate()`` holds, re-checking after each Broker event."""
        if predicate():
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def check(_: object) -> None:
            if not fut.done() and predicate():
                fut.set_result(None)

        self.add_listener(check)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            if not predicate():
                raise RequestTimeout(what, timeout) from None
        finally:
            self.remove_listener(check)

    def stream(self, *types: type) -> AsyncEventStream:
        """Broker events of the given types (all when none), from now until disconnected:
        ``events = broker.stream(FillEvent)``, then act, then ``async for ev in events``; nothing
        that happens in between is lost (see :mod:`ibwire.client.streams`)."""
        return AsyncEventStream(self, types)
