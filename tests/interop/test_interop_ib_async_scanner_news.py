"""ib_async 2.1.0 (server version 178) scans and reads news from the paper gateway (issue 15)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest

ib_async = pytest.importorskip("ib_async")

from ib_async import IB, ScannerSubscription, Stock, TagValue  # noqa: E402

from .test_interop_ib_async import _no_timeouts, ib_log, run_in_thread, until  # noqa: E402, F401


def test_ib_async_scans_and_reads_news(gateway, ib_log):  # noqa: F811 - the fixture
    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=15, timeout=10)
        try:
            xml = await ib.reqScannerParametersAsync()
            sub = ScannerSubscription(numberOfRows=10, instrument="STK",
                                      locationCode="STK.US.MAJOR", scanCode="TOP_PERC_GAIN")
            rows = await ib.reqScannerDataAsync(sub, [], [TagValue("priceAbove", "1")])
            scanned = [(d.rank, d.contractDetails.contract.conId,
                        d.contractDetails.contract.symbol) for d in rows]
            changes = []
            for _, con_id, symbol in scanned[:5]:
                t = ib.reqMktData(Stock(conId=con_id, exchange="SMART"), "", False, False)
                await until(ib, lambda t=t: t.last == t.last and t.close == t.close
                            and t.close > 0, f"the quote of {symbol}")
                changes.append((t.last - t.close) / t.close)
                ib.cancelMktData(t.contract)
            providers = await ib.reqNewsProvidersAsync()
            news = await ib.reqHistoricalNewsAsync(265598, "BRFG+BRFUPDN+DJNL", "", "", 5)
            headlines = [(n.time, n.providerCode, n.articleId, n.headline) for n in news]
            article = await ib.reqNewsArticleAsync(headlines[0][1], headlines[0][2])
            return {"xml": xml, "scanned": scanned, "changes": changes,
                    "providers": [(p.code, p.name) for p in providers],
                    "headlines": headlines, "article": (article.articleType, article.articleText)}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert ET.fromstring(out["xml"]).tag == "ScanParameterResponse"
    assert [r[0] for r in out["scanned"]] == list(range(10))
    assert out["changes"] == sorted(out["changes"], reverse=True) and out["changes"][-1] > 0
    assert {c for c, _ in out["providers"]} == {"BRFG", "BRFUPDN", "DJNL"}
    assert len(out["headlines"]) == 5
    times = [h[0] for h in out["headlines"]]
    assert times == sorted(times, reverse=True)
    assert out["article"][0] == 0 and "AAPL" in out["article"][1]
    _no_timeouts(ib_log)
    assert not [r for r in ib_log if r.levelno >= logging.ERROR], \
        [r.getMessage() for r in ib_log if r.levelno >= logging.ERROR]

