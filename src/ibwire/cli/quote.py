"""``ibwire quote``: live bid / ask / last / volume lines until Ctrl-C, or one snapshot (--once)."""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from ..client.broker import Broker
from ..client.ticker import Ticker
from ..errors import ConnectionLost
from ..models import Contract
from .app import app
from .common import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    CurrencyOpt,
    ExchangeOpt,
    HostOpt,
    JsonOpt,
    Output,
    PortOpt,
    SecTypeOpt,
    TimeoutOpt,
    connect,
    contract_json,
    fmt_price,
    fmt_qty,
    fmt_time,
    guard,
    make_contract,
    sigterm_as_interrupt,
)

__all__ = ["quote_json", "quote_line", "quotes_table", "complete"]


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


def quotes_table(tickers: Sequence[Ticker]) -> Table:
    table = Table(title="quotes (Ctrl-C to stop)", title_justify="left")
    for name, justify in (("contract", "left"), ("bid size", "right"), ("bid", "right"), ("ask", "right"),
                          ("ask size", "right"), ("last", "right"), ("volume", "right"),
                          ("high", "right"), ("low", "right"), ("close", "right"),
                          ("last trade", "left"), ("", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in tickers:
        d = _digits(t)
        status = f"[red]{t.error}[/]" if t.error else _TYPE_NAME.get(t.market_data_type or 0, "")
        table.add_row(str(t.contract), fmt_qty(t.bid_size), f"[bold]{fmt_price(t.bid, d)}[/]",
                      f"[bold]{fmt_price(t.ask, d)}[/]", fmt_qty(t.ask_size), fmt_price(t.last, d),
                      fmt_qty(t.volume), fmt_price(t.high, d), fmt_price(t.low, d),
                      fmt_price(t.close, d), fmt_time(t.time), status)
    return table


def complete(t: Ticker) -> bool:
    """A quote worth printing: both sides and a last (or an error)."""
    return t.error is not None or (t.bid is not None and t.ask is not None and t.last is not None)


def _subscribe(broker: Broker, contracts: Sequence[Contract], timeout: float) -> list[Ticker]:
    return [broker.market_data(c, timeout=timeout) for c in contracts]


def _once(broker: Broker, contracts: Sequence[Contract], timeout: float, out: Output) -> None:
    tickers = _subscribe(broker, contracts, timeout)
    try:
        broker.wait_until(lambda: all(complete(t) for t in tickers), timeout)
        # the volume follows the prices in TWS's first burst (forex has none: wait a moment only)
        broker.wait_until(lambda: all(t.volume is not None or t.error is not None for t in tickers),
                          min(0.5, timeout))
    finally:
        for t in tickers:
            broker.cancel_market_data(t)
    errors = [t.error for t in tickers if t.error is not None]
    out.emit([quote_json(t) for t in tickers])
    if not out.json_mode:
        out.print(quotes_table(tickers) if out.console.is_terminal else
                  "\n".join(quote_line(t) for t in tickers))
    if errors:
        raise errors[0]


def _changes(changed: queue.SimpleQueue[Ticker], broker: Broker) -> Iterator[Ticker]:
    """Tickers as they change, until the connection ends (the 1 s wake-up keeps Ctrl-C quick)."""
    while True:
        try:
            yield changed.get(timeout=1.0)
        except queue.Empty:
            if not broker.is_connected():
                return


def _stream(broker: Broker, contracts: Sequence[Contract], timeout: float, count: int | None,
            out: Output) -> None:
    changed: queue.SimpleQueue[Ticker] = queue.SimpleQueue()
    tickers: list[Ticker] = []

    def on_event(ev: object) -> None:
        if isinstance(ev, Ticker):
            changed.put(ev)

    broker.add_listener(on_event)
    tickers = _subscribe(broker, contracts, timeout)
    printed = 0
    live_view = out.console.is_terminal and not out.json_mode
    try:
        if live_view:
            with Live(quotes_table(tickers), console=out.console, refresh_per_second=8,
                      transient=False) as live:
                for t in _changes(changed, broker):
                    live.update(quotes_table(tickers))
                    printed += 1
                    if t.error is not None and all(x.error is not None for x in tickers):
                        raise t.error
                    if count is not None and printed >= count:
                        break
            return
        last: dict[int, str] = {}
        for t in tickers:  # what came with the subscription
            if complete(t):
                changed.put(t)
        for t in _changes(changed, broker):
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
                out.console.print(line)
                sys.stdout.flush()
            printed += 1
            if count is not None and printed >= count:
                break
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
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Live quotes until Ctrl-C (a table on a terminal, one line per change otherwise).

    Examples: ibwire quote AAPL MSFT; ibwire quote EUR.USD --once --json
    """
    contracts = [make_contract(s, sec_type, exchange, currency) for s in symbols]
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        if data_type is not DataType.live:
            broker.set_market_data_type(_DATA_TYPE[data_type])
        if once:
            _once(broker, contracts, timeout, out)
            return
        try:
            with sigterm_as_interrupt():
                _stream(broker, contracts, timeout, count, out)
        except KeyboardInterrupt:
            return
        if not broker.is_connected():
            raise _lost(conn)


def _lost(conn: Conn) -> Exception:
    return ConnectionLost(f"TWS at {conn.address} closed the connection")

