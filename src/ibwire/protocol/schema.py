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
* :class:`Custom` -- a hand-written piece for polymorphic blocks (order conditions).

Theory of operation: for each (message, version) the schema is turned into Python source that
reads fields at constant offsets where it can (and from a running index after the first
data-dependent element), then builds the dataclass in one call. The source is compiled once and
cached. Decoding cost is therefore one function call and one constructor per message; the
price of a field check is paid only when something goes wrong: the failing line of the generated
code tells which field it was, and :class:`~ibwire.errors.RemoteProtocolError` names the message
id, the field index and the raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, TypeVar

from ..errors import LocalProtocolError, RemoteProtocolError
from .compiler import DecoderGen, EncoderGen, Scope, cond_refs
from .elements import Cond, Custom, Element, F, Opt, Repeat, Skip, Version

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
    "Schema",
    "Element",
    "to_client",
    "to_server",
    "TO_CLIENT",
    "TO_SERVER",
    "UnknownMessage",
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


_M = TypeVar("_M")
DecodeFn = Callable[[list[str]], Any]
EncodeFn = Callable[[Any], list[str]]


class Schema:
    """The wire layout of one message, compiled lazily per server version."""

    def __init__(self, cls: type, msg_id: int, direction: Direction,
                 elements: Sequence[Element]) -> None:
        self.cls = cls
        self.msg_id = msg_id
        self.direction = direction
        self.elements = tuple(elements)
        self._refs = cond_refs(self.elements)
        self._decoders: dict[int, DecodeFn] = {}
        self._encoders: dict[int, EncodeFn] = {}
        self._linemaps: dict[int, dict[int, tuple[str | None, int, str]]] = {}

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
                except LocalProtocolError as exc:
                    raise LocalProtocolError(f"cannot encode {name}: {exc}") from exc
                except (AttributeError, TypeError, ValueError) as exc:
                    raise LocalProtocolError(f"cannot encode {name}: {exc}") from exc

            self._encoders[version] = fn
        return fn


TO_CLIENT: dict[int, type[Message]] = {}
TO_SERVER: dict[int, type[Message]] = {}


def _register(msg_id: int, direction: Direction, elements: Sequence[Element],
              registry: dict[int, type[Message]]) -> Callable[[type[_M]], type[_M]]:
    def deco(cls: type[_M]) -> type[_M]:
        if msg_id in registry:
            raise TypeError(f"message id {msg_id} ({direction.value}) registered twice: "
                            f"{registry[msg_id].__name__} and {cls.__name__}")
        schema = Schema(cls, msg_id, direction, elements)
        cls.MSG_ID = msg_id  # type: ignore[attr-defined]
        cls.DIRECTION = direction  # type: ignore[attr-defined]
        cls.SCHEMA = schema  # type: ignore[attr-defined]
        registry[msg_id] = cls  # type: ignore[assignment]
        return cls
    return deco


def to_client(msg_id: int, *elements: Element) -> Callable[[type[_M]], type[_M]]:
    """Register a TWS -> client message class with its schema."""
    return _register(msg_id, Direction.TO_CLIENT, elements, TO_CLIENT)


def to_server(msg_id: int, *elements: Element) -> Callable[[type[_M]], type[_M]]:
    """Register a client -> TWS message class with its schema."""
    return _register(msg_id, Direction.TO_SERVER, elements, TO_SERVER)

