"""The official client 10.51 asks the paper gateway the discovery questions, end to end (a
subprocess with the oracle's own ``ibapi``, e2e_discovery_app.py): matching symbols for "AAP"
include AAPL, family codes, user info, the current time in milliseconds at 226 (and at 200, in
text), display groups, and WSH refused as for an account without the subscription."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle

APP = Path(__file__).with_name("e2e_discovery_app.py")



@pytest.mark.parametrize("version", [MAX_VERSION, 213, 200, 178])
def test_official_1051_discovers_through_the_gateway(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        r = oracle.run_app(APP, gateway.port)
        now = gateway.call(lambda ex: ex.now())
    assert r["timeouts"] == [] and r["server_version"] == version
    aapl = [row for row in r["symbols"] if row[2] == "AAPL"]
    assert aapl == [[1, 265598, "AAPL", "STK", "NASDAQ", "USD", ["OPT"]]]
    assert r["family_codes"] == [["DU1234567", "F1234567"]]
    assert r["seconds"] == int(now.timestamp())
    assert r["groups"] == [3, "1|2|3|4|5|6|7"] and r["group_updated"] == [4, "none"]
    assert [5, 10276, "News feed is not allowed"] in r["errors"]
    assert r["user_info"] == [2, ""]
    assert r["bonds"] == [[6, 900000101, "459200HU8", 3.45, "20260219", "20160219", False,
                           "IBM 3.45 02/19/26"]] and r["bonds_end"] == 6
    if version >= 197:
        assert r["millis"] == int(now.timestamp() * 1000)
    else:
        assert r["millis"] is None  # 10.51 refuses reqCurrentTimeInMillis below 197
