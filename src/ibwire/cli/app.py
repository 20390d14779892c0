"""The ``ibwire`` command: a typer app; each command lives in a module named for its job."""

from __future__ import annotations

import importlib
import sys

try:
    import typer
except ImportError:  # pragma: no cover - the CLI extra is not installed
    typer = None  # type: ignore[assignment]

from .. import __version__

if typer is None:  # pragma: no cover
    app = None

    def main() -> None:
        sys.stderr.write("the ibwire command needs its extra: pip install 'ibwire[cli]'\n")
        raise SystemExit(2)
else:
    app = typer.Typer(
        name="ibwire",
        help=(
            "ibwire: talk to TWS / IB Gateway from the terminal, or run a paper gateway.\n\n"
            "Every command that talks to TWS takes --host, --port, --client-id, --timeout (defaults "
            "from IBWIRE_HOST, IBWIRE_PORT, IBWIRE_CLIENT_ID, then 127.0.0.1:7497, client id 1) "
            "and --json. Exit codes: 0 ok, 1 request failed, 2 usage, 3 connection.\n\n"
            "Examples:\n\n"
            "  ibwire demo                              # embedded paper gateway: buy, fill, cancel\n\n"
            "  ibwire gateway --port 7497               # a paper TWS any client can trade against\n\n"
            "  ibwire positions                         # what the account holds, with PnL\n\n"
            "  ibwire buy AAPL 100 --wait               # market buy, print the fill\n\n"
            "  ibwire sell AAPL 50 --limit 190 --tif GTC\n\n"
            "  ibwire buy AAPL 100 --limit 150 --take-profit 155 --stop-loss 147   # a bracket\n\n"
            "  ibwire sell AAPL 100 --trail 1%          # a trailing stop\n\n"
            "  ibwire whatif BUY ES:202612 2            # margin and commission, nothing placed\n\n"
            "  ibwire cancel --all                      # global cancel\n\n"
            "  ibwire quote AAPL MSFT EUR.USD           # live quotes until Ctrl-C\n\n"
            "  ibwire depth AAPL --smart                # a live order book ladder\n\n"
            "  ibwire chain SPY --strikes 8             # an option chain with greeks\n\n"
            "  ibwire pnl                               # live daily / unrealized / realized PnL\n\n"
            "  ibwire bars AAPL --duration \"5 D\" --bar-size \"5 mins\" --csv aapl.csv\n\n"
            "  ibwire search AAP                        # contracts matching a symbol or name\n\n"
            "  ibwire scan TOP_PERC_GAIN --rows 10      # a market scanner, ranked\n\n"
            "  ibwire news AAPL                         # the latest headlines\n\n"
            "  ibwire monitor                           # full-screen live view\n\n"
            "  ibwire record --upstream 127.0.0.1:7497 --out s.jsonl   # record a session\n\n"
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    def _version(value: bool) -> None:
        if value:
            print(f"ibwire {__version__}")
            raise typer.Exit(0)

    @app.callback()
    def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                           help="Show the version and exit.")) -> None:
        """ibwire: the TWS API socket protocol from the terminal."""

    # each module registers its commands; --help lists them in this order
    for _module in ("account", "trade", "order_types", "quote", "depth", "ticks", "chain", "pnl",
                    "bars", "search", "scan", "news", "monitor", "record", "gateway", "demo"):
        importlib.import_module(f".{_module}", __package__)

    def main() -> None:
        app()
