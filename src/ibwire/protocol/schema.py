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

import dataclasses
import itertools
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, TypeVar, Union

from ..errors import LocalProtocolError, RemoteProtocolError
from .codec import (
    DECIMAL_CACHE,
    DECODERS,
    ENCODERS,
    UNSET_DOUBLE,
    UNSET_FLOAT_TEXTS,
    UNSET_INT_TEXTS,
    Kind,
)
from .versions import Feature

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


# --- schema elements ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class F:
    path: str
    kind: Kind
    since: Feature | None = None
    until: Feature | None = None
    unset: str = ""  # wire text written for None
    none: tuple[str, ...] = ()  # extra wire texts that mean "unset" for this field (e.g. "None")


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


Element = Union[F, Skip, Version, Cond, Repeat, Opt, Custom]


def _present(el: Element, version: int) -> bool:
    return (el.since is None or version >= el.since) and (el.until is None or version < el.until)


def _field_type(cls: type, name: str) -> type:
    hints = typing.get_type_hints(cls)
    if name not in hints:
        raise TypeError(f"{cls.__name__} has no field {name!r}")
    tp: Any = hints[name]
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            tp = args[0]
    if not isinstance(tp, type):
        raise TypeError(f"{cls.__name__}.{name} is not a class-typed field: {tp!r}")
    return tp


def _default_expr(cls: type, name: str, ns: dict[str, Any]) -> str:
    """Source text producing the dataclass default of ``cls.name``."""
    for fld in dataclasses.fields(cls):
        if fld.name == name:
            key = f"_d{len(ns)}"
            if fld.default is not dataclasses.MISSING:
                ns[key] = fld.default
                return key
            if fld.default_factory is not dataclasses.MISSING:
                ns[key] = fld.default_factory
                return key + "()"
            raise TypeError(f"{cls.__name__}.{name} has no default; it cannot be version-gated")
    raise TypeError(f"{cls.__name__} has no field {name!r}")


# --- the compiler ------------------------------------------------------------------------------

class _Scope:
    """Locals assigned for one object being built (the message, or one Repeat/Opt item)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.assigned: dict[str, str] = {}  # attribute path -> local name

    def build(self, ns: dict[str, Any]) -> str:
        return self._build(self.cls, "", ns)

    def _build(self, cls: type, prefix: str, ns: dict[str, Any]) -> str:
        values: dict[str, str] = {}
        for path, local in self.assigned.items():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            head, dot, _ = rest.partition(".")
            if head in values:
                continue
            if dot:
                sub = _field_type(cls, head)
                values[head] = self._build(sub, prefix + head + ".", ns)
            else:
                values[head] = local
        # Fields given in definition order from the first one on go positionally (cheaper calls).
        args: list[str] = []
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        i = 0
        while i < len(names) and names[i] in values:
            args.append(values.pop(names[i]))
            i += 1
        args.extend(f"{k}={v}" for k, v in values.items())
        key = f"_c{len(ns)}"
        ns[key] = cls
        return f"{key}({', '.join(args)})"


class _DecoderGen:
    def __init__(self, cls: type, version: int) -> None:
        self.cls = cls
        self.version = version
        self.lines: list[str] = []
        self.linemap: dict[int, tuple[str | None, int, str]] = {}
        self.ns: dict[str, Any] = {}
        self.counter = itertools.count()
        self.var: str | None = None  # running index variable, None while offsets are constant
        self.const = 1  # field 0 is the message id
        self.raw: dict[str, str] = {}  # path -> local holding its wire text (for Cond refs)

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def emit(self, indent: int, text: str, path: str | None = None) -> None:
        self.lines.append("    " * indent + text)
        if path is not None:
            # +2: the "def" line and 1-based numbering
            self.linemap[len(self.lines) + 1] = (self.var, self.const, path)

    def pos(self) -> str:
        if self.var is None:
            return str(self.const)
        return f"{self.var} + {self.const}" if self.const else self.var

    def materialize(self, indent: int) -> None:
        if self.var is None or self.const:
            self.emit(indent, f"i = {self.pos()}")
            self.var, self.const = "i", 0

    def elements(self, els: Sequence[Element], scope: _Scope, indent: int, base: str,
                 refs: set[str]) -> None:
        for el in els:
            if not _present(el, self.version):
                continue
            if isinstance(el, (Skip, Version)):
                self.const += 1
            elif isinstance(el, F):
                self.field(el, scope, indent, base, refs)
            elif isinstance(el, Cond):
                self.cond(el, scope, indent, base, refs)
            elif isinstance(el, Repeat):
                self.repeat(el, scope, indent, base)
            elif isinstance(el, Opt):
                self.opt(el, scope, indent, base)
            elif isinstance(el, Custom):
                self.custom(el, scope, indent, base)
            else:  # pragma: no cover - schema construction error
                raise TypeError(f"not a schema element: {el!r}")

    def field(self, el: F, scope: _Scope, indent: int, base: str, refs: set[str]) -> None:
        local = self.name("v")
        full = base + el.path
        src = self.name("x")
        self.emit(indent, f"{src} = f[{self.pos()}]", full)
        if full in refs:
            self.raw[full] = src
        if el.none:
            nn = self.name("_n")
            self.ns[nn] = frozenset(el.none)
            fn = self.name("_k")
            self.ns[fn] = DECODERS[el.kind]
            self.emit(indent, f"{local} = None if {src} in {nn} else {fn}({src})", full)
        elif el.kind is Kind.STR:
            self.emit(indent, f"{local} = {src} or None", full)
        elif el.kind is Kind.INT:
            self.ns["_UI"] = UNSET_INT_TEXTS
            self.emit(indent, f"{local} = None if {src} in _UI else int({src})", full)
        elif el.kind is Kind.FLOAT:
            self.ns["_UF"] = UNSET_FLOAT_TEXTS
            self.ns["_MAXF"] = UNSET_DOUBLE
            self.emit(indent, f"{local} = None if {src} in _UF else float({src})", full)
            self.emit(indent, f"if {local} is not None and not -_MAXF < {local} < _MAXF: {local} = None",
                      full)
        elif el.kind is Kind.DECIMAL:
            self.ns["_DC"] = DECIMAL_CACHE
            self.ns["_dd"] = DECODERS[Kind.DECIMAL]
            self.emit(indent, f"{local} = _DC.get({src}) or _dd({src})", full)
        else:
            fn = self.name("_k")
            self.ns[fn] = DECODERS[el.kind]
            self.emit(indent, f"{local} = {fn}({src})", full)
        scope.assigned[el.path] = local
        self.const += 1

    def cond(self, el: Cond, scope: _Scope, indent: int, base: str, refs: set[str]) -> None:
        rloc = self.raw.get(base + el.ref)
        if rloc is None:
            raise TypeError(f"Cond refers to {el.ref!r}, which is not an earlier field")
        self.materialize(indent)
        test = self.name("_t")
        self.ns[test] = el.test
        before = dict(scope.assigned)
        self.emit(indent, f"if {test}({rloc}):")
        self.lines.append("    " * (indent + 1) + "pass")
        self.elements(el.body, scope, indent + 1, base, refs)
        self.materialize(indent + 1)
        new = {p: loc for p, loc in scope.assigned.items() if before.get(p) != loc}
        if new:
            self.emit(indent, "else:")
            for p, loc in new.items():
                old = before.get(p)
                default = old if old is not None else self.default(scope.cls, p)
                self.emit(indent + 1, f"{loc} = {default}")

    def default(self, cls: type, path: str) -> str:
        parts = path.split(".")
        for part in parts[:-1]:
            cls = _field_type(cls, part)
        return _default_expr(cls, parts[-1], self.ns)

    def repeat(self, el: Repeat, scope: _Scope, indent: int, base: str) -> None:
        count = self.name("n")
        self.emit(indent, f"{count} = _count(f[{self.pos()}])", base + el.path)
        self.ns["_count"] = _count
        self.const += 1
        self.materialize(indent)
        lst = self.name("l")
        self.emit(indent, f"{lst} = []")
        self.emit(indent, f"for _ in range({count}):")
        inner = _Scope(el.item)
        self.elements(el.body, inner, indent + 1, base + el.path + "[].", set())
        self.materialize(indent + 1)
        self.emit(indent + 1, f"{lst}.append({inner.build(self.ns)})")
        scope.assigned[el.path] = lst

    def opt(self, el: Opt, scope: _Scope, indent: int, base: str) -> None:
        flag = self.name("o")
        self.emit(indent, f"{flag} = f[{self.pos()}]", base + el.path)
        self.const += 1
        self.materialize(indent)
        self.emit(indent, f"if {flag} and {flag} != '0':")
        inner = _Scope(el.item)
        self.elements(el.body, inner, indent + 1, base + el.path + ".", set())
        self.materialize(indent + 1)
        self.emit(indent + 1, f"{flag} = {inner.build(self.ns)}")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{flag} = None")
        scope.assigned[el.path] = flag

    def custom(self, el: Custom, scope: _Scope, indent: int, base: str) -> None:
        self.materialize(indent)
        fn = self.name("_x")
        self.ns[fn] = el.decode
        if isinstance(el.path, tuple):
            locals_ = [self.name("v") for _ in el.path]
            self.emit(indent, f"({', '.join(locals_)},), i = {fn}(f, i)",
                      base + "+".join(el.path))
            for path, local in zip(el.path, locals_):
                scope.assigned[path] = local
            return
        local = self.name("v")
        self.emit(indent, f"{local}, i = {fn}(f, i)", base + el.path)
        scope.assigned[el.path] = local


def _count(s: str) -> int:
    n = int(s) if s else 0
    if n < 0 or n > 100_000:
        raise ValueError(f"implausible item count {n}")
    return n


def _cond_refs(els: Sequence[Element], base: str = "") -> set[str]:
    refs: set[str] = set()
    for el in els:
        if isinstance(el, Cond):
            refs.add(base + el.ref)
            refs |= _cond_refs(el.body, base)
    return refs


class _EncoderGen:
    def __init__(self, cls: type, version: int, msg_id: int) -> None:
        self.cls = cls
        self.version = version
        self.msg_id = msg_id
        self.lines: list[str] = []
        self.ns: dict[str, Any] = {}
        self.counter = itertools.count()
        self.raw: dict[str, str] = {}

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def elements(self, els: Sequence[Element], indent: int, obj: str, base: str,
                 refs: set[str]) -> None:
        for el in els:
            if not _present(el, self.version):
                continue
            if isinstance(el, Skip):
                self.emit(indent, f"a({el.value!r})")
            elif isinstance(el, Version):
                self.emit(indent, f"a({str(el.value)!r})")
            elif isinstance(el, F):
                fn = self.name("_k")
                self.ns[fn] = ENCODERS[el.kind]
                expr = f"{fn}({obj}.{el.path}, {el.unset!r})"
                full = base + el.path
                if full in refs:
                    rloc = self.name("r")
                    self.emit(indent, f"{rloc} = {expr}")
                    self.raw[full] = rloc
                    self.emit(indent, f"a({rloc})")
                else:
                    self.emit(indent, f"a({expr})")
            elif isinstance(el, Cond):
                test = self.name("_t")
                self.ns[test] = el.test
                self.emit(indent, f"if {test}({self.raw[base + el.ref]}):")
                self.emit(indent + 1, "pass")
                self.elements(el.body, indent + 1, obj, base, refs)
            elif isinstance(el, Repeat):
                lst = self.name("l")
                it = self.name("it")
                self.emit(indent, f"{lst} = {obj}.{el.path} or ()")
                self.emit(indent, f"a(str(len({lst})))")
                self.emit(indent, f"for {it} in {lst}:")
                self.emit(indent + 1, "pass")
                self.elements(el.body, indent + 1, it, base + el.path + "[].", set())
            elif isinstance(el, Opt):
                o = self.name("o")
                self.emit(indent, f"{o} = {obj}.{el.path}")
                self.emit(indent, f"if {o} is None:")
                self.emit(indent + 1, "a('0')")
                self.emit(indent, "else:")
                self.emit(indent + 1, "a('1')")
                self.elements(el.body, indent + 1, o, base + el.path + ".", set())
            elif isinstance(el, Custom):
                fn = self.name("_x")
                self.ns[fn] = el.encode
                if isinstance(el.path, tuple):
                    value = "(" + "".join(f"{obj}.{p}, " for p in el.path) + ")"
                else:
                    value = f"{obj}.{el.path}"
                self.emit(indent, f"{fn}({value}, a)")
            else:  # pragma: no cover
                raise TypeError(f"not a schema element: {el!r}")


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
        self._refs = _cond_refs(self.elements)
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
        gen = _DecoderGen(self.cls, version)
        scope = _Scope(self.cls)
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
            gen = _EncoderGen(self.cls, version, self.msg_id)
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

