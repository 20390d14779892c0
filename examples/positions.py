"""Print the account's positions and its net liquidation value.

    python examples/positions.py [HOST] [PORT]
"""

from __future__ import annotations

from _connect import address, client_id

from ibwire import Broker


def main() -> None:
    host, port = address()
    with Broker.connect(host, port, client_id=client_id(11)) as broker:
        print(f"connected to server version {broker.server_version}, accounts {broker.accounts}")
        positions = broker.positions()
        if not positions:
            print("no positions")
        for p in positions:
            print(f"{p.account}  {p.contract.symbol or '?':<8} {p.contract.sec_type or '':<4} "
                  f"{p.position!s:>10}  avg cost {p.avg_cost or 0:.4f}")
        for account in broker.accounts:
            for v in broker.account_values(account):
                if v.key == "NetLiquidation":
                    print(f"{account} net liquidation {v.value} {v.currency}")


if __name__ == "__main__":
    main()
