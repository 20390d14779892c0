"""The schema compiler: turns a message's elements into Python source for one server version.

Theory of operation: for each (message, version) the elements are walked once and emitted as
straight-line code that reads fields at constant offsets where it can (and from a running index
``i`` after the first data-dependent element), converts them inline, and builds the dataclass in one
call (positionally where the fields come in definition order). The decoder generator records, for
each emitted line, which field it reads (``linemap``), so a failure can later be pinned to its field
without costing the fast path anything. :class:`~ibwire.protocol.schema.Schema` compiles, caches and
guards the results.
"""

from __future__ import annotations

import dataclasses
import itertools
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Union

from ..errors import ServerTooOld
from .codec import (
    DECIMAL_CACHE,
    DECODERS,
    ENCODERS,
    UNSET_DOUBLE,
    UNSET_FLOAT_TEXTS,
    UNSET_INT_TEXTS,
    Kind,
)
from .elements import Cond, Custom, Element, F, Opt, P, Proto, Refuse, Repeat, Skip, Version

__all__ = ["DecoderGen", "EncoderGen", "Scope", "cond_refs"]


def _present(el: F | Skip | Version | Cond | Repeat | Opt | Custom | Refuse, version: int) -> bool:
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

class Scope:
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


class DecoderGen:
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

    def elements(self, els: Sequence[Element], scope: Scope, indent: int, base: str,
                 refs: set[str]) -> None:
        for el in els:
            if isinstance(el, (Proto, P, Refuse)) or not _present(el, self.version):
                continue  # (protobuf-only declarations; a refusal has no width)
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

    def field(self, el: F, scope: Scope, indent: int, base: str, refs: set[str]) -> None:
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

    def cond(self, el: Cond, scope: Scope, indent: int, base: str, refs: set[str]) -> None:
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

    def repeat(self, el: Repeat, scope: Scope, indent: int, base: str) -> None:
        count = self.name("n")
        self.emit(indent, f"{count} = _count(f[{self.pos()}])", base + el.path)
        self.ns["_count"] = _count
        self.const += 1
        self.materialize(indent)
        lst = self.name("l")
        self.emit(indent, f"{lst} = []")
        self.emit(indent, f"for _ in range({count}):")
        inner = Scope(el.item)
        self.elements(el.body, inner, indent + 1, base + el.path + "[].", set())
        self.materialize(indent + 1)
        self.emit(indent + 1, f"{lst}.append({inner.build(self.ns)})")
        scope.assigned[el.path] = lst

    def opt(self, el: Opt, scope: Scope, indent: int, base: str) -> None:
        flag = self.name("o")
        self.emit(indent, f"{flag} = f[{self.pos()}]", base + el.path)
        self.const += 1
        self.materialize(indent)
        self.emit(indent, f"if {flag} and {flag} != '0':")
        inner = Scope(el.item)
        self.elements(el.body, inner, indent + 1, base + el.path + ".", set())
        self.materialize(indent + 1)
        self.emit(indent + 1, f"{flag} = {inner.build(self.ns)}")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{flag} = None")
        scope.assigned[el.path] = flag

    def custom(self, el: Custom, scope: Scope, indent: int, base: str) -> None:
        self.materialize(indent)
        fn = self.name("_x")
        self.ns[fn] = el.decode
        if isinstance(el.path, tuple):
            locals_ = [self.name("v") for _ in el.path]
            # (an empty tuple: a piece that assigns nothing, e.g. a request's version check)
            target = f"({', '.join(locals_)},)" if locals_ else "()"
            self.emit(indent, f"{target}, i = {fn}(f, i)", base + "+".join(el.path))
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


def cond_refs(els: Sequence[Element], base: str = "") -> set[str]:
    refs: set[str] = set()
    for el in els:
        if isinstance(el, Cond):
            refs.add(base + el.ref)
            refs |= cond_refs(el.body, base)
    return refs


class EncoderGen:
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
            if isinstance(el, (Proto, P)) or not _present(el, self.version):
                continue  # (protobuf-only declarations)
            if isinstance(el, Refuse):
                self.refuse(el, indent, obj)
            elif isinstance(el, Skip):
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

    def refuse(self, el: Refuse, indent: int, obj: str) -> None:
        err = self.name("_e")
        self.ns[err] = _refusal(el.reason)
        if el.ref is None:
            self.emit(indent, f"{err}()")
            return
        if el.test is None:
            raise TypeError(f"Refuse({el.reason!r}) names {el.ref!r} without a test")
        test = self.name("_t")
        self.ns[test] = el.test
        self.emit(indent, f"if {test}({obj}.{el.ref}): {err}()")


def _refusal(reason: str) -> Callable[[], NoReturn]:
    def refuse() -> NoReturn:
        raise ServerTooOld(reason)
    return refuse
