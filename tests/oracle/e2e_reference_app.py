"""The official client 10.51 asking the paper gateway for reference data (run with the oracle's
Python path): ``python e2e_reference_app.py PORT`` connects with client id 32, asks for AAPL's
head timestamp (epoch and text forms), a 3-day histogram, market rule 26, and a one-week trading
schedule, then prints one JSON report of what its callbacks saw. Waits are on callbacks with a
timeout, never sleeps; a timeout is reported under "timeouts". Only the official package's public
classes are used; none of its code is copied.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from e2e_base import RecordingApp  # noqa: E402 - a sibling script module
from ibapi.contract import Contract


class App(RecordingApp):
    def __init__(self) -> None:
        RecordingApp.__init__(self)
        self.r: dict[str, Any] = {"errors": [], "heads": [], "histograms": [], "rules": [],
                                  "schedules": [], "timeouts": [], "next_id": None}

    def error(self, reqId: Any, errorTime: Any, errorCode: Any, errorString: Any,  # noqa: N802, N803
              advancedOrderRejectJson: Any = "") -> None:  # noqa: N803
        self.note(lambda r: r["errors"].append([reqId, errorCode, errorString]))

    def headTimestamp(self, reqId: int, headTimestamp: str) -> None:  # noqa: N802, N803
        self.note(lambda r: r["heads"].append([reqId, headTimestamp]))

    def histogramData(self, reqId: int, items: Any) -> None:  # noqa: N802, N803
        rows = [[i.price, str(i.size)] for i in items]
        self.note(lambda r: r["histograms"].append([reqId, rows]))

    def marketRule(self, marketRuleId: int, priceIncrements: Any) -> None:  # noqa: N802, N803
        bands = [[p.lowEdge, p.increment] for p in priceIncrements]
        self.note(lambda r: r["rules"].append([marketRuleId, bands]))

    def historicalSchedule(self, reqId: int, startDateTime: str, endDateTime: str,  # noqa: N802, N803
                           timeZone: str, sessions: Any) -> None:  # noqa: N803
        rows = [[s.startDateTime, s.endDateTime, s.refDate] for s in sessions]
        self.note(lambda r: r["schedules"].append([reqId, startDateTime, endDateTime, timeZone,
                                                   rows]))


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.start(port, 32)

    aapl = Contract()
    aapl.symbol, aapl.secType, aapl.exchange, aapl.currency = "AAPL", "STK", "SMART", "USD"
    app.reqHeadTimeStamp(41, aapl, "TRADES", 1, 2)
    app.reqHeadTimeStamp(42, aapl, "TRADES", 1, 1)
    app.wait(lambda r: len(r["heads"]) == 2, "headTimestamp")
    app.reqHistogramData(43, aapl, True, "3 days")
    app.wait(lambda r: r["histograms"], "histogramData")
    app.reqMarketRule(26)
    app.wait(lambda r: r["rules"], "marketRule")
    app.reqHistoricalData(44, aapl, "", "1 W", "1 day", "SCHEDULE", 1, 1, False, [])
    app.wait(lambda r: r["schedules"] or any(e[0] == 44 for e in r["errors"]),
             "historicalSchedule")
    app.finish()
    print(json.dumps(app.r))


if __name__ == "__main__":
    main()
