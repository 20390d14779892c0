"""Financial Advisor configuration: REQ_FA / RECEIVE_FA, REPLACE_FA / REPLACE_FA_END.

``faDataType`` is 1 (groups) or 3 (account aliases); 2 (profiles) was withdrawn at
FA_PROFILE_DESUPPORT (177): from there the official client refuses to send a text REQ_FA or
REPLACE_FA for type 2 (error, nothing sent), and so does ibwire -- but not in protobuf (from
PROTOBUF_REST_MESSAGES_1, 211), where the official client sends it as given. REPLACE_FA carries the
request id (last) from REPLACE_FA_END (157), and REPLACE_FA_END (103) answers it from there.

TWS answers both requests of an account that is not a Financial Advisor account with ERR_MSG 321
"Error validating request.-'..' : cause - FA data operations ignored for non FA customers."
(REQ_FA: id -1; REPLACE_FA: its request id; captured from IB Gateway at server version 200).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from ...errors import LocalProtocolError
from ..codec import UNSET_INT, Kind
from ..elements import Custom, Proto, W
from ..ids import In, Out
from ..schema import Api, Callback, Message, Request, Version, to_client, to_server
from ..versions import Feature

__all__ = ["ReqFA", "ReplaceFA", "ReceiveFA", "ReplaceFAEnd", "FA_GROUPS", "FA_PROFILES",
           "FA_ALIASES"]

INT, STR = Kind.INT, Kind.STR

FA_GROUPS, FA_PROFILES, FA_ALIASES = 1, 2, 3
"""The ``faDataType`` values."""

_INT_UNSET = str(UNSET_INT)
_PB = Feature.PROTOBUF_REST_MESSAGES_1


def _no_profiles(name: str) -> Custom:
    """From 177 the text request refuses faDataType 2 (profiles); it reads and writes nothing."""

    def check(value: object, append: Callable[[str], None]) -> None:
        if value == FA_PROFILES:
            raise LocalProtocolError(f"{name}: FA profiles (faDataType 2) are not supported from "
                                     f"server version {int(Feature.FA_PROFILE_DESUPPORT)}")

    def nothing(fields: list[str], i: int) -> tuple[None, int]:
        return None, i

    return Custom("fa_data_type", nothing, check, since=Feature.FA_PROFILE_DESUPPORT)


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_FA, _no_profiles("REQ_FA"), Version(1), "fa_data_type", Proto("FARequest", _PB),
           request=Request(replies=(In.RECEIVE_FA,), key=None),
           api=Api("requestFA", "faData:fa_data_type"))
@dataclass(slots=True)
class ReqFA(Message):
    """REQ_FA (18, v1): the FA configuration of type ``fa_data_type`` as RECEIVE_FA (an FA
    account), or ERR_MSG 321 (any other account)."""

    fa_data_type: Annotated[int | None, W(INT, pb=1)] = None


@to_server(Out.REPLACE_FA, _no_profiles("REPLACE_FA"), Version(1), "fa_data_type", "xml", "req_id",
           Proto("FAReplace", _PB), request=Request(replies=(In.REPLACE_FA_END,)),
           api=Api("replaceFA", "reqId", "faData:fa_data_type", "cxml:xml"))
@dataclass(slots=True)
class ReplaceFA(Message):
    """REPLACE_FA (19, v1): replace the FA configuration of type ``fa_data_type`` with ``xml``;
    REPLACE_FA_END answers (an FA account, from 157), ERR_MSG 321 otherwise."""

    req_id: Annotated[int | None, W(INT, pb=1, since=Feature.REPLACE_FA_END)] = None
    fa_data_type: Annotated[int | None, W(INT, pb=2)] = None
    xml: Annotated[str | None, W(STR, pb=3)] = None


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.RECEIVE_FA, Version(1), "fa_data_type", "xml", Proto("ReceiveFA", _PB),
           callback=Callback("receiveFA", "faData:fa_data_type", "cxml:xml"))
@dataclass(slots=True)
class ReceiveFA(Message):
    """RECEIVE_FA (16, v1): the FA configuration XML of one type."""

    fa_data_type: Annotated[int | None, W(INT, pb=1)] = None
    xml: Annotated[str | None, W(STR, pb=2)] = None


@to_client(In.REPLACE_FA_END, "req_id", "text", Proto("ReplaceFAEnd", _PB),
           callback=Callback("replaceFAEnd", "reqId", "text"))
@dataclass(slots=True)
class ReplaceFAEnd(Message):
    """REPLACE_FA_END (103, no version; from 157): the REPLACE_FA ``req_id`` is done."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    text: Annotated[str | None, W(STR, pb=2)] = None
