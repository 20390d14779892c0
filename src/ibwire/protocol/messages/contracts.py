"""Contract details: REQ_CONTRACT_DATA, CONTRACT_DATA, CONTRACT_DATA_END.

PROTOCOL.md section 4.14. CONTRACT_DATA carries a version field (8) below SIZE_RULES (164) and
none from then on; ``mdSizeMultiplier`` sits after ``minTick`` from MD_SIZE_MULTIPLIER (110) up
to 163; the tail is ``sizeMinTick`` at FRACTIONAL_SIZE_SUPPORT (163) only, then ``minSize``,
``sizeIncrement`` and ``suggestedSizeIncrement`` from 164. No match answers ERR_MSG 200 instead.

Two fields are not plain text:

* ``lastTradeDateOrContractMonth`` may carry the last trade time and a zone after the date
  (``20250620 08:30 US/Central``). Like both official clients, ibwire splits it on whitespace:
  the date goes to ``contract.last_trade_date_or_contract_month`` and the time to
  ``last_trade_time``; the zone is the contract's ``time_zone_id``, which CONTRACT_DATA also
  sends in its own field (that later field wins). ibwire writes the three back the same way.
* ``longName`` is sent with non-ASCII characters escaped (ENCODE_MSG_ASCII7, 153, before every
  version ibwire speaks); it is unescaped on the way in and escaped on the way out.

Unset numbers are written as TWS writes them in captured frames: ``""`` (both official parsers
read it as 0 / their default there), ``0`` for a non-option's strike, ``2147483647`` for
``aggGroup``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from ...errors import LocalProtocolError
from ...models.contract import Contract
from ...models.market import ContractDetails, IneligibilityReason
from ..codec import UNSET_INT, Kind, TagValue, enc_str
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import (
    Api,
    Callback,
    Cond,
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
from .blocks import CONTRACT, CONTRACT_DETAILS
from .market_data import request_contract_fields

__all__ = ["ReqContractData", "ContractData", "ContractDataEnd"]

INT, FLOAT, DECIMAL, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR

_INT_UNSET = str(UNSET_INT)

_D = "details."
_C = "details.contract."


def _decode_last_trade(fields: list[str], i: int) -> tuple[tuple[str | None, ...], int]:
    parts = fields[i].split()
    date = parts[0] if parts else None
    time = parts[1] if len(parts) > 1 else None
    zone = " ".join(parts[2:]) or None
    return (date, time, zone), i + 1


def _encode_last_trade(value: tuple[object, ...], append: Callable[[str], None]) -> None:
    date, time, zone = (enc_str(v) for v in value)
    if date and time:
        append(f"{date} {time} {zone}" if zone else f"{date} {time}")
    else:
        append(date)


def _pb_join_last_trade(msg: Any) -> Any:
    """Protobuf CONTRACT_DATA has no field for the last trade time: like the text form, the
    contract's lastTradeDateOrContractMonth carries ``date time zone`` (the official decoder splits
    it the same way)."""
    d = msg.details
    if not d.last_trade_time or not d.contract.last_trade_date_or_contract_month:
        return msg
    parts: list[str] = []
    _encode_last_trade((d.contract.last_trade_date_or_contract_month, d.last_trade_time,
                        d.time_zone_id), parts.append)
    contract = replace(d.contract, last_trade_date_or_contract_month=parts[0])
    return replace(msg, details=replace(d, contract=contract))


def _pb_split_last_trade(msg: Any) -> Any:
    c = msg.details.contract
    text = c.last_trade_date_or_contract_month
    if text and len(text.split()) > 1:
        (date, time, zone), _ = _decode_last_trade([text], 0)
        c.last_trade_date_or_contract_month = date
        msg.details.last_trade_time = time
        if msg.details.time_zone_id is None:
            msg.details.time_zone_id = zone
    return msg


def _decode_long_name(fields: list[str], i: int) -> tuple[str | None, int]:
    s = fields[i]
    if "\\" in s:
        try:
            s = s.encode("ascii", "backslashreplace").decode("unicode-escape")
        except UnicodeDecodeError:  # a stray backslash: keep the text as sent
            pass
    return s or None, i + 1


def _encode_long_name(value: object, append: Callable[[str], None]) -> None:
    if value is None:
        append("")
        return
    if not isinstance(value, str):
        raise LocalProtocolError(f"expected a string, got {value!r}")
    append(value.encode("unicode-escape").decode("ascii"))


def _is_fund(sec_type: str) -> bool:
    return sec_type == "FUND"


_FUND_BOOLS = ("fund_closed", "fund_closed_for_new_investors", "fund_closed_for_new_money")
# CONTRACT_DATA's fund block (FUND_DATA_FIELDS, 179): only for secType FUND.
_FUND_FIELDS: tuple[Element, ...] = tuple(
    F(_D + name, BOOL if name in _FUND_BOOLS else STR) for name in (
        "fund_name", "fund_family", "fund_type", "fund_front_load", "fund_back_load",
        "fund_back_load_time_interval", "fund_management_fee", "fund_closed",
        "fund_closed_for_new_investors", "fund_closed_for_new_money", "fund_notify_amount",
        "fund_minimum_initial_purchase", "fund_subsequent_minimum_purchase",
        "fund_blue_sky_states", "fund_blue_sky_territories", "fund_distribution_policy_indicator",
        "fund_asset_type"))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_CONTRACT_DATA, Version(8), "req_id", *request_contract_fields(),
           F("contract.include_expired", BOOL, unset="0"),
           F("contract.sec_id_type", STR),
           F("contract.sec_id", STR),
           F("contract.issuer_id", STR, since=Feature.BOND_ISSUERID),
           Proto("ContractDataRequest", Feature.PROTOBUF_CONTRACT_DATA), P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.CONTRACT_DATA,), end=In.CONTRACT_DATA_END),
           api=Api("reqContractDetails", "reqId", "contract"))
@dataclass(slots=True)
class ReqContractData(Message):
    """REQ_CONTRACT_DATA (9, v8): CONTRACT_DATA per match, then CONTRACT_DATA_END."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.CONTRACT_DATA,
           Version(8, until=Feature.SIZE_RULES),
           F("req_id", INT, unset=_INT_UNSET),
           F(_C + "symbol", STR),
           F(_C + "sec_type", STR),
           Custom((_C + "last_trade_date_or_contract_month", _D + "last_trade_time",
                   _D + "time_zone_id"), _decode_last_trade, _encode_last_trade),
           F(_C + "last_trade_date", STR, since=Feature.LAST_TRADE_DATE),
           F(_C + "strike", FLOAT, unset="0", none=("0", "0.0")),
           F(_C + "right", STR, none=("?", "0")),
           F(_C + "exchange", STR),
           F(_C + "currency", STR),
           F(_C + "local_symbol", STR),
           F(_D + "market_name", STR),
           F(_C + "trading_class", STR),
           F(_C + "con_id", INT),
           F(_D + "min_tick", FLOAT),
           F(_D + "md_size_multiplier", INT, since=Feature.MD_SIZE_MULTIPLIER, until=Feature.SIZE_RULES),
           F(_C + "multiplier", STR),
           F(_D + "order_types", STR),
           F(_D + "valid_exchanges", STR),
           F(_D + "price_magnifier", INT),
           F(_D + "under_con_id", INT),
           F(_D + "long_name", STR, until=Feature.ENCODE_MSG_ASCII7),
           Custom(_D + "long_name", _decode_long_name, _encode_long_name,
                  since=Feature.ENCODE_MSG_ASCII7),
           F(_C + "primary_exchange", STR),
           F(_D + "contract_month", STR),
           F(_D + "industry", STR),
           F(_D + "category", STR),
           F(_D + "subcategory", STR),
           F(_D + "time_zone_id", STR),
           F(_D + "trading_hours", STR),
           F(_D + "liquid_hours", STR),
           F(_D + "ev_rule", STR),
           F(_D + "ev_multiplier", INT),
           Repeat(_D + "sec_id_list", TagValue, (F("tag", STR), F("value", STR))),
           F(_D + "agg_group", INT, unset=_INT_UNSET, since=Feature.AGG_GROUP),
           F(_D + "under_symbol", STR, since=Feature.UNDERLYING_INFO),
           F(_D + "under_sec_type", STR, since=Feature.UNDERLYING_INFO),
           F(_D + "market_rule_ids", STR, since=Feature.MARKET_RULES),
           F(_D + "real_expiration_date", STR, since=Feature.REAL_EXPIRATION_DATE),
           F(_D + "stock_type", STR, since=Feature.STOCK_TYPE),
           F(_D + "size_min_tick", DECIMAL,
             since=Feature.FRACTIONAL_SIZE_SUPPORT, until=Feature.SIZE_RULES),
           F(_D + "min_size", DECIMAL, since=Feature.SIZE_RULES),
           F(_D + "size_increment", DECIMAL, since=Feature.SIZE_RULES),
           F(_D + "suggested_size_increment", DECIMAL, since=Feature.SIZE_RULES),
           Cond(_C + "sec_type", _is_fund, _FUND_FIELDS, since=Feature.FUND_DATA_FIELDS),
           Repeat(_D + "ineligibility_reason_list", IneligibilityReason,
                  (F("id", STR), F("description", STR)), since=Feature.INELIGIBILITY_REASONS),
           Proto("ContractData", Feature.PROTOBUF_CONTRACT_DATA, prepare=_pb_join_last_trade,
                 finish=_pb_split_last_trade), P(1, "req_id"),
           P(2, "details.contract", sub=CONTRACT), P(3, "details", sub=CONTRACT_DETAILS),
           callback=Callback("contractDetails", "reqId", "contractDetails:details"))
@dataclass(slots=True)
class ContractData(Message):
    """CONTRACT_DATA (10; version 8 below 164, none from 164): one contract matching a request."""

    req_id: int | None = None
    details: ContractDetails = field(default_factory=ContractDetails)


@to_client(In.CONTRACT_DATA_END, Version(1), Proto("ContractDataEnd", Feature.PROTOBUF_CONTRACT_DATA),
           callback=Callback("contractDetailsEnd", "reqId"))
@dataclass(slots=True)
class ContractDataEnd(Message):
    """CONTRACT_DATA_END (52, v1): every match for ``req_id`` has been sent."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
