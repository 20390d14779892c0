"""Account values, portfolio rows, positions and account summaries.

Layouts are the same at every server version ibwire speaks (157..178); PROTOCOL.md sections 3,
4.6, 4.7 and 4.17 give them field by field. Contract blocks differ per message: PORTFOLIO_VALUE
carries ``primaryExchange`` and no ``exchange``; POSITION_DATA and POSITION_MULTI carry
``exchange`` and no ``primaryExchange``.

Unset values written TWS -> client follow what TWS itself sends, because ib_async and the
official ibapi parse several of these fields with bare ``int()`` / ``float()``: ``2147483647`` for
ints, ``1.7976931348623157E308`` for prices and amounts, ``9223372036854775807`` for quantities,
``0.0`` (``0`` in PORTFOLIO_VALUE) for the strike of a non-option and ``0`` for its right in
PORTFOLIO_VALUE. On the way in, a zero strike and a right of ``0`` / ``?`` decode to ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from ...models.contract import Contract
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import Element, F, Message, Version, to_client, to_server
from ..versions import Feature
from .blocks import CONTRACT, not_before

__all__ = [
    # client -> TWS
    "ReqAcctData",
    "ReqPositions",
    "CancelPositions",
    "ReqAccountSummary",
    "CancelAccountSummary",
    "ReqAccountUpdatesMulti",
    "CancelAccountUpdatesMulti",
    "ReqPositionsMulti",
    "CancelPositionsMulti",
    # TWS -> client
    "AcctValue",
    "PortfolioValue",
    "AcctUpdateTime",
    "AcctDownloadEnd",
    "PositionData",
    "PositionEnd",
    "AccountSummary",
    "AccountSummaryEnd",
    "AccountUpdateMulti",
    "AccountUpdateMultiEnd",
    "PositionMulti",
    "PositionMultiEnd",
]

INT, FLOAT, DECIMAL, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR

# What TWS writes for unset numbers (see the module docstring).
_INT_UNSET = str(UNSET_INT)
_QTY_UNSET = "9223372036854775807"
_NON_OPTION_RIGHT = ("0", "?")


def _req_id() -> F:
    """A request id sent TWS -> client (ibapi 9.81 parses it with a bare ``int()``)."""
    return F("req_id", INT, unset=_INT_UNSET)


def contract_fields(prefix: str = "contract.", *, exchange: bool = True,
                    primary_exchange: bool = False, strike_unset: str = "0.0",
                    right_unset: str = "") -> tuple[Element, ...]:
    """The contract block TWS -> client messages share: conId .. tradingClass.

    ``exchange`` / ``primary_exchange`` choose which of the two the message carries (in the
    multiplier's wake); ``strike_unset`` / ``right_unset`` are what TWS writes for a non-option.
    """
    p = prefix
    els: list[Element] = [
        F(p + "con_id", INT),
        F(p + "symbol", STR),
        F(p + "sec_type", STR),
        F(p + "last_trade_date_or_contract_month", STR),
        F(p + "strike", FLOAT, unset=strike_unset, none=("0", "0.0")),
        F(p + "right", STR, unset=right_unset, none=_NON_OPTION_RIGHT),
        F(p + "multiplier", STR),
    ]
    if primary_exchange:
        els.append(F(p + "primary_exchange", STR))
    if exchange:
        els.append(F(p + "exchange", STR))
    els += [
        F(p + "currency", STR),
        F(p + "local_symbol", STR),
        F(p + "trading_class", STR),
    ]
    return tuple(els)


_POSITION_CONTRACT = contract_fields()
_PORTFOLIO_CONTRACT = contract_fields(exchange=False, primary_exchange=True, strike_unset="0",
                                      right_unset="0")


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_ACCT_DATA, Version(2), "subscribe", "acct_code",
           Proto("AccountDataRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.ACCT_VALUE, In.PORTFOLIO_VALUE, In.ACCT_UPDATE_TIME), end=In.ACCT_DOWNLOAD_END, key=None),
           api=Api("reqAccountUpdates", "subscribe", "acctCode"))
@dataclass(slots=True)
class ReqAcctData(Message):
    """REQ_ACCT_DATA (6, v2), ``reqAccountUpdates``: start (or stop) the account stream.

    Answered by ACCT_VALUE*, PORTFOLIO_VALUE*, ACCT_UPDATE_TIME and ACCT_DOWNLOAD_END, then
    updates until unsubscribed. One account at a time per client.
    """

    subscribe: Annotated[bool | None, W(BOOL, pb=1)] = True
    acct_code: Annotated[str | None, W(STR, pb=2)] = None


@to_server(Out.REQ_POSITIONS, Version(1),
           Proto("PositionsRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.POSITION_DATA,), end=In.POSITION_END, cancel=Out.CANCEL_POSITIONS, key=None),
           api=Api("reqPositions"))
@dataclass(slots=True)
class ReqPositions(Message):
    """REQ_POSITIONS (61, v1): POSITION_DATA* then POSITION_END, then updates until cancelled."""


@to_server(Out.CANCEL_POSITIONS, Version(1),
           Proto("CancelPositions", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           api=Api("cancelPositions"))
@dataclass(slots=True)
class CancelPositions(Message):
    """CANCEL_POSITIONS (64, v1)."""


@to_server(Out.REQ_ACCOUNT_SUMMARY, Version(1), "req_id", "group_name", "tags",
           Proto("AccountSummaryRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.ACCOUNT_SUMMARY,), end=In.ACCOUNT_SUMMARY_END, cancel=Out.CANCEL_ACCOUNT_SUMMARY),
           api=Api("reqAccountSummary", "reqId", "groupName", "tags"))
@dataclass(slots=True)
class ReqAccountSummary(Message):
    """REQ_ACCOUNT_SUMMARY (62, v1): ``tags`` is a comma list (``NetLiquidation,BuyingPower``,
    ``$LEDGER[:CCY|:ALL]``); ``group_name`` is normally ``All``."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    group_name: Annotated[str | None, W(STR, pb=2)] = "All"
    tags: Annotated[str | None, W(STR, pb=3)] = None


@to_server(Out.CANCEL_ACCOUNT_SUMMARY, Version(1), "req_id",
           Proto("CancelAccountSummary", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           api=Api("cancelAccountSummary", "reqId"))
@dataclass(slots=True)
class CancelAccountSummary(Message):
    """CANCEL_ACCOUNT_SUMMARY (63, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None



_MODELS = Feature.MODELS_SUPPORT


@to_server(Out.REQ_ACCOUNT_UPDATES_MULTI, not_before(_MODELS, "REQ_ACCOUNT_UPDATES_MULTI"),
           Version(1), "req_id", "account", "model_code", "ledger_and_nlv",
           Proto("AccountUpdatesMultiRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.ACCOUNT_UPDATE_MULTI,), end=In.ACCOUNT_UPDATE_MULTI_END, cancel=Out.CANCEL_ACCOUNT_UPDATES_MULTI),
           api=Api("reqAccountUpdatesMulti", "reqId", "account", "modelCode", "ledgerAndNLV"))
@dataclass(slots=True)
class ReqAccountUpdatesMulti(Message):
    """REQ_ACCOUNT_UPDATES_MULTI (76, v1): ACCOUNT_UPDATE_MULTI* then ACCOUNT_UPDATE_MULTI_END.

    ib_async sends one per managed account while connecting and waits for the end marker.
    """

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=3)] = None
    ledger_and_nlv: Annotated[bool | None, W(BOOL, pb=4)] = False


@to_server(Out.CANCEL_ACCOUNT_UPDATES_MULTI, not_before(_MODELS, "CANCEL_ACCOUNT_UPDATES_MULTI"),
           Version(1), "req_id",
           Proto("CancelAccountUpdatesMulti", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           api=Api("cancelAccountUpdatesMulti", "reqId"))
@dataclass(slots=True)
class CancelAccountUpdatesMulti(Message):
    """CANCEL_ACCOUNT_UPDATES_MULTI (77, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REQ_POSITIONS_MULTI, not_before(_MODELS, "REQ_POSITIONS_MULTI"), Version(1),
           "req_id", "account", "model_code",
           Proto("PositionsMultiRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.POSITION_MULTI,), end=In.POSITION_MULTI_END, cancel=Out.CANCEL_POSITIONS_MULTI),
           api=Api("reqPositionsMulti", "reqId", "account", "modelCode"))
@dataclass(slots=True)
class ReqPositionsMulti(Message):
    """REQ_POSITIONS_MULTI (74, v1): POSITION_MULTI* then POSITION_MULTI_END."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=3)] = None


@to_server(Out.CANCEL_POSITIONS_MULTI, not_before(_MODELS, "CANCEL_POSITIONS_MULTI"), Version(1),
           "req_id", Proto("CancelPositionsMulti", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           api=Api("cancelPositionsMulti", "reqId"))
@dataclass(slots=True)
class CancelPositionsMulti(Message):
    """CANCEL_POSITIONS_MULTI (75, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.ACCT_VALUE, Version(2), "key", "value", "currency", "account_name",
           Proto("AccountValue", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           callback=Callback("updateAccountValue", "key", "val:value", "currency", "accountName"))
@dataclass(slots=True)
class AcctValue(Message):
    """ACCT_VALUE (6, v2): one account value, e.g. ``NetLiquidation`` = ``100000.00`` ``USD``.

    Exactly 6 fields: the official decoders drop the message otherwise.
    """

    key: Annotated[str | None, W(STR, pb=1)] = None
    value: Annotated[str | None, W(STR, pb=2)] = None
    currency: Annotated[str | None, W(STR, pb=3)] = None
    account_name: Annotated[str | None, W(STR, pb=4)] = None


@to_client(In.PORTFOLIO_VALUE, Version(8), *_PORTFOLIO_CONTRACT, "position", "market_price",
           "market_value", "average_cost", "unrealized_pnl", "realized_pnl", "account_name",
           Proto("PortfolioValue", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           P(1, "contract", sub=CONTRACT),
           callback=Callback("updatePortfolio", "contract", "position", "marketPrice", "marketValue", "averageCost", "unrealizedPNL", "realizedPNL", "accountName"))
@dataclass(slots=True)
class PortfolioValue(Message):
    """PORTFOLIO_VALUE (7, v8): one portfolio row of the REQ_ACCT_DATA stream.

    Exactly 20 fields (ib_async unpacks a fixed tuple); the contract has primaryExchange and no
    exchange. ``position`` is negative for a short.
    """

    contract: Contract = field(default_factory=Contract)
    position: Annotated[Decimal | None, W(DECIMAL, pb=2, unset=_QTY_UNSET)] = None
    market_price: Annotated[float | None, W(FLOAT, pb=3, unset=UNSET_DOUBLE_STR)] = None
    market_value: Annotated[float | None, W(FLOAT, pb=4, unset=UNSET_DOUBLE_STR)] = None
    average_cost: Annotated[float | None, W(FLOAT, pb=5, unset=UNSET_DOUBLE_STR)] = None
    unrealized_pnl: Annotated[float | None, W(FLOAT, pb=6, unset=UNSET_DOUBLE_STR)] = None
    realized_pnl: Annotated[float | None, W(FLOAT, pb=7, unset=UNSET_DOUBLE_STR)] = None
    account_name: Annotated[str | None, W(STR, pb=8)] = None


@to_client(In.ACCT_UPDATE_TIME, Version(1), "time_stamp",
           Proto("AccountUpdateTime", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           callback=Callback("updateAccountTime", "timeStamp"))
@dataclass(slots=True)
class AcctUpdateTime(Message):
    """ACCT_UPDATE_TIME (8, v1): time of the last account update, ``HH:MM``."""

    time_stamp: Annotated[str | None, W(STR, pb=1)] = None


@to_client(In.ACCT_DOWNLOAD_END, Version(1), "account_name",
           Proto("AccountDataEnd", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           callback=Callback("accountDownloadEnd", "accountName"))
@dataclass(slots=True)
class AcctDownloadEnd(Message):
    """ACCT_DOWNLOAD_END (54, v1): the REQ_ACCT_DATA snapshot for ``account_name`` is complete."""

    account_name: Annotated[str | None, W(STR, pb=1)] = None


@to_client(In.POSITION_DATA, Version(3), "account", *_POSITION_CONTRACT, "position", "avg_cost",
           Proto("Position", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(2, "contract", sub=CONTRACT),
           callback=Callback("position", "account", "contract", "position", "avgCost"))
@dataclass(slots=True)
class PositionData(Message):
    """POSITION_DATA (61, v3): one position; exactly 16 fields.

    ``position`` is a Decimal, negative for a short; a future carries its expiry in
    ``contract.last_trade_date_or_contract_month`` and ``contract.multiplier``.
    """

    account: Annotated[str | None, W(STR, pb=1)] = None
    contract: Contract = field(default_factory=Contract)
    position: Annotated[Decimal | None, W(DECIMAL, pb=3, unset=_QTY_UNSET)] = None
    avg_cost: Annotated[float | None, W(FLOAT, pb=4, unset=UNSET_DOUBLE_STR)] = None


@to_client(In.POSITION_END, Version(1),
           Proto("PositionEnd", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           callback=Callback("positionEnd"))
@dataclass(slots=True)
class PositionEnd(Message):
    """POSITION_END (62, v1): the initial REQ_POSITIONS snapshot is complete."""


@to_client(In.ACCOUNT_SUMMARY, Version(1), _req_id(), "account", "tag", "value", "currency",
           Proto("AccountSummary", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(1, "req_id"),
           callback=Callback("accountSummary", "reqId", "account", "tag", "value", "currency"))
@dataclass(slots=True)
class AccountSummary(Message):
    """ACCOUNT_SUMMARY (63, v1): one tag of one account; exactly 7 fields."""

    req_id: int | None = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    tag: Annotated[str | None, W(STR, pb=3)] = None
    value: Annotated[str | None, W(STR, pb=4)] = None
    currency: Annotated[str | None, W(STR, pb=5)] = None


@to_client(In.ACCOUNT_SUMMARY_END, Version(1), _req_id(),
           Proto("AccountSummaryEnd", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(1, "req_id"),
           callback=Callback("accountSummaryEnd", "reqId"))
@dataclass(slots=True)
class AccountSummaryEnd(Message):
    """ACCOUNT_SUMMARY_END (64, v1)."""

    req_id: int | None = None


@to_client(In.ACCOUNT_UPDATE_MULTI, Version(1), _req_id(), "account", "model_code", "key", "value",
           "currency", Proto("AccountUpdateMulti", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           P(1, "req_id"),
           callback=Callback("accountUpdateMulti", "reqId", "account", "modelCode", "key", "value", "currency"))
@dataclass(slots=True)
class AccountUpdateMulti(Message):
    """ACCOUNT_UPDATE_MULTI (73, v1): one account value for a REQ_ACCOUNT_UPDATES_MULTI."""

    req_id: int | None = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=3)] = None
    key: Annotated[str | None, W(STR, pb=4)] = None
    value: Annotated[str | None, W(STR, pb=5)] = None
    currency: Annotated[str | None, W(STR, pb=6)] = None


@to_client(In.ACCOUNT_UPDATE_MULTI_END, Version(1), _req_id(),
           Proto("AccountUpdateMultiEnd", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(1, "req_id"),
           callback=Callback("accountUpdateMultiEnd", "reqId"))
@dataclass(slots=True)
class AccountUpdateMultiEnd(Message):
    """ACCOUNT_UPDATE_MULTI_END (74, v1)."""

    req_id: int | None = None


@to_client(In.POSITION_MULTI, Version(1), _req_id(), "account", *_POSITION_CONTRACT, "position",
           "avg_cost", "model_code", Proto("PositionMulti", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           P(1, "req_id"), P(3, "contract", sub=CONTRACT),
           callback=Callback("positionMulti", "reqId", "account", "modelCode", "contract", "pos:position", "avgCost"))
@dataclass(slots=True)
class PositionMulti(Message):
    """POSITION_MULTI (71, v1): one position of a REQ_POSITIONS_MULTI (modelCode comes last)."""

    req_id: int | None = None
    account: Annotated[str | None, W(STR, pb=2)] = None
    model_code: Annotated[str | None, W(STR, pb=6)] = None
    contract: Contract = field(default_factory=Contract)
    position: Annotated[Decimal | None, W(DECIMAL, pb=4, unset=_QTY_UNSET)] = None
    avg_cost: Annotated[float | None, W(FLOAT, pb=5, unset=UNSET_DOUBLE_STR)] = None


@to_client(In.POSITION_MULTI_END, Version(1), _req_id(),
           Proto("PositionMultiEnd", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(1, "req_id"),
           callback=Callback("positionMultiEnd", "reqId"))
@dataclass(slots=True)
class PositionMultiEnd(Message):
    """POSITION_MULTI_END (72, v1)."""

    req_id: int | None = None
