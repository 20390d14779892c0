"""Schema elements: the building blocks a message schema lists, in wire order.

See :mod:`ibwire.protocol.schema` for how they are used and compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from .codec import Kind
from .protobuf import PT, P, PbType
from .versions import Feature

__all__ = ["F", "W", "Skip", "Version", "Cond", "Repeat", "Opt", "Custom", "Refuse", "Proto", "P",
           "PT", "PbType", "Element"]


@dataclass(frozen=True, slots=True)
class F:
    path: str
    kind: Kind
    since: Feature | None = None
    until: Feature | None = None
    unset: str = ""  # wire text written for None
    none: tuple[str, ...] = ()  # extra wire texts that mean "unset" for this field (e.g. "None")
    pb: int | None = None  # protobuf field number in the message's type (Proto), if it has one
    pbt: PT | None = None  # protobuf type when not the kind's usual one (e.g. INT64)


@dataclass(frozen=True, slots=True)
class W:
    """A field's wire form, declared on the model field itself: ``req_id: Annotated[int | None,
    W(INT, pb=1)] = None`` is the text field ``F("req_id", INT, pb=1)`` -- the field is declared
    once. A bare field name among a declaration's elements places that field there
    (``@to_server(Out.X, Version(3), "req_id", *contract_fields, ...)``); the other annotated
    fields follow every element, in the dataclass's order. Paths into nested models (the contract's
    fields ...), counts and conditions stay :class:`F` / :class:`Repeat` / :class:`Cond` elements."""

    kind: Kind
    pb: int | None = None
    since: Feature | None = None
    until: Feature | None = None
    unset: str = ""
    none: tuple[str, ...] = ()
    pbt: PT | None = None

    def field(self, path: str) -> F:
        return F(path, self.kind, self.since, self.until, self.unset, self.none, self.pb, self.pbt)


@dataclass(frozen=True, slots=True)
class Skip:
    value: str = ""
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Version:
    value: int
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Cond:
    ref: str
    test: Callable[[str], bool]
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Repeat:
    path: str
    item: type
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Opt:
    path: str
    item: type
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Custom:
    """``decode(fields, index) -> (value, next_index)``; ``encode(value, append)``.

    ``path`` may also be a tuple of paths, for one wire field that carries several attributes
    (CONTRACT_DATA's "date time zone" text): ``decode`` then returns a tuple of values, one per
    path, and ``encode`` receives that tuple. A later element assigning the same path wins.
    """

    path: str | tuple[str, ...]
    decode: Callable[[list[str], int], tuple[Any, int]]
    encode: Callable[[Any, Callable[[str], None]], None]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Refuse:
    """Where present, the message cannot be written: its text encoder raises
    :class:`~ibwire.errors.LocalProtocolError` with ``reason`` (as the official client refuses
    to send it, naming the server version it needs). Zero width: decoders ignore it.

    Without ``ref`` it refuses the whole message (``Refuse("REQ_HEAD_TIMESTAMP needs server
    version 118", until=Feature.REQ_HEAD_TIMESTAMP)``); with ``ref`` and ``test`` only when the
    attribute ``ref``'s value passes ``test`` (whatToShow ``SCHEDULE`` below 165). A message that
    has no text form at all refuses with no gate (its protobuf form is written from its
    ``Proto`` version on)."""

    reason: str
    ref: str | None = None
    test: Callable[[Any], bool] | None = None
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Proto:
    """The message's protobuf type: its ``name`` (PROTOCOL-V2.md Appendix A) and ``since``, the
    server version from which the message travels as protobuf (sheet sections 3.1 / 3.2).

    Its fields are the :class:`F` elements that carry ``pb=`` (one declaration for both codecs)
    and the protobuf-only :class:`P` elements (nested types such as the contract, fields the text
    layout does not have). Text codecs ignore both ``Proto`` and ``P``.

    ``prepare`` / ``finish`` reshape a message whose protobuf form nests what its model keeps
    elsewhere (PLACE_ORDER's per-leg prices travel inside the contract's combo legs). ``check``
    refuses, before encoding for a server version, what the official client refuses to send at
    that version (PLACE_ORDER's newer order fields): it raises
    :class:`~ibwire.errors.LocalProtocolError` naming the field and the version it needs.
    """

    name: str
    since: Feature
    prepare: Callable[[Any], Any] | None = None  # message -> the object the protobuf type encodes
    finish: Callable[[Any], Any] | None = None  # what the protobuf type decoded -> the message
    check: Callable[[Any, int], None] | None = None  # (message, server version) -> raise or not


Element = Union[F, Skip, Version, Cond, Repeat, Opt, Custom, Refuse, Proto, P]
