"""What-if orders (``order.what_if``): TWS's margin and commission preview -- pure, places nothing.

TWS answers a what-if order with one OPEN_ORDER (no ORDER_STATUS) whose order state carries:

* the account's initial / maintenance margin and equity with loan value before the order, the
  change the order would make and the values after it (TWS's text of a double, two decimals);
  margins by the rules of :mod:`.margin` (Reg T for stocks, a SPAN-like scan range for futures,
  premium rules for options) over the account's positions, equity with loan from the account
  (less the commission after the order);
* the commission at the price the order is expected to fill at (the touch for a market order,
  the limit for a limit order, the trigger for a stop), with ``commission_currency`` USD; its min
  / max only when the prices between that and the current touch give a range (a fixed-rate
  commission usually has none: TWS then leaves min / max unset, and so does the gateway);
* ``margin_currency`` USD; the outside-RTH margins, the suggested size, the reject reason and the
  allocations stay unset (TWS fills them only for accounts and orders that have them);
* ``warning_text`` saying so when the equity with loan would not cover the initial margin after
  the order (TWS still answers the preview; placing the order would be rejected with 201).

A what-if order that is not valid (unknown contract, account, side or quantity; a price off the
grid; a missing price) gets the error the real order would get, and no OPEN_ORDER.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING

from ..models.contract import Contract
from ..models.order import Order, OrderState
from .instruments import Instrument, to_contract
from .margin import Margin, commission, requirement

if TYPE_CHECKING:
    from .exchange import OrderError, PaperExchange

__all__ = ["what_if"]


def _money(x: float) -> str:
    return f"{x:.2f}"


def _margin(ex: PaperExchange, inst: Instrument, quantity: float, price: float) -> Margin:
    fx = ex.market.fx_to_usd(inst.symbol if inst.sec_type == "CASH" else inst.currency)
    if inst.sec_type in ("OPT", "FOP"):
        path = ex.market.option_path(inst.con_id)
        if path is not None:
            terms = path.terms
            return requirement(inst.sec_type, terms.cls.underlying.symbol, quantity, price,
                               inst.multiplier_value, fx, terms.strike, terms.right,
                               path.under_price(ex.market.step_second),
                               index=terms.cls.cash_settled)
    return requirement(inst.sec_type, inst.symbol, quantity, price, inst.multiplier_value, fx)


def _expected_price(order: Order, bid: float, ask: float) -> float:
    buy = order.action == "BUY"
    touch = ask if buy else bid
    t = order.order_type or ""
    if t in ("LMT", "LOC", "STP LMT", "LIT", "TRAIL LIMIT") and order.lmt_price:
        return order.lmt_price
    if t in ("STP", "MIT") and order.aux_price:
        return order.aux_price
    return touch


def what_if(ex: PaperExchange, client_id: int, order_id: int, contract: Contract,
            order: Order) -> tuple[Contract, Order, OrderState] | OrderError:
    """The OPEN_ORDER answer to a what-if order (contract, order as shown, order state), or the
    error a real order like it would get."""
    from .exchange import OrderError, OrderRecord

    found = ex.resolve(contract)
    if len(found) != 1:
        what = ("No security definition has been found for the request" if not found else
                f"The contract description specified for {contract.symbol} is ambiguous.")
        return OrderError(client_id, order_id, 200, what)
    inst = found[0]
    o = copy.copy(order)
    o.action = (o.action or "").upper()
    o.order_type = (o.order_type or "").upper()
    o.tif = (o.tif or "DAY").upper()
    account = o.account or ex.managed_accounts[0]
    trial = OrderRecord(client_id=client_id, order_id=order_id, perm_id=0,
                        contract=to_contract(inst, contract.exchange or None), order=o,
                        con_id=inst.con_id, account=account,
                        remaining=o.total_quantity or Decimal(0))
    problem = ex.validate_order(trial, inst, margin=False)
    if problem is not None:
        return OrderError(client_id, order_id, *problem)
    qty = o.total_quantity or Decimal(0)
    bid, ask, _last = ex.market.touch(inst.con_id)
    price = _expected_price(o, bid, ask)
    # margins before: every position of the account at its mark
    before = Margin()
    for held_pos in ex.accounts.state(account).positions.values():
        if held_pos.quantity:
            held = ex.instruments[held_pos.con_id]
            before += _margin(ex, held, float(held_pos.quantity), ex.market.mark(held.con_id))
    pos = ex.accounts.position(account, inst.con_id)
    q0 = float(pos.quantity) if pos is not None else 0.0
    q1 = q0 + float(qty if o.action == "BUY" else -qty)
    mark = ex.market.mark(inst.con_id)
    change = _margin(ex, inst, q1, price) - _margin(ex, inst, q0, mark)
    after = before + change
    fx = ex.market.fx_to_usd(inst.symbol if inst.sec_type == "CASH" else inst.currency)
    fee = commission(inst.sec_type, float(qty), price, inst.multiplier_value, fx)
    touch = ask if o.action == "BUY" else bid
    fees = [commission(inst.sec_type, float(qty), p, inst.multiplier_value, fx)
            for p in (price, touch)]
    low, high = min([fee, *fees]), max([fee, *fees])
    ewl, _init, _maint = ex.accounts.totals(account)
    ewl_after = ewl - fee
    warning = ""
    if after.init > ewl_after and change.init > 0:
        warning = (f"Your equity with loan value [{ewl_after:.2f} USD] would not cover the "
                   f"initial margin [{after.init:.2f} USD] after this order")
    state = OrderState(
        status="PreSubmitted",
        init_margin_before=_money(before.init), maint_margin_before=_money(before.maint),
        equity_with_loan_before=_money(ewl),
        init_margin_change=_money(change.init), maint_margin_change=_money(change.maint),
        equity_with_loan_change=_money(-fee),
        init_margin_after=_money(after.init), maint_margin_after=_money(after.maint),
        equity_with_loan_after=_money(ewl_after),
        commission=fee, min_commission=low if low != high else None,
        max_commission=high if low != high else None,
        commission_currency="USD", margin_currency="USD", warning_text=warning)
    o.order_id, o.client_id, o.account, o.what_if = order_id, client_id, account, True
    return trial.contract, o, state
