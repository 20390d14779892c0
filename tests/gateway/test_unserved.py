"""The answer to a request the gateway does not serve names it, under the request's own id."""

from __future__ import annotations

from ibwire.gateway.unserved import UNSERVED, unserved_error


def test_text_requests_carry_their_id_where_the_official_client_writes_it() -> None:
    assert unserved_error(10, ["10", "5", "42", "0"])[0] == 42  # REQ_MKT_DEPTH: [id, version, reqId]
    assert unserved_error(92, ["92", "42", "DU1", ""])[0] == 42  # REQ_PNL: [id, reqId, ...]
    assert unserved_error(80, ["80"])[0] == -1  # REQ_FAMILY_CODES has no request id


def test_protobuf_requests_carry_their_id_in_field_1() -> None:
    body = bytes([0x08, 42, 0x12, 0x03]) + b"DU1"  # reqId = 42, account = "DU1"
    req_id, code, text = unserved_error(292 - 200, [], body)
    assert (req_id, code) == (42, 321) and "REQ_PNL is not supported" in text
    assert unserved_error(80, [], b"")[0] == -1


def test_a_bad_or_unknown_frame_still_gets_an_answer() -> None:
    assert unserved_error(10, ["10", "5", "not-a-number"])[0] == -1
    req_id, code, text = unserved_error(999, ["999"])
    assert (req_id, code) == (-1, 321) and "message id 999" in text
    assert all(name.isupper() for name, _ in UNSERVED.values())
