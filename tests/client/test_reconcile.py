"""Journal + reconciliation against a scripted TWS: submit-once, offline fills, unknown intents,
order ids after a lowered NEXT_VALID_ID, commission reports before their execution."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeSession, FakeTws

from ibwire import (
    AsyncBroker,
    Broker,
    ConnectionLost,
    FillEvent,
    GapEvent,
    LimitOrder,
    RequestTimeout,
    Stock,
)
from ibwire.client.journal import IntentRecord, SqliteJournal
from ibwire.client.reconcile import OrderGap
from ibwire.models import CommissionReport, Contract, Execution, Order, OrderState
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
    OrderStatus,
    ReqCompletedOrders,
    ReqOpenOrders,
)
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime

AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
CID = 7


def order(order_id: int, ref: str, perm_id: int = 0, qty: int = 10) -> Order:
    o = LimitOrder("BUY", qty, 100.0)
    o.order_id, o.client_id, o.perm_id, o.order_ref = order_id, CID, perm_id, ref
    return o


def journal_with_intent(path: Path, order_id: int = 41, ref: str = "k1") -> None:
    """What a process that crashed right after sending left behind."""
    j = SqliteJournal(path)
    j.record_intent(IntentRecord(CID, order_id, AAPL, order(order_id, ref), ref,
                                 remaining=Decimal(10)))
    j.close()


def fill(order_id: int, exec_id: str, ref: str, perm_id: int, shares: int = 10,
         req_id: int = -1) -> list[Any]:
    ex = Execution(exec_id=exec_id, time=datetime(2026, 1, 5, 15, 0, 1, tzinfo=UTC),
                   acct_number="DU123456", exchange="NASDAQ", side="BOT", shares=Decimal(shares),
                   price=100.0, perm_id=perm_id, client_id=CID, order_id=order_id,
                   cum_qty=Decimal(shares), avg_price=100.0, order_ref=ref)
    return [ExecutionData(req_id, AAPL, ex),
            CommissionReportMsg(CommissionReport(exec_id, 1.0, "USD", None, None, None))]


def status(order_id: int, st: str, filled: int, perm_id: int, qty: int = 10) -> OrderStatus:
    return OrderStatus(order_id, st, Decimal(filled), Decimal(qty - filled), 100.0 if filled else 0.0,
                       perm_id, 0, 100.0 if filled else 0.0, CID, None, 0.0)


class Tws:
    """What the scripted TWS knows: open orders, completed orders, executions."""

    def __init__(self, next_valid_id: int = 1) -> None:
        self.open: list[Any] = []
        self.completed: list[Any] = []
        self.executions: list[Any] = []
        self.fake = FakeTws(next_valid_id=next_valid_id)
        self.fake.on(ReqOpenOrders, lambda m, s: [*self.open, OpenOrderEnd()])
        self.fake.on(ReqCompletedOrders, lambda m, s: [*self.completed, CompletedOrdersEnd()])
        self.fake.on(ReqExecutions, self._executions)
        self.fake.on(ReqCurrentTime, lambda m, s: CurrentTime(1700000000))

    def _executions(self, msg: ReqExecutions, session: FakeSession) -> list[Any]:
        out = []
        for m in self.executions:
            if isinstance(m, ExecutionData):
                m = ExecutionData(msg.req_id, m.contract, m.execution)
            out.append(m)
        return [*out, ExecutionDataEnd(msg.req_id)]

    def sent(self, cls: type) -> list[Any]:
        return [m for _, m in self.fake.received if isinstance(m, cls)]

    def __enter__(self) -> Tws:
        self.fake.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.stop()


def gaps(broker: Broker) -> list[OrderGap]:
    return [ev for ev in events(broker) if isinstance(ev, OrderGap)]


def events(broker: Any) -> list[Any]:
    return broker._test_events  # type: ignore[no-any-return]


def connect(tws: Tws, **kw: Any) -> Broker:
    """Broker.connect, recording every event from the very first one."""
    recorded: list[Any] = []

    class Recording(Broker):
        def _emit(self, event: object) -> None:
            recorded.append(event)
            super()._emit(event)

    kw.setdefault("timeout", 5)
    b = Recording.connect(tws.fake.host, tws.fake.port, client_id=CID, **kw)
    b._test_events = recorded  # type: ignore[attr-defined]
    return b


def test_crash_after_send_order_known_to_tws_is_returned_not_resent(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    journal_with_intent(path)
    with Tws(next_valid_id=1) as tws:  # a restarted TWS may also answer a lower id
        tws.open = [OpenOrder(41, AAPL, order(41, "k1", 9041), OrderState(status="Submitted")),
                    status(41, "Submitted", 0, 9041)]
        with connect(tws, journal=path) as broker:
            report = broker.last_reconciliation
            assert report is not None and report.asked and len(report.live) == 1
            t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="k1")
            assert (t.order_id, t.status, t.perm_id, t.client_order_id) == (41, "Submitted", 9041, "k1")
            broker.current_time()  # a round trip: anything sent before it has arrived
            assert tws.sent(PlaceOrder) == []
            # a new order never reuses an id the journal has seen, whatever NEXT_VALID_ID says
            tws.fake.on(PlaceOrder, lambda m, s: [OpenOrder(m.order_id, AAPL, order(m.order_id, "k2", 9042),
                                                            OrderState(status="Submitted"))])
            t2 = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 100.0), client_order_id="k2")
            assert t2.order_id == 42 and tws.sent(PlaceOrder)[0].order_id == 42
            assert not gaps(broker)


def test_order_filled_while_away_is_finished_and_its_fills_recorded(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    journal_with_intent(path)
    with Tws() as tws:
        done = order(41, "k1", 9041)
        done.filled_quantity = Decimal(10)
        tws.completed = [CompletedOrder(AAPL, done, OrderState(status="Filled"))]
        tws.executions = fill(41, "e1", "k1", 9041)
        with connect(tws, journal=path) as broker:
            [t] = broker.tickets
            assert (t.status, t.filled, t.perm_id) == ("Filled", Decimal(10), 9041)
            assert [f.exec_id for f in t.fills] == ["e1"]
            assert t.fills[0].commission_report is not None
            kinds = sorted(g.kind for g in gaps(broker))
            assert kinds == ["offline_fill", "status_changed"]
            assert [ev for ev in events(broker) if isinstance(ev, FillEvent)][0].fill.exec_id == "e1"
            t_again = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="k1")
            assert t_again is t
            broker.current_time()
            assert tws.sent(PlaceOrder) == []
        # the next connect has nothing to reconcile: TWS is not asked, nothing is reported twice
        asked = len(tws.sent(ReqExecutions))
        with connect(tws, journal=path) as broker:
            assert broker.last_reconciliation is not None and not broker.last_reconciliation.asked
            assert [f.exec_id for f in broker.fills] == ["e1"]
            assert broker.tickets[0].status == "Filled"
            assert len(tws.sent(ReqExecutions)) == asked and not gaps(broker)


def test_intent_unknown_to_tws_is_reported_and_never_resent(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    journal_with_intent(path)
    with Tws() as tws:
        with connect(tws, journal=path) as broker:
            [gap] = gaps(broker)
            assert isinstance(gap, GapEvent) and gap.kind == "unknown_order"
            assert "41" in gap.description and "k1" in gap.description
            t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="k1")
            assert t.status == "Unknown" and t is gap.ticket
            with pytest.raises(ConnectionLost):
                t.wait_done(1)
            broker.current_time()
            assert tws.sent(PlaceOrder) == []
        asked = len(tws.sent(ReqOpenOrders))
        with connect(tws, journal=path) as broker:  # reported once; the verdict is kept
            assert broker.tickets[0].status == "Unknown"
            assert len(tws.sent(ReqOpenOrders)) == asked and not gaps(broker)


def test_acknowledged_order_that_vanished_is_reported_missing(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    j = SqliteJournal(path)
    rec = j.record_intent(IntentRecord(CID, 41, AAPL, order(41, "k1"), "k1", remaining=Decimal(10)))
    j.update(rec, state="acknowledged", status="Submitted", perm_id=9041)
    j.close()
    with Tws() as tws, connect(tws, journal=path) as broker:
        [gap] = gaps(broker)
        assert gap.kind == "missing_order" and broker.last_reconciliation.missing  # type: ignore[union-attr]
        assert broker.tickets[0].status == "Submitted"


def test_commission_before_execution_and_duplicate_executions() -> None:
    def place(msg: PlaceOrder, session: FakeSession) -> list[Any]:
        ex, report = fill(msg.order_id, "e9", "k9", 777)
        ack = OpenOrder(msg.order_id, AAPL, order(msg.order_id, "k9", 777), OrderState(status="Submitted"))
        return [ack, report, ex, ex, report, status(msg.order_id, "Filled", 10, 777)]

    with Tws() as tws:
        tws.fake.on(PlaceOrder, place)
        with connect(tws) as broker:
            t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="k9")
            t.wait_done(5)
            assert len(t.fills) == 1 and t.fills[0].commission_report is not None
            assert t.fills[0].commission_report.commission == 1.0
            fill_events = [ev for ev in events(broker) if isinstance(ev, FillEvent)]
            assert len(fill_events) == 1  # one execution, reported once, with its commission
            assert [f.exec_id for f in broker.journal.fills()] == ["e9"]
            assert broker.journal.fills()[0].commission_report is not None


def test_ack_timeout_then_same_client_order_id_waits_for_the_first_order() -> None:
    with Tws() as tws, connect(tws) as broker:
        with pytest.raises(RequestTimeout):
            broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="slow",
                                timeout=0.2)
        placed = tws.fake.wait_for(PlaceOrder)
        got: list[Any] = []
        retry = threading.Thread(target=lambda: got.append(broker.submit_order(
            Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="slow", timeout=5)))
        retry.start()
        tws.fake.session().send(OpenOrder(placed.order_id, AAPL, order(placed.order_id, "slow", 5),
                                          OrderState(status="Submitted")))
        retry.join(10)
        assert got and got[0].order_id == placed.order_id and got[0].status == "Submitted"
        broker.current_time()
        assert len(tws.sent(PlaceOrder)) == 1


def test_in_memory_reconciliation_after_a_drop_and_a_new_open() -> None:
    def place(msg: PlaceOrder, session: FakeSession) -> list[Any]:
        return [OpenOrder(msg.order_id, AAPL, order(msg.order_id, "m1", 555), OrderState(status="Submitted")),
                status(msg.order_id, "Submitted", 0, 555)]

    with Tws(next_valid_id=10) as tws:
        tws.fake.on(PlaceOrder, place)
        broker = connect(tws)
        try:
            t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0), client_order_id="m1")
            tws.fake.session().close()  # the connection drops ...
            with pytest.raises(ConnectionLost):
                t.wait_done(5)
            done = order(10, "m1", 555)
            done.filled_quantity = Decimal(10)
            tws.completed = [CompletedOrder(AAPL, done, OrderState(status="Filled"))]
            tws.executions = fill(10, "m-e1", "m1", 555)  # ... and the order fills meanwhile
            broker.open()
            assert t.status == "Filled" and [f.exec_id for f in t.fills] == ["m-e1"]
            assert t.wait_done(1) is t
            assert "offline_fill" in [g.kind for g in gaps(broker)]
            assert broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0),
                                       client_order_id="m1") is t
            broker.current_time()
            assert len(tws.sent(PlaceOrder)) == 1
        finally:
            broker.disconnect()


def test_order_provably_not_sent_may_be_sent_later() -> None:
    def place(msg: PlaceOrder, session: FakeSession) -> OpenOrder:
        return OpenOrder(msg.order_id, AAPL, order(msg.order_id, "u1", 5), OrderState(status="Submitted"))

    with Tws() as tws, connect(tws) as broker:
        tws.fake.on(PlaceOrder, place)
        real_send = broker._send

        def failing(msg: Any) -> None:
            if isinstance(msg, PlaceOrder):
                raise ConnectionLost("not connected (error 504)")
            real_send(msg)

        broker._send = failing  # type: ignore[method-assign]
        with pytest.raises(ConnectionLost):
            broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 100.0), client_order_id="u1")
        assert broker.journal.lookup("u1") is None and broker.tickets == []
        broker._send = real_send  # type: ignore[method-assign]
        t = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 100.0), client_order_id="u1")
        assert t.status == "Submitted" and len(tws.sent(PlaceOrder)) == 1


def test_reconciliation_failure_blocks_new_orders_not_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    journal_with_intent(path)
    with Tws() as tws:
        del tws.fake.script[ReqCompletedOrders]  # this TWS never answers completed orders
        with connect(tws, journal=path, timeout=1) as broker:
            assert [g.kind for g in gaps(broker)] == ["reconcile_failed"]
            assert broker.current_time().timestamp() == 1700000000  # the connection works
            with pytest.raises(RequestTimeout):  # it tries again first, and fails again
                broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 1, 100.0), client_order_id="new",
                                    timeout=0.4)
            assert tws.sent(PlaceOrder) == []


def test_async_broker_reconciles_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    journal_with_intent(path)

    async def main(port: int) -> tuple[str, list[str], str]:
        async with await AsyncBroker.connect("127.0.0.1", port, client_id=CID, timeout=5,
                                             journal=path) as broker:
            [t] = broker.tickets
            again = await broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 100.0),
                                              client_order_id="k1")
            assert again is t
            await broker.current_time()
            return t.status, [f.exec_id or "" for f in t.fills], type(broker.journal).__name__

    with Tws() as tws:
        done = order(41, "k1", 9041)
        done.filled_quantity = Decimal(10)
        tws.completed = [CompletedOrder(AAPL, done, OrderState(status="Filled"))]
        tws.executions = fill(41, "e1", "k1", 9041)
        st, fills, kind = asyncio.run(main(tws.fake.port))
        assert (st, fills, kind) == ("Filled", ["e1"], "SqliteJournal")
        assert tws.sent(PlaceOrder) == []
