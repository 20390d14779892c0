"""A raw client with the seed's banner ``v100..151`` (../shared/seeds/004): the gateway answers
151, and the client reads positions, account values, open orders and executions, places and
cancels an order -- every frame in the layouts of server version 151 (no duration, postToAts,
autoCancelParent, advancedErrorOverride or manualOrderTime yet; usePriceMgmtAlgo is PLACE_ORDER's
last field)."""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.contract import Contract
from ibwire.models.execution import ExecutionFilter
from ibwire.models.order import Order
from ibwire.protocol.messages.accounts import (
    AcctDownloadEnd,
    AcctValue,
    PortfolioValue,
    PositionData,
    PositionEnd,
    ReqAcctData,
    ReqPositions,
)
from ibwire.protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ibwire.protocol.messages.order_reports import OpenOrder, OpenOrderEnd, OrderStatus, ReqOpenOrders
from ibwire.protocol.messages.orders import CancelOrder, PlaceOrder
from ibwire.protocol.messages.system import ErrMsg

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")


def test_seed_banner_gets_151_and_trades(wire, gateway):
    c = wire(None, min_version=100, max_version=151)
    assert c.handshake() == 151
    ready = c.start(41)  # MANAGED_ACCTS and NEXT_VALID_ID decoded at 151
    oid = ready.next_valid_id
    assert ready.accounts == ["DU1234567"] and oid >= 1

    # a market order fills: status, execution and commission in 151's layouts
    c.send(PlaceOrder(oid, AAPL, Order(action="BUY", total_quantity=Decimal(5), order_type="MKT")))
    filled = c.expect(OrderStatus, lambda m: m.order_id == oid and m.status == "Filled")
    assert filled.filled == Decimal(5) and filled.remaining == Decimal(0)
    fill = c.expect(ExecutionData, lambda m: m.execution.order_id == oid)
    assert fill.contract.symbol == "AAPL" and fill.execution.shares == Decimal(5)
    assert c.expect(CommissionReportMsg).commission_report.exec_id == fill.execution.exec_id

    # positions and account values
    got = c.ask(ReqPositions(), PositionEnd)
    assert [(p.account, p.contract.symbol, p.position) for p in got
            if isinstance(p, PositionData)] == [("DU1234567", "AAPL", Decimal(5))]
    got = c.ask(ReqAcctData(True, "DU1234567"), AcctDownloadEnd)
    values = {(v.key, v.currency): v.value for v in got if isinstance(v, AcctValue)}
    assert float(values[("TotalCashValue", "USD")]) < 1_000_000.0
    assert any(isinstance(p, PortfolioValue) and p.contract.symbol == "AAPL" for p in got)
    c.send(ReqAcctData(False, "DU1234567"))

    # a resting limit: in the open orders, then cancelled (202)
    bid = gateway.call(lambda ex: ex.quote(265598).bid)
    limit = Order(action="BUY", total_quantity=Decimal(3), order_type="LMT",
                  lmt_price=round(bid * 0.9, 2))
    c.send(PlaceOrder(oid + 1, AAPL, limit))
    c.expect(OrderStatus, lambda m: m.order_id == oid + 1 and m.status == "Submitted")
    got = c.ask(ReqOpenOrders(), OpenOrderEnd)
    mine = [o for o in got if isinstance(o, OpenOrder) and o.order_id == oid + 1]
    assert len(mine) == 1 and mine[0].order.lmt_price == limit.lmt_price
    assert mine[0].order.total_quantity == Decimal(3) and mine[0].contract.symbol == "AAPL"
    c.send(CancelOrder(oid + 1))
    c.expect(OrderStatus, lambda m: m.order_id == oid + 1 and m.status == "Cancelled")
    assert c.expect(ErrMsg, lambda m: m.req_id == oid + 1).error_code == 202

    # executions on request
    got = c.ask(ReqExecutions(8, ExecutionFilter()), ExecutionDataEnd)
    assert [e.execution.exec_id for e in got if isinstance(e, ExecutionData)] == [
        fill.execution.exec_id]
