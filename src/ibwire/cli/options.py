"""The command line every ``ibwire`` command shares: the connection options (:class:`Conn`), the
contract options and :func:`make_contract`, ``--json`` and ``--tz``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from ..models import Contract, Forex, Future, Stock
from .output import set_display_zone

__all__ = [
    "Conn", "HostOpt", "PortOpt", "ClientIdOpt", "TimeoutOpt", "JsonOpt", "SecTypeOpt",
    "ExchangeOpt", "CurrencyOpt", "TzOpt", "make_contract", "DEFAULT_HOST", "DEFAULT_PORT",
    "DEFAULT_CLIENT_ID",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7497
DEFAULT_CLIENT_ID = 1


# --- options every connected command takes ---------------------------------------------------------

_CONN = "Connection"
HostOpt = Annotated[str, typer.Option(
    "--host", envvar="IBWIRE_HOST", rich_help_panel=_CONN,
    help="TWS / IB Gateway host.")]
PortOpt = Annotated[int, typer.Option(
    "--port", envvar="IBWIRE_PORT", rich_help_panel=_CONN, min=1, max=65535,
    help="API socket port: TWS 7497 paper / 7496 live, IB Gateway 4002 paper / 4001 live "
         "(its Socket port setting).")]
ClientIdOpt = Annotated[int, typer.Option(
    "--client-id", envvar="IBWIRE_CLIENT_ID", rich_help_panel=_CONN, min=0,
    help="API client id; one connection per id, at most 32 clients per TWS. Orders belong to the "
         "id that placed them.")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", envvar="IBWIRE_TIMEOUT", rich_help_panel=_CONN, min=0.1,
    help="Seconds to wait for the connection and for each reply.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]

_CONTRACT = "Contract"
SecTypeOpt = Annotated[str | None, typer.Option(
    "--sec-type", rich_help_panel=_CONTRACT,
    help="STK, FUT or CASH (default: STK; CASH for EUR.USD, FUT for ES:202612).")]
ExchangeOpt = Annotated[str | None, typer.Option(
    "--exchange", rich_help_panel=_CONTRACT,
    help="Exchange (default: SMART for stocks, IDEALPRO for forex; futures name theirs, e.g. CME).")]
CurrencyOpt = Annotated[str, typer.Option("--currency", rich_help_panel=_CONTRACT,
                                          help="Currency of stocks and futures.")]


def _tz_option(value: str | None) -> str | None:
    try:
        set_display_zone(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tz") from None
    return value


TzOpt = Annotated[str | None, typer.Option(
    "--tz", envvar="IBWIRE_TZ", callback=_tz_option, metavar="ZONE",
    help="Show times in this zone (IANA name: Europe/Berlin, America/New_York, UTC); default: "
         "this computer's zone. JSON times carry their offset.")]


@dataclass(frozen=True, slots=True)
class Conn:
    """Where to connect, from the common options."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    client_id: int = DEFAULT_CLIENT_ID
    timeout: float = 10.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


# --- contracts from the command line ----------------------------------------------------------------

def make_contract(spec: str, sec_type: str | None = None, exchange: str | None = None,
                  currency: str = "USD") -> Contract:
    """``AAPL`` (a stock), ``EUR.USD`` / ``EURUSD --sec-type CASH`` (forex), ``ES:202612`` (a
    future) -> a Contract. Raises typer.BadParameter on nonsense."""
    text = spec.strip()
    kind = (sec_type or "").strip().upper() or None
    if not text:
        raise typer.BadParameter("empty symbol")
    if kind is None:
        if ":" in text:
            kind = "FUT"
        elif "." in text and len(text) == 7 and text.replace(".", "").isalpha():
            kind = "CASH"
        else:
            kind = "STK"
    try:
        if kind == "CASH":
            return Forex(text, exchange or "IDEALPRO")
        if kind == "FUT":
            symbol, _, month = text.partition(":")
            if month and not (month.isdigit() and len(month) in (6, 8)):
                raise typer.BadParameter(f"a future is SYMBOL:YYYYMM (or :YYYYMMDD), not {spec!r}")
            return Future(symbol.upper(), month or None, exchange, currency.upper())
        if kind == "STK":
            if ":" in text:
                raise typer.BadParameter(f"{spec!r} looks like a future: add --sec-type FUT")
            return Stock(text.upper(), exchange or "SMART", currency.upper())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    raise typer.BadParameter(f"--sec-type is STK, FUT or CASH, not {sec_type!r}")
