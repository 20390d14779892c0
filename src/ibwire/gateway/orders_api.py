"""Order requests: place / modify, cancel, global cancel, open / completed orders, executions.

Each handler runs on the gateway loop, calls the exchange and hands the resulting events to
:meth:`GatewayCore.deliver`, which routes them to the clients concerned. Replies that belong to
the request itself (the OPEN_ORDER snapshot, executions for a REQ_EXECUTIONS) go straight to the
requesting session.
"""

from __future__ import annotations

from ..models.execution import ExecutionFilter
from ..protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ..protocol.messages.orders import (
    CancelOrder,
    CompletedOrder,
    CompletedOrdersEnd,
    OpenOrderEnd,
    PlaceOrder,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqGlobalCancel,
    ReqOpenOrders,
)
from .exchange import OrderRecord
from .session import Session, handles

__all__: list[str] = []


def _cid(session: Session) -> int:
    assert session.client_id is not None
    return session.client_id


@handles(PlaceOrder)
def _place_order(session: Session, msg: PlaceOrder) -> None:
    order_id = msg.order_id if msg.order_id is not None else 0
    events = session.core.exchange.place_order(_cid(session), order_id, msg.contract, msg.order)
    session.core.deliver(events)


@handles(CancelOrder)
def _cancel_order(session: Session, msg: CancelOrder) -> None:
    order_id = msg.order_id if msg.order_id is not None else 0
    session.core.deliver(session.core.exchange.cancel_order(_cid(session), order_id))


@handles(ReqGlobalCancel)
def _global_cancel(session: Session, msg: ReqGlobalCancel) -> None:
    session.core.deliver(session.core.exchange.global_cancel())


def _send_open_orders(session: Session, records: list[OrderRecord]) -> None:
    from .core import open_order_messages

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
        session.send(CompletedOrder(contract=rec.contract, order=rec.order,
                                    order_state=rec.order_state()))
    session.send(CompletedOrdersEnd())


@handles(ReqExecutions)
def _req_executions(session: Session, msg: ReqExecutions) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    flt = msg.filter or ExecutionFilter()
    for execution, contract, report in session.core.exchange.executions(flt):
        session.send(ExecutionData(req_id=req_id, contract=contract, execution=execution))
        session.send(CommissionReportMsg(commission_report=report))
    session.send(ExecutionDataEnd(req_id=req_id))
