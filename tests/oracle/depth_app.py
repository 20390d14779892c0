"""An ibapi-style program that streams order books (run with the oracle's Python path for the
official client 10.51, or with its imports changed to ``ibwire.compat`` to show it ports).

``python depth_app.py PORT ROWS`` connects with client id 41, asks for a SMART book of AAPL and a
book of the ES future, ``ROWS`` rows a side, keeps them from updateMktDepthL2 / updateMktDepth
(insert moves the rows below down, delete moves them up, error 317 empties the book), asks for the
depth exchanges and SMART's components, cancels, and prints one JSON report. Waits are on
callbacks with a timeout, never sleeps. Only the official package's public names are used.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.wrapper import EWrapper

WAIT_S = 15.0


class App(EWrapper, EClient):  # type: ignore[misc]
    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.cond = threading.Condition()
        self.books: dict[int, dict[int, list[list[Any]]]] = {}
        self.smart_flags: set[bool] = set()
        self.r: dict[str, Any] = {"errors": [], "timeouts": [], "next_id": None,
                                  "exchanges": None, "components": None, "misfits": 0}

    def wait(self, pred: Any, what: str) -> bool:
        with self.cond:
            if self.cond.wait_for(pred, WAIT_S):
                return True
        self.r["timeouts"].append(what)
        return False

    def _row(self, req_id: int, position: int, operation: int, side: int, price: float,
             size: Any, maker: str) -> None:
        with self.cond:
            rows = self.books.setdefault(req_id, {0: [], 1: []})[side]
            row = [price, float(size), maker]
            if operation == 0 and position <= len(rows):
                rows.insert(position, row)
            elif operation == 1 and position < len(rows):
                rows[position] = row
            elif operation == 2 and position < len(rows):
                rows.pop(position)
            else:
                self.r["misfits"] += 1
            self.cond.notify_all()

    def nextValidId(self, orderId: int) -> None:  # noqa: N802 - the official names
        with self.cond:
            self.r["next_id"] = orderId
            self.cond.notify_all()

    def error(self, reqId: Any, errorTime: int, errorCode: int, errorString: str,  # noqa: N803
              advancedOrderRejectJson: str = "") -> None:  # noqa: N803 - 10.51's signature
        code = errorCode
        with self.cond:
            self.r["errors"].append([reqId, code])
            if code == 317 and reqId in self.books:
                self.books[reqId] = {0: [], 1: []}
            self.cond.notify_all()

    def updateMktDepth(self, reqId: int, position: int, operation: int, side: int,  # noqa: N802, N803
                       price: float, size: Any) -> None:
        self._row(reqId, position, operation, side, price, size, "")

    def updateMktDepthL2(self, reqId: int, position: int, marketMaker: str,  # noqa: N802, N803
                         operation: int, side: int, price: float, size: Any,
                         isSmartDepth: bool) -> None:  # noqa: N803
        with self.cond:
            self.smart_flags.add(isSmartDepth)
        self._row(reqId, position, operation, side, price, size, marketMaker)

    def mktDepthExchanges(self, depthMktDataDescriptions: Any) -> None:  # noqa: N802, N803
        with self.cond:
            self.r["exchanges"] = [[d.exchange, d.secType, d.serviceDataType]
                                   for d in depthMktDataDescriptions]
            self.cond.notify_all()

    def smartComponents(self, reqId: int, smartComponentMap: Any) -> None:  # noqa: N802, N803
        # a list of SmartComponent from text, {bitNumber: (exchange, letter)} from protobuf
        items = smartComponentMap.items() if isinstance(smartComponentMap, dict) else \
            [(c.bitNumber, (c.exchange, c.exchangeLetter)) for c in smartComponentMap]
        with self.cond:
            self.r["components"] = sorted([int(b), e, x] for b, (e, x) in items)
            self.cond.notify_all()


def main() -> None:
    port, rows = int(sys.argv[1]), int(sys.argv[2])
    app = App()
    app.connect("127.0.0.1", port, 41)
    runner = threading.Thread(target=app.run, daemon=True)
    runner.start()
    app.wait(lambda: app.r["next_id"] is not None, "nextValidId")
    app.r["server_version"] = app.serverVersion()

    aapl = Contract()
    aapl.symbol, aapl.secType, aapl.exchange, aapl.currency = "AAPL", "STK", "SMART", "USD"
    es = Contract()
    es.symbol, es.secType, es.exchange, es.currency = "ES", "FUT", "CME", "USD"
    es.lastTradeDateOrContractMonth = "202612"
    app.reqMktDepth(1, aapl, rows, True, [])
    app.reqMktDepth(2, es, rows, False, [])

    def full(req_id: int) -> bool:
        book = app.books.get(req_id)
        return book is not None and len(book[0]) >= rows and len(book[1]) >= rows

    app.wait(lambda: full(1) and full(2), "two full books")
    app.reqMktDepthExchanges()
    app.wait(lambda: app.r["exchanges"] is not None, "mktDepthExchanges")
    app.reqSmartComponents(3, "9c0001")
    app.wait(lambda: app.r["components"] is not None, "smartComponents")
    app.cancelMktDepth(1, True)
    app.cancelMktDepth(2, False)
    app.cancelMktDepth(2, False)  # a second cancel: 310
    app.wait(lambda: [2, 310] in app.r["errors"], "error 310")
    with app.cond:
        app.r["books"] = {str(k): {"bids": v[1], "asks": v[0]} for k, v in app.books.items()}
        app.r["smart_flags"] = sorted(app.smart_flags)
    app.disconnect()
    runner.join(WAIT_S)
    print(json.dumps(app.r))


if __name__ == "__main__":
    main()
