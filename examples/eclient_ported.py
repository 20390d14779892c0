"""An official-ibapi program ported to ibwire: only the imports changed (``ibapi.`` ->
``ibwire.compat.``). It asks for the time, the positions and an account summary, places one
small market order and prints every callback, then disconnects.

    python examples/eclient_ported.py [HOST] [PORT]
"""

from __future__ import annotations

import threading

from _connect import address, client_id

from ibwire.compat.client import EClient
from ibwire.compat.contract import Contract
from ibwire.compat.execution import ExecutionFilter
from ibwire.compat.order import Order
from ibwire.compat.wrapper import EWrapper


class App(EWrapper, EClient):
    def __init__(self) -> None:
        EClient.__init__(self, self)
        self.done = threading.Event()
        self.order_id = 0

    # --- the ibapi callbacks, unchanged -----------------------------------------------------------

    def nextValidId(self, orderId: int) -> None:
        self.order_id = orderId
        self.reqCurrentTime()

    def currentTime(self, time: int) -> None:
        print("currentTime", time)
        self.reqPositions()

    def position(self, account: str, contract: Contract, position, avgCost: float) -> None:
        print("position", account, contract.symbol, position, avgCost)

    def positionEnd(self) -> None:
        self.cancelPositions()
        self.reqAccountSummary(9001, "All", "NetLiquidation,TotalCashValue")

    def accountSummary(self, reqId: int, account: str, tag: str, value: str, currency: str) -> None:
        print("accountSummary", account, tag, value, currency)

    def accountSummaryEnd(self, reqId: int) -> None:
        self.cancelAccountSummary(reqId)
        contract = Contract()
        contract.symbol, contract.secType, contract.exchange, contract.currency = "AAPL", "STK", "SMART", "USD"
        order = Order()
        order.action, order.orderType, order.totalQuantity = "BUY", "MKT", 1
        self.placeOrder(self.order_id, contract, order)

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) -> None:
        print("orderStatus", orderId, status, filled, avgFillPrice)
        if status == "Filled":
            self.reqExecutions(9002, ExecutionFilter())

    def execDetails(self, reqId: int, contract: Contract, execution) -> None:
        print("execDetails", contract.symbol, execution.side, execution.shares, execution.price)

    def execDetailsEnd(self, reqId: int) -> None:
        self.done.set()

    def error(self, reqId, errorCode, errorString, advancedOrderRejectJson="") -> None:
        print("error", reqId, errorCode, errorString)
        if errorCode in (502, 504) or (reqId == self.order_id and errorCode == 201):
            self.done.set()


def main() -> int:
    host, port = address()
    app = App()
    app.connect(host, port, clientId=client_id(16))
    if not app.isConnected():
        return 1
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    finished = app.done.wait(60)
    app.disconnect()
    thread.join(5)
    return 0 if finished else 1


if __name__ == "__main__":
    raise SystemExit(main())
