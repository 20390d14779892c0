"""The protobuf wire format (standard library only): base-128 varints (a negative ``int32`` /
``int64`` as a 10-byte varint), zigzag, tags and wire types, skipping a field, map entries, and
the field types :class:`PT` with their wire types and integer ranges. The compiled decoders and
encoders of :mod:`ibwire.protocol.protobuf_compiler` call these; tests and diagnostics read a body
with :func:`raw_fields` and :func:`varint_field`."""

from __future__ import annotations

import struct
from enum import Enum
from typing import Any

from ..errors import LocalProtocolError
from ..models.tag_value import TagValue

__all__ = [
    "PT",
    "WIRE_VARINT",
    "WIRE_I64",
    "WIRE_LEN",
    "WIRE_I32",
    "WIRE_OF",
    "SCALAR_NUMERIC",
    "INT_RANGE",
    "encode_varint",
    "decode_varint",
    "signed_varint",
    "to_signed64",
    "zigzag_encode",
    "zigzag_decode",
    "encode_tag",
    "skip_field",
    "raw_fields",
    "varint_field",
    "encode_map_entry",
    "decode_map_entry",
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


WIRE_OF = {
    PT.INT32: WIRE_VARINT, PT.INT64: WIRE_VARINT, PT.UINT32: WIRE_VARINT, PT.UINT64: WIRE_VARINT,
    PT.SINT32: WIRE_VARINT, PT.SINT64: WIRE_VARINT, PT.BOOL: WIRE_VARINT, PT.DOUBLE: WIRE_I64,
    PT.FLOAT: WIRE_I32, PT.STRING: WIRE_LEN, PT.BYTES: WIRE_LEN, PT.MESSAGE: WIRE_LEN,
    PT.MAP: WIRE_LEN,
}
SCALAR_NUMERIC = frozenset({PT.INT32, PT.INT64, PT.UINT32, PT.UINT64, PT.SINT32, PT.SINT64,
                            PT.BOOL, PT.DOUBLE, PT.FLOAT})

INT_RANGE = {
    PT.INT32: (-(1 << 31), (1 << 31) - 1), PT.SINT32: (-(1 << 31), (1 << 31) - 1),
    PT.UINT32: (0, (1 << 32) - 1), PT.INT64: (-(1 << 63), (1 << 63) - 1),
    PT.SINT64: (-(1 << 63), (1 << 63) - 1), PT.UINT64: (0, (1 << 64) - 1),
}

# --- primitives ----------------------------------------------------------------------------------

SMALL_VARINTS = [bytes((i,)) for i in range(128)]
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
unpack_double = _DOUBLE.unpack_from
unpack_float = _FLOAT.unpack_from
pack_double = _DOUBLE.pack
pack_float = _FLOAT.pack


def encode_varint(n: int) -> bytes:
    """Base-128 varint; a negative number is its 64-bit two's complement (10 bytes)."""
    if 0 <= n < 128:
        return SMALL_VARINTS[n]
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


def signed_varint(b: bytes, p: int, first: int) -> tuple[int, int]:
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


def encode_map_entry(key: str, value: str) -> bytes:
    k = key.encode()
    v = value.encode()
    return b"\x0a" + encode_varint(len(k)) + k + b"\x12" + encode_varint(len(v)) + v


def decode_map_entry(b: bytes, p: int, end: int) -> TagValue:
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
