"""Correlation of requests and replies: one registry per connection.

Each pending request has a name (for error messages), a key (a request id, or a singleton name for
requests TWS answers without an id, such as positions), the rows collected so far and a completion
event. Replies, end markers, errors and decode failures are routed to it by the dispatcher; a dropped
connection fails every pending request at once.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..errors import ConnectionLost, IbwireError, RequestTimeout

__all__ = ["Pending", "Registry", "deferred_wakeups"]

T = TypeVar("T")

REQ_ID_BASE = 10_000_000
"""Request ids start here so they never collide with order ids in ERR_MSG routing."""


_SETTLE = threading.Lock()  # finishing or failing a request: one thread wins
_deferred = threading.local()  # .woken: requests settled in this thread's batch, not yet woken


class deferred_wakeups:  # noqa: N801 (a context manager used like a function)
    """Within ``with deferred_wakeups():``, requests this thread finishes or fails are marked done
    at once but their waiting callers are woken only when the block ends.

    The sync Broker's reader handles a read's events holding the core lock; a caller woken inside
    that block would wake only to wait for the lock again (a second thread hop on the round trip).
    Leaving the block after the lock is released wakes each caller once, with the lock free.
    """

    __slots__ = ("_woken", "_outer")

    def __enter__(self) -> None:
        self._outer = getattr(_deferred, "woken", None)
        self._woken: list[Pending[Any]] = []
        _deferred.woken = self._woken

    def __exit__(self, *exc: object) -> None:
        _deferred.woken = self._outer
        for p in self._woken:
            p._wake()


class Pending(Generic[T]):
    """One request waiting for its reply.

    Completion is a one-shot latch (a plain lock held until the request is done, released once):
    the thread that decodes the reply wakes the waiting caller with one lock release, cheaper on
    the round-trip path than an Event's condition variable.
    """

    __slots__ = ("name", "key", "rows", "result", "error", "_is_done", "_latch", "extra",
                 "_callbacks")

    def __init__(self, name: str, key: int | str) -> None:
        self.name = name
        self.key = key
        self.rows: list[T] = []
        self.result: Any = None
        self.error: BaseException | None = None
        self.extra: dict[str, Any] = {}
        self._is_done = False
        self._latch = threading.Lock()
        self._latch.acquire()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def done(self) -> bool:
        return self._is_done

    def _settle(self, result: Any, error: BaseException | None) -> None:
        with _SETTLE:
            if self._is_done:
                return
            self.result, self.error = result, error
            self._is_done = True
        woken = getattr(_deferred, "woken", None)
        if woken is not None:
            woken.append(self)
        else:
            self._wake()

    def _wake(self) -> None:
        self._latch.release()
        self._run_callbacks()

    def finish(self, result: Any = None) -> None:
        if not self._is_done:
            self._settle(result, None)

    def fail(self, error: BaseException) -> None:
        if not self._is_done:
            self._settle(None, error)

    def add_callback(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` once this request is finished or failed (at once if it already is)."""
        self._callbacks.append(fn)
        if self._is_done:
            self._run_callbacks()

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn()

    def check(self) -> Any:
        """The result of a finished request, or its error raised."""
        if self.error is not None:
            raise self.error
        return self.result

    def wait(self, timeout: float | None) -> bool:
        """True when finished (or failed) within ``timeout`` (None: no limit)."""
        if self._is_done:
            return True
        latch = self._latch
        if timeout is None:
            got = latch.acquire()
        elif timeout > 0:
            got = latch.acquire(True, min(timeout, threading.TIMEOUT_MAX))
        else:
            got = latch.acquire(False)
        if got:
            latch.release()  # the next waiter (if any) wakes in turn
            return True
        return self._is_done

    def outcome(self, timeout: float) -> Any:
        """Wait, then return the result or raise the error / a RequestTimeout."""
        if not self.wait(timeout):
            raise RequestTimeout(self.name, timeout)
        return self.check()


class Registry:
    """All pending requests of one connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int | str, Pending[Any]] = {}
        self._ids = itertools.count(REQ_ID_BASE)

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, pending: Pending[Any]) -> Pending[Any]:
        with self._lock:
            if pending.key in self._pending:
                raise IbwireError(f"a {pending.name} request is already pending")
            self._pending[pending.key] = pending
        return pending

    def get(self, key: int | str) -> Pending[Any] | None:
        return self._pending.get(key)

    def pop(self, key: int | str) -> Pending[Any] | None:
        with self._lock:
            return self._pending.pop(key, None)

    def discard(self, pending: Pending[Any]) -> None:
        with self._lock:
            if self._pending.get(pending.key) is pending:
                del self._pending[pending.key]

    def all(self) -> list[Pending[Any]]:
        with self._lock:
            return list(self._pending.values())

    def fail_all(self, error: BaseException) -> None:
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for p in pending:
            p.fail(error)

    def connection_lost(self, detail: str) -> None:
        self.fail_all(ConnectionLost(detail))
