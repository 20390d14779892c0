"""Request flows as front-end methods, declared once beside each flow.

A flow is a generator method of the shared core (``flow_positions``, ``flow_historical_bars``
...): it sends, then yields what it waits for. Its domain's mixin exposes it once, next to it, as
``historical_bars = front_method(flow_historical_bars)``; on a :class:`SyncFront` (the
:class:`~ibwire.Broker`) that is a blocking method, on an :class:`AsyncFront` (the
:class:`~ibwire.AsyncBroker`) a coroutine method, both with the flow's real signature and
docstring (``help(Broker.historical_bars)`` shows its parameters) and types (mypy sees
``await async_broker.current_time()`` as a ``datetime``). A new request adds its flow and that one
line to its domain's module; neither front end repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from .core import Flow

__all__ = ["front_method", "SyncFront", "AsyncFront"]

P = ParamSpec("P")
T = TypeVar("T")

FlowFn = Callable[Concatenate[Any, P], "Flow[T]"]


class SyncFront:
    """A front end whose flows block the calling thread (the Broker)."""

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        raise NotImplementedError


class AsyncFront:
    """A front end whose flows are coroutines (the AsyncBroker)."""

    @staticmethod
    def _wrap_flow(fn: Callable[..., Flow[Any]]) -> Callable[..., Any]:
        raise NotImplementedError


class front_method(Generic[P, T]):  # noqa: N801 - used like a decorator
    """A flow as a front-end method: blocking on a :class:`SyncFront`, a coroutine on an
    :class:`AsyncFront` (each front end's ``_wrap_flow`` makes it, once per class)."""

    def __init__(self, fn: FlowFn[P, T]) -> None:
        self.fn = fn
        self._made: dict[type, Callable[..., Any]] = {}

    def _for(self, owner: type) -> Callable[..., Any]:
        made = self._made.get(owner)
        if made is None:
            made = owner._wrap_flow(self.fn)  # type: ignore[attr-defined]
            self._made[owner] = made
        return made

    @overload
    def __get__(self, obj: AsyncFront, owner: type | None = None
                ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    @overload
    def __get__(self, obj: SyncFront, owner: type | None = None) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[..., Any]: ...

    def __get__(self, obj: object, owner: type | None = None) -> Callable[..., Any]:
        cls = owner if owner is not None else type(obj)
        fn = self._for(cls)
        if obj is None:
            return fn
        return fn.__get__(obj, cls)  # type: ignore[no-any-return]
