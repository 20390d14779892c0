"""No silent request: the answer to a request the paper gateway does not serve (yet).

TWS answers every request: with data, an end marker or an error. A client waiting for an answer
that never comes hangs until its own timeout (forever with ib_async's default), so the gateway
answers a request it has no handler for with ERR_MSG 321 naming the request, under the request's
own id when it has one, so the client's waiting call fails at once.

Every message id of the official client 10.51 is declared, so a declared request without a
handler arrives decoded, with its request id (:func:`unserved_message_error`); only an id ibwire
does not know at all is answered without one (:func:`unserved_error`).
"""

from __future__ import annotations

from ..protocol.ids import Out

__all__ = ["unserved_error", "unserved_message_error", "UNSERVED_CODE"]

UNSERVED_CODE = 321

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
    """``(request id, code, text)`` of the error answering a message id ibwire does not know
    (every id of the official client 10.51 is declared; a newer one is not): -1 (where its request
    id is cannot be known), code 321, a text naming it."""
    return -1, UNSERVED_CODE, _text(msg_id)


def unserved_message_error(msg_id: int, req_id: int | None) -> tuple[int, int, str]:
    """The same answer for a request ibwire declares but the gateway has no handler for."""
    return (req_id if req_id is not None else -1), UNSERVED_CODE, _text(msg_id)
