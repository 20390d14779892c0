"""Profit and loss and soft dollar tiers: REQ_PNL / PNL, REQ_PNL_SINGLE / PNL_SINGLE, their
cancels, REQ_SOFT_DOLLAR_TIERS / SOFT_DOLLAR_TIERS.

The PnL requests exist from PNL (127): the official client refuses them below (error 503,
nothing sent), and so does ibwire (encoding raises). None of them has a version field. PNL and
PNL_SINGLE grow ``unrealizedPnL`` at UNREALIZED_PNL (129) and ``realizedPnL`` at REALIZED_PNL
(135); PNL_SINGLE's ``value`` comes last at every version. The four PnL requests travel as protobuf
from PROTOBUF_SCAN_DATA (210), PNL and PNL_SINGLE too (PROTOCOL-V2.md sections 2 and 4);
REQ_SOFT_DOLLAR_TIERS and SOFT_DOLLAR_TIERS from PROTOBUF_REST_MESSAGES_2 (212).

TWS leaves a PnL value it has not computed unset: ``1.7976931348623157E308`` in text (as in
PNL_SINGLE's ``realizedPnL`` for a position not traded since its daily reset), absent in
protobuf; both decode to ``None``. A real PNL (server version 200) carries full-precision
doubles: ``94|4|11340.427636781911|54385.58271885987|-103.92738339177643``. A paper account's
SOFT_DOLLAR_TIERS is empty: ``77|1001|0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...models.order import SoftDollarTier
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import Api, Callback, F, Message, Repeat, Request, to_client, to_server
from ..versions import Feature
from .blocks import SOFT_DOLLAR_TIER, not_before

__all__ = [
    "ReqPnL",
    "CancelPnL",
    "ReqPnLSingle",
    "CancelPnLSingle",
    "ReqSoftDollarTiers",
    "PnL",
    "PnLSingle",
    "SoftDollarTiers",
]

INT, FLOAT, DECIMAL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.STR

_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"
_PNL = Feature.PNL
_PB = Feature.PROTOBUF_SCAN_DATA


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_PNL, not_before(_PNL, "REQ_PNL"), "req_id", "account", "model_code",
           Proto("PnLRequest", _PB), request=Request(replies=(In.PNL,), cancel=Out.CANCEL_PNL),
           api=Api("reqPnL", "reqId", "account", "modelCode"))
@dataclass(slots=True)
class ReqPnL(Message):
    """REQ_PNL (92, no version; from 127): the daily, unrealized and realized PnL of ``account``
    (``model_code`` "" for the whole account), as PNL now and whenever it changes, until
    CANCEL_PNL."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=3)] = None


@to_server(Out.CANCEL_PNL, not_before(_PNL, "CANCEL_PNL"), "req_id", Proto("CancelPnL", _PB),
           api=Api("cancelPnL", "reqId"))
@dataclass(slots=True)
class CancelPnL(Message):
    """CANCEL_PNL (93, no version; from 127)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_PNL_SINGLE, not_before(_PNL, "REQ_PNL_SINGLE"), "req_id", "account",
           "model_code", "con_id", Proto("PnLSingleRequest", _PB),
           request=Request(replies=(In.PNL_SINGLE,), cancel=Out.CANCEL_PNL_SINGLE),
           api=Api("reqPnLSingle", "reqId", "account", "modelCode", "conid:con_id"))
@dataclass(slots=True)
class ReqPnLSingle(Message):
    """REQ_PNL_SINGLE (94, no version; from 127): the PnL of one position (``con_id``) of
    ``account``, as PNL_SINGLE now and whenever it changes, until CANCEL_PNL_SINGLE."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=3)] = None
    con_id: Annotated[int | None, W(INT, pb=4)] = None


@to_server(Out.CANCEL_PNL_SINGLE, not_before(_PNL, "CANCEL_PNL_SINGLE"), "req_id",
           Proto("CancelPnLSingle", _PB), api=Api("cancelPnLSingle", "reqId"))
@dataclass(slots=True)
class CancelPnLSingle(Message):
    """CANCEL_PNL_SINGLE (95, no version; from 127)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_SOFT_DOLLAR_TIERS, "req_id",
           Proto("SoftDollarTiersRequest", Feature.PROTOBUF_REST_MESSAGES_2),
           request=Request(replies=(In.SOFT_DOLLAR_TIERS,)),
           api=Api("reqSoftDollarTiers", "reqId"))
@dataclass(slots=True)
class ReqSoftDollarTiers(Message):
    """REQ_SOFT_DOLLAR_TIERS (79, no version): one SOFT_DOLLAR_TIERS answers it."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# --- TWS -> client -----------------------------------------------------------------------------

def _money(name: str, since: Feature | None = None) -> F:
    return F(name, FLOAT, unset=UNSET_DOUBLE_STR, since=since)


@to_client(In.PNL, "req_id", _money("daily_pnl"), _money("unrealized_pnl", Feature.UNREALIZED_PNL),
           _money("realized_pnl", Feature.REALIZED_PNL), Proto("PnL", _PB), P(2, "daily_pnl"),
           P(3, "unrealized_pnl"), P(4, "realized_pnl"),
           callback=Callback("pnl", "reqId", "dailyPnL:daily_pnl",
                             "unrealizedPnL:unrealized_pnl", "realizedPnL:realized_pnl"))
@dataclass(slots=True)
class PnL(Message):
    """PNL (94, no version): an account's PnL in its base currency; ``daily_pnl`` since the daily
    reset, ``unrealized_pnl`` of the open positions, ``realized_pnl`` since the daily reset."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    daily_pnl: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None


@to_client(In.PNL_SINGLE, "req_id", "position", _money("daily_pnl"),
           _money("unrealized_pnl", Feature.UNREALIZED_PNL),
           _money("realized_pnl", Feature.REALIZED_PNL), _money("value"), Proto("PnLSingle", _PB),
           P(3, "daily_pnl"), P(4, "unrealized_pnl"), P(5, "realized_pnl"), P(6, "value"),
           callback=Callback("pnlSingle", "reqId", "pos:position", "dailyPnL:daily_pnl",
                             "unrealizedPnL:unrealized_pnl", "realizedPnL:realized_pnl",
                             "value"))
@dataclass(slots=True)
class PnLSingle(Message):
    """PNL_SINGLE (95, no version): one position's size and PnL; ``value`` its market value."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    position: Annotated[Decimal | None, W(DECIMAL, pb=2, unset=_QTY_UNSET)] = None
    daily_pnl: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None
    value: float | None = None


@to_client(In.SOFT_DOLLAR_TIERS, "req_id",
           Repeat("tiers", SoftDollarTier, (F("name", STR), F("value", STR),
                                            F("display_name", STR))),
           Proto("SoftDollarTiers", Feature.PROTOBUF_REST_MESSAGES_2),
           P(2, "tiers", sub=SOFT_DOLLAR_TIER, repeated=True),
           callback=Callback("softDollarTiers", "reqId", "tiers"))
@dataclass(slots=True)
class SoftDollarTiers(Message):
    """SOFT_DOLLAR_TIERS (77, no version): the tiers configured for the account (none for an
    account without soft dollar arrangements, such as a paper account)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    tiers: list[SoftDollarTier] = field(default_factory=list)
