"""The one place where errors become advice and exit codes: :func:`describe` turns an exception
into a :class:`Problem` (a headline, hints, an exit code), :func:`guard` does it for a command.

Exit codes: 0 ok, 1 a request failed (rejected order, timeout, TWS error), 2 usage (bad option,
declined confirmation is 1), 3 connection (TWS unreachable, handshake refused, connection lost).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NoReturn

import typer

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
from ..protocol.versions import MAX_CLIENT_VERSION, MIN_CLIENT_VERSION
from .options import Conn
from .output import Output

__all__ = ["ExitCode", "Problem", "describe", "fail", "guard"]


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a request failed: rejected, timed out, TWS answered with an error
    USAGE = 2  # bad command line (click uses 2 for its own usage errors too)
    CONNECTION = 3  # TWS could not be reached, refused the session, or the connection dropped


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
