"""A frame that does not decode fails the request it answers: where its request id is depends on
the server version (a version field stood in front of it in older layouts)."""

from ibwire.client.core import _bad_req_id_index


def test_request_id_position_follows_the_version_fields():
    assert _bad_req_id_index(10, 157) == 2 and _bad_req_id_index(10, 164) == 1  # CONTRACT_DATA
    assert _bad_req_id_index(11, 135) == 2 and _bad_req_id_index(11, 200) == 1  # EXECUTION_DATA
    assert _bad_req_id_index(17, 123) == 2 and _bad_req_id_index(17, 178) == 1  # HISTORICAL_DATA
    assert _bad_req_id_index(108, 200) == 1  # HISTORICAL_DATA_END
    assert _bad_req_id_index(63, 100) == 2  # ACCOUNT_SUMMARY keeps its version field
