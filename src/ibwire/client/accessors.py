"""Local-state accessors of Broker and AsyncBroker.

The rule: a method that talks to TWS blocks on ``Broker`` and is a coroutine on ``AsyncBroker``;
what only reads the state the Broker keeps is the same on both and never awaited: properties
(``broker.tickets``, ``broker.fills``, ``broker.tickers``, ``broker.accounts``, ``broker.state``)
and plain lookups (``broker.ticket(order_id)``, ``broker.ticket_by_client_order_id(ref)``,
``broker.is_connected()``).

``tickets``, ``fills`` and ``tickers`` were methods before; the list they return can still be
called (``broker.fills()``, with a DeprecationWarning) and says what to do when awaited.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from typing import Any, TypeVar

__all__ = ["LocalList"]

T = TypeVar("T")


class LocalList(list[T]):
    """A copy of local state (a plain list) that a deprecated call form still accepts."""

    __slots__ = ("_name",)

    def __init__(self, name: str, items: Any = ()) -> None:
        super().__init__(items)
        self._name = name

    def __call__(self) -> LocalList[T]:
        warnings.warn(f"broker.{self._name}() is deprecated: broker.{self._name} is a property "
                      f"(local state, never awaited)", DeprecationWarning, stacklevel=2)
        return self

    def __await__(self) -> Generator[Any, None, LocalList[T]]:
        raise TypeError(f"broker.{self._name} is local state, not a request to TWS: use it "
                        f"without await")
