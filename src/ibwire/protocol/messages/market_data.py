"""Streaming market data: REQ_MKT_DATA and the ticks it produces.

PROTOCOL.md sections 3, 4.10 - 4.12. Every layout here is the same at every server version
ibwire speaks (157..178). A subscription answers with TICK_REQ_PARAMS, MARKET_DATA_TYPE and then
TICK_PRICE / TICK_SIZE / TICK_STRING / TICK_GENERIC rows; a snapshot ends with TICK_SNAPSHOT_END.

TICK_PRICE and TICK_SIZE are the hot path (a busy session decodes millions), so their schemas are
plain fields only: the compiled decoder reads fixed offsets and builds the message in one call.
The official client reports the size of a BID / ASK / LAST price tick a second time as a
TICK_SIZE of the matching size type (:attr:`TickType.size_type`); ibwire delivers the one message.

Unset numbers written TWS -> client follow what TWS sends (``2147483647``,
``1.7976931348623157E308``, ``9223372036854775807``), because the official ibapi 9.81 parses
several of these messages with bare ``int()`` / ``float()`` and drops a frame it cannot parse.
Sizes below FRACTIONAL_SIZE_SUPPORT (163) must be whole numbers: ibapi 9.81 reads them as ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...models.contract import ComboLeg, Contract, DeltaNeutralContract
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind, TagValue
from ..elements import PT, P, Proto, W
from ..ids import In, Out
from ..schema import Cond, Element, F, Message, Opt, Repeat, Version, to_client, to_server
from ..versions import Feature
from .blocks import CONTRACT

__all__ = [
    # client -> TWS
    "ReqMktData",
    "CancelMktData",
    "ReqMarketDataType",
    # TWS -> client
    "TickPrice",
    "TickSize",
    "TickString",
    "TickGeneric",
    "TickReqParams",
    "TickSnapshotEnd",
    "MarketDataType",
    # shared by the contract and historical-data requests
    "request_contract_fields",
    "combo_legs_if_bag",
]

INT, FLOAT, DECIMAL, BOOL, STR, TAGS = (
    Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR, Kind.TAGS)

# What TWS writes for unset numbers (see the module docstring).
_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"


def request_contract_fields(prefix: str = "contract.") -> tuple[Element, ...]:
    """The 12-field contract block of REQ_MKT_DATA, REQ_CONTRACT_DATA and REQ_HISTORICAL_DATA.

    Both official clients send conId 0 and strike ``0.0`` for "not given"; those decode to None.
    ibwire sends ``0`` for a missing conId and an empty strike, as the official 10.x client does.
    """
    p = prefix
    return (
        F(p + "con_id", INT, unset="0", none=("0",)),
        F(p + "symbol", STR),
        F(p + "sec_type", STR),
        F(p + "last_trade_date_or_contract_month", STR),
        F(p + "strike", FLOAT, none=("0", "0.0")),
        F(p + "right", STR, none=("?", "0")),
        F(p + "multiplier", STR),
        F(p + "exchange", STR),
        F(p + "primary_exchange", STR),
        F(p + "currency", STR),
        F(p + "local_symbol", STR),
        F(p + "trading_class", STR),
    )


def _is_bag(sec_type: str) -> bool:
    return sec_type == "BAG"


def combo_legs_if_bag(prefix: str = "contract.") -> Cond:
    """For a BAG contract: the leg count, then conId, ratio, action, exchange per leg."""
    return Cond(prefix + "sec_type", _is_bag, (
        Repeat(prefix + "combo_legs", ComboLeg, (
            F("con_id", INT),
            F("ratio", INT),
            F("action", STR),
            F("exchange", STR),
        )),
    ))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_MKT_DATA, Version(11), "req_id", *request_contract_fields(),
           combo_legs_if_bag(),
           Opt("contract.delta_neutral_contract", DeltaNeutralContract, (
               F("con_id", INT), F("delta", FLOAT), F("price", FLOAT))),
           "generic_tick_list", "snapshot", "regulatory_snapshot", "mkt_data_options",
           Proto("MarketDataRequest", Feature.PROTOBUF_MARKET_DATA),
           P(2, "contract", sub=CONTRACT),
           request=Request(replies=(In.TICK_PRICE, In.TICK_SIZE, In.TICK_STRING, In.TICK_GENERIC,
                                    In.TICK_OPTION_COMPUTATION, In.TICK_EFP, In.TICK_NEWS,
                                    In.DELTA_NEUTRAL_VALIDATION, In.TICK_REQ_PARAMS,
                                    In.MARKET_DATA_TYPE, In.TICK_SNAPSHOT_END),
                           cancel=Out.CANCEL_MKT_DATA),
           api=Api("reqMktData", "reqId", "contract", "genericTickList", "snapshot", "regulatorySnapshot", "mktDataOptions"))
@dataclass(slots=True)
class ReqMktData(Message):
    """REQ_MKT_DATA (1, v11): subscribe to (or snapshot) a contract's quotes.

    ``generic_tick_list`` is a comma list of extra tick groups ("233,236"); ``snapshot`` asks for
    one round of ticks ending with TICK_SNAPSHOT_END.
    """

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    generic_tick_list: Annotated[str | None, W(STR, pb=3)] = None
    snapshot: Annotated[bool | None, W(BOOL, pb=4, unset="0")] = False
    regulatory_snapshot: Annotated[bool | None, W(BOOL, pb=5, unset="0", since=Feature.REQ_SMART_COMPONENTS)] = False
    mkt_data_options: Annotated[list[TagValue], W(TAGS, pb=6)] = field(default_factory=list)


@to_server(Out.CANCEL_MKT_DATA, Version(2), "req_id",
           Proto("CancelMarketData", Feature.PROTOBUF_MARKET_DATA),
           api=Api("cancelMktData", "reqId"))
@dataclass(slots=True)
class CancelMktData(Message):
    """CANCEL_MKT_DATA (2, v2)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_MARKET_DATA_TYPE, Version(1), "market_data_type",
           Proto("MarketDataTypeRequest", Feature.PROTOBUF_MARKET_DATA),
           api=Api("reqMarketDataType", "marketDataType"))
@dataclass(slots=True)
class ReqMarketDataType(Message):
    """REQ_MARKET_DATA_TYPE (59, v1): 1 live, 2 frozen, 3 delayed, 4 delayed-frozen."""

    market_data_type: Annotated[int | None, W(INT, pb=1)] = 1


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.TICK_PRICE, Version(6), "req_id", "tick_type", "price", "size", "attr_mask",
           Proto("TickPrice", Feature.PROTOBUF_MARKET_DATA))
@dataclass(slots=True)
class TickPrice(Message):
    """TICK_PRICE (1, v6): exactly 7 fields. ``tick_type`` is a :class:`TickType` number.

    ``attr_mask``: bit 0 can auto-execute, bit 1 past limit, bit 2 pre-open.
    """

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
    price: Annotated[float | None, W(FLOAT, pb=3, unset=UNSET_DOUBLE_STR)] = None
    size: Annotated[Decimal | None, W(DECIMAL, pb=4, unset=_QTY_UNSET)] = None
    attr_mask: Annotated[int | None, W(INT, pb=5, unset="0")] = 0

    @property
    def can_auto_execute(self) -> bool:
        return bool((self.attr_mask or 0) & 1)

    @property
    def past_limit(self) -> bool:
        return bool((self.attr_mask or 0) & 2)

    @property
    def pre_open(self) -> bool:
        return bool((self.attr_mask or 0) & 4)


@to_client(In.TICK_SIZE, Version(6), "req_id", "tick_type", "size",
           Proto("TickSize", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickSize", "reqId", "tickType", "size"))
@dataclass(slots=True)
class TickSize(Message):
    """TICK_SIZE (2, v6): a size or volume tick."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
    size: Annotated[Decimal | None, W(DECIMAL, pb=3, unset=_QTY_UNSET)] = None


@to_client(In.TICK_STRING, Version(6), "req_id", "tick_type", "value",
           Proto("TickString", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickString", "reqId", "tickType", "value"))
@dataclass(slots=True)
class TickString(Message):
    """TICK_STRING (46, v6): e.g. LAST_TIMESTAMP (45) as epoch seconds, RT_VOLUME (48)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
    value: Annotated[str | None, W(STR, pb=3)] = None


@to_client(In.TICK_GENERIC, Version(6), "req_id", "tick_type", "value",
           Proto("TickGeneric", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickGeneric", "reqId", "tickType", "value"))
@dataclass(slots=True)
class TickGeneric(Message):
    """TICK_GENERIC (45, v6): e.g. HALTED (49), SHORTABLE (46)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tick_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
    value: Annotated[float | None, W(FLOAT, pb=3, unset=UNSET_DOUBLE_STR)] = None


@to_client(In.TICK_REQ_PARAMS, "req_id", "min_tick", "bbo_exchange", "snapshot_permissions",
           Proto("TickReqParams", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickReqParams", "tickerId:req_id", "minTick", "bboExchange", "snapshotPermissions"))
@dataclass(slots=True)
class TickReqParams(Message):
    """TICK_REQ_PARAMS (81, no version field): the first answer to REQ_MKT_DATA."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    min_tick: Annotated[float | None, W(FLOAT, pb=2, pbt=PT.STRING, unset=UNSET_DOUBLE_STR)] = None
    bbo_exchange: Annotated[str | None, W(STR, pb=3)] = None
    snapshot_permissions: Annotated[int | None, W(INT, pb=4, unset=_INT_UNSET)] = None


@to_client(In.TICK_SNAPSHOT_END, Version(1), "req_id",
           Proto("TickSnapshotEnd", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickSnapshotEnd", "reqId"))
@dataclass(slots=True)
class TickSnapshotEnd(Message):
    """TICK_SNAPSHOT_END (57, v1): a snapshot request is complete."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None


@to_client(In.MARKET_DATA_TYPE, Version(1), "req_id", "market_data_type",
           Proto("MarketDataType", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("marketDataType", "reqId", "marketDataType"))
@dataclass(slots=True)
class MarketDataType(Message):
    """MARKET_DATA_TYPE (58, v1): which kind of data (1 live .. 4 delayed-frozen) a request gets."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    market_data_type: Annotated[int | None, W(INT, pb=2, unset=_INT_UNSET)] = None
