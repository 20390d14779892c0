"""The protobuf compiler: a :class:`~ibwire.protocol.protobuf.PbType` declaration turned into
straight-line Python source for its decoder (:func:`compile_decoder`) and its encoder
(:func:`compile_encoder`), with the value conversions between a protobuf scalar and a model
:class:`~ibwire.protocol.codec.Kind`. See the theory of operation in
:mod:`ibwire.protocol.protobuf`."""

from __future__ import annotations

import dataclasses
import itertools
import math
import struct
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from ..errors import LocalProtocolError
from ..models.tag_value import TagValue
from .codec import DECODERS, ENCODERS, UNSET_DOUBLE, Kind, dec_decimal
from .protobuf_wire import (
    INT_RANGE,
    PT,
    SCALAR_NUMERIC,
    SMALL_VARINTS,
    WIRE_LEN,
    WIRE_OF,
    decode_map_entry,
    decode_varint,
    encode_map_entry,
    encode_tag,
    encode_varint,
    pack_double,
    pack_float,
    signed_varint,
    skip_field,
    unpack_double,
    unpack_float,
    zigzag_decode,
    zigzag_encode,
)

if TYPE_CHECKING:
    from .protobuf import P, PbType

__all__ = ["compile_decoder", "compile_encoder"]

# --- value conversions between a protobuf scalar and a model kind -------------------------------

def _dec_double_str(v: float) -> str:
    return str(v)  # the official client's text of a double (OrderState margins: "1000.0")


def _enc_str_double(v: object) -> float:
    if isinstance(v, str):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise LocalProtocolError(f"expected a number, got {v!r}")
    return float(v)


_DECIMAL_BYTES: dict[bytes, Decimal] = {}
"""Decoded quantities by their protobuf bytes (they repeat, as in the text codec), bounded."""


def _dec_decimal_bytes(raw: bytes) -> Decimal | None:
    d = dec_decimal(str(raw, "utf-8"))  # sentinels ("2147483647" ...) -> None
    if d is not None and len(_DECIMAL_BYTES) < 20_000:
        _DECIMAL_BYTES[raw] = d
    return d


def _dec_double_int(v: float) -> int | None:
    return int(v) if v == v and abs(v) < UNSET_DOUBLE else None


def _dec_float(v: float) -> float | None:
    return None if v != v or not -UNSET_DOUBLE < v < UNSET_DOUBLE else v


def _dec_float_inf(v: float) -> float | None:
    return None if v != v or v >= UNSET_DOUBLE and v != math.inf else v


def _enc_double(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise LocalProtocolError(f"expected a number, got {v!r}")
    f = float(v)
    if f != f:
        raise LocalProtocolError(f"cannot send {v!r}")
    return f


def _enc_int(v: object) -> int:
    if isinstance(v, bool):
        return int(v)
    if not isinstance(v, int):
        raise LocalProtocolError(f"expected an int, got {v!r}")
    return v


def _enc_text(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, Enum):
        return str(v.value)
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return str(v)
    raise LocalProtocolError(f"expected a string, got {v!r}")



# --- the compiler --------------------------------------------------------------------------------------

_PLAIN_KIND = {PT.DOUBLE: Kind.FLOAT, PT.FLOAT: Kind.FLOAT, PT.STRING: Kind.STR, PT.BOOL: Kind.BOOL}


def _value_decoder(f: P, ns: dict[str, Any], name: str) -> tuple[str, str | None]:
    """(wire reader kind, converter expression template or None)."""
    if f.convert is not None and f.sub is None:  # hooks between the wire value and the model's
        plain = dataclasses.replace(f, kind=_PLAIN_KIND.get(f.type, Kind.INT), convert=None)
        reader, wire_conv = _value_decoder(plain, ns, name + "_w")
        ns[name + "_cv"] = f.convert[0]
        inner = wire_conv.format("{0}") if wire_conv else "{0}"
        return reader, f"{name}_cv({inner})"
    pt = f.type
    kind = f.kind
    conv: str | None = None
    if pt in (PT.STRING, PT.BYTES):
        if pt is PT.BYTES:
            return "bytes", None
        if kind is None or kind is Kind.STR:
            return "str", None
        if kind is Kind.DECIMAL:
            ns["_DCB"] = _DECIMAL_BYTES
            ns["_ddb"] = _dec_decimal_bytes
            return "decimal", None
        ns[name] = DECODERS[kind]
        return "str", f"{name}({{}})"
    if pt is PT.DOUBLE or pt is PT.FLOAT:
        if kind is Kind.STR:
            ns[name] = _dec_double_str
        elif kind is Kind.INT:
            ns[name] = _dec_double_int
        elif kind is Kind.FLOAT_INF:
            ns[name] = _dec_float_inf
        else:  # inline: unset (Double.MAX_VALUE, infinities) and NaN become None
            ns["_MAXF"] = UNSET_DOUBLE
            return ("double" if pt is PT.DOUBLE else "float"), "({0} if -_MAXF < {0} < _MAXF else None)"
        conv = f"{name}({{}})"
        return ("double" if pt is PT.DOUBLE else "float"), conv
    if pt is PT.BOOL:
        if kind is Kind.INT:
            return "varint", "int({} != 0)"
        return "varint", "{} != 0"
    # integer types
    if pt in (PT.SINT32, PT.SINT64):
        ns["_zz"] = zigzag_decode
        base = "_zz({})"
    elif pt in (PT.UINT32, PT.UINT64):
        base = "{}"
    else:
        base = None
    if kind is Kind.BOOL:
        return ("uvarint" if base else "svarint"), (base.format("{}") if base else "{}") + " != 0"
    if kind is Kind.STR:
        return ("uvarint" if base else "svarint"), "str(" + (base or "{}") + ")"
    return ("uvarint" if base else "svarint"), base


def compile_decoder(t: PbType) -> tuple[Callable[[bytes, int, int], Any], dict[int, int]]:
    """The decoder of ``t`` (``decode(buffer, start, end)``) and its line map: the field number
    each line of the generated source reads, for :meth:`~ibwire.protocol.protobuf.PbType.explain`."""
    from .compiler import Scope  # the text compiler's model builder (dotted paths, defaults)

    ns: dict[str, Any] = {"_vr": decode_varint, "_svr": signed_varint, "_skip": skip_field,
                          "_ud": unpack_double, "_uf": unpack_float, "_me": decode_map_entry}
    lines: list[str] = []
    linemap: dict[int, int] = {}
    counter = itertools.count()

    def emit(indent: int, text: str, number: int | None = None) -> None:
        lines.append("    " * indent + text)
        if number is not None:
            linemap[len(lines) + 1] = number  # +1: the def line

    scope = Scope(t.cls)
    locals_: list[str] = []
    branches: list[tuple[int, P, str]] = []
    paths = {f.path: f"v{f.number}" for f in t.fields}
    fixups: list[tuple[str, str, str]] = []  # (object local, attribute rest, value local)
    for f in t.fields:
        local = f"v{f.number}"
        locals_.append(local)
        owner = next((q for q in paths if q and f.path.startswith(q + ".")), None)
        if not f.path:  # a flat sub-message: its fields are the holder's own attributes
            assert f.sub is not None, f"{t.name}: field {f.number} has no path"
            own = {fld.name for fld in dataclasses.fields(t.cls)}
            for g in f.sub.fields:
                if g.path in own:
                    scope.assigned[g.path] = f"({local}.{g.path} if {local} is not None else None)"
        elif owner is None:
            scope.assigned[f.path] = local
        else:  # a field of a sub-message decoded on its own (ContractData's details.contract)
            fixups.append((paths[owner], f.path[len(owner) + 1:], local))
        branches.append((f.number, f, local))
    for f, local in zip(t.fields, locals_):
        emit(1, f"{local} = []" if f.repeated or f.type is PT.MAP else f"{local} = None")
    # Fast path: a body written in field order (as every encoder does) is read straight through,
    # one test per declared field; whatever is left (other orders, unknown or packed fields) goes
    # through the loop below, which alone is complete.
    for number, f, local in branches:
        pt = f.type
        if f.repeated and pt in SCALAR_NUMERIC:
            continue
        tb = encode_tag(number, WIRE_OF[pt])
        if len(tb) == 1:
            test = f"p < end and b[p] == {tb[0]}"
        elif len(tb) == 2:
            test = f"p + 1 < end and b[p] == {tb[0]} and b[p + 1] == {tb[1]}"
        else:
            continue
        many = f.repeated or pt is PT.MAP
        emit(1, f"{'while' if many else 'if'} {test}:", number)
        emit(2, f"p += {len(tb)}", number)
        _emit_read(emit, ns, f, local, tb[0] & 7, counter, ind=2, track=False)
    emit(1, "while p < end:")
    emit(2, "t = b[p]")
    emit(2, "p += 1")
    emit(2, "if t >= 0x80: t, p = _vr(b, p, t)")
    first = True
    known: set[int] = set()
    for number, f, local in branches:
        known.add(number)
        pt = f.type
        wire = WIRE_OF[pt]
        tags = [(number << 3) | wire]
        if f.repeated and pt in SCALAR_NUMERIC:
            tags.append((number << 3) | WIRE_LEN)  # packed
        for tag in tags:
            kw = "if" if first else "elif"
            first = False
            emit(2, f"{kw} t == {tag}:", number)
            _emit_read(emit, ns, f, local, tag & 7, counter)
    emit(2, "else:" if not first else "if True:")
    ns["_known"] = frozenset(known)
    emit(3, "if t >> 3 in _known: raise ValueError("
         "f'field {t >> 3} has wire type {t & 7}, not the declared one')")
    emit(3, "p = _skip(b, p, t, end)")
    emit(1, "if p != end: raise ValueError('the last field runs past the end of the message')")
    if fixups:
        emit(1, f"r = {scope.build(ns)}")
        for obj, rest, local in fixups:
            emit(1, f"if {obj} is not None and {local} is not None: {obj}.{rest} = {local}")
        emit(1, "return r")
    else:
        emit(1, f"return {scope.build(ns)}")
    src = "def decode(b, p, end):\n" + "\n".join(lines) + "\n"
    code = compile(src, t.filename, "exec")
    exec(code, ns)  # noqa: S102 - our own generated source
    fn: Callable[[bytes, int, int], Any] = ns["decode"]
    fn.__ibwire_source__ = src  # type: ignore[attr-defined]
    return fn, linemap


def _emit_read(emit: Callable[..., None], ns: dict[str, Any], f: P, local: str, wire: int,
               counter: Any, ind: int = 3, track: bool = True) -> None:
    """Read one value of ``f`` at ``p`` (its tag already read) into ``local``; ``track`` keeps
    the value's start in ``s`` for error messages (the loop; the fast path reports ``p``)."""
    n = f.number
    name = f"_c{n}_{next(counter)}"
    repeated = f.repeated or f.type is PT.MAP

    un = None
    if f.unset is not None and not repeated:
        un = name + "_un"
        ns[un] = f.unset

    def store(expr: str) -> None:
        if un is not None:  # the unset value reads back as None
            emit(ind, f"y = {expr}", n)
            expr = f"None if y == {un} else y"
        if repeated:
            emit(ind, f"{local}.append({expr})", n)
        else:
            emit(ind, f"{local} = {expr}", n)

    def length() -> None:
        if track:
            emit(ind, "s = p", n)
        emit(ind, "q = b[p]", n)
        emit(ind, "p += 1", n)
        emit(ind, "if q >= 0x80: q, p = _vr(b, p, q)", n)
        emit(ind, "q += p", n)
        emit(ind, "if q > end: raise ValueError('length runs past the end of the message')", n)

    if f.sub is not None:
        ns[name] = f.sub
        length()
        expr = f"{name}.decode_at(b, p, q)"
        if f.convert is not None:
            cv = name + "_cv"
            ns[cv] = f.convert[0]
            expr = f"{cv}({expr})"
        store(expr)
        emit(ind, "p = q", n)
        return
    if f.type is PT.MAP:
        length()
        store("_me(b, p, q)")
        emit(ind, "p = q", n)
        return
    reader, conv = _value_decoder(f, ns, name)
    if wire == WIRE_LEN and reader not in ("str", "bytes", "decimal"):
        # packed repeated scalars
        length()
        emit(ind, "while p < q:", n)
        ind += 1
        _emit_scalar(emit, ind, reader, conv, n, store, track)
        ind -= 1
        emit(ind, "if p != q: raise ValueError('packed values run past their length')", n)
        return
    if reader in ("str", "bytes", "decimal"):
        length()
        if reader == "bytes":
            store("bytes(b[p:q])")
        elif reader == "decimal":
            emit(ind, "x = b[p:q]", n)
            store("_DCB.get(x) or _ddb(x)")
        else:
            emit(ind, "x = str(b[p:q], 'utf-8') or None", n)
            if conv is not None:
                store("None if x is None else " + conv.format("x"))
            else:
                store("x")
        emit(ind, "p = q", n)
        return
    _emit_scalar(emit, ind, reader, conv, n, store, track)


def _emit_scalar(emit: Callable[..., None], ind: int, reader: str, conv: str | None, n: int,
                 store: Callable[[str], None], track: bool = True) -> None:
    if track:
        emit(ind, "s = p", n)
    if reader == "double":
        emit(ind, "x = _ud(b, p)[0]", n)
        emit(ind, "p += 8", n)
    elif reader == "float":
        emit(ind, "x = _uf(b, p)[0]", n)
        emit(ind, "p += 4", n)
    else:
        emit(ind, "x = b[p]", n)
        emit(ind, "p += 1", n)
        fn = "_svr" if reader == "svarint" else "_vr"
        emit(ind, f"if x >= 0x80: x, p = {fn}(b, p, x)", n)
    store(conv.format("x") if conv else "x")


def compile_encoder(t: PbType) -> Callable[[Any], bytes]:
    """The encoder of ``t``: a model object to the protobuf body."""
    ns: dict[str, Any] = {"_ev": encode_varint, "_S": SMALL_VARINTS, "_pd": pack_double, "_pf": pack_float,
                          "_mentry": encode_map_entry, "_txt": _enc_text, "_int": _enc_int,
                          "_dbl": _enc_double, "_sdbl": _enc_str_double,
                          "_zz": zigzag_encode, "_LPE": LocalProtocolError}
    lines: list[str] = ["def encode(m):", "    out = []", "    a = out.append"]
    counter = itertools.count()

    def emit(indent: int, text: str) -> None:
        lines.append("    " * indent + text)

    for f in t.fields:
        pt = f.type
        wire = WIRE_OF[pt]
        tag = encode_tag(f.number, wire)
        tname = f"_t{f.number}"
        ns[tname] = tag
        x = f"x{f.number}"
        if not f.path:  # flat: build the sub-message from the holder's attributes
            flat = f"_flat{f.number}"
            ns[flat] = _flattener(f.sub)
            emit(1, f"{x} = {flat}(m)")
        elif f.unset is not None:
            un = f"_un{f.number}"
            ns[un] = f.unset
            emit(1, f"{x} = m.{f.path}")
            emit(1, f"if {x} is None: {x} = {un}")
        else:
            emit(1, f"{x} = m.{f.path}")
        if f.sub is not None:
            sub = f"_s{f.number}"
            ns[sub] = f.sub
            cv = ""
            if f.convert is not None:
                cv = f"_cv{f.number}"
                ns[cv] = f.convert[1]
            item = "it" if f.repeated else x
            if f.repeated:
                emit(1, f"for it in {x} or ():")
            elif f.always and cv:  # the hook builds the sub-message even from None
                emit(1, "if True:")
            else:
                emit(1, f"if {x} is not None:")
            value = f"{cv}({item})" if cv else item
            emit(2, f"y = {sub}.encode({value})")
            emit(2, f"a({tname}); a(_ev(len(y))); a(y)")
            continue
        if pt is PT.MAP:
            ns["_TV"] = TagValue
            emit(1, f"for it in {x} or ():")
            emit(2, "y = _mentry(_txt(it.tag), _txt(it.value))")
            emit(2, f"a({tname}); a(_ev(len(y))); a(y)")
            continue
        value_expr = _scalar_encoder(f, ns, f"_e{f.number}_{next(counter)}")
        if f.repeated:
            if pt in SCALAR_NUMERIC:
                ptag = f"_pt{f.number}"
                ns[ptag] = encode_tag(f.number, WIRE_LEN)
                emit(1, f"if {x}:")
                emit(2, "y = b''.join([" + value_expr.format("it") + f" for it in {x}])")
                emit(2, f"a({ptag}); a(_ev(len(y))); a(y)")
            else:
                emit(1, f"for it in {x} or ():")
                emit(2, f"a({tname}); a({value_expr.format('it')})")
            continue
        if pt is PT.BOOL and not f.always:
            emit(1, f"if {x}: a({tname}); a(b'\\x01')")
        elif (pt in (PT.STRING, PT.BYTES) or f.kind is Kind.STR) and not f.always:
            # ("" is TWS's text for unset: a multiplier "" is no double at all)
            emit(1, f"if {x} is not None and {x} != '':")
            emit(2, f"a({tname}); a({value_expr.format(x)})")
        else:
            emit(1, f"if {x} is not None:")
            emit(2, f"a({tname}); a({value_expr.format(x)})")
    lines.append("    return b''.join(out)")
    src = "\n".join(lines) + "\n"
    exec(compile(src, f"<ibwire protobuf encode {t.name}>", "exec"), ns)  # noqa: S102
    raw: Callable[[Any], bytes] = ns["encode"]
    name = t.name

    def encode(m: Any) -> bytes:
        try:
            return raw(m)
        except LocalProtocolError as exc:
            raise LocalProtocolError(f"cannot encode protobuf {name}: {exc}") from exc
        except (AttributeError, TypeError, ValueError, OverflowError, struct.error) as exc:
            raise LocalProtocolError(f"cannot encode protobuf {name}: {exc}") from exc

    encode.__ibwire_source__ = src  # type: ignore[attr-defined]
    return encode


def _scalar_encoder(f: P, ns: dict[str, Any], name: str) -> str:
    """Expression template (``{}`` = the model value) giving the encoded bytes after the tag."""
    if f.convert is not None and f.sub is None:
        plain = dataclasses.replace(f, kind=_PLAIN_KIND.get(f.type, Kind.INT), convert=None)
        ns[name + "_cv"] = f.convert[1]
        return _scalar_encoder(plain, ns, name + "_w").replace("{}", f"{name}_cv({{}})").replace(
            "{0}", f"{name}_cv({{0}})")
    pt = f.type
    kind = f.kind
    if pt in (PT.STRING, PT.BYTES):
        if pt is PT.BYTES:
            return "(_ev(len({0})) + bytes({0}))"
        if kind is None or kind is Kind.STR:
            ns[name] = _str_bytes
        else:
            text_enc = ENCODERS[kind]
            ns[name] = lambda v, _e=text_enc: _str_bytes(_e(v))
        return f"{name}({{}})"
    if pt is PT.DOUBLE:
        return ("_pd(_sdbl({}))" if kind is Kind.STR else "_pd(_dbl({}))")
    if pt is PT.FLOAT:
        return "_pf(_dbl({}))"
    if pt is PT.BOOL:
        return "(b'\\x01' if {} else b'\\x00')"
    lo, hi = INT_RANGE[pt]
    ns[name + "_lo"], ns[name + "_hi"] = lo, hi
    if kind is Kind.STR:
        inner = "int({})"
    else:
        inner = "_int({})"
    check = f"_chk({inner}, {name}_lo, {name}_hi)"
    ns["_chk"] = _check_range
    if pt in (PT.SINT32, PT.SINT64):
        return f"_ev(_zz({check}))"
    return f"_ev({check})"


def _flattener(sub: PbType | None) -> Callable[[Any], Any]:
    assert sub is not None
    cls = sub.cls
    names = [g.path for g in sub.fields]

    def flat(holder: Any) -> Any:
        return cls(**{a: getattr(holder, a, None) for a in names})

    return flat


def _check_range(v: int, lo: int, hi: int) -> int:
    if not lo <= v <= hi:
        raise LocalProtocolError(f"integer {v} outside {lo}..{hi}")
    return v


def _str_bytes(v: object) -> bytes:
    s = (v if isinstance(v, str) else _enc_text(v)).encode()
    n = len(s)
    return (SMALL_VARINTS[n] if n < 128 else encode_varint(n)) + s
