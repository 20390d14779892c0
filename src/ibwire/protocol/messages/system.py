"""Session-level messages: START_API, ids, accounts list, errors, current time."""

from __future__ import annotations

from dataclasses import dataclass

from ..api import Api, Callback, Request
from ..codec import Kind
from ..elements import PT, P, Proto
from ..ids import In, Out
from ..schema import F, Message, Version, to_client, to_server
from ..versions import Feature

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

@to_server(Out.START_API, Version(2), F("client_id", INT),
           F("optional_capabilities", STR, since=Feature.OPTIONAL_CAPABILITIES),
           Proto("StartApiRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           P(1, "client_id"), P(2, "optional_capabilities"))
@dataclass(slots=True)
class StartApi(Message):
    """START_API (71, v2): sent right after the handshake reply."""

    client_id: int | None = 0
    optional_capabilities: str | None = None


@to_server(Out.REQ_IDS, Version(1), F("num_ids", INT),
           Proto("IdsRequest", Feature.PROTOBUF_REST_MESSAGES_3), P(1, "num_ids"),
           request=Request(replies=(In.NEXT_VALID_ID,), key=None), api=Api("reqIds", "numIds"))
@dataclass(slots=True)
class ReqIds(Message):
    """REQ_IDS (8, v1): ask for a fresh NEXT_VALID_ID (numIds is ignored by TWS)."""

    num_ids: int | None = 1


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

@to_client(In.NEXT_VALID_ID, Version(1), F("order_id", INT),
           Proto("NextValidId", Feature.PROTOBUF_REST_MESSAGES_3), P(1, "order_id"),
           callback=Callback("nextValidId", "orderId"))
@dataclass(slots=True)
class NextValidId(Message):
    """NEXT_VALID_ID (9, v1): the lowest order id this client id may use."""

    order_id: int | None = None


@to_client(In.MANAGED_ACCTS, Version(1), F("accounts_list", STR),
           Proto("ManagedAccounts", Feature.PROTOBUF_ACCOUNTS_POSITIONS), P(1, "accounts_list"),
           callback=Callback("managedAccounts", "accountsList"))
@dataclass(slots=True)
class ManagedAccts(Message):
    """MANAGED_ACCTS (15, v1): comma-separated accounts (a trailing comma is tolerated)."""

    accounts_list: str | None = None

    @property
    def accounts(self) -> list[str]:
        return [a for a in (self.accounts_list or "").split(",") if a]


@to_client(In.ERR_MSG, Version(2, until=Feature.ERROR_TIME), F("req_id", INT), F("error_code", INT),
           F("error_string", STR),
           F("advanced_order_reject_json", STR, since=Feature.ADVANCED_ORDER_REJECT),
           F("error_time", INT, since=Feature.ERROR_TIME),
           Proto("ErrorMessage", Feature.PROTOBUF), P(1, "req_id"), P(2, "error_time", pt=PT.INT64),
           P(3, "error_code"), P(4, "error_string"), P(5, "advanced_order_reject_json"))
@dataclass(slots=True)
class ErrMsg(Message):
    """ERR_MSG (4; v2 below 194): an error, warning or notice; ``req_id`` -1 for session-wide
    notices. ``error_time`` (epoch milliseconds, from 194) is when TWS raised it."""

    req_id: int | None = -1
    error_code: int | None = None
    error_string: str | None = None
    advanced_order_reject_json: str | None = None
    error_time: int | None = None


@to_server(Out.REQ_CURRENT_TIME_IN_MILLIS, Proto("CurrentTimeInMillisRequest", Feature.PROTOBUF_REST_MESSAGES_3),
           request=Request(replies=(In.CURRENT_TIME_IN_MILLIS,), key=None),
           api=Api("reqCurrentTimeInMillis"))
@dataclass(slots=True)
class ReqCurrentTimeInMillis(Message):
    """REQ_CURRENT_TIME_IN_MILLIS (105, no fields at all; from server version 197)."""


@to_client(In.CURRENT_TIME_IN_MILLIS, F("time_ms", INT),
           Proto("CurrentTimeInMillis", Feature.PROTOBUF_REST_MESSAGES_3),
           P(1, "time_ms", pt=PT.INT64),
           callback=Callback("currentTimeInMillis", "timeInMillis:time_ms"))
@dataclass(slots=True)
class CurrentTimeInMillis(Message):
    """CURRENT_TIME_IN_MILLIS (109, no version field; from 197): TWS's clock in epoch ms."""

    time_ms: int | None = None


@to_client(In.CURRENT_TIME, Version(1), F("time", INT),
           Proto("CurrentTime", Feature.PROTOBUF_REST_MESSAGES_3), P(1, "time", pt=PT.INT64),
           callback=Callback("currentTime", "time"))
@dataclass(slots=True)
class CurrentTime(Message):
    """CURRENT_TIME (49, v1): TWS's clock in epoch seconds."""

    time: int | None = None
