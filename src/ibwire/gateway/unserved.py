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

from ..protocol.protobuf import varint_field

__all__ = ["UNSERVED", "unserved_error", "UNSERVED_CODE"]

UNSERVED_CODE = 321

# outgoing message id -> (the official name, text field index of its request id or None)
UNSERVED: dict[int, tuple[str, int | None]] = {
    10: ("REQ_MKT_DEPTH", 2),
    11: ("CANCEL_MKT_DEPTH", 2),
    12: ("REQ_NEWS_BULLETINS", None),
    13: ("CANCEL_NEWS_BULLETINS", None),
    14: ("SET_SERVER_LOGLEVEL", None),
    18: ("REQ_FA", None),
    19: ("REPLACE_FA", 4),
    21: ("EXERCISE_OPTIONS", 2),
    22: ("REQ_SCANNER_SUBSCRIPTION", 1),
    23: ("CANCEL_SCANNER_SUBSCRIPTION", 2),
    24: ("REQ_SCANNER_PARAMETERS", None),
    50: ("REQ_REAL_TIME_BARS", 2),
    51: ("CANCEL_REAL_TIME_BARS", 2),
    54: ("REQ_CALC_IMPLIED_VOLAT", 2),
    55: ("REQ_CALC_OPTION_PRICE", 2),
    56: ("CANCEL_CALC_IMPLIED_VOLAT", 2),
    57: ("CANCEL_CALC_OPTION_PRICE", 2),
    65: ("VERIFY_REQUEST", None),
    66: ("VERIFY_MESSAGE", None),
    67: ("QUERY_DISPLAY_GROUPS", 2),
    68: ("SUBSCRIBE_TO_GROUP_EVENTS", 2),
    69: ("UPDATE_DISPLAY_GROUP", 2),
    70: ("UNSUBSCRIBE_FROM_GROUP_EVENTS", 2),
    72: ("VERIFY_AND_AUTH_REQUEST", None),
    73: ("VERIFY_AND_AUTH_MESSAGE", None),
    78: ("REQ_SEC_DEF_OPT_PARAMS", 1),
    79: ("REQ_SOFT_DOLLAR_TIERS", 1),
    80: ("REQ_FAMILY_CODES", None),
    81: ("REQ_MATCHING_SYMBOLS", 1),
    82: ("REQ_MKT_DEPTH_EXCHANGES", None),
    83: ("REQ_SMART_COMPONENTS", 1),
    84: ("REQ_NEWS_ARTICLE", 1),
    85: ("REQ_NEWS_PROVIDERS", None),
    86: ("REQ_HISTORICAL_NEWS", 1),
    87: ("REQ_HEAD_TIMESTAMP", 1),
    88: ("REQ_HISTOGRAM_DATA", 1),
    89: ("CANCEL_HISTOGRAM_DATA", 1),
    90: ("CANCEL_HEAD_TIMESTAMP", 1),
    91: ("REQ_MARKET_RULE", None),
    92: ("REQ_PNL", 1),
    93: ("CANCEL_PNL", 1),
    94: ("REQ_PNL_SINGLE", 1),
    95: ("CANCEL_PNL_SINGLE", 1),
    96: ("REQ_HISTORICAL_TICKS", 1),
    97: ("REQ_TICK_BY_TICK_DATA", 1),
    98: ("CANCEL_TICK_BY_TICK_DATA", 1),
    100: ("REQ_WSH_META_DATA", 1),
    101: ("CANCEL_WSH_META_DATA", 1),
    102: ("REQ_WSH_EVENT_DATA", 1),
    103: ("CANCEL_WSH_EVENT_DATA", 1),
    104: ("REQ_USER_INFO", 1),
    105: ("REQ_CURRENT_TIME_IN_MILLIS", None),
    106: ("CANCEL_CONTRACT_DATA", None),
    107: ("CANCEL_HISTORICAL_TICKS", None),
    108: ("REQ_CONFIG", None),
    109: ("UPDATE_CONFIG", None),
}


def _text(name: str) -> str:
    return (f"Error validating request.-'{name}' : cause - {name} is not supported by the paper "
            "gateway")


def unserved_error(msg_id: int, fields: list[str],
                   body: bytes | None = None) -> tuple[int, int, str]:
    """``(request id, code, text)`` of the error answering an unserved request: the request's id
    when its frame carries one (-1 otherwise), code 321, a text naming the request. ``body`` is
    a protobuf body (from 201), where every one of these requests has its id in field 1."""
    name, index = UNSERVED.get(msg_id, (f"message id {msg_id}", None))
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
    return req_id, UNSERVED_CODE, _text(name)


def unserved_message_error(name: str, req_id: int | None) -> tuple[int, int, str]:
    """The same answer for a request ibwire declares but the gateway has no handler for."""
    return (req_id if req_id is not None else -1), UNSERVED_CODE, _text(name)
