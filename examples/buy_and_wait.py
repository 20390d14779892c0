"""Buy at market, wait for the fill, print the execution and its commission.

    python examples/buy_and_wait.py [HOST] [PORT]        (env IBWIRE_SYMBOL, IBWIRE_QUANTITY)

A plain order: no bracket, no stop. Use a paper account.
"""

from __future__ import annotations

import os

from _connect import address, client_id

from ibwire import Broker, MarketOrder, OrderRejected, Stock


def main() -> int:
    host, port = address()
    symbol = os.environ.get("IBWIRE_SYMBOL", "AAPL")
    quantity = int(os.environ.get("IBWIRE_QUANTITY", "10"))
    with Broker.connect(host, port, client_id=client_id(12)) as broker:
        if not all(a.startswith("DU") for a in broker.accounts):
            print(f"{broker.accounts} is not a paper account: this example only trades on paper")
            return 1
        try:
            ticket = broker.submit_order(Stock(symbol), MarketOrder("BUY", quantity),
                                         client_order_id="example-buy")
        except OrderRejected as exc:
            print(f"rejected: {exc}")
            return 1
        print(f"order {ticket.order_id} acknowledged: {ticket.status}")
        ticket.wait_done(timeout=60)
        # each execution is followed by its commission report
        ticket.wait_for(lambda t: all(f.commission_report for f in t.fills), timeout=5)
        for fill in ticket.fills:
            ex, cr = fill.execution, fill.commission_report
            commission = f"{cr.commission:.2f} {cr.currency}" if cr and cr.commission is not None else "?"
            print(f"fill {ex.exec_id}: {ex.side} {ex.shares} {symbol} at {ex.price} "
                  f"(commission {commission})")
        print(f"{ticket.status}: {ticket.filled} at {ticket.avg_fill_price}")
        return 0 if ticket.status == "Filled" else 1


if __name__ == "__main__":
    raise SystemExit(main())
