"""Reconciliation: after every connect, make the Broker's picture of its orders match TWS's.

What the Broker knew (its journal: a file, or memory for the Broker's lifetime) is compared with
what TWS reports before any new order is accepted:

1. open orders (REQ_OPEN_ORDERS; REQ_ALL_OPEN_ORDERS when the journal holds other client ids'
   orders): a known order found there is live; its status is taken from TWS;
2. completed orders (REQ_COMPLETED_ORDERS): an order that filled, was cancelled or rejected while
   the Broker was away gets its final status;
3. executions since the last one seen (REQ_EXECUTIONS with that time): fills that happened while
   offline are recorded (deduplicated by exec id), each reported as an :class:`OrderGap`
   ``offline_fill`` event besides its usual FillEvent; commission reports are paired.

Orders are matched by order id (and client id), by perm id, and by ``orderRef`` (the client order
id). An intent that was recorded and possibly sent but that TWS does not know at all gets status
``"Unknown"`` and an ``unknown_order`` gap event: it is never sent again silently (the caller
decides). An order TWS acknowledged before but no longer reports gets a ``missing_order`` event.

Nothing is asked when there is nothing to reconcile (every known order finished and all its fills
seen), so connecting a Broker without history costs no extra round trip.

The same module re-requests subscriptions after a reconnect or after 1101 ("connectivity
restored, data lost"): live market data tickers get a fresh request id and are asked for again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from ..errors import ConnectionLost, IbwireError, RequestError, RequestTimeout
from ..models import ExecutionFilter
from ..protocol.messages.order_reports import ReqAllOpenOrders, ReqOpenOrders
from .account import AccountMixin
from .core import Flow, Wait
from .depth import DepthMixin
from .discovery import DiscoveryMixin
from .flows import front_method
from .journal import UNKNOWN
from .market import CompletedOrderInfo, MarketMixin
from .order_types import OrderTypesMixin
from .orders import OPEN_ORDERS, UNKNOWN_STATUS, OrdersMixin
from .pnl import PnLMixin
from .reference import ReferenceMixin
from .requests import Pending
from .state import GapEvent, OrderEvent
from .tickets import Fill, OrderTicket
from .ticks import TicksMixin

__all__ = ["ReconcileMixin", "ReconcileReport", "OrderGap"]

log = logging.getLogger("ibwire.broker")


@dataclass(frozen=True, slots=True)
class OrderGap(GapEvent):
    """A :class:`GapEvent` found by reconciliation, with what it is about.

    ``kind``: ``unknown_order`` (an intent TWS never received: not placed, not re-sent),
    ``offline_fill`` (an execution that happened while the Broker was not connected),
    ``missing_order`` (TWS acknowledged the order once but reports it neither open nor completed),
    ``status_changed`` (an order finished while the Broker was away), ``reconcile_failed``.
    """

    kind: str = ""
    ticket: OrderTicket | None = None
    fill: Fill | None = None


@dataclass(slots=True)
class ReconcileReport:
    """What one reconciliation found (``broker.last_reconciliation``; also sent to listeners when
    it is done)."""

    asked: bool = False  # False: nothing needed reconciling, TWS was not asked
    live: list[OrderTicket] = field(default_factory=list)
    finished: list[OrderTicket] = field(default_factory=list)
    unknown: list[OrderTicket] = field(default_factory=list)
    missing: list[OrderTicket] = field(default_factory=list)
    offline_fills: list[Fill] = field(default_factory=list)
    error: IbwireError | None = None

    @property
    def gaps(self) -> int:
        return len(self.unknown) + len(self.missing) + len(self.offline_fills)


class ReconcileMixin(PnLMixin, DepthMixin, MarketMixin, OrderTypesMixin, OrdersMixin, TicksMixin,
                     ReferenceMixin, DiscoveryMixin, AccountMixin):
    """Reconciliation and resubscription for the Broker front ends."""

    def _init_state(self) -> None:
        super()._init_state()
        self.last_reconciliation: ReconcileReport | None = None
        self._known_fills: set[str] = set()
        self._reported_missing: set[int] = set()

    def _begin_session(self) -> Any:
        session = super()._begin_session()
        self._known_fills = set(self._fills)
        return session

    # --- what needs reconciling ------------------------------------------------------------------

    def _unresolved(self) -> list[OrderTicket]:
        """Tickets whose fate TWS must tell: not finished, or finished with fills unseen."""
        out = []
        for t in list(self._journaled.values()):
            if t.rejection is not None or t.status == UNKNOWN_STATUS or t.order.what_if:
                continue
            if id(t) in self._reported_missing:
                continue  # reported once per Broker: TWS will not tell more
            if not t.is_done or t.filled > self._fill_shares(t):
                out.append(t)
        return out

    def _flow_reconciled(self, timeout: float) -> Flow[None]:
        r = self._reconciled
        if not r.done:
            if not (yield Wait(r, timeout)):
                raise RequestTimeout("reconciliation of the order journal with TWS", timeout)
        if r.error is not None:  # the last attempt failed: try once more before any new order
            yield from self.flow_reconcile(timeout)
            if self._reconciled.error is not None:
                raise self._reconciled.error

    # --- the flow ----------------------------------------------------------------------------------

    def flow_reconcile(self, timeout: float | None = None) -> Flow[ReconcileReport]:
        """Reconcile known orders and fills with TWS (done by connect; call it to re-check)."""
        report = ReconcileReport()
        pending = self._reconciled  # new orders of this session wait on it
        if pending.done:  # reconciling again (after a failure, or on request)
            pending = Pending("reconciliation with TWS", "__reconciled__")
            self._reconciled = pending
        try:
            todo = self._unresolved()
            if todo:
                report.asked = True
                yield from self._ask_tws(todo, report, timeout)
        except ConnectionLost as exc:
            report.error = exc
            pending.fail(exc)
            raise
        except (RequestTimeout, RequestError) as exc:
            report.error = exc
            log.error("reconciliation with TWS failed: %s", exc)
            self._emit(OrderGap(f"reconciliation with TWS failed: {exc}; new orders wait until it "
                                f"succeeds", "reconcile_failed"))
            pending.fail(exc)
        else:
            pending.finish(report)
        finally:
            self.last_reconciliation = report
        self._emit(report)  # listeners learn that new orders are accepted again
        return report

    def _ask_tws(self, todo: list[OrderTicket], report: ReconcileReport,
                 timeout: float | None) -> Flow[None]:
        others = any((t.order.client_id or self.client_id) != self.client_id for t in todo)
        req = ReqAllOpenOrders() if others else ReqOpenOrders()
        open_now: list[OrderTicket] = yield from self._read_flow(
            "open orders", OPEN_ORDERS, lambda: self._send(req), timeout)
        seen_open = {id(t) for t in open_now}
        completed: list[CompletedOrderInfo] = yield from self.flow_completed_orders(False, timeout)
        last = self.journal.last_execution_time()
        flt = ExecutionFilter()
        if last is not None:
            flt.time = (last.astimezone(UTC) - timedelta(seconds=1)).strftime("%Y%m%d-%H:%M:%S")
        fills: list[Fill] = yield from self.flow_executions(flt, timeout)

        for f in fills:
            if f.exec_id not in self._known_fills:
                self._known_fills.add(f.exec_id or "")
                report.offline_fills.append(f)
                t = self._ticket_of_execution(f.execution.client_id, f.execution.order_id,
                                              f.execution.perm_id, f.execution.order_ref)
                self._emit(OrderGap(
                    f"execution {f.exec_id} ({f.execution.side} {f.execution.shares} "
                    f"{f.contract.symbol} at {f.execution.price}) happened while not connected",
                    "offline_fill", t, f))
        for t in todo:
            if id(t) in seen_open:
                report.live.append(t)
                continue
            info = self._completed_match(t, completed)
            if info is not None:
                self._finish_from_completed(t, info)
                report.finished.append(t)
                continue
            if t.fills:  # executions prove that TWS had it
                shares = self._fill_shares(t)
                total = t.order.total_quantity
                if not t.is_done and total and shares >= total:
                    self._set_status(t, "Filled", shares)
                    report.finished.append(t)
                elif not t.is_done:
                    self._report_missing(t, report, "has executions but TWS reports it neither "
                                                    "open nor completed")
                continue
            if not t.acknowledged:
                self._mark_unknown(t)
                report.unknown.append(t)
            elif not t.is_done:
                self._report_missing(t, report, f"(status {t.status}) was acknowledged by TWS but "
                                                f"is now neither open nor completed")

    def _report_missing(self, t: OrderTicket, report: ReconcileReport, why: str) -> None:
        """An order TWS no longer reports: listed in the report and announced once per Broker."""
        report.missing.append(t)
        self._reported_missing.add(id(t))
        self._emit(OrderGap(f"order {t.order_id} {why}", "missing_order", t))

    def _completed_match(self, t: OrderTicket, completed: list[CompletedOrderInfo]
                         ) -> CompletedOrderInfo | None:
        for info in completed:
            o = info.order
            if t.perm_id and o.perm_id == t.perm_id:
                return info
        ref = t.client_order_id
        if ref and self._by_ref.get(ref) is t:
            matches = [i for i in completed if i.order.order_ref == ref
                       and (not t.perm_id or not i.order.perm_id)]
            if len(matches) == 1:
                return matches[0]
        return None

    def _finish_from_completed(self, t: OrderTicket, info: CompletedOrderInfo) -> None:
        o = info.order
        if o.perm_id:
            t.perm_id = o.perm_id
        status = info.status or t.status
        if o.filled_quantity is not None:
            filled = o.filled_quantity
        elif status == "Filled" and t.order.total_quantity is not None:
            filled = t.order.total_quantity
        else:
            filled = max(t.filled, self._fill_shares(t))
        if status != t.status or filled != t.filled:
            self._emit(OrderGap(f"order {t.order_id} became {status} (filled {filled}) while not "
                                f"connected", "status_changed", t))
        self._set_status(t, status, filled)

    def _set_status(self, t: OrderTicket, status: str, filled: Any) -> None:
        t.status = status
        t.filled = filled
        if t.order.total_quantity is not None:
            t.remaining = t.order.total_quantity - filled
        t.lost = None
        self._acknowledge(t)
        self._journal_status(t)
        self._order_event(OrderEvent(t))
        t._notify()

    def _mark_unknown(self, t: OrderTicket) -> None:
        t.status = UNKNOWN_STATUS
        t.lost = self._unknown_error(t)
        rec = self._intent(t)
        if rec is not None:
            self.journal.update(rec, state=UNKNOWN, status=UNKNOWN_STATUS)
        log.error("%s", t.lost)
        self._emit(OrderGap(str(t.lost), "unknown_order", t))
        self._order_event(OrderEvent(t))
        t._notify()

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    reconcile = front_method(flow_reconcile)

    # --- subscriptions ----------------------------------------------------------------------------

