"""``ibwire whatif`` and the order types of ``ibwire buy`` / ``ibwire sell``: a bracket
(``--take-profit PRICE --stop-loss PRICE``) and a trailing stop (``--trail AMOUNT`` or
``--trail PCT%``).

``whatif`` sends the order as a what-if order and prints TWS's margin and commission preview
(initial / maintenance margin and equity with loan before, change, after; the commission and its
min / max; TWS's warning): nothing is placed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from ..client.broker import Broker
from ..models import Contract, Order
from ..models.order_types import TrailingStopOrder, WhatIf, bracket
from .account import ticket_json
from .app import app
from .common import connect
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
    make_contract,
)
from .output import Output, contract_json, fmt_money
from .problems import guard

__all__ = ["parse_trail", "trail_order", "bracket_orders", "place_bracket", "what_if_json"]

TakeProfitOpt = Annotated[float | None, typer.Option(
    "--take-profit", help="With --stop-loss: a bracket; a limit order on the other side at PRICE, "
                          "working once the entry fills.")]
StopLossOpt = Annotated[float | None, typer.Option(
    "--stop-loss", help="With --take-profit: a bracket; a stop on the other side at PRICE (the "
                        "take-profit's fill cancels it and the other way round).")]
TrailOpt = Annotated[str | None, typer.Option(
    "--trail", metavar="AMOUNT|PCT%",
    help="A trailing stop instead: trails the market by AMOUNT (e.g. 1.5) or PCT percent (2%).")]


def parse_trail(text: str) -> tuple[float | None, float | None]:
    """``"1.5"`` -> (1.5, None); ``"2%"`` -> (None, 2.0)."""
    pct = text.endswith("%")
    try:
        value = float(text[:-1] if pct else text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is neither an amount (1.5) nor a percent (2%)",
                                 param_hint="--trail") from None
    if value <= 0 or (pct and value >= 100):
        raise typer.BadParameter("a trailing amount is positive, a percent between 0 and 100",
                                 param_hint="--trail")
    return (None, value) if pct else (value, None)


def trail_order(action: str, quantity: Decimal, trail: str, limit: float | None,
                stop: float | None, tif: str, outside_rth: bool) -> Order:
    """The trailing stop of ``--trail`` (``--stop`` gives its initial stop price)."""
    if limit is not None:
        raise typer.BadParameter("--trail makes a trailing stop: it takes no --limit",
                                 param_hint="--trail")
    amount, pct = parse_trail(trail)
    order = TrailingStopOrder(action, quantity, trailing_amount=amount, trailing_percent=pct,
                              trail_stop_price=stop, tif=tif, outside_rth=outside_rth)
    return order


def bracket_orders(action: str, quantity: Decimal, limit: float | None, take_profit: float | None,
                   stop_loss: float | None, tif: str, outside_rth: bool) -> tuple[Order, ...]:
    """The three orders of ``--take-profit`` / ``--stop-loss`` (entry: ``--limit`` or market)."""
    if take_profit is None or stop_loss is None:
        raise typer.BadParameter("a bracket needs both --take-profit and --stop-loss",
                                 param_hint="--take-profit" if take_profit is None
                                 else "--stop-loss")
    try:
        legs = bracket(action, quantity, limit, take_profit, stop_loss, tif=tif,
                       outside_rth=outside_rth)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--take-profit / --stop-loss") from None
    return tuple(legs)


def place_bracket(broker: Broker, contract: Contract, legs: tuple[Order, ...], ref: str | None,
                  wait: bool, wait_timeout: float, out: Output, timeout: float) -> int:
    """Send a bracket as one group; print its three orders (and with ``wait`` the entry's fill)."""
    parent, tp, sl = legs
    if ref:
        parent.order_ref, tp.order_ref, sl.order_ref = ref, f"{ref}-tp", f"{ref}-sl"
    tickets = broker.submit_bracket(contract, parent, tp, sl, timeout=timeout)
    for name, t in zip(("entry", "take-profit", "stop-loss"), tickets):
        price = t.order.lmt_price if t.order.order_type == "LMT" else t.order.aux_price
        where = f" {price:g}" if price is not None else ""
        out.print(f"{name:<11} order [bold]{t.order_id}[/]: {t.order.action} "
                  f"{t.order.total_quantity} {t.order.order_type}{where} -> [bold]{t.status}[/]")
    if wait:
        tickets[0].wait_done(wait_timeout)
    out.emit({"bracket": [ticket_json(t) for t in tickets]})
    return 0 if tickets[0].status not in ("Cancelled", "Inactive") else 1


def _money(v: float | None) -> str:
    return "-" if v is None else fmt_money(v)


def what_if_json(contract: Contract, order: Order, w: WhatIf) -> dict[str, Any]:
    return {
        "contract": contract_json(contract), "action": order.action,
        "quantity": order.total_quantity, "order_type": order.order_type,
        "init_margin": {"before": w.init_margin_before, "change": w.init_margin_change,
                        "after": w.init_margin_after},
        "maint_margin": {"before": w.maint_margin_before, "change": w.maint_margin_change,
                         "after": w.maint_margin_after},
        "equity_with_loan": {"before": w.equity_with_loan_before,
                             "change": w.equity_with_loan_change,
                             "after": w.equity_with_loan_after},
        "margin_currency": w.margin_currency, "commission": w.commission,
        "min_commission": w.min_commission, "max_commission": w.max_commission,
        "commission_currency": w.commission_currency, "warning": w.warning_text,
    }


@app.command("whatif")
def whatif(
    action: Annotated[str, typer.Argument(metavar="BUY|SELL", show_default=False,
                                          help="The side.")],
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, EUR.USD (forex) or ES:202612 (future).")],
    quantity: Annotated[str, typer.Argument(metavar="QTY", show_default=False,
                                            help="Quantity (shares, contracts, units).")],
    limit: Annotated[float | None, typer.Option("--limit", help="Limit price.")] = None,
    stop: Annotated[float | None, typer.Option("--stop", help="Stop price.")] = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """The margin and commission an order would cost (TWS's what-if preview); nothing is placed.

    Examples: ibwire whatif BUY AAPL 100; ibwire whatif SELL ES:202612 2 --json
    """
    from .trade import _quantity, build_order

    side = action.upper()
    if side not in ("BUY", "SELL"):
        raise typer.BadParameter(f"{action!r}: the side is BUY or SELL", param_hint="BUY|SELL")
    out = Output(json_)
    contract = make_contract(symbol, sec_type, exchange, currency)
    order = build_order(side, _quantity(quantity), limit, stop, "DAY")
    conn = Conn(host, port, client_id, timeout)
    with guard(out, conn), connect(conn) as broker:
        w = broker.what_if(contract, order, timeout=timeout)
    out.emit(what_if_json(contract, order, w))
    ccy = w.margin_currency or "USD"
    rows = (("initial margin", w.init_margin_before, w.init_margin_change, w.init_margin_after),
            ("maintenance margin", w.maint_margin_before, w.maint_margin_change,
             w.maint_margin_after),
            ("equity with loan", w.equity_with_loan_before, w.equity_with_loan_change,
             w.equity_with_loan_after))
    out.print(f"what if: {side} {quantity} {contract} ({order.order_type}) -- nothing placed")
    out.print(f"{'':<20}{'before':>16}{'change':>16}{'after':>16}  ({ccy})")
    for name, before, change, after in rows:
        out.print(f"{name:<20}{_money(before):>16}{_money(change):>16}{_money(after):>16}")
    commission = _money(w.commission)
    if w.min_commission is not None or w.max_commission is not None:
        commission += f" (min {_money(w.min_commission)}, max {_money(w.max_commission)})"
    out.print(f"commission {commission} {w.commission_currency or ''}".rstrip())
    if w.warning_text:
        out.print(f"[bold yellow]warning:[/] {w.warning_text}")
