"""``ibwire pnl``: live daily / unrealized / realized PnL per account and per position.

Subscribes to each account's PnL (REQ_PNL) and to each position it holds when the command starts
(REQ_PNL_SINGLE), and shows them as TWS updates them: a table redrawn in place on a terminal, one
line per change otherwise, one JSON document per change with ``--json``; ``--once`` prints the
first values and exits. Values are in the account's base currency; a realized PnL TWS left unset
(a position not traded since its daily reset) shows as ``-`` (``null`` in JSON).
"""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import typer
from rich.live import Live

from ..client.broker import Broker
from ..client.pnl import PnL, PnLSingle
from ..models import Contract
from .account import AccountOpt
from .app import app
from .common import connect, run_live
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    HostOpt,
    JsonOpt,
    PortOpt,
    TimeoutOpt,
)
from .output import Output, contract_json, fmt_money, fmt_qty
from .problems import guard
from .tables import Col, FitTable

__all__ = ["pnl_json", "pnl_line", "pnl_table", "subscribe"]

Row = tuple[PnL | PnLSingle, Contract | None]


def pnl_json(p: PnL | PnLSingle, contract: Contract | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"account": p.account, "contract": None, "position": None,
                           "daily_pnl": p.daily_pnl, "unrealized_pnl": p.unrealized_pnl,
                           "realized_pnl": p.realized_pnl, "value": None}
    if isinstance(p, PnLSingle):
        doc["contract"] = contract_json(contract) if contract is not None else {"con_id": p.con_id}
        doc["position"] = p.position
        doc["value"] = p.value
    return doc


def _name(p: PnL | PnLSingle, contract: Contract | None) -> str:
    if isinstance(p, PnLSingle):
        return str(contract) if contract is not None else f"con id {p.con_id}"
    return "account total"


def pnl_line(p: PnL | PnLSingle, contract: Contract | None) -> str:
    head = f"{p.account} {_name(p, contract):<16}"
    if isinstance(p, PnLSingle):
        head += f" position {fmt_qty(p.position):>8} value {_plain(p.value):>14}"
    return (f"{head} daily {_plain(p.daily_pnl):>12} unrealized {_plain(p.unrealized_pnl):>12} "
            f"realized {_plain(p.realized_pnl):>12}")


def _plain(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


def pnl_table(rows: Sequence[Row], live: bool = False) -> FitTable:
    """One row per account total and per position: daily, unrealized and realized PnL always,
    the position and its value as the width allows."""
    several = len({p.account for p, _ in rows}) > 1
    table = FitTable("PnL (Ctrl-C to stop)" if live else "PnL", [
        Col("account", drop=0 if several else 4), Col("contract"),
        Col("position", "right", 2), Col("value", "right", 3), Col("daily", "right"),
        Col("unrealized", "right"), Col("realized", "right", 1)])
    for p, contract in rows:
        single = isinstance(p, PnLSingle)
        table.add_row(p.account, _name(p, contract),
                      fmt_qty(p.position) if isinstance(p, PnLSingle) else "",
                      fmt_money(p.value) if isinstance(p, PnLSingle) else "",
                      fmt_money(p.daily_pnl, True), fmt_money(p.unrealized_pnl, True),
                      fmt_money(p.realized_pnl, True) if (p.realized_pnl is not None or
                                                          not single) else "-")
    return table


def subscribe(broker: Broker, accounts: Sequence[str], timeout: float) -> list[Row]:
    """Each account's PnL, then its positions' (those it holds now), in that order."""
    positions = [p for p in broker.positions(timeout=timeout) if p.account in accounts]
    rows: list[Row] = []
    for acct in accounts:
        rows.append((broker.pnl(acct, timeout=timeout), None))
        for pos in sorted((p for p in positions if p.account == acct), key=lambda p: str(p.contract)):
            if pos.contract.con_id:
                rows.append((broker.pnl_single(acct, pos.contract.con_id, timeout=timeout),
                             pos.contract))
    return rows


def _changes(changed: queue.SimpleQueue[PnL | PnLSingle],
             broker: Broker) -> Iterator[PnL | PnLSingle]:
    """Updated PnL objects until the connection ends (the 1 s wake-up keeps Ctrl-C quick)."""
    while True:
        try:
            yield changed.get(timeout=1.0)
        except queue.Empty:
            if not broker.is_connected():
                return


def _stream(broker: Broker, rows: list[Row], count: int | None, out: Output,
            changed: queue.SimpleQueue[PnL | PnLSingle]) -> None:
    contracts = {id(p): c for p, c in rows}
    printed = 0
    if out.console.is_terminal and not out.json_mode:
        with Live(pnl_table(rows, live=True), console=out.console, refresh_per_second=4) as live:
            for _ in _changes(changed, broker):
                live.update(pnl_table(rows, live=True))
                printed += 1
                if count is not None and printed >= count:
                    return
        return
    last: dict[int, str] = {}
    for p in _changes(changed, broker):
        if id(p) not in contracts:
            continue
        line = pnl_line(p, contracts[id(p)])
        if last.get(id(p)) == line:
            continue  # nothing shown changed
        last[id(p)] = line
        printed += 1
        if out.json_mode:
            out.emit({**pnl_json(p, contracts[id(p)]), "seq": printed})
        else:
            out.console.print(line, soft_wrap=True)
            sys.stdout.flush()
        if count is not None and printed >= count:
            return


@app.command("pnl")
def pnl_cmd(
    account: AccountOpt = None,
    once: Annotated[bool, typer.Option("--once", help="The current values, then exit.")] = False,
    count: Annotated[int | None, typer.Option("--count", min=1,
                                              help="Stop after this many updates.")] = None,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Live PnL until Ctrl-C: daily, unrealized and realized, per account and per position.

    Examples: ibwire pnl; ibwire pnl --once --json; ibwire pnl --account DU1234567 --count 10
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    changed: queue.SimpleQueue[PnL | PnLSingle] = queue.SimpleQueue()

    def on_event(ev: object) -> None:
        if isinstance(ev, (PnL, PnLSingle)):
            changed.put(ev)

    with guard(out, conn), connect(conn) as broker:
        accounts = [account] if account else list(broker.accounts)
        broker.add_listener(on_event)  # first: the subscriptions' first values are changes too
        rows = subscribe(broker, accounts, timeout)
        if once:
            out.emit([pnl_json(p, c) for p, c in rows])
            if out.console.is_terminal:
                out.print(pnl_table(rows))
            else:
                for p, c in rows:
                    out.print(pnl_line(p, c), soft_wrap=True)
            return
        try:
            run_live(lambda: _stream(broker, rows, count, out, changed), broker, conn)
        finally:
            broker.remove_listener(on_event)
