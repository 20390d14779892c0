"""ibwire's own Broker trades against the paper gateway: what the interop tests check for
ib_async and ibapi, through the Broker API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire import (
    Broker,
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ConnectionState,
    ContractError,
    LimitOrder,
    MarketOrder,
    OrderRejected,
    Stock,
)
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION


def value(values: list, key: str) -> float:  # type: ignore[type-arg]
    for v in values:
        if v.key == key and v.currency in ("USD", "BASE"):
            return float(v.value)
    raise AssertionError(f"no {key} in account values")


def test_broker_trades_and_accounts(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=11, timeout=10) as broker:
        assert broker.accounts == ["DU1234567"]
        assert broker.server_version == MAX_VERSION
        before = broker.account_values()
        cash_before = value(before, "TotalCashValue")

        ticket = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100), client_order_id="t-1")
        ticket.wait_done(10)
        assert ticket.status == "Filled" and ticket.filled == Decimal(100)
        assert ticket.wait_for(lambda t: t.fills and t.fills[0].commission_report is not None, 10)
        fill = ticket.fills[0]
        assert fill.execution.side == "BOT" and fill.execution.shares == Decimal(100)
        assert fill.execution.order_ref == "t-1"
        assert fill.execution.time is not None and fill.execution.time.tzinfo is not None
        assert fill.commission_report is not None and fill.commission_report.commission > 0
        assert fill.execution.price == pytest.approx(ticket.avg_fill_price)

        (pos,) = [p for p in broker.positions() if p.contract.symbol == "AAPL"]
        assert pos.position == Decimal(100) and pos.account == "DU1234567"
        after = broker.account_values()
        cost = 100 * fill.execution.price + fill.commission_report.commission
        assert value(after, "TotalCashValue") == pytest.approx(cash_before - cost, abs=0.01)
        items = broker.portfolio()
        assert any(i.contract.symbol == "AAPL" and i.position == Decimal(100) for i in items)

        limit = round(ticket.avg_fill_price * 0.8, 2)
        resting = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, limit))
        assert resting.status in ("Submitted", "PreSubmitted")
        assert resting.order_id in [t.order_id for t in broker.open_orders()]
        assert broker.cancel_order(resting.order_id) is resting
        assert resting.status == "Cancelled"
        assert resting.order_id not in [t.order_id for t in broker.open_orders()]

        fills = broker.executions()
        assert [f.execution.exec_id for f in fills] == [fill.execution.exec_id]
        assert fills[0].commission_report is not None


def test_broker_short_sale_shows_a_negative_position(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=12, timeout=10) as broker:
        broker.submit_order(Stock("MSFT"), MarketOrder("SELL", 50)).wait_done(10)
        (pos,) = [p for p in broker.positions() if p.contract.symbol == "MSFT"]
        assert pos.position == Decimal(-50)


def test_broker_rejects_and_cancel_failures(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=13, timeout=10) as broker:
        with pytest.raises(OrderRejected) as info:
            broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 0))
        assert info.value.code == 201
        with pytest.raises(OrderRejected) as info2:
            broker.submit_order(Stock("NOSUCHTHING"), MarketOrder("BUY", 1))
        assert info2.value.code == 200
        with pytest.raises(CancelRejected) as info3:
            broker.cancel_order(987654)
        assert info3.value.code == 10147
        filled = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 1))
        filled.wait_done(10)
        with pytest.raises(CancelRejected) as info4:
            broker.cancel_order(filled.order_id)
        assert info4.value.code == 10148
        with pytest.raises(ContractError):
            broker.qualify(Stock("NOSUCHTHING"))


def test_duplicate_client_id_is_refused_with_326_and_the_first_keeps_trading(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=21, timeout=10) as first:
        with pytest.raises(ConnectError) as info:
            Broker.connect("127.0.0.1", gateway.port, client_id=21, timeout=5)
        assert info.value.code == 326
        assert first.is_connected()
        first.submit_order(Stock("AAPL"), MarketOrder("BUY", 1)).wait_done(10)


def test_order_ids_start_above_the_floor_after_reconnect(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=22, timeout=10) as broker:
        t = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 1))
    with Broker.connect("127.0.0.1", gateway.port, client_id=22, timeout=10) as again:
        t2 = again.submit_order(Stock("AAPL"), MarketOrder("BUY", 1))
        assert t2.order_id > t.order_id


def test_gateway_drop_fails_pending_requests_and_goes_offline(gateway: PaperGateway) -> None:
    broker = Broker.connect("127.0.0.1", gateway.port, client_id=23, timeout=10)
    gateway.drop_client(23)
    assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, 5)
    assert not broker.is_connected()
    with pytest.raises(ConnectionLost):
        broker.positions()
    broker.disconnect()


def test_connectivity_notices_change_state(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=24, timeout=10) as broker:
        gateway.send_connectivity(1100)
        assert broker.wait_until(lambda: broker.state is ConnectionState.DEGRADED, 5)
        gateway.send_connectivity(1102)
        assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, 5)
        assert {n.code for n in broker.notices} >= {1100, 1102}


def test_account_summary_accepts_the_tag_spellings_other_clients_use(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=25, timeout=10) as broker:
        rows = broker.account_summary("PreviousDayEquityWithLoanValue,DayTradesRemainingT+1,NetLiquidation")
        tags = {r.tag: r for r in rows}
        assert set(tags) == {"PreviousDayEquityWithLoanValue", "DayTradesRemainingT+1", "NetLiquidation"}
        assert tags["PreviousDayEquityWithLoanValue"].currency == "USD"
        assert tags["DayTradesRemainingT+1"].currency in (None, "")


def test_completed_orders_report_their_filled_quantity(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=26, timeout=10) as broker:
        broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 7), client_order_id="cq-1").wait_done(10)
        (done,) = [c for c in broker.completed_orders() if c.order.order_ref == "cq-1"]
        assert done.status == "Filled" and done.order.filled_quantity == Decimal(7)


def test_cancel_order_takes_a_ticket_and_refuses_anything_else_clearly(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=19, timeout=10) as broker:
        price = broker.snapshot(Stock("AAPL")).bid or 100.0
        resting = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, round(price * 0.5, 2)))
        assert broker.cancel_order(resting) is resting
        assert resting.status == "Cancelled"
        with pytest.raises(TypeError, match="order id \\(int\\) or an OrderTicket"):
            broker.cancel_order("12")  # type: ignore[arg-type]
