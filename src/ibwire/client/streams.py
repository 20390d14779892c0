"""Event streams: a Broker's events as an iterator (sync) or an async iterator (AsyncBroker).

A stream starts when it is made, not when it is first iterated, so the documented pattern loses
nothing::

    events = broker.stream(OrderEvent, FillEvent)   # subscribe first ...
    ticket = broker.submit_order(...)               # ... then act
    for ev in events: ...                           # every event since the stream was made

What a stream keeps until it is read: order, fill, account, state and notice events complete and
in order; a :class:`~ibwire.client.ticker.Ticker` at most once (its values are always the newest,
so a slow reader sees the latest quote, not a backlog); consecutive ``TickersUpdated`` merged. A
stream ends once the Broker is disconnected, or dropped without reconnecting, and what it kept has
been read; the sync stream also ends after ``timeout`` seconds without an event.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import TYPE_CHECKING

from .state import ConnectionState, StateChanged
from .ticker import Ticker, TickersUpdated

if TYPE_CHECKING:
    from .core import BrokerCore

__all__ = ["EventStream", "AsyncEventStream"]


class _Buffer:
    """The events a stream received and has not yielded yet (see the module docstring)."""

    __slots__ = ("types", "items", "_tickers")

    def __init__(self, types: tuple[type, ...]) -> None:
        self.types = types
        self.items: collections.deque[object] = collections.deque()
        self._tickers: set[int] = set()

    def add(self, ev: object) -> None:
        if self.types and not isinstance(ev, self.types):
            return
        if isinstance(ev, Ticker):
            if id(ev) in self._tickers:
                return
            self._tickers.add(id(ev))
        elif isinstance(ev, TickersUpdated) and self.items and \
                isinstance(self.items[-1], TickersUpdated):
            merged = dict.fromkeys(self.items[-1].tickers)
            merged.update(dict.fromkeys(ev.tickers))
            self.items[-1] = TickersUpdated(tuple(merged))
            return
        self.items.append(ev)

    def pop(self) -> object:
        ev = self.items.popleft()
        if isinstance(ev, Ticker):
            self._tickers.discard(id(ev))
        return ev


def _ends(broker: BrokerCore, ev: object) -> bool:
    """The Broker went OFFLINE and will not come back by itself."""
    return (isinstance(ev, StateChanged) and ev.new is ConnectionState.OFFLINE
            and (not broker.reconnect or broker._closing))


class EventStream:
    """The sync Broker's events as an iterator (``broker.stream(*types, timeout=None)``).

    ``for ev in events`` yields the events of the given types (all when none) since the stream was
    made; it ends when the Broker is disconnected (or dropped without reconnecting) and everything
    kept was read, or after ``timeout`` seconds without an event (``timed_out`` then says so).
    Use it as a context manager, or call :meth:`close`, to stop receiving.
    """

    def __init__(self, broker: BrokerCore, types: tuple[type, ...],
                 timeout: float | None = None) -> None:
        self._broker = broker
        self._buffer = _Buffer(types)
        self._cond = threading.Condition(threading.Lock())
        self._ended = False
        self._closed = False
        self.timeout = timeout
        self.timed_out = False
        broker.add_listener(self._on_event)

    def _on_event(self, ev: object) -> None:  # the Broker's dispatcher thread
        with self._cond:
            self._buffer.add(ev)
            if _ends(self._broker, ev):
                self._ended = True
            self._cond.notify_all()

    def __iter__(self) -> EventStream:
        return self

    def __next__(self) -> object:
        buffer = self._buffer
        with self._cond:
            ready = self._cond.wait_for(
                lambda: bool(buffer.items) or self._ended or self._closed, self.timeout)
            if buffer.items:
                return buffer.pop()
            self.timed_out = not ready
        self.close()
        raise StopIteration

    def close(self) -> None:
        """Stop receiving events (iteration then ends once what was kept is read)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._broker.remove_listener(self._on_event)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncEventStream:
    """The AsyncBroker's events as an async iterator (``broker.stream(*types)``).

    ``async for ev in events`` yields the events of the given types (all when none) since the
    stream was made, until the Broker is disconnected (or dropped without reconnecting) and
    everything kept was read. :meth:`aclose` (or ``async with``) stops receiving.
    """

    def __init__(self, broker: BrokerCore, types: tuple[type, ...]) -> None:
        self._broker = broker
        self._buffer = _Buffer(types)
        self._ended = not broker._transport_connected() and not broker.reconnect
        self._closed = False
        self._waiter: asyncio.Future[None] | None = None
        broker.add_listener(self._on_event)

    def _on_event(self, ev: object) -> None:  # the event loop
        self._buffer.add(ev)
        if _ends(self._broker, ev):
            self._ended = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> AsyncEventStream:
        return self

    async def __anext__(self) -> object:
        buffer = self._buffer
        while not buffer.items:
            if self._ended or self._closed:
                await self.aclose()
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return buffer.pop()

    async def aclose(self) -> None:
        """Stop receiving events."""
        self._closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self._broker.remove_listener(self._on_event)

    async def __aenter__(self) -> AsyncEventStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
