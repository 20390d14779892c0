"""``ibwire demo``: an embedded paper gateway, a Broker, a buy, its fill, a resting limit and its cancel."""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from .app import app

console = Console(highlight=False)


def _value(values: Sequence[object], key: str) -> str:
    for v in values:
        if getattr(v, "key", None) == key and getattr(v, "currency", None) in ("USD", "BASE", None):
            return str(getattr(v, "value", "?"))
    return "?"


def run_demo(symbol: str = "AAPL", quantity: int = 100, seed: int = 0) -> int:
    from .. import Broker, LimitOrder, MarketOrder, Stock
    from ..gateway import PaperGateway

    started = time.perf_counter()
    with PaperGateway(port=0, seed=seed) as gw:
        console.print(f"[bold]paper gateway[/] listening on {gw.address[0]}:{gw.port}")
        market = gw.market_time().astimezone(ZoneInfo("America/New_York"))
        console.print(f"market time {market:%a %Y-%m-%d %H:%M %Z} (the paper market's clock skips "
                      "closed hours, so it trades at any hour)")
        with Broker.connect("127.0.0.1", gw.port, client_id=1, timeout=10.0) as broker:
            console.print(f"connected: server version {broker.server_version}, "
                          f"accounts {', '.join(broker.accounts)}")
            before = broker.account_values()
            console.print(f"cash {_value(before, 'TotalCashValue')} USD, net liquidation "
                          f"{_value(before, 'NetLiquidation')} USD")

            contract = Stock(symbol)
            console.print(f"\n[bold]buy[/] {quantity} {symbol} at market")
            ticket = broker.submit_order(contract, MarketOrder("BUY", quantity),
                                         client_order_id=f"demo-buy-{int(time.time())}")
            console.print(f"  acknowledged: order {ticket.order_id} {ticket.status}")
            ticket.wait_done(10.0)
            ticket.wait_for(lambda t: all(f.commission_report for f in t.fills) and t.fills, 5.0)
            fills = Table("exec id", "side", "shares", "price", "commission", title="fills")
            for f in ticket.fills:
                cr = f.commission_report
                fills.add_row(str(f.execution.exec_id), str(f.execution.side), str(f.execution.shares),
                              f"{f.execution.price:.2f}" if f.execution.price is not None else "?",
                              f"{cr.commission:.2f} {cr.currency}" if cr and cr.commission is not None else "-")
            console.print(f"  {ticket.status}: {ticket.filled} at {ticket.avg_fill_price}")
            console.print(fills)

            positions = Table("account", "symbol", "position", "avg cost", title="positions")
            for p in broker.positions():
                positions.add_row(str(p.account), str(p.contract.symbol), str(p.position),
                                  f"{p.avg_cost:.4f}" if p.avg_cost is not None else "?")
            console.print(positions)
            after = broker.account_values()
            console.print(f"cash {_value(before, 'TotalCashValue')} -> {_value(after, 'TotalCashValue')} USD, "
                          f"gross position value {_value(after, 'GrossPositionValue')} USD")

            price = ticket.avg_fill_price or 100.0
            limit = float((Decimal(str(price)) * Decimal("0.9")).quantize(Decimal("0.01")))
            console.print(f"\n[bold]rest[/] a limit buy of 10 {symbol} at {limit:.2f} (10% below)")
            resting = broker.submit_order(contract, LimitOrder("BUY", 10, limit))
            console.print(f"  order {resting.order_id} {resting.status}")
            broker.cancel_order(resting.order_id)
            console.print(f"  cancelled: order {resting.order_id} {resting.status}")
    console.print(f"\ndone in {time.perf_counter() - started:.2f} s")
    return 0


@app.command("demo")
def demo(symbol: str = typer.Option("AAPL", help="Stock to trade."),
         quantity: int = typer.Option(100, help="Shares to buy."),
         seed: int = typer.Option(0, help="Seed of the paper market.")) -> None:
    """Start an embedded paper gateway, buy, show the fill, position and cash, rest and cancel a limit."""
    raise typer.Exit(run_demo(symbol, quantity, seed))
