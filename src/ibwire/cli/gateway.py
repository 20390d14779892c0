"""``ibwire gateway``: run the paper gateway in the foreground."""

from __future__ import annotations

import typer

from ..protocol.versions import MAX_VERSION, MIN_VERSION
from .app import app


@app.command("gateway")
def gateway(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(7497, help="Port to listen on; 0 picks a free one."),
    accounts: str = typer.Option("DU1234567", help="Comma-separated paper account ids."),
    state: str | None = typer.Option(None, help="SQLite file that keeps accounts, orders and fills."),
    seed: int = typer.Option(0, help="Seed of the deterministic market."),
    mode: str = typer.Option("tws", help="tws (farm notices at connect) or gateway."),
    log_level: str = typer.Option("WARNING", "--log-level", metavar="LEVEL",
                                  help="What to log: DEBUG, INFO (every connection), WARNING or "
                                       "ERROR."),
    log_file: str | None = typer.Option(None, "--log-file", metavar="FILE",
                                        help="Append the log to FILE instead of stderr."),
    market_time: str | None = typer.Option(
        None, "--market-time", help="Start the market clock here, e.g. "
        "\"2026-03-09 09:25 America/New_York\" (default: the last full NYSE session's close; "
        "with --data, the start of the data)."),
    speed: str = typer.Option(
        "1", help="Run market time this many times faster than wall time; max: as fast as every "
        "connected client reads what it is sent (backtests)."),
    calendar: str = typer.Option(
        "open", help="open: the clock skips closed hours, so the market trades at any hour; "
        "strict: real sessions (no trades while closed, DAY orders expire at the close)."),
    instruments: str | None = typer.Option(
        None, "--instruments", metavar="CSV",
        help="Add instruments to (or replace them in) the built-in universe: a CSV in the format "
             "of the shipped stocks.csv (symbol, exchange, currency, price, ...)."),
    max_version: int | None = typer.Option(
        None, "--max-version", metavar="V",
        help=f"Answer at most server version V ({MIN_VERSION}..{MAX_VERSION}; default "
             f"{MAX_VERSION}): clients get the highest version both sides speak."),
    data: list[str] | None = typer.Option(  # noqa: B008 - typer's repeatable option
        None, "--data", metavar="FILE",
        help="Replay recorded prices (repeat for more files): the bars CSV of ibwire bars --csv, "
             "a ticks CSV (time,price,size[,bid,ask]) or Parquet; SYMBOL=FILE, or a file named "
             "SYMBOL.csv. See docs/backtesting.md."),
    report: str | None = typer.Option(
        None, "--report", metavar="FILE",
        help="At exit write FILE (PnL per instrument and total), FILE.fills.csv and "
             "FILE.equity.csv (and a PNG with matplotlib)."),
    slippage: int = typer.Option(0, min=0, metavar="TICKS",
                                 help="Market orders fill this many ticks beyond the touch."),
    react: str | None = typer.Option(
        None, "--react", metavar="MS|sync",
        help="With --speed max: at each new keepUpToDate bar the clock holds until no client has "
             "sent anything for MS milliseconds, so orders sent on the bar fill at its open; "
             "sync: until each client sends reqCurrentTime after its orders (exact on any "
             "machine). Default 10. See docs/backtesting.md."),
) -> None:
    """Serve a TWS-compatible paper gateway until Ctrl-C; any TWS API client can trade against it.

    It logs to stderr, warnings only by default (--log-level INFO shows every connection), so
    `ibwire gateway &` does not write into other commands' output; --log-file FILE to keep a log.
    """
    if mode not in ("tws", "gateway"):
        raise typer.BadParameter("mode is tws or gateway", param_hint="--mode")
    accts = tuple(a.strip() for a in accounts.split(",") if a.strip())
    if not accts:
        raise typer.BadParameter("give at least one account id", param_hint="--accounts")
    from ..gateway.clock import CALENDAR_MODES  # (the gateway loads only when it runs)

    if calendar not in CALENDAR_MODES:
        raise typer.BadParameter(f"calendar is one of {', '.join(CALENDAR_MODES)}",
                                 param_hint="--calendar")
    pace: float | str = "max"
    if speed.strip().lower() != "max":
        try:
            pace = float(speed)
        except ValueError:
            raise typer.BadParameter("speed is a positive number or max", param_hint="--speed") \
                from None
        if not pace > 0:
            raise typer.BadParameter("speed must be positive", param_hint="--speed")
    hold: float | str | None = None  # (None: the gateway's default window)
    if react is not None:
        if pace != "max":
            raise typer.BadParameter("react holds the clock at --speed max only",
                                     param_hint="--react")
        if react.strip().lower() == "sync":
            hold = "sync"
        else:
            try:
                ms = float(react)
            except ValueError:
                raise typer.BadParameter("react is a number of milliseconds or sync",
                                         param_hint="--react") from None
            if not ms > 0:
                raise typer.BadParameter("react must be positive", param_hint="--react")
            hold = ms / 1000
    if max_version is not None and not MIN_VERSION <= max_version <= MAX_VERSION:
        raise typer.BadParameter(f"the paper gateway speaks {MIN_VERSION}..{MAX_VERSION}",
                                 param_hint="--max-version")
    from ..gateway.clock import parse_market_time
    level = log_level.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("DEBUG, INFO, WARNING or ERROR", param_hint="--log-level")
    from .gateway_cmd import log_to, run_gateway

    log_to(level, log_file)

    start = None
    if market_time is not None:
        try:
            start = parse_market_time(market_time)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--market-time") from None
    raise typer.Exit(run_gateway(host, port, accts, state, seed, mode, market_start=start,
                                 instruments=instruments, calendar=calendar, speed=pace,
                                 slippage=slippage, react=hold,
                                 max_version=max_version, data=tuple(data or ()), report=report))
