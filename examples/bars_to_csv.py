"""Write a day of 5-minute bars to a CSV file (or stdout).

    python examples/bars_to_csv.py [HOST] [PORT]         (env IBWIRE_SYMBOL, IBWIRE_CSV=file.csv)
"""

from __future__ import annotations

import csv
import os
import sys

from _connect import address, client_id

from ibwire import Broker, Stock


def main() -> None:
    host, port = address()
    symbol = os.environ.get("IBWIRE_SYMBOL", "AAPL")
    target = os.environ.get("IBWIRE_CSV")
    with Broker.connect(host, port, client_id=client_id(14)) as broker:
        bars = broker.historical_bars(Stock(symbol), duration="1 D", bar_size="5 mins",
                                      what_to_show="TRADES", use_rth=True)
    out = open(target, "w", newline="") if target else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(out)
        writer.writerow(["time", "open", "high", "low", "close", "volume"])
        for b in bars:
            writer.writerow([b.time.isoformat(), b.open, b.high, b.low, b.close, b.volume])
    finally:
        if target:
            out.close()
    print(f"{len(bars)} bars of {symbol}" + (f" written to {target}" if target else ""),
          file=sys.stderr)


if __name__ == "__main__":
    main()
