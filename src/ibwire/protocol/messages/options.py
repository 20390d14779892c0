"""Options: chains, option computations, volatility / price calculations and exercise.

PROTOCOL.md sections 4.10 and 4.16; PROTOCOL-V2.md 2.3, 3.1 / 3.2 and Appendix A.

* REQ_SEC_DEF_OPT_PARAMS (78, no version field; from SEC_DEF_OPT_PARAMS_REQ, 104) answers one
  SECURITY_DEFINITION_OPTION_PARAMETER (75) per exchange and trading class, then
  SECURITY_DEFINITION_OPTION_PARAMETER_END (76). Protobuf from PROTOBUF_REST_MESSAGES_2 (212).
* TICK_OPTION_COMPUTATION (21) answers REQ_MKT_DATA on an option (tick types 10 bid, 11 ask,
  12 last, 13 model and the delayed 80..83) and the two calculations (53). Below
  PRICE_BASED_VOLATILITY (156) it carries a version field (6, so every field is present);
  from 156 none, and ``tickAttrib`` after the tick type. TWS writes ``-1`` for an implied
  volatility, price, dividend or underlying price it could not compute and ``-2`` for such a
  delta, gamma, vega or theta; those decode to None (the official 10.51 decoder does the same,
  taking any negative implied volatility as unset) and None is written back so. Protobuf from
  PROTOBUF_MARKET_DATA (206).
* REQ_CALC_IMPLIED_VOLAT (54, v3) / REQ_CALC_OPTION_PRICE (55, v3) and their cancels (56 / 57,
  v1); EXERCISE_OPTIONS (21, v2: ``manualOrderTime`` from 180, ``customerAccount`` from 183,
  ``professionalCustomer`` from 184; the official client refuses to send a value below its gate,
  and so does ibwire). All protobuf from PROTOBUF_REST_MESSAGES_1 (211); EXERCISE_OPTIONS' request
  id travels in the protobuf field named ``orderId``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from ...errors import ServerTooOld
from ...models.contract import Contract
from ..codec import UNSET_INT, Kind, TagValue, dec_float, dec_tags, enc_float, enc_tags
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import (
    Api,
    Callback,
    Custom,
    Element,
    F,
    Message,
    Request,
    Version,
    to_client,
    to_server,
)
from ..versions import Feature
from .blocks import CONTRACT, not_before
from .market_data import request_contract_fields

__all__ = [
    # client -> TWS
    "ReqSecDefOptParams",
    "ReqCalcImpliedVolat",
    "ReqCalcOptionPrice",
    "CancelCalcImpliedVolat",
    "CancelCalcOptionPrice",
    "ExerciseOptions",
    # TWS -> client
    "SecurityDefinitionOptionParameter",
    "SecurityDefinitionOptionParameterEnd",
    "TickOptionComputation",
]

INT, FLOAT, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.STR

_INT_UNSET = str(UNSET_INT)
_REST_1 = Feature.PROTOBUF_REST_MESSAGES_1
_REST_2 = Feature.PROTOBUF_REST_MESSAGES_2


def _refuse_below(path: str, feature: Feature, what: str) -> Custom:
    """A field the official client refuses to send below ``feature`` when it is set (error 503):
    below the gate, encoding a set value raises and decoding reads nothing."""

    def encode(value: object, append: Callable[[str], None]) -> None:
        if value not in (None, "", False):
            raise ServerTooOld(f"{what} needs server version {int(feature)} or later")

    def nothing(fields: list[str], i: int) -> tuple[None, int]:
        return None, i

    return Custom(path, nothing, encode, until=feature)


def _count(text: str) -> int:
    n = int(text) if text else 0
    if not 0 <= n <= 100_000:
        raise ValueError(f"implausible count {n}")
    return n


def _decode_expirations(fields: list[str], i: int) -> tuple[list[str], int]:
    n = _count(fields[i])
    return list(fields[i + 1:i + 1 + n]), i + 1 + n


def _encode_expirations(value: object, append: Callable[[str], None]) -> None:
    items = [str(x) for x in (value or ())]  # type: ignore[attr-defined]
    append(str(len(items)))
    for x in items:
        append(x)


def _decode_strikes(fields: list[str], i: int) -> tuple[list[float], int]:
    n = _count(fields[i])
    out: list[float] = []
    for text in fields[i + 1:i + 1 + n]:
        v = dec_float(text)
        if v is None:
            raise ValueError(f"not a strike: {text!r}")
        out.append(v)
    return out, i + 1 + n


def _encode_strikes(value: object, append: Callable[[str], None]) -> None:
    items = list(value or ())  # type: ignore[call-overload]
    append(str(len(items)))
    for x in items:
        append(enc_float(float(x)))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_SEC_DEF_OPT_PARAMS,
           not_before(Feature.SEC_DEF_OPT_PARAMS_REQ, "REQ_SEC_DEF_OPT_PARAMS"), "req_id",
           "underlying_symbol", "fut_fop_exchange", "underlying_sec_type", "underlying_con_id",
           Proto("SecDefOptParamsRequest", _REST_2), P(5, "underlying_con_id", INT, unset=0),
           request=Request(replies=(In.SECURITY_DEFINITION_OPTION_PARAMETER,),
                           end=In.SECURITY_DEFINITION_OPTION_PARAMETER_END),
           api=Api("reqSecDefOptParams", "reqId", "underlyingSymbol", "futFopExchange",
                   "underlyingSecType", "underlyingConId"))
@dataclass(slots=True)
class ReqSecDefOptParams(Message):
    """REQ_SEC_DEF_OPT_PARAMS (78, no version field): the option chains of an underlying.

    ``fut_fop_exchange`` is empty for every exchange (stock and index options) or names the
    exchange of a future's options (CME ...); ``underlying_con_id`` is required."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    underlying_symbol: Annotated[str | None, W(STR, pb=2)] = None
    fut_fop_exchange: Annotated[str | None, W(STR, pb=3)] = None
    underlying_sec_type: Annotated[str | None, W(STR, pb=4)] = None
    underlying_con_id: Annotated[int | None, W(INT, unset="0", none=("0",))] = None


def _decode_options(fields: list[str], i: int) -> tuple[list[TagValue], int]:
    text = fields[i]
    if text.isdigit() and i + 1 < len(fields):  # ib_async's form: a count, then the list
        return dec_tags(fields[i + 1]), i + 2
    return dec_tags(text), i + 1


def _encode_options(value: object, append: Callable[[str], None]) -> None:
    append(enc_tags(value))


def _calc_fields(value: str, options: str) -> tuple[Element, ...]:
    """REQ_CALC_IMPLIED_VOLAT's and REQ_CALC_OPTION_PRICE's text layout after the version: the
    request id, the 12-field contract, the price or volatility, the underlying's price, the
    options (the official client writes them as one empty field and refuses a non-empty list in
    text; protobuf carries them as a map). ib_async 2.1 writes a count before the list (``0``,
    ``""``); the gateway reads both forms, ibwire writes the official one."""
    return (F("req_id", INT), *request_contract_fields(), F(value, FLOAT),
            F("under_price", FLOAT), Custom(options, _decode_options, _encode_options))


@to_server(Out.REQ_CALC_IMPLIED_VOLAT, Version(3), *_calc_fields("option_price", "impl_vol_options"),
           Proto("CalculateImpliedVolatilityRequest", _REST_1), P(1, "req_id"),
           P(2, "contract", sub=CONTRACT), P(3, "option_price"), P(4, "under_price"),
           P(5, "impl_vol_options", Kind.TAGS, name="impliedVolatilityOptions"),
           request=Request(replies=(In.TICK_OPTION_COMPUTATION,),
                           cancel=Out.CANCEL_CALC_IMPLIED_VOLAT),
           api=Api("calculateImpliedVolatility", "reqId", "contract", "optionPrice",
                   "underPrice", "implVolOptions"))
@dataclass(slots=True)
class ReqCalcImpliedVolat(Message):
    """REQ_CALC_IMPLIED_VOLAT (54, v3): the implied volatility of ``option_price`` with the
    underlying at ``under_price``, answered by a TICK_OPTION_COMPUTATION (tick type 53)."""

    req_id: int | None = None
    contract: Contract = field(default_factory=Contract)
    option_price: float | None = None
    under_price: float | None = None
    impl_vol_options: list[TagValue] = field(default_factory=list)


@to_server(Out.REQ_CALC_OPTION_PRICE, Version(3), *_calc_fields("volatility", "opt_prc_options"),
           Proto("CalculateOptionPriceRequest", _REST_1), P(1, "req_id"),
           P(2, "contract", sub=CONTRACT), P(3, "volatility"), P(4, "under_price"),
           P(5, "opt_prc_options", Kind.TAGS, name="optionPriceOptions"),
           request=Request(replies=(In.TICK_OPTION_COMPUTATION,),
                           cancel=Out.CANCEL_CALC_OPTION_PRICE),
           api=Api("calculateOptionPrice", "reqId", "contract", "volatility", "underPrice",
                   "optPrcOptions"))
@dataclass(slots=True)
class ReqCalcOptionPrice(Message):
    """REQ_CALC_OPTION_PRICE (55, v3): the price and greeks at ``volatility`` with the
    underlying at ``under_price``, answered by a TICK_OPTION_COMPUTATION (tick type 53)."""

    req_id: int | None = None
    contract: Contract = field(default_factory=Contract)
    volatility: float | None = None
    under_price: float | None = None
    opt_prc_options: list[TagValue] = field(default_factory=list)


@to_server(Out.CANCEL_CALC_IMPLIED_VOLAT, Version(1), "req_id",
           Proto("CancelCalculateImpliedVolatility", _REST_1),
           api=Api("cancelCalculateImpliedVolatility", "reqId"))
@dataclass(slots=True)
class CancelCalcImpliedVolat(Message):
    """CANCEL_CALC_IMPLIED_VOLAT (56, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.CANCEL_CALC_OPTION_PRICE, Version(1), "req_id",
           Proto("CancelCalculateOptionPrice", _REST_1),
           api=Api("cancelCalculateOptionPrice", "reqId"))
@dataclass(slots=True)
class CancelCalcOptionPrice(Message):
    """CANCEL_CALC_OPTION_PRICE (57, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# EXERCISE_OPTIONS' contract: the request block without primaryExchange
_EXERCISE_CONTRACT: tuple[Element, ...] = tuple(
    el for el in request_contract_fields()
    if not (isinstance(el, F) and el.path == "contract.primary_exchange"))


@to_server(Out.EXERCISE_OPTIONS, Version(2), "req_id", *_EXERCISE_CONTRACT, "exercise_action",
           "exercise_quantity", "account", "override",
           _refuse_below("manual_order_time", Feature.MANUAL_ORDER_TIME_EXERCISE_OPTIONS,
                         "a manual order time in EXERCISE_OPTIONS"),
           "manual_order_time",
           _refuse_below("customer_account", Feature.CUSTOMER_ACCOUNT,
                         "a customer account in EXERCISE_OPTIONS"),
           "customer_account",
           _refuse_below("professional_customer", Feature.PROFESSIONAL_CUSTOMER,
                         "professionalCustomer in EXERCISE_OPTIONS"),
           "professional_customer", Proto("ExerciseOptionsRequest", _REST_1),
           P(1, "req_id", name="orderId"), P(2, "contract", sub=CONTRACT), request=Request(),
           api=Api("exerciseOptions", "reqId", "contract", "exerciseAction", "exerciseQuantity",
                   "account", "override", "manualOrderTime", "customerAccount",
                   "professionalCustomer"))
@dataclass(slots=True)
class ExerciseOptions(Message):
    """EXERCISE_OPTIONS (21, v2): exercise (``exercise_action`` 1) or let lapse (2)
    ``exercise_quantity`` contracts of an option held in ``account``; ``override`` exercises
    an option out of the money (or lets one in the money lapse). TWS answers with the position
    and account changes, or an ERR_MSG naming ``req_id``."""

    req_id: Annotated[int | None, W(INT)] = None
    contract: Contract = field(default_factory=Contract)
    exercise_action: Annotated[int | None, W(INT, pb=3)] = None
    exercise_quantity: Annotated[int | None, W(INT, pb=4)] = None
    account: Annotated[str | None, W(STR, pb=5)] = None
    override: Annotated[bool | None, W(BOOL, pb=6, unset="0")] = False
    manual_order_time: Annotated[str | None, W(STR, pb=7, since=Feature.MANUAL_ORDER_TIME_EXERCISE_OPTIONS)] = None
    customer_account: Annotated[str | None, W(STR, pb=8, since=Feature.CUSTOMER_ACCOUNT)] = None
    professional_customer: Annotated[bool | None, W(BOOL, pb=9, unset="0", since=Feature.PROFESSIONAL_CUSTOMER)] = False


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.SECURITY_DEFINITION_OPTION_PARAMETER, "req_id", "exchange", "underlying_con_id",
           "trading_class", "multiplier",
           Custom("expirations", _decode_expirations, _encode_expirations),
           Custom("strikes", _decode_strikes, _encode_strikes),
           Proto("SecDefOptParameter", _REST_2), P(6, "expirations", STR, repeated=True),
           P(7, "strikes", FLOAT, repeated=True),
           callback=Callback("securityDefinitionOptionParameter", "reqId", "exchange",
                             "underlyingConId", "tradingClass", "multiplier", "expirations",
                             "strikes"))
@dataclass(slots=True)
class SecurityDefinitionOptionParameter(Message):
    """SECURITY_DEFINITION_OPTION_PARAMETER (75, no version field): one exchange and trading
    class of an underlying's options, with every expiration (``YYYYMMDD``) and strike."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    exchange: Annotated[str | None, W(STR, pb=2)] = None
    underlying_con_id: Annotated[int | None, W(INT, pb=3)] = None
    trading_class: Annotated[str | None, W(STR, pb=4)] = None
    multiplier: Annotated[str | None, W(STR, pb=5)] = None
    expirations: list[str] = field(default_factory=list)
    strikes: list[float] = field(default_factory=list)


@to_client(In.SECURITY_DEFINITION_OPTION_PARAMETER_END, "req_id",
           Proto("SecDefOptParameterEnd", _REST_2),
           callback=Callback("securityDefinitionOptionParameterEnd", "reqId"))
@dataclass(slots=True)
class SecurityDefinitionOptionParameterEnd(Message):
    """SECURITY_DEFINITION_OPTION_PARAMETER_END (76, no version field)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None


_M1 = ("-1", "-1.0")  # "not computed" for a volatility, a price, a dividend
_M2 = ("-2", "-2.0")  # "not computed" for a greek


@to_client(In.TICK_OPTION_COMPUTATION, Version(6, until=Feature.PRICE_BASED_VOLATILITY), "req_id",
           "tick_type", "tick_attrib", "implied_vol", "delta", "opt_price", "pv_dividend", "gamma",
           "vega", "theta", "und_price",
           Proto("TickOptionComputation", Feature.PROTOBUF_MARKET_DATA),
           P(4, "implied_vol", unset=-1.0), P(5, "delta", unset=-2.0),
           P(6, "opt_price", unset=-1.0), P(7, "pv_dividend", unset=-1.0),
           P(8, "gamma", unset=-2.0), P(9, "vega", unset=-2.0), P(10, "theta", unset=-2.0),
           P(11, "und_price", unset=-1.0),
           callback=Callback("tickOptionComputation", "reqId", "tickType", "tickAttrib",
                             "impliedVol", "delta", "optPrice", "pvDividend", "gamma", "vega",
                             "theta", "undPrice"))
@dataclass(slots=True)
class TickOptionComputation(Message):
    """TICK_OPTION_COMPUTATION (21; version 6 below 156, none from 156): an option's implied
    volatility and greeks for one of its prices (tick types 10 bid, 11 ask, 12 last, 13 model,
    53 a calculation; 80..83 delayed). ``tick_attrib``: 0 return-based, 1 price-based."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
    tick_attrib: Annotated[int | None, W(INT, pb=3, unset="0", since=Feature.PRICE_BASED_VOLATILITY)] = 0
    implied_vol: Annotated[float | None, W(FLOAT, unset="-1", none=_M1 + _M2)] = None
    delta: Annotated[float | None, W(FLOAT, unset="-2", none=_M2)] = None
    opt_price: Annotated[float | None, W(FLOAT, unset="-1", none=_M1)] = None
    pv_dividend: Annotated[float | None, W(FLOAT, unset="-1", none=_M1)] = None
    gamma: Annotated[float | None, W(FLOAT, unset="-2", none=_M2)] = None
    vega: Annotated[float | None, W(FLOAT, unset="-2", none=_M2)] = None
    theta: Annotated[float | None, W(FLOAT, unset="-2", none=_M2)] = None
    und_price: Annotated[float | None, W(FLOAT, unset="-1", none=_M1)] = None
