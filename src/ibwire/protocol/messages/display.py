"""TWS's display groups, API verification and the server log level.

* Display groups (TWS's colour-linked windows, ids 1..7): QUERY_DISPLAY_GROUPS (67) ->
  DISPLAY_GROUP_LIST (67, ``"1|2|3"``); SUBSCRIBE_TO_GROUP_EVENTS (68) -> DISPLAY_GROUP_UPDATED
  (68) now and whenever the group's contract changes; UPDATE_DISPLAY_GROUP (69) sets that contract
  (``"265598@SMART"``, ``"none"``, ``"combo"``); UNSUBSCRIBE_FROM_GROUP_EVENTS (70).
* API verification (for IB-registered third-party applications): VERIFY_REQUEST (65) /
  VERIFY_MESSAGE (66) -> VERIFY_MESSAGE_API (65) / VERIFY_COMPLETED (66); VERIFY_AND_AUTH_REQUEST
  (72) / VERIFY_AND_AUTH_MESSAGE (73) -> VERIFY_AND_AUTH_MESSAGE_API (69) /
  VERIFY_AND_AUTH_COMPLETED (70). The ``..._AND_AUTH`` four are text only at every version. The
  official client sends VERIFY_REQUEST and VERIFY_AND_AUTH_REQUEST only when the connection was
  opened with the intent to authenticate (``extraAuth``); that is the caller's business here.
* SET_SERVER_LOGLEVEL (14): 1 system .. 5 detail; TWS answers nothing.

Every one of them has a version field (1) in text, and all but the ``..._AND_AUTH`` four travel
as protobuf from PROTOBUF_REST_MESSAGES_3 (213). They exist from LINKING (70), below every version
ibwire speaks.

VERIFY_COMPLETED's and VERIFY_AND_AUTH_COMPLETED's ``isSuccessful`` is the text ``true`` /
``false`` (the official Python decoder passes that text on as it is; ibwire reads a bool).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from ..codec import UNSET_INT, Kind
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import Api, Callback, Custom, Message, Request, Version, to_client, to_server
from ..versions import Feature

__all__ = [
    "SetServerLogLevel", "QueryDisplayGroups", "SubscribeToGroupEvents", "UpdateDisplayGroup",
    "UnsubscribeFromGroupEvents", "DisplayGroupList", "DisplayGroupUpdated", "VerifyRequest",
    "VerifyMessage", "VerifyAndAuthRequest", "VerifyAndAuthMessage", "VerifyMessageApi",
    "VerifyCompleted", "VerifyAndAuthMessageApi", "VerifyAndAuthCompleted",
]

INT, STR = Kind.INT, Kind.STR
_INT_UNSET = str(UNSET_INT)
_REST_3 = Feature.PROTOBUF_REST_MESSAGES_3


@to_server(Out.SET_SERVER_LOGLEVEL, Version(1), "log_level",
           Proto("SetServerLogLevelRequest", _REST_3), api=Api("setServerLogLevel", "logLevel"))
@dataclass(slots=True)
class SetServerLogLevel(Message):
    """SET_SERVER_LOGLEVEL (14, v1): TWS's API log detail, 1 system, 2 error (the default),
    3 warning, 4 information, 5 detail. No answer."""

    log_level: Annotated[int | None, W(INT, pb=1)] = 2


# --- display groups -----------------------------------------------------------------------------

@to_server(Out.QUERY_DISPLAY_GROUPS, Version(1), "req_id",
           Proto("QueryDisplayGroupsRequest", _REST_3),
           request=Request(replies=(In.DISPLAY_GROUP_LIST,)),
           api=Api("queryDisplayGroups", "reqId"))
@dataclass(slots=True)
class QueryDisplayGroups(Message):
    """QUERY_DISPLAY_GROUPS (67, v1): DISPLAY_GROUP_LIST answers."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.SUBSCRIBE_TO_GROUP_EVENTS, Version(1), "req_id", "group_id",
           Proto("SubscribeToGroupEventsRequest", _REST_3),
           request=Request(replies=(In.DISPLAY_GROUP_UPDATED,),
                           cancel=Out.UNSUBSCRIBE_FROM_GROUP_EVENTS),
           api=Api("subscribeToGroupEvents", "reqId", "groupId"))
@dataclass(slots=True)
class SubscribeToGroupEvents(Message):
    """SUBSCRIBE_TO_GROUP_EVENTS (68, v1): DISPLAY_GROUP_UPDATED now and on every change of the
    group's contract, until UNSUBSCRIBE_FROM_GROUP_EVENTS."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    group_id: Annotated[int | None, W(INT, pb=2)] = None


@to_server(Out.UPDATE_DISPLAY_GROUP, Version(1), "req_id", "contract_info",
           Proto("UpdateDisplayGroupRequest", _REST_3),
           api=Api("updateDisplayGroup", "reqId", "contractInfo"))
@dataclass(slots=True)
class UpdateDisplayGroup(Message):
    """UPDATE_DISPLAY_GROUP (69, v1): show ``contract_info`` (``"conId@exchange"``, ``"none"``,
    ``"combo"``) in the group subscribed under ``req_id``."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    contract_info: Annotated[str | None, W(STR, pb=2)] = None


@to_server(Out.UNSUBSCRIBE_FROM_GROUP_EVENTS, Version(1), "req_id",
           Proto("UnsubscribeFromGroupEventsRequest", _REST_3),
           api=Api("unsubscribeFromGroupEvents", "reqId"))
@dataclass(slots=True)
class UnsubscribeFromGroupEvents(Message):
    """UNSUBSCRIBE_FROM_GROUP_EVENTS (70, v1)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None


@to_client(In.DISPLAY_GROUP_LIST, Version(1), "req_id", "groups",
           Proto("DisplayGroupList", _REST_3),
           callback=Callback("displayGroupList", "reqId", "groups"))
@dataclass(slots=True)
class DisplayGroupList(Message):
    """DISPLAY_GROUP_LIST (67, v1): the group ids, most used first, ``|``-separated (``"4|1|2"``)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    groups: Annotated[str | None, W(STR, pb=2)] = None


@to_client(In.DISPLAY_GROUP_UPDATED, Version(1), "req_id", "contract_info",
           Proto("DisplayGroupUpdated", _REST_3),
           callback=Callback("displayGroupUpdated", "reqId", "contractInfo"))
@dataclass(slots=True)
class DisplayGroupUpdated(Message):
    """DISPLAY_GROUP_UPDATED (68, v1): the contract the subscribed group shows now."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    contract_info: Annotated[str | None, W(STR, pb=2)] = None


# --- API verification ---------------------------------------------------------------------------

@to_server(Out.VERIFY_REQUEST, Version(1), "api_name", "api_version",
           Proto("VerifyRequest", _REST_3),
           request=Request(replies=(In.VERIFY_MESSAGE_API, In.VERIFY_COMPLETED),
                           end=In.VERIFY_COMPLETED, key=None),
           api=Api("verifyRequest", "apiName", "apiVersion"))
@dataclass(slots=True)
class VerifyRequest(Message):
    """VERIFY_REQUEST (65, v1)."""

    api_name: Annotated[str | None, W(STR, pb=1)] = None
    api_version: Annotated[str | None, W(STR, pb=2)] = None


@to_server(Out.VERIFY_MESSAGE, Version(1), "api_data", Proto("VerifyMessageRequest", _REST_3),
           request=Request(replies=(In.VERIFY_COMPLETED,), end=In.VERIFY_COMPLETED, key=None),
           api=Api("verifyMessage", "apiData"))
@dataclass(slots=True)
class VerifyMessage(Message):
    """VERIFY_MESSAGE (66, v1)."""

    api_data: Annotated[str | None, W(STR, pb=1)] = None


@to_server(Out.VERIFY_AND_AUTH_REQUEST, Version(1), "api_name", "api_version", "opaque_isv_key",
           request=Request(replies=(In.VERIFY_AND_AUTH_MESSAGE_API, In.VERIFY_AND_AUTH_COMPLETED),
                           end=In.VERIFY_AND_AUTH_COMPLETED, key=None),
           api=Api("verifyAndAuthRequest", "apiName", "apiVersion", "opaqueIsvKey"))
@dataclass(slots=True)
class VerifyAndAuthRequest(Message):
    """VERIFY_AND_AUTH_REQUEST (72, v1; text only)."""

    api_name: Annotated[str | None, W(STR)] = None
    api_version: Annotated[str | None, W(STR)] = None
    opaque_isv_key: Annotated[str | None, W(STR)] = None


@to_server(Out.VERIFY_AND_AUTH_MESSAGE, Version(1), "api_data", "xyz_response",
           request=Request(replies=(In.VERIFY_AND_AUTH_COMPLETED,),
                           end=In.VERIFY_AND_AUTH_COMPLETED, key=None),
           api=Api("verifyAndAuthMessage", "apiData", "xyzResponse"))
@dataclass(slots=True)
class VerifyAndAuthMessage(Message):
    """VERIFY_AND_AUTH_MESSAGE (73, v1; text only)."""

    api_data: Annotated[str | None, W(STR)] = None
    xyz_response: Annotated[str | None, W(STR)] = None


def _decode_true(fields: list[str], i: int) -> tuple[bool, int]:
    return fields[i].strip().lower() in ("true", "1"), i + 1


def _encode_true(value: Any, append: Callable[[str], None]) -> None:
    append("true" if value else "false")


@to_client(In.VERIFY_MESSAGE_API, Version(1), "api_data", Proto("VerifyMessageApi", _REST_3),
           callback=Callback("verifyMessageAPI", "apiData"))
@dataclass(slots=True)
class VerifyMessageApi(Message):
    """VERIFY_MESSAGE_API (65, v1)."""

    api_data: Annotated[str | None, W(STR, pb=1)] = None


@to_client(In.VERIFY_COMPLETED, Version(1), Custom("is_successful", _decode_true, _encode_true),
           "error_text", Proto("VerifyCompleted", _REST_3), P(1, "is_successful", Kind.BOOL),
           callback=Callback("verifyCompleted", "isSuccessful", "errorText"))
@dataclass(slots=True)
class VerifyCompleted(Message):
    """VERIFY_COMPLETED (66, v1): whether the verification succeeded, else why not."""

    is_successful: bool | None = False
    error_text: Annotated[str | None, W(STR, pb=2)] = None


@to_client(In.VERIFY_AND_AUTH_MESSAGE_API, Version(1), "api_data", "xyz_challenge",
           callback=Callback("verifyAndAuthMessageAPI", "apiData", "xyzChallange:xyz_challenge"))
@dataclass(slots=True)
class VerifyAndAuthMessageApi(Message):
    """VERIFY_AND_AUTH_MESSAGE_API (69, v1; text only). (The official callback spells its second
    argument ``xyzChallange``.)"""

    api_data: Annotated[str | None, W(STR)] = None
    xyz_challenge: Annotated[str | None, W(STR)] = None


@to_client(In.VERIFY_AND_AUTH_COMPLETED, Version(1),
           Custom("is_successful", _decode_true, _encode_true), "error_text",
           callback=Callback("verifyAndAuthCompleted", "isSuccessful", "errorText"))
@dataclass(slots=True)
class VerifyAndAuthCompleted(Message):
    """VERIFY_AND_AUTH_COMPLETED (70, v1; text only)."""

    is_successful: bool | None = False
    error_text: Annotated[str | None, W(STR)] = None
