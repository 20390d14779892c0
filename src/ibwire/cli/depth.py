"""``ibwire depth SYMBOL``: a live order book ladder until Ctrl-C (``--once``: one picture).

The symbol is first matched to its contract (contract details), so an unknown one fails with its
name. The book is the Broker's :class:`~ibwire.client.book.OrderBook`; what is shown is redrawn
after the row operations read together (a burst of :class:`~ibwire.client.book.DepthUpdate`
events is drawn once), so a state shown is one the book had between two reads.
"""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.live import Live

from ..client.book import DepthUpdate, OrderBook
from ..client.broker import Broker
from ..models.depth import DepthLevel
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
from .problems import fail, guard
from .quote import _unknown, resolve
from .tables import Col, FitTable

__all__ = ["book_json", "ladder_table", "ladder_lines"]


def _digits(book: OrderBook) -> int:
    return 5 if book.contract.sec_type == "CASH" else 2


def _row(level: DepthLevel) -> list[Any]:
    return [level.price, level.size, level.market_maker]


def book_json(book: OrderBook, bids: list[DepthLevel], asks: list[DepthLevel]) -> dict[str, Any]:
    return {"contract": contract_json(book.contract), "smart": book.smart, "rows": book.rows,
            "time": book.time, "bids": [_row(r) for r in bids], "asks": [_row(r) for r in asks],
            "updates": book.updates, "resets": book.resets}


def ladder_table(book: OrderBook, bids: list[DepthLevel], asks: list[DepthLevel],
                 live: bool = False) -> FitTable:
    """Bids on the left (best first), asks on the right; the market makers as width allows."""
    title = f"{book.contract} depth" + (" (SMART)" if book.smart else "")
    if book.time is not None:
        title += f" at {fmt_time(book.time, short=True)}"
    if live:
        title += " (Ctrl-C to stop)"
    table = FitTable(title, [
        Col("bid mm", drop=2), Col("bid size", "right"), Col("bid", "right"),
        Col("ask", "right"), Col("ask size", "right"), Col("ask mm", drop=1)])
    d = _digits(book)
    for i in range(max(len(bids), len(asks))):
        b = bids[i] if i < len(bids) else None
        a = asks[i] if i < len(asks) else None
        table.add_row(
            (b.market_maker or "") if b else "", fmt_qty(b.size) if b else "",
            f"[bold green]{fmt_price(b.price, d)}[/]" if b else "",
            f"[bold red]{fmt_price(a.price, d)}[/]" if a else "", fmt_qty(a.size) if a else "",
            (a.market_maker or "") if a else "")
    return table


def ladder_lines(book: OrderBook, bids: list[DepthLevel], asks: list[DepthLevel]) -> list[str]:
    """The ladder as plain text: one line per row, bid side then ask side."""
    d = _digits(book)
    out = [f"{book.contract} depth" + (" (SMART)" if book.smart else "")
           + (f" at {fmt_time(book.time, short=True)}" if book.time else "")]
    for i in range(max(len(bids), len(asks))):
        b = bids[i] if i < len(bids) else None
        a = asks[i] if i < len(asks) else None
        left = f"{b.market_maker or '':<8} {fmt_qty(b.size):>8} {fmt_price(b.price, d):>10}" \
            if b else " " * 28
        right = f"{fmt_price(a.price, d):<10} {fmt_qty(a.size):<8} {a.market_maker or ''}" \
            if a else ""
        out.append(f"{left} | {right}".rstrip())
    return out


def _snapshot(book: OrderBook) -> tuple[list[DepthLevel], list[DepthLevel]]:
    return list(book.bids), list(book.asks)


def _changes(changed: queue.SimpleQueue[object], broker: Broker) -> Iterator[None]:
    """Once per burst of depth updates (everything queued is taken at once), until the connection
    ends (the 1 s wake-up keeps Ctrl-C quick)."""
    while True:
        try:
            changed.get(timeout=1.0)
        except queue.Empty:
            if not broker.is_connected():
                return
            continue
        while True:
            try:
                changed.get_nowait()
            except queue.Empty:
                break
        yield None


def _full(book: OrderBook) -> bool:
    return book.error is not None or (len(book.bids) >= book.rows and len(book.asks) >= book.rows)


def _stream(broker: Broker, book: OrderBook, changed: queue.SimpleQueue[object],
            count: int | None, out: Output) -> None:
    shown = 0
    if out.console.is_terminal and not out.json_mode:
        with Live(ladder_table(book, *_snapshot(book), live=True), console=out.console,
                  refresh_per_second=8, transient=False) as live:
            for _ in _changes(changed, broker):
                if book.error is not None:
                    raise book.error
                live.update(ladder_table(book, *_snapshot(book), live=True))
                shown += 1
                if count is not None and shown >= count:
                    return
        return
    last: tuple[list[DepthLevel], list[DepthLevel]] | None = None
    changed.put(None)  # what came with the subscription
    for _ in _changes(changed, broker):
        if book.error is not None:
            raise book.error
        bids, asks = _snapshot(book)
        if (bids, asks) == last or not bids or not asks:
            continue  # nothing shown changed, or a side is being rebuilt (317)
        last = (bids, asks)
        shown += 1
        if out.json_mode:
            out.emit({**book_json(book, bids, asks), "seq": shown})
        else:
            for line in ladder_lines(book, bids, asks):
                out.console.print(line, soft_wrap=True)
            out.console.print("", soft_wrap=True)
            sys.stdout.flush()
        if count is not None and shown >= count:
            return


@app.command("depth")
def depth(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, EUR.USD (forex), ES:202612 (future).")],
    rows: Annotated[int, typer.Option("--rows", min=1, max=100,
                                      help="Rows a side.")] = 10,
    smart: Annotated[bool, typer.Option("--smart", help="SMART depth: the book over SMART's "
                                                        "exchanges, each row naming its "
                                                        "exchange.")] = False,
    once: Annotated[bool, typer.Option("--once", help="One picture of the book, then exit.")] = False,
    count: Annotated[int | None, typer.Option("--count", min=1,
                                              help="Stop after this many updates.")] = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """A live order book ladder until Ctrl-C (a table on a terminal, the ladder per change
    otherwise; --json: one JSON object per change).

    Examples: ibwire depth AAPL --smart; ibwire depth ES:202612 --exchange CME --rows 5 --json
    """
    contract = make_contract(symbol, sec_type, exchange, currency)
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        good, bad = resolve(broker, [symbol], [contract], timeout)
        if bad:
            fail(out, _unknown(bad, False))
        changed: queue.SimpleQueue[object] = queue.SimpleQueue()

        def on_event(ev: object) -> None:
            if isinstance(ev, DepthUpdate):
                changed.put(None)

        broker.add_listener(on_event)
        book = broker.market_depth(good[0], rows=rows, smart=smart, timeout=timeout)
        try:
            if once:
                broker.wait_until(lambda: _full(book), timeout)
                if book.error is not None:
                    raise book.error
                bids, asks = _snapshot(book)
                out.emit(book_json(book, bids, asks))
                if out.console.is_terminal:
                    out.print(ladder_table(book, bids, asks))
                elif not out.json_mode:
                    for line in ladder_lines(book, bids, asks):
                        out.console.print(line, soft_wrap=True)
                return
            run_live(lambda: _stream(broker, book, changed, count, out), broker, conn)
        finally:
            broker.remove_listener(on_event)
            if broker.is_connected():
                broker.cancel_market_depth(book)
