"""Market depth: REQ_MKT_DEPTH / CANCEL_MKT_DEPTH -> MARKET_DEPTH, MARKET_DEPTH_L2;
REQ_MKT_DEPTH_EXCHANGES -> MKT_DEPTH_EXCHANGES; REQ_SMART_COMPONENTS -> SMART_COMPONENTS; and the
reroute notices REROUTE_MKT_DATA_REQ / REROUTE_MKT_DEPTH_REQ.

PROTOCOL.md section 4 and PROTOCOL-V2.md (gates, protobuf types). The layouts, per server version:

* REQ_MKT_DEPTH (10, v5): the contract without ``includeExpired`` (``primaryExchange`` only from
  MKT_DEPTH_PRIM_EXCHANGE, 149), ``numRows``, ``isSmartDepth`` from SMART_DEPTH (146), then the
  depth options as one empty text. The official client refuses (error 503 / its send failure)
  a SMART depth request below 146, a primary exchange below 149 and any depth option in text;
  ibwire refuses the same (LocalProtocolError). In protobuf (from PROTOBUF_MARKET_DATA, 206) the
  options travel as a map.
* CANCEL_MKT_DEPTH (11, v1): ``isSmartDepth`` from 146 (a SMART cancel is refused below).
* MARKET_DEPTH (12, v1) / MARKET_DEPTH_L2 (13, v1): one row operation; L2 names the market maker
  (the exchange, for SMART depth) and, from 146, whether the row belongs to SMART depth. In
  protobuf (206) both carry the row as a MarketDepthData block.
* REQ_MKT_DEPTH_EXCHANGES (82, no fields; from REQ_MKT_DEPTH_EXCHANGES, 112; protobuf from 213)
  -> MKT_DEPTH_EXCHANGES (80, no version field): per exchange ``exchange, secType`` then, from
  SERVICE_DATA_TYPE (120), ``listingExch, serviceDataType, aggGroup``; below 120 one integer
  (``isL2``), which the official client reads and drops.
* REQ_SMART_COMPONENTS (83, no version field; from 114; protobuf from 212) -> SMART_COMPONENTS
  (82): ``bitNumber, exchange, exchangeLetter`` per component.
* REROUTE_MKT_DATA_REQ (91) / REROUTE_MKT_DEPTH_REQ (92), no version field: TWS asks the client
  to request a contract's data again on another exchange (``conId``, ``exchange``). Captured as
  text at 206 and as protobuf at 225; ibwire writes protobuf from PROTOBUF_REST_MESSAGES_3 (213),
  where every message with a protobuf type goes as protobuf (an inference; the official client
  reads both forms at every version).

Unset numbers written TWS -> client follow what TWS sends (``2147483647``,
``1.7976931348623157E308``, ``9223372036854775807``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...errors import LocalProtocolError
from ...models.contract import Contract
from ...models.depth import DepthMktDataDescription, SmartComponent
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind, TagValue
from ..elements import P, PbType, Proto, W
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
    "ReqMktDepth",
    "CancelMktDepth",
    "ReqMktDepthExchanges",
    "ReqSmartComponents",
    # TWS -> client
    "MarketDepth",
    "MarketDepthL2",
    "MktDepthExchanges",
    "SmartComponents",
    "RerouteMktDataReq",
    "RerouteMktDepthReq",
    # the protobuf row block
    "MarketDepthData",
    "MARKET_DEPTH_DATA",
]

INT, FLOAT, DECIMAL, BOOL, STR, TAGS = (
    Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR, Kind.TAGS)

_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"


# --- refusals: what the official client will not send at a version ------------------------------

def _refuse_if_set(path: str, what: str, feature: Feature | None) -> Custom:
    """A field the text layout cannot carry (below ``feature``, or never when None): a set value
    is refused as the official client refuses it; unset, nothing is written or read."""

    def encode(value: object, append: Callable[[str], None]) -> None:
        if value:
            need = f"server version {int(feature)} or later" if feature is not None else \
                "protobuf (server version 206 or later)"
            raise LocalProtocolError(f"{what} needs {need}")

    def decode(fields: list[str], i: int) -> tuple[object, int]:
        return (False if path == "is_smart_depth" else None), i

    return Custom(path, decode, encode, until=feature)


def _depth_contract_fields() -> tuple[Element, ...]:
    """REQ_MKT_DEPTH's contract: REQ_MKT_DATA's block with primaryExchange gated on 149."""
    out: list[Element] = []
    for el in request_contract_fields():
        if isinstance(el, F) and el.path == "contract.primary_exchange":
            out.append(_refuse_if_set(el.path, "REQ_MKT_DEPTH with a primary exchange",
                                      Feature.MKT_DEPTH_PRIM_EXCHANGE))
            out.append(dataclasses.replace(el, since=Feature.MKT_DEPTH_PRIM_EXCHANGE))
        else:
            out.append(el)
    return tuple(out)


def _options_text(value: object, append: Callable[[str], None]) -> None:
    if value:
        raise LocalProtocolError("REQ_MKT_DEPTH depth options travel in protobuf only (server "
                                 "version 206 or later); the text form has an empty field")
    append("")


def _options_read(fields: list[str], i: int) -> tuple[list[TagValue], int]:
    if fields[i]:
        raise ValueError(f"depth options in text: {fields[i]!r}")
    return [], i + 1


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_MKT_DEPTH, Version(5), "req_id", *_depth_contract_fields(), "num_rows",
           _refuse_if_set("is_smart_depth", "SMART depth", Feature.SMART_DEPTH), "is_smart_depth",
           Custom("mkt_depth_options", _options_read, _options_text),
           Proto("MarketDepthRequest", Feature.PROTOBUF_MARKET_DATA),
           P(2, "contract", sub=CONTRACT), P(5, "mkt_depth_options", TAGS),
           request=Request(replies=(In.MARKET_DEPTH, In.MARKET_DEPTH_L2),
                           cancel=Out.CANCEL_MKT_DEPTH),
           api=Api("reqMktDepth", "reqId", "contract", "numRows", "isSmartDepth",
                   "mktDepthOptions"))
@dataclass(slots=True)
class ReqMktDepth(Message):
    """REQ_MKT_DEPTH (10, v5): subscribe to a contract's order book, ``num_rows`` rows a side.

    ``is_smart_depth`` asks for the book aggregated over SMART's exchanges (MARKET_DEPTH_L2 rows
    naming each row's exchange); without it the book of the contract's exchange.
    """

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    num_rows: Annotated[int | None, W(INT, pb=3)] = 10
    is_smart_depth: Annotated[bool | None, W(BOOL, pb=4, unset="0", since=Feature.SMART_DEPTH)] = False
    mkt_depth_options: list[TagValue] = field(default_factory=list)


@to_server(Out.CANCEL_MKT_DEPTH, Version(1), "req_id",
           _refuse_if_set("is_smart_depth", "cancelling SMART depth", Feature.SMART_DEPTH),
           Proto("CancelMarketDepth", Feature.PROTOBUF_MARKET_DATA),
           api=Api("cancelMktDepth", "reqId", "isSmartDepth"))
@dataclass(slots=True)
class CancelMktDepth(Message):
    """CANCEL_MKT_DEPTH (11, v1); an unknown id answers ERR_MSG 310."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    is_smart_depth: Annotated[bool | None,
                              W(BOOL, pb=2, unset="0", since=Feature.SMART_DEPTH)] = False


@to_server(Out.REQ_MKT_DEPTH_EXCHANGES,
           not_before(Feature.REQ_MKT_DEPTH_EXCHANGES, "REQ_MKT_DEPTH_EXCHANGES"),
           Proto("MarketDepthExchangesRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           request=Request(replies=(In.MKT_DEPTH_EXCHANGES,), key=None),
           api=Api("reqMktDepthExchanges"))
@dataclass(slots=True)
class ReqMktDepthExchanges(Message):
    """REQ_MKT_DEPTH_EXCHANGES (82, no fields; from server version 112): which exchanges offer
    depth. Answered by one MKT_DEPTH_EXCHANGES."""


@to_server(Out.REQ_SMART_COMPONENTS,
           not_before(Feature.REQ_SMART_COMPONENTS, "REQ_SMART_COMPONENTS"),
           Proto("SmartComponentsRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.SMART_COMPONENTS,)),
           api=Api("reqSmartComponents", "reqId", "bboExchange"))
@dataclass(slots=True)
class ReqSmartComponents(Message):
    """REQ_SMART_COMPONENTS (83, no version field; from 114): the exchanges behind a BBO
    exchange code (TICK_REQ_PARAMS's ``bbo_exchange``, e.g. ``9c0001``)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    bbo_exchange: Annotated[str | None, W(STR, pb=2)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@dataclass(slots=True)
class MarketDepthData:
    """The protobuf MarketDepthData block: one row operation (flat in the messages)."""

    position: int | None = None
    operation: int | None = None
    side: int | None = None
    price: float | None = None
    size: Decimal | None = None
    market_maker: str | None = None
    is_smart_depth: bool | None = None


MARKET_DEPTH_DATA = PbType("MarketDepthData", MarketDepthData, (
    P(1, "position", INT, name="position"), P(2, "operation", INT, name="operation"),
    P(3, "side", INT, name="side"), P(4, "price", FLOAT, name="price"),
    P(5, "size", DECIMAL, name="size"), P(6, "market_maker", STR, name="marketMaker"),
    P(7, "is_smart_depth", BOOL, name="isSmartDepth"),
))


@to_client(In.MARKET_DEPTH, Version(1),
           Proto("MarketDepth", Feature.PROTOBUF_MARKET_DATA), P(2, "", sub=MARKET_DEPTH_DATA),
           callback=Callback("updateMktDepth", "reqId", "position", "operation", "side", "price",
                             "size"))
@dataclass(slots=True)
class MarketDepth(Message):
    """MARKET_DEPTH (12, v1): one row of a price-level book changes. ``operation`` 0 insert,
    1 update, 2 delete (:class:`~ibwire.models.depth.DepthOperation`); ``side`` 0 ask, 1 bid.
    In protobuf the row travels as a MarketDepthData block (field 2)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    position: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    operation: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    side: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    price: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None
    size: Annotated[Decimal | None, W(DECIMAL, unset=_QTY_UNSET)] = None


@to_client(In.MARKET_DEPTH_L2, Version(1),
           Proto("MarketDepthL2", Feature.PROTOBUF_MARKET_DATA), P(2, "", sub=MARKET_DEPTH_DATA),
           callback=Callback("updateMktDepthL2", "reqId", "position", "marketMaker", "operation",
                             "side", "price", "size", "isSmartDepth"))
@dataclass(slots=True)
class MarketDepthL2(Message):
    """MARKET_DEPTH_L2 (13, v1): one row of a market-maker (or SMART) book changes; the row names
    who quotes it (``market_maker``: a market maker, or the exchange for SMART depth). In protobuf
    the row travels as a MarketDepthData block (field 2)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    position: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    market_maker: Annotated[str | None, W(STR)] = None
    operation: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    side: Annotated[int | None, W(INT, unset=_INT_UNSET)] = None
    price: Annotated[float | None, W(FLOAT, unset=UNSET_DOUBLE_STR)] = None
    size: Annotated[Decimal | None, W(DECIMAL, unset=_QTY_UNSET)] = None
    is_smart_depth: Annotated[bool | None,
                              W(BOOL, unset="0", since=Feature.SMART_DEPTH)] = False


DEPTH_MKT_DATA_DESCRIPTION = PbType("DepthMarketDataDescription", DepthMktDataDescription, (
    P(1, "exchange", STR, name="exchange"), P(2, "sec_type", STR, name="secType"),
    P(3, "listing_exch", STR, name="listingExch"),
    P(4, "service_data_type", STR, name="serviceDataType"),
    P(5, "agg_group", INT, name="aggGroup"),
))


@to_client(In.MKT_DEPTH_EXCHANGES,
           Repeat("depth_mkt_data_descriptions", DepthMktDataDescription, (
               F("exchange", STR),
               F("sec_type", STR),
               F("listing_exch", STR, since=Feature.SERVICE_DATA_TYPE),
               F("service_data_type", STR, since=Feature.SERVICE_DATA_TYPE),
               F("agg_group", INT, unset=_INT_UNSET, since=Feature.SERVICE_DATA_TYPE),
               Skip("0", until=Feature.SERVICE_DATA_TYPE),  # isL2 (read and dropped)
           )),
           Proto("MarketDepthExchanges", Feature.PROTOBUF_REST_MESSAGES_3),
           P(1, "depth_mkt_data_descriptions", sub=DEPTH_MKT_DATA_DESCRIPTION, repeated=True),
           callback=Callback("mktDepthExchanges", "depthMktDataDescriptions"))
@dataclass(slots=True)
class MktDepthExchanges(Message):
    """MKT_DEPTH_EXCHANGES (80, no version field): every exchange that offers market depth."""

    depth_mkt_data_descriptions: list[DepthMktDataDescription] = field(default_factory=list)


SMART_COMPONENT = PbType("SmartComponent", SmartComponent, (
    P(1, "bit_number", INT, name="bitNumber"), P(2, "exchange", STR, name="exchange"),
    P(3, "exchange_letter", STR, name="exchangeLetter"),
))


@to_client(In.SMART_COMPONENTS, "req_id",
           Repeat("smart_component_map", SmartComponent, (
               F("bit_number", INT, unset=_INT_UNSET),
               F("exchange", STR),
               F("exchange_letter", STR),
           )),
           Proto("SmartComponents", Feature.PROTOBUF_REST_MESSAGES_2),
           P(2, "smart_component_map", sub=SMART_COMPONENT, repeated=True),
           callback=Callback("smartComponents", "reqId", "smartComponentMap"))
@dataclass(slots=True)
class SmartComponents(Message):
    """SMART_COMPONENTS (82, no version field): the exchanges behind one BBO exchange code."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    smart_component_map: list[SmartComponent] = field(default_factory=list)


@to_client(In.REROUTE_MKT_DATA_REQ, Proto("RerouteMarketDataRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           callback=Callback("rerouteMktDataReq", "reqId", "conId", "exchange"))
@dataclass(slots=True)
class RerouteMktDataReq(Message):
    """REROUTE_MKT_DATA_REQ (91, no version field): request ``req_id``'s market data again for
    contract ``con_id`` on ``exchange`` (TWS cannot serve it where it was asked)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    con_id: Annotated[int | None, W(INT, pb=2)] = None
    exchange: Annotated[str | None, W(STR, pb=3)] = None


@to_client(In.REROUTE_MKT_DEPTH_REQ, Proto("RerouteMarketDepthRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           callback=Callback("rerouteMktDepthReq", "reqId", "conId", "exchange"))
@dataclass(slots=True)
class RerouteMktDepthReq(Message):
    """REROUTE_MKT_DEPTH_REQ (92, no version field): request ``req_id``'s depth again for
    contract ``con_id`` on ``exchange``."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    con_id: Annotated[int | None, W(INT, pb=2)] = None
    exchange: Annotated[str | None, W(STR, pb=3)] = None
