"""``ibwire gateway``: run the paper gateway in the foreground."""

from __future__ import annotations

import typer

from .app import app


@app.command("gateway")
def gateway(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(7497, help="Port to listen on; 0 picks a free one."),
    accounts: str = typer.Option("DU1234567", help="Comma-separated paper account ids."),
    state: str | None = typer.Option(None, help="SQLite file that keeps accounts, orders and fills."),
    seed: int = typer.Option(0, help="Seed of the deterministic market."),
    mode: str = typer.Option("tws", help="tws (farm notices at connect) or gateway."),
) -> None:
    """Serve a TWS-compatible paper gateway until Ctrl-C; any TWS API client can trade against it."""
    if mode not in ("tws", "gateway"):
        raise typer.BadParameter("mode is tws or gateway", param_hint="--mode")
    accts = tuple(a.strip() for a in accounts.split(",") if a.strip())
    if not accts:
        raise typer.BadParameter("give at least one account id", param_hint="--accounts")
    from .gateway_cmd import run_gateway

    raise typer.Exit(run_gateway(host, port, accts, state, seed, mode))
