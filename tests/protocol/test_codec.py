import math
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibwire.errors import LocalProtocolError
from ibwire.protocol import codec
from ibwire.protocol.codec import TagValue


@pytest.mark.parametrize("wire", ["", "2147483647", "9223372036854775807"])
def test_unset_ints_are_none(wire: str) -> None:
    assert codec.dec_int(wire) is None


@pytest.mark.parametrize("wire", ["", "1.7976931348623157E308", "1.7976931348623157e+308", "Infinity", "Infinite"])
def test_unset_floats_are_none(wire: str) -> None:
    assert codec.dec_float(wire) is None


def test_infinity_where_it_means_infinity() -> None:
    assert codec.dec_float_inf("Infinity") == math.inf
    assert codec.dec_float_inf("Infinite") == math.inf
    assert codec.enc_float_inf(math.inf) == "Infinity"
    assert codec.dec_float_inf("1.7976931348623157E308") is None


@pytest.mark.parametrize("wire", ["", "2147483647", "9223372036854775807", "1.7976931348623157E308", "-9223372036854775808"])
def test_unset_decimals_are_none(wire: str) -> None:
    assert codec.dec_decimal(wire) is None


def test_values() -> None:
    assert codec.dec_int("-1") == -1
    assert codec.dec_float("150.25") == 150.25
    assert codec.dec_decimal("-100") == Decimal("-100")
    assert codec.dec_bool("1") is True and codec.dec_bool("0") is False and codec.dec_bool("") is None
    assert codec.dec_str("") is None and codec.dec_str("AAPL") == "AAPL"
    assert codec.dec_tags("a=1;b=2;") == [TagValue("a", "1"), TagValue("b", "2")]


def test_unset_is_written_the_way_the_field_says() -> None:
    assert codec.enc_int(None) == ""
    assert codec.enc_int(None, "2147483647") == "2147483647"
    assert codec.enc_float(None, codec.UNSET_DOUBLE_STR) == "1.7976931348623157E308"
    assert codec.enc_decimal(Decimal("10")) == "10"
    assert codec.enc_decimal(Decimal("1E+2")) == "100"
    assert codec.enc_decimal(Decimal("0.50")) == "0.5"
    assert codec.enc_bool(True) == "1"
    assert codec.enc_tags([TagValue("a", "1")]) == "a=1;"


def test_bad_values_are_refused_on_the_way_out() -> None:
    with pytest.raises(LocalProtocolError):
        codec.enc_int(True)
    with pytest.raises(LocalProtocolError):
        codec.enc_float(math.nan)
    with pytest.raises(LocalProtocolError):
        codec.enc_str("caf\u00e9")
    with pytest.raises(LocalProtocolError):
        codec.enc_str("a\x00b")
    with pytest.raises(ValueError):
        codec.dec_int("1.0")


def test_tws_times() -> None:
    t = codec.parse_tws_time("20231115 09:20:44 US/Eastern")
    assert t.utcoffset() is not None
    assert t.astimezone(timezone.utc) == datetime(2023, 11, 15, 14, 20, 44, tzinfo=timezone.utc)
    assert codec.parse_tws_time("20231115-09:20:44") == datetime(2023, 11, 15, 9, 20, 44, tzinfo=timezone.utc)
    assert codec.parse_tws_time("20250425 15:23:54 EST").utcoffset() is not None
    assert codec.parse_tws_time("1700040044") == datetime.fromtimestamp(1700040044, tz=timezone.utc)
    assert codec.format_tws_time(t) == "20231115 09:20:44 US/Eastern"


@given(st.integers(min_value=-(2**31), max_value=2**31 - 2))
def test_int_round_trip(v: int) -> None:
    assert codec.dec_int(codec.enc_int(v)) == v


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_float_round_trip(v: float) -> None:
    assert codec.dec_float(codec.enc_float(v)) == v


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**12, max_value=10**12))
def test_decimal_round_trip(v: Decimal) -> None:
    assert codec.dec_decimal(codec.enc_decimal(v)) == v
