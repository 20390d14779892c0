"""``ibwire buy``, ``ibwire sell`` and ``ibwire cancel``: send and cancel orders from the terminal.

Orders to an account that is not a paper account (ids starting DU) are confirmed first unless
``--yes``. The acknowledgement is printed as soon as TWS sends it; ``--wait`` waits for the order
to finish and prints its fills.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import typer
import typer.core

from ..client.broker import Broker
from ..client.tickets import OrderTicket
from ..errors import IbwireError, OrderRejected, RequestTimeout
from ..models import Contract, LimitOrder, MarketOrder, Order, StopLimitOrder, StopOrder
from .account import all_open_orders, fills_table, order_kind, orders_table, ticket_json
from .app import app
from .common import connect, is_paper
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
from .output import Output, contract_json, fmt_money, fmt_price, fmt_qty
from .problems import ExitCode, Problem, describe, fail, guard

__all__ = ["build_order", "place", "nearest_ticks", "tick_advice"]


class Tif(StrEnum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"


def _quantity(text: str) -> Decimal:
    try:
        q = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a number", param_hint="QTY") from None
    if not q.is_finite() or q <= 0:
        raise typer.BadParameter("quantities are positive; the command gives the side (BUY or "
                                 "SELL)", param_hint="QTY")
    return q


def build_order(action: str, quantity: Decimal, limit: float | None, stop: float | None,
                tif: str, outside_rth: bool = False) -> Order:
    """MKT, LMT (--limit), STP (--stop) or STP LMT (both)."""
    for name, price in (("--limit", limit), ("--stop", stop)):
        if price is not None and price <= 0:
            raise typer.BadParameter("prices are positive", param_hint=name)
    if limit is not None and stop is not None:
        order = StopLimitOrder(action, quantity, limit, stop)
    elif limit is not None:
        order = LimitOrder(action, quantity, limit)
    elif stop is not None:
        order = StopOrder(action, quantity, stop)
    else:
        if tif == "GTC":
            raise typer.BadParameter("a market order cannot be GTC: give --limit or --stop, "
                                     "or use DAY / IOC", param_hint="--tif")
        order = MarketOrder(action, quantity)
    order.tif = tif
    order.outside_rth = outside_rth
    return order


def describe_order(contract: Contract, order: Order) -> str:
    kind = order_kind(order.order_type, order.lmt_price, order.aux_price)
    return f"{order.action} {fmt_qty(order.total_quantity)} {contract} {kind} {order.tif or 'DAY'}"


def confirm_live(broker: Broker, what: str, yes: bool, out: Output) -> None:
    """Ask before acting on a live account (every managed id not starting DU)."""
    if yes or is_paper(broker.accounts):
        return
    accounts = ", ".join(broker.accounts) or "?"
    out.err.print(f"[bold yellow]LIVE account {accounts}[/] at {broker.host}:{broker.port}")
    if not typer.confirm(f"{what}: send?", default=False, err=True):
        fail(out, Problem(ExitCode.FAILED, "not sent: not confirmed", [
            "pass --yes to skip this question (only paper accounts, ids starting DU, skip it "
            "by default)"], None, "not_confirmed"))


def place(broker: Broker, contract: Contract, order: Order, ref: str | None, wait: bool,
          wait_timeout: float, out: Output, timeout: float) -> int:
    """Send the order, print the acknowledgement (and the fills with ``wait``); the exit code."""
    ticket = broker.submit_order(contract, order, client_order_id=ref, timeout=timeout)
    ref_text = f" (ref {ticket.client_order_id})" if ticket.client_order_id else ""
    out.print(f"order [bold]{ticket.order_id}[/]: {describe_order(contract, order)} -> "
              f"[bold]{ticket.status}[/]{ref_text}")
    if not wait:
        out.emit(ticket_json(ticket))
        return 0
    try:
        ticket.wait_done(wait_timeout)
    except RequestTimeout:
        out.emit(ticket_json(ticket))
        fail(out, Problem(ExitCode.FAILED,
                          f"order {ticket.order_id} is still {ticket.status} after {wait_timeout:g} s "
                          f"(filled {fmt_qty(ticket.filled)})", [
                              "it keeps working in TWS: watch it with `ibwire orders`, or cancel it "
                              f"with `ibwire cancel {ticket.order_id} --client-id {broker.client_id}`",
                              "wait longer with --wait-timeout"], None, "still_working"))
    if ticket.fills:
        # each execution is followed by its commission report
        ticket.wait_for(lambda t: all(f.commission_report for f in t.fills), min(2.0, wait_timeout))
    out.emit(ticket_json(ticket))
    if ticket.fills:
        out.print(fills_table(ticket.fills, title=f"fills of order {ticket.order_id}"))
    if ticket.status == "Filled":
        commission = sum((f.commission_report.commission or 0.0) for f in ticket.fills
                         if f.commission_report)
        out.print(f"[green]filled[/] {fmt_qty(ticket.filled)} {contract} at "
                  f"{fmt_price(ticket.avg_fill_price)}"
                  + (f", commission {fmt_money(commission)}" if ticket.fills else ""))
        return 0
    reasons = "; ".join(f"{code}: {text}" for code, text in ticket.errors) or "no reason given"
    out.problem(Problem(ExitCode.FAILED, f"order {ticket.order_id} ended {ticket.status} "
                        f"(filled {fmt_qty(ticket.filled)}): {reasons}", [], None, "order_ended"))
    return int(ExitCode.FAILED)


def _trade(action: str, symbol: str, quantity: str, limit: float | None, stop: float | None,
           tif: Tif, ref: str | None, wait: bool, wait_timeout: float, outside_rth: bool, yes: bool,
           sec_type: str | None, exchange: str | None, currency: str, conn: Conn, json_: bool,
           journal: str | None = None, take_profit: float | None = None,
           stop_loss: float | None = None, trail: str | None = None) -> None:
    from .order_types import bracket_orders, place_bracket, trail_order

    out = Output(json_)
    contract = make_contract(symbol, sec_type, exchange, currency)
    qty = _quantity(quantity)
    legs: tuple[Order, ...] = ()
    if take_profit is not None or stop_loss is not None:
        if trail is not None or stop is not None:
            raise typer.BadParameter("a bracket (--take-profit / --stop-loss) takes no --trail or "
                                     "--stop", param_hint="--take-profit")
        legs = bracket_orders(action, qty, limit, take_profit, stop_loss, tif.value, outside_rth)
        order = legs[0]
    elif trail is not None:
        order = trail_order(action, qty, trail, limit, stop, tif.value, outside_rth)
    else:
        order = build_order(action, qty, limit, stop, tif.value, outside_rth)
    if journal and not ref:
        raise typer.BadParameter("--journal makes --ref an idempotency key: give --ref too",
                                 param_hint="--journal")
    with guard(out, conn), connect(conn, journal) as broker:
        confirm_live(broker, describe_order(contract, order), yes, out)
        if legs:
            raise typer.Exit(place_bracket(broker, contract, legs, ref, wait, wait_timeout, out,
                                           conn.timeout))
        try:
            code = place(broker, contract, order, ref, wait, wait_timeout, out, conn.timeout)
        except OrderRejected as exc:
            if exc.code != 110:
                raise
            p = describe(exc, conn)
            advice = tick_advice(broker, contract, order, conn.timeout)
            if advice:
                p.headline += " " + advice
            fail(out, p)
    raise typer.Exit(code)


def nearest_ticks(price: float, tick: float) -> tuple[Decimal, Decimal] | None:
    """The valid prices on each side of ``price`` for tick size ``tick``; None when it is one."""
    p, t = Decimal(str(price)), Decimal(str(tick))
    if t <= 0:
        return None
    below = (p / t).to_integral_value(ROUND_FLOOR) * t
    if below == p:
        return None
    places = max(0, -t.normalize().as_tuple().exponent)  # type: ignore[operator]
    q = Decimal(1).scaleb(-places)
    return below.quantize(q), (below + t).quantize(q)


def tick_advice(broker: Broker, contract: Contract, order: Order, timeout: float) -> str:
    """For error 110: ``--limit 230.123 is not a multiple of the tick size 0.01: the nearest valid
    prices are 230.12 and 230.13`` (the tick size from the contract details); empty if unknown."""
    try:
        details = broker.contract_details(contract, timeout=timeout)
    except IbwireError:
        return ""
    tick = details[0].min_tick if details else None
    if not tick:
        return ""
    parts = []
    for name, price in (("--limit", order.lmt_price), ("--stop", order.aux_price)):
        if price is None:
            continue
        near = nearest_ticks(price, tick)
        if near is not None:
            parts.append(f"{name} {price:g} is not a multiple of the tick size {tick:g}: the "
                         f"nearest valid prices are {near[0]} and {near[1]}")
    return "; ".join(parts) + "." if parts else f"The tick size is {tick:g}."


_NEGATIVE = re.compile(r"-\d+(\.\d*)?|-\.\d+")


class _TradeCommand(typer.core.TyperCommand):
    """``ibwire buy AAPL -5`` is not "No such option: -5": quantities are positive and the command
    gives the side."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's click Context
        for arg in args:
            if arg == "--":
                break
            if _NEGATIVE.fullmatch(arg):
                side = "sell" if self.name == "buy" else "buy"
                raise typer.BadParameter(
                    f"{arg}: quantities are positive; the command gives the side (BUY or SELL): "
                    f"`ibwire {side} SYMBOL {arg[1:]}` to {side}", ctx, param_hint="QTY")
        return super().parse_args(ctx, args)


LimitOpt = Annotated[float | None, typer.Option("--limit", help="Limit price (a LMT order; with "
                                                                "--stop a STP LMT order).")]
StopOpt = Annotated[float | None, typer.Option("--stop", help="Stop price (a STP order).")]
TifOpt = Annotated[Tif, typer.Option("--tif", case_sensitive=False, help="Time in force.")]
RefOpt = Annotated[str | None, typer.Option(
    "--ref", help="Your id for the order (orderRef): it comes back on every status and fill.")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Wait until the order is filled or ends, "
                                                      "and print its fills.")]
WaitTimeoutOpt = Annotated[float, typer.Option("--wait-timeout", min=0.1,
                                               help="Seconds --wait waits.")]
OutsideRthOpt = Annotated[bool, typer.Option("--outside-rth", help="Allow filling outside regular "
                                                                   "trading hours.")]
JournalOpt = Annotated[str | None, typer.Option(
    "--journal", envvar="IBWIRE_JOURNAL",
    help="Order journal file (SQLite): with --ref, running the same command again never sends a "
         "second order, even after a crash; the existing order is shown instead.")]
from .order_types import StopLossOpt, TakeProfitOpt, TrailOpt  # noqa: E402 - the option types

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before sending to a live "
                                                          "(non-DU) account.")]
SymbolArg = Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, EUR.USD (forex) or ES:202612 (future).")]
QtyArg = Annotated[str, typer.Argument(metavar="QTY", help="Quantity (shares, contracts, units).",
                                       show_default=False)]


@app.command("buy", cls=_TradeCommand)
def buy(
    symbol: SymbolArg, quantity: QtyArg,
    limit: LimitOpt = None, stop: StopOpt = None, tif: TifOpt = Tif.DAY, ref: RefOpt = None,
    wait: WaitOpt = False, wait_timeout: WaitTimeoutOpt = 60.0, outside_rth: OutsideRthOpt = False,
    yes: YesOpt = False, journal: JournalOpt = None,
    take_profit: TakeProfitOpt = None, stop_loss: StopLossOpt = None, trail: TrailOpt = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """Buy: a market order, a limit / stop with --limit / --stop, a bracket with
    --take-profit and --stop-loss, or a trailing stop with --trail.

    Examples: ibwire buy AAPL 100 --wait; ibwire buy AAPL 10 --limit 150 --tif GTC --ref dip-1;
    ibwire buy AAPL 100 --limit 150 --take-profit 155 --stop-loss 147
    """
    _trade("BUY", symbol, quantity, limit, stop, tif, ref, wait, wait_timeout, outside_rth, yes,
           sec_type, exchange, currency, Conn(host, port, client_id, timeout), json_, journal,
           take_profit, stop_loss, trail)


@app.command("sell", cls=_TradeCommand)
def sell(
    symbol: SymbolArg, quantity: QtyArg,
    limit: LimitOpt = None, stop: StopOpt = None, tif: TifOpt = Tif.DAY, ref: RefOpt = None,
    wait: WaitOpt = False, wait_timeout: WaitTimeoutOpt = 60.0, outside_rth: OutsideRthOpt = False,
    yes: YesOpt = False, journal: JournalOpt = None,
    take_profit: TakeProfitOpt = None, stop_loss: StopLossOpt = None, trail: TrailOpt = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """Sell: a market order, a limit / stop with --limit / --stop, a bracket with
    --take-profit and --stop-loss, or a trailing stop with --trail.

    Examples: ibwire sell AAPL 100 --wait; ibwire sell AAPL 100 --stop 140;
    ibwire sell AAPL 100 --trail 1.5; ibwire sell AAPL 100 --trail 2%
    """
    _trade("SELL", symbol, quantity, limit, stop, tif, ref, wait, wait_timeout, outside_rth, yes,
           sec_type, exchange, currency, Conn(host, port, client_id, timeout), json_, journal,
           take_profit, stop_loss, trail)


@app.command("cancel")
def cancel(
    order_id: Annotated[int | None, typer.Argument(metavar="[ORDER_ID]", show_default=False,
                                                   help="The order to cancel (placed by this client id).")] = None,
    all_orders: Annotated[bool, typer.Option("--all", help="Global cancel: every open order of the "
                                                           "account, of every client and of TWS.")] = False,
    yes: YesOpt = False,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Cancel one order, or every open order with --all.

    Examples: ibwire cancel 12; ibwire cancel --all --yes
    """
    if (order_id is None) == (not all_orders):
        raise typer.BadParameter("give an ORDER_ID or --all (not both)")
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    if order_id is not None:
        with guard(out, conn), connect(conn) as broker:
            ticket = broker.cancel_order(order_id, timeout=timeout)
        status = ticket.status if ticket is not None else "Cancelled"
        out.print(f"order [bold]{order_id}[/] -> [bold]{status}[/]")
        out.emit({"cancelled": [order_id], "status": {str(order_id): status}})
        return
    with guard(out, conn), connect(conn) as broker:
        before = all_open_orders(broker)
        if not before:
            out.print("no open orders")
            out.emit({"cancelled": [], "remaining": []})
            return
        out.print(orders_table(before, title="cancelling"))
        confirm_live(broker, f"cancel all {len(before)} open orders", yes, out)
        broker.global_cancel()
        remaining = _wait_all_cancelled(broker, timeout)
    gone = [t for t in before if t not in remaining]
    out.emit({"cancelled": [_ref(t) for t in gone], "remaining": [ticket_json(t) for t in remaining]})
    if remaining:
        fail(out, Problem(ExitCode.FAILED, f"{len(remaining)} orders still open after "
                          f"{timeout:g} s: " + ", ".join(str(t.order_id) for t in remaining),
                          ["run `ibwire orders --all` to see them"], None, "still_open"))
    out.print(f"cancelled {len(gone)} orders")


def _ref(t: OrderTicket) -> dict[str, Any]:
    return {"order_id": t.order_id, "client_id": t.order.client_id, "perm_id": t.perm_id,
            "contract": contract_json(t.contract)}


def _wait_all_cancelled(broker: Broker, timeout: float) -> list[OrderTicket]:
    """After a global cancel: ask for the open orders until none is left or ``timeout`` passes."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        left = all_open_orders(broker, timeout)
        if not left or time.monotonic() >= deadline:
            return left
        # wait for the next order status (or a short while) before asking again
        broker.wait_until(_status_changed(left), max(0.05, min(0.5, deadline - time.monotonic())))


def _status_changed(tickets: list[OrderTicket]) -> Callable[[], bool]:
    seen = [t.status for t in tickets]
    return lambda: [t.status for t in tickets] != seen

