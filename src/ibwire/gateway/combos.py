"""Combo (BAG) orders on the paper exchange: stock legs, filled leg by leg.

A BAG contract names its legs by con id, each with a ratio and an action (BUY / SELL). The paper
exchange trades combos of stock legs in one currency. The combo's price per unit is the sum of
its legs' prices times their ratios, counted positive for a BUY leg and negative for a SELL leg;
buying the combo buys its BUY legs at their ask and sells its SELL legs at their bid (selling the
combo turns every leg round). A market order fills at once; a limit order fills when that net
price is at or better than its limit (BUY: at most the limit, SELL: at least), else it rests and
is matched every market second like any order. A fill takes what every leg's touch can give (the
combo quantity times each ratio), so a large combo fills in parts.

Reported as TWS reports a combo fill: one EXECUTION_DATA per leg -- the leg's contract, its own
side, the combo quantity times its ratio and its price, with its COMMISSION_REPORT (the leg's
commission and realized PnL) -- then one for the combo itself: the BAG contract (con id
28812380, TWS's con id for combos, when the order gave none), the combo's side, quantity and net
price, commission 0 (the legs carry it), so a client summing its fills' commissions counts each
once. ORDER_STATUS reports the combo quantity filled at the average net price. Positions, the
account and PnL come from the legs; the combo holds no position of its own.

Errors as TWS words them: a BAG without legs 321 "... Security type 'BAG' requires combo leg
details."; a leg con id that names nothing 200; order types other than MKT and LMT 387. Market
data for a combo (REQ_MKT_DATA, :func:`quote_at`) is its legs' quotes summed the same way. Not
done: legs other than stocks (options, futures: refused with 201); guaranteed / non-guaranteed
SMART combo routing (every combo fills all its legs together); per-leg prices (orderComboLegs)
are not used; no historical bars for a combo.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from ..models.contract import ComboLeg, Contract
from ..models.execution import CommissionReport, Execution
from .instruments import Instrument, to_contract
from .market import Quote
from .order_events import (
    AccountUpdate,
    Event,
    FillEvent,
    OrderRecord,
    OrderUpdate,
    commission_for,
)

if TYPE_CHECKING:
    from .exchange import PaperExchange

__all__ = ["is_combo", "legs", "combo_contract", "validate", "try_fill", "quote_at", "BAG_CON_ID"]

BAG_CON_ID = 28812380
"""The con id TWS reports for a combo contract."""


def is_combo(contract: Contract) -> bool:
    return (contract.sec_type or "").upper() == "BAG"


def legs(ex: PaperExchange, contract: Contract) -> list[Instrument] | tuple[int, str]:
    """The instrument of each leg, or the (code, text) TWS answers."""
    if not contract.combo_legs:
        return 321, ("Error validating request.-'bN' : cause - Security type 'BAG' requires "
                     "combo leg details.")
    out = []
    for leg in contract.combo_legs:
        inst = ex.instruments.get(leg.con_id or 0)
        if inst is None:
            return 200, "No security definition has been found for the request"
        out.append(inst)
    return out


def combo_contract(contract: Contract) -> Contract:
    """The combo as the exchange keeps and reports it."""
    return dataclasses.replace(
        contract, sec_type="BAG", con_id=contract.con_id or BAG_CON_ID,
        exchange=contract.exchange or "SMART", currency=contract.currency or "USD",
        combo_legs=[dataclasses.replace(leg) for leg in contract.combo_legs])


def _reject(reason: str) -> tuple[int, str]:
    return 201, f"Order rejected - reason:{reason}"


def validate(ex: PaperExchange, rec: OrderRecord) -> tuple[int, str] | None:
    """What the exchange refuses in a combo order (after the checks every order gets)."""
    if rec.order.order_type not in ("MKT", "LMT"):
        return 387, "Unsupported order type for this exchange and security type."
    found = legs(ex, rec.contract)
    if isinstance(found, tuple):
        return found
    currencies = {inst.currency for inst in found}
    for leg, inst in zip(rec.contract.combo_legs, found):
        if inst.sec_type != "STK":
            return _reject(f"combo legs of type {inst.sec_type} are not supported by the paper "
                           "gateway (stock legs only)")
        if not leg.ratio or leg.ratio < 1:
            return _reject(f"the ratio of the leg {inst.symbol} must be a whole number of 1 or more")
        if (leg.action or "").upper() not in ("BUY", "SELL"):
            return _reject(f"the action of the leg {inst.symbol} must be BUY or SELL")
    if len(currencies) > 1:
        return _reject("the legs of a combo must trade in one currency")
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class _Leg:
    leg: ComboLeg
    inst: Instrument
    side: str  # BOT / SLD
    price: float
    size: Decimal  # what the touch offers on this side


def _priced(ex: PaperExchange, rec: OrderRecord) -> list[_Leg]:
    buy_combo = rec.order.action == "BUY"
    found = legs(ex, rec.contract)
    assert not isinstance(found, tuple)
    out = []
    for leg, inst in zip(rec.contract.combo_legs, found):
        buys = ((leg.action or "").upper() == "BUY") == buy_combo
        bid, ask, _ = ex.market.touch(inst.con_id)
        bid_size, ask_size = ex.market.touch_sizes(inst.con_id)
        out.append(_Leg(leg, inst, "BOT" if buys else "SLD", ask if buys else bid,
                        ask_size if buys else bid_size))
    return out


def _net(priced: list[_Leg]) -> float:
    """The combo's price per unit (BUY legs +, SELL legs -, as the combo's buyer sees them)."""
    total = 0.0
    for p in priced:
        sign = 1.0 if (p.leg.action or "").upper() == "BUY" else -1.0
        total += sign * (p.leg.ratio or 1) * p.price
    return round(total, 6)


def try_fill(ex: PaperExchange, rec: OrderRecord, taker: bool) -> list[Event]:
    """Fill what the legs' touch allows now (all of it for a small combo), leg by leg."""
    priced = _priced(ex, rec)
    net = _net(priced)
    buy = rec.order.action == "BUY"
    if rec.order.order_type == "LMT":
        limit = rec.order.lmt_price or 0.0
        if (buy and net > limit + 1e-9) or (not buy and net < limit - 1e-9):
            return []
    qty = rec.remaining
    for p in priced:
        qty = min(qty, Decimal(int(p.size // (p.leg.ratio or 1))))
    if qty <= 0:
        return []
    events: list[Event] = []
    fills: list[tuple[Contract, Execution, CommissionReport]] = []
    total_commission = 0.0
    cum = rec.filled + qty
    for p in priced:
        ratio = Decimal(p.leg.ratio or 1)
        leg_qty = qty * ratio
        fx = ex.market.fx_to_usd(p.inst.currency)
        commission = round(commission_for(p.inst, leg_qty, p.price, fx), 2)
        realized = ex.accounts.apply_fill(rec.account, p.inst, p.side, leg_qty, p.price,
                                          commission)
        contract = to_contract(p.inst, p.leg.exchange or None)
        execution, report = ex._record_execution(rec, contract, p.inst, p.side, leg_qty,
                                                 p.price, commission, realized, taker,
                                                 cum * ratio, p.price)
        fills.append((contract, execution, report))
        total_commission += commission
    before = rec.filled
    rec.filled = cum
    rec.remaining -= qty
    rec.avg_fill_price = round((float(before) * rec.avg_fill_price + float(qty) * net)
                               / float(cum), 6)
    rec.last_fill_price = net
    rec.commission = round(rec.commission + total_commission, 2)
    if rec.remaining <= 0:
        ex._finish(rec, "Filled", "Filled")
    else:
        rec.status = "Submitted"
        ex._dirty_orders.add(rec.perm_id)
    execution, report = ex._record_execution(rec, rec.contract, None, "BOT" if buy else "SLD",
                                             qty, net, 0.0, None, taker, rec.filled,
                                             rec.avg_fill_price)
    fills.append((rec.contract, execution, report))
    snap = rec.snapshot()
    for contract, execution, report in fills:
        events.append(FillEvent(snap, contract, execution, report))
    events += [OrderUpdate(snap), AccountUpdate(rec.account)]
    return events


def quote_at(ex: PaperExchange, contract: Contract, second: int) -> Quote:
    """A combo's quote from its legs' at ``second``: bid = what the legs fetch selling the combo
    (BUY legs at their bid, SELL legs at their ask), ask = what buying it costs, last, open,
    high, low and close the legs' summed the same way (BUY legs +, SELL legs -); sizes the most
    combos every leg's touch covers; no volume of its own."""
    found = legs(ex, contract)
    assert not isinstance(found, tuple)
    bid = ask = last = high = low = open_ = close = 0.0
    bid_size = ask_size = None
    time = None
    for leg, inst in zip(contract.combo_legs, found):
        q = ex.market.quote_at(inst.con_id, second)
        r = leg.ratio or 1
        if (leg.action or "").upper() == "BUY":
            bid, ask = bid + r * q.bid, ask + r * q.ask
            b, a = q.bid_size // r, q.ask_size // r
            high, low = high + r * q.high, low + r * q.low
        else:
            bid, ask = bid - r * q.ask, ask - r * q.bid
            b, a = q.ask_size // r, q.bid_size // r
            high, low = high - r * q.low, low - r * q.high
        sign = 1 if (leg.action or "").upper() == "BUY" else -1
        last += sign * r * q.last
        open_ += sign * r * q.open
        close += sign * r * q.close
        bid_size = b if bid_size is None else min(bid_size, b)
        ask_size = a if ask_size is None else min(ask_size, a)
        time = q.time
    assert time is not None and bid_size is not None and ask_size is not None
    return Quote(con_id=contract.con_id or BAG_CON_ID, time=time, bid=round(bid, 6),
                 ask=round(ask, 6), last=round(last, 6), bid_size=bid_size, ask_size=ask_size,
                 last_size=min(bid_size, ask_size), volume=Decimal(0), high=round(high, 6),
                 low=round(low, 6), open=round(open_, 6), close=round(close, 6), min_tick=0.01)
