"""No TWS at hand: start ibwire's paper gateway in-process and trade against it.

    python examples/offline_gateway.py

The gateway speaks the TWS API on 127.0.0.1, so any client works against it (ibwire, ib_async,
the official ibapi); here it is ibwire's Broker.
"""

from __future__ import annotations

from ibwire import Broker, LimitOrder, MarketOrder, Stock
from ibwire.gateway import PaperGateway


def main() -> None:
    with PaperGateway(port=0) as gw:  # port 0: a free port
        print(f"paper gateway on {gw.address[0]}:{gw.port}")
        with Broker.connect("127.0.0.1", gw.port, client_id=1) as broker:
            filled = broker.submit_order(Stock("MSFT"), MarketOrder("BUY", 50)).wait_done(10)
            print(f"bought {filled.filled} MSFT at {filled.avg_fill_price}")
            resting = broker.submit_order(Stock("MSFT"), LimitOrder("BUY", 50, 1.0))
            print(f"limit order {resting.order_id}: {resting.status}")
            broker.cancel_order(resting.order_id)
            print(f"limit order {resting.order_id}: {resting.status}")
            for p in broker.positions():
                print(f"position: {p.position} {p.contract.symbol} at {p.avg_cost or 0:.2f}")


if __name__ == "__main__":
    main()
