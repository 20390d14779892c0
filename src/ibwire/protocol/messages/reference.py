"""Historical reference data: head timestamps, histograms, market rules, trading schedules, and
the cancel of a contract-details request.

* REQ_HEAD_TIMESTAMP (87, from 118) -> HEAD_TIMESTAMP (88): the earliest data of a kind;
  CANCEL_HEAD_TIMESTAMP (90, from 123).
* REQ_HISTOGRAM_DATA (88, from 119) -> HISTOGRAM_DATA (89): volume by price over a period;
  CANCEL_HISTOGRAM_DATA (89).
* REQ_MARKET_RULE (91, from 126) -> MARKET_RULE (93): the price increments of a rule id named in
  CONTRACT_DATA's ``marketRuleIds``. The answer carries the rule id, not a request id.
* HISTORICAL_SCHEDULE (106, from 165): the answer to REQ_HISTORICAL_DATA with whatToShow
  ``SCHEDULE`` (the request is declared in :mod:`.historical`; below 165 it refuses that value).
* CANCEL_CONTRACT_DATA (106, from 215): protobuf only, it never had a text form.

None of these messages has a version field. The requests carry the same 12-field contract block
as REQ_HISTORICAL_DATA followed by ``includeExpired``; the official client refuses to send each
below its server version, and so does ibwire (:class:`~ibwire.protocol.schema.Refuse`).
Protobuf: the head timestamp, histogram and schedule messages from PROTOBUF_HISTORICAL_DATA
(208), the market rule messages from PROTOBUF_REST_MESSAGES_2 (212) (PROTOCOL-V2.md sections
3.1, 3.2 and Appendix A).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ...models.contract import Contract
from ...models.reference import HistogramData, HistoricalSession, PriceIncrement
from ..codec import UNSET_INT, Kind
from ..elements import P, PbType, Proto, W
from ..ids import In, Out
from ..schema import Api, Callback, F, Message, Refuse, Repeat, Request, to_client, to_server
from ..versions import Feature
from .blocks import CONTRACT
from .market_data import request_contract_fields

__all__ = [
    "ReqHeadTimestamp", "CancelHeadTimestamp", "HeadTimestamp",
    "ReqHistogramData", "CancelHistogramData", "HistogramDataMsg",
    "ReqMarketRule", "MarketRuleMsg",
    "HistoricalSchedule",
    "CancelContractData",
    "HISTOGRAM_DATA_ENTRY", "PRICE_INCREMENT", "HISTORICAL_SESSION",
]

INT, FLOAT, DECIMAL, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR

_INT_UNSET = str(UNSET_INT)


def _needs(what: str, feature: Feature) -> Refuse:
    return Refuse(f"{what} needs server version {int(feature)} ({feature.name}) or later",
                  until=feature)


HISTOGRAM_DATA_ENTRY = PbType("HistogramDataEntry", HistogramData, (
    P(1, "price", FLOAT, name="price"), P(2, "size", DECIMAL, name="size"),
))
PRICE_INCREMENT = PbType("PriceIncrement", PriceIncrement, (
    P(1, "low_edge", FLOAT, name="lowEdge"), P(2, "increment", FLOAT, name="increment"),
))
HISTORICAL_SESSION = PbType("HistoricalSession", HistoricalSession, (
    P(1, "start_date_time", STR, name="startDateTime"),
    P(2, "end_date_time", STR, name="endDateTime"),
    P(3, "ref_date", STR, name="refDate"),
))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_HEAD_TIMESTAMP, _needs("REQ_HEAD_TIMESTAMP", Feature.REQ_HEAD_TIMESTAMP),
           "req_id", *request_contract_fields(), F("contract.include_expired", BOOL, unset="0"),
           "use_rth", "what_to_show", "format_date",
           Proto("HeadTimestampRequest", Feature.PROTOBUF_HISTORICAL_DATA),
           P(2, "contract", sub=CONTRACT), request=Request(replies=(In.HEAD_TIMESTAMP,)),
           api=Api("reqHeadTimeStamp", "reqId", "contract", "whatToShow", "useRTH", "formatDate"))
@dataclass(slots=True)
class ReqHeadTimestamp(Message):
    """REQ_HEAD_TIMESTAMP (87, from 118): the time of the earliest data of ``what_to_show``
    (TRADES, MIDPOINT, BID, ASK ...) for ``contract``; ``use_rth`` regular hours only;
    ``format_date`` 1 text (``yyyyMMdd-HH:mm:ss``, UTC), 2 epoch seconds. One HEAD_TIMESTAMP
    answers it."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    what_to_show: Annotated[str | None, W(STR, pb=4)] = "TRADES"
    use_rth: Annotated[bool | None, W(BOOL, pb=3, unset="1")] = True
    format_date: Annotated[int | None, W(INT, pb=5, unset="1")] = 1


@to_server(Out.CANCEL_HEAD_TIMESTAMP,
           _needs("CANCEL_HEAD_TIMESTAMP", Feature.CANCEL_HEADTIMESTAMP), "req_id",
           Proto("CancelHeadTimestamp", Feature.PROTOBUF_HISTORICAL_DATA),
           api=Api("cancelHeadTimeStamp", "reqId"))
@dataclass(slots=True)
class CancelHeadTimestamp(Message):
    """CANCEL_HEAD_TIMESTAMP (90, from 123): forget a head timestamp request not yet answered."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_HISTOGRAM_DATA, _needs("REQ_HISTOGRAM_DATA", Feature.REQ_HISTOGRAM), "req_id",
           *request_contract_fields(), F("contract.include_expired", BOOL, unset="0"), "use_rth",
           "time_period", Proto("HistogramDataRequest", Feature.PROTOBUF_HISTORICAL_DATA),
           P(2, "contract", sub=CONTRACT), request=Request(replies=(In.HISTOGRAM_DATA,)),
           api=Api("reqHistogramData", "tickerId:req_id", "contract", "useRTH", "timePeriod"))
@dataclass(slots=True)
class ReqHistogramData(Message):
    """REQ_HISTOGRAM_DATA (88, from 119): how much traded at each price over ``time_period``
    (``"3 days"``, ``"1 week"``, ``"1 month"``); one HISTOGRAM_DATA answers it."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    use_rth: Annotated[bool | None, W(BOOL, pb=3, unset="1")] = True
    time_period: Annotated[str | None, W(STR, pb=4)] = None


@to_server(Out.CANCEL_HISTOGRAM_DATA, _needs("CANCEL_HISTOGRAM_DATA", Feature.REQ_HISTOGRAM),
           "req_id", Proto("CancelHistogramData", Feature.PROTOBUF_HISTORICAL_DATA),
           api=Api("cancelHistogramData", "tickerId:req_id"))
@dataclass(slots=True)
class CancelHistogramData(Message):
    """CANCEL_HISTOGRAM_DATA (89, from 119)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_MARKET_RULE, _needs("REQ_MARKET_RULE", Feature.MARKET_RULES), "market_rule_id",
           Proto("MarketRuleRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.MARKET_RULE,), key="market_rule_id"),
           api=Api("reqMarketRule", "marketRuleId"))
@dataclass(slots=True)
class ReqMarketRule(Message):
    """REQ_MARKET_RULE (91, from 126): the price increments of one market rule; MARKET_RULE
    answers it, keyed by the rule id (there is no request id)."""

    market_rule_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.CANCEL_CONTRACT_DATA,
           Refuse("CANCEL_CONTRACT_DATA has no text form: it travels as protobuf, from server "
                  f"version {int(Feature.CANCEL_CONTRACT_DATA)} (CANCEL_CONTRACT_DATA) on"),
           Proto("CancelContractData", Feature.CANCEL_CONTRACT_DATA), P(1, "req_id", INT),
           api=Api("cancelContractData", "reqId"))
@dataclass(slots=True)
class CancelContractData(Message):
    """CANCEL_CONTRACT_DATA (106, protobuf only, from 215): stop a REQ_CONTRACT_DATA that has
    not ended."""

    req_id: int | None = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.HEAD_TIMESTAMP, "req_id", "head_timestamp",
           Proto("HeadTimestamp", Feature.PROTOBUF_HISTORICAL_DATA),
           callback=Callback("headTimestamp", "reqId", "headTimestamp"))
@dataclass(slots=True)
class HeadTimestamp(Message):
    """HEAD_TIMESTAMP (88): ``head_timestamp`` as the request's format date asked
    (``"19801212-14:30:00"`` in UTC, or epoch seconds)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    head_timestamp: Annotated[str | None, W(STR, pb=2)] = None


@to_client(In.HISTOGRAM_DATA, "req_id",
           Repeat("items", HistogramData, (F("price", FLOAT), F("size", DECIMAL))),
           Proto("HistogramData", Feature.PROTOBUF_HISTORICAL_DATA),
           P(2, "items", sub=HISTOGRAM_DATA_ENTRY, repeated=True, name="histogramDataEntries"),
           callback=Callback("histogramData", "reqId", "items"))
@dataclass(slots=True)
class HistogramDataMsg(Message):
    """HISTOGRAM_DATA (89): the histogram of one request, one row per price."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    items: list[HistogramData] = field(default_factory=list)


@to_client(In.MARKET_RULE, "market_rule_id",
           Repeat("price_increments", PriceIncrement,
                  (F("low_edge", FLOAT), F("increment", FLOAT))),
           Proto("MarketRule", Feature.PROTOBUF_REST_MESSAGES_2),
           P(2, "price_increments", sub=PRICE_INCREMENT, repeated=True),
           callback=Callback("marketRule", "marketRuleId", "priceIncrements"))
@dataclass(slots=True)
class MarketRuleMsg(Message):
    """MARKET_RULE (93): the increments of rule ``market_rule_id``, by price band."""

    market_rule_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    price_increments: list[PriceIncrement] = field(default_factory=list)


@to_client(In.HISTORICAL_SCHEDULE, "req_id", "start_date_time", "end_date_time", "time_zone",
           Repeat("sessions", HistoricalSession,
                  (F("start_date_time", STR), F("end_date_time", STR), F("ref_date", STR))),
           Proto("HistoricalSchedule", Feature.PROTOBUF_HISTORICAL_DATA),
           P(5, "sessions", sub=HISTORICAL_SESSION, repeated=True, name="historicalSessions"),
           callback=Callback("historicalSchedule", "reqId", "startDateTime", "endDateTime",
                             "timeZone", "sessions"))
@dataclass(slots=True)
class HistoricalSchedule(Message):
    """HISTORICAL_SCHEDULE (106, from 165): the sessions of the period a REQ_HISTORICAL_DATA
    with whatToShow ``SCHEDULE`` asked for; times ``"20261207-09:30:00"`` in ``time_zone``."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    start_date_time: Annotated[str | None, W(STR, pb=2)] = None
    end_date_time: Annotated[str | None, W(STR, pb=3)] = None
    time_zone: Annotated[str | None, W(STR, pb=4)] = None
    sessions: list[HistoricalSession] = field(default_factory=list)
