"""A live subscription's items as an iterator (Broker) or an async iterator (AsyncBroker).

:class:`LiveStream` is what ``broker.tick_by_tick(...)`` and ``broker.realtime_bars(...)`` return:
the subscription (its request id, contract, the items received so far in :attr:`items`) and the
stream of its items from the moment it was made, so nothing is lost between the call and the
loop::

    with broker.tick_by_tick(Stock("AAPL"), "BidAsk") as ticks:   # sync Broker
        for tick in ticks: ...

    async with await broker.tick_by_tick(Stock("AAPL"), "Last") as ticks:   # AsyncBroker
        async for tick in ticks: ...

Iteration ends when the subscription is closed (``close()`` / ``aclose()``, which cancel it at
TWS) or the Broker disconnects, after what was received has been read; a TWS error for the request
(an unknown contract, a subscription limit) is raised from the iterator. The sync iterator also
ends after ``timeout`` seconds without an item (:attr:`timed_out` says so).
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..models import Contract

__all__ = ["LiveStream"]

T = TypeVar("T")

KEEP = 10_000
"""Items a stream keeps in :attr:`LiveStream.items` (the newest)."""


class LiveStream(Generic[T]):
    """One live subscription (tick-by-tick ticks or 5-second bars) and its items."""

    def __init__(self, kind: str, contract: Contract, req_id: int,
                 cancel: Callable[[LiveStream[Any]], None], timeout: float | None = None) -> None:
        self.kind = kind
        self.contract = contract
        self.req_id = req_id
        self.items: collections.deque[T] = collections.deque(maxlen=KEEP)
        """The newest items received (at most :data:`KEEP`)."""
        self.error: Exception | None = None
        self.active = True
        self.timeout = timeout
        self.timed_out = False
        self.updates = 0
        self._unread: collections.deque[T] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._sleepers = 0  # threads waiting in __next__
        self._waiter: asyncio.Future[None] | None = None
        self._cancel = cancel

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return (f"LiveStream({self.kind} {self.contract.symbol or self.contract.con_id}, "
                f"req {self.req_id}, {state}, {self.updates} items)")

    # --- the Broker's side ------------------------------------------------------------------------

    def _push(self, item: T) -> None:
        with self._cond:
            self.items.append(item)
            self._unread.append(item)
            self.updates += 1
            if self._sleepers:
                self._cond.notify_all()
        if self._waiter is not None:
            self._wake()

    def _end(self, error: Exception | None = None) -> None:
        with self._cond:
            if error is not None and self.error is None:
                self.error = error
            self.active = False
            self._cond.notify_all()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            loop = waiter.get_loop()
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                waiter.set_result(None)
            else:
                loop.call_soon_threadsafe(_resolve, waiter)

    # --- sync -------------------------------------------------------------------------------------

    def __iter__(self) -> LiveStream[T]:
        return self

    def __next__(self) -> T:
        with self._cond:
            if self._unread:
                return self._unread.popleft()
            self._sleepers += 1
            try:
                ready = self._cond.wait_for(lambda: bool(self._unread) or not self.active,
                                            self.timeout)
            finally:
                self._sleepers -= 1
            if self._unread:
                return self._unread.popleft()
            self.timed_out = not ready
            error = self.error
        if error is not None:
            raise error
        raise StopIteration

    def close(self) -> None:
        """Cancel the subscription at TWS (once) and end the iteration."""
        if self.active:
            self._end()
            self._cancel(self)

    def __enter__(self) -> LiveStream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- async ------------------------------------------------------------------------------------

    def __aiter__(self) -> LiveStream[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            with self._cond:
                if self._unread:
                    return self._unread.popleft()
                if not self.active:
                    error = self.error
                    break
                self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if error is not None:
            raise error
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Cancel the subscription at TWS (once) and end the iteration."""
        self.close()

    async def __aenter__(self) -> LiveStream[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
