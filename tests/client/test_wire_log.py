import logging

import pytest
from fakes import FakeTws

from ibwire import Broker


def test_wire_log_shows_each_frame_with_its_direction(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="ibwire.wire"):
        with FakeTws(next_valid_id=9) as tws, Broker.connect(tws.host, tws.port, client_id=4, timeout=5):
            pass
    lines = [r.getMessage() for r in caplog.records if r.name == "ibwire.wire"]
    assert "> 71|2|4|" in lines  # START_API
    assert "< 9|1|9" in lines  # NEXT_VALID_ID


def test_wire_log_is_off_by_default(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5):
            pass
    assert not [r for r in caplog.records if r.name == "ibwire.wire"]
