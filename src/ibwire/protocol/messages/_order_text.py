"""The text layout pieces that PLACE_ORDER (:mod:`.orders`) and OPEN_ORDER / COMPLETED_ORDER
(:mod:`.order_reports`) share: the order conditions, the compact doubles, the data-dependent block
tests and the scale, PEG BENCH and algo blocks. No message is declared here.

Unset values. Client -> TWS, ``None`` is written the way the official client writes an unset
value: mostly ``""``; ``2147483647`` for duration / postToAts and Python's ``1.7976931348623157e+308``
for triggerPrice, lmtPriceOffset, the adjusted-order prices and cashQty; ``0`` for a missing conId;
``-1`` for exemptCode; ``1`` for transmit. TWS -> client, ``None`` is written the way real TWS writes
it (captured frames), and those forms decode back to ``None``: ``?`` for the right of a
non-option and for deltaNeutralOpenClose, ``None`` for deltaNeutralOrderType (followed by its
delta-neutral block, which every parser then reads) and adjustedOrderType, ``2147483647`` for
displaySize and the scale level sizes, ``1.7976931348623157E308`` for the margins and adjusted
prices. No field that ib_async or ibapi parse with ``int()`` is ever written as anything but an
integer or ``""``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import LocalProtocolError, RemoteProtocolError
from ...models.contract import DeltaNeutralContract
from ...models.order import (
    CONDITION_TYPES,
    ExecutionCondition,
    MarginCondition,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ..codec import UNSET_DOUBLE, Kind, TagValue, dec_bool, dec_float, enc_float, enc_str
from ..schema import Cond, Custom, Element, F, Opt, Repeat
from ..versions import Feature

INT, FLOAT, FINF, DEC, BOOL, STR, TAGS = (Kind.INT, Kind.FLOAT, Kind.FLOAT_INF, Kind.DECIMAL,
                                          Kind.BOOL, Kind.STR, Kind.TAGS)
U_INT = "2147483647"  # Integer.MAX_VALUE

# --- data-dependent block tests (on the wire text of an earlier field) --------------------------

def nonempty(s: str) -> bool:
    return s != ""


def is_peg_bench(s: str) -> bool:
    return s in ("PEG BENCH", "PEGBENCH")


def has_scale_block(s: str) -> bool:
    """The 7 scale fields follow when 0 < scalePriceIncrement < unset (all parsers agree)."""
    try:
        v = float(s)
    except ValueError:
        return False
    return 0.0 < v < UNSET_DOUBLE


# --- order conditions and compact doubles -------------------------------------------------------

def _dec_amount(f: list[str], i: int) -> tuple[float | None, int]:
    return dec_float(f[i]), i + 1


def _enc_amount(v: object, a: Callable[[str], None]) -> None:
    """TWS (and, for discretionaryAmt, the official client) write these doubles compactly:
    ``0`` / ``10`` / ``201.94``, not ``0.0`` / ``10.0``."""
    s = "" if v is None else enc_float(v)
    if s.endswith(".0") and "e" not in s:
        s = s[:-2]
    a(s)


def _int0(s: str) -> int:
    if not s:
        return 0
    try:
        return int(s)
    except ValueError:  # a float text such as "30.0" (the official client's MarginCondition)
        v = float(s)
        if not v.is_integer():
            raise
        return int(v)


def _str(v: object) -> str:
    return enc_str(v, "")


def _int(v: Any) -> str:
    return str(int(v))


def _bool(v: object) -> str:
    return "1" if v else "0"


# (decode, encode) per condition field kind, and each condition's fields after the conjunction.
_B = (lambda s: bool(dec_bool(s)), _bool)
_I = (_int0, _int)
_D = (lambda s: float(s) if s else 0.0, enc_float)
_S = (lambda s: s, _str)
_CONDITION_FIELDS: dict[type[OrderCondition], tuple[tuple[str, tuple[Any, Any]], ...]] = {
    PriceCondition: (("is_more", _B), ("price", _D), ("con_id", _I), ("exchange", _S),
                     ("trigger_method", _I)),
    TimeCondition: (("is_more", _B), ("time", _S)),
    MarginCondition: (("is_more", _B), ("percent", _I)),
    ExecutionCondition: (("sec_type", _S), ("exchange", _S), ("symbol", _S)),
    VolumeCondition: (("is_more", _B), ("volume", _I), ("con_id", _I), ("exchange", _S)),
    PercentChangeCondition: (("is_more", _B), ("change_percent", _D), ("con_id", _I),
                             ("exchange", _S)),
}


def _dec_conditions(f: list[str], i: int) -> tuple[tuple[list[OrderCondition], bool | None,
                                                           bool | None], int]:
    """conditionsCount, then per condition its type, conjunction and fields, then (if any)
    conditionsIgnoreRth and conditionsCancelOrder."""
    n = int(f[i]) if f[i] else 0
    if n < 0 or n > 1000:
        raise ValueError(f"implausible order conditions count {n}")
    i += 1
    out: list[OrderCondition] = []
    for _ in range(n):
        ctype = int(f[i])
        cls = CONDITION_TYPES.get(ctype)
        if cls is None:
            raise RemoteProtocolError(f"order conditions of type {ctype} are not supported")
        kwargs: dict[str, Any] = {"is_conjunction_connection": f[i + 1] == "a"}
        i += 2
        for name, (dec, _) in _CONDITION_FIELDS[cls]:
            kwargs[name] = dec(f[i])
            i += 1
        out.append(cls(**kwargs))
    if not n:
        return (out, False, False), i
    return (out, dec_bool(f[i]), dec_bool(f[i + 1])), i + 2


def _enc_conditions(value: tuple[list[OrderCondition], bool | None, bool | None],
                    append: Callable[[str], None]) -> None:
    conds, ignore_rth, cancel_order = value
    conds = conds or []
    append(str(len(conds)))
    for c in conds:
        cls = type(c)
        if CONDITION_TYPES.get(cls.TYPE) is not cls:
            raise LocalProtocolError(f"order conditions of type {cls.TYPE} ({cls.__name__}) "
                                     "are not supported")
        append(str(cls.TYPE))
        append("a" if c.is_conjunction_connection else "o")
        for name, (_, enc) in _CONDITION_FIELDS[cls]:
            append(enc(getattr(c, name)))
    if conds:
        append(_bool(ignore_rth))
        append(_bool(cancel_order))


CONDITIONS = Custom(("order.conditions", "order.conditions_ignore_rth",
                      "order.conditions_cancel_order"), _dec_conditions, _enc_conditions)


def compact(path: str, since: Feature | None = None) -> Custom:
    """A double written the compact way (see :func:`_enc_amount`)."""
    return Custom(path, _dec_amount, _enc_amount, since=since)


DISCRETIONARY_AMT = compact("order.discretionary_amt")


def since(el: Custom, feature: Feature) -> Custom:
    """``el`` present only from ``feature`` on."""
    return Custom(el.path, el.decode, el.encode, since=feature, until=el.until)


# --- blocks -------------------------------------------------------------------------------------

TAG_VALUE: tuple[Element, ...] = (F("tag", STR), F("value", STR))
_DN_CONTRACT: tuple[Element, ...] = (F("con_id", INT), F("delta", FLOAT), F("price", FLOAT))


def combo_leg(exempt_unset: str) -> tuple[Element, ...]:
    return (F("con_id", INT), F("ratio", INT), F("action", STR), F("exchange", STR),
            F("open_close", INT), F("short_sale_slot", INT), F("designated_location", STR),
            F("exempt_code", INT, unset=exempt_unset))


SCALE_BLOCK: tuple[Element, ...] = (
    F("order.scale_price_adjust_value", FLOAT), F("order.scale_price_adjust_interval", INT),
    F("order.scale_profit_offset", FLOAT), F("order.scale_auto_reset", BOOL),
    F("order.scale_init_position", INT), F("order.scale_init_fill_qty", INT),
    F("order.scale_random_percent", BOOL),
)


PEG_BENCH: tuple[Element, ...] = (
    F("order.reference_contract_id", INT), F("order.is_pegged_change_amount_decrease", BOOL),
    F("order.pegged_change_amount", FLOAT), F("order.reference_change_amount", FLOAT),
    F("order.reference_exchange_id", STR),
)


ALGO: tuple[Element, ...] = (
    Opt("contract.delta_neutral_contract", DeltaNeutralContract, _DN_CONTRACT),
    F("order.algo_strategy", STR),
    Cond("order.algo_strategy", nonempty, (Repeat("order.algo_params", TagValue, TAG_VALUE),)),
)
