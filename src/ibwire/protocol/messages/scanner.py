"""Market scanners: REQ_SCANNER_PARAMETERS, REQ_SCANNER_SUBSCRIPTION, CANCEL_SCANNER_SUBSCRIPTION;
SCANNER_PARAMETERS, SCANNER_DATA.

PROTOCOL.md section 3 (ids 22..24 out, 19 / 20 in); protobuf from PROTOBUF_SCAN_DATA (210),
PROTOCOL-V2.md Appendix A (ScannerSubscription, ScannerDataElement ...).

* REQ_SCANNER_SUBSCRIPTION carries a version field (4) below SCANNER_GENERIC_OPTS (143) and none
  from then on, when the filter options ("tag=value;" text) join it; the subscription options
  follow at every version ibwire speaks. Below 143 a subscription with filter options cannot be
  sent (the official client refuses it the same way). Unset numbers go out as empty fields; an
  unset row count as ``-1`` (the official "no row number specified").
* SCANNER_DATA (version 3) holds every row of one scan result; TWS sends a whole new result each
  time the scan refreshes. The official client calls ``scannerData`` once per row and then
  ``scannerDataEnd``.
* SCANNER_PARAMETERS' XML is decoded by the official client with ``unicode-escape`` (from
  ENCODE_MSG_ASCII7, 153), so non-ASCII characters travel escaped; the rest goes as it is (newlines
  included: ib_async reads the text unescaped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from ...errors import LocalProtocolError
from ...models.scanner import ScanData, ScannerSubscription
from ..codec import UNSET_INT, Kind, TagValue
from ..elements import PT, P, PbType, Proto, W
from ..ids import In, Out
from ..schema import (
    Api,
    Callback,
    Custom,
    F,
    Message,
    Repeat,
    Request,
    Version,
    to_client,
    to_server,
)
from ..versions import Feature
from .blocks import CONTRACT
from .contracts import _decode_long_name

__all__ = [
    "ReqScannerParameters", "ReqScannerSubscription", "CancelScannerSubscription",
    "ScannerParameters", "ScannerData", "SCANNER_SUBSCRIPTION", "SCANNER_DATA_ELEMENT",
    "encode_ascii7",
]

INT, FLOAT, BOOL, STR, TAGS = Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.STR, Kind.TAGS

_INT_UNSET = str(UNSET_INT)
_GENERIC = Feature.SCANNER_GENERIC_OPTS
_S = "subscription."

SCANNER_SUBSCRIPTION = PbType("ScannerSubscription", ScannerSubscription, (
    P(1, "number_of_rows", INT, unset=-1, name="numberOfRows"),
    P(2, "instrument", STR, name="instrument"),
    P(3, "location_code", STR, name="locationCode"),
    P(4, "scan_code", STR, name="scanCode"),
    P(5, "above_price", FLOAT, name="abovePrice"),
    P(6, "below_price", FLOAT, name="belowPrice"),
    P(7, "above_volume", INT, pt=PT.INT64, name="aboveVolume"),
    P(8, "market_cap_above", FLOAT, name="marketCapAbove"),
    P(9, "market_cap_below", FLOAT, name="marketCapBelow"),
    P(10, "moody_rating_above", STR, name="moodyRatingAbove"),
    P(11, "moody_rating_below", STR, name="moodyRatingBelow"),
    P(12, "sp_rating_above", STR, name="spRatingAbove"),
    P(13, "sp_rating_below", STR, name="spRatingBelow"),
    P(14, "maturity_date_above", STR, name="maturityDateAbove"),
    P(15, "maturity_date_below", STR, name="maturityDateBelow"),
    P(16, "coupon_rate_above", FLOAT, name="couponRateAbove"),
    P(17, "coupon_rate_below", FLOAT, name="couponRateBelow"),
    P(18, "exclude_convertible", BOOL, name="excludeConvertible"),
    P(19, "average_option_volume_above", INT, pt=PT.INT64, name="averageOptionVolumeAbove"),
    P(20, "scanner_setting_pairs", STR, name="scannerSettingPairs"),
    P(21, "stock_type_filter", STR, name="stockTypeFilter"),
))
"""The subscription block of ScannerSubscriptionRequest (its fields 22 / 23, the two option
maps, are the request's own attributes: see :class:`ReqScannerSubscription`)."""


@dataclass(slots=True)
class _PbSubscription:
    """ScannerSubscription as protobuf nests it: the subscription with the two option maps."""

    sub: ScannerSubscription = field(default_factory=ScannerSubscription)
    filter_options: list[TagValue] = field(default_factory=list)
    options: list[TagValue] = field(default_factory=list)


_PB_SUBSCRIPTION = PbType("ScannerSubscription", _PbSubscription, (
    *(P(p.number, "sub." + p.path, p.kind, pt=p.pt, unset=p.unset, name=p.name)
      for p in SCANNER_SUBSCRIPTION.fields),
    P(22, "filter_options", TAGS, name="scannerSubscriptionFilterOptions"),
    P(23, "options", TAGS, name="scannerSubscriptionOptions"),
))


@dataclass(slots=True)
class _PbRequest:
    req_id: int | None = None
    subscription: _PbSubscription = field(default_factory=_PbSubscription)


def _to_pb(msg: ReqScannerSubscription) -> _PbRequest:
    return _PbRequest(msg.req_id, _PbSubscription(msg.subscription,
                                                  msg.scanner_subscription_filter_options or [],
                                                  msg.scanner_subscription_options))


def _from_pb(pb: _PbRequest | ReqScannerSubscription) -> ReqScannerSubscription:
    if isinstance(pb, ReqScannerSubscription) and isinstance(pb.subscription, ScannerSubscription):
        return pb  # already the message (finishing is idempotent)
    s = pb.subscription
    assert isinstance(s, _PbSubscription)
    return ReqScannerSubscription(pb.req_id, s.sub, s.options, s.filter_options)


SCANNER_DATA_ELEMENT = PbType("ScannerDataElement", ScanData, (
    P(1, "rank", INT, name="rank"),
    P(2, "contract_details.contract", sub=CONTRACT, name="contract"),
    P(3, "contract_details.market_name", STR, name="marketName"),
    P(4, "distance", STR, name="distance"),
    P(5, "benchmark", STR, name="benchmark"),
    P(6, "projection", STR, name="projection"),
    P(7, "legs_str", STR, name="comboKey"),
))


def encode_ascii7(value: object, append: Callable[[str], None]) -> None:
    """Text the official client reads with ``unicode-escape`` (SCANNER_PARAMETERS' XML, a news
    bulletin): non-ASCII characters escaped, the rest (newlines too) as it is, as TWS sends it."""
    if value is None:
        append("")
        return
    if not isinstance(value, str):
        raise LocalProtocolError(f"expected a string, got {value!r}")
    append(value.encode("ascii", "backslashreplace").decode("ascii"))


def _no_filters_before_143(fields: list[str], i: int) -> tuple[None, int]:
    return None, i


def _refuse_filters(value: object, append: Callable[[str], None]) -> None:
    if value is not None:  # (an empty list too, as the official client refuses it)
        raise LocalProtocolError("scanner filter options need server version "
                                 f"{int(_GENERIC)} or later")


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_SCANNER_PARAMETERS, Version(1),
           Proto("ScannerParametersRequest", Feature.PROTOBUF_SCAN_DATA),
           request=Request(replies=(In.SCANNER_PARAMETERS,), key=None),
           api=Api("reqScannerParameters"))
@dataclass(slots=True)
class ReqScannerParameters(Message):
    """REQ_SCANNER_PARAMETERS (24, v1): the XML of every scan code, instrument, location and
    filter (SCANNER_PARAMETERS)."""


@to_server(Out.REQ_SCANNER_SUBSCRIPTION, Version(4, until=_GENERIC),
           Custom("scanner_subscription_filter_options", _no_filters_before_143, _refuse_filters,
                  until=_GENERIC),
           "req_id", F(_S + "number_of_rows", INT, unset="-1", none=("-1",)),
           F(_S + "instrument", STR), F(_S + "location_code", STR), F(_S + "scan_code", STR),
           F(_S + "above_price", FLOAT), F(_S + "below_price", FLOAT), F(_S + "above_volume", INT),
           F(_S + "market_cap_above", FLOAT), F(_S + "market_cap_below", FLOAT),
           F(_S + "moody_rating_above", STR), F(_S + "moody_rating_below", STR),
           F(_S + "sp_rating_above", STR), F(_S + "sp_rating_below", STR),
           F(_S + "maturity_date_above", STR), F(_S + "maturity_date_below", STR),
           F(_S + "coupon_rate_above", FLOAT), F(_S + "coupon_rate_below", FLOAT),
           F(_S + "exclude_convertible", BOOL, unset="0"),
           F(_S + "average_option_volume_above", INT), F(_S + "scanner_setting_pairs", STR),
           F(_S + "stock_type_filter", STR), "scanner_subscription_filter_options",
           "scanner_subscription_options",
           Proto("ScannerSubscriptionRequest", Feature.PROTOBUF_SCAN_DATA, prepare=_to_pb,
                 finish=_from_pb),
           P(1, "req_id", INT), P(2, "subscription", sub=_PB_SUBSCRIPTION),
           request=Request(replies=(In.SCANNER_DATA,), cancel=Out.CANCEL_SCANNER_SUBSCRIPTION),
           api=Api("reqScannerSubscription", "reqId", "subscription",
                   "scannerSubscriptionOptions", "scannerSubscriptionFilterOptions"))
@dataclass(slots=True)
class ReqScannerSubscription(Message):
    """REQ_SCANNER_SUBSCRIPTION (22; v4 below 143, no version field from 143): a live scan,
    answered by SCANNER_DATA each time it refreshes, until CANCEL_SCANNER_SUBSCRIPTION.

    ``scanner_subscription_filter_options`` are the scan's filters (``TagValue("priceAbove",
    "5")``; the codes the parameters XML lists): None for none, which is the only value a server
    below SCANNER_GENERIC_OPTS (143) takes (the official client refuses any list there, an empty
    one too); ``scanner_subscription_options`` is TWS-internal.
    """

    req_id: Annotated[int | None, W(INT)] = None
    subscription: ScannerSubscription = field(default_factory=ScannerSubscription)
    scanner_subscription_options: Annotated[list[TagValue], W(TAGS)] = field(default_factory=list)
    scanner_subscription_filter_options: Annotated[list[TagValue] | None, W(TAGS, since=_GENERIC)] = None


@to_server(Out.CANCEL_SCANNER_SUBSCRIPTION, Version(1), "req_id",
           Proto("CancelScannerSubscription", Feature.PROTOBUF_SCAN_DATA),
           api=Api("cancelScannerSubscription", "reqId"))
@dataclass(slots=True)
class CancelScannerSubscription(Message):
    """CANCEL_SCANNER_SUBSCRIPTION (23, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.SCANNER_PARAMETERS, Version(1), "xml",
           Custom("xml", _decode_long_name, encode_ascii7, since=Feature.ENCODE_MSG_ASCII7),
           Proto("ScannerParameters", Feature.PROTOBUF_SCAN_DATA), P(1, "xml", STR),
           callback=Callback("scannerParameters", "xml"))
@dataclass(slots=True)
class ScannerParameters(Message):
    """SCANNER_PARAMETERS (19, v1): the scanner parameters XML (see
    :func:`ibwire.models.scanner.parse_scanner_parameters`)."""

    xml: Annotated[str | None, W(STR, until=Feature.ENCODE_MSG_ASCII7)] = None


_C = "contract_details.contract."


@to_client(In.SCANNER_DATA, Version(3), "req_id",
           Repeat("rows", ScanData, (
               F("rank", INT, unset=_INT_UNSET),
               F(_C + "con_id", INT, unset="0", none=("0",)),
               F(_C + "symbol", STR),
               F(_C + "sec_type", STR),
               F(_C + "last_trade_date_or_contract_month", STR),
               F(_C + "strike", FLOAT, unset="0", none=("0", "0.0")),
               F(_C + "right", STR),
               F(_C + "exchange", STR),
               F(_C + "currency", STR),
               F(_C + "local_symbol", STR),
               F("contract_details.market_name", STR),
               F(_C + "trading_class", STR),
               F("distance", STR),
               F("benchmark", STR),
               F("projection", STR),
               F("legs_str", STR),
           )),
           Proto("ScannerData", Feature.PROTOBUF_SCAN_DATA),
           P(2, "rows", sub=SCANNER_DATA_ELEMENT, repeated=True),
           callback=Callback("scannerData", "reqId", "rank:*.rank",
                             "contractDetails:*.contract_details", "distance:*.distance",
                             "benchmark:*.benchmark", "projection:*.projection",
                             "legsStr:*.legs_str", each="rows",
                             then=Callback("scannerDataEnd", "reqId")))
@dataclass(slots=True)
class ScannerData(Message):
    """SCANNER_DATA (20, v3): one scan result, every row of it (ranked from 0). The official
    client calls ``scannerData`` per row, then ``scannerDataEnd(reqId)``."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    rows: list[ScanData] = field(default_factory=list)

