"""Tick-level market data: tick-by-tick, 5-second real-time bars, historical ticks, EFP ticks and
delta-neutral validation.

Facts (the official client 10.51; PROTOCOL-V2.md sections 2, 3 and Appendix A):

* REQ_TICK_BY_TICK_DATA (97, no version field) exists from TICK_BY_TICK (137), and the official
  client refuses it below TICK_BY_TICK_IGNORE_SIZE (140), where ``numberOfTicks`` and
  ``ignoreSize`` joined it; CANCEL_TICK_BY_TICK_DATA (98) from 137. TICK_BY_TICK (99) carries
  ``reqId, tickType, time`` and then, by type: Last (1) / AllLast (2) ``price, size, mask,
  exchange, specialConditions``; BidAsk (3) ``bidPrice, askPrice, bidSize, askSize, mask``;
  MidPoint (4) ``midPoint``. Its protobuf form (TickByTickData) holds the tick as one of three
  sub-messages (a oneof), with the time inside it.
* The attribute masks: Last ``bit 0 pastLimit, bit 1 unreported`` everywhere; tick-by-tick BidAsk
  ``bit 0 bidPastLow, bit 1 askPastHigh``, but HISTORICAL_TICKS_BID_ASK the other way round
  (``bit 0 askPastHigh, bit 1 bidPastLow``), as both official clients read them. The models hold
  the attributes as booleans; each layout reads and writes its own bit order.
* REQ_REAL_TIME_BARS (50, v3) / CANCEL_REAL_TIME_BARS (51, v1) -> REAL_TIME_BARS (50, v3):
  ``reqId, time, open, high, low, close, volume, wap, count``; TWS serves 5-second bars only.
* REQ_HISTORICAL_TICKS (96, no version field) from HISTORICAL_TICKS (130) -> one of
  HISTORICAL_TICKS (96, MIDPOINT), HISTORICAL_TICKS_BID_ASK (97, BID_ASK) or HISTORICAL_TICKS_LAST
  (98, TRADES): ``reqId, count, count x tick, done``. At most 1,000 ticks per request.
  CANCEL_HISTORICAL_TICKS (107) is protobuf only, from CANCEL_CONTRACT_DATA (215).
* TICK_EFP (47, v6) and DELTA_NEUTRAL_VALIDATION (56, v1) are text only at every version.

Every request and its replies here become protobuf at PROTOBUF_HISTORICAL_DATA (208).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from ...errors import LocalProtocolError
from ...models.contract import Contract, DeltaNeutralContract
from ...models.ticks import (
    LAST_ATTRIBS,
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    TickAttribBidAsk,
    TickAttribLast,
)
from ..codec import (
    DECIMAL_CACHE,
    UNSET_DOUBLE,
    UNSET_DOUBLE_STR,
    UNSET_FLOAT_TEXTS,
    UNSET_INT,
    UNSET_INT_TEXTS,
    Kind,
    TagValue,
    dec_decimal,
    enc_decimal,
    enc_float,
    enc_int,
    enc_str,
)
from ..elements import PT, P, Proto, W
from ..ids import In, Out
from ..protobuf import PbType
from ..schema import (
    Api,
    Callback,
    Custom,
    F,
    Message,
    Repeat,
    Request,
    Skip,
    Version,
    to_client,
    to_server,
)
from ..versions import Feature
from .blocks import CONTRACT, not_before
from .market_data import request_contract_fields

__all__ = [
    # client -> TWS
    "ReqTickByTickData", "CancelTickByTickData", "ReqRealTimeBars", "CancelRealTimeBars",
    "ReqHistoricalTicks", "CancelHistoricalTicks",
    # TWS -> client
    "TickByTick", "RealTimeBars", "HistoricalTicks", "HistoricalTicksBidAsk", "HistoricalTicksLast",
    "TickEFP", "DeltaNeutralValidation",
    # protobuf blocks
    "HISTORICAL_TICK", "HISTORICAL_TICK_BID_ASK", "HISTORICAL_TICK_LAST",
    # tick-by-tick type numbers, and the callback a TICK_BY_TICK calls
    "TBT_LAST", "TBT_ALL_LAST", "TBT_BID_ASK", "TBT_MID_POINT", "tick_by_tick_call",
]

INT, FLOAT, DECIMAL, BOOL, STR, TAGS = (
    Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR, Kind.TAGS)

_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"

TBT_LAST, TBT_ALL_LAST, TBT_BID_ASK, TBT_MID_POINT = 1, 2, 3, 4

_HIST = Feature.PROTOBUF_HISTORICAL_DATA


# --- protobuf blocks ------------------------------------------------------------------------------

_TICK_ATTRIB_LAST = PbType("TickAttribLast", TickAttribLast, (
    P(1, "past_limit", BOOL, name="pastLimit"), P(2, "unreported", BOOL, name="unreported")))
_TICK_ATTRIB_BID_ASK = PbType("TickAttribBidAsk", TickAttribBidAsk, (
    P(1, "bid_past_low", BOOL, name="bidPastLow"), P(2, "ask_past_high", BOOL, name="askPastHigh")))

HISTORICAL_TICK = PbType("HistoricalTick", HistoricalTick, (
    P(1, "time", INT, pt=PT.INT64, name="time"), P(2, "price", FLOAT, name="price"),
    P(3, "size", DECIMAL, name="size")))
HISTORICAL_TICK_BID_ASK = PbType("HistoricalTickBidAsk", HistoricalTickBidAsk, (
    P(1, "time", INT, pt=PT.INT64, name="time"),
    P(2, "tick_attrib_bid_ask", sub=_TICK_ATTRIB_BID_ASK, name="tickAttribBidAsk"),
    P(3, "price_bid", FLOAT, name="priceBid"), P(4, "price_ask", FLOAT, name="priceAsk"),
    P(5, "size_bid", DECIMAL, name="sizeBid"), P(6, "size_ask", DECIMAL, name="sizeAsk")))
HISTORICAL_TICK_LAST = PbType("HistoricalTickLast", HistoricalTickLast, (
    P(1, "time", INT, pt=PT.INT64, name="time"),
    P(2, "tick_attrib_last", sub=_TICK_ATTRIB_LAST, name="tickAttribLast"),
    P(3, "price", FLOAT, name="price"), P(4, "size", DECIMAL, name="size"),
    P(5, "exchange", STR, name="exchange"),
    P(6, "special_conditions", STR, name="specialConditions")))


# --- attribute masks ------------------------------------------------------------------------------

def _mask_of(a: object, first: str, second: str) -> str:
    if a is None:
        return "0"
    return str((1 if getattr(a, first) else 0) | (2 if getattr(a, second) else 0))


def _mask_custom(path: str, cls: type, first: str, second: str) -> Custom:
    """An attribute mask field: bit 0 is ``first``, bit 1 ``second``."""

    by_mask = tuple(cls(**{first: bool(m & 1), second: bool(m & 2)}) for m in range(4))

    def decode(fields: list[str], i: int) -> tuple[Any, int]:
        return by_mask[int(fields[i] or 0) & 3], i + 1

    def encode(value: Any, append: Callable[[str], None]) -> None:
        append(_mask_of(value, first, second))

    return Custom(path, decode, encode)


_LAST_MASK = _mask_custom("tick_attrib_last", TickAttribLast, "past_limit", "unreported")
# HISTORICAL_TICKS_BID_ASK: bit 0 askPastHigh, bit 1 bidPastLow (the reverse of tick-by-tick)
_HIST_BID_ASK_MASK = _mask_custom("tick_attrib_bid_ask", TickAttribBidAsk, "ask_past_high",
                                  "bid_past_low")


# --- TICK_BY_TICK's body: one of three forms, chosen by the tick type --------------------------

_BID_ASK_ATTRIBS = tuple(TickAttribBidAsk(bool(m & 1), bool(m & 2)) for m in range(4))
_NO_LAST, _NO_BID_ASK = LAST_ATTRIBS[0], _BID_ASK_ATTRIBS[0]
_ZERO = Decimal(0)


def _num(s: str) -> float | None:
    if s in UNSET_FLOAT_TEXTS:
        return None
    v = float(s)
    return v if -UNSET_DOUBLE < v < UNSET_DOUBLE else None


def _qty(s: str) -> Decimal | None:
    d = DECIMAL_CACHE.get(s)
    return d if d is not None else dec_decimal(s)


def _decode_tbt(f: list[str], i: int) -> tuple[tuple[Any, ...], int]:
    # the hot path of a tick-by-tick stream: plain conversions inline, shared attribute objects
    tt = f[i]
    tick_type = int(tt) if tt else None
    ts = f[i + 1]
    time = int(ts) if ts and ts not in UNSET_INT_TEXTS else None
    i += 2
    if tick_type == TBT_BID_ASK:
        mask = f[i + 4]
        q = HistoricalTickBidAsk(time, _BID_ASK_ATTRIBS[int(mask) & 3] if mask else _NO_BID_ASK,
                                 _num(f[i]), _num(f[i + 1]), _qty(f[i + 2]), _qty(f[i + 3]))
        return (tick_type, None, q, None), i + 5
    if tick_type == TBT_LAST or tick_type == TBT_ALL_LAST:
        mask = f[i + 2]
        t = HistoricalTickLast(time, LAST_ATTRIBS[int(mask) & 3] if mask else _NO_LAST,
                               _num(f[i]), _qty(f[i + 1]), f[i + 3] or None, f[i + 4] or None)
        return (tick_type, t, None, None), i + 5
    if tick_type == TBT_MID_POINT:
        return (tick_type, None, None, HistoricalTick(time, _num(f[i]), _ZERO)), i + 1
    # tick type 0 ("none") carries the time alone, as the official client reads it
    return (tick_type, None, None, None), i


def _encode_tbt(value: tuple[Any, ...], a: Callable[[str], None]) -> None:
    tick_type, last, bid_ask, mid = value
    if tick_type in (TBT_LAST, TBT_ALL_LAST):
        if last is None:
            raise LocalProtocolError(f"tick type {tick_type} needs ``last``")
        a(str(tick_type))
        a(enc_int(last.time, "0"))
        a(enc_float(last.price, UNSET_DOUBLE_STR))
        a(enc_decimal(last.size, _QTY_UNSET))
        a(_mask_of(last.tick_attrib_last, "past_limit", "unreported"))
        a(enc_str(last.exchange))
        a(enc_str(last.special_conditions))
    elif tick_type == TBT_BID_ASK:
        if bid_ask is None:
            raise LocalProtocolError("tick type 3 (BidAsk) needs ``bid_ask``")
        a("3")
        a(enc_int(bid_ask.time, "0"))
        a(enc_float(bid_ask.price_bid, UNSET_DOUBLE_STR))
        a(enc_float(bid_ask.price_ask, UNSET_DOUBLE_STR))
        a(enc_decimal(bid_ask.size_bid, _QTY_UNSET))
        a(enc_decimal(bid_ask.size_ask, _QTY_UNSET))
        a(_mask_of(bid_ask.tick_attrib_bid_ask, "bid_past_low", "ask_past_high"))
    elif tick_type == TBT_MID_POINT:
        if mid is None:
            raise LocalProtocolError("tick type 4 (MidPoint) needs ``mid_point``")
        a("4")
        a(enc_int(mid.time, "0"))
        a(enc_float(mid.price, UNSET_DOUBLE_STR))
    elif last is None and bid_ask is None and mid is None:
        a(enc_int(tick_type, "0"))  # type 0 ("none"): the time alone (unset)
        a("0")
    else:
        raise LocalProtocolError(f"tick-by-tick type {tick_type!r} carries no tick (1..4 do)")


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_TICK_BY_TICK_DATA,
           not_before(Feature.TICK_BY_TICK_IGNORE_SIZE, "REQ_TICK_BY_TICK_DATA"), "req_id",
           *request_contract_fields(), "tick_type", "number_of_ticks", "ignore_size",
           Proto("TickByTickRequest", _HIST), P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.TICK_BY_TICK,), cancel=Out.CANCEL_TICK_BY_TICK_DATA),
           api=Api("reqTickByTickData", "reqId", "contract", "tickType", "numberOfTicks",
                   "ignoreSize"))
@dataclass(slots=True)
class ReqTickByTickData(Message):
    """REQ_TICK_BY_TICK_DATA (97, no version field; from 140 as the official client sends it):
    stream every trade (``Last``, ``AllLast``), quote (``BidAsk``) or midpoint (``MidPoint``) as
    TICK_BY_TICK until CANCEL_TICK_BY_TICK_DATA. ``number_of_ticks`` > 0 first sends that many
    recent ticks as HISTORICAL_TICKS_* (then the live stream)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    tick_type: Annotated[str | None, W(STR, pb=3)] = "Last"
    number_of_ticks: Annotated[int | None, W(INT, pb=4, unset="0", since=Feature.TICK_BY_TICK_IGNORE_SIZE)] = 0
    ignore_size: Annotated[bool | None, W(BOOL, pb=5, unset="0", since=Feature.TICK_BY_TICK_IGNORE_SIZE)] = False


@to_server(Out.CANCEL_TICK_BY_TICK_DATA,
           not_before(Feature.TICK_BY_TICK, "CANCEL_TICK_BY_TICK_DATA"), "req_id",
           Proto("CancelTickByTick", _HIST), api=Api("cancelTickByTickData", "reqId"))
@dataclass(slots=True)
class CancelTickByTickData(Message):
    """CANCEL_TICK_BY_TICK_DATA (98, no version field; from 137)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_REAL_TIME_BARS, Version(3), "req_id", *request_contract_fields(), "bar_size",
           "what_to_show", "use_rth", "real_time_bars_options",
           Proto("RealTimeBarsRequest", _HIST), P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.REAL_TIME_BARS,), cancel=Out.CANCEL_REAL_TIME_BARS),
           api=Api("reqRealTimeBars", "reqId", "contract", "barSize", "whatToShow", "useRTH:use_rth",
                   "realTimeBarsOptions"))
@dataclass(slots=True)
class ReqRealTimeBars(Message):
    """REQ_REAL_TIME_BARS (50, v3): a 5-second bar (REAL_TIME_BARS) every 5 seconds until
    CANCEL_REAL_TIME_BARS. ``bar_size`` must be 5; ``what_to_show`` TRADES, BID, ASK or MIDPOINT."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    bar_size: Annotated[int | None, W(INT, pb=3)] = 5
    what_to_show: Annotated[str | None, W(STR, pb=4)] = "TRADES"
    use_rth: Annotated[bool | None, W(BOOL, pb=5, unset="0")] = False
    real_time_bars_options: Annotated[list[TagValue], W(TAGS, pb=6)] = field(default_factory=list)


@to_server(Out.CANCEL_REAL_TIME_BARS, Version(1), "req_id", Proto("CancelRealTimeBars", _HIST),
           api=Api("cancelRealTimeBars", "reqId"))
@dataclass(slots=True)
class CancelRealTimeBars(Message):
    """CANCEL_REAL_TIME_BARS (51, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_HISTORICAL_TICKS, not_before(Feature.HISTORICAL_TICKS, "REQ_HISTORICAL_TICKS"),
           "req_id", *request_contract_fields(), F("contract.include_expired", BOOL, unset="0"),
           "start_date_time", "end_date_time", "number_of_ticks", "what_to_show", "use_rth",
           "ignore_size", "misc_options", Proto("HistoricalTicksRequest", _HIST),
           P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.HISTORICAL_TICKS, In.HISTORICAL_TICKS_BID_ASK,
                                    In.HISTORICAL_TICKS_LAST)),
           api=Api("reqHistoricalTicks", "reqId", "contract", "startDateTime", "endDateTime",
                   "numberOfTicks", "whatToShow", "useRth", "ignoreSize", "miscOptions"))
@dataclass(slots=True)
class ReqHistoricalTicks(Message):
    """REQ_HISTORICAL_TICKS (96, no version field; from 130): up to 1,000 ticks starting at
    ``start_date_time`` or ending at ``end_date_time`` (give exactly one), answered by one
    HISTORICAL_TICKS (MIDPOINT), HISTORICAL_TICKS_BID_ASK (BID_ASK) or HISTORICAL_TICKS_LAST
    (TRADES) with ``done`` set. Times as ``yyyyMMdd HH:mm:ss <zone>`` or ``yyyyMMdd-HH:mm:ss``."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    start_date_time: Annotated[str | None, W(STR, pb=3)] = None
    end_date_time: Annotated[str | None, W(STR, pb=4)] = None
    number_of_ticks: Annotated[int | None, W(INT, pb=5, unset="0")] = 1000
    what_to_show: Annotated[str | None, W(STR, pb=6)] = "TRADES"
    use_rth: Annotated[bool | None, W(BOOL, pb=7, unset="0")] = False
    ignore_size: Annotated[bool | None, W(BOOL, pb=8, unset="0")] = False
    misc_options: Annotated[list[TagValue], W(TAGS, pb=9)] = field(default_factory=list)


@to_server(Out.CANCEL_HISTORICAL_TICKS,
           not_before(Feature.CANCEL_CONTRACT_DATA, "CANCEL_HISTORICAL_TICKS"), "req_id",
           Proto("CancelHistoricalTicks", Feature.CANCEL_CONTRACT_DATA),
           api=Api("cancelHistoricalTicks", "reqId"))
@dataclass(slots=True)
class CancelHistoricalTicks(Message):
    """CANCEL_HISTORICAL_TICKS (107): protobuf only, from 215 (an older server has no way to
    cancel a historical-ticks request)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.TICK_BY_TICK, "req_id",
           Custom(("tick_type", "last", "bid_ask", "mid_point"), _decode_tbt, _encode_tbt),
           Proto("TickByTickData", _HIST), P(1, "req_id", INT), P(2, "tick_type", INT),
           P(3, "last", sub=HISTORICAL_TICK_LAST, name="historicalTickLast"),
           P(4, "bid_ask", sub=HISTORICAL_TICK_BID_ASK, name="historicalTickBidAsk"),
           P(5, "mid_point", sub=HISTORICAL_TICK, name="historicalTickMidPoint"))
@dataclass(slots=True)
class TickByTick(Message):
    """TICK_BY_TICK (99, no version field; from 137): one tick of a tick-by-tick stream.

    ``tick_type`` 1 Last / 2 AllLast fill ``last``, 3 BidAsk ``bid_ask``, 4 MidPoint
    ``mid_point`` (its ``price``); the others stay None. The official client calls
    ``tickByTickAllLast``, ``tickByTickBidAsk`` or ``tickByTickMidPoint`` by the type, which one
    callback table cannot say: ibwire's EClient dispatches it by hand (:func:`tick_by_tick_call`).
    """

    req_id: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    tick_type: int | None = None
    last: HistoricalTickLast | None = None
    bid_ask: HistoricalTickBidAsk | None = None
    mid_point: HistoricalTick | None = None

    @property
    def time(self) -> int | None:
        t = self.last or self.bid_ask or self.mid_point
        return t.time if t is not None else None


def tick_by_tick_call(m: TickByTick) -> tuple[str, tuple[Any, ...], str] | None:
    """The official callback TICK_BY_TICK calls, its arguments and their value kinds (``i`` int,
    ``f`` float, ``d`` quantity, ``s`` text, ``o`` object, one letter each); None for type 0."""
    if m.last is not None and m.tick_type in (TBT_LAST, TBT_ALL_LAST):
        t = m.last
        return "tickByTickAllLast", (m.req_id, m.tick_type, t.time, t.price, t.size,
                                     t.tick_attrib_last or _NO_LAST, t.exchange,
                                     t.special_conditions), "iiifdoss"
    if m.bid_ask is not None and m.tick_type == TBT_BID_ASK:
        q = m.bid_ask
        return "tickByTickBidAsk", (m.req_id, q.time, q.price_bid, q.price_ask, q.size_bid,
                                    q.size_ask, q.tick_attrib_bid_ask or _NO_BID_ASK), "iiffddo"
    if m.mid_point is not None and m.tick_type == TBT_MID_POINT:
        return "tickByTickMidPoint", (m.req_id, m.mid_point.time, m.mid_point.price), "iif"
    return None


@to_client(In.REAL_TIME_BARS, Version(3), "req_id", "time", "open", "high", "low", "close",
           "volume", "wap", "count", Proto("RealTimeBarTick", _HIST), P(8, "wap", name="WAP"),
           callback=Callback("realtimeBar", "reqId", "time", "open_:open", "high", "low", "close",
                             "volume", "wap", "count"))
@dataclass(slots=True)
class RealTimeBars(Message):
    """REAL_TIME_BARS (50, v3): one 5-second bar; ``time`` is its start in epoch seconds."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    time: Annotated[int | None, W(INT, pb=2, pbt=PT.INT64, unset="0")] = None
    open: Annotated[float | None, W(FLOAT, pb=3, unset=UNSET_DOUBLE_STR)] = None
    high: Annotated[float | None, W(FLOAT, pb=4, unset=UNSET_DOUBLE_STR)] = None
    low: Annotated[float | None, W(FLOAT, pb=5, unset=UNSET_DOUBLE_STR)] = None
    close: Annotated[float | None, W(FLOAT, pb=6, unset=UNSET_DOUBLE_STR)] = None
    volume: Annotated[Decimal | None, W(DECIMAL, pb=7, unset=_QTY_UNSET)] = None
    wap: Annotated[Decimal | None, W(DECIMAL, unset=_QTY_UNSET)] = None
    count: Annotated[int | None, W(INT, pb=9, unset=_INT_UNSET)] = None


@to_client(In.HISTORICAL_TICKS,
           F("req_id", INT, unset=_INT_UNSET),
           Repeat("ticks", HistoricalTick, (
               F("time", INT, unset="0"),
               Skip("0"),  # (the attribute mask's place; nothing for midpoints)
               F("price", FLOAT, unset=UNSET_DOUBLE_STR),
               F("size", DECIMAL, unset=_QTY_UNSET),
           )),
           F("done", BOOL, unset="0"),
           Proto("HistoricalTicks", _HIST), P(1, "req_id"),
           P(2, "ticks", sub=HISTORICAL_TICK, repeated=True, name="historicalTicks"),
           P(3, "done", name="isDone"),
           callback=Callback("historicalTicks", "reqId", "ticks", "done"))
@dataclass(slots=True)
class HistoricalTicks(Message):
    """HISTORICAL_TICKS (96, no version field; from 130): MIDPOINT ticks of REQ_HISTORICAL_TICKS
    (``size`` 0)."""

    req_id: int | None = None
    ticks: list[HistoricalTick] = field(default_factory=list)
    done: bool | None = False


@to_client(In.HISTORICAL_TICKS_BID_ASK, "req_id",
           Repeat("ticks", HistoricalTickBidAsk, (
               F("time", INT, unset="0"),
               _HIST_BID_ASK_MASK,
               F("price_bid", FLOAT, unset=UNSET_DOUBLE_STR),
               F("price_ask", FLOAT, unset=UNSET_DOUBLE_STR),
               F("size_bid", DECIMAL, unset=_QTY_UNSET),
               F("size_ask", DECIMAL, unset=_QTY_UNSET),
           )),
           "done", Proto("HistoricalTicksBidAsk", _HIST),
           P(2, "ticks", sub=HISTORICAL_TICK_BID_ASK, repeated=True, name="historicalTicksBidAsk"),
           P(3, "done", name="isDone"),
           callback=Callback("historicalTicksBidAsk", "reqId", "ticks", "done"))
@dataclass(slots=True)
class HistoricalTicksBidAsk(Message):
    """HISTORICAL_TICKS_BID_ASK (97, no version field; from 130): BID_ASK ticks."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    ticks: list[HistoricalTickBidAsk] = field(default_factory=list)
    done: Annotated[bool | None, W(BOOL, unset="0")] = False


@to_client(In.HISTORICAL_TICKS_LAST, "req_id",
           Repeat("ticks", HistoricalTickLast, (
               F("time", INT, unset="0"),
               _LAST_MASK,
               F("price", FLOAT, unset=UNSET_DOUBLE_STR),
               F("size", DECIMAL, unset=_QTY_UNSET),
               F("exchange", STR),
               F("special_conditions", STR),
           )),
           "done", Proto("HistoricalTicksLast", _HIST),
           P(2, "ticks", sub=HISTORICAL_TICK_LAST, repeated=True, name="historicalTicksLast"),
           P(3, "done", name="isDone"),
           callback=Callback("historicalTicksLast", "reqId", "ticks", "done"))
@dataclass(slots=True)
class HistoricalTicksLast(Message):
    """HISTORICAL_TICKS_LAST (98, no version field; from 130): TRADES ticks."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    ticks: list[HistoricalTickLast] = field(default_factory=list)
    done: Annotated[bool | None, W(BOOL, unset="0")] = False


@to_client(In.TICK_EFP, Version(6), "req_id", "tick_type", "basis_points",
           "formatted_basis_points", "total_dividends", "hold_days", "future_last_trade_date",
           "dividend_impact", "dividends_to_last_trade_date",
           callback=Callback("tickEFP", "reqId", "tickType", "basisPoints", "formattedBasisPoints",
                             "totalDividends", "holdDays", "futureLastTradeDate", "dividendImpact",
                             "dividendsToLastTradeDate"))
@dataclass(slots=True)
class TickEFP(Message):
    """TICK_EFP (47, v6; text only): an exchange-for-physical quote (tick types 38..44)."""

    req_id: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    basis_points: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None
    formatted_basis_points: Annotated[str | None, W(STR)] = None
    total_dividends: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None
    hold_days: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    future_last_trade_date: Annotated[str | None, W(STR)] = None
    dividend_impact: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None
    dividends_to_last_trade_date: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None


@to_client(In.DELTA_NEUTRAL_VALIDATION, Version(1), "req_id",
           F("delta_neutral_contract.con_id", INT, unset="0"),
           F("delta_neutral_contract.delta", FLOAT, unset=UNSET_DOUBLE_STR),
           F("delta_neutral_contract.price", FLOAT, unset=UNSET_DOUBLE_STR),
           callback=Callback("deltaNeutralValidation", "reqId", "deltaNeutralContract"))
@dataclass(slots=True)
class DeltaNeutralValidation(Message):
    """DELTA_NEUTRAL_VALIDATION (56, v1; text only): TWS's values for a delta-neutral request's
    hedge contract."""

    req_id: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    delta_neutral_contract: DeltaNeutralContract = field(default_factory=DeltaNeutralContract)
