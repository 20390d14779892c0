"""``ibwire account``, ``positions``, ``orders`` and ``fills``: what the account holds and did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from ..client.broker import Broker
from ..client.market import CompletedOrderInfo
from ..client.tickets import Fill, OrderTicket
from ..models import AccountValue, Contract, ExecutionFilter, PortfolioItem, Position
from ..protocol.codec import parse_tws_time
from .app import app
from .common import connect
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
    TzOpt,
)
from .output import Output, contract_json, fmt_money, fmt_price, fmt_qty, fmt_time
from .problems import guard
from .tables import Col, FitTable

__all__ = ["KEY_VALUES", "order_kind", "all_open_orders", "ticket_json", "fill_json", "orders_table",
           "fills_table",
           "positions_rows", "positions_table", "completed_table", "fills_total"]

KEY_VALUES = ("NetLiquidation", "TotalCashValue", "SettledCash", "BuyingPower", "AvailableFunds",
              "ExcessLiquidity", "GrossPositionValue", "EquityWithLoanValue", "InitMarginReq",
              "MaintMarginReq", "UnrealizedPnL", "RealizedPnL", "Cushion")
"""The account values shown without --all, in this order."""

AccountOpt = Annotated[str | None, typer.Option(
    "--account", help="Only this account (default: every account of the login).")]


def _accounts(broker: Broker, account: str | None) -> list[str]:
    if account:
        return [account]
    return list(broker.accounts)


# --- account -------------------------------------------------------------------------------------------

@app.command("account")
def account_cmd(
    account: AccountOpt = None,
    all_values: Annotated[bool, typer.Option("--all", help="Every value TWS reports, not just "
                                                           "the key ones.")] = False,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Account values: net liquidation, cash, buying power, margin, PnL.

    Example: ibwire account --all --json
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        rows: list[AccountValue] = []
        for acct in _accounts(broker, account):
            rows.extend(broker.account_values(acct))
    out.emit([{"account": v.account, "key": v.key, "value": v.value, "currency": v.currency}
              for v in rows])
    if out.json_mode:
        return
    by_account: dict[str | None, list[AccountValue]] = {}
    for v in rows:
        by_account.setdefault(v.account, []).append(v)
    for name, values in by_account.items():
        table = FitTable(f"account {name}", [Col("key"), Col("value", "right"), Col("currency")])
        if all_values:
            chosen = sorted(values, key=lambda v: (v.key or "", v.currency or ""))
        else:
            chosen = []
            for key in KEY_VALUES:
                matches = [v for v in values if v.key == key]
                base = [v for v in matches if v.currency in ("BASE",)]
                chosen.extend(base or [v for v in matches if v.currency != "BASE"][:1] or matches[:1])
        for v in chosen:
            signed = (v.key or "").endswith("PnL")
            table.add_row(v.key or "", fmt_money(v.value, signed) if _numeric(v.value) else (v.value or ""),
                          v.currency or "")
        out.print(table)


def _numeric(text: str | None) -> bool:
    try:
        float(text or "")
    except ValueError:
        return False
    return True


# --- positions -----------------------------------------------------------------------------------------

def positions_rows(broker: Broker, account: str | None = None) -> list[dict[str, Any]]:
    """Positions of every account with market price, value and PnL from the portfolio."""
    positions: list[Position] = broker.positions()
    if account:
        positions = [p for p in positions if p.account == account]
    items: dict[tuple[str | None, int | None], PortfolioItem] = {}
    for acct in sorted({p.account for p in positions if p.account}):
        for entry in broker.portfolio(acct):
            items[(entry.account or acct, entry.contract.con_id)] = entry
    rows = []
    for p in positions:
        item = items.get((p.account, p.contract.con_id))
        rows.append({
            "account": p.account, "contract": p.contract, "position": p.position,
            "avg_cost": p.avg_cost,
            "market_price": item.market_price if item else None,
            "market_value": item.market_value if item else None,
            "unrealized_pnl": item.unrealized_pnl if item else None,
            "realized_pnl": item.realized_pnl if item else None,
        })
    rows.sort(key=lambda r: (r["account"] or "", str(r["contract"])))
    return rows


def positions_table(rows: Sequence[dict[str, Any]], title: str = "positions") -> FitTable:
    """Contract, position and price always; unrealized PnL, value, avg cost, realized PnL and the
    account as the width allows (the account goes first, unless there are several)."""
    several = len({r["account"] for r in rows}) > 1  # then the account tells the rows apart
    table = FitTable(title, [Col("account", drop=0 if several else 5), Col("contract"),
                             Col("position", "right"),
                             Col("avg cost", "right", 3), Col("price", "right"),
                             Col("value", "right", 2), Col("unrealized PnL", "right", 1),
                             Col("realized PnL", "right", 4)])
    for r in rows:
        table.add_row(r["account"] or "", str(r["contract"]), fmt_qty(r["position"]),
                      fmt_price(r["avg_cost"], 4) if r["avg_cost"] is not None else "-",
                      fmt_price(r["market_price"]), fmt_money(r["market_value"]),
                      fmt_money(r["unrealized_pnl"], True), fmt_money(r["realized_pnl"], True))
    return table


@app.command("positions")
def positions_cmd(
    account: AccountOpt = None,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Positions with average cost, market value and unrealized PnL.

    Example: ibwire positions --json
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        rows = positions_rows(broker, account)
    out.emit([{**r, "contract": contract_json(r["contract"])} for r in rows])
    if not rows:
        out.print("no positions")
        return
    out.print(positions_table(rows))


# --- orders --------------------------------------------------------------------------------------------

def all_open_orders(broker: Broker, timeout: float | None = None) -> list[OrderTicket]:
    """Open orders of every client (REQ_ALL_OPEN_ORDERS), not only this client id's."""
    result: list[OrderTicket] = broker.open_orders(timeout, all_clients=True)
    return result


def ticket_json(t: OrderTicket) -> dict[str, Any]:
    o = t.order
    return {
        "order_id": t.order_id, "perm_id": t.perm_id, "client_id": o.client_id,
        "account": o.account,
        "action": o.action, "quantity": o.total_quantity, "contract": contract_json(t.contract),
        "order_type": o.order_type, "limit_price": o.lmt_price, "stop_price": o.aux_price,
        "tif": o.tif, "status": t.status, "filled": t.filled, "remaining": t.remaining,
        "avg_fill_price": t.avg_fill_price, "ref": t.client_order_id,
        "fills": [fill_json(f) for f in t.fills],
        "errors": [{"code": c, "message": m} for c, m in t.errors],
    }


def order_kind(order_type: str | None, lmt_price: float | None, aux_price: float | None) -> str:
    """``LMT 230.50``, ``STP stop 220.00``, ``STP LMT 219.50 stop 220.00``, ``MKT``."""
    text = order_type or "?"
    if lmt_price is not None and order_type in ("LMT", "STP LMT"):
        text += f" {fmt_price(lmt_price, exact=True)}"
    if aux_price is not None and order_type in ("STP", "STP LMT"):
        text += f" stop {fmt_price(aux_price, exact=True)}"
    return text


def _order_kind(t: OrderTicket) -> str:
    return order_kind(t.order.order_type, t.order.lmt_price, t.order.aux_price)


def orders_table(tickets: Sequence[OrderTicket], title: str = "open orders") -> FitTable:
    """Id, side, quantity, contract, type with its prices and status always; the client id, ref,
    filled, average price and tif as the width allows."""
    table = FitTable(title, [Col("id", "right"), Col("client", "right", 4), Col("side"),
                             Col("qty", "right"), Col("contract"), Col("type"), Col("tif", drop=7),
                             Col("status"), Col("filled", "right", 5), Col("avg price", "right", 6),
                             Col("ref", drop=3)])
    for t in tickets:
        side = t.order.action or "?"
        table.add_row(str(t.order_id), str(t.order.client_id if t.order.client_id is not None else "-"),
                      f"[green]{side}[/]" if side == "BUY" else f"[red]{side}[/]",
                      fmt_qty(t.order.total_quantity), str(t.contract), _order_kind(t),
                      t.order.tif or "DAY", t.status, fmt_qty(t.filled),
                      fmt_price(t.avg_fill_price) if t.filled else "-",
                      t.client_order_id or "")
    return table


def completed_time(c: CompletedOrderInfo) -> datetime | None:
    """When TWS completed the order (its text ``20261205 22:27:33 America/New_York``), or None."""
    text = c.order_state.completed_time
    if not text:
        return None
    try:
        return parse_tws_time(text)
    except ValueError:
        return None


CompletedIds = dict[int, tuple[int | None, int | None]]
"""perm id -> (client id, order id), from the day's executions."""


def completed_ids(fills: Sequence[Fill]) -> CompletedIds:
    """COMPLETED_ORDER carries neither the client id nor the order id (TWS leaves them out); an
    order that filled has both on its executions, matched by perm id."""
    ids: CompletedIds = {}
    for f in fills:
        ex = f.execution
        if ex.perm_id:
            ids[ex.perm_id] = (ex.client_id, ex.order_id)
    return ids


def _completed_json(c: CompletedOrderInfo, ids: CompletedIds) -> dict[str, Any]:
    o = c.order
    client_id, order_id = ids.get(o.perm_id or 0, (None, None))
    return {"perm_id": o.perm_id, "order_id": order_id, "client_id": client_id,
            "account": o.account,
            "action": o.action, "quantity": o.total_quantity, "contract": contract_json(c.contract),
            "order_type": o.order_type, "limit_price": o.lmt_price, "stop_price": o.aux_price,
            "tif": o.tif, "status": c.order_state.status, "filled": o.filled_quantity,
            "completed_status": c.order_state.completed_status,
            "completed_time": completed_time(c), "ref": o.order_ref}


def completed_table(done: Sequence[CompletedOrderInfo], ids: CompletedIds,
                    title: str = "completed orders") -> FitTable:
    """Side, quantity, contract, type, status and when always; the rest as the width allows. The
    client id is known for orders that filled (from their executions), ``-`` otherwise."""
    table = FitTable(title, [Col("perm id", "right", 5), Col("client", "right", 3), Col("side"),
                             Col("qty", "right"), Col("contract"), Col("type"), Col("status"),
                             Col("filled", "right", 4), Col("completed", drop=1),
                             Col("ref", drop=2)])
    for c in done:
        o = c.order
        client_id, _ = ids.get(o.perm_id or 0, (None, None))
        side = o.action or "?"
        table.add_row(str(o.perm_id or "-"), "-" if client_id is None else str(client_id),
                      f"[green]{side}[/]" if side == "BUY" else f"[red]{side}[/]",
                      fmt_qty(o.total_quantity), str(c.contract),
                      order_kind(o.order_type, o.lmt_price, o.aux_price),
                      c.order_state.status or "?", fmt_qty(o.filled_quantity),
                      fmt_time(completed_time(c)) if completed_time(c) else
                      (c.order_state.completed_time or "-"), o.order_ref or "")
    return table


@app.command("orders")
def orders_cmd(
    all_clients: Annotated[bool, typer.Option("--all", help="Open orders of every client id and "
                                                            "TWS itself, not only this client id's.")] = False,
    completed: Annotated[bool, typer.Option("--completed", help="Orders completed today (filled, "
                                                                "cancelled, inactive) instead.")] = False,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """Open orders of this client id; --all: of every client and TWS; --completed: today's done ones.

    Example: ibwire orders --all
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    if completed:
        with guard(out, conn), connect(conn) as broker:
            done = broker.completed_orders()
            ids = completed_ids(broker.executions()) if done else {}
        out.emit([_completed_json(c, ids) for c in done])
        if not out.json_mode:
            out.print(completed_table(done, ids) if done else "no completed orders today")
        return
    with guard(out, conn), connect(conn) as broker:
        tickets = all_open_orders(broker) if all_clients else broker.open_orders()
    tickets = sorted(tickets, key=lambda t: (t.order.client_id or 0, t.order_id, t.perm_id or 0))
    out.emit([ticket_json(t) for t in tickets])
    if not tickets:
        out.print("no open orders" + ("" if all_clients else f" for client id {client_id} "
                                      "(--all shows every client's)"))
        return
    out.print(orders_table(tickets))


# --- fills ---------------------------------------------------------------------------------------------

def fill_json(f: Fill) -> dict[str, Any]:
    ex, cr = f.execution, f.commission_report
    return {
        "exec_id": ex.exec_id, "time": ex.time, "account": ex.acct_number, "side": ex.side,
        "shares": ex.shares, "price": ex.price, "contract": contract_json(f.contract),
        "exchange": ex.exchange, "order_id": ex.order_id, "client_id": ex.client_id,
        "perm_id": ex.perm_id, "ref": ex.order_ref, "cum_qty": ex.cum_qty, "avg_price": ex.avg_price,
        "commission": cr.commission if cr else None, "commission_currency": cr.currency if cr else None,
        "realized_pnl": cr.realized_pnl if cr else None,
    }


def fills_table(fills: Sequence[Fill], title: str = "fills") -> FitTable:
    """Time, side, shares, contract and price always; commission, client/order, realized PnL, the
    account (always when there are several) and the exec id as the width allows."""
    several = len({f.execution.acct_number for f in fills}) > 1
    table = FitTable(title, [Col("time", drop=1), Col("side"), Col("shares", "right"), Col("contract"),
                             Col("price", "right"), Col("commission", "right", 2),
                             Col("realized PnL", "right", 4), Col("order", "right", 3),
                             Col("account", drop=0 if several else 5), Col("exec id", drop=6)])
    for f in fills:
        ex, cr = f.execution, f.commission_report
        side = ex.side or "?"
        commission = "-" if cr is None or cr.commission is None else \
            f"{fmt_money(cr.commission)} {cr.currency or ''}".strip()
        table.add_row(fmt_time(ex.time), f"[green]{side}[/]" if side == "BOT" else f"[red]{side}[/]",
                      fmt_qty(ex.shares), str(f.contract), fmt_price(ex.price), commission,
                      fmt_money(cr.realized_pnl if cr else None, True),
                      f"{ex.client_id}/{ex.order_id}", ex.acct_number or "", ex.exec_id or "")
    return table


def fills_total(fills: Sequence[Fill]) -> str:
    """``3 fills: AAPL bought 100, sold 50; EUR.USD bought 20,000; commissions 3.00 USD``: shares,
    currency units and contracts are never added together."""
    bought: dict[str, Decimal] = {}
    sold: dict[str, Decimal] = {}
    order: list[str] = []
    commissions: dict[str, float] = {}
    for f in fills:
        key = _contract_key(f.contract)
        if key not in order:
            order.append(key)
        qty = f.execution.shares or Decimal(0)
        side = bought if f.execution.side in ("BOT", "BUY") else sold
        side[key] = side.get(key, Decimal(0)) + qty
        cr = f.commission_report
        if cr is not None and cr.commission is not None:
            cur = cr.currency or ""
            commissions[cur] = commissions.get(cur, 0.0) + cr.commission
    parts = []
    for key in order:
        sides = [f"{word} {fmt_qty(d[key])}" for word, d in (("bought", bought), ("sold", sold))
                 if key in d]
        parts.append(f"{key} {', '.join(sides)}")
    text = f"{len(fills)} fill{'s' if len(fills) != 1 else ''}: " + "; ".join(parts)
    if commissions:
        text += "; commissions " + ", ".join(f"{fmt_money(v)} {cur}".strip()
                                             for cur, v in commissions.items())
    return text


def _contract_key(c: Contract) -> str:
    return str(c)


@app.command("fills")
def fills_cmd(
    symbol: Annotated[str | None, typer.Option("--symbol", help="Only this symbol.")] = None,
    side: Annotated[str | None, typer.Option("--side", help="Only BUY or SELL.")] = None,
    account: AccountOpt = None,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """Today's executions with commissions and realized PnL (every client's for the master client id).

    Example: ibwire fills --symbol AAPL --json
    """
    if side is not None and side.upper() not in ("BUY", "SELL"):
        raise typer.BadParameter("BUY or SELL", param_hint="--side")
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    flt = ExecutionFilter(symbol=symbol.upper() if symbol else None,
                          side=side.upper() if side else None, acct_code=account)
    with guard(out, conn), connect(conn) as broker:
        fills = broker.executions(flt)
        # commission reports may trail their executions by a moment
        broker.wait_until(lambda: all(f.commission_report for f in fills), min(2.0, timeout))
    fills = sorted(fills, key=lambda f: (f.execution.time.timestamp() if f.execution.time else 0.0,
                                         f.exec_id or ""))
    out.emit([fill_json(f) for f in fills])
    if not fills:
        out.print("no fills today")
        return
    out.print(fills_table(fills))
    out.print(fills_total(fills))
