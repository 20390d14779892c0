"""Discovery and reference: symbol search, family codes, user info, Wall Street Horizon, bonds.

* REQ_MATCHING_SYMBOLS (81, from server version 108) -> SYMBOL_SAMPLES (79): up to 16 contracts
  whose symbol starts with the pattern or whose name contains it; each with the sec types of the
  derivatives listed on it and (from BOND_ISSUERID, 176) its description and issuer id.
* REQ_FAMILY_CODES (80, from 107) -> FAMILY_CODES (78): every account of the login with its code.
* REQ_USER_INFO (104, from 167) -> USER_INFO (107): the white-branding id of the login.
* REQ_WSH_META_DATA / REQ_WSH_EVENT_DATA (100 / 102, from 161) -> WSH_META_DATA / WSH_EVENT_DATA
  (104 / 105): Wall Street Horizon's JSON; CANCEL_WSH_META_DATA / CANCEL_WSH_EVENT_DATA (101 / 103).
  REQ_WSH_EVENT_DATA carries its filters from 171 and its dates and limit from 173; the official
  client refuses (error 503) a filter or a date the version cannot carry, and so does ibwire. It
  writes an unset conId and totalLimit as the literal 2147483647.
* BOND_CONTRACT_DATA (18): REQ_CONTRACT_DATA's answer for a bond. Its own text layout (PROTOCOL-V2
  section 2.8): a version field (6) below SIZE_RULES (164), mdSizeMultiplier from 110 to 163,
  timeZoneId / tradingHours / liquidHours from BOND_TRADING_HOURS (188). As protobuf it is a
  ContractData whose contract's lastTradeDateOrContractMonth is the maturity (the official
  decoder splits ``maturity [time [zone]]`` on ``-`` or blanks).

None of the requests has a version field. Every request is refused below the version that has it
(the official client answers error 503 there and sends nothing): :func:`.blocks.not_before`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from ...models.contract import Contract
from ...models.discovery import ContractDescription, FamilyCode, WshEventData
from ...models.market import ContractDetails
from ..codec import UNSET_INT, Kind, TagValue, enc_str
from ..elements import P, PbType, Proto, Refuse, W
from ..ids import In, Out
from ..schema import (
    Api,
    Callback,
    Custom,
    Element,
    F,
    Message,
    Repeat,
    Request,
    Version,
    to_client,
    to_server,
)
from ..versions import Feature
from .blocks import CONTRACT, CONTRACT_DETAILS, not_before

__all__ = [
    "ReqMatchingSymbols", "SymbolSamples", "ReqFamilyCodes", "FamilyCodes", "ReqUserInfo",
    "UserInfo", "ReqWshMetaData", "CancelWshMetaData", "WshMetaData", "ReqWshEventData",
    "CancelWshEventData", "WshEventDataMsg", "BondContractData",
]

INT, FLOAT, DECIMAL, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR

_INT_UNSET = str(UNSET_INT)


# --- matching symbols ---------------------------------------------------------------------------

@to_server(Out.REQ_MATCHING_SYMBOLS,
           not_before(Feature.REQ_MATCHING_SYMBOLS, "REQ_MATCHING_SYMBOLS"), "req_id", "pattern",
           Proto("MatchingSymbolsRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.SYMBOL_SAMPLES,)),
           api=Api("reqMatchingSymbols", "reqId", "pattern"))
@dataclass(slots=True)
class ReqMatchingSymbols(Message):
    """REQ_MATCHING_SYMBOLS (81, no version field; from 108): one SYMBOL_SAMPLES answers."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    pattern: Annotated[str | None, W(STR, pb=2)] = None


def _decode_sec_types(fields: list[str], i: int) -> tuple[list[str], int]:
    n = int(fields[i])
    if n < 0:
        raise ValueError(f"negative count {n}")
    return list(fields[i + 1:i + 1 + n]), i + 1 + n


def _encode_sec_types(value: Any, append: Callable[[str], None]) -> None:
    types = list(value or [])
    append(str(len(types)))
    for t in types:
        append(enc_str(t))


CONTRACT_DESCRIPTION = PbType("ContractDescription", ContractDescription, (
    P(1, "contract", sub=CONTRACT, name="contract"),
    P(2, "derivative_sec_types", STR, repeated=True, name="derivativeSecTypes"),
))


@to_client(In.SYMBOL_SAMPLES, "req_id",
           Repeat("contract_descriptions", ContractDescription, (
               F("contract.con_id", INT),
               F("contract.symbol", STR),
               F("contract.sec_type", STR),
               F("contract.primary_exchange", STR),
               F("contract.currency", STR),
               Custom("derivative_sec_types", _decode_sec_types, _encode_sec_types),
               F("contract.description", STR, since=Feature.BOND_ISSUERID),
               F("contract.issuer_id", STR, since=Feature.BOND_ISSUERID),
           )),
           Proto("SymbolSamples", Feature.PROTOBUF_REST_MESSAGES_2),
           P(2, "contract_descriptions", sub=CONTRACT_DESCRIPTION, repeated=True),
           callback=Callback("symbolSamples", "reqId", "contractDescriptions"))
@dataclass(slots=True)
class SymbolSamples(Message):
    """SYMBOL_SAMPLES (79, no version field): the contracts matching a REQ_MATCHING_SYMBOLS."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    contract_descriptions: list[ContractDescription] = field(default_factory=list)


# --- family codes, user info --------------------------------------------------------------------

@to_server(Out.REQ_FAMILY_CODES, not_before(Feature.REQ_FAMILY_CODES, "REQ_FAMILY_CODES"),
           Proto("FamilyCodesRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.FAMILY_CODES,), key=None),
           api=Api("reqFamilyCodes"))
@dataclass(slots=True)
class ReqFamilyCodes(Message):
    """REQ_FAMILY_CODES (80, no fields at all; from 107): FAMILY_CODES answers."""


FAMILY_CODE = PbType("FamilyCode", FamilyCode, (
    P(1, "account_id", STR, name="accountId"), P(2, "family_code_str", STR, name="familyCode"),
))


@to_client(In.FAMILY_CODES,
           Repeat("family_codes", FamilyCode, (F("account_id", STR), F("family_code_str", STR))),
           Proto("FamilyCodes", Feature.PROTOBUF_REST_MESSAGES_2),
           P(1, "family_codes", sub=FAMILY_CODE, repeated=True),
           callback=Callback("familyCodes", "familyCodes"))
@dataclass(slots=True)
class FamilyCodes(Message):
    """FAMILY_CODES (78, no version field): each account of the login with its family code."""

    family_codes: list[FamilyCode] = field(default_factory=list)


@to_server(Out.REQ_USER_INFO, not_before(Feature.USER_INFO, "REQ_USER_INFO"), "req_id",
           Proto("UserInfoRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.USER_INFO,)), api=Api("reqUserInfo", "reqId"))
@dataclass(slots=True)
class ReqUserInfo(Message):
    """REQ_USER_INFO (104, no version field; from 167): USER_INFO answers."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_client(In.USER_INFO, "req_id", "white_branding_id",
           Proto("UserInfo", Feature.PROTOBUF_REST_MESSAGES_2),
           callback=Callback("userInfo", "reqId", "whiteBrandingId"))
@dataclass(slots=True)
class UserInfo(Message):
    """USER_INFO (107, no version field): the login's white-branding id (empty for IBKR's own)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    white_branding_id: Annotated[str | None, W(STR, pb=2)] = None


# --- Wall Street Horizon ------------------------------------------------------------------------

_WSH = Feature.WSHE_CALENDAR


@to_server(Out.REQ_WSH_META_DATA, not_before(_WSH, "REQ_WSH_META_DATA"), "req_id",
           Proto("WshMetaDataRequest", Feature.PROTOBUF_NEWS_DATA),
           request=Request(replies=(In.WSH_META_DATA,)), api=Api("reqWshMetaData", "reqId"))
@dataclass(slots=True)
class ReqWshMetaData(Message):
    """REQ_WSH_META_DATA (100, no version field; from 161): WSH_META_DATA answers (or ERR_MSG when
    the account has no Wall Street Horizon subscription)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.CANCEL_WSH_META_DATA, not_before(_WSH, "CANCEL_WSH_META_DATA"), "req_id",
           Proto("CancelWshMetaData", Feature.PROTOBUF_NEWS_DATA),
           api=Api("cancelWshMetaData", "reqId"))
@dataclass(slots=True)
class CancelWshMetaData(Message):
    """CANCEL_WSH_META_DATA (101, no version field; from 161)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


_W = "wsh_event_data."


def _absent_below(name: str, feature: Feature) -> Refuse:
    """A REQ_WSH_EVENT_DATA parameter below the version that carries it: the official client
    refuses (error 503) a request that sets it, and so does ibwire instead of dropping it."""
    return Refuse(f"REQ_WSH_EVENT_DATA {name} needs server version {int(feature)} or later",
                  ref=_W + name, test=_is_set, until=feature)


def _is_set(value: Any) -> bool:
    return value not in (None, "", False)


_FILTERS = tuple(_absent_below(n, Feature.WSH_EVENT_DATA_FILTERS)
                 for n in ("filter", "fill_watchlist", "fill_portfolio", "fill_competitors"))
_DATES = tuple(_absent_below(n, Feature.WSH_EVENT_DATA_FILTERS_DATE)
               for n in ("start_date", "end_date", "total_limit"))


@to_server(Out.REQ_WSH_EVENT_DATA, not_before(_WSH, "REQ_WSH_EVENT_DATA"), "req_id",
           F(_W + "con_id", INT, unset=_INT_UNSET), *_FILTERS, *_DATES,
           F(_W + "filter", STR, since=Feature.WSH_EVENT_DATA_FILTERS),
           F(_W + "fill_watchlist", BOOL, unset="0", since=Feature.WSH_EVENT_DATA_FILTERS),
           F(_W + "fill_portfolio", BOOL, unset="0", since=Feature.WSH_EVENT_DATA_FILTERS),
           F(_W + "fill_competitors", BOOL, unset="0", since=Feature.WSH_EVENT_DATA_FILTERS),
           F(_W + "start_date", STR, since=Feature.WSH_EVENT_DATA_FILTERS_DATE),
           F(_W + "end_date", STR, since=Feature.WSH_EVENT_DATA_FILTERS_DATE),
           F(_W + "total_limit", INT, unset=_INT_UNSET, since=Feature.WSH_EVENT_DATA_FILTERS_DATE),
           Proto("WshEventDataRequest", Feature.PROTOBUF_NEWS_DATA), P(2, _W + "con_id"),
           P(3, _W + "filter"), P(4, _W + "fill_watchlist"), P(5, _W + "fill_portfolio"),
           P(6, _W + "fill_competitors"), P(7, _W + "start_date"), P(8, _W + "end_date"),
           P(9, _W + "total_limit"), request=Request(replies=(In.WSH_EVENT_DATA,)),
           api=Api("reqWshEventData", "reqId", "wshEventData"))
@dataclass(slots=True)
class ReqWshEventData(Message):
    """REQ_WSH_EVENT_DATA (102, no version field; from 161): WSH_EVENT_DATA answers (or ERR_MSG
    when the account has no Wall Street Horizon subscription)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    wsh_event_data: WshEventData = field(default_factory=WshEventData)


@to_server(Out.CANCEL_WSH_EVENT_DATA, not_before(_WSH, "CANCEL_WSH_EVENT_DATA"), "req_id",
           Proto("CancelWshEventData", Feature.PROTOBUF_NEWS_DATA),
           api=Api("cancelWshEventData", "reqId"))
@dataclass(slots=True)
class CancelWshEventData(Message):
    """CANCEL_WSH_EVENT_DATA (103, no version field; from 161)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_client(In.WSH_META_DATA, "req_id", "data_json",
           Proto("WshMetaData", Feature.PROTOBUF_NEWS_DATA),
           callback=Callback("wshMetaData", "reqId", "dataJson"))
@dataclass(slots=True)
class WshMetaData(Message):
    """WSH_META_DATA (104, no version field): Wall Street Horizon's meta data, as JSON."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    data_json: Annotated[str | None, W(STR, pb=2)] = None


@to_client(In.WSH_EVENT_DATA, "req_id", "data_json",
           Proto("WshEventData", Feature.PROTOBUF_NEWS_DATA),
           callback=Callback("wshEventData", "reqId", "dataJson"))
@dataclass(slots=True)
class WshEventDataMsg(Message):
    """WSH_EVENT_DATA (105, no version field): Wall Street Horizon events, as JSON (the request's
    parameters are :class:`ibwire.models.discovery.WshEventData`)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    data_json: Annotated[str | None, W(STR, pb=2)] = None


# --- bonds --------------------------------------------------------------------------------------

_D = "details."
_C = "details.contract."


def _split_maturity(text: str) -> tuple[str | None, str | None, str | None]:
    parts = text.split("-") if "-" in text else text.split()
    return (parts[0] if parts else None, parts[1] if len(parts) > 1 else None,
            parts[2] if len(parts) > 2 else None)


def _decode_maturity(fields: list[str], i: int) -> tuple[tuple[str | None, ...], int]:
    return _split_maturity(fields[i]), i + 1


def _encode_maturity(value: tuple[object, ...], append: Callable[[str], None]) -> None:
    date, time, zone = (enc_str(v) for v in value)
    append(" ".join(p for p in (date, time, zone) if p) if date and time else date)


def _bond_from_pb(msg: BondContractData) -> BondContractData:
    """The official decoder's reading: the contract's lastTradeDateOrContractMonth is the bond's
    ``maturity [time [zone]]`` (the contract keeps the text as sent)."""
    text = msg.details.contract.last_trade_date_or_contract_month
    if text:
        d = msg.details
        d.maturity, time, zone = _split_maturity(text)
        d.last_trade_time = time or d.last_trade_time
        d.time_zone_id = d.time_zone_id or zone
    return msg


def _bond_to_pb(msg: BondContractData) -> BondContractData:
    d = msg.details
    if d.contract.last_trade_date_or_contract_month or not d.maturity:
        return msg
    text = " ".join(p for p in (d.maturity, d.last_trade_time) if p)
    contract = dataclasses.replace(d.contract, last_trade_date_or_contract_month=text)
    return dataclasses.replace(msg, details=dataclasses.replace(d, contract=contract))


_BOND_FIELDS: tuple[Element, ...] = (
    Version(6, until=Feature.SIZE_RULES),
    F("req_id", INT, unset=_INT_UNSET),
    F(_C + "symbol", STR),
    F(_C + "sec_type", STR),
    F(_D + "cusip", STR),
    F(_D + "coupon", FLOAT),
    Custom((_D + "maturity", _D + "last_trade_time", _D + "time_zone_id"), _decode_maturity,
           _encode_maturity),
    F(_D + "issue_date", STR),
    F(_D + "ratings", STR),
    F(_D + "bond_type", STR),
    F(_D + "coupon_type", STR),
    F(_D + "convertible", BOOL, unset="0"),
    F(_D + "callable", BOOL, unset="0"),
    F(_D + "putable", BOOL, unset="0"),
    F(_D + "desc_append", STR),
    F(_C + "exchange", STR),
    F(_C + "currency", STR),
    F(_D + "market_name", STR),
    F(_C + "trading_class", STR),
    F(_C + "con_id", INT, unset="0"),
    F(_D + "min_tick", FLOAT),
    F(_D + "md_size_multiplier", INT, since=Feature.MD_SIZE_MULTIPLIER,
      until=Feature.SIZE_RULES),
    F(_D + "order_types", STR),
    F(_D + "valid_exchanges", STR),
    F(_D + "next_option_date", STR),
    F(_D + "next_option_type", STR),
    F(_D + "next_option_partial", BOOL, unset="0"),
    F(_D + "notes", STR),
    F(_D + "long_name", STR),
    F(_D + "time_zone_id", STR, since=Feature.BOND_TRADING_HOURS),
    F(_D + "trading_hours", STR, since=Feature.BOND_TRADING_HOURS),
    F(_D + "liquid_hours", STR, since=Feature.BOND_TRADING_HOURS),
    F(_D + "ev_rule", STR),
    F(_D + "ev_multiplier", INT, unset="0"),
    Repeat(_D + "sec_id_list", TagValue, (F("tag", STR), F("value", STR))),
    F(_D + "agg_group", INT, unset=_INT_UNSET, since=Feature.AGG_GROUP),
    F(_D + "market_rule_ids", STR, since=Feature.MARKET_RULES),
    F(_D + "min_size", DECIMAL, since=Feature.SIZE_RULES),
    F(_D + "size_increment", DECIMAL, since=Feature.SIZE_RULES),
    F(_D + "suggested_size_increment", DECIMAL, since=Feature.SIZE_RULES),
)


@to_client(In.BOND_CONTRACT_DATA, *_BOND_FIELDS,
           Proto("ContractData", Feature.PROTOBUF_CONTRACT_DATA, prepare=_bond_to_pb,
                 finish=_bond_from_pb),
           P(1, "req_id"), P(2, "details.contract", sub=CONTRACT),
           P(3, "details", sub=CONTRACT_DETAILS),
           callback=Callback("bondContractDetails", "reqId", "contractDetails:details"))
@dataclass(slots=True)
class BondContractData(Message):
    """BOND_CONTRACT_DATA (18; version 6 below 164, none from 164): one bond matching a
    REQ_CONTRACT_DATA (CONTRACT_DATA_END follows the last one)."""

    req_id: int | None = None
    details: ContractDetails = field(default_factory=lambda: ContractDetails(
        contract=Contract(sec_type="BOND")))
