"""Order requests: place / modify, cancel, global cancel, open / completed orders, executions.

A what-if order (``order.what_if``) is not placed: it is answered with one OPEN_ORDER whose order
state carries the margin before / change / after and the commission, as TWS answers it
(:mod:`.what_if`).

Each handler runs on the gateway loop, calls the exchange and hands the resulting events to
:meth:`GatewayCore.deliver`, which routes them to the clients concerned. Replies that belong to
the request itself (the OPEN_ORDER snapshot, executions for a REQ_EXECUTIONS) go straight to the
requesting session.
"""

from __future__ import annotations

import copy
import dataclasses

from ..models.contract import Contract
from ..models.execution import ExecutionFilter
from ..models.order import Order, OrderState
from ..protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ..protocol.messages.order_reports import (
    CompletedOrder,
    CompletedOrdersEnd,
    OpenOrder,
    OpenOrderEnd,
    OrderStatus,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqOpenOrders,
)
from ..protocol.messages.orders import CancelOrder, PlaceOrder, ReqGlobalCancel
from .exchange import OrderError, OrderRecord
from .session import Session, handles
from .what_if import what_if

__all__ = ["MANUAL_CLIENT_ID", "wire_ids", "open_order_messages"]


MANUAL_CLIENT_ID = -(2**31)
"""Owner of orders entered "in TWS" (:meth:`GatewayCore.submit_tws_order`) and not bound to
client 0; on the wire they show order id 0 and client id 0, as TWS shows manual orders."""


def wire_ids(client_id: int, order_id: int) -> tuple[int, int]:
    """(client id, order id) as the wire shows them: (0, 0) for an unbound manual order."""
    return (0, 0) if client_id == MANUAL_CLIENT_ID else (client_id, order_id)


def open_order_messages(rec: OrderRecord) -> tuple[OpenOrder, OrderStatus]:
    """OPEN_ORDER + ORDER_STATUS for an order record."""
    client_id, order_id = wire_ids(rec.client_id, rec.order_id)
    order = rec.order  # the exchange's own copy, ids and account filled in
    if (order.order_id, order.client_id, order.perm_id, order.account) != (
            order_id, client_id, rec.perm_id, rec.account):
        order = dataclasses.replace(order, order_id=order_id, client_id=client_id,
                                    perm_id=rec.perm_id, account=rec.account)
    state: OrderState = rec.order_state()
    oo = OpenOrder(order_id=order_id, contract=rec.contract, order=order, order_state=state)
    st = OrderStatus(order_id=order_id, status=rec.status, filled=rec.filled,
                     remaining=rec.remaining, avg_fill_price=rec.avg_fill_price,
                     perm_id=rec.perm_id, parent_id=rec.order.parent_id or 0,
                     last_fill_price=rec.last_fill_price, client_id=client_id,
                     why_held=rec.why_held, mkt_cap_price=0.0)
    return oo, st


def _cid(session: Session) -> int:
    assert session.client_id is not None
    return session.client_id


@handles(PlaceOrder)
def _place_order(session: Session, msg: PlaceOrder) -> None:
    order_id = msg.order_id if msg.order_id is not None else 0
    if msg.order.what_if:
        _what_if(session, order_id, msg.contract, msg.order)
        return
    events = session.core.exchange.place_order(_cid(session), order_id, msg.contract, msg.order)
    session.core.deliver(events)


@handles(CancelOrder)
def _cancel_order(session: Session, msg: CancelOrder) -> None:
    order_id = msg.order_id if msg.order_id is not None else 0
    session.core.deliver(session.core.exchange.cancel_order(_cid(session), order_id))


@handles(ReqGlobalCancel)
def _global_cancel(session: Session, msg: ReqGlobalCancel) -> None:
    session.core.deliver(session.core.exchange.global_cancel())


def _what_if(session: Session, order_id: int, contract: Contract, order: Order) -> None:
    """A what-if order: one OPEN_ORDER with the margin and commission it would cost (see
    :mod:`.what_if`); nothing is placed, no ORDER_STATUS follows."""
    answer = what_if(session.core.exchange, _cid(session), order_id, contract, order)
    if isinstance(answer, OrderError):
        session.error(order_id, answer.code, answer.text)
        return
    shown_contract, shown, state = answer
    session.send(OpenOrder(order_id=order_id, contract=shown_contract, order=shown,
                           order_state=state))


def _send_open_orders(session: Session, records: list[OrderRecord]) -> None:
    for rec in records:
        for m in open_order_messages(rec):
            session.send(m)
    session.send(OpenOrderEnd())


@handles(ReqOpenOrders)
def _req_open_orders(session: Session, msg: ReqOpenOrders) -> None:
    cid = _cid(session)
    # client 0 sees every order, as in TWS
    _send_open_orders(session, session.core.exchange.open_orders(None if cid == 0 else cid))


@handles(ReqAllOpenOrders)
def _req_all_open_orders(session: Session, msg: ReqAllOpenOrders) -> None:
    _send_open_orders(session, session.core.exchange.open_orders(None))


@handles(ReqAutoOpenOrders)
def _req_auto_open_orders(session: Session, msg: ReqAutoOpenOrders) -> None:
    if _cid(session) != 0:
        session.error(-1, 327, "Only API connections with clientId set to 0 can set the auto "
                               "bind TWS orders property.")
        return
    session.auto_bind = bool(msg.auto_bind)


@handles(ReqCompletedOrders)
def _req_completed_orders(session: Session, msg: ReqCompletedOrders) -> None:
    for rec in session.core.exchange.completed_orders():
        order = copy.copy(rec.order)
        order.filled_quantity = rec.filled  # TWS reports how much of a completed order filled
        session.send(CompletedOrder(contract=rec.contract, order=order,
                                    order_state=rec.order_state()))
    session.send(CompletedOrdersEnd())


@handles(ReqExecutions)
def _req_executions(session: Session, msg: ReqExecutions) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    flt = msg.filter or ExecutionFilter()
    for execution, contract, report in session.core.exchange.executions(flt):
        cid, oid = wire_ids(execution.client_id or 0, execution.order_id or 0)
        if (cid, oid) != (execution.client_id, execution.order_id):
            execution = dataclasses.replace(execution, client_id=cid, order_id=oid)
        session.send(ExecutionData(req_id=req_id, contract=contract, execution=execution))
        session.send(CommissionReportMsg(commission_report=report))
    session.send(ExecutionDataEnd(req_id=req_id))
