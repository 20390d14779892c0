"""The official client 10.51 scanning and reading news on the paper gateway (run with the
oracle's Python path): ``python e2e_scanner_news_app.py PORT`` connects with client id 32 and
asks for the scanner parameters, a TOP_PERC_GAIN scan on STK.US.MAJOR (then a snapshot quote of
its first five rows), the news providers, a page of historical news for AAPL and the first
headline's article; it prints one JSON report of what its callbacks saw. Waits are on callbacks
with a timeout, never sleeps. Only the official package's public classes are used.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract
from ibapi.scanner import ScannerSubscription
from ibapi.tag_value import TagValue


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "xml": None, "rows": [], "rows_end": [],
                                  "ticks": [], "snapshot_end": [], "providers": None,
                                  "news": [], "news_end": [], "article": None, "timeouts": [],
                                  "next_id": None}

    def scannerParameters(self, xml: str) -> None:  # noqa: N802
        self.note(lambda r: r.__setitem__("xml", xml))

    def scannerData(self, reqId, rank, contractDetails, distance, benchmark, projection,  # noqa: N802, N803
                    legsStr) -> None:  # noqa: N803
        c = contractDetails.contract
        self.note(lambda r: r["rows"].append([reqId, rank, c.conId, c.symbol, c.secType,
                                              c.exchange, c.currency, contractDetails.marketName]))

    def scannerDataEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["rows_end"].append(reqId))

    def tickPrice(self, reqId, tickType, price, attrib) -> None:  # noqa: N802, N803
        self.note(lambda r: r["ticks"].append([reqId, tickType, price]))

    def tickSnapshotEnd(self, reqId) -> None:  # noqa: N802, N803
        self.note(lambda r: r["snapshot_end"].append(reqId))

    def newsProviders(self, newsProviders) -> None:  # noqa: N802, N803
        self.note(lambda r: r.__setitem__("providers", [[p.code, p.name] for p in newsProviders]))

    def historicalNews(self, requestId, time, providerCode, articleId, headline) -> None:  # noqa: N802, N803
        self.note(lambda r: r["news"].append([requestId, time, providerCode, articleId, headline]))

    def historicalNewsEnd(self, requestId, hasMore) -> None:  # noqa: N802, N803
        self.note(lambda r: r["news_end"].append([requestId, hasMore]))

    def newsArticle(self, requestId, articleType, articleText) -> None:  # noqa: N802, N803
        self.note(lambda r: r.__setitem__("article", [requestId, articleType, articleText]))


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 32)
    r = app.r

    app.reqScannerParameters()
    app.wait(lambda r: r["xml"] is not None, "scannerParameters")

    sub = ScannerSubscription()
    sub.instrument, sub.locationCode, sub.scanCode, sub.numberOfRows = (
        "STK", "STK.US.MAJOR", "TOP_PERC_GAIN", 10)
    app.reqScannerSubscription(41, sub, [], [TagValue("priceAbove", "1")])
    app.wait(lambda r: 41 in r["rows_end"], "scannerDataEnd")
    app.cancelScannerSubscription(41)
    for i, row in enumerate([row for row in r["rows"] if row[0] == 41][:5]):
        c = Contract()
        c.conId, c.exchange = row[2], "SMART"
        app.reqMktData(50 + i, c, "", True, False, [])
        app.wait(lambda r, rid=50 + i: rid in r["snapshot_end"], f"snapshot {row[3]}")

    app.reqNewsProviders()
    app.wait(lambda r: r["providers"] is not None, "newsProviders")
    app.reqHistoricalNews(42, 265598, "BRFG+BRFUPDN+DJNL", "", "", 5, [])
    app.wait(lambda r: any(e[0] == 42 for e in r["news_end"]), "historicalNewsEnd")
    first = next((n for n in r["news"] if n[0] == 42), None)
    if first is not None:
        app.reqNewsArticle(43, first[2], first[3], [])
        app.wait(lambda r: r["article"] is not None, "newsArticle")

    app.finish()
    print(json.dumps(r, default=str))


if __name__ == "__main__":
    main()
