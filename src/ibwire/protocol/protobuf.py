"""ibwire's own protobuf codec (standard library only), driven by declarations.

From server version 201 a frame may carry a protobuf body (PROTOCOL-V2.md §1.2, §3). This module
holds the declarations (:class:`P`, :class:`PbType`); :mod:`.protobuf_wire` the wire primitives
(base-128 varints, negative ``int32`` / ``int64`` as 10-byte varints, zigzag, tags, skipping,
maps as repeated entry messages) and :mod:`.protobuf_compiler` the compiler that turns a
:class:`PbType` into a decoder and an encoder (length-delimited strings, bytes and nested
messages, little-endian doubles and floats, packed and unpacked repeated scalars, bools).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import RemoteProtocolError
from .codec import Kind
from .protobuf_compiler import compile_decoder, compile_encoder
from .protobuf_wire import PT

__all__ = ["PT", "P", "PbType", "format_multiplier"]

_DEFAULT_PT = {
    Kind.INT: PT.INT32, Kind.FLOAT: PT.DOUBLE, Kind.FLOAT_INF: PT.DOUBLE, Kind.DECIMAL: PT.STRING,
    Kind.BOOL: PT.BOOL, Kind.STR: PT.STRING, Kind.TAGS: PT.MAP, Kind.DATETIME: PT.STRING,
}


def format_multiplier(v: float) -> str:
    """A double as TWS's text: at most 8 decimals, trailing zeros removed (``100.0`` -> ``100``)."""
    s = f"{v:.8f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s



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
            self._dec, self._linemap = compile_decoder(self)
        return self._dec

    @property
    def encode(self) -> Callable[[Any], bytes]:
        if self._enc is None:
            self._enc = compile_encoder(self)
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
