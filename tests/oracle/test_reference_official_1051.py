"""The official client 10.51 asks the paper gateway for reference data (e2e_reference_app.py, in
a subprocess with the oracle's own ``ibapi``): a head timestamp, a histogram, a market rule and a
trading schedule, at 226 (protobuf), 200 (text) and 178 (ib_async's version); below 165 the
official client refuses the schedule itself."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle

APP = Path(__file__).with_name("e2e_reference_app.py")
AAPL = 265598



@pytest.mark.parametrize("version", [MAX_VERSION, 200, 178, 151])
def test_official_1051_gets_reference_data(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        r = oracle.run_app(APP, gateway.port)

        def market(ex: Any) -> tuple[int, Decimal, list[Any]]:
            head = ex.market.history_start(AAPL)
            head = ex.market.calendar(AAPL).next_session(head, liquid=True).open
            days = ex.bars(AAPL, None, "3 D", "1 day", "TRADES", True)
            week = ex.bars(AAPL, None, "1 W", "1 day", "TRADES", True)
            return head, sum((b.volume for b in days), Decimal(0)), week

        head, volume, week = gateway.call(market)
    assert r["server_version"] == version
    assert r["timeouts"] == []
    heads = dict(r["heads"])
    assert int(heads[41]) == head
    assert heads[42] == datetime.fromtimestamp(head, UTC).strftime("%Y%m%d-%H:%M:%S")
    [(rid, rows)] = r["histograms"]
    assert rid == 43 and sum(Decimal(size) for _p, size in rows) == volume
    assert [p for p, _s in rows] == sorted(p for p, _s in rows)
    assert r["rules"] == [[26, [[0.0, 0.01]]]]
    if version >= 165:
        [(rid, start, end, zone, sessions)] = r["schedules"]
        assert (rid, zone) == (44, "US/Eastern")
        assert [s[2] for s in sessions] == [b.time.strftime("%Y%m%d") for b in week]
        assert start == sessions[0][0] and end == sessions[-1][1]
    else:  # 10.51 refuses to send it (its own error, not the gateway's)
        assert r["schedules"] == []
        assert any(e[0] == 44 and "historical schedule" in e[2] for e in r["errors"]), r["errors"]
    assert not [e for e in r["errors"] if e[0] in (41, 42, 43)]
