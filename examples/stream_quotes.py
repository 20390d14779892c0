"""Stream bid / ask / last for a few symbols; stop after N lines (env IBWIRE_UPDATES, default 20).

    python examples/stream_quotes.py [HOST] [PORT]       (env IBWIRE_SYMBOLS=AAPL,MSFT)
"""

from __future__ import annotations

import os
import queue

from _connect import address, client_id

from ibwire import Broker, Stock, Ticker


def main() -> None:
    host, port = address()
    symbols = os.environ.get("IBWIRE_SYMBOLS", "AAPL,MSFT").split(",")
    updates = int(os.environ.get("IBWIRE_UPDATES", "20"))
    changed: queue.SimpleQueue[Ticker] = queue.SimpleQueue()
    with Broker.connect(host, port, client_id=client_id(13)) as broker:
        # every ticker update is also a Broker event: collect them from the listener
        broker.add_listener(lambda ev: changed.put(ev) if isinstance(ev, Ticker) else None)
        tickers = [broker.market_data(Stock(s)) for s in symbols]
        last: dict[int, str] = {}
        try:
            while updates > 0:
                t = changed.get(timeout=30)
                line = (f"{t.contract.symbol:<6} bid {t.bid} x {t.bid_size}  ask {t.ask} x "
                        f"{t.ask_size}  last {t.last}  volume {t.volume}")
                if last.get(t.req_id) != line:  # print what changed on screen only
                    last[t.req_id] = line
                    print(line)
                    updates -= 1
        except KeyboardInterrupt:
            pass
        finally:
            for t in tickers:
                broker.cancel_market_data(t)


if __name__ == "__main__":
    main()
