"""The official API's surface and each request's kind, declared beside the wire layout.

A request's declaration says, besides its layout (see :mod:`ibwire.protocol.schema`)::

    @to_server(Out.REQ_MKT_DEPTH, Version(5), F("req_id", INT), ...,
               request=Request(replies=(In.MARKET_DEPTH, In.MARKET_DEPTH_L2),
                               cancel=Out.CANCEL_MKT_DEPTH),
               api=Api("reqMktDepth", "reqId", "contract", "numRows", "isSmartDepth",
                       "mktDepthOptions"))

and a reply's::

    @to_client(In.MARKET_DEPTH, ..., callback=Callback("updateMktDepth", "reqId", "position",
                                                       "operation", "side", "price", "size"))

* :class:`Request` -- the request kind: the messages that answer it, the one that ends it, the
  message that cancels it, and the key field (an attribute name present in the request and in
  every reply: ``"req_id"``, ``"order_id"``, or ``None`` for a request TWS answers without an id,
  such as REQ_POSITIONS). One router (:mod:`ibwire.client.router`) uses these to route replies,
  attribute an undecodable frame to its request (the key field's position is known per version
  and encoding from the layout), end a request on its end marker, resubscribe after 1101 and
  cancel on drop.
* :class:`Api` -- the official ``EClient`` method that writes this message: its name and its
  argument names in the official order. Each argument maps to the message attribute of the same
  name in snake_case (``reqId`` -> ``req_id``); ``"execFilter:filter"`` maps to another attribute
  and ``"-name"`` is an official argument that is not on the wire (accepted and ignored).
  :class:`ibwire.EClient`'s methods, ``ibwire.compat`` and the oracle tests derive from it.
* :class:`Callback` -- the official ``EWrapper`` callback a message calls, with its argument names
  mapped the same way (``"name:attr.path"`` for another attribute); ``each="bars"`` calls it once per
  item of a list attribute, the item's attributes named as ``"*.attr"``; ``then=Callback(...)`` is
  called after it (SCANNER_DATA's rows, then ``scannerDataEnd``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ids import In, Out

__all__ = ["Request", "Api", "Callback", "Arg", "parse_args", "snake_name", "camel_name"]

_CAMEL_1 = re.compile(r"(?<=[a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"(?<=[A-Z])([A-Z][a-z])")


def snake_name(camel: str) -> str:
    """``lastTradeDateOrContractMonth`` -> ``last_trade_date_or_contract_month``."""
    return _CAMEL_2.sub(r"_\1", _CAMEL_1.sub(r"_\1", camel)).lower()


def camel_name(snake: str) -> str:
    """``last_trade_date_or_contract_month`` -> ``lastTradeDateOrContractMonth`` (the rule only;
    a model's real names are those of :func:`camel_fields`)."""
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass(frozen=True, slots=True)
class Request:
    """The kind of a request: what answers it, what ends it, what cancels it, how it is keyed."""

    replies: tuple[In, ...] = ()
    """Every message that carries an answer to this request (the end marker included)."""
    end: In | None = None
    """The message that ends the request (None: one reply ends it, or it streams until cancelled)."""
    cancel: Out | None = None
    """The message that cancels it (a subscription: resubscribed after 1101, cancelled on drop)."""
    key: str | None = "req_id"
    """The attribute that ties replies to the request (None: a singleton request)."""

    def __post_init__(self) -> None:
        if self.end is not None and self.end not in self.replies:
            object.__setattr__(self, "replies", (*self.replies, self.end))

    @property
    def is_subscription(self) -> bool:
        return self.cancel is not None


@dataclass(frozen=True, slots=True)
class Arg:
    """One official argument: its official name and the attribute path it maps to (None: not on
    the wire)."""

    name: str
    path: str | None


def parse_args(specs: tuple[str, ...]) -> tuple[Arg, ...]:
    """``("reqId", "execFilter:filter", "-ignored")`` -> the :class:`Arg` of each."""
    out = []
    for spec in specs:
        if spec.startswith("-"):
            out.append(Arg(spec[1:], None))
        elif ":" in spec:
            name, path = spec.split(":", 1)
            out.append(Arg(name, path))
        else:
            out.append(Arg(spec, snake_name(spec)))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise TypeError(f"an argument named twice in {specs}")
    return tuple(out)


@dataclass(frozen=True, slots=True, init=False)
class Api:
    """The official EClient method that sends a message: ``Api("reqIds", "numIds")``."""

    name: str
    specs: tuple[str, ...]

    def __init__(self, name: str, *args: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "specs", args)

    @property
    def args(self) -> tuple[Arg, ...]:
        return parse_args(self.specs)


@dataclass(frozen=True, slots=True, init=False)
class Callback:
    """The official EWrapper callback a message calls: ``Callback("nextValidId", "orderId")``."""

    name: str
    specs: tuple[str, ...]
    each: str | None
    then: Callback | None
    """A callback made after this one (after every item's, with ``each``), e.g. the
    ``scannerDataEnd(reqId)`` that follows SCANNER_DATA's ``scannerData`` rows."""

    def __init__(self, name: str, *args: str, each: str | None = None,
                 then: Callback | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "specs", args)
        object.__setattr__(self, "each", each)
        object.__setattr__(self, "then", then)

    @property
    def args(self) -> tuple[Arg, ...]:
        return parse_args(self.specs)
