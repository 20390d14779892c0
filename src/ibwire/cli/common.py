"""What every ``ibwire`` command shares: connection options, output (tables or JSON), contracts
from the command line, and the one place where errors become advice and exit codes.

Exit codes: 0 ok, 1 a request failed (rejected order, timeout, TWS error), 2 usage (bad option,
declined confirmation is 1), 3 connection (TWS unreachable, handshake refused, connection lost).
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Annotated, Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..client.broker import Broker
from ..errors import (
    CONNECT_ADVICE,
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ContractError,
    HistoricalDataError,
    IbwireError,
    OrderRejected,
    PacingViolation,
    ProtocolError,
    RequestError,
    RequestTimeout,
)
from ..models import Contract, Forex, Future, Stock
from ..protocol.versions import MAX_CLIENT_VERSION, MIN_CLIENT_VERSION

__all__ = [
    "ExitCode", "Conn", "Output", "Problem", "describe", "guard", "connect", "fail", "sigterm_as_interrupt",
    "HostOpt", "PortOpt", "ClientIdOpt", "TimeoutOpt", "JsonOpt", "SecTypeOpt", "ExchangeOpt",
    "CurrencyOpt", "TzOpt", "make_contract", "is_paper", "jsonable", "contract_json", "fmt_qty",
    "fmt_price", "fmt_money", "fmt_time", "in_display_zone", "set_display_zone", "Col", "FitTable",
    "DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_CLIENT_ID",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7497
DEFAULT_CLIENT_ID = 1


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a request failed: rejected, timed out, TWS answered with an error
    USAGE = 2  # bad command line (click uses 2 for its own usage errors too)
    CONNECTION = 3  # TWS could not be reached, refused the session, or the connection dropped


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


# --- output ------------------------------------------------------------------------------------------

class Output:
    """Human output (rich, coloured when stdout is a terminal) or JSON; errors go to stderr."""

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        self.console = Console(highlight=False, width=width, soft_wrap=False)
        self.err = Console(stderr=True, highlight=False,
                           width=None if sys.stderr.isatty() or os.environ.get("COLUMNS") else 160)

    def print(self, *objects: Any, **kw: Any) -> None:
        """Human output (suppressed in JSON mode)."""
        if not self.json_mode:
            self.console.print(*objects, **kw)

    def info(self, text: str) -> None:
        """A progress line on stderr (never mixed into JSON on stdout)."""
        self.err.print(_escape(text), style="dim")

    def emit(self, obj: Any) -> None:
        """One JSON document on stdout, newline-terminated (JSON mode only)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(jsonable(obj), sort_keys=False) + "\n")
            sys.stdout.flush()

    def problem(self, p: Problem, emit: bool = True) -> None:
        """The problem on stderr; in JSON mode also as ``{"error": ...}`` on stdout (unless
        ``emit`` is False: the command's JSON already says it)."""
        self.err.print(f"[bold red]ibwire:[/] {_escape(p.headline)}")
        for hint in p.hints:
            self.err.print(f"  - {_escape(hint)}")
        if self.json_mode and emit:
            self.emit({"error": {"code": p.code, "type": p.kind, "message": p.headline,
                                 "hints": p.hints, "exit_code": int(p.exit_code)}})


def _escape(text: str) -> str:
    from rich.markup import escape
    return escape(text)


# --- errors as advice --------------------------------------------------------------------------------

@dataclass(slots=True)
class Problem:
    """What went wrong, in a user's words: a headline, hints, an exit code."""

    exit_code: ExitCode
    headline: str
    hints: list[str] = field(default_factory=list)
    code: int | None = None
    kind: str = "error"


def _connect_hints(host: str | None, port: int | None) -> list[str]:
    where = f"{host}:{port}" if host else "the address"
    return [
        "TWS or IB Gateway is running and logged in (or run `ibwire gateway` for a paper gateway)",
        "the API is enabled: TWS Configure > API > Settings > 'Enable ActiveX and Socket Clients'",
        f"the socket port matches {where}: TWS 7497 paper / 7496 live, IB Gateway 4002 paper / "
        "4001 live (--port or IBWIRE_PORT)",
        f"{host or 'this host'} is in Trusted IPs (or 'Allow connections from localhost only' "
        "fits) and no firewall blocks the port",
        "to send orders, 'Read-Only API' is unchecked in the same settings page",
    ]


def describe(exc: BaseException, conn: Conn | None = None) -> Problem:
    """The advice for an exception; the single place where errors become messages and exit codes."""
    host = conn.host if conn else None
    port = conn.port if conn else None
    client_id = conn.client_id if conn else None
    if isinstance(exc, ConnectError):
        host = exc.host or host
        port = exc.port or port
        text = str(exc).replace(CONNECT_ADVICE, "").strip()
        if exc.code == 326:
            return Problem(ExitCode.CONNECTION, f"cannot connect to TWS at {host}:{port} (error 326): "
                           f"client id {client_id} is already in use", [
                               "another program (or an `ibwire monitor`) is connected with this id: "
                               "pick another with --client-id or IBWIRE_CLIENT_ID",
                               "TWS accepts at most 32 API clients at once",
                           ], 326, "connect")
        if exc.code == 503:
            return Problem(ExitCode.CONNECTION, f"cannot talk to TWS at {host}:{port} (error 503): {text}",
                           [f"ibwire speaks server versions {MIN_CLIENT_VERSION}..{MAX_CLIENT_VERSION} "
                            "(TWS / IB Gateway 9.81 or later); update TWS or IB Gateway"], 503,
                           "connect")
        headline = text if f"{host}:{port}" in text else f"cannot connect to TWS at {host}:{port}: {text}"
        if "does not speak the TWS API" in text:
            return Problem(ExitCode.CONNECTION, headline, [
                f"another program listens on {host}:{port}: point --port (or IBWIRE_PORT) at the "
                "API socket port of TWS / IB Gateway: TWS 7497 paper / 7496 live, IB Gateway "
                "4002 paper / 4001 live (its Socket port setting)"], exc.code, "connect")
        return Problem(ExitCode.CONNECTION, headline,
                       ["check that " + h if i == 0 else h
                        for i, h in enumerate(_connect_hints(host, port))], exc.code, "connect")
    if isinstance(exc, ConnectionLost):
        return Problem(ExitCode.CONNECTION, f"the connection to TWS was lost: {exc}", [
            "TWS may have restarted or logged out (its daily restart), or been closed",
            "run the command again once TWS is back",
        ], None, "connection_lost")
    if isinstance(exc, RequestTimeout):
        return Problem(ExitCode.FAILED, f"no reply from TWS: {exc}", [
            "TWS may be busy, or its data farm disconnected (see `ibwire monitor` notices)",
            "retry, or give more time with --timeout",
        ], None, "timeout")
    if isinstance(exc, OrderRejected):
        hints: list[str] = []
        low = exc.message.lower()
        if "read-only" in low or "read only" in low:
            hints.append("TWS is in read-only API mode: uncheck Configure > API > Settings > "
                         "'Read-Only API'")
        if exc.code == 103:
            hints.append("order ids must grow per client id: another program may use the same "
                         "--client-id; pick another")
        if exc.code == 110:
            hints.append("the price must be a multiple of the contract's tick size (its minimum "
                         "price variation)")
        if exc.code == 200:
            hints.append(_CONTRACT_HINT)
        return Problem(ExitCode.FAILED, f"order rejected (error {exc.code}): {exc.message}", hints,
                       exc.code, "order_rejected")
    if isinstance(exc, CancelRejected):
        hints = []
        if exc.code in (10147, 135):
            hints.append(f"order ids belong to the client id that placed them (this is client id "
                         f"{client_id}): pass that --client-id, or use `ibwire cancel --all`")
            hints.append("`ibwire orders --all` lists every open order with its client id")
        elif exc.code in (10148, 161):
            hints.append("the order is already filled or cancelled")
        return Problem(ExitCode.FAILED, f"cancel refused (error {exc.code}): {exc.message}", hints,
                       exc.code, "cancel_rejected")
    if isinstance(exc, ContractError):
        return Problem(ExitCode.FAILED, f"unknown contract (error {exc.code}): {exc.message}",
                       [_CONTRACT_HINT], exc.code, "contract")
    if isinstance(exc, HistoricalDataError):
        low = exc.message.lower()
        if "pacing" in low:
            hints = ["TWS paces historical requests: at most 60 in 10 minutes, none identical "
                     "within 15 s; wait a few minutes and retry"]
        elif "no data" in low:
            hints = ["no bars in that window: widen --duration, add --all-hours, or change --what "
                     "(forex has no TRADES: use MIDPOINT)"]
        else:
            hints = ["check --bar-size against --duration: small bars allow short durations only "
                     "(see `ibwire bars --help`)"]
        return Problem(ExitCode.FAILED, f"historical data refused (error {exc.code}): {exc.message}",
                       hints, exc.code, "historical")
    if isinstance(exc, PacingViolation):
        return Problem(ExitCode.FAILED, f"TWS paced this client (error {exc.code}): {exc.message}",
                       ["more than 50 messages per second were sent: slow down and retry"],
                       exc.code, "pacing")
    if isinstance(exc, RequestError):
        hints = []
        if exc.code in (354, 10089, 10090, 10167, 10168):
            hints.append("no market data subscription for this contract: try --data-type delayed")
        return Problem(ExitCode.FAILED, f"TWS error {exc.code}: {exc.message}", hints, exc.code,
                       "request")
    if isinstance(exc, ProtocolError):
        return Problem(ExitCode.FAILED, f"protocol error: {exc}", [
            "this is a bug in ibwire or an unsupported TWS version: please report it with a "
            "transcript made by `ibwire record`",
        ], None, "protocol")
    if isinstance(exc, IbwireError):
        return Problem(ExitCode.FAILED, str(exc), [], None, "error")
    if isinstance(exc, OSError):
        return Problem(ExitCode.FAILED, f"{exc.strerror or exc}" + (f": {exc.filename}"
                                                                     if exc.filename else ""),
                       [], None, "os")
    return Problem(ExitCode.FAILED, f"{type(exc).__name__}: {exc}", [
        "this is unexpected: please report it (run with IBWIRE_DEBUG=1 for a traceback)"],
        None, "internal")


_CONTRACT_HINT = ("check the symbol; futures are SYMBOL:YYYYMM with --exchange (e.g. ES:202612 "
                  "--exchange CME), forex is EUR.USD; use --sec-type / --exchange / --currency for "
                  "the rest")


def fail(out: Output, problem: Problem, emit: bool = True) -> NoReturn:
    out.problem(problem, emit)
    raise typer.Exit(int(problem.exit_code))


@contextmanager
def guard(out: Output, conn: Conn | None = None) -> Iterator[None]:
    """Turn exceptions into advice and exit codes; Ctrl-C ends quietly with 130."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.BadParameter):
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("IBWIRE_DEBUG"):
            raise
        fail(out, describe(exc, conn))


@contextmanager
def connect(conn: Conn, journal: str | None = None) -> Iterator[Broker]:
    """A connected Broker (with an order journal file when given), closed at the end."""
    broker = Broker.connect(conn.host, conn.port, client_id=conn.client_id, timeout=conn.timeout,
                            journal=journal)
    try:
        yield broker
    finally:
        broker.disconnect()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM ends a live view the way Ctrl-C does (the screen is restored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def is_paper(accounts: Sequence[str]) -> bool:
    """True when every managed account is a paper account (ids starting DU)."""
    return bool(accounts) and all(a.upper().startswith("DU") for a in accounts)


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


# --- formatting ----------------------------------------------------------------------------------------

def jsonable(obj: Any) -> Any:
    """Plain JSON values: Decimal -> int or float, datetime -> ISO 8601 with its offset in the
    display zone, dataclass -> dict."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            return None
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, datetime):
        return in_display_zone(obj).isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, Contract):
        return contract_json(obj)
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields is not None:
        return {name: jsonable(getattr(obj, name)) for name in fields if not name.startswith("_")}
    return str(obj)


_CONTRACT_KEYS = ("con_id", "symbol", "sec_type", "last_trade_date_or_contract_month", "strike",
                  "right", "multiplier", "exchange", "primary_exchange", "currency", "local_symbol",
                  "trading_class")


def contract_json(c: Contract) -> dict[str, Any]:
    """The identifying fields of a contract (unset ones left out)."""
    out: dict[str, Any] = {}
    for key in _CONTRACT_KEYS:
        value = getattr(c, key)
        if value not in (None, "", 0, 0.0) or (key == "con_id" and value):
            out[key] = jsonable(value)
    return out


def fmt_qty(q: Decimal | int | float | None) -> str:
    if q is None:
        return "-"
    if isinstance(q, Decimal):
        if not q.is_finite():
            return "-"
        text = format(q.normalize(), "f")
        return f"{int(q):,}" if q == q.to_integral_value() else text
    return f"{q:,}"


def fmt_price(p: float | None, digits: int = 2, exact: bool = False) -> str:
    """``230.07``; forex and sub-cent prices keep their digits; ``exact``: every digit the price
    has (an order's limit or stop price, as the user typed it: ``230.123`` is not ``230.12``)."""
    if p is None or not math.isfinite(p):
        return "-"
    text = f"{p:,.{digits}f}"
    if digits == 2 and abs(p) < 10 and round(p, 2) != round(p, 5):
        text = f"{p:,.5f}".rstrip("0")  # forex and sub-cent prices keep their digits
    if exact and round(p, digits) != round(p, 10):
        text = f"{p:,.10f}".rstrip("0")
    return text


def fmt_money(value: float | str | None, signed: bool = False) -> str:
    """A money amount with thousands separators; ``signed`` colours it green / red (rich markup)."""
    if value is None or value == "":
        return "-"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "-"
    text = f"{x:,.2f}"
    if signed and x > 0:
        return f"[green]+{text}[/]"
    if signed and x < 0:
        return f"[red]{text}[/]"
    return text


# --- times: one convention -----------------------------------------------------------------------
#
# Human output shows times in the display zone (this computer's, or --tz / IBWIRE_TZ) with the
# zone's abbreviation; JSON carries the same instant in the same zone as ISO 8601 with its offset,
# so a fill shows the same date in both. Bars are the exception: they are in the exchange's zone,
# labelled as such (``ibwire bars``).

_display_zone: tzinfo | None = None  # None: this computer's zone


def set_display_zone(name: str | None) -> None:
    """Show times in zone ``name`` (an IANA name or UTC); None: this computer's zone."""
    global _display_zone
    if name is None or not name.strip():
        _display_zone = None
        return
    try:
        _display_zone = ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: give an IANA name such as "
                         "Europe/Berlin, America/New_York or UTC") from None


def in_display_zone(t: datetime) -> datetime:
    """``t`` (aware; naive is taken as UTC) in the display zone."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo("UTC"))
    return t.astimezone(_display_zone)


def fmt_time(t: datetime | date | None, short: bool = False) -> str:
    """``2026-11-20 10:00:05 EST`` (``short``: ``10:00:05 EST``) in the display zone."""
    if t is None:
        return "-"
    if isinstance(t, datetime):
        local = in_display_zone(t)
        return local.strftime("%H:%M:%S %Z" if short else "%Y-%m-%d %H:%M:%S %Z").strip()
    return t.isoformat()


# --- tables that fit the terminal --------------------------------------------------------------------

Justify = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class Col:
    """A column of a :class:`FitTable`. ``drop`` 0: always shown and never shortened (symbols,
    quantities, prices); otherwise the column goes when the table does not fit, highest first
    (columns of the same level go together, such as bid size and ask size)."""

    name: str
    justify: Justify = "left"
    drop: int = 0


class FitTable:
    """A table that fits the width it is given: whole columns are left out, least important first,
    until the rest fits; the columns that stay are never cut short (no ``230…``). A wide terminal
    shows every column. Rendered with rich (``console.print(fit_table)``), also inside grids."""

    def __init__(self, title: str | None, columns: Sequence[Col], *, style: str = "",
                 show_header: bool = True) -> None:
        self.title = title
        self.columns = list(columns)
        self.style = style
        self.show_header = show_header
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def _widths(self) -> list[int]:
        widths = []
        for i, col in enumerate(self.columns):
            w = Text(col.name).cell_len if self.show_header else 0
            for row in self.rows:
                for line in Text.from_markup(row[i]).plain.split("\n"):
                    w = max(w, Text(line).cell_len)
            widths.append(w)
        return widths

    @staticmethod
    def _total(widths: Sequence[int]) -> int:
        return sum(widths) + 3 * len(widths) + 1  # one space each side of a cell, the rules

    def kept(self, max_width: int) -> list[int]:
        """The indices of the columns shown at ``max_width`` cells."""
        widths = self._widths()
        keep = list(range(len(self.columns)))
        for level in sorted({c.drop for c in self.columns if c.drop > 0}, reverse=True):
            if self._total([widths[k] for k in keep]) <= max_width:
                break
            keep = [k for k in keep if self.columns[k].drop != level]  # a level goes together
        return keep

    def table(self, max_width: int) -> Table:
        """The rich Table for ``max_width`` cells."""
        keep = self.kept(max_width)
        table = Table(title=self.title, title_justify="left", style=self.style,
                      show_header=self.show_header)
        for i in keep:
            col = self.columns[i]
            table.add_column(col.name, justify=col.justify, no_wrap=col.drop > 0,
                             overflow="fold" if col.drop == 0 else "ellipsis")
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self._widths()
        least = self._total([w for w, c in zip(widths, self.columns) if c.drop == 0])
        return Measurement(min(least, options.max_width), min(self._total(widths), options.max_width))
