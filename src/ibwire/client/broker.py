"""The synchronous Broker: request / response over a TWS API session, typed results.

A Broker owns one :class:`~ibwire.client.transport.Transport` (socket + reader thread) per
connection and one dispatcher thread for user code (see :class:`Broker` for the threading
contract). Public methods block the calling thread only. The Broker never touches an asyncio event
loop, so it works in scripts, worker threads, Jupyter and inside a running asyncio program's thread.

Every connect (the first, an explicit ``open()`` after a drop, or an automatic reconnect) ends with
the reconciliation of the order journal with TWS (:mod:`.reconcile`) before ``connect`` returns.
With ``reconnect=True`` a dropped connection is re-established by a background thread with capped
exponential backoff; error 326 (the client id still in use because TWS has not yet noticed the old
socket is gone) is answered by waiting and retrying with the same client id, never another one.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import ConnectError, ConnectionLost, IbwireError
from ..protocol.connection import ConnectionClosed
from ..protocol.schema import Message
from ..protocol.versions import MAX_VERSION
from .core import BrokerCore, Flow, flow_signature, step_in, step_out
from .flows import SyncFront
from .journal import Journal
from .news import NewsMixin
from .options import OptionsMixin
from .pacing import DEFAULT_MAX_RATE
from .reconcile import ReconcileMixin
from .requests import deferred_wakeups
from .scanner import ScannerMixin
from .streams import EventStream
from .ticker import Ticker, TickersUpdated
from .transport import DEFAULT_MAX_HELD, Transport

__all__ = ["Broker", "run_flow", "DEFAULT_MAX_LISTENER_BACKLOG"]

log = logging.getLogger("ibwire.broker")

P = ParamSpec("P")
T = TypeVar("T")


DEFAULT_MAX_LISTENER_BACKLOG = 10_000
"""Broker events (not ticker changes) waiting for the listeners at most before the reader waits."""


def run_flow(flow: Flow[T], core: BrokerCore | None = None) -> T:
    """Drive a flow to its end, blocking the calling thread on each wait. With ``core``, each step
    runs holding the core's lock, and a wait that times out goes on while the core says so
    (DEGRADED, or the request still in the pacer)."""
    lock: contextlib.AbstractContextManager[Any] = (
        core._core_lock if core is not None else contextlib.nullcontext())
    try:
        with lock:
            step = next(flow)
        while True:
            patience = core._patience() if core is not None else None
            ok = step.pending.wait(step.timeout)
            while not ok and patience is not None and patience.again():
                ok = step.pending.wait(step.timeout)
            with lock:
                step = flow.send(ok)
    except StopIteration as stop:
        result: T = stop.value
        return result


class _Outbox:
    """Broker events on their way from a connection's reader thread to the dispatcher thread.

    Events (orders, fills, account rows, state changes, notices ...) are kept in order and all
    delivered; after a read the reader waits while more than ``max_events`` wait (backpressure).
    Changed tickers are a set: a ticker changed again before the dispatcher got to it is announced
    once, so a slow listener costs neither memory nor the reader's time.
    """

    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self._cond = threading.Condition(threading.Lock())
        self._events: collections.deque[object] = collections.deque()
        self._tickers: dict[int, Ticker] = {}
        self.closed = False  # the connection ended: the dispatcher ends after the last event
        self._unblocked = False
        self.waits = 0

    @property
    def depth(self) -> int:
        return len(self._events)

    def put(self, event: object) -> bool:
        """Queue ``event``; False when the dispatcher has ended (nothing more is taken)."""
        with self._cond:
            if self.closed:
                return False
            self._events.append(event)
            self._cond.notify_all()
            return True

    def tickers_changed(self, tickers: list[Ticker]) -> None:
        with self._cond:
            pending = self._tickers
            for t in tickers:
                pending[id(t)] = t
            self._cond.notify_all()

    def wait_room(self) -> None:
        """Wait (the reader, after a read) while too many events wait for the listeners."""
        if len(self._events) <= self.max_events:
            return
        with self._cond:
            self.waits += 1
            while len(self._events) > self.max_events and not self._unblocked:
                self._cond.wait()

    def take(self) -> tuple[list[object], list[Ticker]] | None:
        """Everything waiting (events in order, then changed tickers); None once closed and empty."""
        with self._cond:
            while not self._events and not self._tickers:
                if self.closed:
                    return None
                self._cond.wait()
            events = list(self._events)
            self._events.clear()
            tickers = list(self._tickers.values())
            self._tickers.clear()
            self._cond.notify_all()
            return events, tickers

    def close(self) -> None:
        with self._cond:
            self.closed = self._unblocked = True
            self._cond.notify_all()

    def unblock(self) -> None:
        """The connection is closing: the reader no longer waits for room."""
        with self._cond:
            self._unblocked = True
            self._cond.notify_all()


def blocking(fn: Callable[Concatenate[Any, P], Flow[T]]) -> Callable[Concatenate[Any, P], T]:
    """Turn a core flow method into a blocking method with the same signature and docstring."""
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return run_flow(fn(self, *args, **kwargs), self)
    name = fn.__name__.removeprefix("flow_")
    method.__name__, method.__qualname__, method.__doc__ = name, name, fn.__doc__
    method.__signature__ = flow_signature(fn)  # type: ignore[attr-defined]
    return method


class Broker(SyncFront, OptionsMixin, ReconcileMixin, ScannerMixin, NewsMixin):
    """A synchronous TWS client. ``Broker.connect(host, port, client_id)`` blocks until the session is
    ready; every method sends a request and returns its typed reply (or raises).

    Threading contract:

    * Methods may be called from any thread; each blocks only its caller.
    * One reader thread per connection reads the socket, decodes, updates the session state
      (tickets, fills, Tickers, account rows) and completes the waiting requests itself: a reply
      reaches the waiting caller with one thread hop and never waits behind user code. Callers
      whose requests a read completed are woken when that read is handled and the lock below is
      free, so a woken caller does not wait for the reader again.
    * The session state is touched by one thread at a time, under ``_core_lock``: the reader holds
      it while it handles one read's events, a calling thread while its request runs a step
      (between two waits). User code never runs under it.
    * Listeners (:meth:`add_listener`) run on one dispatcher thread, never on the reader, one at a
      time. Order, fill, account, state and notice events reach them complete and in the order
      they happened. Tickers are state: a listener is told which Tickers changed, each once per
      read (or less often when it is slower than the reader; the Ticker always holds the latest
      values), so a slow listener neither grows memory nor delays replies.
    * Every queue is bounded: at most ``max_listener_backlog`` events wait for the listeners (then
      the reader waits, and TCP makes TWS wait); ``pacer.max_queue`` messages wait for a pacing
      slot and ``max_held`` requests for the session to be ready (then the caller waits). Nothing
      is dropped.
    """

    max_listener_backlog = DEFAULT_MAX_LISTENER_BACKLOG
    """Events waiting for the listeners at most (set before connecting)."""
    max_held = DEFAULT_MAX_HELD
    """Requests held until the session is ready at most (set before connecting)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                 timeout: float = 10.0, *, journal: str | Path | Journal | None = None,
                 reconnect: bool = False, max_rate: float = DEFAULT_MAX_RATE,
                 max_version: int = MAX_VERSION) -> None:
        self._outbox = _Outbox(self.max_listener_backlog)
        super().__init__(host, port, client_id, timeout, journal=journal, reconnect=reconnect,
                         max_rate=max_rate, max_version=max_version)
        self._transport: Transport | None = None
        self._dispatcher: threading.Thread | None = None
        self._reconnector: threading.Thread | None = None
        self._dispatching: _Outbox | None = None
        self._stop = threading.Event()
        self._open_lock = threading.Lock()
        self._established = False  # the last connect completed (a drop then means: reconnect)

    # --- connecting ---------------------------------------------------------------------------

    @classmethod
    def connect(cls, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                timeout: float = 10.0, *, journal: str | Path | Journal | None = None,
                reconnect: bool = False, max_rate: float = DEFAULT_MAX_RATE,
                max_version: int = MAX_VERSION) -> Broker:
        """Connect and block until the session is ready (NEXT_VALID_ID and MANAGED_ACCTS seen) and
        the order journal is reconciled with TWS.

        ``journal``: a file (SQLite) recording every order intent before it is sent, its status
        changes, executions and commissions; a restart with the same file resumes them and
        ``submit_order`` with a known ``client_order_id`` never sends a second order. Without it the
        same bookkeeping lives in memory for the Broker's lifetime.
        ``reconnect``: re-establish a dropped connection automatically (capped exponential backoff,
        326 waited out with the same client id), then reconcile and resubscribe. Default off.
        ``max_rate``: outgoing messages per second (TWS allows 50; ``broker.pacer`` shows the queue).
        ``max_version``: offer server versions up to this one only (default
        :data:`~ibwire.protocol.versions.MAX_VERSION`), e.g. 178 to talk as ib_async does.

        Raises :class:`~ibwire.ConnectError` (code 502 when TWS cannot be reached, 503 when its
        version is out of range, 326 when the client id is in use) -- never hangs past ``timeout``.
        """
        broker = cls(host, port, client_id, timeout, journal=journal, reconnect=reconnect,
                     max_rate=max_rate, max_version=max_version)
        try:
            broker.open()
        except BaseException:
            if not isinstance(journal, Journal):
                broker.journal.close()
            raise
        return broker

    def open(self) -> None:
        """Connect this Broker (``connect`` does it for you; also reconnects after a drop)."""
        if self._transport is not None and self._transport.is_connected():
            raise IbwireError("already connected")
        self._closing = False
        self._stop.clear()
        if not self.reconnect:
            self._open_once()
            return
        deadline = time.monotonic() + self.timeout
        delay = self.reconnect_initial_delay
        while True:  # with reconnect=True, 326 at connect is waited out too
            try:
                self._open_once()
                return
            except ConnectError as exc:
                left = deadline - time.monotonic()
                if exc.code != 326 or left <= delay:
                    raise
                log.warning("client id %d is still in use at %s:%s (TWS has not released the old "
                            "socket yet); retrying in %.2f s", self.client_id, self.host,
                            self.port, delay)
                if self._stop.wait(delay):
                    raise
                delay = min(delay * 2, self.reconnect_max_delay)

    def _open_once(self) -> None:
        with self._open_lock:
            self._established = False
            outbox = self._outbox
            if outbox.closed:
                outbox = self._outbox = _Outbox(self.max_listener_backlog)
            d = self._dispatcher
            if d is None or not d.is_alive() or outbox is not self._dispatching:
                self._dispatching = outbox
                self._dispatcher = threading.Thread(
                    target=self._dispatch_loop, args=(outbox, d),
                    name=f"ibwire-dispatch-{self.client_id}", daemon=True)
                self._dispatcher.start()
            session = self._begin_session()
            transport = Transport(self.host, self.port, self.client_id, timeout=self.timeout,
                                  max_version=self.max_version,
                                  pacer=self.pacer, max_held=self.max_held,
                                  on_events=functools.partial(self._on_read, outbox))
            try:
                transport.connect()
            except ConnectError as exc:
                self._set_state(self.state.OFFLINE, str(exc), exc.code)
                outbox.close()
                raise
            self._transport = transport
            try:
                if not session.wait(self.timeout) or session.error is not None:
                    raise session.error or ConnectError(
                        f"TWS at {self.host}:{self.port} completed the handshake but sent no "
                        f"nextValidId and managedAccounts within {self.timeout:g} s.", code=502,
                        host=self.host, port=self.port)
                run_flow(self.flow_reconcile(), self)
            except BaseException:
                self._close_transport()
                raise
            with self._core_lock:
                self._resubscribe(new_connection=True)
            self._established = True

    def __enter__(self) -> Broker:
        if self._transport is None:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def disconnect(self) -> None:
        """Close the connection. Returns once the socket is closed and every pending request has
        failed with ConnectionLost, so the same client id can connect again at once. Stops
        reconnecting, and closes the journal file (``open()`` opens it again)."""
        self._closing = True
        self._stop.set()
        self._close_transport()
        r = self._reconnector
        if r is not None and r is not threading.current_thread():
            r.join(timeout=self.timeout + 5.0)
            self._close_transport()  # in case an attempt was connecting meanwhile
        self._outbox.close()
        d = self._dispatcher
        if d is not None and d is not threading.current_thread():
            d.join(timeout=5.0)  # listeners hear everything that happened before this returns
        # tickets that were waiting for a reconnect learn that none will come
        with self._core_lock:
            self._connection_lost(ConnectionLost(f"disconnected from {self.host}:{self.port}"))
        if self._journal_spec is not None and not isinstance(self._journal_spec, Journal):
            self.journal.close()

    def _close_transport(self) -> None:
        transport = self._transport
        if transport is None:
            return
        self._outbox.unblock()  # the reader must not wait for the listeners now
        transport.close()

    # --- the reader and the dispatcher --------------------------------------------------------

    def _on_read(self, outbox: _Outbox, events: list[Any]) -> None:
        """On the reader thread: handle one read's events (replies complete their requests here),
        then hand what listeners hear to the dispatcher."""
        with deferred_wakeups(), self._core_lock:  # callers wake once the lock is free
            self.handle_batch(events)
        if type(events[-1]) is ConnectionClosed:  # (always the last event of a connection)
            outbox.close()
            self._after_close()
        else:
            outbox.wait_room()

    def _emit(self, event: object) -> None:
        if self._listeners and not self._outbox.put(event):
            self._deliver(event)  # no dispatcher any more (disconnected): tell them here

    def _tickers_changed(self, tickers: list[Any]) -> None:
        self._outbox.tickers_changed(tickers)

    def _dispatch_loop(self, outbox: _Outbox, before: threading.Thread | None) -> None:
        """The dispatcher thread: listeners, in order, one at a time."""
        if before is not None and before is not threading.current_thread():
            before.join()  # the previous connection's events go first
        deliver = self._deliver
        while True:
            got = outbox.take()
            if got is None:
                return
            events, tickers = got
            for ev in events:
                deliver(ev)
            if tickers:
                for t in tickers:
                    deliver(t)
                deliver(TickersUpdated(tuple(tickers)))

    def _after_close(self) -> None:
        """On the reader thread, after a connection ended: start reconnecting if asked to."""
        if not self.reconnect or self._closing or not self._established:
            return  # off, deliberate, or a connect attempt that failed (its caller retries)
        r = self._reconnector
        if r is not None and r.is_alive():
            return
        self._reconnector = threading.Thread(target=self._reconnect_loop,
                                             name=f"ibwire-reconnect-{self.client_id}", daemon=True)
        self._reconnector.start()

    def _reconnect_loop(self) -> None:
        delay = self.reconnect_initial_delay
        attempt = 0
        while not self._closing:
            if self._stop.wait(delay):
                return
            attempt += 1
            try:
                self._open_once()
            except ConnectError as exc:
                if exc.code == 326:
                    log.warning("reconnect %d: client id %d still in use (TWS has not released "
                                "the old socket yet); waiting, same client id", attempt,
                                self.client_id)
                else:
                    log.warning("reconnect %d to %s:%s failed: %s", attempt, self.host, self.port,
                                exc)
            except IbwireError as exc:
                log.warning("reconnect %d to %s:%s failed: %s", attempt, self.host, self.port, exc)
            else:
                if self._closing:
                    self._close_transport()
                log.info("reconnected to %s:%s after %d attempt(s)", self.host, self.port, attempt)
                return
            delay = min(delay * 2, self.reconnect_max_delay)

    def _send(self, msg: Message) -> None:
        transport = self._transport
        if transport is None:
            raise ConnectionLost(f"not connected to {self.host}:{self.port} (error 504)")
        if self.pacer.full and transport._may_wait():  # it waits for room: let the reader go on
            held = step_out(self._core_lock)
            try:
                transport.send(msg)
            finally:
                step_in(self._core_lock, held)
            return
        transport.send(msg)

    def _transport_connected(self) -> bool:
        return self._transport is not None and self._transport.is_connected()

    # --- requests: every flow of client/flows.py, blocking ----------------------------------------

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        return blocking(fn)

    def stream(self, *types: type, timeout: float | None = None) -> EventStream:
        """Broker events of the given types (all when none) as an iterator, from now on:
        ``events = broker.stream(OrderEvent, FillEvent, timeout=60)``, then act, then
        ``for ev in events``; nothing that happens in between is lost. Ends when disconnected
        (or dropped without reconnecting), or after ``timeout`` seconds without an event (see
        :mod:`ibwire.client.streams`). ``with broker.stream(...) as events:`` stops it after."""
        return EventStream(self, types, timeout)

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
