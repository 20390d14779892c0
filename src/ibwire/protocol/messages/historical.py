"""Historical bars: REQ_HISTORICAL_DATA, HISTORICAL_DATA, HISTORICAL_DATA_UPDATE, cancel.

PROTOCOL.md section 4.15. REQ_HISTORICAL_DATA and HISTORICAL_DATA lost their version field at
SYNT_REALTIME_BARS (124), below every version ibwire speaks, and HISTORICAL_DATA keeps its
``startDateStr`` / ``endDateStr`` up to 195 (they move to HISTORICAL_DATA_END at 196, above what
ibwire speaks), so each layout here holds at every version 157..178.

A bar is ``date, open, high, low, close, volume, wap, barCount`` in HISTORICAL_DATA but
``barCount, date, open, close, high, low, wap, volume`` in HISTORICAL_DATA_UPDATE. Volume, WAP and
count are -1 for BID / ASK / MIDPOINT bars. Below FRACTIONAL_SIZE_SUPPORT (163) volumes must be
whole numbers: the official ibapi 9.81 reads them as ints.

``end_date_time`` is sent as text (``""`` for now, ``yyyyMMdd HH:mm:ss <zone>``, or
``yyyyMMdd-HH:mm:ss`` in UTC); :func:`ibwire.protocol.codec.format_tws_time` writes a datetime so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ...models.contract import Contract
from ...models.market import BarData
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind, TagValue
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import F, Message, Refuse, Repeat, Skip, Version, to_client, to_server
from ..versions import Feature
from .blocks import CONTRACT, HISTORICAL_DATA_BAR
from .market_data import combo_legs_if_bag, request_contract_fields

__all__ = [
    "ReqHistoricalData",
    "CancelHistoricalData",
    "HistoricalData",
    "HistoricalDataUpdate",
    "HistoricalDataEnd",
]

INT, FLOAT, DECIMAL, BOOL, STR, TAGS = (
    Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR, Kind.TAGS)

# What TWS writes for unset numbers (ibapi 9.81 parses bars with bare int() / float()).
_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"


# --- client -> TWS -----------------------------------------------------------------------------

def _is_schedule(what_to_show: object) -> bool:
    return what_to_show == "SCHEDULE"


@to_server(Out.REQ_HISTORICAL_DATA,
           Refuse("REQ_HISTORICAL_DATA with whatToShow SCHEDULE needs server version "
                  f"{int(Feature.HISTORICAL_SCHEDULE)} (HISTORICAL_SCHEDULE) or later",
                  ref="what_to_show", test=_is_schedule, until=Feature.HISTORICAL_SCHEDULE),
           Version(6, until=Feature.SYNT_REALTIME_BARS), "req_id", *request_contract_fields(),
           F("contract.include_expired", BOOL, unset="0"), "end_date_time", "bar_size_setting",
           "duration_str", "use_rth", "what_to_show", "format_date", combo_legs_if_bag(),
           "keep_up_to_date", "chart_options",
           Proto("HistoricalDataRequest", Feature.PROTOBUF_HISTORICAL_DATA),
           P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.HISTORICAL_DATA, In.HISTORICAL_DATA_UPDATE, In.HISTORICAL_SCHEDULE), end=In.HISTORICAL_DATA_END, cancel=Out.CANCEL_HISTORICAL_DATA),
           api=Api("reqHistoricalData", "reqId", "contract", "endDateTime", "durationStr", "barSizeSetting", "whatToShow", "useRTH", "formatDate", "keepUpToDate", "chartOptions"))
@dataclass(slots=True)
class ReqHistoricalData(Message):
    """REQ_HISTORICAL_DATA (20, no version field): HISTORICAL_DATA once, then (with
    ``keep_up_to_date``) HISTORICAL_DATA_UPDATE rows until CANCEL_HISTORICAL_DATA.

    ``bar_size_setting`` "1 min", "1 hour", "1 day" ...; ``duration_str`` "3600 S", "1 D", "2 W";
    ``what_to_show`` TRADES, MIDPOINT, BID, ASK, BID_ASK ...; ``format_date`` 1 text, 2 epoch.
    ``SCHEDULE`` (from 165) asks for the sessions of the period instead: HISTORICAL_SCHEDULE
    answers it (:class:`~ibwire.protocol.messages.reference.HistoricalSchedule`).
    """

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    end_date_time: Annotated[str | None, W(STR, pb=3)] = None
    bar_size_setting: Annotated[str | None, W(STR, pb=4)] = None
    duration_str: Annotated[str | None, W(STR, pb=5)] = None
    use_rth: Annotated[bool | None, W(BOOL, pb=6, unset="1")] = True
    what_to_show: Annotated[str | None, W(STR, pb=7)] = "TRADES"
    format_date: Annotated[int | None, W(INT, pb=8, unset="1")] = 1
    keep_up_to_date: Annotated[bool | None, W(BOOL, pb=9, unset="0", since=Feature.SYNT_REALTIME_BARS)] = False
    chart_options: Annotated[list[TagValue], W(TAGS, pb=10)] = field(default_factory=list)


@to_server(Out.CANCEL_HISTORICAL_DATA, Version(1), "req_id",
           Proto("CancelHistoricalData", Feature.PROTOBUF_HISTORICAL_DATA),
           api=Api("cancelHistoricalData", "reqId"))
@dataclass(slots=True)
class CancelHistoricalData(Message):
    """CANCEL_HISTORICAL_DATA (25, v1); an unknown id answers ERR_MSG 366."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.HISTORICAL_DATA,
           Version(3, until=Feature.SYNT_REALTIME_BARS),
           F("req_id", INT, unset=_INT_UNSET),
           F("start_date_str", STR, until=Feature.HISTORICAL_DATA_END),
           F("end_date_str", STR, until=Feature.HISTORICAL_DATA_END),
           Repeat("bars", BarData, (
               F("date", STR),
               F("open", FLOAT, unset=UNSET_DOUBLE_STR),
               F("high", FLOAT, unset=UNSET_DOUBLE_STR),
               F("low", FLOAT, unset=UNSET_DOUBLE_STR),
               F("close", FLOAT, unset=UNSET_DOUBLE_STR),
               F("volume", DECIMAL, unset=_QTY_UNSET),
               F("wap", DECIMAL, unset=_QTY_UNSET),
               Skip("false", until=Feature.SYNT_REALTIME_BARS),  # hasGaps
               F("bar_count", INT, unset=_INT_UNSET),
           )),
           Proto("HistoricalData", Feature.PROTOBUF_HISTORICAL_DATA), P(1, "req_id"),
           P(2, "bars", sub=HISTORICAL_DATA_BAR, repeated=True))
@dataclass(slots=True)
class HistoricalData(Message):
    """HISTORICAL_DATA (17, no version field from 124): the bars of one request, in one message.

    From HISTORICAL_DATA_END (196) the start / end texts travel in :class:`HistoricalDataEnd`.
    """

    req_id: int | None = None
    start_date_str: str | None = None
    end_date_str: str | None = None
    bars: list[BarData] = field(default_factory=list)


@to_client(In.HISTORICAL_DATA_UPDATE, "req_id", F("bar.bar_count", INT, unset=_INT_UNSET),
           F("bar.date", STR), F("bar.open", FLOAT, unset=UNSET_DOUBLE_STR),
           F("bar.close", FLOAT, unset=UNSET_DOUBLE_STR),
           F("bar.high", FLOAT, unset=UNSET_DOUBLE_STR),
           F("bar.low", FLOAT, unset=UNSET_DOUBLE_STR), F("bar.wap", DECIMAL, unset=_QTY_UNSET),
           F("bar.volume", DECIMAL, unset=_QTY_UNSET),
           Proto("HistoricalDataUpdate", Feature.PROTOBUF_HISTORICAL_DATA),
           P(2, "bar", sub=HISTORICAL_DATA_BAR),
           callback=Callback("historicalDataUpdate", "reqId", "bar"))
@dataclass(slots=True)
class HistoricalDataUpdate(Message):
    """HISTORICAL_DATA_UPDATE (90, no version field): the newest bar of a keep-up-to-date request,
    sent again each time it changes."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    bar: BarData = field(default_factory=BarData)


@to_client(In.HISTORICAL_DATA_END, "req_id", "start_date_str", "end_date_str",
           Proto("HistoricalDataEnd", Feature.PROTOBUF_HISTORICAL_DATA),
           callback=Callback("historicalDataEnd", "reqId", "start:start_date_str", "end:end_date_str"))
@dataclass(slots=True)
class HistoricalDataEnd(Message):
    """HISTORICAL_DATA_END (108, no version field; from 196): the range of the HISTORICAL_DATA
    just sent."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    start_date_str: Annotated[str | None, W(STR, pb=2)] = None
    end_date_str: Annotated[str | None, W(STR, pb=3)] = None
