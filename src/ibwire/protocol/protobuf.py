"""ibwire's own protobuf codec (standard library only), driven by declarations.

From server version 201 a frame may carry a protobuf body (PROTOCOL-V2.md §1.2, §3). This module
holds the wire primitives (base-128 varints, negative ``int32`` / ``int64`` as 10-byte varints,
zigzag, length-delimited strings, bytes and nested messages, little-endian doubles and floats,
packed and unpacked repeated scalars, maps as repeated entry messages, bools) and the compiler
that turns a :class:`PbType` declaration into a decoder and an encoder.

Declarations: a :class:`PbType` names a model class and lists its fields as :class:`P` — field
number, attribute path on the model, the value :class:`~ibwire.protocol.codec.Kind` the model
holds, and the protobuf scalar type (:class:`PT`) when it is not the kind's usual one (an ``int``
kind travels as ``int32`` unless told ``INT64``; a decimal quantity is a ``string``; a contract's
multiplier is a ``double`` although the model keeps TWS's text). Field numbers are protocol facts
(PROTOCOL-V2.md Appendix A); nothing here is generated from IB's ``.proto`` files.

Theory of operation: like the text schemas (:mod:`ibwire.protocol.compiler`), each type is compiled
once into straight-line Python source. The decoder first reads the body as every encoder writes
it, in field order: one test per declared field (``if b[p] == <tag>``), with a single-byte varint
read inline; whatever is left (fields out of order, packed or unknown fields, repeats) goes through
a loop over the remaining tags with one branch per field, which alone is complete. Values are
converted where they are read and the model is built in one constructor call (nested types by
their own compiled decoders, reading the same buffer in place: no copies). A field that is absent stays ``None``,
exactly as a text sentinel does. Unknown fields are skipped, as protobuf requires; a known field
with the wrong wire type, a truncated body or a bad value raises, and
:meth:`PbType.explain` turns the failure into a :class:`~ibwire.errors.RemoteProtocolError` that
names the message, the field number (through nested types) and the raw bytes there.

Encoding follows the official client 10.51 (§3.4): ``None`` and ``""`` are omitted, ``False`` is
omitted unless a field says ``always``, zeros are written, sub-messages that the model holds are
written even when empty; a field's ``unset`` value stands for ``None`` both ways (conId 0). The
fixed requests of the oracle suite match the official client byte for byte from 201 to 226.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from ..errors import LocalProtocolError, RemoteProtocolError
from ..models.tag_value import TagValue
from .codec import DECODERS, ENCODERS, UNSET_DOUBLE, Kind, dec_decimal

__all__ = [
    "PT",
    "P",
    "PbType",
    "WIRE_VARINT",
    "WIRE_I64",
    "WIRE_LEN",
    "WIRE_I32",
    "encode_varint",
    "decode_varint",
    "to_signed64",
    "zigzag_encode",
    "zigzag_decode",
    "encode_tag",
    "skip_field",
    "raw_fields",
    "varint_field",
    "format_multiplier",
]

WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32 = 0, 1, 2, 5
_WIRE_NAMES = {0: "varint", 1: "64-bit", 2: "length-delimited", 3: "start group", 4: "end group",
               5: "32-bit"}


class PT(Enum):
    """Protobuf field types (the scalar types 10.51 uses, plus the rest of the standard set)."""

    INT32 = "int32"
    INT64 = "int64"
    UINT32 = "uint32"
    UINT64 = "uint64"
    SINT32 = "sint32"
    SINT64 = "sint64"
    BOOL = "bool"
    DOUBLE = "double"
    FLOAT = "float"
    STRING = "string"
    BYTES = "bytes"
    MESSAGE = "message"
    MAP = "map<string,string>"


_WIRE_OF = {
    PT.INT32: WIRE_VARINT, PT.INT64: WIRE_VARINT, PT.UINT32: WIRE_VARINT, PT.UINT64: WIRE_VARINT,
    PT.SINT32: WIRE_VARINT, PT.SINT64: WIRE_VARINT, PT.BOOL: WIRE_VARINT, PT.DOUBLE: WIRE_I64,
    PT.FLOAT: WIRE_I32, PT.STRING: WIRE_LEN, PT.BYTES: WIRE_LEN, PT.MESSAGE: WIRE_LEN,
    PT.MAP: WIRE_LEN,
}
_SCALAR_NUMERIC = frozenset({PT.INT32, PT.INT64, PT.UINT32, PT.UINT64, PT.SINT32, PT.SINT64,
                             PT.BOOL, PT.DOUBLE, PT.FLOAT})
_DEFAULT_PT = {
    Kind.INT: PT.INT32, Kind.FLOAT: PT.DOUBLE, Kind.FLOAT_INF: PT.DOUBLE, Kind.DECIMAL: PT.STRING,
    Kind.BOOL: PT.BOOL, Kind.STR: PT.STRING, Kind.TAGS: PT.MAP, Kind.DATETIME: PT.STRING,
}
_INT_RANGE = {
    PT.INT32: (-(1 << 31), (1 << 31) - 1), PT.SINT32: (-(1 << 31), (1 << 31) - 1),
    PT.UINT32: (0, (1 << 32) - 1), PT.INT64: (-(1 << 63), (1 << 63) - 1),
    PT.SINT64: (-(1 << 63), (1 << 63) - 1), PT.UINT64: (0, (1 << 64) - 1),
}

# --- primitives ----------------------------------------------------------------------------------

_SMALL = [bytes((i,)) for i in range(128)]
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_unpack_d = _DOUBLE.unpack_from
_unpack_f = _FLOAT.unpack_from
_pack_d = _DOUBLE.pack
_pack_f = _FLOAT.pack


def encode_varint(n: int) -> bytes:
    """Base-128 varint; a negative number is its 64-bit two's complement (10 bytes)."""
    if 0 <= n < 128:
        return _SMALL[n]
    if n < 0:
        n += 1 << 64
        if n < 0:
            raise LocalProtocolError("integer below the 64-bit range")
    elif n >= 1 << 64:
        raise LocalProtocolError(f"integer {n} above the 64-bit range")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def decode_varint(b: bytes, p: int, first: int | None = None) -> tuple[int, int]:
    """Read an unsigned varint at ``p`` (or continue one whose first byte, already read, was
    ``first``); return ``(value, next position)``."""
    if first is None:
        first = b[p]
        p += 1
        if first < 0x80:
            return first, p
    value = first & 0x7F
    shift = 7
    while True:
        x = b[p]  # IndexError: truncated
        p += 1
        value |= (x & 0x7F) << shift
        if x < 0x80:
            break
        shift += 7
        if shift >= 70:
            raise ValueError("varint longer than 10 bytes")
    return value & 0xFFFFFFFFFFFFFFFF, p


def to_signed64(u: int) -> int:
    return u - (1 << 64) if u >= 1 << 63 else u


def _signed_varint(b: bytes, p: int, first: int) -> tuple[int, int]:
    v, p = decode_varint(b, p, first)
    return (v - (1 << 64) if v >= 1 << 63 else v), p


def zigzag_encode(n: int) -> int:
    return (n << 1) ^ (n >> 63) if n < 0 else n << 1


def zigzag_decode(u: int) -> int:
    return (u >> 1) ^ -(u & 1)


def encode_tag(number: int, wire: int) -> bytes:
    return encode_varint((number << 3) | wire)


def skip_field(b: bytes, p: int, tag: int, end: int) -> int:
    """Skip the value of a field whose tag was just read; return the position after it."""
    wire = tag & 7
    if wire == WIRE_VARINT:
        while b[p] & 0x80:
            p += 1
        p += 1
    elif wire == WIRE_I64:
        p += 8
    elif wire == WIRE_LEN:
        n, p = decode_varint(b, p)
        p += n
    elif wire == WIRE_I32:
        p += 4
    else:
        raise ValueError(f"field {tag >> 3} has unsupported wire type {wire} "
                         f"({_WIRE_NAMES.get(wire, '?')})")
    if p > end:
        raise ValueError(f"field {tag >> 3} runs past the end of its message")
    return p


def raw_fields(b: bytes, p: int = 0, end: int | None = None) -> list[tuple[int, int, Any]]:
    """Every field of a body as ``(number, wire type, raw value)`` -- varints unsigned, 64/32-bit
    values as their bytes, length-delimited as bytes. For tests and diagnostics."""
    end = len(b) if end is None else end
    out: list[tuple[int, int, Any]] = []
    while p < end:
        tag, p = decode_varint(b, p)
        q = skip_field(b, p, tag, end)
        wire = tag & 7
        if wire == WIRE_VARINT:
            value: Any = decode_varint(b, p)[0]
        elif wire == WIRE_LEN:
            n, p2 = decode_varint(b, p)
            value = bytes(b[p2:p2 + n])
        else:
            value = bytes(b[p:q])
        out.append((tag >> 3, wire, value))
        p = q
    return out


def varint_field(b: bytes, number: int, p: int = 0, end: int | None = None) -> int | None:
    """The last value of varint field ``number`` in a body (signed 64-bit), or None: e.g. the
    request id (field 1 of every protobuf request that has one) of a message ibwire has no type
    for, or of one that failed to decode, so that it can still name its request. A body damaged
    after the field still gives the value read before the damage."""
    end = len(b) if end is None else end
    value = None
    try:
        while p < end:
            tag, p = decode_varint(b, p)
            if tag == (number << 3) | WIRE_VARINT:
                u, p = decode_varint(b, p)
                value = to_signed64(u)
            else:
                p = skip_field(b, p, tag, end)
    except (IndexError, ValueError):
        pass  # a damaged body: what was read before the damage still names the request
    return value


def _enc_map_entry(key: str, value: str) -> bytes:
    k = key.encode()
    v = value.encode()
    return b"\x0a" + encode_varint(len(k)) + k + b"\x12" + encode_varint(len(v)) + v


def _dec_map_entry(b: bytes, p: int, end: int) -> TagValue:
    key = value = ""
    while p < end:
        tag = b[p]
        p += 1
        if tag >= 0x80:
            tag, p = decode_varint(b, p, tag)
        if tag == 0x0A or tag == 0x12:
            n, p = decode_varint(b, p)
            q = p + n
            if q > end:
                raise ValueError("map entry runs past its end")
            s = str(b[p:q], "utf-8")
            p = q
            if tag == 0x0A:
                key = s
            else:
                value = s
        else:
            p = skip_field(b, p, tag, end)
    return TagValue(key, value)


def format_multiplier(v: float) -> str:
    """A double as TWS's text: at most 8 decimals, trailing zeros removed (``100.0`` -> ``100``)."""
    s = f"{v:.8f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


# value conversions between a protobuf scalar and a model kind -----------------------------------

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


# --- declarations ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class P:
    """One protobuf field: ``number``, model attribute ``path`` (dotted for nested model objects),
    the model's value ``kind``, the protobuf type ``pt`` (default: the kind's usual type),
    ``sub`` for a nested message type, ``repeated``, ``always`` (write ``False`` / ``""`` too),
    ``convert`` = (decode, encode) hooks applied to a sub-message's model value, ``unset``: the
    value written for ``None`` and read back as ``None`` (the official client writes conId 0 for
    "no conId"), and IB's field ``name`` for documentation and error messages.

    A sub-message with ``path=""`` is *flat*: its fields are attributes of the object that holds
    it (CANCEL_ORDER's OrderCancel block is the message's own manualOrderCancelTime, extOperator
    and manualOrderIndicator); it is always written, empty when the holder has none of them."""

    number: int
    path: str
    kind: Kind | None = None
    pt: PT | None = None
    sub: PbType | None = None
    repeated: bool = False
    always: bool = False
    convert: tuple[Callable[[Any], Any], Callable[[Any], Any]] | None = None
    unset: int | float | str | None = None
    name: str = ""

    @property
    def type(self) -> PT:
        if self.sub is not None:
            return PT.MESSAGE
        if self.pt is not None:
            return self.pt
        if self.kind is None:
            raise TypeError(f"protobuf field {self.number} ({self.path}) has neither kind nor type")
        return _DEFAULT_PT[self.kind]


_ids = itertools.count()


class PbType:
    """A protobuf message type mapped onto a model class; compiled lazily, once."""

    def __init__(self, name: str, cls: type, fields: Sequence[P]) -> None:
        self.name = name
        self.cls = cls
        self.fields = tuple(sorted(fields, key=lambda f: f.number))
        numbers = [f.number for f in self.fields]
        if len(set(numbers)) != len(numbers):
            raise TypeError(f"{name}: a field number is declared twice")
        for f in self.fields:
            if not 1 <= f.number < 1 << 29:
                raise TypeError(f"{name}: bad field number {f.number}")
            f.type  # noqa: B018 - validates the declaration
        self._dec: Callable[[bytes, int, int], Any] | None = None
        self._enc: Callable[[Any], bytes] | None = None
        self._linemap: dict[int, int] = {}
        self.filename = f"<ibwire protobuf {name} #{next(_ids)}>"
        self.by_number = {f.number: f for f in self.fields}

    def __repr__(self) -> str:
        return f"<PbType {self.name} -> {self.cls.__name__}>"

    # --- public ----------------------------------------------------------------------------------

    @property
    def decode_at(self) -> Callable[[bytes, int, int], Any]:
        """``decode_at(buffer, start, end)``: decode ``buffer[start:end]`` without copying it."""
        if self._dec is None:
            self._dec = _compile_decoder(self)
        return self._dec

    @property
    def encode(self) -> Callable[[Any], bytes]:
        if self._enc is None:
            self._enc = _compile_encoder(self)
        return self._enc

    def without(self, *numbers: int, name: str | None = None) -> PbType:
        """The same type without some fields (what one direction never writes: the official client
        leaves Order.orderId out of PlaceOrderRequest, which carries it in its own field 1)."""
        return PbType(name or self.name, self.cls, [f for f in self.fields if f.number not in numbers])

    def fields_at(self, prefix: str) -> tuple[P, ...]:
        """This type's fields with their paths under ``prefix`` (a message whose protobuf fields
        are a block's, held in one attribute of its model: COMMISSION_AND_FEES_REPORT)."""
        return tuple(dataclasses.replace(f, path=prefix + f.path) for f in self.fields)

    def decode(self, body: bytes) -> Any:
        return self.decode_at(body, 0, len(body))

    def explain(self, exc: BaseException, body: bytes, start: int, msg_id: int | None,
                what: str) -> RemoteProtocolError:
        """A decode failure as an error naming the field (through nested types) and its bytes."""
        chain: list[str] = []
        pos = start
        field_no: int | None = None
        types = _all_types(self)
        tb = exc.__traceback__
        while tb is not None:
            t = types.get(tb.tb_frame.f_code.co_filename)
            if t is not None:
                number = t._linemap.get(tb.tb_lineno)
                loc = tb.tb_frame.f_locals
                if number is not None:
                    f = t.by_number[number]
                    chain.append(f"{t.name}.{f.name or f.path} (field {number})")
                    field_no = number
                    at = loc.get("s")
                    pos = at if isinstance(at, int) else int(loc.get("p", pos))
                else:
                    chain.append(t.name)
                    pos = int(loc.get("p", pos))
            tb = tb.tb_next
        raw = bytes(body[pos:pos + 16]).hex(" ")
        where = " > ".join(chain) or self.name
        return RemoteProtocolError(
            f"{what}: protobuf {where} at byte {pos - start} of the body has bad bytes "
            f"[{raw}]: {exc}", msg_id=msg_id, field_index=field_no, raw=raw)


def _all_types(t: PbType, seen: dict[str, PbType] | None = None) -> dict[str, PbType]:
    seen = {} if seen is None else seen
    if t.filename not in seen:
        seen[t.filename] = t
        for f in t.fields:
            if f.sub is not None:
                _all_types(f.sub, seen)
    return seen


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


def _compile_decoder(t: PbType) -> Callable[[bytes, int, int], Any]:
    from .compiler import Scope  # the text compiler's model builder (dotted paths, defaults)

    ns: dict[str, Any] = {"_vr": decode_varint, "_svr": _signed_varint, "_skip": skip_field,
                          "_ud": _unpack_d, "_uf": _unpack_f, "_me": _dec_map_entry}
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
        if f.repeated and pt in _SCALAR_NUMERIC:
            continue
        tb = encode_tag(number, _WIRE_OF[pt])
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
        wire = _WIRE_OF[pt]
        tags = [(number << 3) | wire]
        if f.repeated and pt in _SCALAR_NUMERIC:
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
    t._linemap = linemap
    fn: Callable[[bytes, int, int], Any] = ns["decode"]
    fn.__ibwire_source__ = src  # type: ignore[attr-defined]
    return fn


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


def _compile_encoder(t: PbType) -> Callable[[Any], bytes]:
    ns: dict[str, Any] = {"_ev": encode_varint, "_S": _SMALL, "_pd": _pack_d, "_pf": _pack_f,
                          "_mentry": _enc_map_entry, "_txt": _enc_text, "_int": _enc_int,
                          "_dbl": _enc_double, "_sdbl": _enc_str_double,
                          "_zz": zigzag_encode, "_LPE": LocalProtocolError}
    lines: list[str] = ["def encode(m):", "    out = []", "    a = out.append"]
    counter = itertools.count()

    def emit(indent: int, text: str) -> None:
        lines.append("    " * indent + text)

    for f in t.fields:
        pt = f.type
        wire = _WIRE_OF[pt]
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
            if pt in _SCALAR_NUMERIC:
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
    lo, hi = _INT_RANGE[pt]
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
    return (_SMALL[n] if n < 128 else encode_varint(n)) + s
