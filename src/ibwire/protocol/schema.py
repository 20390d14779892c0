"""Declarative message schemas, compiled into a decoder and an encoder per server version.

A schema lists a message's wire fields in order. Each element may carry a version gate
(``since=Feature.X``: present from that version on; ``until=Feature.X``: present below it):

* :class:`F` -- one field mapped to an attribute path (``"contract.con_id"``) with a value kind;
* :class:`Skip` -- a wire field ibwire does not model (read and ignored; written as ``value``);
* :class:`Version` -- the per-message version field (written as its value, ignored when read);
* :class:`Cond` -- fields present only when an earlier field's *wire text* passes a test
  (the same test decides on both sides, so decoder and encoder can never disagree);
* :class:`Repeat` -- a count, then that many items of a model class;
* :class:`Opt` -- a 0/1 flag, then one optional item of a model class;
* :class:`Custom` -- a hand-written piece for polymorphic blocks (order conditions);
* :class:`Refuse` -- where present the message cannot be written (a request the server version
  does not know, a value it cannot take): the encoder raises, as the official client refuses;
* :class:`Proto` -- the message's protobuf type and the version from which it travels as protobuf;
  its fields are the ``F(..., pb=N)`` elements and the protobuf-only :class:`P` elements (nested
  types declared once as :class:`PbType`, e.g. the contract). See :mod:`ibwire.protocol.protobuf`.

Theory of operation: for each (message, version) the schema is turned into Python source that
reads fields at constant offsets where it can (and from a running index after the first
data-dependent element), then builds the dataclass in one call. The source is compiled once and
cached. Decoding cost is therefore one function call and one constructor per message; the
price of a field check is paid only when something goes wrong: the failing line of the generated
code tells which field it was, and :class:`~ibwire.errors.RemoteProtocolError` names the message
id, the field index and the raw text.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, ClassVar, TypeVar

from ..errors import LocalProtocolError, RemoteProtocolError
from .api import Api, Callback, Request
from .compiler import DecoderGen, EncoderGen, Scope, cond_refs
from .elements import (
    PT,
    Cond,
    Custom,
    Element,
    F,
    Opt,
    P,
    PbType,
    Proto,
    Refuse,
    Repeat,
    Skip,
    Version,
    W,
)
from .ids import In, Out

__all__ = [
    "Direction",
    "Message",
    "F",
    "Skip",
    "Version",
    "Cond",
    "Repeat",
    "Opt",
    "Custom",
    "Refuse",
    "Proto",
    "P",
    "PT",
    "PbType",
    "Schema",
    "Element",
    "to_client",
    "to_server",
    "TO_CLIENT",
    "TO_SERVER",
    "UnknownMessage",
    "Request",
    "Api",
    "Callback",
    "W",
]


class Direction(Enum):
    TO_SERVER = "to_server"  # client -> TWS ("outgoing" in the official client)
    TO_CLIENT = "to_client"  # TWS -> client ("incoming")


class Message:
    """Base of every typed message. Subclasses are dataclasses with a compiled :class:`Schema`."""

    __slots__ = ()
    MSG_ID: ClassVar[int]
    DIRECTION: ClassVar[Direction]
    SCHEMA: ClassVar[Schema]


@dataclass(slots=True)
class UnknownMessage:
    """A frame whose message id ibwire has no schema for; delivered, never dropped."""

    msg_id: int
    fields: list[str]
    body: bytes | None = None  # a protobuf body (``fields`` is then empty)


_M = TypeVar("_M")
DecodeFn = Callable[[list[str]], Any]
EncodeFn = Callable[[Any], list[str]]


class Schema:
    """The wire layout of one message, compiled lazily per server version."""

    def __init__(self, cls: type, msg_id: int, direction: Direction,
                 elements: Sequence[Element], request: Request | None = None,
                 api: Api | None = None, callback: Callback | None = None) -> None:
        self.cls = cls
        self.request = request
        """For a request: its kind (replies, end marker, cancel, key field); see :mod:`.api`."""
        self.api = api
        """The official EClient method that sends this message."""
        self.callback = callback
        """The official EWrapper callback this message calls."""
        self.msg_id = msg_id
        self.direction = direction
        self.declaration = tuple(elements)
        self.elements = tuple(el for el in elements if not isinstance(el, (Proto, P)))
        """The text layout (the protobuf declarations are in :attr:`proto` / :attr:`pb`)."""
        self._refs = cond_refs(self.elements)
        self._decoders: dict[int, DecodeFn] = {}
        self._encoders: dict[int, EncodeFn] = {}
        self._linemaps: dict[int, dict[int, tuple[str | None, int, str]]] = {}
        self.proto, self.pb = _protobuf_type(cls, self.declaration)
        self._pb_decoder: Callable[[bytes, int], Any] | None = None

    def __repr__(self) -> str:
        return f"<Schema {self.cls.__name__} id={self.msg_id} {self.direction.value}>"

    # decoding
    def decoder(self, version: int) -> DecodeFn:
        fn = self._decoders.get(version)
        if fn is None:
            fn = self._compile_decoder(version)
            self._decoders[version] = fn
        return fn

    def _compile_decoder(self, version: int) -> DecodeFn:
        gen = DecoderGen(self.cls, version)
        scope = Scope(self.cls)
        gen.elements(self.elements, scope, 1, "", self._refs)
        body = gen.lines + [f"    return {scope.build(gen.ns)}"]
        src = "def decode(f):\n" + "\n".join(body) + "\n"
        filename = f"<ibwire decode {self.cls.__name__} v{version}>"
        code = compile(src, filename, "exec")
        exec(code, gen.ns)  # noqa: S102 - our own generated source
        fn: DecodeFn = gen.ns["decode"]
        self._linemaps[version] = gen.linemap
        fn.__ibwire_source__ = src  # type: ignore[attr-defined]
        return self._guarded(fn, version, filename)

    def _guarded(self, fn: DecodeFn, version: int, filename: str) -> DecodeFn:
        schema = self

        def decode(fields: list[str]) -> Any:
            try:
                return fn(fields)
            except Exception as exc:
                raise schema._explain(exc, fields, version, filename) from exc

        decode.raw = fn  # type: ignore[attr-defined]
        return decode

    def _explain(self, exc: Exception, fields: list[str], version: int,
                 filename: str) -> RemoteProtocolError:
        tb = exc.__traceback__
        frame_locals: dict[str, Any] = {}
        lineno = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                lineno = tb.tb_lineno
                frame_locals = tb.tb_frame.f_locals
            tb = tb.tb_next
        where = self._linemaps.get(version, {}).get(lineno or -1)
        name = self.cls.__name__
        if where is None:
            return RemoteProtocolError(
                f"cannot decode {name} (id {self.msg_id}) at server version {version}: {exc}",
                msg_id=self.msg_id)
        var, const, path = where
        index = (int(frame_locals.get(var, 0)) if var else 0) + const
        if index >= len(fields):
            return RemoteProtocolError(
                f"{name} (id {self.msg_id}) at server version {version} ends after {len(fields)} "
                f"fields; field {index} ({path}) is missing",
                msg_id=self.msg_id, field_index=index, raw=None)
        raw = fields[index]
        return RemoteProtocolError(
            f"{name} (id {self.msg_id}) at server version {version}: field {index} ({path}) "
            f"has bad value {raw!r}: {exc}",
            msg_id=self.msg_id, field_index=index, raw=raw)

    # protobuf
    def protobuf_at(self, version: int) -> bool:
        """True when this message travels as protobuf at ``version`` (sheet sections 3.1 / 3.2)."""
        return self.proto is not None and version >= self.proto.since

    def pb_decoder(self) -> Callable[[bytes, int], Any]:
        """``decode(payload, start)``: the protobuf body ``payload[start:]`` as the message; a
        failure raises :class:`RemoteProtocolError` naming the field number and its bytes.
        ``.raw(payload, start, end)`` is the unguarded fast path."""
        fn = self._pb_decoder
        if fn is None:
            if self.pb is None:
                raise LocalProtocolError(f"{self.cls.__name__} has no protobuf type")
            pb = self.pb
            raw = pb.decode_at
            finish = self.proto.finish if self.proto is not None else None
            if finish is not None:
                def raw(b: bytes, start: int, end: int, _d: Any = pb.decode_at,
                        _f: Callable[[Any], Any] = finish) -> Any:
                    return _f(_d(b, start, end))
            schema = self

            def decode(payload: bytes, start: int = 0) -> Any:
                try:
                    return raw(payload, start, len(payload))
                except Exception as exc:
                    raise pb.explain(exc, payload, start, schema.msg_id,
                                     f"{schema.cls.__name__} (id {schema.msg_id})") from exc

            decode.raw = raw  # type: ignore[attr-defined]
            self._pb_decoder = fn = decode
        return fn

    def pb_encode(self, msg: Any, version: int | None = None) -> bytes:
        """The protobuf body of ``msg`` (for server ``version``: what the official client refuses
        to send at that version raises :class:`LocalProtocolError`)."""
        if self.pb is None:
            raise LocalProtocolError(f"{self.cls.__name__} has no protobuf type")
        if version is not None and self.proto is not None and self.proto.check is not None:
            self.proto.check(msg, version)
        if self.proto is not None and self.proto.prepare is not None:
            msg = self.proto.prepare(msg)
        return self.pb.encode(msg)

    # encoding
    def encoder(self, version: int) -> EncodeFn:
        fn = self._encoders.get(version)
        if fn is None:
            gen = EncoderGen(self.cls, version, self.msg_id)
            gen.elements(self.elements, 1, "m", "", self._refs)
            src = ("def encode(m):\n"
                   f"    out = [{str(self.msg_id)!r}]\n"
                   "    a = out.append\n" + "\n".join(gen.lines) + "\n    return out\n")
            code = compile(src, f"<ibwire encode {self.cls.__name__} v{version}>", "exec")
            exec(code, gen.ns)  # noqa: S102
            raw_fn: EncodeFn = gen.ns["encode"]
            name = self.cls.__name__

            def fn(msg: Any, _raw: EncodeFn = raw_fn) -> list[str]:
                try:
                    return _raw(msg)
                except LocalProtocolError as exc:  # (the same class: ServerTooOld stays one)
                    raise type(exc)(f"cannot encode {name}: {exc}") from exc
                except (AttributeError, TypeError, ValueError) as exc:
                    raise LocalProtocolError(f"cannot encode {name}: {exc}") from exc

            self._encoders[version] = fn
        return fn


def _text_kinds(els: Sequence[Element], out: dict[str, F]) -> dict[str, F]:
    for el in els:
        if isinstance(el, F):
            out.setdefault(el.path, el)
        elif isinstance(el, Cond):
            _text_kinds(el.body, out)
    return out


def _pb_fields(els: Sequence[Element], text: dict[str, F]) -> list[P]:
    out: list[P] = []
    for el in els:
        if isinstance(el, P):
            if el.kind is None and el.sub is None:
                f = text.get(el.path)
                if f is None:
                    raise TypeError(f"protobuf field {el.number} ({el.path}) needs a kind: no text "
                                    "field declares that path")
                el = replace(el, kind=f.kind, pt=el.pt or f.pbt)  # the text field's kind, once
            out.append(el)
        elif isinstance(el, F) and el.pb is not None:
            out.append(P(el.pb, el.path, el.kind, pt=el.pbt, name=el.path))
        elif isinstance(el, Cond):  # conditional in text only; the paths are the message's own
            out.extend(_pb_fields(el.body, text))
    return out


def _protobuf_type(cls: type, els: Sequence[Element]) -> tuple[Proto | None, PbType | None]:
    protos = [el for el in els if isinstance(el, Proto)]
    fields = _pb_fields(els, _text_kinds(els, {}))
    if not protos:
        if fields:
            raise TypeError(f"{cls.__name__} declares protobuf fields but no Proto(...)")
        return None, None
    if len(protos) > 1:
        raise TypeError(f"{cls.__name__} declares Proto(...) twice")
    # the same path twice (a text field repeated on the wire) keeps its first number
    seen: dict[str, P] = {}
    for f in fields:
        if f.path in seen and seen[f.path].number != f.number:
            raise TypeError(f"{cls.__name__}.{f.path}: two protobuf numbers")
        seen.setdefault(f.path, f)
    return protos[0], PbType(protos[0].name, cls, list(seen.values()))


TO_CLIENT: dict[int, type[Message]] = {}
TO_SERVER: dict[int, type[Message]] = {}


def _register(msg_id: int, direction: Direction, elements: Sequence[Element | str],
              registry: dict[int, type[Message]], request: Request | None = None,
              api: Api | None = None,
              callback: Callback | None = None) -> Callable[[type[_M]], type[_M]]:
    def deco(cls: type[_M]) -> type[_M]:
        if msg_id in registry:
            raise TypeError(f"message id {msg_id} ({direction.value}) registered twice: "
                            f"{registry[msg_id].__name__} and {cls.__name__}")
        schema = Schema(cls, msg_id, direction, _layout(cls, elements), request, api, callback)
        _check_names(cls, schema)
        cls.MSG_ID = msg_id  # type: ignore[attr-defined]
        cls.DIRECTION = direction  # type: ignore[attr-defined]
        cls.SCHEMA = schema  # type: ignore[attr-defined]
        registry[msg_id] = cls  # type: ignore[assignment]
        return cls
    return deco


def _layout(cls: type, elements: Sequence[Element | str]) -> list[Element]:
    """The declared elements with the fields declared on the model (``Annotated[..., W(...)]``):
    each at the place a bare name in the elements gives it (``@to_server(Out.X, "req_id",
    *contract_fields, ...)``), the others after every element, in the dataclass's order."""
    wired: dict[str, F] = {}
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls, include_extras=True)
        for fld in dataclasses.fields(cls):
            for meta in getattr(hints.get(fld.name), "__metadata__", ()):
                if isinstance(meta, W):
                    wired[fld.name] = meta.field(fld.name)
    listed = {el.path for el in elements if isinstance(el, F)}
    twice = sorted(listed & set(wired))
    if twice:
        raise TypeError(f"{cls.__name__}.{twice[0]}: declared by W(...) and F(...)")
    out: list[Element] = []
    placed: set[str] = set()
    for el in elements:
        if isinstance(el, str):
            if el not in wired:
                raise TypeError(f"{cls.__name__}: {el!r} in the layout is no field declared "
                                f"with W(...)")
            out.append(wired[el])
            placed.add(el)
        else:
            out.append(el)
    out += [f for name, f in wired.items() if name not in placed]
    return out


def _check_names(cls: type, schema: Schema) -> None:
    """The official arguments and the request key name attributes the message has."""
    names = set(getattr(cls, "__dataclass_fields__", {}))
    used: list[tuple[str, str | None]] = []
    then = schema.callback.then if schema.callback is not None else None
    for table in (schema.api, schema.callback, then):
        if table is not None:
            used += [(f"{table.name}({a.name})", a.path) for a in table.args]
    if schema.request is not None and schema.request.key is not None:
        used.append(("request key", schema.request.key))
    for what, path in used:
        if path is None or path.startswith("*."):
            continue
        if path.split(".", 1)[0] not in names:
            raise TypeError(f"{cls.__name__}: {what} names {path!r}, which it does not have")


def to_client(msg_id: In, *elements: Element | str,
              callback: Callback | None = None) -> Callable[[type[_M]], type[_M]]:
    """Register a TWS -> client message class with its schema (``msg_id`` an :class:`In` id) and
    the official EWrapper callback it calls."""
    return _register(int(msg_id), Direction.TO_CLIENT, elements, TO_CLIENT, callback=callback)


def to_server(msg_id: Out, *elements: Element | str, request: Request | None = None,
              api: Api | None = None) -> Callable[[type[_M]], type[_M]]:
    """Register a client -> TWS message class with its schema (``msg_id`` an :class:`Out` id),
    its request kind and the official EClient method that sends it."""
    return _register(int(msg_id), Direction.TO_SERVER, elements, TO_SERVER, request=request,
                     api=api)
