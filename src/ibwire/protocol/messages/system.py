"""Session-level messages: START_API, ids, accounts list, errors, current time.

Every layout here is a flat list of the message's own fields, so each field is declared once, on
the model: ``Annotated[type, W(kind, pb=N, since=...)]`` (see :class:`~ibwire.protocol.elements.W`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from ..api import Api, Callback, Request
from ..codec import Kind
from ..elements import PT, Proto, W
from ..ids import In, Out
from ..schema import Message, Version, to_client, to_server
from ..versions import Feature
from .blocks import not_before

__all__ = [
    "StartApi",
    "ReqIds",
    "ReqCurrentTime",
    "ReqManagedAccts",
    "NextValidId",
    "ManagedAccts",
    "ErrMsg",
    "CurrentTime",
    "ReqCurrentTimeInMillis",
    "CurrentTimeInMillis",
]

INT, STR = Kind.INT, Kind.STR


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.START_API, Version(2), Proto("StartApiRequest", Feature.PROTOBUF_REST_MESSAGES_3))
@dataclass(slots=True)
class StartApi(Message):
    """START_API (71, v2): sent right after the handshake reply."""

    client_id: Annotated[int | None, W(INT, pb=1)] = 0
    optional_capabilities: Annotated[str | None,
                                     W(STR, pb=2, since=Feature.OPTIONAL_CAPABILITIES)] = None


@to_server(Out.REQ_IDS, Version(1), Proto("IdsRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           request=Request(replies=(In.NEXT_VALID_ID,), key=None), api=Api("reqIds", "numIds"))
@dataclass(slots=True)
class ReqIds(Message):
    """REQ_IDS (8, v1): ask for a fresh NEXT_VALID_ID (numIds is ignored by TWS)."""

    num_ids: Annotated[int | None, W(INT, pb=1)] = 1


@to_server(Out.REQ_CURRENT_TIME, Version(1),
           Proto("CurrentTimeRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           request=Request(replies=(In.CURRENT_TIME,), key=None), api=Api("reqCurrentTime"))
@dataclass(slots=True)
class ReqCurrentTime(Message):
    """REQ_CURRENT_TIME (49, v1)."""


@to_server(Out.REQ_MANAGED_ACCTS, Version(1),
           Proto("ManagedAccountsRequest", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           request=Request(replies=(In.MANAGED_ACCTS,), key=None), api=Api("reqManagedAccts"))
@dataclass(slots=True)
class ReqManagedAccts(Message):
    """REQ_MANAGED_ACCTS (17, v1)."""


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.NEXT_VALID_ID, Version(1), Proto("NextValidId", Feature.PROTOBUF_REST_MESSAGES_3),
           callback=Callback("nextValidId", "orderId"))
@dataclass(slots=True)
class NextValidId(Message):
    """NEXT_VALID_ID (9, v1): the lowest order id this client id may use."""

    order_id: Annotated[int | None, W(INT, pb=1)] = None


@to_client(In.MANAGED_ACCTS, Version(1), Proto("ManagedAccounts", Feature.PROTOBUF_ACCOUNTS_POSITIONS),
           callback=Callback("managedAccounts", "accountsList"))
@dataclass(slots=True)
class ManagedAccts(Message):
    """MANAGED_ACCTS (15, v1): comma-separated accounts (a trailing comma is tolerated)."""

    accounts_list: Annotated[str | None, W(STR, pb=1)] = None

    @property
    def accounts(self) -> list[str]:
        return [a for a in (self.accounts_list or "").split(",") if a]


@to_client(In.ERR_MSG, Version(2, until=Feature.ERROR_TIME), Proto("ErrorMessage", Feature.PROTOBUF))
@dataclass(slots=True)
class ErrMsg(Message):
    """ERR_MSG (4; v2 below 194): an error, warning or notice; ``req_id`` -1 for session-wide
    notices. ``error_time`` (epoch milliseconds, from 194) is when TWS raised it."""

    req_id: Annotated[int | None, W(INT, pb=1)] = -1
    error_code: Annotated[int | None, W(INT, pb=3)] = None
    error_string: Annotated[str | None, W(STR, pb=4)] = None
    advanced_order_reject_json: Annotated[
        str | None, W(STR, pb=5, since=Feature.ADVANCED_ORDER_REJECT)] = None
    error_time: Annotated[int | None, W(INT, pb=2, pbt=PT.INT64, since=Feature.ERROR_TIME)] = None


@to_server(Out.REQ_CURRENT_TIME_IN_MILLIS,
           not_before(Feature.CURRENT_TIME_IN_MILLIS, "REQ_CURRENT_TIME_IN_MILLIS"),
           Proto("CurrentTimeInMillisRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           request=Request(replies=(In.CURRENT_TIME_IN_MILLIS,), key=None),
           api=Api("reqCurrentTimeInMillis"))
@dataclass(slots=True)
class ReqCurrentTimeInMillis(Message):
    """REQ_CURRENT_TIME_IN_MILLIS (105, no fields at all; from server version 197)."""


@to_client(In.CURRENT_TIME_IN_MILLIS, Proto("CurrentTimeInMillis", Feature.PROTOBUF_REST_MESSAGES_3),
           callback=Callback("currentTimeInMillis", "timeInMillis:time_ms"))
@dataclass(slots=True)
class CurrentTimeInMillis(Message):
    """CURRENT_TIME_IN_MILLIS (109, no version field; from 197): TWS's clock in epoch ms."""

    time_ms: Annotated[int | None, W(INT, pb=1, pbt=PT.INT64)] = None


@to_client(In.CURRENT_TIME, Version(1), Proto("CurrentTime", Feature.PROTOBUF_REST_MESSAGES_3),
           callback=Callback("currentTime", "time"))
@dataclass(slots=True)
class CurrentTime(Message):
    """CURRENT_TIME (49, v1): TWS's clock in epoch seconds."""

    time: Annotated[int | None, W(INT, pb=1, pbt=PT.INT64)] = None
