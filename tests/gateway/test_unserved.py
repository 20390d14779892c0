"""The answer to a message id the gateway does not know names it; nothing is ignored."""

from __future__ import annotations

from ibwire.gateway.unserved import unserved_error, unserved_message_error
from ibwire.protocol.ids import Out
from ibwire.protocol.schema import TO_SERVER


def test_every_request_of_the_official_client_is_declared() -> None:
    assert {int(o) for o in Out} <= set(TO_SERVER)  # so each one reaches the gateway decoded


def test_an_unknown_id_still_gets_an_answer() -> None:
    req_id, code, text = unserved_error(999, ["999"])
    assert (req_id, code) == (-1, 321) and "message id 999" in text


def test_a_declared_request_without_a_handler_is_answered_under_its_own_id() -> None:
    req_id, code, text = unserved_message_error(int(Out.REQ_PNL), 42)
    assert (req_id, code) == (42, 321) and "REQ_PNL is not supported" in text
    assert unserved_message_error(int(Out.REQ_FAMILY_CODES), None)[0] == -1
