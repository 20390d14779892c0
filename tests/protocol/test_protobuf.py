"""The protobuf codec: wire primitives, compiled types, failures that name the field."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibwire.errors import LocalProtocolError, RemoteProtocolError
from ibwire.models.tag_value import TagValue
from ibwire.protocol.codec import Kind
from ibwire.protocol.protobuf import PT, P, PbType, format_multiplier
from ibwire.protocol.protobuf_wire import (
    WIRE_I64,
    WIRE_LEN,
    WIRE_VARINT,
    decode_varint,
    encode_tag,
    encode_varint,
    raw_fields,
    skip_field,
    to_signed64,
    varint_field,
    zigzag_decode,
    zigzag_encode,
)

# --- primitives --------------------------------------------------------------------------------


@given(st.integers(0, 2**64 - 1))
def test_unsigned_varint_round_trip(n: int) -> None:
    b = encode_varint(n)
    assert decode_varint(b, 0) == (n, len(b))
    assert len(b) == max(1, math.ceil(n.bit_length() / 7))


@given(st.integers(-(2**63), -1))
def test_negative_numbers_are_ten_byte_twos_complement(n: int) -> None:
    b = encode_varint(n)
    assert len(b) == 10
    assert to_signed64(decode_varint(b, 0)[0]) == n


def test_known_varints() -> None:
    assert encode_varint(0) == b"\x00"
    assert encode_varint(1) == b"\x01"
    assert encode_varint(300) == b"\xac\x02"
    assert encode_varint(8314) == b"\xfa\x40"  # the conId of the sheet's REROUTE frame
    assert encode_varint(-1) == bytes.fromhex("ffffffffffffffffff01")
    assert encode_tag(66, WIRE_VARINT) == b"\x90\x04"  # Order.transmit
    assert encode_tag(105, WIRE_LEN) == b"\xca\x06"  # Order.softDollarTier


@given(st.integers(-(2**63), 2**63 - 1))
def test_zigzag_round_trip(n: int) -> None:
    u = zigzag_encode(n)
    assert u >= 0
    assert zigzag_decode(u) == n


def test_zigzag_small_values() -> None:
    assert [zigzag_encode(n) for n in (0, -1, 1, -2, 2)] == [0, 1, 2, 3, 4]


def test_out_of_range_and_truncated_varints() -> None:
    with pytest.raises(LocalProtocolError):
        encode_varint(2**64)
    with pytest.raises(IndexError):
        decode_varint(b"\x80\x80", 0)
    with pytest.raises(ValueError, match="longer than 10"):
        decode_varint(b"\xff" * 11 + b"\x01", 0)


def test_skip_field_every_wire_type() -> None:
    body = (b"\x08\xac\x02" + b"\x11" + b"\x00" * 8 + b"\x1a\x03abc" + b"\x25" + b"\x00" * 4 + b"\x28\x01")
    assert [(n, w) for n, w, _ in raw_fields(body)] == [(1, 0), (2, 1), (3, 2), (4, 5), (5, 0)]
    with pytest.raises(ValueError, match="wire type 3"):
        skip_field(b"\x00", 0, (7 << 3) | 3, 1)
    with pytest.raises(ValueError, match="past the end"):
        skip_field(b"\x05ab", 0, (3 << 3) | 2, 3)


def test_varint_field_finds_a_request_id_in_an_unknown_body() -> None:
    body = bytes.fromhex("08 4d 12 05") + b"SMART" + bytes.fromhex("18 01")  # reqId 77, ...
    assert varint_field(body, 1) == 77
    assert varint_field(body, 3) == 1
    assert varint_field(body, 2) is None  # a string, not a varint
    assert varint_field(bytes.fromhex("08 ff ff ff ff ff ff ff ff ff 01"), 1) == -1
    assert varint_field(b"", 1) is None
    assert varint_field(b"\x08", 1) is None  # truncated


def test_multiplier_text_of_a_double() -> None:
    assert format_multiplier(100.0) == "100"
    assert format_multiplier(0.5) == "0.5"
    assert format_multiplier(12.123456789) == "12.12345679"
    assert format_multiplier(0.0) == "0"


# --- a declared type with every field form ----------------------------------------------------------

@dataclass(slots=True)
class Inner:
    a: int | None = None
    s: str | None = None


@dataclass(slots=True)
class Everything:
    i32: int | None = None
    i64: int | None = None
    u32: int | None = None
    s32: int | None = None
    flag: bool | None = None
    d: float | None = None
    f: float | None = None
    text: str | None = None
    raw: bytes | None = None
    qty: Decimal | None = None
    inner: Inner | None = None
    inners: list[Inner] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    doubles: list[float] = field(default_factory=list)
    tags: list[TagValue] = field(default_factory=list)
    mult: str | None = None


INNER = PbType("Inner", Inner, (P(1, "a", Kind.INT), P(2, "s", Kind.STR)))
EVERYTHING = PbType("Everything", Everything, (
    P(1, "i32", Kind.INT), P(2, "i64", Kind.INT, pt=PT.INT64), P(3, "u32", Kind.INT, pt=PT.UINT32),
    P(4, "s32", Kind.INT, pt=PT.SINT32), P(5, "flag", Kind.BOOL), P(6, "d", Kind.FLOAT),
    P(7, "f", Kind.FLOAT, pt=PT.FLOAT), P(8, "text", Kind.STR), P(9, "raw", pt=PT.BYTES),
    P(10, "qty", Kind.DECIMAL), P(11, "inner", sub=INNER), P(12, "inners", sub=INNER, repeated=True),
    P(13, "ints", Kind.INT, repeated=True), P(14, "doubles", Kind.FLOAT, repeated=True),
    P(15, "tags", Kind.TAGS), P(300, "mult", Kind.STR, pt=PT.DOUBLE),
))

_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
_floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
_inner = st.builds(Inner, st.none() | st.integers(-(2**31), 2**31 - 1), st.none() | _text)


@st.composite
def everything(draw: st.DrawFn) -> Everything:
    return Everything(
        i32=draw(st.none() | st.integers(-(2**31), 2**31 - 1)),
        i64=draw(st.none() | st.integers(-(2**63), 2**63 - 1)),
        u32=draw(st.none() | st.integers(0, 2**32 - 1)),
        s32=draw(st.none() | st.integers(-(2**31), 2**31 - 1)),
        flag=draw(st.sampled_from([None, True])),  # False travels as "absent" (official client)
        d=draw(st.none() | _floats),
        f=draw(st.none() | st.floats(width=32, allow_nan=False, allow_infinity=False)),
        text=draw(st.none() | _text),
        raw=draw(st.none() | st.binary(min_size=1, max_size=20)),
        qty=draw(st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=4,
                                           min_value=-10**9, max_value=10**9)),
        inner=draw(st.none() | _inner),
        inners=draw(st.lists(_inner, max_size=3)),
        ints=draw(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=5)),
        doubles=draw(st.lists(_floats, max_size=5)),
        tags=draw(st.lists(st.builds(TagValue, _text, _text), max_size=3)),
        mult=draw(st.none() | st.sampled_from(["100.0", "0.5", "12.125", "1e+20"])),
    )


@given(everything())
def test_every_field_form_round_trips(msg: Everything) -> None:
    assert EVERYTHING.decode(EVERYTHING.encode(msg)) == msg


def test_absent_fields_decode_to_none_and_empty_lists() -> None:
    assert EVERYTHING.decode(b"") == Everything()


def test_empty_and_false_values_are_omitted_zeros_are_written() -> None:
    assert EVERYTHING.encode(Everything(flag=False, text="", i32=0)) == b"\x08\x00"
    assert EVERYTHING.decode(b"\x08\x00\x28\x00") == Everything(i32=0, flag=False)


def test_packed_and_unpacked_repeated_scalars_both_decode() -> None:
    packed = EVERYTHING.encode(Everything(ints=[1, 300, -1]))
    assert packed == b"\x6a\x0d\x01\xac\x02" + bytes.fromhex("ffffffffffffffffff01")
    unpacked = b"\x68\x01\x68\xac\x02\x68" + bytes.fromhex("ffffffffffffffffff01")
    assert EVERYTHING.decode(unpacked).ints == [1, 300, -1]
    doubles = b"\x71" + struct.pack("<d", 1.5) + b"\x72\x08" + struct.pack("<d", 2.5)
    assert EVERYTHING.decode(doubles).doubles == [1.5, 2.5]


def test_map_entries_in_either_order_and_with_missing_key_or_value() -> None:
    body = b"\x7a\x06\x12\x01v\x0a\x01k" + b"\x7a\x03\x0a\x01x"
    assert EVERYTHING.decode(body).tags == [TagValue("k", "v"), TagValue("x", "")]


def test_unknown_fields_are_skipped_the_last_value_wins() -> None:
    body = b"\x08\x01" + b"\xa0\x06\x05" + b"\xa2\x06\x02hi" + b"\x08\x02"  # fields 100 and 100
    assert EVERYTHING.decode(body) == Everything(i32=2)


@pytest.mark.parametrize("body, number, what", [
    (b"\x08", 1, "out of range"),
    (b"\x0a\x01\x00", None, "field 1 has wire type 2"),
    (b"\x42\x05ab", 8, "past the end"),
    (b"\x52\x03abc", 10, "not a decimal"),
])
def test_a_bad_body_names_the_field_and_its_bytes(body: bytes, number: int | None, what: str) -> None:
    with pytest.raises(Exception) as info:
        EVERYTHING.decode(body)
    err = EVERYTHING.explain(info.value, body, 0, 77, "TEST (id 77)")
    assert isinstance(err, RemoteProtocolError)
    assert err.msg_id == 77
    assert what in str(err)
    if number is not None:
        assert err.field_index == number
        assert f"(field {number})" in str(err)


@pytest.mark.parametrize("body", [
    b"\x5a\x02\x08\x80",  # inner.a: a varint cut short at the end of the frame
    b"\x5a\x02\x08\x80\x01\x08\x01",  # ... cut short by the end of the sub-message
])
def test_failure_inside_a_nested_type_names_both_fields(body: bytes) -> None:
    with pytest.raises(Exception) as info:
        EVERYTHING.decode(body)
    err = EVERYTHING.explain(info.value, body, 0, 1, "T")
    assert "Everything.inner (field 11) > Inner" in str(err)


def test_encoding_a_bad_value_is_a_local_error() -> None:
    with pytest.raises(LocalProtocolError, match="Everything"):
        EVERYTHING.encode(Everything(i32=2**31))
    with pytest.raises(LocalProtocolError):
        EVERYTHING.encode(Everything(d="x"))  # type: ignore[arg-type]


def test_declarations_are_checked() -> None:
    with pytest.raises(TypeError, match="twice"):
        PbType("X", Inner, (P(1, "a", Kind.INT), P(1, "s", Kind.STR)))
    with pytest.raises(TypeError, match="neither kind nor type"):
        PbType("X", Inner, (P(1, "a"),))


def test_a_double_the_model_keeps_as_text() -> None:
    """OrderState margins: TWS's text of a double; Contract.multiplier: at most 8 decimals."""
    @dataclass
    class M:
        margin: str | None = None
        mult: str | None = None

    t = PbType("M", M, (P(1, "margin", Kind.STR, pt=PT.DOUBLE),
                        P(2, "mult", Kind.STR, pt=PT.DOUBLE, convert=(format_multiplier, float))))
    body = t.encode(M("1000", "100"))
    assert body == b"\x09" + struct.pack("<d", 1000.0) + b"\x11" + struct.pack("<d", 100.0)
    assert t.decode(body) == M("1000.0", "100")
    assert t.encode(M("", "")) == b""  # "" is no number: unset


def test_wire_constants() -> None:
    assert (WIRE_VARINT, WIRE_I64, WIRE_LEN) == (0, 1, 2)
