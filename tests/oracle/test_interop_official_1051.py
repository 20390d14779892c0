"""The official client 10.51 (offers v100..226) against the paper gateway, end to end: at 226
(every message as protobuf), at 213 and 207 (the protobuf family gates in between), at 200 (text,
the last version before the binary message ids) and pinned lower: the flow tests/interop walks
with ibapi 9.81. It runs as a subprocess with the oracle's own ``ibapi``
(e2e_app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION, Feature

from .harness import Oracle

APP = Path(__file__).with_name("e2e_app.py")



@pytest.mark.parametrize("version", [MAX_VERSION, 213, 207, 200, 194, 178, 151])
def test_official_1051_trades_against_the_gateway(oracle: Oracle, version: int) -> None:
    """At 226 by default (what the official client gets from ibwire's gateway), and with the
    gateway pinned lower (``max_version``) at versions on both sides of the protobuf, ERR_MSG,
    OPEN_ORDER and HISTORICAL_DATA gates."""
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        _trade(oracle, gateway, version)


def _trade(oracle: Oracle, gateway: PaperGateway, version: int) -> None:
    q = gateway.call(lambda ex: ex.quote(265598))
    limit = round(q.bid * 0.9, 2)
    r = oracle.run_app(APP, gateway.port, limit)
    assert r["timeouts"] == []
    assert r["server_version"] == version
    assert r["accounts"] == "DU1234567"
    notices = [e for e in r["errors"] if e[1] in (2104, 2106, 2158)]
    assert notices and all(e[0] == -1 for e in notices)
    assert all((e[3] > 0) == (version >= Feature.ERROR_TIME) for e in notices)  # errorTime: 194+

    oid = r["oid"]
    assert [oid, "Filled", 100.0] in r["statuses"]
    fill = [e for e in r["execs"] if e[0] == -1]
    assert len(fill) == 1 and fill[0][1:2] == ["AAPL"] and fill[0][3:5] == ["BOT", 100.0]
    assert r["commissions"][0][0] == fill[0][2] and r["commissions"][0][1] == 1.0

    assert ["DU1234567", "AAPL", 100.0] in r["positions"]
    assert float(r["values"]["TotalCashValue/USD"]) < 1_000_000.0
    tags = {row[2] for row in r["summary"] if row[0] == 9}
    assert tags == {"NetLiquidation", "TotalCashValue"}

    assert [oid + 1, "AAPL", "LMT", 10.0] in [o[:4] for o in r["open_orders"]]
    assert [oid + 1, "Cancelled", 0.0] in r["statuses"]
    assert any(e[:2] == [oid + 1, 202] for e in r["errors"])

    assert [e[2] for e in r["execs"] if e[0] == 77] == [fill[0][2]]

    prices = {t: p for rid, t, p in r["ticks"] if rid == 5}
    assert prices[1] == q.bid and prices[2] == q.ask
    assert [d[1] for d in r["details"] if d[0] == 6] == [272093]
    bars = [b for b in r["bars"] if b[0] == 7]
    assert len(bars) == 16 + 7 and all(b[4] <= b[5] <= b[3] for b in bars)
    ends = [e for e in r["bars_end"] if e[0] == 7]
    assert len(ends) == 1 and ends[0][1] and ends[0][2]  # from HISTORICAL_DATA_END (108) at 196+
