"""The paper exchange: orders, matching, fills, commissions -- pure, synchronous logic.

No sockets, no asyncio, no threads: the gateway's sessions call these methods and turn the returned
events into wire messages:

* :class:`OrderUpdate` -> OPEN_ORDER + ORDER_STATUS (the record holds the order's whole state);
* :class:`FillEvent` -> EXECUTION_DATA (req id -1) + COMMISSION_REPORT;
* :class:`OrderError` -> ERR_MSG with the order id (103, 104, 110, 200, 201, 202, 387, 10147, 10148);
* :class:`AccountUpdate` -> fresh ACCT_VALUE / PORTFOLIO_VALUE / POSITION_DATA for that account.

Matching rules: market orders fill at once at the touch (buy at the ask, sell at the bid), up to
the size the touch shows. Limit orders rest until the touch crosses (buy when ask <= limit, sell when bid >= limit)
and fill at the touch, i.e. at the limit or better. Stop orders are PreSubmitted until the stop is
reached (BUY: ask or last >= stop; SELL: bid or last <= stop), then become Submitted and act as a
market (STP) or limit (STP LMT) order. IOC orders that cannot fill at once are Cancelled. DAY orders
are cancelled when the instrument's trading day (its time zone's calendar day) changes; GTC ones
stay. Staged (``transmit=False``) orders, brackets, OCA groups, trailing stops, if-touched,
on-close and pegged orders and order conditions follow :mod:`.order_rules`.

Rejects (the record goes Inactive): 201 "Order rejected - reason:..." for a non-positive or
fractional quantity, an unknown account, a missing price, an unsupported time in force, insufficient
margin and the :meth:`PaperExchange.reject_next_order` fault; **110** "The price does not conform
to the minimum price variation for this contract." for prices off the tick grid (TWS's own code);
387 for order types the paper exchange does not execute. 200 for unknown or ambiguous contracts
and 103 for reused order ids reject without creating an order.

The pieces: the records and events in :mod:`.order_events`, the session and validity checks in
:mod:`.order_checks`, option exercise and expiry in :mod:`.exercise`, the order rules in
:mod:`.order_rules` (bases of :class:`PaperExchange`); this module keeps placing, matching, filling,
the queries and persistence. Every name keeps its import path from here.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ..models.account import AccountValue, PortfolioItem, Position
from ..models.contract import Contract
from ..models.execution import CommissionReport, Execution, ExecutionFilter
from ..models.market import ContractDetails
from ..models.order import Order
from ..protocol.codec import parse_tws_time
from . import combos
from .accounts import Accounts, BookedFill
from .clock import CALENDAR_MODES
from .exercise import OptionSettlement
from .instruments import Instrument, InstrumentTable, table_of, to_contract, to_details
from .market import Bar, Market, Quote
from .options import with_options
from .order_checks import OrderChecks
from .order_events import (
    OPEN_STATES,
    AccountUpdate,
    Event,
    FillEvent,
    OrderError,
    OrderRecord,
    OrderUpdate,
    commission_for,
    reject,
)
from .order_rules import ON_CLOSE_TYPES, PEGGED_TYPES, TRIGGERED_TYPES, OrderRules
from .store import Store

__all__ = [
    "PaperExchange", "OrderRecord", "OrderUpdate", "FillEvent", "OrderError", "AccountUpdate",
    "Event", "OPEN_STATES", "commission_for",
]

_MAX_CATCH_UP = 3600  # advance_to: beyond this many seconds the market gaps instead of stepping


class PaperExchange(OrderChecks, OptionSettlement, OrderRules):
    """Orders, fills and accounts of the paper gateway, driven by a seeded :class:`Market`.

    ``clock`` returns the time for executions and order timestamps (default: now, UTC) and, for a
    new state, the market's start unless ``market_start`` gives it. With ``state_path`` the state lives in SQLite and a new
    exchange on the same file resumes it (the stored seed wins over ``seed``). Every mutating call
    saves before it returns.
    """

    def __init__(self, accounts: Sequence[str] = ("DU1234567",), seed: int = 0,
                 clock: Callable[[], datetime] | None = None,
                 starting_cash: float = 1_000_000.0, state_path: str | Path | None = None,
                 instruments: InstrumentTable | Sequence[Instrument] | None = None,
                 market_start: datetime | None = None, calendar: str = "open",
                 slippage: int = 0) -> None:
        if calendar not in CALENDAR_MODES:
            raise ValueError(f"unknown calendar mode {calendar!r}; use 'open' or 'strict'")
        if slippage < 0:
            raise ValueError(f"slippage is a number of ticks >= 0, not {slippage!r}")
        self.slippage = slippage  # ticks a market (or triggered stop) order fills beyond the touch
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.strict = calendar == "strict"
        self.store = Store(state_path) if state_path is not None else None
        saved = self.store.load() if self.store is not None else None
        meta = saved.meta if saved is not None else {}
        if meta:
            seed = int(meta["seed"])
            start = datetime.fromisoformat(meta["market_start"])
            step = int(meta["market_step"])
        else:
            start, step = market_start or self.clock(), 0
        # futures months and options listed on the market date
        self.instruments = with_options(table_of(instruments, start), start)
        self.market = Market(self.instruments, seed=seed, start=start, step=step,
                             strict=self.strict)
        self.seed = seed
        codes = list(accounts)
        if saved is not None:
            codes += [a for a, _ in saved.accounts if a not in codes]
        self.accounts = Accounts(codes, self.market, starting_cash)
        self._orders: dict[tuple[int, int], OrderRecord] = {}
        self._by_perm: dict[int, OrderRecord] = {}
        self._open: dict[int, OrderRecord] = {}  # perm id -> open order, in perm id order
        self._executions: list[tuple[Execution, Contract, CommissionReport]] = []
        self._floors: dict[int, int] = {}
        self._next_perm = int(meta.get("next_perm_id", 1_100_000_001))
        self._exec_seq = int(meta.get("exec_seq", int(self.clock().timestamp())))
        self._exec_prefix = f"{(0xE0D5 + seed * 0x9E37) & 0xFFFFFFFF:08x}"
        self._reject_next: str | None = None
        self._oca_blocked: set[tuple[int, str, str]] = set()  # OCA groups that filled this second
        self._oca_pending: list[tuple[OrderRecord, Decimal]] = []  # type-3 reductions due
        self._dirty_orders: set[int] = set()
        self._dirty_accounts: set[str] = set(codes)
        self._dirty_positions: set[tuple[str, int]] = set()
        self._dirty_floors: set[int] = set()
        self._new_execs: list[tuple[int, int, Execution, Contract, CommissionReport]] = []
        if saved is not None and not saved.empty:
            realized = dict(saved.accounts)
            for code, pnl in realized.items():
                self.accounts.state(code).realized_pnl = pnl
            cash_seen: set[str] = set()
            for code, ccy, amount in saved.cash:
                st = self.accounts.state(code)
                if code not in cash_seen:
                    st.cash.clear()
                    cash_seen.add(code)
                st.cash[ccy] = amount
            for pos in saved.positions:
                self.accounts.state(pos.account).positions[pos.con_id] = pos
            for rec in saved.orders:
                self._orders[(rec.client_id, rec.order_id)] = rec
                self._by_perm[rec.perm_id] = rec
                if rec.is_open:
                    self._open[rec.perm_id] = rec
            self._executions = saved.executions
            self._floors = dict(saved.floors)
        self.save()

    # --- identity / queries ----------------------------------------------------------------------
    @property
    def managed_accounts(self) -> tuple[str, ...]:
        """The account codes MANAGED_ACCTS lists."""
        return self.accounts.codes

    def now(self) -> datetime:
        """Market time (what historical requests with an empty end time end at)."""
        return self.market.now()

    def next_valid_id(self, client_id: int) -> int:
        """The order id floor of ``client_id``: highest id it ever used + 1 (at least 1)."""
        return max(1, self._floors.get(client_id, 0) + 1)

    def lower_next_valid_id(self, client_id: int, next_valid_id: int = 1) -> None:
        """Fault: forget how far ``client_id`` got, as a TWS restart can (orders are kept)."""
        self._floors[client_id] = max(0, next_valid_id - 1)
        self._dirty_floors.add(client_id)
        self.save()

    def order(self, client_id: int, order_id: int) -> OrderRecord | None:
        """The order ``client_id`` placed under ``order_id`` (any state), or None."""
        return self._orders.get((client_id, order_id))

    def open_orders(self, client_id: int | None = None) -> list[OrderRecord]:
        """Open orders of ``client_id`` (None = every client), by perm id."""
        return [r for r in self._open.values() if client_id is None or r.client_id == client_id]

    def completed_orders(self) -> list[OrderRecord]:
        """Filled, cancelled and rejected orders, in the order they completed."""
        done = [r for r in self._by_perm.values() if not r.is_open]
        return sorted(done, key=lambda r: (r.completed_at or r.submitted_at, r.perm_id))

    def executions(self, filter: ExecutionFilter | None = None
                   ) -> list[tuple[Execution, Contract, CommissionReport]]:
        """Executions (oldest first) matching ``filter``: client id (0 / None = all), account,
        time (executions at or after it; an unreadable time is ignored), symbol, sec type,
        exchange and side (BUY / SELL)."""
        f = filter or ExecutionFilter()
        after: datetime | None = None
        if f.time:
            try:
                after = parse_tws_time(f.time)
            except ValueError:
                after = None  # documented choice: an unreadable time filters nothing
        side = {"BUY": "BOT", "SELL": "SLD"}.get((f.side or "").upper(), (f.side or "").upper())
        out = []
        for ex, contract, report in self._executions:
            if f.client_id and ex.client_id != f.client_id:
                continue
            if f.acct_code and ex.acct_number != f.acct_code:
                continue
            if after is not None and ex.time is not None and ex.time < after:
                continue
            if f.symbol and (contract.symbol or "").upper() != f.symbol.upper():
                continue
            if f.sec_type and (contract.sec_type or "").upper() != f.sec_type.upper():
                continue
            if f.exchange and f.exchange.upper() not in ((ex.exchange or "").upper(),
                                                           (contract.exchange or "").upper()):
                continue
            if side and ex.side != side:
                continue
            out.append((ex, contract, report))
        return out

    def booked_fills(self, since: int) -> list[BookedFill]:
        """The fills at or after market second ``since``, oldest first, as the PnL counts them
        (executions are kept in time order: a bisection finds the first)."""
        start = bisect.bisect_left(self._executions, since,
                                   key=lambda e: int(e[0].time.timestamp()) if e[0].time else 0)
        return [BookedFill(ex.acct_number or "", contract.con_id or 0,
                           int(ex.time.timestamp()) if ex.time else since,
                           (ex.shares or Decimal(0)) * (1 if ex.side == "BOT" else -1),
                           ex.price or 0.0, report.commission or 0.0, report.realized_pnl)
                for ex, contract, report in self._executions[start:]
                if not combos.is_combo(contract)]  # (a combo's legs carry its fills)

    # --- instruments and market data ----------------------------------------------------------
    def resolve(self, contract: Contract) -> list[Instrument]:
        """The instruments ``contract`` describes (``[]`` unknown; several = ambiguous)."""
        return self.instruments.resolve(contract)

    def contract_details(self, contract: Contract) -> list[ContractDetails]:
        """CONTRACT_DATA answers for ``contract`` (empty: answer 200)."""
        today = self.market.now().date()
        return [to_details(i, today, contract.exchange if contract.exchange else None)
                for i in self.resolve(contract)]

    def quote(self, con_id: int) -> Quote:
        return self.market.quote(con_id)

    def bars(self, con_id: int, end: datetime | None, duration: str, bar_size: str,
             what_to_show: str = "TRADES", use_rth: bool = False) -> list[Bar]:
        """Historical bars from the same price path (see :meth:`Market.bars`)."""
        return self.market.bars(con_id, end, duration, bar_size, what_to_show, use_rth)

    # --- accounts ------------------------------------------------------------------------------
    def account_values(self, account: str) -> list[AccountValue]:
        return self.accounts.values(account)

    def portfolio(self, account: str) -> list[PortfolioItem]:
        return self.accounts.portfolio(account)

    def positions(self) -> list[Position]:
        """Positions of every account (closed ones with quantity 0)."""
        return self.accounts.positions()

    def account_summary(self, tags: str | Sequence[str]) -> list[tuple[str, str, str, str]]:
        """``(account, tag, value, currency)`` rows (standard tags and ``$LEDGER[:CCY|:ALL]``)."""
        return self.accounts.summary(tags)

    # --- faults ----------------------------------------------------------------------------------
    def reject_next_order(self, reason: str = "Rejected by the paper gateway (fault injection)"
                          ) -> None:
        """Make the next new order fail with 201 and ``reason``."""
        self._reject_next = reason

    # --- orders ----------------------------------------------------------------------------------
    def place_order(self, client_id: int, order_id: int, contract: Contract,
                    order: Order) -> list[Event]:
        """Place a new order, or modify ``order_id`` if it is still open. Returns the events."""
        try:
            existing = self._orders.get((client_id, order_id))
            if existing is not None and existing.is_open:
                return self._modify(existing, order)
            if existing is not None and existing.status == "Filled":
                return [OrderError(client_id, order_id, 104, "Can't modify a filled order")]
            if existing is not None or order_id <= self._floors.get(client_id, 0) or order_id < 1:
                return [OrderError(client_id, order_id, 103, "Duplicate order id")]
            self._floors[client_id] = order_id
            self._dirty_floors.add(client_id)
            return self._new_order(client_id, order_id, contract, order)
        finally:
            self.save()

    def _new_order(self, client_id: int, order_id: int, contract: Contract,
                   order: Order) -> list[Event]:
        if combos.is_combo(contract):  # a combo: its first leg stands for it (see .combos)
            found = combos.legs(self, contract)
            if isinstance(found, tuple):
                return [OrderError(client_id, order_id, *found)]
            found = found[:1]
        else:
            found = self.instruments.resolve(contract)
        if not found:
            return [OrderError(client_id, order_id, 200,
                               "No security definition has been found for the request")]
        if len(found) > 1:
            return [OrderError(client_id, order_id, 200, "The contract description specified "
                               f"for {contract.symbol or contract.local_symbol} is ambiguous.")]
        inst = found[0]
        now = self.market.now()
        o = copy.copy(order)
        account = o.account or self.accounts.codes[0]
        perm_id = self._next_perm
        self._next_perm += 1
        o.order_id, o.client_id, o.perm_id, o.account = order_id, client_id, perm_id, account
        o.action = (o.action or "").upper()
        o.order_type = (o.order_type or "").upper()
        o.tif = (o.tif or "DAY").upper()
        o.transmit = bool(o.transmit)  # (protobuf leaves a false transmit out: absent is False)
        rec = OrderRecord(
            client_id=client_id, order_id=order_id, perm_id=perm_id,
            contract=to_contract(inst, contract.exchange or None), order=o, con_id=inst.con_id,
            account=account, remaining=o.total_quantity or Decimal(0),
            trading_day=self._day_session(inst, o).date.strftime("%Y%m%d"), submitted_at=now)
        if combos.is_combo(contract):
            rec.contract = combos.combo_contract(contract)
        self._orders[(client_id, order_id)] = rec
        self._by_perm[perm_id] = rec
        self._dirty_orders.add(perm_id)
        problem = self._validate(rec, inst)
        if problem is None and combos.is_combo(rec.contract):
            problem = combos.validate(self, rec)
        if problem is None and self._reject_next is not None:
            problem = reject(self._reject_next)
            self._reject_next = None
        if problem is not None:
            self._finish(rec, "Inactive", f"Rejected: {problem[1]}")
            return [OrderError(client_id, order_id, *problem), OrderUpdate(rec.snapshot())]
        parent = self.parent_of(rec)
        if o.parent_id and (parent is None or (not parent.is_open and parent.status != "Filled")):
            self._finish(rec, "Inactive", "Rejected: parent order")
            why = "is not found" if parent is None else f"is {parent.status}"
            return [OrderError(client_id, order_id, *reject(
                f"The parent order {o.parent_id} {why}")), OrderUpdate(rec.snapshot())]
        # TWS accepts an order first (PreSubmitted), then it works at the exchange (Submitted);
        # a staged (transmit=False) order, a bracket child, a conditional, triggered or on-close
        # order stays PreSubmitted until its time comes, an order outside its session until the
        # open (see order_rules)
        rec.status = "PreSubmitted"
        self._open[perm_id] = rec
        if o.order_type in ("TRAIL", "TRAIL LIMIT"):  # the stop starts from the market now
            self.trail(rec, inst, *self.market.touch(inst.con_id))
        events: list[Event] = [OrderUpdate(rec.snapshot())]
        if self.is_staged(rec):
            return events
        events += self.transmit_group(rec)
        if rec.is_open and o.tif == "IOC":
            self._finish(rec, "Cancelled", "Cancelled")
            events.append(OrderUpdate(rec.snapshot()))
        return events

    def _modify(self, rec: OrderRecord, order: Order) -> list[Event]:
        inst = self.instruments[rec.con_id]
        new = copy.copy(order)
        new.order_id, new.client_id, new.perm_id = rec.order_id, rec.client_id, rec.perm_id
        new.account = new.account or rec.account
        new.action = (new.action or "").upper()
        new.order_type = (new.order_type or "").upper()
        new.tif = (new.tif or "DAY").upper()
        new.transmit = bool(new.transmit)
        if new.action != rec.order.action or new.account != rec.account:
            return [OrderError(rec.client_id, rec.order_id, *reject(
                "The side and account of an order cannot be modified")),
                OrderUpdate(rec.snapshot())]
        trial = copy.copy(rec)
        trial.order = new
        problem = self._validate(trial, inst)
        if problem is not None:
            return [OrderError(rec.client_id, rec.order_id, *problem), OrderUpdate(rec.snapshot())]
        was_staged = self.is_staged(rec)
        rec.order = new
        rec.remaining = (new.total_quantity or Decimal(0)) - rec.filled
        if new.order_type not in TRIGGERED_TYPES:
            rec.triggered = False
        working = not self.is_staged(rec) and self.waiting_reason(rec) is None \
            and new.order_type not in ON_CLOSE_TYPES \
            and (new.order_type not in TRIGGERED_TYPES or rec.triggered)
        rec.status = "Submitted" if working and rec.status == "Submitted" else "PreSubmitted"
        self._dirty_orders.add(rec.perm_id)
        events: list[Event] = [OrderUpdate(rec.snapshot())]
        if self.is_staged(rec):
            return events
        if was_staged:
            return events + self.transmit_group(rec)
        return events + self._start(rec, inst)

    def cancel_order(self, client_id: int, order_id: int) -> list[Event]:
        """Cancel: 202 + Cancelled; 10147 for an unknown id; 10148 when already done."""
        try:
            rec = self._orders.get((client_id, order_id))
            if rec is None:
                return [OrderError(client_id, order_id, 10147,
                                   f"OrderId {order_id} that needs to be cancelled is not found.")]
            if not rec.is_open:
                return [OrderError(client_id, order_id, 10148,
                                   f"OrderId {order_id} that needs to be cancelled can not be "
                                   f"cancelled, state: {rec.status}.")]
            return self._cancel(rec)
        finally:
            self.save()

    def _cancel(self, rec: OrderRecord, reason: str = "") -> list[Event]:
        self._finish(rec, "Cancelled", "Cancelled by Trader")
        return [OrderUpdate(rec.snapshot()),
                OrderError(rec.client_id, rec.order_id, 202, f"Order Canceled - reason:{reason}"),
                *self.cancel_children(rec, reason)]

    def global_cancel(self) -> list[Event]:
        """Cancel every open order of every client."""
        events: list[Event] = []
        for rec in self.open_orders():
            if rec.is_open:  # (a parent's cancel took its children already)
                events += self._cancel(rec)
        self.save()
        return events

    def _finish(self, rec: OrderRecord, status: str, completed_status: str) -> None:
        rec.status = status
        self._open.pop(rec.perm_id, None)
        rec.completed_at = self.market.now()
        rec.completed_status = completed_status
        self._dirty_orders.add(rec.perm_id)

    # --- matching --------------------------------------------------------------------------------
    def step(self, n: int = 1) -> list[Event]:
        """Advance the market ``n`` seconds, matching resting orders at every one."""
        events: list[Event] = []
        for _ in range(n):
            self.market.step(1)
            self._oca_blocked.clear()
            open_ = self.open_orders()
            if not open_:
                if n > 1:  # nothing to match: jump the rest
                    self.market.step(n - 1 - _)
                    break
                continue
            for rec in open_:
                if not rec.is_open:  # (done by another order of its group this second)
                    continue
                events += self._step_order(rec, self.instruments[rec.con_id])
            events += self.oca_settle()
        if self._option_positions():  # options that expired settle into positions and cash
            events += self._expire_options()
        self.save()
        return events

    def advance_to(self, t: datetime) -> list[Event]:
        """Step the market up to time ``t`` (no-op if market time is already there); after a long
        pause (over an hour) the market gaps to ``t`` and matches once."""
        n = self.market.steps_until(t)
        if n > _MAX_CATCH_UP:
            self.market.step(n - 1)
            n = 1
        return self.step(n) if n else []

    def _try_fill(self, rec: OrderRecord, inst: Instrument, taker: bool) -> list[Event]:
        if combos.is_combo(rec.contract):
            return combos.try_fill(self, rec, taker)
        o = rec.order
        bid, ask, last = self.market.touch(inst.con_id)
        buy = o.action == "BUY"
        events: list[Event] = []
        if o.order_type in TRIGGERED_TYPES and not rec.triggered:
            moved = o.order_type in ("TRAIL", "TRAIL LIMIT") and self.trail(rec, inst, bid, ask,
                                                                           last)
            if not self.hit(rec, bid, ask, last):
                return [OrderUpdate(rec.snapshot())] if moved else events
            rec.triggered = True
            self.limit_after_trigger(rec, inst)
            rec.status = "Submitted"
            self._dirty_orders.add(rec.perm_id)
            events.append(OrderUpdate(rec.snapshot()))
            taker = True
        price = ask if buy else bid
        market_like = o.order_type in ("MKT", "STP", "TRAIL", "MIT")
        if self.slippage and market_like:
            slip = self.slippage * inst.min_tick
            price = inst.round_price(price + slip if buy else max(inst.min_tick, price - slip))
        if o.order_type in PEGGED_TYPES:
            peg = self.peg_price(rec, inst, bid, ask)
            if (buy and ask <= peg + 1e-9) or (not buy and bid >= peg - 1e-9):
                taker = True  # marketable: takes the touch
            elif (buy and last <= peg + 1e-9) or (not buy and last >= peg - 1e-9):
                price, taker = peg, False  # a trade printed at or through it: filled passively
            else:
                return events
        elif self.works_as_limit(o.order_type or ""):
            limit = o.lmt_price or 0.0
            if (buy and ask > limit + 1e-9) or (not buy and bid < limit - 1e-9):
                return events
        # what the touch shows is what one second can fill: a larger order fills in parts
        bid_size, ask_size = self.market.touch_sizes(inst.con_id)
        qty = min(rec.remaining, ask_size if buy else bid_size)
        events += self._fill(rec, inst, price, taker or market_like, qty)
        return events

    def _fill(self, rec: OrderRecord, inst: Instrument, price: float, taker: bool,
              qty: Decimal) -> list[Event]:
        fx = self.market.fx_to_usd(inst.symbol if inst.sec_type == "CASH" else inst.currency)
        # the schedule (and its per-order minimum) applies to the order: a partial fill pays what
        # the order's cumulative quantity costs less what earlier fills paid
        cum_price = (float(rec.filled) * rec.avg_fill_price + float(qty) * price) \
            / float(rec.filled + qty)
        commission = round(max(0.0, commission_for(inst, rec.filled + qty, cum_price, fx)
                               - rec.commission), 2)
        side = "BOT" if rec.order.action == "BUY" else "SLD"
        realized = self.accounts.apply_fill(rec.account, inst, side, qty, price, commission)
        before = rec.filled
        rec.filled = before + qty
        rec.remaining -= qty
        rec.avg_fill_price = inst.round_price(cum_price) if before else price
        rec.last_fill_price = price
        rec.commission += commission
        if rec.remaining <= 0:
            self._finish(rec, "Filled", "Filled")
        else:  # a partial fill: the rest keeps working
            rec.status = "Submitted"
            self._dirty_orders.add(rec.perm_id)
        execution, report = self._record_execution(
            rec, rec.contract, inst, side, qty, price, commission, realized, taker,
            rec.filled, rec.avg_fill_price)
        snap = rec.snapshot()
        events: list[Event] = [FillEvent(snap, rec.contract, execution, report),
                               OrderUpdate(snap), AccountUpdate(rec.account)]
        events += self.oca_filled(rec, qty)
        if rec.status == "Filled":
            events += self.parent_filled(rec)
        return events

    def _record_execution(self, rec: OrderRecord, contract: Contract, inst: Instrument | None,
                          side: str, qty: Decimal, price: float, commission: float,
                          realized: float | None, taker: bool, cum_qty: Decimal,
                          avg_price: float) -> tuple[Execution, CommissionReport]:
        """Keep one execution of ``rec`` (and its commission report): ``contract`` is what it is
        reported under (a combo's leg, or the combo itself with ``inst`` None)."""
        self._exec_seq += 1
        execution = Execution(
            exec_id=f"{self._exec_prefix}.{self._exec_seq & 0xFFFFFFFF:08x}.01.01",
            time=self.market.now(), acct_number=rec.account,
            exchange=inst.exchange if inst is not None else (contract.exchange or "SMART"),
            side=side, shares=qty, price=price, perm_id=rec.perm_id, client_id=rec.client_id,
            order_id=rec.order_id, liquidation=0, cum_qty=cum_qty, avg_price=avg_price,
            order_ref=rec.order.order_ref, ev_rule=None, ev_multiplier=None, model_code=None,
            last_liquidity=2 if taker else 1, pending_price_revision=False)
        report = CommissionReport(exec_id=execution.exec_id, commission=commission,
                                  currency="USD", realized_pnl=realized, yield_=None,
                                  yield_redemption_date=None)
        con_id = inst.con_id if inst is not None else 0
        self._executions.append((execution, contract, report))
        self._new_execs.append((self._exec_seq, con_id, execution, contract, report))
        self._dirty_accounts.add(rec.account)
        if inst is not None:
            self._dirty_positions.add((rec.account, inst.con_id))
        return execution, report

    # --- persistence -----------------------------------------------------------------------------
    def save(self) -> None:
        """Write what changed since the last save and commit (no-op without a state file)."""
        store = self.store
        if store is None:
            self._dirty_orders.clear()
            self._dirty_accounts.clear()
            self._dirty_positions.clear()
            self._dirty_floors.clear()
            self._new_execs.clear()
            return
        store.put_meta({"schema": 1, "seed": self.seed,
                        "market_start": self.market.start.isoformat(),
                        "market_step": self.market.step_count, "next_perm_id": self._next_perm,
                        "exec_seq": self._exec_seq})
        for perm in sorted(self._dirty_orders):
            store.put_order(self._by_perm[perm])
        for code in self._dirty_accounts:
            st = self.accounts.state(code)
            store.put_account(code, self.accounts.codes.index(code), st.realized_pnl, st.cash)
        for code, con_id in self._dirty_positions:
            pos = self.accounts.position(code, con_id)
            if pos is not None:
                store.put_position(pos)
        for client_id in self._dirty_floors:
            store.put_floor(client_id, self._floors[client_id])
        for seq, con_id, execution, contract, report in self._new_execs:
            store.put_execution(seq, con_id, execution, contract, report)
        store.commit()
        self._dirty_orders.clear()
        self._dirty_accounts.clear()
        self._dirty_positions.clear()
        self._dirty_floors.clear()
        self._new_execs.clear()

    def close(self) -> None:
        """Save and close the state file."""
        self.save()
        if self.store is not None:
            self.store.close()
            self.store = None
