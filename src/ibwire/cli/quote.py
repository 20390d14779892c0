"""``ibwire quote``: live bid / ask / last / volume lines until Ctrl-C, or one snapshot (--once).

Each symbol is first matched to its contract (contract details), so an unknown one is named and
the others are still quoted. What is shown is redrawn once per batch of ticks read together
(:class:`~ibwire.client.ticker.TickersUpdated`), never between the bid and the ask tick of one
quote change, so a state shown is one TWS had.
"""

from __future__ import annotations

import dataclasses
import queue
import sys
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.live import Live

from ..client.broker import Broker
from ..client.ticker import Ticker, TickersUpdated
from ..errors import ContractError
from ..models import Contract
from .app import app
from .common import connect, run_live
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    CurrencyOpt,
    ExchangeOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    SecTypeOpt,
    TimeoutOpt,
    TzOpt,
    make_contract,
)
from .output import Output, contract_json, fmt_price, fmt_qty, fmt_time
from .problems import ExitCode, Problem, describe, fail, guard
from .tables import Col, FitTable

__all__ = ["quote_json", "quote_line", "quotes_table", "complete", "resolve"]


class DataType(StrEnum):
    live = "live"
    frozen = "frozen"
    delayed = "delayed"
    delayed_frozen = "delayed-frozen"


_DATA_TYPE = {DataType.live: 1, DataType.frozen: 2, DataType.delayed: 3, DataType.delayed_frozen: 4}
_TYPE_NAME = {1: "live", 2: "frozen", 3: "delayed", 4: "delayed-frozen"}


def quote_json(t: Ticker) -> dict[str, Any]:
    return {"contract": contract_json(t.contract), "bid": t.bid, "bid_size": t.bid_size, "ask": t.ask,
            "ask_size": t.ask_size, "last": t.last, "last_size": t.last_size, "volume": t.volume,
            "high": t.high, "low": t.low, "close": t.close, "time": t.time,
            "data_type": _TYPE_NAME.get(t.market_data_type or 0)}


def _digits(t: Ticker) -> int:
    return 5 if t.contract.sec_type == "CASH" else 2


def quote_line(t: Ticker) -> str:
    d = _digits(t)
    return (f"{t.contract!s:<12} bid {fmt_price(t.bid, d):>10} x {fmt_qty(t.bid_size):<8} "
            f"ask {fmt_price(t.ask, d):>10} x {fmt_qty(t.ask_size):<8} "
            f"last {fmt_price(t.last, d):>10}  volume {fmt_qty(t.volume)}")


def quotes_table(tickers: Sequence[Ticker], live: bool = False) -> FitTable:
    """Contract, bid, ask and last always; the sizes, volume, high / low / close and the last trade's
    time as the width allows. ``live``: the title says how to stop."""
    table = FitTable("quotes (Ctrl-C to stop)" if live else "quotes", [
        Col("contract"), Col("bid size", "right", 3), Col("bid", "right"), Col("ask", "right"),
        Col("ask size", "right", 3), Col("last", "right"), Col("volume", "right", 2),
        Col("high", "right", 7), Col("low", "right", 6), Col("close", "right", 5),
        Col("last trade", drop=8), Col("", drop=1)])
    for t in tickers:
        d = _digits(t)
        status = f"[red]{t.error}[/]" if t.error else _TYPE_NAME.get(t.market_data_type or 0, "")
        table.add_row(str(t.contract), fmt_qty(t.bid_size), f"[bold]{fmt_price(t.bid, d)}[/]",
                      f"[bold]{fmt_price(t.ask, d)}[/]", fmt_qty(t.ask_size), fmt_price(t.last, d),
                      fmt_qty(t.volume), fmt_price(t.high, d), fmt_price(t.low, d),
                      fmt_price(t.close, d), fmt_time(t.time, short=True), status)
    return table


def complete(t: Ticker) -> bool:
    """A quote worth printing: both sides and a last (or an error)."""
    return t.error is not None or (t.bid is not None and t.ask is not None and t.last is not None)


def resolve(broker: Broker, specs: Sequence[str], contracts: Sequence[Contract],
            timeout: float) -> tuple[list[Contract], list[tuple[str, ContractError]]]:
    """Match each contract (contract details): the known ones with their con id, and the
    unknown ones with TWS's error (200), named by what the user typed."""
    good: list[Contract] = []
    bad: list[tuple[str, ContractError]] = []
    for spec, c in zip(specs, contracts):
        try:
            found = broker.qualify(c, timeout=timeout)
        except ContractError as exc:
            bad.append((spec, exc))
            continue
        good.append(dataclasses.replace(c, con_id=found.con_id) if found.con_id else c)
    return good, bad


def _unknown(bad: Sequence[tuple[str, ContractError]], quoted: bool) -> Problem:
    names = ", ".join(spec for spec, _ in bad)
    exc = bad[0][1]
    detail = exc.message if len(bad) == 1 else "; ".join(f"{spec}: {e.message}" for spec, e in bad)
    hints = ["the other symbols were quoted"] if quoted else []
    hints.append("check the symbol; futures are SYMBOL:YYYYMM with --exchange (e.g. ES:202612 "
                 "--exchange CME), forex is EUR.USD; use --sec-type / --exchange / --currency "
                 "for the rest")
    word = "contract" if len(bad) == 1 else "contracts"
    if all("ambiguous" in e.message for _, e in bad):
        word = "ambiguous " + word
        hints[-1] = ("name one contract: a future's month (ES:202612), or --exchange / --currency / "
                     "--sec-type")
    else:
        word = "unknown " + word
    return Problem(ExitCode.FAILED, f"{word} {names} (error {exc.code}): {detail}", hints, exc.code,
                   "contract")


def _subscribe(broker: Broker, contracts: Sequence[Contract], timeout: float) -> list[Ticker]:
    return [broker.market_data(c, timeout=timeout) for c in contracts]


def _once(broker: Broker, contracts: Sequence[Contract], bad: Sequence[tuple[str, ContractError]],
          timeout: float, out: Output) -> None:
    tickers = _subscribe(broker, contracts, timeout)
    try:
        broker.wait_until(lambda: all(complete(t) for t in tickers), timeout)
        # the volume follows the prices in TWS's first burst (forex has none: wait a moment only)
        broker.wait_until(lambda: all(t.volume is not None or t.error is not None for t in tickers),
                          min(0.5, timeout))
    finally:
        for t in tickers:
            broker.cancel_market_data(t)
    docs: list[dict[str, Any]] = [quote_json(t) for t in tickers]
    docs += [{"contract": {"symbol": spec}, "error": {"code": exc.code, "message": exc.message}}
             for spec, exc in bad]
    out.emit(docs)
    if not out.json_mode and tickers:
        if out.console.is_terminal:
            out.print(quotes_table(tickers))
        else:
            for t in tickers:
                out.console.print(quote_line(t), soft_wrap=True)
    if bad:
        fail(out, _unknown(bad, bool(tickers)), emit=False)
    failed = next((t for t in tickers if t.error is not None), None)
    if failed is not None and failed.error is not None:
        p = describe(failed.error)
        p.headline = f"{failed.contract}: {p.headline}"
        fail(out, p, emit=False)


def _changes(changed: queue.SimpleQueue[tuple[Ticker, ...]],
             broker: Broker) -> Iterator[tuple[Ticker, ...]]:
    """Batches of tickers changed together, until the connection ends (the 1 s wake-up keeps
    Ctrl-C quick)."""
    while True:
        try:
            yield changed.get(timeout=1.0)
        except queue.Empty:
            if not broker.is_connected():
                return


def _stream(broker: Broker, contracts: Sequence[Contract], timeout: float, count: int | None,
            out: Output) -> None:
    changed: queue.SimpleQueue[tuple[Ticker, ...]] = queue.SimpleQueue()
    tickers: list[Ticker] = []

    def on_event(ev: object) -> None:
        if isinstance(ev, TickersUpdated):
            changed.put(ev.tickers)

    broker.add_listener(on_event)
    tickers = _subscribe(broker, contracts, timeout)
    printed = 0
    live_view = out.console.is_terminal and not out.json_mode
    try:
        if live_view:
            with Live(quotes_table(tickers, live=True), console=out.console, refresh_per_second=8,
                      transient=False) as live:
                for batch in _changes(changed, broker):
                    live.update(quotes_table(tickers, live=True))
                    printed += 1
                    if any(t.error is not None for t in batch) and \
                            all(x.error is not None for x in tickers):
                        raise next(t.error for t in batch if t.error is not None)
                    if count is not None and printed >= count:
                        break
            return
        last: dict[int, str] = {}
        changed.put(tuple(t for t in tickers if complete(t)))  # what came with the subscription
        for batch in _changes(changed, broker):
            for t in batch:
                if t.error is not None and all(x.error is not None for x in tickers):
                    raise t.error
                if not complete(t):
                    continue
                line = quote_line(t)
                if last.get(t.req_id) == line:
                    continue  # a tick that changed nothing shown
                last[t.req_id] = line
                if out.json_mode:
                    out.emit({**quote_json(t), "seq": printed + 1})
                else:
                    out.console.print(line, soft_wrap=True)
                    sys.stdout.flush()
                printed += 1
                if count is not None and printed >= count:
                    return
    finally:
        broker.remove_listener(on_event)
        for t in tickers:
            if broker.is_connected():
                broker.cancel_market_data(t)


@app.command("quote")
def quote(
    symbols: Annotated[list[str], typer.Argument(metavar="SYMBOL...", show_default=False,
                                                 help="AAPL, EUR.USD (forex), ES:202612 (future).")],
    once: Annotated[bool, typer.Option("--once", help="One quote per symbol, then exit.")] = False,
    count: Annotated[int | None, typer.Option("--count", min=1,
                                              help="Stop after this many updates.")] = None,
    data_type: Annotated[DataType, typer.Option("--data-type", case_sensitive=False,
                                                help="Market data type (delayed needs no "
                                                     "subscription).")] = DataType.live,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """Live quotes until Ctrl-C (a table on a terminal, one line per change otherwise).

    An unknown symbol is named on stderr, the others are quoted, and the exit code is 1.
    Examples: ibwire quote AAPL MSFT; ibwire quote EUR.USD --once --json
    """
    contracts = [make_contract(s, sec_type, exchange, currency) for s in symbols]
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        good, bad = resolve(broker, symbols, contracts, timeout)
        if data_type is not DataType.live:
            broker.set_market_data_type(_DATA_TYPE[data_type])
        if once:
            _once(broker, good, bad, timeout, out)
            return
        if not good:
            fail(out, _unknown(bad, False))
        if bad:
            out.problem(_unknown(bad, True), emit=False)
        run_live(lambda: _stream(broker, good, timeout, count, out), broker, conn)
    if bad:
        raise typer.Exit(int(ExitCode.FAILED))
