"""Order safety under faults: ibwire's Broker against the paper gateway misbehaving on purpose.

Every test ends with the same two checks (:func:`exactly_once`): the gateway holds exactly one
order for the client order id (no duplicate), and the set of its executions equals the fills the
Broker's ticket and journal hold (no lost fill, none counted twice).

Faults: the client process SIGKILLed right after submit_order sent (and, for contrast, right
before); the gateway dropping the client mid-order and filling the order while it is away; the
gateway restarting from its state file; 1100 then 1101; acknowledgements withheld past the
timeout; a commission report sent before its execution; NEXT_VALID_ID lowered after a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ibwire import (
    Broker,
    ConnectionLost,
    ConnectionState,
    LimitOrder,
    MarketOrder,
    OrderTicket,
    RequestTimeout,
    Stock,
)
from ibwire.client.reconcile import OrderGap
from ibwire.gateway import PaperGateway
from ibwire.gateway.exchange import OrderRecord, PaperExchange

AAPL_ID = 265598
WAIT = 10.0


# --- helpers -----------------------------------------------------------------------------------

def eventually(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``predicate`` (for gateway state, which has no event to wait on)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.01)
    return True


def orders_with_ref(gw: PaperGateway, ref: str) -> list[OrderRecord]:
    def find(ex: PaperExchange) -> list[OrderRecord]:
        return [r for r in [*ex.open_orders(), *ex.completed_orders()] if r.order.order_ref == ref]
    return gw.call(find)


def exec_ids(gw: PaperGateway, perm_id: int) -> list[str]:
    return gw.call(lambda ex: sorted(e.exec_id or "" for e, _, _ in ex.executions()
                                     if e.perm_id == perm_id))


def exactly_once(gw: PaperGateway, broker: Broker, ref: str) -> tuple[OrderTicket, OrderRecord]:
    """No duplicate order, no lost fill: one gateway order for ``ref``; its executions are exactly
    the ticket's fills and the journal's."""
    orders = orders_with_ref(gw, ref)
    assert len(orders) == 1, f"{len(orders)} orders at the gateway for {ref!r}: {orders}"
    rec = orders[0]
    expected = exec_ids(gw, rec.perm_id)
    t = broker.ticket_by_client_order_id(ref)
    assert t is not None and t.order_id == rec.order_id
    assert broker.wait_until(lambda: sorted(f.exec_id or "" for f in t.fills) == expected, WAIT), \
        (t.fills, expected)
    journaled = sorted(f.exec_id or "" for f in broker.journal.fills()
                       if f.execution.perm_id == rec.perm_id)
    assert journaled == expected
    assert all(f.commission_report is not None for f in t.fills)
    assert broker.wait_until(lambda: t.status == rec.status, WAIT), (t.status, rec.status)
    return t, rec


class Events:
    """Every Broker event, from the moment it is attached."""

    def __init__(self, broker: Broker) -> None:
        self.seen: list[Any] = []
        broker.add_listener(self.seen.append)

    def gaps(self, kind: str) -> list[OrderGap]:
        return [e for e in self.seen if isinstance(e, OrderGap) and e.kind == kind]


def step_until(gw: PaperGateway, done: Callable[[PaperExchange], bool], limit: int = 20000) -> None:
    """Advance the (seeded) market one second at a time until ``done(exchange)``."""
    for _ in range(limit):
        if gw.call(done):
            return
        gw.step(1)
    raise AssertionError("the market never got there")


def resting_buy(gw: PaperGateway) -> LimitOrder:
    """A limit buy one tick under the bid: it rests now and fills once the market dips."""
    q = gw.call(lambda ex: ex.quote(AAPL_ID))
    assert q.bid is not None
    return LimitOrder("BUY", 10, round(q.bid - 0.01, 2))


@pytest.fixture
def state_gateway(tmp_path: Path) -> Iterator[PaperGateway]:
    with PaperGateway(port=0, tick_interval=None, state_path=tmp_path / "gateway.db") as gw:
        yield gw


# --- the process dies right after sending -------------------------------------------------------

CHILD = """
import os, signal, sys
from ibwire import Broker, MarketOrder, Stock
from ibwire.protocol.messages.orders import PlaceOrder

port, journal, when = int(sys.argv[1]), sys.argv[2], sys.argv[3]
broker = Broker.connect("127.0.0.1", port, client_id=21, timeout=10, journal=journal)
send = broker._send

def send_then_die(msg):
    if isinstance(msg, PlaceOrder) and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)  # the intent is journaled, nothing was written
    send(msg)  # the PLACE_ORDER bytes are written to the socket ...
    if isinstance(msg, PlaceOrder):
        os.kill(os.getpid(), signal.SIGKILL)  # ... and the process dies before any answer

broker._send = send_then_die
broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10), client_order_id="sk-1")
sys.exit(1)  # not reached
"""


def run_child_until_killed(port: int, journal: Path, when: str) -> None:
    out = subprocess.run([sys.executable, "-c", CHILD, str(port), str(journal), when],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == -signal.SIGKILL, out.stderr


def test_sigkill_right_after_submit_then_the_same_client_order_id(gateway: PaperGateway,
                                                                   tmp_path: Path) -> None:
    journal = tmp_path / "orders.db"
    run_child_until_killed(gateway.port, journal, "after")
    assert eventually(lambda: 21 not in gateway.clients())
    # the market order filled at the gateway while nobody was connected
    with Broker.connect("127.0.0.1", gateway.port, client_id=21, timeout=WAIT, journal=journal,
                        reconnect=True) as broker:
        report = broker.last_reconciliation
        assert report is not None and report.asked and report.offline_fills
        t = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10), client_order_id="sk-1")
        assert t.status == "Filled" and t.filled == 10
        t2, rec = exactly_once(gateway, broker, "sk-1")
        assert t2 is t and rec.status == "Filled"


def test_sigkill_before_the_bytes_left_reports_the_intent_and_never_sends_it(
        gateway: PaperGateway, tmp_path: Path) -> None:
    journal = tmp_path / "orders.db"
    run_child_until_killed(gateway.port, journal, "before")
    with Broker.connect("127.0.0.1", gateway.port, client_id=21, timeout=WAIT, journal=journal,
                        reconnect=True) as broker:
        [t] = broker.tickets
        assert t.status == "Unknown" and t.client_order_id == "sk-1"
        again = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10), client_order_id="sk-1")
        assert again is t and again.status == "Unknown"
        broker.current_time()
        assert orders_with_ref(gateway, "sk-1") == []  # never placed, never re-sent
        # the caller decides: a new client order id places it once
        t3 = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 10), client_order_id="sk-2")
        assert t3.order_id > t.order_id
        t3.wait_done(WAIT)
        exactly_once(gateway, broker, "sk-2")


# --- dropped mid-order, filled while away -----------------------------------------------------------

def test_drop_mid_order_and_fill_while_away(gateway: PaperGateway, tmp_path: Path, wire: Any) -> None:
    broker = Broker.connect("127.0.0.1", gateway.port, client_id=22, timeout=WAIT,
                            journal=tmp_path / "orders.db", reconnect=True)
    try:
        broker.reconnect_initial_delay = 1.0
        events = Events(broker)
        order = resting_buy(gateway)
        t = broker.submit_order(Stock("AAPL"), order, client_order_id="away-1")
        assert t.wait_for(lambda t: t.status == "Submitted", WAIT)
        gateway.drop_client(22)
        assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, WAIT)
        blocker = wire(22)  # hold client id 22 so the Broker's reconnects meet 326 ...
        step_until(gateway, lambda ex: not ex.open_orders(22))  # ... while the order fills
        assert broker.state is not ConnectionState.CONNECTED and t.status == "Submitted"
        blocker.close()  # TWS frees the id: the Broker reconnects and reconciles
        assert broker.wait_until(lambda: t.status == "Filled", 30)
        exactly_once(gateway, broker, "away-1")
        assert len(events.gaps("offline_fill")) == len(t.fills) >= 1
        assert broker.submit_order(Stock("AAPL"), order, client_order_id="away-1") is t
        broker.current_time()
        exactly_once(gateway, broker, "away-1")
    finally:
        broker.disconnect()


def test_drop_before_the_acknowledgement_then_reconcile(gateway: PaperGateway, tmp_path: Path) -> None:
    broker = Broker.connect("127.0.0.1", gateway.port, client_id=23, timeout=WAIT,
                            journal=tmp_path / "orders.db", reconnect=True)
    try:
        gateway.hold_acks()  # the order is placed and fills, its acknowledgement never comes
        failed: list[BaseException] = []

        def submit() -> None:
            try:
                broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 5), client_order_id="mid-1",
                                    timeout=60)
            except BaseException as exc:
                failed.append(exc)

        worker = threading.Thread(target=submit)
        worker.start()
        assert eventually(lambda: len(orders_with_ref(gateway, "mid-1")) == 1)
        gateway.drop_client(23)
        worker.join(WAIT)
        assert len(failed) == 1 and isinstance(failed[0], ConnectionLost)
        gateway.release_acks()  # nobody holds client 23 now: the acks go nowhere
        assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, WAIT)
        t = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 5), client_order_id="mid-1")
        assert t.status == "Filled"  # found by reconciliation, not sent again
        exactly_once(gateway, broker, "mid-1")
    finally:
        broker.disconnect()


# --- the gateway restarts ------------------------------------------------------------------------

def test_gateway_restart_from_its_state_file(state_gateway: PaperGateway, tmp_path: Path) -> None:
    gw = state_gateway
    broker = Broker.connect("127.0.0.1", gw.port, client_id=24, timeout=WAIT,
                            journal=tmp_path / "orders.db", reconnect=True)
    try:
        broker.reconnect_initial_delay = 0.05
        filled = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 7), client_order_id="r-fill")
        filled.wait_done(WAIT)
        resting = broker.submit_order(Stock("AAPL"), resting_buy(gw), client_order_id="r-rest")
        gw.restart()
        assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, WAIT)
        assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, WAIT)
        for ref, t in (("r-fill", filled), ("r-rest", resting)):
            assert broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 1), client_order_id=ref) is t
        assert resting.status == "Submitted" and filled.status == "Filled"
        step_until(gw, lambda ex: not ex.open_orders(24))
        assert broker.wait_until(lambda: resting.status == "Filled", WAIT)
        new = broker.submit_order(Stock("AAPL"), MarketOrder("SELL", 17), client_order_id="r-new")
        new.wait_done(WAIT)
        assert new.order_id > resting.order_id
        for ref in ("r-fill", "r-rest", "r-new"):
            exactly_once(gw, broker, ref)
    finally:
        broker.disconnect()


def test_next_valid_id_lowered_after_a_restart_never_reuses_an_id(tmp_path: Path) -> None:
    state = tmp_path / "gateway.db"
    journal = tmp_path / "orders.db"
    with PaperGateway(port=0, tick_interval=None, state_path=state) as gw:
        with Broker.connect("127.0.0.1", gw.port, client_id=25, timeout=WAIT, journal=journal) as b:
            done = b.submit_order(Stock("AAPL"), MarketOrder("BUY", 3), client_order_id="n-1")
            done.wait_done(WAIT)
            resting = b.submit_order(Stock("AAPL"), resting_buy(gw), client_order_id="n-2")
            used = [done.order_id, resting.order_id]
    # TWS restarted and forgot how far this client id had got (its orders are still there)
    with PaperGateway(port=0, tick_interval=None, state_path=state) as gw:
        gw.lower_next_valid_id(25, 1)
    with PaperGateway(port=0, tick_interval=None, state_path=state) as gw:
        errors: list[Any] = []
        with Broker.connect("127.0.0.1", gw.port, client_id=25, timeout=WAIT, journal=journal) as b:
            b.add_listener(lambda ev: errors.append(ev) if getattr(ev, "code", 0) in (103, 104) else None)
            assert gw.call(lambda ex: ex.next_valid_id(25)) == 1  # the lowered NEXT_VALID_ID
            t = b.submit_order(Stock("AAPL"), MarketOrder("BUY", 2), client_order_id="n-3")
            t.wait_done(WAIT)
            assert t.order_id == max(used) + 1 and t.status == "Filled" and not t.errors
            assert not errors
            for ref in ("n-1", "n-2", "n-3"):
                exactly_once(gw, b, ref)


# --- connectivity notices ---------------------------------------------------------------------------

def test_1100_then_1101(gateway: PaperGateway, tmp_path: Path) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=26, timeout=WAIT,
                        journal=tmp_path / "orders.db") as broker:
        states: list[Any] = []
        broker.add_listener(lambda ev: states.append(ev.new) if hasattr(ev, "new") else None)
        ticker = broker.market_data(Stock("AAPL"))
        first_id = ticker.req_id
        resting = broker.submit_order(Stock("AAPL"), resting_buy(gateway), client_order_id="c-1")
        gateway.send_connectivity(1100)
        assert broker.wait_until(lambda: broker.state is ConnectionState.DEGRADED, WAIT)
        during = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 4), client_order_id="c-2")
        gateway.send_connectivity(1101)
        assert broker.wait_until(lambda: broker.state is ConnectionState.CONNECTED, WAIT)
        assert ticker.req_id != first_id  # re-requested under a new id
        updates = ticker.updates
        gateway.step(1)
        assert broker.wait_until(lambda: ticker.updates > updates, WAIT)  # and it streams again
        step_until(gateway, lambda ex: not ex.open_orders(26))
        assert broker.wait_until(lambda: resting.status == "Filled" and during.status == "Filled", WAIT)
        assert states[:2] == [ConnectionState.DEGRADED, ConnectionState.CONNECTED]
        for ref in ("c-1", "c-2"):
            exactly_once(gateway, broker, ref)


# --- acknowledgements and reports out of order ----------------------------------------------------

def test_acks_withheld_past_the_timeout(gateway: PaperGateway, tmp_path: Path) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=27, timeout=WAIT,
                        journal=tmp_path / "orders.db") as broker:
        gateway.hold_acks()
        for _ in range(2):  # the retry a careful caller makes: never a second order
            with pytest.raises(RequestTimeout):
                broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 6), client_order_id="h-1",
                                    timeout=0.3)
        assert len(orders_with_ref(gateway, "h-1")) == 1
        gateway.release_acks()
        t = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 6), client_order_id="h-1")
        t.wait_done(WAIT)
        assert t.status == "Filled"
        exactly_once(gateway, broker, "h-1")


def test_commission_report_before_its_execution(gateway: PaperGateway, tmp_path: Path) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=28, timeout=WAIT,
                        journal=tmp_path / "orders.db") as broker:
        fills: list[Any] = []
        broker.add_listener(lambda ev: fills.append(ev) if type(ev).__name__ == "FillEvent" else None)
        gateway.hold_acks()
        worker = threading.Thread(target=lambda: broker.submit_order(
            Stock("AAPL"), MarketOrder("BUY", 9), client_order_id="cr-1", timeout=WAIT))
        worker.start()
        assert eventually(lambda: len(orders_with_ref(gateway, "cr-1")) == 1)
        assert gateway.commission_before_execution() >= 1
        gateway.release_acks()
        worker.join(WAIT)
        t, _ = exactly_once(gateway, broker, "cr-1")
        assert t.fills[0].commission_report is not None
        assert t.fills[0].commission_report.commission is not None
        assert len(fills) == len(t.fills)  # one FillEvent per execution, commission included


def test_the_journal_file_outlives_the_broker(gateway: PaperGateway, tmp_path: Path) -> None:
    """After everything above, a plain reopen of the journal tells the same story."""
    journal = tmp_path / "orders.db"
    with Broker.connect("127.0.0.1", gateway.port, client_id=29, timeout=WAIT, journal=journal) as b:
        t = b.submit_order(Stock("AAPL"), MarketOrder("BUY", 1), client_order_id="j-1")
        t.wait_done(WAIT)
        exactly_once(gateway, b, "j-1")
    with Broker.connect("127.0.0.1", gateway.port, client_id=29, timeout=WAIT, journal=journal) as b:
        [again] = b.tickets
        assert (again.order_id, again.status, again.client_order_id) == (t.order_id, "Filled", "j-1")
        exactly_once(gateway, b, "j-1")
        assert os.path.getsize(journal) > 0
