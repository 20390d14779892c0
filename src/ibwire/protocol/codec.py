"""Field codec: wire text <-> Python values, for every value kind the protocol uses.

Unset values become ``None`` here and nowhere else. On the way in, every unset form TWS uses is
recognised: ``""``, ``2147483647`` (Java Integer.MAX_VALUE), ``9223372036854775807`` (Long.MAX_VALUE),
``1.7976931348623157E308`` (Double.MAX_VALUE), and ``Infinity`` / ``Infinite`` where a value may be
infinite but the field does not give that meaning. On the way out, ``None`` is written in the form
the schema field names (``""`` unless TWS expects a sentinel there).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import LocalProtocolError
from ..models.tag_value import TagValue

__all__ = [
    "Kind",
    "UNSET_INT",
    "UNSET_LONG",
    "UNSET_DOUBLE",
    "UNSET_DOUBLE_STR",
    "TagValue",
    "dec_int",
    "dec_float",
    "dec_float_inf",
    "dec_decimal",
    "dec_bool",
    "dec_str",
    "dec_tags",
    "dec_datetime",
    "enc_int",
    "enc_float",
    "enc_float_inf",
    "enc_decimal",
    "enc_bool",
    "enc_str",
    "enc_tags",
    "enc_datetime",
    "parse_tws_time",
    "format_tws_time",
    "DECODERS",
    "ENCODERS",
    "DECIMAL_CACHE",
    "UNSET_INT_TEXTS",
    "UNSET_FLOAT_TEXTS",
]

UNSET_INT = 2147483647
UNSET_LONG = 9223372036854775807
UNSET_DOUBLE = 1.7976931348623157e308
UNSET_DOUBLE_STR = "1.7976931348623157E308"


class Kind(Enum):
    INT = "int"
    FLOAT = "float"  # +/-inf and Double.MAX_VALUE are unset -> None
    FLOAT_INF = "float_inf"  # "Infinity" is a real value (+inf), Double.MAX_VALUE is unset
    DECIMAL = "decimal"
    BOOL = "bool"
    STR = "str"
    TAGS = "tags"  # "tag=value;tag=value;" <-> list[TagValue]
    DATETIME = "datetime"  # "yyyyMMdd HH:mm:ss TZ", "yyyyMMdd-HH:mm:ss" (UTC) or epoch seconds


# --- decoding ----------------------------------------------------------------------------------

_UNSET_INT_STRS = frozenset({"", "2147483647", "9223372036854775807", "-9223372036854775808"})
_UNSET_DEC_STRS = frozenset({
    "", "2147483647", "9223372036854775807", "-9223372036854775808",
    "1.7976931348623157E308", "1.7976931348623157e+308",
})
_INF_STRS = frozenset({"Infinity", "Infinite", "inf", "+Infinity"})

UNSET_INT_TEXTS = _UNSET_INT_STRS
"""Wire texts that mean an unset integer."""
UNSET_FLOAT_TEXTS = frozenset({"", "1.7976931348623157E308", "1.7976931348623157e+308", "-Infinity",
                               *_INF_STRS})
"""Wire texts that mean an unset double (any other spelling of Double.MAX_VALUE is caught after
conversion)."""


def dec_int(s: str) -> int | None:
    if s in _UNSET_INT_STRS:
        return None
    return int(s)


def dec_float(s: str) -> float | None:
    if not s or s in _INF_STRS:
        return None
    v = float(s)
    if v >= UNSET_DOUBLE or v <= -UNSET_DOUBLE or v != v:
        return None
    return v


def dec_float_inf(s: str) -> float | None:
    if not s:
        return None
    if s in _INF_STRS:
        return math.inf
    v = float(s)
    if v >= UNSET_DOUBLE:
        return None
    return v


DECIMAL_CACHE: dict[str, Decimal] = {}
"""Quantities repeat (sizes, share counts): decoded ones are kept, up to a bound. Decimals are
immutable, so sharing them is safe."""

_DECIMAL_CACHE_MAX = 20_000


def dec_decimal(s: str) -> Decimal | None:
    if s in _UNSET_DEC_STRS:
        return None
    d = DECIMAL_CACHE.get(s)
    if d is not None:
        return d
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {s!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a finite decimal: {s!r}")
    if len(DECIMAL_CACHE) < _DECIMAL_CACHE_MAX:
        DECIMAL_CACHE[s] = d
    return d


def dec_bool(s: str) -> bool | None:
    if not s:
        return None
    if s == "1" or s == "true":
        return True
    if s == "0" or s == "false":
        return False
    return int(s) != 0


def dec_str(s: str) -> str | None:
    return s or None


def dec_tags(s: str) -> list[TagValue]:
    out: list[TagValue] = []
    for part in s.split(";"):
        if not part:
            continue
        tag, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"tag-value pair without '=': {part!r}")
        out.append(TagValue(tag, value))
    return out


def dec_datetime(s: str) -> datetime | None:
    if not s:
        return None
    return parse_tws_time(s)


# Names TWS prints for its time zone that are not IANA keys.
_TZ_ALIASES = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Pacific Standard Time": "America/Los_Angeles",
    "Eastern European Time": "Europe/Helsinki",
    "Eastern European Standard Time": "Europe/Helsinki",
    "Central European Time": "Europe/Berlin",
    "Central European Standard Time": "Europe/Berlin",
    "Central European Summer Time": "Europe/Berlin",
    "Western European Time": "Europe/Lisbon",
    "Greenwich Mean Time": "Europe/London",
    "British Summer Time": "Europe/London",
    "Hong Kong Time": "Asia/Hong_Kong",
    "Japan Standard Time": "Asia/Tokyo",
    "MET": "Europe/Berlin",
    "CET": "Europe/Berlin",
    "GMT": "UTC",
    "UTC": "UTC",
    "Z": "UTC",
}

_TZ_CACHE: dict[str, ZoneInfo | timezone] = {}
_TIME_RE = re.compile(r"^(\d{8})[ -](\d{2}):(\d{2})(?::(\d{2}))?(?: (.+))?$")


def _zone(name: str) -> ZoneInfo | timezone:
    z = _TZ_CACHE.get(name)
    if z is None:
        key = _TZ_ALIASES.get(name, name)
        try:
            z = UTC if key == "UTC" else ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        _TZ_CACHE[name] = z
    return z


def parse_tws_time(s: str) -> datetime:
    """Parse the time formats TWS sends into an aware datetime.

    ``20231115 09:20:44 US/Eastern`` (zone given), ``20231115-09:20:44`` (UTC), ``20231115 09:20:44``
    (no zone: UTC), and epoch seconds ``1700040044``.
    """
    s = " ".join(s.split())  # TWS pads some times with two spaces
    if s.isdigit() and len(s) >= 9:
        return datetime.fromtimestamp(int(s), tz=UTC)
    m = _TIME_RE.match(s)
    if m is None:
        raise ValueError(f"not a TWS time: {s!r}")
    day, hh, mm, ss, tz = m.groups()
    zone: ZoneInfo | timezone = UTC
    if tz:
        zone = _zone(tz)
    return datetime(int(day[:4]), int(day[4:6]), int(day[6:8]), int(hh), int(mm), int(ss or 0),
                    tzinfo=zone)


def format_tws_time(t: datetime) -> str:
    """Format an aware datetime the way TWS writes times: with its zone name, or UTC with a dash."""
    if t.tzinfo is None:
        raise LocalProtocolError(f"naive datetime {t!r}: give it a time zone")
    if isinstance(t.tzinfo, ZoneInfo):
        return t.strftime("%Y%m%d %H:%M:%S ") + t.tzinfo.key
    return t.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


# --- encoding ----------------------------------------------------------------------------------

def enc_int(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    if isinstance(v, bool) or not isinstance(v, int):
        raise LocalProtocolError(f"expected an int, got {v!r}")
    return str(v)


def enc_float(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise LocalProtocolError(f"expected a number, got {v!r}")
    f = float(v)
    if f != f or f in (math.inf, -math.inf):
        raise LocalProtocolError(f"cannot send {v!r} in this field")
    return repr(f)


def enc_float_inf(v: object, unset: str = "") -> str:
    if v == math.inf:
        return "Infinity"
    return enc_float(v, unset)


def enc_decimal(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise LocalProtocolError(f"cannot send {v!r} as a quantity")
        s = format(v, "f")
    elif isinstance(v, bool) or not isinstance(v, (int, float)):
        raise LocalProtocolError(f"expected a quantity, got {v!r}")
    elif isinstance(v, int):
        s = str(v)
    else:
        if v != v or v in (math.inf, -math.inf):
            raise LocalProtocolError(f"cannot send {v!r} as a quantity")
        s = format(Decimal(repr(v)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def enc_bool(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    return "1" if v else "0"


def _printable(s: str) -> bool:
    return s.isascii() and (s.isprintable() or all(c.isprintable() or c in "\t\r\n" for c in s))


def enc_str(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    if not isinstance(v, str):
        if isinstance(v, Enum):
            v = v.value
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            v = str(v)
        else:
            raise LocalProtocolError(f"expected a string, got {v!r}")
        assert isinstance(v, str)
    if not _printable(v):
        raise LocalProtocolError(f"string {v!r} is not printable ASCII (IB error 579)")
    return v


def enc_tags(v: object, unset: str = "") -> str:
    if not v:
        return unset
    if not isinstance(v, (list, tuple)):
        raise LocalProtocolError(f"expected a list of TagValue, got {v!r}")
    parts = []
    for tv in v:
        tag = enc_str(tv.tag)
        value = enc_str(tv.value)
        if "=" in tag or ";" in tag or ";" in value:
            raise LocalProtocolError(f"tag-value {tv!r} contains '=' or ';'")
        parts.append(f"{tag}={value};")
    return "".join(parts)


def enc_datetime(v: object, unset: str = "") -> str:
    if v is None:
        return unset
    if isinstance(v, datetime):
        return format_tws_time(v)
    if isinstance(v, date):
        return v.strftime("%Y%m%d")
    if isinstance(v, str):
        return enc_str(v)
    raise LocalProtocolError(f"expected a datetime, got {v!r}")


DECODERS = {
    Kind.INT: dec_int,
    Kind.FLOAT: dec_float,
    Kind.FLOAT_INF: dec_float_inf,
    Kind.DECIMAL: dec_decimal,
    Kind.BOOL: dec_bool,
    Kind.STR: dec_str,
    Kind.TAGS: dec_tags,
    Kind.DATETIME: dec_datetime,
}

ENCODERS = {
    Kind.INT: enc_int,
    Kind.FLOAT: enc_float,
    Kind.FLOAT_INF: enc_float_inf,
    Kind.DECIMAL: enc_decimal,
    Kind.BOOL: enc_bool,
    Kind.STR: enc_str,
    Kind.TAGS: enc_tags,
    Kind.DATETIME: enc_datetime,
}
