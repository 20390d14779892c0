"""Correlation from the declarations: which request each incoming message answers.

Every request declares its kind (:class:`~ibwire.protocol.api.Request`: the messages that answer
it, its end marker, its cancel and its key field). From those alone this module knows, for any
incoming message id:

* which requests it answers, and under which key (``req_id``, ``order_id``, or none: a singleton
  request such as REQ_POSITIONS, registered under :func:`singleton_key`);
* whether it is the request's declared end marker (:attr:`Route.is_end`);
* where the key is in a frame that failed to decode -- the text field index at the session's
  version (counted from the declared layout and its version gates) or the protobuf field number
  -- so that one bad frame fails the one request it belongs to, not every pending read
  (:func:`attribute`).

The Broker's dispatcher uses it for undecodable frames; :class:`Subscriptions` holds the live
subscriptions (requests that declare a cancel), asked for again after 1101 or a reconnect and
cancelled when dropped. (Each domain's handlers complete their requests on the replies and end
markers themselves: they build the domain's results.)
Nothing here is written per message: a new declaration is routed the moment it exists.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..protocol import messages as _messages  # noqa: F401 - registers every declaration
from ..protocol.api import Request
from ..protocol.connection import BadMessage
from ..protocol.elements import F, Skip, Version
from ..protocol.protobuf_wire import varint_field
from ..protocol.schema import TO_CLIENT, TO_SERVER, Message
from ..protocol.versions import supports

__all__ = ["Route", "Attribution", "routes", "singleton_key", "attribute", "key_index",
           "cancel_message", "Subscriptions"]


@dataclass(frozen=True, slots=True)
class Route:
    """One request an incoming message answers."""

    request: type[Message]
    kind: Request
    is_end: bool


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where a bad frame belongs: each request its id answers, with the value of that request's
    key read from the frame (None: a singleton request, or the key could not be read)."""

    msg_id: int
    keys: tuple[tuple[Route, int | None], ...]

    @property
    def targets(self) -> tuple[tuple[Route, int | None], ...]:
        """The requests the frame can be tied to: singletons, and keyed ones whose key was read."""
        return tuple((r, k) for r, k in self.keys if r.kind.key is None or k is not None)

    @property
    def order_traffic(self) -> bool:
        """True when the frame answers an order (reconciled, never a read's reply)."""
        return any(r.kind.key == "order_id" for r, _ in self.keys)


@functools.cache
def routes() -> dict[int, tuple[Route, ...]]:
    """Incoming message id -> the requests it answers (from every declared request kind)."""
    out: dict[int, list[Route]] = {}
    for cls in TO_SERVER.values():
        kind = cls.SCHEMA.request
        if kind is None:
            continue
        for reply in kind.replies:
            out.setdefault(int(reply), []).append(Route(cls, kind, reply == kind.end))
    return {k: tuple(v) for k, v in out.items()}


def singleton_key(request: type[Message]) -> str:
    """The registry key of a request TWS answers without an id (one at a time per connection)."""
    return request.__name__


def _active(el: object, version: int) -> bool:
    since = getattr(el, "since", None)
    until = getattr(el, "until", None)
    return ((since is None or supports(version, since))
            and (until is None or not supports(version, until)))


@functools.cache
def key_index(msg_id: int, key: str, version: int) -> int | None:
    """The index of attribute ``key`` in the text fields of message ``msg_id`` at ``version``
    (field 0 is the message id), from its declared layout; None when a variable-length element
    comes first or the message does not carry it."""
    cls = TO_CLIENT.get(msg_id)
    if cls is None:
        return None
    index = 1
    for el in cls.SCHEMA.elements:
        if not _active(el, version):
            continue
        if isinstance(el, F):
            if el.path == key:
                return index
            index += 1
        elif isinstance(el, (Skip, Version)):
            index += 1
        else:
            return None  # a count, a condition or a custom block: positions vary from here
    return None


@functools.cache
def _pb_number(msg_id: int, key: str) -> int | None:
    cls = TO_CLIENT.get(msg_id)
    pb = cls.SCHEMA.pb if cls is not None else None
    if pb is None:
        return None
    return next((f.number for f in pb.fields if f.path == key and f.sub is None), None)


def _read_key(bad: BadMessage, msg_id: int, key: str, version: int | None) -> int | None:
    if bad.body is not None:
        number = _pb_number(msg_id, key)
        return varint_field(bad.body, number) if number is not None else None
    if version is None:
        return None
    idx = key_index(msg_id, key, version)
    if idx is not None and len(bad.fields) > idx and bad.fields[idx].lstrip("-").isdigit():
        return int(bad.fields[idx])
    return None


def attribute(bad: BadMessage, version: int | None) -> Attribution:
    """The requests a frame that failed to decode belongs to (see :class:`Attribution`)."""
    msg_id = bad.error.msg_id if bad.error.msg_id is not None else _id_of(bad.fields)
    if msg_id is None:
        return Attribution(-1, ())
    keys = tuple((r, None if r.kind.key is None else _read_key(bad, msg_id, r.kind.key, version))
                 for r in routes().get(msg_id, ()))
    return Attribution(msg_id, keys)


def _id_of(fields: Sequence[str]) -> int | None:
    if fields and fields[0].isdigit():
        return int(fields[0])
    return None



def cancel_message(request: Message) -> Message:
    """The declared cancel of a subscription ``request``: the cancel class, with every field it
    shares with the request (its key, and e.g. ``is_smart_depth`` for market depth) copied."""
    kind = request.SCHEMA.request
    if kind is None or kind.cancel is None:
        raise TypeError(f"{type(request).__name__} is not a subscription (it declares no cancel)")
    cancel_cls = TO_SERVER[int(kind.cancel)]
    names = [f.name for f in dataclasses.fields(cancel_cls)]  # type: ignore[arg-type]
    return cancel_cls(**{n: getattr(request, n) for n in names if hasattr(request, n)})


Renew = Callable[[Message], None]


class Subscriptions:
    """The live subscriptions of one connection, by key: what 1101 (TWS lost its data) asks for
    again, with fresh request ids, and what a dropped subscription cancels -- both from the
    declared request kinds. The owner of each (a ticker, a book, a stream) hears of its new
    request with ``on_renew``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[int | str, tuple[Message, Renew | None]] = {}

    @staticmethod
    def key_of(request: Message) -> int | str:
        kind = request.SCHEMA.request
        if kind is None or not kind.is_subscription:
            raise TypeError(f"{type(request).__name__} is not a subscription")
        if kind.key is None:
            return singleton_key(type(request))
        value = getattr(request, kind.key)
        if not isinstance(value, int):
            raise TypeError(f"{type(request).__name__}.{kind.key} is not set")
        return value

    def add(self, request: Message, on_renew: Renew | None = None) -> None:
        with self._lock:
            self._live[self.key_of(request)] = (request, on_renew)

    def drop(self, key: int | str) -> Message | None:
        """Forget a subscription; its cancel message (None if it was not live)."""
        with self._lock:
            entry = self._live.pop(key, None)
        return cancel_message(entry[0]) if entry is not None else None

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def __len__(self) -> int:
        return len(self._live)

    def renew(self, next_id: Callable[[], int]) -> list[tuple[Message, Message, Renew | None]]:
        """Every live subscription with a fresh request id: (old request, new request, owner's
        hook). Keyed by a request id: a new id; singletons: the same request."""
        with self._lock:
            entries = list(self._live.values())
            self._live.clear()
            out = []
            for old, hook in entries:
                kind = old.SCHEMA.request
                new = old
                if kind is not None and kind.key == "req_id":
                    new = dataclasses.replace(old, req_id=next_id())  # type: ignore[type-var]
                self._live[self.key_of(new)] = (new, hook)
                out.append((old, new, hook))
        return out

    def clear(self) -> None:
        with self._lock:
            self._live.clear()
