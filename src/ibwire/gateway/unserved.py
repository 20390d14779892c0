"""No silent request: the answer to a request the paper gateway does not serve (yet).

TWS answers every request: with data, an end marker or an error. A client waiting for an answer
that never comes hangs until its own timeout (forever with ib_async's default), so the gateway
answers a request it has no handler for with ERR_MSG 321 naming the request, under the request's
own id when it has one, so the client's waiting call fails at once.

The request id's text field index (the message id is field 0) is a protocol fact read from the
official client 10.51's encoder at server version 178; it only matters until the message has a
declaration of its own (declared messages carry their request id and reach the gateway decoded).
As each domain gets real handlers (depth, options, scanners, news...) its rows stop being used.
"""

from __future__ import annotations

from ..protocol.ids import Out
from ..protocol.protobuf import varint_field

__all__ = ["UNSERVED", "unserved_error", "UNSERVED_CODE"]

UNSERVED_CODE = 321

# outgoing message id -> text field index of its request id, or None
_REQ_ID_INDEX: dict[Out, int | None] = {
    Out.REQ_MKT_DEPTH: 2,
    Out.CANCEL_MKT_DEPTH: 2,
    Out.REQ_NEWS_BULLETINS: None,
    Out.CANCEL_NEWS_BULLETINS: None,
    Out.SET_SERVER_LOGLEVEL: None,
    Out.REQ_FA: None,
    Out.REPLACE_FA: 4,
    Out.REQ_SCANNER_SUBSCRIPTION: 1,
    Out.CANCEL_SCANNER_SUBSCRIPTION: 2,
    Out.REQ_SCANNER_PARAMETERS: None,
    Out.REQ_REAL_TIME_BARS: 2,
    Out.CANCEL_REAL_TIME_BARS: 2,
    Out.VERIFY_REQUEST: None,
    Out.VERIFY_MESSAGE: None,
    Out.QUERY_DISPLAY_GROUPS: 2,
    Out.SUBSCRIBE_TO_GROUP_EVENTS: 2,
    Out.UPDATE_DISPLAY_GROUP: 2,
    Out.UNSUBSCRIBE_FROM_GROUP_EVENTS: 2,
    Out.VERIFY_AND_AUTH_REQUEST: None,
    Out.VERIFY_AND_AUTH_MESSAGE: None,
    Out.REQ_SOFT_DOLLAR_TIERS: 1,
    Out.REQ_FAMILY_CODES: None,
    Out.REQ_MATCHING_SYMBOLS: 1,
    Out.REQ_MKT_DEPTH_EXCHANGES: None,
    Out.REQ_SMART_COMPONENTS: 1,
    Out.REQ_NEWS_ARTICLE: 1,
    Out.REQ_NEWS_PROVIDERS: None,
    Out.REQ_HISTORICAL_NEWS: 1,
    Out.REQ_HEAD_TIMESTAMP: 1,
    Out.REQ_HISTOGRAM_DATA: 1,
    Out.CANCEL_HISTOGRAM_DATA: 1,
    Out.CANCEL_HEAD_TIMESTAMP: 1,
    Out.REQ_MARKET_RULE: None,
    Out.REQ_PNL: 1,
    Out.CANCEL_PNL: 1,
    Out.REQ_PNL_SINGLE: 1,
    Out.CANCEL_PNL_SINGLE: 1,
    Out.REQ_HISTORICAL_TICKS: 1,
    Out.REQ_TICK_BY_TICK_DATA: 1,
    Out.CANCEL_TICK_BY_TICK_DATA: 1,
    Out.REQ_WSH_META_DATA: 1,
    Out.CANCEL_WSH_META_DATA: 1,
    Out.REQ_WSH_EVENT_DATA: 1,
    Out.CANCEL_WSH_EVENT_DATA: 1,
    Out.REQ_USER_INFO: 1,
    Out.REQ_CURRENT_TIME_IN_MILLIS: None,
    Out.CANCEL_CONTRACT_DATA: None,
    Out.CANCEL_HISTORICAL_TICKS: None,
    Out.REQ_CONFIG: None,
    Out.UPDATE_CONFIG: None,
}

# outgoing message id -> (the official name, text field index of its request id or None)
UNSERVED: dict[int, tuple[str, int | None]] = {
    msg_id: (msg_id.name, index) for msg_id, index in _REQ_ID_INDEX.items()}


def _out(msg_id: int) -> Out | None:
    return Out(msg_id) if msg_id in Out._value2member_map_ else None


def _text(msg_id: int) -> str:
    """The error text naming outgoing message ``msg_id`` by its official name."""
    out = _out(msg_id)
    name = out.name if out is not None else f"message id {msg_id}"
    return (f"Error validating request.-'{name}' : cause - {name} is not supported by the paper "
            "gateway")


def unserved_error(msg_id: int, fields: list[str],
                   body: bytes | None = None) -> tuple[int, int, str]:
    """``(request id, code, text)`` of the error answering an unserved request: the request's id
    when its frame carries one (-1 otherwise), code 321, a text naming the request. ``body`` is
    a protobuf body (from 201), where every one of these requests has its id in field 1."""
    out = _out(msg_id)
    index = _REQ_ID_INDEX.get(out) if out is not None else None
    req_id = -1
    if body is not None:
        if index is not None:
            found = varint_field(body, 1)
            req_id = found if found is not None else -1
    elif index is not None and index < len(fields):
        try:
            req_id = int(fields[index])
        except ValueError:
            req_id = -1
    return req_id, UNSERVED_CODE, _text(msg_id)


def unserved_message_error(msg_id: int, req_id: int | None) -> tuple[int, int, str]:
    """The same answer for a request ibwire declares but the gateway has no handler for."""
    return (req_id if req_id is not None else -1), UNSERVED_CODE, _text(msg_id)
