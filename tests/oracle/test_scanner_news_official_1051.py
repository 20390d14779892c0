"""The official client 10.51 against the paper gateway's scanners and news (issue 15), at 226
(protobuf), around the news (209) and scanner (210) protobuf gates, at 200 (text) and 178: the
scanner parameters parse as XML, a TOP_PERC_GAIN scan on STK.US.MAJOR is ranked by the percent
changes its own snapshot quotes show, the news providers, a page of historical news and one
article. It runs as a subprocess with the oracle's own ``ibapi`` (e2e_scanner_news_app.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle

APP = Path(__file__).with_name("e2e_scanner_news_app.py")



@pytest.mark.parametrize("version", [MAX_VERSION, 210, 209, 200, 178])
def test_official_1051_scans_and_reads_news(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        r = oracle.run_app(APP, gateway.port)
    assert r["timeouts"] == [] and r["server_version"] == version, r["timeouts"]
    assert not [e for e in r["errors"] if e[0] != -1], r["errors"]

    root = ET.fromstring(r["xml"])
    codes = {e.text for e in root.iter("scanCode")}
    assert {"TOP_PERC_GAIN", "MOST_ACTIVE"} <= codes
    assert "STK.US.MAJOR" in {e.text for e in root.iter("locationCode")}

    rows = [row for row in r["rows"] if row[0] == 41]
    assert [row[1] for row in rows] == list(range(10))
    assert all(row[4] == "STK" and row[6] == "USD" for row in rows)
    changes = []
    for i in range(5):
        prices = {t: p for rid, t, p in r["ticks"] if rid == 50 + i}
        changes.append((prices[4] - prices[9]) / prices[9])  # LAST vs CLOSE
    assert changes == sorted(changes, reverse=True) and changes[-1] > 0

    assert {p[0] for p in r["providers"]} == {"BRFG", "BRFUPDN", "DJNL"}
    news = [n for n in r["news"] if n[0] == 42]
    assert len(news) == 5 and [n[1] for n in news] == sorted((n[1] for n in news), reverse=True)
    assert r["news_end"] == [[42, True]]
    req_id, article_type, text = r["article"]
    assert req_id == 43 and article_type == 0 and news[0][4] in text.replace("&amp;", "&")
