"""The order rules TWS enforces beyond plain matching: pure, synchronous, on the exchange's state.

:class:`OrderRules` is a base of :class:`~ibwire.gateway.exchange.PaperExchange`; it holds no state
of its own beyond the exchange's records (``rec.order`` carries what must survive a restart: the
transmit flag, the trailing stop price). The rules, as TWS documents them:

* **Transmit.** An order placed with ``transmit=False`` is staged: TWS keeps it (OPEN_ORDER with
  ``transmit`` False, status PreSubmitted) and it does not work or fill. A ``deactivate`` order is
  kept the same way until it is modified with ``deactivate`` off. It goes out when a later
  order of its group is placed with ``transmit=True`` -- its child (the usual bracket: parent and
  first child staged, the last child transmits all three), its parent, or the same order id placed
  again with ``transmit=True``.
* **Brackets.** A child (``parent_id``) stays PreSubmitted until its parent has filled; then it
  works as its type says. Cancelling the parent (or its DAY expiry) cancels the children. The
  children of one parent form an implicit OCA group that reduces with block (type 2): a partial
  fill of the take-profit shrinks the stop-loss by as much, a complete fill cancels it.
* **OCA groups** (``oca_group`` within one client and account). Type 1, cancel with block: when a
  member fills (even partly) every other open member is cancelled. Type 2, reduce with block: the
  others' remaining quantities shrink by the fill times their size over the filler's size (down to
  the size increment; reduced to nothing is cancelled). With block, no other member fills in the
  same second. Type 3, reduce without block: other members may still fill in the same second
  (the group can overfill, as IB warns); the reductions apply after that second's matching.
* **Trailing stops** (TRAIL, TRAIL LIMIT): the stop trails the market by ``aux_price`` (an amount)
  or ``trailing_percent``: a SELL stop rises with the last price and never falls (a BUY stop falls
  with it and never rises), starting from ``trail_stop_price`` when given. OPEN_ORDER reports the
  stop as it moves. When the last (or the bid for a SELL, the ask for a BUY) reaches it, TRAIL works
  as a market order; TRAIL LIMIT as a limit at the stop minus ``lmt_price_offset`` (SELL; plus for
  BUY), which is then shown as ``lmt_price``.
* **If touched** (MIT, LIT): PreSubmitted until the market touches ``aux_price`` from the other
  side (a BUY when the ask or last falls to it, a SELL when the bid or last rises to it); then a
  market order (MIT) or a limit at ``lmt_price`` (LIT).
* **On close** (MOC, LOC; DAY only): PreSubmitted until the close of the order's session (regular
  hours for stocks), then filled at the closing price, the last trade of the session's final
  second; a LOC fills there only if that price is at or better than its limit, else it is
  cancelled.
* **Pegged** (REL, PEG MID): the price follows the market every second -- REL at the bid plus
  ``aux_price`` (BUY; the ask minus it for a SELL), PEG MID at the midpoint minus ``aux_price``
  (BUY; plus for a SELL), never beyond ``lmt_price`` when one is given, on the tick grid. It fills
  at once when marketable, else at its own price when a trade prints at or through it (a maker).
* **Conditions** (``order.conditions``): the order is PreSubmitted until they hold, evaluated left
  to right with each condition's AND / OR: price (``con_id``'s last; bid / ask for trigger methods
  1 and 4, the midpoint for 8), time (market time against ``time``), margin (the cushion, excess
  liquidity over net liquidation, in percent), execution (a fill in this account of ``symbol`` /
  ``sec_type`` after the order was placed), volume (``con_id``'s volume of the day) and percent
  change (``con_id``'s last against its previous close). Then the order works, or is cancelled if
  ``conditions_cancel_order``. The "double" trigger methods (1, 3) count as their single form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from ..models.contract import Contract
from ..models.execution import CommissionReport, Execution
from ..models.order import (
    ExecutionCondition,
    MarginCondition,
    Order,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ..protocol.codec import parse_tws_time
from .calendar import Calendar
from .instruments import Instrument, InstrumentTable
from .order_events import Event, OrderError, OrderRecord, OrderUpdate

if TYPE_CHECKING:
    from .accounts import Accounts
    from .market import Market

__all__ = ["OrderRules", "ORDER_TYPES", "TRIGGERED_TYPES", "PEGGED_TYPES", "ON_CLOSE_TYPES",
           "required_prices", "condition_holds"]

TRIGGERED_TYPES = frozenset({"STP", "STP LMT", "TRAIL", "TRAIL LIMIT", "MIT", "LIT"})
"""Types that wait PreSubmitted for a trigger price."""
PEGGED_TYPES = frozenset({"REL", "PEG MID"})
ON_CLOSE_TYPES = frozenset({"MOC", "LOC"})
ORDER_TYPES = frozenset({"MKT", "LMT"}) | TRIGGERED_TYPES | PEGGED_TYPES | ON_CLOSE_TYPES
"""Every order type the paper exchange executes (others are refused with 387)."""

_LIMIT_AFTER_TRIGGER = frozenset({"STP LMT", "TRAIL LIMIT", "LIT"})
_TRAIL = frozenset({"TRAIL", "TRAIL LIMIT"})
_TOUCHED = frozenset({"MIT", "LIT"})


def required_prices(order_type: str, lmt: float | None, aux: float | None,
                    trailing_percent: float | None, lmt_offset: float | None) -> str | None:
    """The 201 reason when an order lacks a price its type needs, else None."""
    def missing(v: float | None) -> bool:
        return v is None or v <= 0
    if order_type in ("LMT", "STP LMT", "LIT", "LOC") and missing(lmt):
        return "A limit price is required for a limit order"
    if order_type in ("STP", "STP LMT") and missing(aux):
        return "A stop price is required for a stop order"
    if order_type in _TOUCHED and missing(aux):
        return "A trigger price (auxPrice) is required for an if-touched order"
    if order_type in _TRAIL:
        if missing(aux) == missing(trailing_percent):
            return ("A trailing stop needs either a trailing amount (auxPrice) or a trailing "
                    "percent, not both")
        if order_type == "TRAIL LIMIT" and (lmt_offset is None or lmt_offset < 0):
            return "A trailing stop limit needs a limit price offset (lmtPriceOffset)"
    if order_type in PEGGED_TYPES and aux is not None and aux < 0:
        return "The offset (auxPrice) of a pegged order cannot be negative"
    return None


def _compare(value: float, is_more: bool, threshold: float) -> bool:
    return value >= threshold if is_more else value <= threshold


def condition_holds(c: OrderCondition, market: Market, accounts: Accounts, account: str,
                    placed_at: datetime, fills: Callable[[], Iterable[tuple[str, str, str,
                                                                              datetime]]],
                    cushion: Callable[[], float]) -> bool:
    """Whether one condition holds now (see the module docstring)."""
    if isinstance(c, PriceCondition):
        q = market.quote(c.con_id)
        if c.trigger_method in (1, 4):
            price = q.bid if c.is_more else q.ask
        elif c.trigger_method == 8:
            price = q.mid
        else:
            price = q.last
        return _compare(price, c.is_more, c.price)
    if isinstance(c, TimeCondition):
        return _compare(market.now().timestamp(), c.is_more,
                        parse_tws_time(c.time).timestamp())
    if isinstance(c, MarginCondition):
        return _compare(cushion(), c.is_more, float(c.percent))
    if isinstance(c, ExecutionCondition):
        want = ((c.symbol or "").upper(), (c.sec_type or "").upper(), (c.exchange or "").upper())
        return any(sym == want[0] and (not want[1] or sec == want[1])
                   and (not want[2] or want[2] in ("SMART", exch)) and t >= placed_at
                   for sym, sec, exch, t in fills())
    if isinstance(c, VolumeCondition):
        return _compare(float(market.quote(c.con_id).volume), c.is_more, float(c.volume))
    if isinstance(c, PercentChangeCondition):
        q = market.quote(c.con_id)
        change = (q.last - q.close) / q.close * 100.0 if q.close else 0.0
        return _compare(change, c.is_more, c.change_percent)
    raise ValueError(f"order conditions of type {c.TYPE} are not supported")


class OrderRules:
    """The rules above, as methods of the exchange (see :class:`PaperExchange`)."""

    # provided by PaperExchange
    market: Market
    accounts: Accounts
    _orders: dict[tuple[int, int], OrderRecord]
    _open: dict[int, OrderRecord]
    _dirty_orders: set[int]
    _oca_blocked: set[tuple[int, str, str]]
    _oca_pending: list[tuple[OrderRecord, Decimal]]
    _executions: list[tuple[Execution, Contract, CommissionReport]]
    instruments: InstrumentTable

    def _finish(self, rec: OrderRecord, status: str, completed_status: str) -> None:
        raise NotImplementedError

    def _try_fill(self, rec: OrderRecord, inst: Instrument, taker: bool) -> list[Event]:
        raise NotImplementedError

    def _fill(self, rec: OrderRecord, inst: Instrument, price: float, taker: bool,
              qty: Decimal) -> list[Event]:
        raise NotImplementedError

    def _tradable(self, inst: Instrument, order: Order) -> bool:
        raise NotImplementedError

    def _day_expired(self, rec: OrderRecord, inst: Instrument) -> bool:
        raise NotImplementedError

    # --- an order's life -------------------------------------------------------------------------
    def _start(self, rec: OrderRecord, inst: Instrument) -> list[Event]:
        """A transmitted order begins to work, unless its rules make it wait (PreSubmitted)."""
        if not rec.is_open or self.is_staged(rec):
            return []
        why = self.waiting_reason(rec)
        if why == "conditions":
            return self.check_conditions(rec)
        if why is not None:
            return []
        o = rec.order
        events: list[Event] = []
        if o.order_type in ("TRAIL", "TRAIL LIMIT") and not rec.triggered:
            bid, ask, last = self.market.touch(inst.con_id)
            if self.trail(rec, inst, bid, ask, last):
                events.append(OrderUpdate(rec.snapshot()))
        if o.order_type in ON_CLOSE_TYPES or not self._tradable(inst, o):
            return events
        if o.order_type not in TRIGGERED_TYPES or rec.triggered:
            if rec.status != "Submitted":
                rec.status = "Submitted"
                self._dirty_orders.add(rec.perm_id)
                events.append(OrderUpdate(rec.snapshot()))
        return events + self._try_fill(rec, inst, taker=True)

    def _fills_of(self, account: str) -> list[tuple[str, str, str, datetime]]:
        """(symbol, sec type, exchange, time) of ``account``'s executions (conditions watch them)."""
        return [((c.symbol or "").upper(), (c.sec_type or "").upper(), (ex.exchange or "").upper(),
                 ex.time or datetime.min.replace(tzinfo=UTC))
                for ex, c, _ in self._executions if ex.acct_number == account]

    def _step_order(self, rec: OrderRecord, inst: Instrument) -> list[Event]:
        """One second of one open order."""
        o = rec.order
        staged = self.is_staged(rec)
        if o.order_type in ON_CLOSE_TYPES and not staged and self.waiting_reason(rec) is None:
            close = self.close_second(rec, inst)
            if close is not None and self.market.step_second >= close:
                return self._fill_on_close(rec, inst, close)
        if o.tif == "DAY" and self._day_expired(rec, inst):  # staged ones expire too
            self._finish(rec, "Cancelled", "Cancelled: day order expired")
            return [OrderUpdate(rec.snapshot()), *self.cancel_children(rec, "day order expired")]
        if staged:
            return []
        why = self.waiting_reason(rec)
        if why == "conditions":
            return self.check_conditions(rec)
        if why is not None or o.order_type in ON_CLOSE_TYPES:
            return []
        if not self._tradable(inst, o):
            return []
        events: list[Event] = []
        taker = False
        if rec.status == "PreSubmitted" and (rec.triggered or o.order_type not in TRIGGERED_TYPES):
            rec.status = "Submitted"  # held outside its session: released at the open
            self._dirty_orders.add(rec.perm_id)
            events.append(OrderUpdate(rec.snapshot()))
            taker = True
        if self.oca_blocked(rec):
            return events
        return events + self._try_fill(rec, inst, taker=taker)

    def _fill_on_close(self, rec: OrderRecord, inst: Instrument, close: int) -> list[Event]:
        """MOC / LOC at the session close: the closing print is the last trade of its final
        second; a LOC whose limit that price does not meet is cancelled."""
        _bid, _ask, price = self.market.touch(inst.con_id, close - 1)
        o = rec.order
        if o.order_type == "LOC":
            limit = o.lmt_price or 0.0
            if (o.action == "BUY" and price > limit + 1e-9) or (
                    o.action != "BUY" and price < limit - 1e-9):
                self._finish(rec, "Cancelled", "Cancelled: limit not met at the close")
                return [OrderUpdate(rec.snapshot())]
        rec.status = "Submitted"
        return self._fill(rec, inst, price, True, rec.remaining)


    # --- groups ----------------------------------------------------------------------------------
    def parent_of(self, rec: OrderRecord) -> OrderRecord | None:
        pid = rec.order.parent_id or 0
        return self._orders.get((rec.client_id, pid)) if pid else None

    def children_of(self, rec: OrderRecord) -> list[OrderRecord]:
        return [r for r in self._open.values()
                if r.client_id == rec.client_id and (r.order.parent_id or 0) == rec.order_id
                and r is not rec]

    @staticmethod
    def is_staged(rec: OrderRecord) -> bool:
        """Not transmitted, or deactivated (``deactivate``): kept, PreSubmitted, not working."""
        return not rec.order.transmit or bool(rec.order.deactivate)

    def transmit_group(self, rec: OrderRecord) -> list[Event]:
        """``rec`` is transmitted: so are its staged parent and the parent's (or its own) staged
        children; each starts working (or waits, as its rules say)."""
        root = self.parent_of(rec) or rec
        group = [root, *self.children_of(root)]
        if rec not in group:
            group.append(rec)
        events: list[Event] = []
        for r in group:
            if not r.is_open or not (self.is_staged(r) or r is rec):
                continue
            r.order.transmit = True
            self._dirty_orders.add(r.perm_id)
            if r is not rec:
                events.append(OrderUpdate(r.snapshot()))
        for r in group:
            if r.is_open and not self.is_staged(r):
                events += self._start(r, self.instruments[r.con_id])
        return events

    def waiting_reason(self, rec: OrderRecord) -> str | None:
        """Why an open, transmitted order does not work yet (None: it works)."""
        parent = self.parent_of(rec)
        if parent is not None and parent.status != "Filled":
            return "parent"
        if rec.order.conditions and not rec.conditions_met:
            return "conditions"
        return None

    def check_conditions(self, rec: OrderRecord) -> list[Event]:
        """Evaluate ``rec``'s conditions; when they hold it starts (or is cancelled)."""
        if not self._fold(rec):
            return []
        if rec.order.conditions_cancel_order:
            self._finish(rec, "Cancelled", "Cancelled: order conditions met")
            return [OrderUpdate(rec.snapshot())]
        rec.conditions_met = True
        self._dirty_orders.add(rec.perm_id)
        return self._start(rec, self.instruments[rec.con_id])

    def _fold(self, rec: OrderRecord) -> bool:
        conds = rec.order.conditions
        values = [condition_holds(c, self.market, self.accounts, rec.account, rec.submitted_at,
                                  lambda: self._fills_of(rec.account),
                                  lambda: self._cushion(rec.account)) for c in conds]
        result = values[0]
        for prev, value in zip(conds, values[1:]):
            result = (result and value) if prev.is_conjunction_connection else (result or value)
        return result

    def _cushion(self, account: str) -> float:
        net, _init, maint = self.accounts.totals(account)
        return (net - maint) / net * 100.0 if net else 0.0

    def parent_filled(self, parent: OrderRecord) -> list[Event]:
        """The parent filled: its children start working."""
        events: list[Event] = []
        for child in self.children_of(parent):
            if not self.is_staged(child):
                events += self._start(child, self.instruments[child.con_id])
        return events

    def cancel_children(self, parent: OrderRecord, reason: str) -> list[Event]:
        events: list[Event] = []
        for child in self.children_of(parent):
            self._finish(child, "Cancelled", f"Cancelled: {reason}")
            events += [OrderUpdate(child.snapshot()),
                       OrderError(child.client_id, child.order_id, 202,
                                  f"Order Canceled - reason:{reason}")]
        return events

    # --- OCA -------------------------------------------------------------------------------------
    def _oca_key(self, rec: OrderRecord) -> tuple[int, str, str] | None:
        if rec.order.oca_group:
            return rec.client_id, rec.account, rec.order.oca_group
        if rec.order.parent_id:  # bracket children: an implicit group per parent
            return rec.client_id, rec.account, f"\0parent:{rec.order.parent_id}"
        return None

    def _oca_type(self, rec: OrderRecord) -> int:
        if rec.order.oca_group:
            return rec.order.oca_type if rec.order.oca_type in (1, 2, 3) else 1
        return 2

    def oca_blocked(self, rec: OrderRecord) -> bool:
        key = self._oca_key(rec)
        return key is not None and key in self._oca_blocked and self._oca_type(rec) in (1, 2)

    def _oca_members(self, rec: OrderRecord) -> list[OrderRecord]:
        key = self._oca_key(rec)
        return [r for r in self._open.values() if r is not rec and self._oca_key(r) == key]

    def oca_filled(self, rec: OrderRecord, qty: Decimal) -> list[Event]:
        """``rec`` of an OCA group filled ``qty``: the other members react by the group's type."""
        key = self._oca_key(rec)
        if key is None:
            return []
        kind = self._oca_type(rec)
        if kind in (1, 2):
            self._oca_blocked.add(key)
        if kind == 3:
            self._oca_pending.append((rec, qty))
            return []
        return self._oca_apply(rec, qty, kind)

    def oca_settle(self) -> list[Event]:
        """End of a second: the reductions of type-3 groups."""
        pending, self._oca_pending[:] = list(self._oca_pending), []
        events: list[Event] = []
        for rec, qty in pending:
            events += self._oca_apply(rec, qty, 3)
        return events

    def _oca_apply(self, rec: OrderRecord, qty: Decimal, kind: int) -> list[Event]:
        events: list[Event] = []
        total = rec.order.total_quantity or Decimal(0)
        for other in self._oca_members(rec):
            if kind == 1:
                cut = other.remaining
            else:
                size = other.order.total_quantity or Decimal(0)
                step = self.instruments[other.con_id].size_increment
                cut = (qty * size / total / step).to_integral_value(ROUND_DOWN) * step \
                    if total else other.remaining
                cut = min(cut, other.remaining)
            if cut <= 0:
                continue
            other.remaining -= cut
            other.order.total_quantity = other.filled + other.remaining
            self._dirty_orders.add(other.perm_id)
            if other.remaining <= 0:
                self._finish(other, "Cancelled", "Cancelled: OCA group")
                events += [OrderUpdate(other.snapshot()), OrderError(
                    other.client_id, other.order_id, 202,
                    "Order Canceled - reason:OCA group cancel")]
            else:
                events.append(OrderUpdate(other.snapshot()))
        return events

    # --- prices ----------------------------------------------------------------------------------
    def trail(self, rec: OrderRecord, inst: Instrument, bid: float, ask: float,
              last: float) -> bool:
        """Move a trailing stop with the market; True when it moved."""
        o = rec.order
        buy = o.action == "BUY"
        ref = last
        if o.trailing_percent:
            offset = ref * o.trailing_percent / 100.0
        else:
            offset = o.aux_price or 0.0
        target = inst.round_price(ref + offset if buy else ref - offset)
        stop = o.trail_stop_price
        if stop is None or math.isinf(stop) or (buy and target < stop) or (
                not buy and target > stop):
            if stop is not None and abs(target - stop) < 1e-9:
                return False
            o.trail_stop_price = target
            self._dirty_orders.add(rec.perm_id)
            return True
        return False

    @staticmethod
    def trigger_price(rec: OrderRecord) -> float:
        o = rec.order
        if o.order_type in _TRAIL:
            return o.trail_stop_price or 0.0
        return o.aux_price or 0.0

    @staticmethod
    def hit(rec: OrderRecord, bid: float, ask: float, last: float) -> bool:
        """Whether the market reached the order's trigger."""
        o = rec.order
        buy = o.action == "BUY"
        p = OrderRules.trigger_price(rec)
        if o.order_type in _TOUCHED:  # touched from the other side
            return (ask <= p or last <= p) if buy else (bid >= p or last >= p)
        return (ask >= p or last >= p) if buy else (bid <= p or last <= p)

    @staticmethod
    def limit_after_trigger(rec: OrderRecord, inst: Instrument) -> None:
        """TRAIL LIMIT: the limit is the stop minus (SELL) / plus (BUY) the limit offset."""
        o = rec.order
        if o.order_type == "TRAIL LIMIT":
            off = o.lmt_price_offset or 0.0
            stop = o.trail_stop_price or 0.0
            o.lmt_price = inst.round_price(stop + off if o.action == "BUY" else stop - off)

    @staticmethod
    def works_as_limit(order_type: str) -> bool:
        return order_type in ("LMT",) or order_type in _LIMIT_AFTER_TRIGGER

    @staticmethod
    def peg_price(rec: OrderRecord, inst: Instrument, bid: float, ask: float) -> float:
        """The current price of a REL / PEG MID order (on the grid, within its cap)."""
        o = rec.order
        buy = o.action == "BUY"
        off = o.aux_price or 0.0
        if o.order_type == "REL":
            raw = bid + off if buy else ask - off
        else:
            mid = (bid + ask) / 2.0
            raw = mid - off if buy else mid + off
        tick = inst.min_tick
        price = math.floor(raw / tick + 1e-9) * tick if buy else math.ceil(raw / tick - 1e-9) * tick
        cap = o.lmt_price
        if cap is not None and cap > 0 and not math.isinf(cap):
            price = min(price, cap) if buy else max(price, cap)
        return inst.round_price(price)

    def close_second(self, rec: OrderRecord, inst: Instrument) -> int | None:
        """The epoch second the session of an on-close order closes (None: unknown)."""
        try:
            d = date(int(rec.trading_day[:4]), int(rec.trading_day[4:6]),
                     int(rec.trading_day[6:8]))
        except ValueError:
            return None
        sess = Calendar.of(inst.hours).session(d, inst.hours == "stock")
        return sess.close if sess is not None else None
