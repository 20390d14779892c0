"""Orders through the paper gateway's wire: acks, fills, rejects, cancels, scoping, executions."""

from __future__ import annotations

from decimal import Decimal

from ibwire import LimitOrder, MarketOrder, Stock
from ibwire.models.contract import Contract
from ibwire.models.execution import ExecutionFilter
from ibwire.protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ibwire.protocol.messages.order_reports import (
    CompletedOrder,
    CompletedOrdersEnd,
    OpenOrder,
    OpenOrderEnd,
    OrderBound,
    OrderStatus,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqOpenOrders,
)
from ibwire.protocol.messages.orders import CancelOrder, PlaceOrder, ReqGlobalCancel
from ibwire.protocol.messages.system import ErrMsg

AAPL = 265598


def _bid(gateway, con_id: int = AAPL) -> float:
    return gateway.call(lambda ex: ex.quote(con_id).bid)


def _ask(gateway, con_id: int = AAPL) -> float:
    return gateway.call(lambda ex: ex.quote(con_id).ask)


def _status(c, order_id: int, status: str) -> OrderStatus:
    return c.expect(OrderStatus, lambda m: m.order_id == order_id and m.status == status)


def _rest(gateway, c, order_id: int, qty: int = 10) -> float:
    """Place a buy limit 10% under the bid (it rests); return its price."""
    price = round(_bid(gateway) * 0.9, 2)
    c.send(PlaceOrder(order_id=order_id, contract=Stock("AAPL"),
                      order=LimitOrder("BUY", qty, price)))
    c.until(OrderStatus, lambda m: m.order_id == order_id and m.status == "Submitted")
    return price


# --- fills ---------------------------------------------------------------------------------------

def test_market_order_acks_fills_and_reports_commission(gateway, wire):
    c = wire(1)
    ask = _ask(gateway)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 100)))
    oo = c.expect(OpenOrder, lambda m: m.order_id == 1)
    assert oo.contract.con_id == AAPL and oo.contract.symbol == "AAPL"
    assert oo.order.client_id == 1 and oo.order.perm_id and oo.order.account == "DU1234567"
    assert oo.order.total_quantity == Decimal(100)
    _status(c, 1, "Submitted")
    ex = c.expect(ExecutionData)
    assert ex.req_id == -1
    assert ex.execution.order_id == 1 and ex.execution.client_id == 1
    assert ex.execution.side == "BOT" and ex.execution.shares == Decimal(100)
    assert ex.execution.price == ask
    # the commission report follows its execution
    nxt = c.inbox[0] if c.inbox else c.expect(CommissionReportMsg)
    report = nxt if isinstance(nxt, CommissionReportMsg) else c.expect(CommissionReportMsg)
    assert report.commission_report.exec_id == ex.execution.exec_id
    assert report.commission_report.commission == 1.0
    assert report.commission_report.currency == "USD"
    done = _status(c, 1, "Filled")
    assert done.filled == Decimal(100) and done.remaining == Decimal(0)
    assert done.avg_fill_price == ask and done.client_id == 1 and done.perm_id == oo.order.perm_id


def test_a_marketable_order_reads_as_tws_sends_it(gateway, wire):
    # PreSubmitted, Submitted, the execution, Filled, then the commission report (TWS sends the
    # commission report after the final status; see docs/gateway-sequences.md)
    c = wire(1)
    c.send(PlaceOrder(order_id=1, contract=Stock("MSFT"), order=MarketOrder("SELL", 5)))
    events = c.until(CommissionReportMsg) + [CommissionReportMsg]
    seq = [e.status if isinstance(e, OrderStatus) else e.__name__ if isinstance(e, type)
           else type(e).__name__ for e in events]
    assert seq == ["OpenOrder", "PreSubmitted", "OpenOrder", "Submitted", "ExecutionData",
                   "OpenOrder", "Filled", "CommissionReportMsg"]


def test_limit_order_rests_then_fills_when_modified_through_the_market(gateway, wire):
    c = wire(1)
    _rest(gateway, c, 1)
    assert not c.take(ExecutionData)
    ask = _ask(gateway)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=LimitOrder("BUY", 10, ask)))
    ex = c.expect(ExecutionData)
    assert ex.execution.price <= ask
    _status(c, 1, "Filled")


def test_limit_order_fills_when_the_market_comes_to_it(gateway, wire):
    c = wire(1)
    bid = _bid(gateway)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=LimitOrder("BUY", 10, bid)))
    _status(c, 1, "Submitted")
    # step the seeded market (half an hour at a time) until the ask comes down to our bid
    for _ in range(100):
        gateway.step(1800)
        if gateway.call(lambda ex: ex.order(1, 1).status) == "Filled":
            break
    ex = c.expect(ExecutionData)
    assert ex.execution.price <= bid
    _status(c, 1, "Filled")


# --- rejects -------------------------------------------------------------------------------------

def test_reused_order_id_is_103(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(order_id=5, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(c, 5, "Filled")
    c.send(PlaceOrder(order_id=5, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 5 and e.error_code in (103, 104))
    assert err.error_code in (103, 104)
    c.send(PlaceOrder(order_id=3, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 3)
    assert err.error_code == 103 and "Duplicate order id" in err.error_string


def test_order_id_floor_kept_across_reconnects(gateway, wire):
    c = wire(7)
    c.send(PlaceOrder(order_id=41, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(c, 41, "Filled")
    c.close()
    for _ in range(50):  # until the gateway has seen the first socket go
        again = wire(None)
        again.handshake()
        again.sock.sendall(again.conn.start_api(7))
        from ibwire.protocol.connection import SessionReady
        got = again.expect((SessionReady, ErrMsg))
        if isinstance(got, SessionReady):
            assert got.next_valid_id == 42
            break
    else:
        raise AssertionError("client id 7 never became free")
    again.send(PlaceOrder(order_id=41, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    assert again.expect(ErrMsg, lambda e: e.req_id == 41).error_code in (103, 104)


def test_order_ids_are_per_client_id(gateway, wire):
    a, b = wire(1), wire(2)
    a.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    b.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    assert _status(a, 1, "Filled").client_id == 1
    assert _status(b, 1, "Filled").client_id == 2


def test_unknown_contract_is_200(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(order_id=1, contract=Stock("NOSUCHTHING"), order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 200
    assert err.error_string == "No security definition has been found for the request"


def test_ambiguous_future_is_200(gateway, wire):
    c = wire(1)
    es = Contract(symbol="ES", sec_type="FUT", exchange="CME", currency="USD")
    c.send(PlaceOrder(order_id=1, contract=es, order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 200 and "ambiguous" in err.error_string


def test_zero_quantity_is_201_and_inactive(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 0)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 201 and err.error_string.startswith("Order rejected - reason:")
    _status(c, 1, "Inactive")


def test_reject_next_order_fault(gateway, wire):
    c = wire(1)
    gateway.reject_next_order("Simulated risk check")
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 201 and "Simulated risk check" in err.error_string
    _status(c, 1, "Inactive")
    c.send(PlaceOrder(order_id=2, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(c, 2, "Filled")  # only the next one


# --- cancels -------------------------------------------------------------------------------------

def test_cancel_is_202_and_cancelled(gateway, wire):
    c = wire(1)
    _rest(gateway, c, 1)
    c.send(CancelOrder(order_id=1, manual_order_cancel_time=""))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 202 and err.error_string.startswith("Order Canceled - reason:")
    _status(c, 1, "Cancelled")


def test_cancel_unknown_is_10147(gateway, wire):
    c = wire(1)
    c.send(CancelOrder(order_id=77))
    err = c.expect(ErrMsg, lambda e: e.req_id == 77)
    assert err.error_code == 10147
    assert err.error_string == "OrderId 77 that needs to be cancelled is not found."


def test_cancel_filled_is_10148(gateway, wire):
    c = wire(1)
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(c, 1, "Filled")
    c.send(CancelOrder(order_id=1))
    err = c.expect(ErrMsg, lambda e: e.req_id == 1)
    assert err.error_code == 10148
    assert err.error_string == "OrderId 1 that needs to be cancelled can not be cancelled, state: Filled."


def test_cancel_of_another_clients_order_is_not_found(gateway, wire):
    a, b = wire(1), wire(2)
    _rest(gateway, a, 1)
    b.send(CancelOrder(order_id=1))
    assert b.expect(ErrMsg, lambda e: e.req_id == 1).error_code == 10147
    assert not [e for e in a.sync() if isinstance(e, OrderStatus)]


def test_global_cancel_cancels_every_clients_orders(gateway, wire):
    a, b = wire(1), wire(2)
    _rest(gateway, a, 1)
    _rest(gateway, b, 1)
    a.send(ReqGlobalCancel())
    _status(a, 1, "Cancelled")
    _status(b, 1, "Cancelled")


# --- open orders, scoping, auto binding ---------------------------------------------------------

def test_open_orders_are_scoped_by_client_id(gateway, wire):
    a, b, zero = wire(1), wire(2), wire(0)
    _rest(gateway, a, 1)
    _rest(gateway, b, 1)
    _rest(gateway, b, 2)
    mine = [m for m in a.ask(ReqOpenOrders(), OpenOrderEnd) if isinstance(m, OpenOrder)]
    assert [(m.order.client_id, m.order_id) for m in mine] == [(1, 1)]
    everyone = [m for m in a.ask(ReqAllOpenOrders(), OpenOrderEnd) if isinstance(m, OpenOrder)]
    assert sorted((m.order.client_id, m.order_id) for m in everyone) == [(1, 1), (2, 1), (2, 2)]
    seen = [m for m in zero.ask(ReqOpenOrders(), OpenOrderEnd) if isinstance(m, OpenOrder)]
    assert len(seen) == 3


def test_open_orders_answer_carries_order_status(gateway, wire):
    c = wire(1)
    _rest(gateway, c, 1)
    answer = c.ask(ReqOpenOrders(), OpenOrderEnd)
    assert [type(m) for m in answer] == [OpenOrder, OrderStatus]
    assert answer[1].status == "Submitted"


def test_auto_open_orders_binds_other_clients_orders_to_client_0(gateway, wire):
    zero, a = wire(0), wire(1)
    zero.send(ReqAutoOpenOrders(auto_bind=True))
    zero.sync()
    a.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(a, 1, "Filled")
    assert zero.expect(OpenOrder, lambda m: m.order.client_id == 1)
    assert _status(zero, 1, "Filled").client_id == 1


def test_auto_open_orders_needs_client_0(gateway, wire):
    c = wire(3)
    c.send(ReqAutoOpenOrders(auto_bind=True))
    assert c.expect(ErrMsg, lambda e: e.error_code == 327)


def test_other_clients_do_not_see_my_order_stream(gateway, wire):
    a, b = wire(1), wire(2)
    a.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
    _status(a, 1, "Filled")
    assert not [e for e in b.sync() if isinstance(e, (OpenOrder, OrderStatus, ExecutionData))]


# --- executions and completed orders ----------------------------------------------------------

def _trade(c, order_id: int, symbol: str, side: str, qty: int = 1) -> None:
    c.send(PlaceOrder(order_id=order_id, contract=Stock(symbol), order=MarketOrder(side, qty)))
    _status(c, order_id, "Filled")


def test_req_executions_honours_its_filter(gateway, wire):
    a, b = wire(1), wire(2)
    _trade(a, 1, "AAPL", "BUY")
    _trade(a, 2, "MSFT", "SELL")
    _trade(b, 1, "AAPL", "SELL")

    def ask(flt: ExecutionFilter, req_id: int) -> list[ExecutionData]:
        answer = a.ask(ReqExecutions(req_id=req_id, filter=flt), ExecutionDataEnd,
                       lambda m: m.req_id == req_id)
        execs = [m for m in answer if isinstance(m, ExecutionData)]
        reports = [m for m in answer if isinstance(m, CommissionReportMsg)]
        assert all(m.req_id == req_id for m in execs)
        assert {r.commission_report.exec_id for r in reports} == {e.execution.exec_id for e in execs}
        return execs

    assert len(ask(ExecutionFilter(), 10)) == 3
    assert {e.contract.symbol for e in ask(ExecutionFilter(symbol="AAPL"), 11)} == {"AAPL"}
    assert len(ask(ExecutionFilter(symbol="AAPL"), 12)) == 2
    assert [e.execution.side for e in ask(ExecutionFilter(side="SELL"), 13)] == ["SLD", "SLD"]
    assert {e.execution.client_id for e in ask(ExecutionFilter(client_id=2), 14)} == {2}
    assert ask(ExecutionFilter(acct_code="DU0000000"), 15) == []
    assert ask(ExecutionFilter(time="20990101-00:00:00"), 16) == []


def test_req_completed_orders(gateway, wire):
    c = wire(1)
    _trade(c, 1, "AAPL", "BUY")
    _rest(gateway, c, 2)
    c.send(CancelOrder(order_id=2))
    _status(c, 2, "Cancelled")
    done = [m for m in c.ask(ReqCompletedOrders(api_only=False), CompletedOrdersEnd)
            if isinstance(m, CompletedOrder)]
    assert [m.order_state.status for m in done] == ["Filled", "Cancelled"]
    assert all(m.contract.symbol == "AAPL" for m in done)


# --- orders entered "in TWS" -------------------------------------------------------------------

def test_tws_orders_bind_to_client_0_when_auto_bound(gateway, wire):
    zero = wire(0)
    zero.send(ReqAutoOpenOrders(auto_bind=True))
    zero.drain()
    perm = gateway.submit_tws_order(Stock("AAPL"), MarketOrder("BUY", 2))
    bound = zero.expect(OrderBound)  # TWS says which API order id the TWS order got
    assert (bound.perm_id, bound.client_id, bound.order_id) == (perm, 0, 1)
    oo = zero.expect(OpenOrder, lambda m: m.order.perm_id == perm)
    assert oo.order.client_id == 0 and oo.order_id == 1
    _status(zero, 1, "Filled")
    # the bound id is used up: client 0's next id is above it
    assert gateway.call(lambda ex: ex.next_valid_id(0)) == 2


def test_unbound_tws_orders_show_to_client_0_with_id_0(gateway, wire):
    zero, other = wire(0), wire(1)
    price = round(_bid(gateway) * 0.9, 2)
    perm = gateway.submit_tws_order(Stock("AAPL"), LimitOrder("BUY", 1, price))
    oo = zero.expect(OpenOrder, lambda m: m.order.perm_id == perm)
    assert oo.order_id == 0
    assert [m.order.perm_id for m in zero.ask(ReqOpenOrders(), OpenOrderEnd)
            if isinstance(m, OpenOrder)] == [perm]
    assert not [m for m in other.ask(ReqOpenOrders(), OpenOrderEnd) if isinstance(m, OpenOrder)]


# --- what-if orders ------------------------------------------------------------------------------

def test_what_if_order_reports_margin_and_is_not_placed(gateway, wire):
    c = wire(1)
    order = MarketOrder("BUY", 100)
    order.what_if = True
    c.send(PlaceOrder(order_id=1, contract=Stock("AAPL"), order=order))
    oo = c.expect(OpenOrder, lambda m: m.order_id == 1)
    assert oo.order.what_if
    state = oo.order_state
    change = float(state.init_margin_change)
    ask = _ask(gateway)
    assert abs(change - 100 * ask * 0.50) < 0.01  # Reg T: 50% initial
    assert abs(float(state.maint_margin_change) - 100 * ask * 0.25) < 0.01  # 25% maintenance
    assert abs(float(state.init_margin_after) - float(state.init_margin_before) - change) <= 0.011
    assert state.commission == 1.0
    assert state.min_commission is None and state.max_commission is None  # no range: unset
    assert state.init_margin_before_outside_rth is None and state.suggested_size is None
    assert not [e for e in c.sync() if isinstance(e, (OrderStatus, ExecutionData))]
    assert gateway.call(lambda ex: ex.open_orders()) == []
    assert gateway.call(lambda ex: ex.executions()) == []
